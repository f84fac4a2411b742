#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# tests/container/pins.sh: make the apt pins of Dockerfile.build from THIS machine's dpkg
# database, so the image gets the same compilers and build tools the host used.
#   tests/container/pins.sh > tests/container/apt-pins.txt   regenerate the list the image installs
#   tests/container/pins.sh --check [FILE]                    compare FILE (default: that list)
#                                      with the host; one line per difference, exit 1 if any
# deb.debian.org only carries the current point release plus security updates, so a host that
# has not upgraded in a while can hold a version that is no longer downloadable. Such a package
# is pinned to the mirror's candidate instead, with a warning on stderr; the hash comparison in
# check.sh then shows whether that difference matters.
set -euo pipefail

# What the build and the tests ask for: the package lists of toolchain/deps (read from the
# file, so `make deps` and the image cannot drift apart) plus the tools the build runs itself.
top=$(cd "$(dirname "$0")/../.." && pwd)
build="" test=""
eval "$(grep -zoE '(build|test)="[^"]*"' "$top/toolchain/deps" | tr '\0' '\n')"
[ -n "$build" ] || { echo "pins.sh: no build=\"...\" list found in toolchain/deps" >&2; exit 1; }
direct=()
# shellcheck disable=SC2086 # word splitting of the lists is intended
for p in $build $test gperf autoconf automake libtool binutils libc6-dev-arm64-cross apt tar; do
	case " ${direct[*]} " in *" $p "*) continue ;; esac
	direct+=("$p")
done
# ... plus what decides the bytes of the output: the compilers, assemblers, linkers, C
# libraries and the autotools/cmake/pkg-config helpers they pull in. Without these pins apt
# would pick whatever the mirror has today for each dependency.
closure=(cpp cpp-12 gcc-12 libgcc-12-dev libcc1-0 libisl23 libmpc3 libmpfr6 libgmp10
	binutils-common binutils-x86-64-linux-gnu libbinutils libctf0 libctf-nobfd0 libgprofng0
	libc6 libc6-dev libc-dev-bin
	cpp-aarch64-linux-gnu cpp-12-aarch64-linux-gnu gcc-12-aarch64-linux-gnu
	gcc-12-aarch64-linux-gnu-base gcc-12-cross-base libgcc-12-dev-arm64-cross
	libc6-arm64-cross linux-libc-dev-arm64-cross
	m4 autotools-dev cmake-data pkgconf pkgconf-bin libpkgconf3 libdpkg-perl
	libzstd1 libyajl2 zlib1g clang-14)

host_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null; }

# The version to pin: the host's if the mirror still has it, else the mirror's candidate.
pin_version() {
	local p=$1 h avail cand
	cand=$(apt-cache policy "$p" | awk '/Candidate:/ { print $2 }')
	if ! h=$(host_version "$p") || [ -z "$h" ]; then
		echo "pins.sh: warning: $p is not installed here (make deps); pinning the mirror's $cand" >&2
		echo "$cand"
		return 0
	fi
	avail=$(apt-cache madison "$p" | awk -F'|' '{ gsub(/ /, "", $2); print $2 }')
	if grep -qxF -- "$h" <<<"$avail"; then
		echo "$h"
		return 0
	fi
	echo "pins.sh: warning: $p=$h (host) is no longer on the mirror; pinning $cand" >&2
	echo "$cand"
}

if [ "${1:-}" = --check ]; then
	file=${2:-$(dirname "$0")/apt-pins.txt}
	rc=0
	while read -r spec; do
		p=${spec%%=*} want=${spec#*=}
		h=$(host_version "$p") || h="(not installed)"
		if [ "$h" != "$want" ]; then
			echo "pin differs: $p: $(basename "$file") has $want, host has $h"
			rc=1
		fi
	done < <(grep -vE '^(#|$)' "$file")
	exit $rc
fi

echo "# apt pins for Dockerfile.build, made by tests/container/pins.sh on $(date -u +%F) from"
echo "# the host's dpkg database (Debian $(cat /etc/debian_version)). One pkg=version per line."
for p in "${direct[@]}" "${closure[@]}"; do
	echo "$p=$(pin_version "$p")"
done
