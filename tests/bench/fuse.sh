#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# FUSE benchmark (`make bench`), host arch only, each comparison side by side in one run:
#   start   `./app sh -c 'echo hi'` on the FUSE path (VESSEL_PAYLOAD=fuse), vs the floor
#           `unshare -Urm chroot ROOTFS sh -c 'echo hi'` (ROOTFS: unsquashfs of the same
#           section), and vs Debian's squashfuse + kernel overlay (userxattr) + chroot as
#           separate processes inside `unshare -Urm` (the upper/work dirs on a tmpfs there, as
#           vessel's are), for the busybox image (2 MB) and a debootstrap'd bookworm minbase
#           (about 120 MB of files; skipped with the reason when it cannot be made). Targets:
#           vessel <= 2.5x the floor; vessel's cost over the floor the same for both images
#           (<= 1.1x: the start must not grow with the image; the raw debian / busybox ratio
#           is shown too, but it also holds the programs' own difference: the floor's); vessel
#           <= 1.1x the squashfuse chain.
#   read    `tar -cf - . | cat >/dev/null` over the whole tree (one reader; tar skips the data
#           when its output is /dev/null itself), and 4 tar readers at once over quarters of the
#           file list, through our server vs Debian's squashfuse on the same section of the
#           same app file. Both are mounted by tests/tools/sqfs-mount in a fresh `unshare -Urm`
#           for every run, so the kernel's FUSE page cache starts cold for both, while the app
#           file stays warm in the host's page cache for both (it is read once before timing).
#           Targets: our time <= squashfuse's (speed-up >= 1.0x) with one reader, >= 1.5x with
#           four. Also each server's peak RSS (VmHWM, from /proc while mounted, after a
#           4-reader pass): target <= 16 MB for ours.
# Ratios are of medians. Targets are reported, never enforced: this script fails only when a
# command under test fails.
# Knobs: BENCH_N (start runs, default 30), BENCH_READ_N (read runs, default 5), VSL_BENCH_DIR
# (default $VSL_BUILD/bench), BENCH_SQUASHFUSE (default /usr/bin/squashfuse), VSL_BUILD,
# VSL_VESSEL, VESSEL_STUB_DIR. All timing is the interleaving Perl loop of lib.sh.
set -eu

repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/tests/bench/lib.sh"
bench_setup
: "${BENCH_N:=30}"
: "${BENCH_READ_N:=5}"
: "${BENCH_SQUASHFUSE:=/usr/bin/squashfuse}"
mount_tool=$VSL_BUILD/$host/tests/sqfs-mount

[ -x "$mount_tool" ] || die "$mount_tool is not built (run make first)"
command -v unsquashfs >/dev/null || die "unsquashfs is missing (apt-get install squashfs-tools)"
mkdir -p "$VSL_BENCH_DIR/fuse"
B=$(cd "$VSL_BENCH_DIR/fuse" && pwd)
res=$B/results
: >"$res"
fuse_skip=
if ! [ -r /dev/fuse ] || ! [ -w /dev/fuse ]; then
	fuse_skip="/dev/fuse cannot be opened by $(id -un)"
fi
sf_skip=
[ -x "$BENCH_SQUASHFUSE" ] || sf_skip="$BENCH_SQUASHFUSE is missing (apt-get install squashfuse)"

build() { # build IMAGE-REF OUTPUT
	rm -f "$2"
	"$VSL_VESSEL" build --image "$1" --arch "$oci" --output "$2" --payload-format squashfs \
		>"$2.log" 2>&1 || {
		cat "$2.log" >&2
		die "vessel build $1 failed"
	}
}

# The squashfuse chain: mount, overlay with userxattr on a tmpfs, chroot, then unmount so that
# the squashfuse daemon ends with the run (what vessel's teardown does too).
cat >"$B/chain.sh" <<'EOF'
#!/bin/sh
# chain.sh SQUASHFUSE APP OFFSET DIR: echo hi through squashfuse + overlay + chroot
set -e
d=$4
mount -t tmpfs tmpfs "$d"
mkdir "$d/l" "$d/u" "$d/w" "$d/m"
"$1" -o offset="$3" "$2" "$d/l"
mount -t overlay overlay -o "lowerdir=$d/l,upperdir=$d/u,workdir=$d/w,userxattr" "$d/m"
chroot "$d/m" sh -c 'echo hi'
umount "$d/m"
umount "$d/l"
EOF

