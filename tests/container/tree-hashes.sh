#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# tests/container/tree-hashes.sh DIR: "sha256  path" for every regular file under DIR, paths
# relative to DIR, sorted bytewise. check.sh uses it on the whole toolchain directory, which is
# stricter than `make toolchain-hashes` (libraries and binaries only): a build path left in a
# header, a script or a specs file shows up here. Symlinks are listed by their target.
set -eu
cd "${1:?usage: tree-hashes.sh DIR}"
find . -type f ! -name .complete -print0 | LC_ALL=C sort -z | xargs -0r sha256sum |
	sed 's|  \./|  |'
find . -type l -print | LC_ALL=C sort | while read -r l; do
	printf 'symlink:%s  %s\n' "$(readlink "$l")" "${l#./}"
done
