#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='the toolchain builds static executables of the right machine, and its mksquashfs writes the same bytes on every arch'
VSL_FIXTURES=none VSL_TEST_PASSES=root
. "$(dirname "$0")/lib.sh"

machine=$(vsl__archvar FILE_MACHINE)

test_expect_success 'the toolchain test program, the stub and mksquashfs are static ELF for the arch' '
	for f in "$VSL_BUILD/$VSL_ARCH/tests/t-toolchain" "$VSL_BUILD/$VSL_ARCH/bin/vessel-stub" \
		"$VSL_BUILD/$VSL_ARCH/bin/vessel" "$VSL_BUILD/$VSL_ARCH/libexec/vessel/mksquashfs"; do
		file -b "$f" >out &&
		grep "ELF 64-bit LSB executable, $machine" out &&
		grep "statically linked" out || { echo "$f: $(cat out)"; exit 1; }
	done
'

test_expect_success 'mksquashfs of this arch writes an image byte-identical to the host build' '
	mkdir -p tree/d/e && echo one >tree/a && printf "%070000d" 0 >tree/d/big && ln -s a tree/l &&
	touch -d @0 tree tree/a tree/d tree/d/e tree/d/big && touch -h -d @0 tree/l &&
	for a in "$VSL_ARCH" "$(uname -m)"; do
		run=""; [ "$a" = "$(uname -m)" ] || run=$VSL_QEMU
		# mksquashfs refuses -mkfs-time/-all-time when SOURCE_DATE_EPOCH is set (make exports it).
		env -u SOURCE_DATE_EPOCH $run "$VSL_BUILD/$a/libexec/vessel/mksquashfs" tree "img-$a" -comp zstd -noappend \
			-all-root -mkfs-time 0 -all-time 0 -no-progress -quiet -processors 1 || exit 1
	done &&
	cmp "img-$VSL_ARCH" "img-$(uname -m)" &&
	unsquashfs -lln "img-$VSL_ARCH" >list && grep "squashfs-root/d/big" list
'

test_done
