#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='writes to the rootfs stay in the run: not in the cache, gone next time'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

test_expect_success 'a new file in /etc exists during the run' '
	vsl_run "$(vsl_app latest)" sh -c "echo run1 >/etc/vsl-marker && cat /etc/vsl-marker" >out &&
	echo run1 >expect &&
	test_cmp expect out
'

test_expect_success '... is not in the extracted cache' '
	test -d "$VESSEL_CACHE_DIR" &&
	test -z "$(find "$VESSEL_CACHE_DIR" -name vsl-marker)"
'

test_expect_success '... and is gone on the next run' '
	vsl_run "$(vsl_app latest)" sh -c "test ! -e /etc/vsl-marker"
'

test_expect_success 'changes to and removal of image files do not last' '
	vsl_run "$(vsl_app latest)" sh -c "echo changed >/etc/motd && rm /etc/group && rm /bin/noexec.sh" &&
	vsl_run "$(vsl_app latest)" cat /etc/motd /etc/group >out &&
	grep -x "vessel test image" out &&
	grep "^app:x:1000:" out &&
	vsl_run "$(vsl_app latest)" test -e /bin/noexec.sh
'

# With a subid range the cache holds dirs of subordinate ids (0700 /var/lib/svc) that find
# cannot enter from outside the namespace: only its findings count.
test_expect_success 'the cached rootfs is unchanged by the runs' '
	motd=$(find "$VESSEL_CACHE_DIR" -path "*/etc/motd" -type f 2>/dev/null; true) &&
	test -n "$motd" &&
	for f in $motd; do grep -x "vessel test image" "$f" || exit 1; done
'

test_expect_success 'a normal exit leaves no per-run temp dirs behind' '
	vsl_run "$(vsl_app latest)" true &&
	test -z "$(find "$VESSEL_TMPDIR" -mindepth 1 -maxdepth 1)"
'

test_done