# start_prepare NAME APP: the floor's rootfs and a check of the three ways to start sh on APP's
# image; appends their bench_time groups to the file $B/start.groups (one word a line).
start_prepare() {
	_name=$1 _app=$2
	_off=$(bench_section "$_app" squashfs offset)
	_root=$B/rootfs-$_name
	rm -rf "$_root"
	unsquashfs -q -no-progress -o "$_off" -d "$_root" "$_app" >/dev/null
	mkdir -p "$B/chain-$_name"
	unshare -Urm chroot "$_root" sh -c 'echo hi' >/dev/null || die "the floor command fails"
	VESSEL_PAYLOAD=fuse VESSEL_CACHE_DIR=$B/cache "$_app" sh -c 'echo hi' >/dev/null ||
		die "$_app on the FUSE path fails"
	printf '%s\n' ::: "floor-$_name" unshare -Urm chroot "$_root" sh -c 'echo hi' \
		::: "vessel-$_name" "$_app" sh -c 'echo hi' >>"$B/start.groups"
	[ -z "$sf_skip" ] || return 0
	unshare -Urm sh "$B/chain.sh" "$BENCH_SQUASHFUSE" "$_app" "$_off" "$B/chain-$_name" \
		>/dev/null || die "the squashfuse chain fails"
	printf '%s\n' ::: "squashfuse-$_name" unshare -Urm sh "$B/chain.sh" "$BENCH_SQUASHFUSE" \
		"$_app" "$_off" "$B/chain-$_name" >>"$B/start.groups"
}

# start_bench: every group of start.groups in one interleaved run (the Perl loop, not
# hyperfine's runs of one command after the other): on a shared machine the load drifts
# within seconds, and the floor, vessel and squashfuse of both images must see the same drift.
start_bench() {
	set --
	while IFS= read -r _w; do
		set -- "$@" "$_w"
	done <"$B/start.groups"
	shift # the leading :::
	echo "start: $BENCH_N runs each of sh -c 'echo hi', interleaved"
	BENCH_NO_HYPERFINE=1 VESSEL_PAYLOAD=fuse VESSEL_CACHE_DIR=$B/cache \
		bench_time "$BENCH_N" "$res" "$@" || die "a start run failed: $(cat "$res")"
	rm -rf "$B"/rootfs-*
}

# read_bench APP: one and four tar readers through both servers
read_bench() {
	_app=$1
	_off=$(bench_section "$_app" squashfs offset)
	_mnt=$B/mnt
	mkdir -p "$_mnt"
	cat "$_app" >/dev/null # the backing file warm for both
	# the file list, split round-robin into quarters (same lists for both servers)
	unshare -Urm "$mount_tool" "$_app" "$_off" "$_mnt" sh -c \
		"cd '$_mnt' && find . -type f | LC_ALL=C sort >'$B/files' &&
		 tar -cf - . | wc -c >'$B/bytes'" || die "listing the tree through FUSE failed"
	rm -f "$B"/part.*
	awk -v p="$B/part." '{ print > (p (NR % 4)) }' "$B/files"
	_mb=$(awk '{ printf "%.1f", $1 / 1048576 }' "$B/bytes")
	cat >"$B/read1.sh" <<-EOF
		#!/bin/sh
		cd "$_mnt" && tar -cf - . | cat >/dev/null
	EOF
	cat >"$B/read4.sh" <<-EOF
		#!/bin/sh
		cd "$_mnt" || exit 1
		for p in "$B"/part.*; do
			tar --no-recursion -cf - -T "\$p" | cat >/dev/null &
		done
		wait
	EOF
	echo "read: $BENCH_READ_N runs each, $_mb MB in $(wc -l <"$B/files") files, fresh mount per run"
	for _r in 1 4; do
		if [ -z "$sf_skip" ]; then
			set -- ::: "squashfuse-read$_r" unshare -Urm "$mount_tool" \
				--squashfuse "$BENCH_SQUASHFUSE" "$_app" "$_off" "$_mnt" sh "$B/read$_r.sh"
		else
			set --
		fi
		BENCH_NO_HYPERFINE=1 bench_time "$BENCH_READ_N" "$res" \
			"vessel-read$_r" unshare -Urm "$mount_tool" "$_app" "$_off" "$_mnt" \
			sh "$B/read$_r.sh" "$@" || die "a read run failed: $(cat "$res")"
	done
	# peak RSS after a 4-reader pass (not timed)
	unshare -Urm "$mount_tool" --stats "$B/rss.vessel" "$_app" "$_off" "$_mnt" sh "$B/read4.sh"
	[ -n "$sf_skip" ] || unshare -Urm "$mount_tool" --squashfuse "$BENCH_SQUASHFUSE" \
		--stats "$B/rss.squashfuse" "$_app" "$_off" "$_mnt" sh "$B/read4.sh"
	echo "$_mb" >"$B/mb"
}

