#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='the same image gives the same bytes: other TMPDIRs, --reproducible, SOURCE_DATE_EPOCH, and the aarch64 vessel under qemu'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# `make test` exports SOURCE_DATE_EPOCH (the last commit's time) for the build; this test sets
# it itself where it wants it.
unset SOURCE_DATE_EPOCH
img=oci:$VSL_FIXTURE_BUSYBOX:layers
# The fixture's config says created 2023-11-14T22:13:20Z.
created=1700000000

# The vessel built for the other machine arch, with its own libexec/vessel/ (stubs and
# mksquashfs of that arch), run through qemu-user.
host=$(uname -m)
case $host in x86_64) cross=aarch64 ;; aarch64) cross=x86_64 ;; *) cross= ;; esac
cross_vessel=$VSL_BUILD/$cross/bin/vessel
cross_qemu=$(sed -n "s/^ARCH_QEMU_${cross}[[:space:]]*:=[[:space:]]*//p" \
	"$vsl__repo/arch/$cross/arch.mk" 2>/dev/null | head -n1)
[ -n "$cross" ] && [ -x "$cross_vessel" ] && [ -x "$VSL_BUILD/$cross/libexec/vessel/mksquashfs" ] &&
	command -v "$cross_qemu" >/dev/null 2>&1 && test_set_prereq CROSS

# build OUT [ARGS]: both payloads (the default) for this arch.
build() {
	_o=$1
	shift
	"$VSL_VESSEL" build --image "$img" --arch "$VSL_OCI_ARCH" --output "$_o" "$@"
}

test_expect_success '--reproducible twice, with different TMPDIRs: the same bytes' '
	mkdir -p t1 t2 &&
	TMPDIR=$PWD/t1 build r1 --reproducible &&
	TMPDIR=$PWD/t2 build r2 --reproducible &&
	cmp r1 r2 &&
	test -z "$(ls -A t1 t2 | grep vessel)"
'

test_expect_success '--reproducible records the image created time as the build time' '
	vsl_section_bytes r1 2 >meta &&
	grep "\"built\": \"2023-11-14T22:13:20Z\"" meta
'

test_expect_success 'SOURCE_DATE_EPOCH set to that time gives the same bytes' '
	SOURCE_DATE_EPOCH=$created build r3 &&
	cmp r1 r3
'

test_expect_success 'SOURCE_DATE_EPOCH wins over the created time' '
	SOURCE_DATE_EPOCH=1600000000 build r4 --reproducible &&
	! cmp -s r1 r4 &&
	vsl_section_bytes r4 2 >meta4 &&
	grep "\"built\": \"2020-09-13T12:26:40Z\"" meta4 &&
	SOURCE_DATE_EPOCH=1600000000 build r5 &&
	cmp r4 r5
'

test_expect_success 'without either, no build time is recorded, and the bytes still repeat' '
	env -u SOURCE_DATE_EPOCH "$VSL_VESSEL" build --image "$img" --arch "$VSL_OCI_ARCH" \
		--output p1 &&
	env -u SOURCE_DATE_EPOCH "$VSL_VESSEL" build --image "$img" --arch "$VSL_OCI_ARCH" \
		--output p2 &&
	cmp p1 p2 &&
	vsl_section_bytes p1 2 >metap &&
	! grep built metap
'

test_expect_success CROSS 'the vessel of the other arch, under qemu, writes the same bytes' '
	env -u VESSEL_STUB_DIR "$cross_qemu" "$cross_vessel" build --image "$img" \
		--arch "$VSL_OCI_ARCH" --output rx --reproducible &&
	cmp r1 rx
'

test_expect_success CROSS 'and so it does for the tar.zst alone and the squashfs alone' '
	for f in tar.zst squashfs-only; do
		build n-$f --reproducible --payload-format $f &&
		env -u VESSEL_STUB_DIR "$cross_qemu" "$cross_vessel" build --image "$img" \
			--arch "$VSL_OCI_ARCH" --output x-$f --reproducible --payload-format $f &&
		cmp n-$f x-$f || return 1
	done
'

test_expect_success 'the reproducible executable runs' '
	vsl_run ./r1 cat /etc/greeting >out &&
	echo "greeting from layer 2" >expect &&
	test_cmp expect out
'

test_done
