#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# tests/container/build-hashes.sh [BUILD_DIR]: print "sha256  path" for every musl-built output of
# `make` (stubs, vessel, mksquashfs, the per-arch libraries and unit tests), paths relative to the
# build dir. Dockerfile.build runs it inside the image and check.sh on the host; the two lists
# must be equal. Object files and dep files are left out: .d files name absolute header paths,
# and every object is already covered by the archive or binary it ends up in. The ASan build
# links glibc dynamically and is a test aid, not an output.
set -eu
cd "${1:-build}"
find . -path ./asan -prune -o -path ./tap -prune -o -type f \
	\( -path './*/bin/*' -o -path './*/libexec/*' -o -path './*/lib/*.a' -o -path './*/tests/*' \
	-o -path './stubs/*' \) -print | LC_ALL=C sort | sed 's|^\./||' | xargs -r sha256sum
