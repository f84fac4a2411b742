#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `make demo`: build the busybox test image for amd64 and arm64 from Debian's packages, turn
# each into one executable with vessel, and run both on this host; the foreign one runs under
# qemu-user inside `unshare -Urm` (qemu-user cannot create a user namespace itself). The files
# have the default payloads (squashfs + tar.zst): they start through FUSE where /dev/fuse
# opens, else from the tar.zst; the first run says which.
# Knobs: VSL_BUILD (default <repo>/build), VSL_VESSEL, VESSEL_STUB_DIR, VESSEL_CACHE_DIR
# (default $VSL_BUILD/demo/cache).
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
: "${VSL_BUILD:=$repo/build}"
host=$(uname -m)
: "${VSL_VESSEL:=$VSL_BUILD/$host/bin/vessel}"
: "${VESSEL_STUB_DIR:=$VSL_BUILD/stubs}"
out=$VSL_BUILD/demo
: "${VESSEL_CACHE_DIR:=$out/cache}"
export VSL_BUILD VESSEL_STUB_DIR VESSEL_CACHE_DIR

heading() { printf '\n=== %s\n' "$*"; }
die() {
	echo "demo: $*" >&2
	exit 1
}
[ -x "$VSL_VESSEL" ] || die "vessel is not built: $VSL_VESSEL (run make first)"

# archvar ARCHDIR NAME: ARCH_<NAME>_<dir> from arch/<dir>/arch.mk (the one per-arch place).
archvar() {
	sed -n "s/^ARCH_$2_$1[[:space:]]*:=[[:space:]]*//p" "$repo/arch/$1/arch.mk" | head -n1
}

mkdir -p "$out"
for dir in x86_64 aarch64; do
	oci=$(archvar "$dir" OCI)
	app=$out/busybox-$oci

	heading "$oci: image from Debian's busybox-static (tests/fixtures/busybox-image.sh)"
	img=$("$repo/tests/fixtures/fixture.sh" busybox "$oci")
	echo "$img"

	heading "$oci: vessel build"
	rm -f "$app"
	echo "\$ vessel build --image oci:…:latest --arch $oci --output $app"
	"$VSL_VESSEL" build --image "oci:$img:latest" --arch "$oci" --output "$app"
	ls -l "$app"

	if [ "$dir" = "$host" ]; then
		set -- "$app"
		how="natively"
	else
		qemu=$(archvar "$dir" QEMU)
		command -v "$qemu" >/dev/null 2>&1 || {
			heading "$oci: skipped running: $qemu is not installed (apt-get install qemu-user-static)"
			continue
		}
		bf=/proc/sys/fs/binfmt_misc/${qemu%-static}
		grep -qx enabled "$bf" 2>/dev/null || {
			heading "$oci: skipped running: binfmt_misc has no enabled $bf, so the kernel cannot exec the container's $oci programs (update-binfmts --enable ${qemu%-static})"
			continue
		}
		set -- unshare -Urm "$qemu" "$app"
		how="through unshare -Urm $qemu"
	fi
	heading "$oci: run $how"
	echo "\$ VESSEL_DEBUG=1 ./$(basename "$app")    # which way it starts"
	VESSEL_DEBUG=1 "$@" 2>&1 | grep -E '^vessel: debug: (payload path|launch)|^[^v]'
	echo "\$ ./$(basename "$app") uname -m"
	"$@" uname -m
	echo "\$ ./$(basename "$app") -e GREETING=hello-from-the-command-line"
	"$@" -e GREETING=hello-from-the-command-line
done
heading "done: apps in $out"
