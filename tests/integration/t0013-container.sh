#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='Dockerfile.build, built with podman, reproduces the toolchain and every build output bit for bit'
VSL_FIXTURES=none VSL_TEST_PASSES=root
. "$(dirname "$0")/lib.sh"

# `make check-container` itself: it is TAP and compares every arch's outputs; the second arch's
# run is fast because podman reuses the image layers of the first.
test_have_prereq QUICK && { test_skip 'make check-container' 'VSL_QUICK=1'; test_done; }
command -v podman >/dev/null 2>&1 || skip_all "podman is not installed (make deps installs it)"

test_expect_success 'make check-container: toolchain and build outputs identical to this host' '
	make -s -C "$vsl__repo" check-container >out 2>&1 || { cat out; exit 1; }
	cat out &&
	grep "^ok .* toolchain tree (every file): [0-9]* files identical" out &&
	grep "^ok .* make toolchain-hashes: [0-9]* files identical" out &&
	grep "^ok .* build outputs (build-hashes.sh): [0-9]* files identical" out
'

test_done
