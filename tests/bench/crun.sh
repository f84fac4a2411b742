#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# libcrun start-up benchmark (`make bench`), host arch only: `./app sh -c 'echo hi'` through
# vessel with libcrun (the FUSE path: our server over the squashfs section, an overlay, libcrun
# in-process), beside the same start made the dockerc way, as separate processes:
#   unshare -Urm sh dockerc-run.sh:  Debian's squashfuse mounts the same squashfs, a kernel
#   overlay goes on top, a tmpfs covers /sys/fs/cgroup (stock crun refuses hybrid cgroups), and
#   Debian's crun runs the same config (the app's own, user namespace removed: unshare made it)
#   with --cgroup-manager=disabled; then both mounts are undone.
# Target: vessel <= 0.5x the baseline (ratio of medians). vessel with the direct runner is shown
# too, against the same baseline, for reference. Targets are reported, never enforced.
# Needs root (squashfuse opens /dev/fuse, 0600 here) and Debian's squashfuse and crun
# (toolchain/deps installs them).
# Knobs: BENCH_CRUN_N (runs each, default 30), VSL_BENCH_DIR (default $VSL_BUILD/bench),
# VSL_BUILD, VSL_VESSEL, VESSEL_STUB_DIR, BENCH_NO_HYPERFINE=1.
set -eu

repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/tests/bench/lib.sh"
bench_setup
: "${BENCH_CRUN_N:=30}"

skip() {
	echo "libcrun start-up benchmark skipped: $*"
	exit 0
}
[ "$(id -u)" = 0 ] || skip "needs root (squashfuse must open /dev/fuse)"
for t in squashfuse crun unshare perl; do
	command -v "$t" >/dev/null 2>&1 || skip "$t is not installed (toolchain/deps installs it)"
done
mkdir -p "$VSL_BENCH_DIR"
B=$(cd "$VSL_BENCH_DIR" && pwd)/crun
rm -rf "$B"
mkdir -p "$B/bundle" "$B/cache"
res=$B/results
: >"$res"

img=$("$repo/tests/fixtures/fixture.sh" busybox "$oci")
app=$B/app
"$VSL_VESSEL" build --image "oci:$img:latest" --arch "$oci" --output "$app" \
	>"$app.log" 2>&1 || {
	cat "$app.log" >&2
	die "vessel build failed"
}
bench_section_copy "$app" squashfs "$B/image.sqfs"
bench_section_copy "$app" config "$B/config.orig.json"
# The app's own config, run by stock crun inside `unshare -Urm` (which made the user namespace).
perl -MJSON::PP -e '
	local $/; open(my $f, "<", $ARGV[0]) or die; my $c = decode_json(<$f>);
	$c->{root}{path} = $ARGV[1];
	$c->{process}{args} = ["sh", "-c", "echo hi"];
	$c->{linux}{namespaces} = [grep { $_->{type} ne "user" } @{$c->{linux}{namespaces}}];
	print JSON::PP->new->canonical->encode($c);' "$B/config.orig.json" "$B/run/merged" \
	>"$B/bundle/config.json"
cat >"$B/dockerc-run.sh" <<'EOF'
#!/bin/sh
# One start the dockerc way, inside `unshare -Urm`: squashfuse, overlay, crun, teardown.
set -e
d=$(dirname "$0")
r=$d/run
mkdir -p "$r/lower" "$r/upper" "$r/work" "$r/merged" "$r/state"
squashfuse "$d/image.sqfs" "$r/lower"
mount -t overlay overlay -o "lowerdir=$r/lower,upperdir=$r/upper,workdir=$r/work,userxattr" \
	"$r/merged"
mount -t tmpfs tmpfs /sys/fs/cgroup
crun --root "$r/state" --cgroup-manager=disabled run --bundle "$d/bundle" "bench-$$"
umount "$r/merged"
umount "$r/lower"
rm -rf "$r/upper" "$r/work"
EOF

# Every command must work before timing starts.
[ "$(unshare -Urm sh "$B/dockerc-run.sh")" = hi ] || die "the dockerc-way baseline fails"
for l in crun direct; do
	[ "$(VESSEL_CACHE_DIR=$B/cache VESSEL_PAYLOAD=fuse VESSEL_RUNTIME=$l "$app" sh -c 'echo hi')" = hi ] ||
		die "vessel with VESSEL_RUNTIME=$l fails"
done
# The timed vessel-crun run sets no knob, so it must get the FUSE path and libcrun by default.
VESSEL_CACHE_DIR=$B/cache VESSEL_DEBUG=1 "$app" true >"$B/debug.log" 2>&1 || die "vessel fails"
grep -q "payload path: fuse" "$B/debug.log" || die "vessel does not take the FUSE path"
grep -q "launching true with crun" "$B/debug.log" && ! grep -q "falling back" "$B/debug.log" ||
	die "vessel does not use libcrun: $(grep launcher "$B/debug.log")"

echo "libcrun start-up benchmark: $host, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$BENCH_CRUN_N runs each of sh -c 'echo hi' (busybox, squashfs payload, FUSE)"
VESSEL_CACHE_DIR=$B/cache bench_time "$BENCH_CRUN_N" "$res" \
	dockerc unshare -Urm sh "$B/dockerc-run.sh" ::: \
	vessel-crun "$app" sh -c 'echo hi' ::: \
	vessel-direct env VESSEL_RUNTIME=direct "$app" sh -c 'echo hi' ||
	die "a run failed: $(cat "$res")"

echo
bench_header
bench_row "$res" dockerc vessel-crun 0.5 "vessel+libcrun vs dockerc way"
bench_row "$res" dockerc vessel-direct 0.5 "vessel+direct vs dockerc way"
