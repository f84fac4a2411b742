#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='two clean toolchain builds, from different checkout paths and caches, give the same bytes'
VSL_FIXTURES=none VSL_TEST_PASSES=root
. "$(dirname "$0")/lib.sh"

# The second build takes minutes, so the x86_64 and aarch64 runs of this test share it: it is
# made once under $VSL_BUILD/repro (keyed by the toolchain key) and each run compares its arch.
test_have_prereq QUICK && { test_skip 'second clean toolchain build' 'VSL_QUICK=1'; test_done; }
key=$(make -s -C "$vsl__repo" toolchain-key)
alt=$VSL_BUILD/repro/$key

test_expect_success 'build the toolchain again from a copy of the checkout with an empty cache' '
	if [ ! -f "$alt/hashes" ]; then
		rm -rf "$alt" && mkdir -p "$alt/src/elsewhere" &&
		tar -C "$vsl__repo" --exclude=./build -c . | tar -C "$alt/src/elsewhere" -x &&
		make -s -C "$alt/src/elsewhere" VESSEL_CACHE="$alt/cache" BUILD="$alt/build" \
			toolchain-hashes >"$alt/hashes.tmp" 2>"$alt/log" &&
		mv "$alt/hashes.tmp" "$alt/hashes" &&
		rm -rf "$alt/cache" "$alt/build" "$alt/src"
	fi &&
	make -s -C "$vsl__repo" toolchain-hashes >here &&
	test -s here
'

test_expect_success "every $VSL_ARCH static library and test binary has the same sha256" '
	grep -E "(\./|  )$VSL_ARCH/" here >want &&
	grep -E "(\./|  )$VSL_ARCH/" "$alt/hashes" >got &&
	test $(wc -l <want) -ge 12 &&
	test_cmp want got
'

test_done
