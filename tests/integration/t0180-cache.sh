#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='the extract path: cache reuse, completion marker, damaged app files'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

VESSEL_CACHE_DIR=$VSL_PASS_DIR/cache-t0180
VESSEL_PAYLOAD=extract
export VESSEL_CACHE_DIR VESSEL_PAYLOAD

test_expect_success 'the first run extracts' '
	VESSEL_DEBUG=1 vsl_run "$(vsl_app latest)" >out 2>err &&
	echo hello-from-image >expect &&
	test_cmp expect out &&
	grep -F "extract: extracted" err
'

test_expect_success 'the second run reuses the cache' '
	VESSEL_DEBUG=1 vsl_run "$(vsl_app latest)" >out 2>err &&
	test_cmp expect out &&
	grep -F "extract: reusing cache" err &&
	! grep -F "extract: extracted" err
'

test_expect_success 'one complete cache entry, with its marker' '
	find "$VESSEL_CACHE_DIR" -mindepth 2 -maxdepth 2 -name complete -type f >markers &&
	test "$(wc -l <markers)" = 1
'

test_expect_success 'an entry without its completion marker is extracted again' '
	entry=$(dirname "$(cat markers)") &&
	rm "$entry/complete" &&
	mkdir -p "$entry.tmp.999999/rootfs" && echo junk >"$entry.tmp.999999/rootfs/junk" &&
	VESSEL_DEBUG=1 vsl_run "$(vsl_app latest)" >out 2>err &&
	test_cmp expect out &&
	grep -F "extract: extracted" err &&
	test -f "$entry/complete"
'

test_expect_success '... and a leftover extraction dir is removed' '
	entry=$(dirname "$(cat markers)") &&
	test ! -e "$entry.tmp.999999"
'

test_expect_success 'VESSEL_CACHE_DIR unset: the cache is under XDG_CACHE_HOME/vessel' '
	rm -rf xdg &&
	(unset VESSEL_CACHE_DIR; XDG_CACHE_HOME=$PWD/xdg vsl_run "$(vsl_app latest)" true) &&
	test -n "$(find xdg/vessel -name complete)"
'

test_expect_success 'concurrent first runs share one extraction' '
	export VESSEL_CACHE_DIR="$PWD/cache-concurrent" &&
	rm -rf "$VESSEL_CACHE_DIR" &&
	app=$(vsl_app latest) &&
	{ vsl_exec "$app" >c1 2>&1 & } && p1=$! &&
	{ vsl_exec "$app" >c2 2>&1 & } && p2=$! &&
	{ vsl_exec "$app" >c3 2>&1 & } && p3=$! &&
	wait $p1 && wait $p2 && wait $p3 &&
	for f in c1 c2 c3; do test_cmp expect $f || exit 1; done &&
	test "$(find "$VESSEL_CACHE_DIR" -mindepth 2 -maxdepth 2 -name complete | wc -l)" = 1
'

for cut in half 1 512 4096; do
	test_expect_success "an app truncated by $cut bytes: 125 with a message" '
		app=$(vsl_app latest) &&
		size=$(stat -c %s "$app") &&
		case '"$cut"' in half) keep=$((size / 2)) ;; *) keep=$((size - '"$cut"')) ;; esac &&
		head -c $keep "$app" >trunc && chmod +x trunc &&
		test_expect_code 125 vsl_run ./trunc 2>err &&
		test -s err
	'
done

test_expect_success 'a corrupted payload with a cold cache: 125, nothing cached' '
	export VESSEL_CACHE_DIR="$PWD/cache-corrupt" &&
	rm -rf "$VESSEL_CACHE_DIR" &&
	cp "$(vsl_app latest)" corrupt && chmod +x corrupt &&
	set -- $(vsl_section corrupt 4) &&
	test -n "$2" &&
	vsl_flip_byte corrupt $(($1 + $2 / 2)) &&
	test_expect_code 125 vsl_run ./corrupt 2>err &&
	test -s err &&
	test -z "$(find "$VESSEL_CACHE_DIR" -name complete 2>/dev/null)"
'

test_done
