#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='docker:// and bare references pulled from a local registry, multi-arch indexes'
# A private docker-registry (Debian's docker-registry, distribution 2.x) runs per pass on
# 127.0.0.1 with a port the kernel picks, a temp config and storage dir; it is stopped and its
# dir removed when the pass ends, also on failure. The fixtures are pushed with skopeo; vessel
# pulls them with TLS verification off because the registry is on this machine.
VSL_FIXTURES="busybox multiarch"
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

command -v docker-registry >/dev/null 2>&1 && test_set_prereq REGISTRY

reg_dir=$VSL_PASS_DIR/registry
reg_pid=
stop_registry() {
	if [ -n "$reg_pid" ]; then
		kill "$reg_pid" 2>/dev/null
		wait "$reg_pid" 2>/dev/null
	fi
	reg_pid=
	rm -rf "$reg_dir"
}
trap stop_registry EXIT
trap 'stop_registry; exit 130' INT TERM HUP

# start_registry: run it on 127.0.0.1:0 and read the port it got from its log.
start_registry() {
	mkdir -p "$reg_dir/storage" || return 1
	printf 'version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:0\n' \
		"$reg_dir/storage" >"$reg_dir/config.yml"
	docker-registry serve "$reg_dir/config.yml" >"$reg_dir/log" 2>&1 &
	reg_pid=$!
	_i=0
	while [ $_i -lt 100 ]; do
		REG=$(sed -n 's/.*msg="listening on \(127\.0\.0\.1:[0-9]*\)".*/\1/p' "$reg_dir/log")
		[ -n "$REG" ] && return 0
		kill -0 "$reg_pid" 2>/dev/null || break
		sleep 0.1
		_i=$((_i + 1))
	done
	cat "$reg_dir/log" >&2
	return 1
}
if test_have_prereq REGISTRY,SKOPEO && start_registry; then
	test_set_prereq UP
	export REG
fi

for a in amd64 arm64; do [ $a = "$VSL_OCI_ARCH" ] || OTHER=$a; done
export OTHER

# no_temp_left: nothing of vessel's is left in the pass's TMPDIR.
no_temp_left() {
	! ls -a "$TMPDIR" | grep vessel
}

# elf_machine FILE: the ELF e_machine of a file (62 x86_64, 183 aarch64).
elf_machine() { od -An -t u2 -j 18 -N 2 "$1" | tr -d ' '; }

test_expect_success REGISTRY,SKOPEO 'the registry starts on 127.0.0.1' '
	test_have_prereq UP &&
	case $REG in 127.0.0.1:*) ;; *) false ;; esac
'

test_expect_success UP 'push the multi-arch indexes (OCI index and docker manifest list)' '
	for t in multi multi-novariant amd64-only; do
		skopeo copy -q --all --dest-tls-verify=false "oci:$VSL_FIXTURE_MULTIARCH:$t" \
			"docker://$REG/busybox:$t" || return 1
	done &&
	skopeo copy -q --all --format v2s2 --dest-tls-verify=false \
		"oci:$VSL_FIXTURE_MULTIARCH:multi" "docker://$REG/busybox:multi-docker" &&
	skopeo copy -q --dest-tls-verify=false "oci:$VSL_FIXTURE_BUSYBOX:latest" \
		"docker://$REG/single/busybox:latest" &&
	skopeo inspect --raw --tls-verify=false "docker://$REG/busybox:multi-docker" >raw &&
	grep -q manifest.list.v2 raw
'

test_expect_success UP 'a bare reference is docker://: the OCI index gives this arch, and it runs' '
	vsl_build_app "$REG/busybox:multi" app-multi &&
	vsl_run ./app-multi uname -m >out &&
	echo "$VSL_ARCH" >expect &&
	test_cmp expect out &&
	no_temp_left
'

test_expect_success UP 'docker:// with a docker manifest list' '
	vsl_build_app "docker://$REG/busybox:multi-docker" app-docker &&
	vsl_run ./app-docker sh -c "uname -m; echo \$GREETING" >out &&
	printf "%s\n" "$VSL_ARCH" hello-from-image >expect &&
	test_cmp expect out
'

test_expect_success UP 'an index entry without a variant is accepted' '
	vsl_build_app "$REG/busybox:multi-novariant" app-novar &&
	vsl_run ./app-novar uname -m >out &&
	echo "$VSL_ARCH" >expect &&
	test_cmp expect out
'

test_expect_success UP 'the other arch from the same index gets its own image and stub' '
	vsl_vessel build --image "$REG/busybox:multi" --arch "$OTHER" --payload-format tar.zst \
		--output app-other 2>err &&
	case $OTHER in amd64) want=62 ;; arm64) want=183 ;; esac &&
	test "$(elf_machine app-other)" = "$want" &&
	vsl_section_bytes app-other 2 >meta &&
	grep "\"arch\": \"$OTHER\"" meta
'

test_expect_success UP 'localhost names the same registry (loopback: no TLS verification)' '
	port=${REG#127.0.0.1:} &&
	vsl_build_app "localhost:$port/single/busybox:latest" app-single &&
	vsl_run ./app-single echo pulled >out &&
	echo pulled >expect &&
	test_cmp expect out
'

test_expect_success UP 'a pull gives the same bytes as the local layout of that image' '
	SOURCE_DATE_EPOCH=1700000000 vsl_vessel build --image "$REG/busybox:multi" \
		--arch "$VSL_OCI_ARCH" --output a-pulled 2>err &&
	SOURCE_DATE_EPOCH=1700000000 vsl_vessel build --image "oci:$VSL_FIXTURE_BUSYBOX:latest" \
		--arch "$VSL_OCI_ARCH" --output a-local 2>err &&
	cmp a-pulled a-local
'

test_expect_success UP 'an arch the index lacks: one line listing what it offers' '
	test_expect_code 1 vsl_vessel build --image "$REG/busybox:amd64-only" --arch arm64 \
		--output out-arch 2>err &&
	test "$(wc -l <err)" = 1 &&
	grep "has no image for linux/arm64; it offers linux/amd64" err &&
	test ! -e out-arch &&
	no_temp_left
'

test_expect_success UP 'a missing tag: skopeo says why, and nothing is left behind' '
	test_expect_code 1 vsl_vessel build --image "docker://$REG/busybox:no-such-tag" \
		--output out-tag 2>err &&
	test "$(wc -l <err)" = 1 &&
	grep "skopeo copy docker://$REG/busybox:no-such-tag failed" err &&
	grep "manifest unknown" err &&
	test ! -e out-tag &&
	no_temp_left
'

test_expect_success UP 'a registry that is not there: the error names it' '
	test_expect_code 1 vsl_vessel build --image "127.0.0.1:1/busybox:latest" \
		--output out-down 2>err &&
	grep "127.0.0.1:1" err &&
	grep "connection refused" err &&
	test ! -e out-down &&
	no_temp_left
'

test_expect_success 'without skopeo: one line naming the Debian package' '
	test_expect_code 1 env PATH=/nonexistent "$VSL_VESSEL" build --image busybox:latest \
		--output out-nosk 2>err &&
	test "$(wc -l <err)" = 1 &&
	grep "docker://busybox:latest needs skopeo" err &&
	grep "apt-get install skopeo" err &&
	test ! -e out-nosk &&
	no_temp_left
'

test_done
