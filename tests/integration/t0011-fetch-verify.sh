#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='toolchain/fetch refuses a corrupt or mismatching download, names it, and never leaves it in place'
VSL_FIXTURES=none VSL_TEST_PASSES=root
. "$(dirname "$0")/lib.sh"

fetch=$vsl__repo/toolchain/fetch
# The smallest pinned file keeps this test fast; it goes through the same code as every file.
name=yajl-debian
file=$(awk -v n=$name '$1 == n { print $5 }' "$vsl__repo/toolchain/versions.lock")
want=$(awk -v n=$name '$1 == n { print $6 }' "$vsl__repo/toolchain/versions.lock")

test_expect_success 'a fresh fetch verifies and stores the file' '
	"$fetch" "$PWD/dl" $name >out 2>err &&
	echo "$want  dl/$file" | sha256sum -c
'

test_expect_success 'a corrupted cached file is refused by name and hash, then fetched again' '
	"$fetch" "$PWD/dl" $name &&
	printf corrupt | dd of="dl/$file" bs=1 seek=100 conv=notrunc 2>/dev/null &&
	"$fetch" "$PWD/dl" $name >out 2>err &&
	grep "REFUSING corrupt .*$file: sha256 .*, expected $want" err &&
	echo "$want  dl/$file" | sha256sum -c
'

test_expect_success 'a download that does not match the lock is refused and never moved into place' '
	sed "/^$name /s/[0-9a-f]\{64\}\$/$(printf "%064d" 0)/" "$vsl__repo/toolchain/versions.lock" >bad.lock &&
	test_expect_code 1 env VESSEL_LOCK="$PWD/bad.lock" "$fetch" "$PWD/dl2" $name 2>err &&
	grep "REFUSING $file from .*expected 0000" err &&
	! test -e "dl2/$file" &&
	test -z "$(ls -A dl2 | grep -v "^\.apt$")"
'

test_done
