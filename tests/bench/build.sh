#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Build benchmark (`make bench`), host arch only: `vessel build` of a debootstrap'd bookworm
# minbase image (~170 MB unpacked, one layer) against the peer pipeline on the same OCI layout,
#   umoci unpack --image DIR:latest BUNDLE && mksquashfs BUNDLE/rootfs OUT -comp zstd
# (squashfs-tools' defaults otherwise: zstd level 15, every CPU), in the same run, interleaved.
# vessel rows:
#   vessel          the default build: squashfs + tar.zst, both payload writers at once
#   vessel-serial   the same with VESSEL_PAYLOAD_JOBS=1 (one writer after the other)
#   vessel-sqonly   --payload-format squashfs-only: the same kind of output as the peer
# Target: vessel <= 0.8x the peer's time (ratio of medians of the wall time; the CPU time is
# shown too, because on a shared machine the wall time mostly measures the other load). Sizes are printed against the
# peer's squashfs. Targets are reported, never enforced: this script fails only when a command
# under test fails, and skips (exit 0) without debootstrap, umoci or root for the fixture.
# Knobs: BENCH_BUILD_N (runs of each, default 3; 0 skips), VSL_BENCH_DIR (default
# $VSL_BUILD/bench), VSL_BUILD, VSL_VESSEL, VESSEL_STUB_DIR, BENCH_MKSQUASHFS (default: mksquashfs
# from PATH, Debian's squashfs-tools).
set -eu

repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/tests/bench/lib.sh"
bench_setup
: "${BENCH_BUILD_N:=3}"
: "${BENCH_MKSQUASHFS:=mksquashfs}"

skip() {
	echo "build benchmark skipped: $*"
	exit 0
}
[ "$BENCH_BUILD_N" != 0 ] || skip "BENCH_BUILD_N=0"
command -v umoci >/dev/null 2>&1 || skip "umoci is not installed (apt-get install umoci)"
command -v "$BENCH_MKSQUASHFS" >/dev/null 2>&1 ||
	skip "$BENCH_MKSQUASHFS is not installed (apt-get install squashfs-tools)"
command -v debootstrap >/dev/null 2>&1 || skip "debootstrap is not installed"
if [ "$(id -u)" != 0 ] && [ -z "$(ls -d "$VSL_BUILD"/fixtures/debootstrap-"$oci"-* 2>/dev/null)" ]; then
	skip "the debootstrap image needs root to make once"
fi
deb=$("$repo/tests/fixtures/fixture.sh" debootstrap "$oci") || skip "the debootstrap image could not be made"

mkdir -p "$VSL_BENCH_DIR"
B=$(cd "$VSL_BENCH_DIR" && pwd)/build
rm -rf "$B"
mkdir -p "$B"
res=$B/results
: >"$res"
rootless=
[ "$(id -u)" = 0 ] || rootless=--rootless
# The bench must not race a stale SOURCE_DATE_EPOCH from make: both sides keep file times.
unset SOURCE_DATE_EPOCH

# Both sides must work before anything is timed.
peer="umoci unpack $rootless --image '$deb:latest' '$B/bundle' >/dev/null 2>&1 &&
	'$BENCH_MKSQUASHFS' '$B/bundle/rootfs' '$B/peer.sqfs' -comp zstd -noappend -quiet -no-progress"
sh -c "$peer" || die "the peer pipeline fails: $peer"
rm -rf "$B/bundle"
"$VSL_VESSEL" build -q -i "oci:$deb:latest" -a "$oci" -o "$B/app" || die "vessel build fails"

echo "vessel build benchmark: $host, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), dir $B ($(stat -f -c %T "$B"))"
echo "image: $deb ($(du -sh "$deb" | cut -f1) layout)"
echo "peer:  umoci unpack $rootless && $BENCH_MKSQUASHFS -comp zstd (its defaults: level 15, all CPUs)"
echo "runs:  $BENCH_BUILD_N of each, interleaved"

# The peer's bundle must not exist when umoci starts: removed (untimed) before each of its runs.
# shellcheck disable=SC2034 # read by bench_time through the environment
BENCH_PRE_0="rm -rf '$B/bundle'"
export BENCH_PRE_0
bench_time "$BENCH_BUILD_N" "$res" \
	peer sh -c "$peer" ::: \
	vessel "$VSL_VESSEL" build -q -i "oci:$deb:latest" -a "$oci" -o "$B/app" ::: \
	vessel-serial env VESSEL_PAYLOAD_JOBS=1 "$VSL_VESSEL" build -q -i "oci:$deb:latest" \
	-a "$oci" -o "$B/app-serial" ::: \
	vessel-sqonly "$VSL_VESSEL" build -q -i "oci:$deb:latest" -a "$oci" -o "$B/app-sqonly" \
	--payload-format squashfs-only || die "a run failed: $(cat "$res")"
rm -rf "$B/bundle"

size_row() { # size_row LABEL BYTES PEER-BYTES
	awk -v l="$1" -v b="$2" -v p="$3" \
		'BEGIN { printf "%-34s %12.1f MB %7.2fx\n", l, b / 1e6, b / p }'
}

echo
bench_header
bench_row "$res" peer vessel 0.8 "build (squashfs + tar.zst)"
bench_row "$res" peer vessel-serial 0.8 "build, writers one after other"
bench_row "$res" peer vessel-sqonly 0.8 "build, squashfs-only"

echo
echo "CPU time (user + system, median), the cost apart from the other load on the machine:"
bench_header_cpu
bench_row_cpu "$res" peer vessel 0.8 "build (squashfs + tar.zst)"
bench_row_cpu "$res" peer vessel-serial 0.8 "build, writers one after other"
bench_row_cpu "$res" peer vessel-sqonly 0.8 "build, squashfs-only"

psize=$(stat -c %s "$B/peer.sqfs")
echo
printf "%-34s %15s %8s\n" "output size" "" "vs peer"
size_row "peer squashfs (zstd level 15)" "$psize" "$psize"
size_row "vessel file (default)" "$(stat -c %s "$B/app")" "$psize"
size_row "  its squashfs section (level 9)" "$(bench_section "$B/app" squashfs length)" "$psize"
size_row "  its tar.zst section (level 9)" "$(bench_section "$B/app" tarzst length)" "$psize"
size_row "vessel file (squashfs-only)" "$(stat -c %s "$B/app-sqonly")" "$psize"
cmp -s "$B/app" "$B/app-serial" && echo "(the serial and the parallel build wrote the same bytes)"
