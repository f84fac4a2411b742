#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Start-up benchmark (`make bench`), host arch only. Two comparisons, each beside its floor:
#   warm   `./app sh -c 'echo hi'` on the extract path with a warm cache, vs
#          `unshare -Urm chroot ROOTFS sh -c 'echo hi'` on the same extracted rootfs.
#          Target: vessel <= 2x the floor.
#   cold   the first run of a debootstrap'd bookworm minbase image (empty cache), vs
#          `zstd -dc | tar -x` of the same tar.zst payload into the same filesystem.
#          Target: vessel <= 1.2x. Skipped without debootstrap or root (the image recipe needs
#          both).
# Ratios are of medians. Targets are reported, never enforced: this script fails only when a
# command under test fails.
# Knobs: BENCH_N (warm runs, default 50), BENCH_COLD_N (default 5; 0 skips; each run keeps its two
# trees, about 350 MB, until the last one is done), VSL_BENCH_DIR (where the
# apps, cache and extraction go; default $VSL_BUILD/bench; put it on tmpfs to take the disk out),
# VSL_BUILD, VSL_VESSEL, VESSEL_STUB_DIR, BENCH_NO_HYPERFINE=1.
set -eu

repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/tests/bench/lib.sh"
bench_setup
: "${BENCH_N:=50}"
: "${BENCH_COLD_N:=5}"

mkdir -p "$VSL_BENCH_DIR"
B=$(cd "$VSL_BENCH_DIR" && pwd)
res=$B/results
: >"$res"
# The per-run dir stays wherever the runtime puts it by default: that is what users get.
export VESSEL_PAYLOAD=extract

build() { # build IMAGE-REF OUTPUT
	rm -f "$2"
	"$VSL_VESSEL" build --image "$1" --arch "$oci" --output "$2" --payload-format tar.zst \
		>"$2.log" 2>&1 || {
		cat "$2.log" >&2
		die "vessel build $1 failed"
	}
}

echo "vessel start-up benchmark: $host, $(nproc) CPUs, dir $B ($(stat -f -c %T "$B"))"
if command -v hyperfine >/dev/null 2>&1 && [ -z "${BENCH_NO_HYPERFINE:-}" ]; then
	echo "timing: hyperfine for the warm runs, a Perl loop for the cold ones"
else
	echo "timing: Perl loop, runs interleaved"
fi

# --- warm: busybox ------------------------------------------------------------------------
img=$("$repo/tests/fixtures/fixture.sh" busybox "$oci")
app=$B/busybox-app
build "oci:$img:latest" "$app"
warm=$B/cache-warm
rm -rf "$warm"
VESSEL_CACHE_DIR=$warm "$app" true || die "$app true failed"
rootfs=$(find "$warm" -mindepth 2 -maxdepth 2 -name rootfs -type d | head -n1)
[ -n "$rootfs" ] || die "no extracted rootfs under $warm after the first run"
# The floor must work too before timing starts.
unshare -Urm chroot "$rootfs" sh -c 'echo hi' >/dev/null || die "the floor command fails"
echo "warm: $BENCH_N runs each of sh -c 'echo hi'"
VESSEL_CACHE_DIR=$warm bench_time "$BENCH_N" "$res" \
	floor unshare -Urm chroot "$rootfs" sh -c 'echo hi' ::: \
	vessel "$app" sh -c 'echo hi' || die "a warm run failed: $(cat "$res")"

# --- cold: debootstrap --------------------------------------------------------------------
cold_skip=
if [ "$BENCH_COLD_N" = 0 ]; then
	cold_skip="BENCH_COLD_N=0"
elif ! command -v debootstrap >/dev/null 2>&1; then
	cold_skip="debootstrap is not installed"
elif [ "$(id -u)" != 0 ] && [ -z "$(ls -d "$VSL_BUILD"/fixtures/debootstrap-"$oci"-* 2>/dev/null)" ]; then
	cold_skip="the debootstrap image needs root to make once"
elif ! deb=$("$repo/tests/fixtures/fixture.sh" debootstrap "$oci"); then
	cold_skip="the debootstrap image could not be made (see above)"
fi
if [ -z "$cold_skip" ]; then
	dapp=$B/debian-app
	build "oci:$deb:latest" "$dapp"
	bench_section_copy "$dapp" tarzst "$B/debian.tar.zst"
	cold=$B/cache-cold
	base=$B/baseline-extract
	echo "cold: $BENCH_COLD_N runs each ($(du -h "$B/debian.tar.zst" | cut -f1) tar.zst)"
	# Every run gets a new empty dir, made by the timed command on both sides (mktemp, one
	# mkdir), and the trees are removed only after the last run. Removing the last tree right
	# before each run timed the file system instead: ext4 without a journal skips inodes freed
	# in the last minutes one by one when it allocates new ones, which made both sides 5-10x
	# slower, by amounts that changed from run to run. Both land on the filesystem of $B.
	rm -rf "$base" "$cold"
	mkdir -p "$base" "$cold"
	BENCH_NO_HYPERFINE=1 bench_time "$BENCH_COLD_N" "$res" \
		zstd-tar sh -c "d=\$(mktemp -d '$base/x.XXXXXX') &&
			zstd -qdc '$B/debian.tar.zst' | tar -xf - -C \"\$d\"" ::: \
		vessel-cold sh -c "d=\$(mktemp -d '$cold/x.XXXXXX') && VESSEL_CACHE_DIR=\$d &&
			export VESSEL_CACHE_DIR && exec '$dapp' true" ||
		die "a cold run failed: $(cat "$res")"
	rm -rf "$base" "$cold"
fi

# --- table --------------------------------------------------------------------------------
echo
bench_header
bench_row "$res" floor vessel 2.0 "warm start (busybox, echo hi)"
if [ -n "$cold_skip" ]; then
	printf "%-34s skipped: %s\n" "cold start (debian minbase)" "$cold_skip"
else
	bench_row "$res" zstd-tar vessel-cold 1.2 "cold start (debian minbase)"
fi