echo "vessel FUSE benchmark: $host, $(nproc) CPUs, dir $B ($(stat -f -c %T "$B"))"
[ -z "$fuse_skip" ] || {
	echo "skipped: $fuse_skip"
	exit 0
}
[ -z "$sf_skip" ] || echo "squashfuse rows skipped: $sf_skip"

img=$("$repo/tests/fixtures/fixture.sh" busybox "$oci")
build "oci:$img:latest" "$B/busybox-app"
: >"$B/start.groups"
start_prepare busybox "$B/busybox-app"

deb_skip=
if ! command -v debootstrap >/dev/null 2>&1; then
	deb_skip="debootstrap is not installed"
elif [ "$(id -u)" != 0 ] && [ -z "$(ls -d "$VSL_BUILD"/fixtures/debootstrap-"$oci"-* 2>/dev/null)" ]; then
	deb_skip="the debootstrap image needs root to make once"
elif ! deb=$("$repo/tests/fixtures/fixture.sh" debootstrap "$oci"); then
	deb_skip="the debootstrap image could not be made (see above)"
fi
[ -n "$deb_skip" ] || build "oci:$deb:latest" "$B/debian-app"
[ -n "$deb_skip" ] || start_prepare debian "$B/debian-app"
start_bench
[ -n "$deb_skip" ] || read_bench "$B/debian-app"

# --- table --------------------------------------------------------------------------------
echo
bench_header
for n in busybox debian; do
	if [ "$n" = debian ] && [ -n "$deb_skip" ]; then
		printf "%-34s skipped: %s\n" "start, debian minbase" "$deb_skip"
		continue
	fi
	bench_row "$res" "floor-$n" "vessel-$n" 2.5 "$n: vessel / floor"
	[ -n "$sf_skip" ] || bench_row "$res" "squashfuse-$n" "vessel-$n" 1.1 \
		"$n: vessel / squashfuse chain"
done
# The two images run different programs (static busybox; dash, ld.so and glibc), so their raw
# starts differ on the floor too: what must not grow with the image is vessel's cost over the
# floor, the ratio of the two "vessel / floor" ratios.
if [ -z "$deb_skip" ]; then
	bench_row "$res" vessel-busybox vessel-debian "" "vessel: debian / busybox (raw)"
	awk '$1 ~ /^(floor|vessel)-(busybox|debian)$/ { m[$1] = $3 }
		END {
			if (!m["floor-busybox"] || !m["floor-debian"] || !m["vessel-busybox"]) exit
			b = m["vessel-busybox"] / m["floor-busybox"]
			d = m["vessel-debian"] / m["floor-debian"]
			r = d / b
			printf "%-34s %9.2fx %19.2fx %9.2fx  <= 1.1x %s\n", \
				"vessel/floor: debian / busybox", b, d, r, (r > 1.1 ? "OVER TARGET" : "ok")
		}' "$res"
fi
[ -z "$deb_skip" ] || exit 0
echo
printf "%-34s %10s %10s %8s  %s\n" "read (tar, $(cat "$B/mb") MB)" "squashfuse" "vessel" \
	"speed-up" "target"
for r in 1 4; do
	awk -v sf="squashfuse-read$r" -v v="vessel-read$r" -v r="$r" -v mb="$(cat "$B/mb")" \
		-v t="$([ "$r" = 1 ] && echo 1.0 || echo 1.5)" '
		$1 == sf { s = $3 } $1 == v { o = $3 }
		END {
			if (o == "") { print "no result"; exit }
			label = r " reader" (r > 1 ? "s" : "") " (median ms, MB/s)"
			if (s == "") { printf "%-34s %10s %10.0f\n", label, "-", o; exit }
			x = s / o
			printf "%-34s %10.0f %10.0f %7.2fx  >= %.1fx %s\n", label, s, o, x, t,
				(x < t ? "UNDER TARGET" : "ok")
			printf "%-34s %10.0f %10.0f\n", "", mb / (s / 1000), mb / (o / 1000)
		}' "$res"
done
for s in vessel squashfuse; do
	[ -f "$B/rss.$s" ] || continue
	kb=$(awk '/^VmHWM:/ { print $2 }' "$B/rss.$s")
	th=$(awk '/^Threads:/ { print $2 }' "$B/rss.$s")
	printf "%-34s %7.1f MB peak RSS, %s threads%s\n" "server: $s" "$(awk "BEGIN { print $kb / 1024 }")" \
		"$th" "$([ "$s" = vessel ] && { [ "$kb" -le 16384 ] && echo "  <= 16 MB ok" ||
			echo "  <= 16 MB OVER TARGET"; })"
done
