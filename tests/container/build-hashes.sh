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
# Only the per-arch output trees (those that hold a stub) and stubs/: fixtures, demo and bench
# dirs hold images and caches made by tests, not build outputs.
arches=$(for d in */bin/vessel-stub; do [ -f "$d" ] && echo "${d%%/*}"; done)
# shellcheck disable=SC2086 # the arch dirs are plain names
find $arches stubs -path '*/obj' -prune -o -type f \( -path '*/bin/*' -o -path '*/libexec/*' -o -path '*/lib/*.a' \
	-o -path '*/tests/*' -o -path 'stubs/*' \) -print | LC_ALL=C sort | xargs -r sha256sum
