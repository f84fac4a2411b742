#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# What a subordinate id range costs at start (host arch, as root; not part of `make bench`).
# A range is written by newuidmap and newgidmap, setuid programs run once per start, so a start
# with a range pays for them; rootless podman and `unshare --map-auto` pay the same. Runs,
# interleaved, as the test user WITH a range (lib.sh's vesseltest, given one here if needed)
# and as nobody (WITHOUT one), each with its own warm extract cache:
#   oneid-floor   unshare -Urm true                       (one id, written by unshare itself)
#   range-floor   unshare -rm --map-auto true              (newuidmap/newgidmap by util-linux)
#   vessel-oneid  ./app true as nobody                    (the stub writes one id)
#   vessel-range  ./app true as vesseltest                 (the stub's newuidmap helper)
# Rows: range-floor / oneid-floor (what the tools cost), vessel-range / vessel-oneid (what they
# cost vessel), vessel-range / range-floor (vessel beside the same work done by util-linux).
# Knobs: BENCH_N (default 50), VSL_BENCH_DIR, VSL_BUILD, VSL_VESSEL, VESSEL_STUB_DIR,
# VSL_TEST_USER, BENCH_NO_HYPERFINE=1.
set -eu

repo=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/bench/lib.sh
. "$repo/tests/bench/lib.sh"
bench_setup
: "${BENCH_N:=50}"
: "${VSL_TEST_USER:=vesseltest}"

[ "$(id -u)" = 0 ] || die "run as root (it runs the app as two users)"
id -u "$VSL_TEST_USER" >/dev/null 2>&1 || die "no user $VSL_TEST_USER (run a test first)"
command -v newuidmap >/dev/null 2>&1 || die "newuidmap is not installed (apt-get install uidmap)"
if ! grep -qs "^$VSL_TEST_USER:" /etc/subuid || ! grep -qs "^$VSL_TEST_USER:" /etc/subgid; then
	die "$VSL_TEST_USER has no range in /etc/subuid and /etc/subgid (a test run as root gives it one)"
fi
! grep -qs -e "^nobody:" -e "^65534:" /etc/subuid || die "nobody has a range here"

B=$VSL_BENCH_DIR/userns
rm -rf "$B"
mkdir -p "$B/range" "$B/oneid"
chmod 0755 "$VSL_BENCH_DIR" "$B"
chown "$VSL_TEST_USER:" "$B/range"
chown 65534:65534 "$B/oneid"
res=$B/results
: >"$res"
img=$("$repo/tests/fixtures/fixture.sh" busybox "$oci")
"$VSL_VESSEL" build --image "oci:$img:latest" --arch "$oci" --output "$B/app" \
	--payload-format tar.zst >"$B/app.log" 2>&1 || die "vessel build failed: $(cat "$B/app.log")"
chmod 0755 "$B/app"

as_range() { echo setpriv --reuid="$VSL_TEST_USER" --regid="$VSL_TEST_USER" --clear-groups env HOME="$B/range" VESSEL_PAYLOAD=extract; }
as_oneid() { echo setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$B/oneid" VESSEL_PAYLOAD=extract; }
# warm both caches, and check that each side is what it claims
# shellcheck disable=SC2046 # command prefixes
$(as_range) VESSEL_DEBUG=1 "$B/app" true 2>&1 | grep -q "and subordinate ranges" ||
	die "the range side maps no range"
# shellcheck disable=SC2046
$(as_oneid) VESSEL_DEBUG=1 "$B/app" true 2>&1 | grep -q "no subordinate uid range" ||
	die "the one-id side has a range"

echo "userns start-up benchmark: $host, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $BENCH_N runs each of 'true'"
# shellcheck disable=SC2046
bench_time "$BENCH_N" "$res" \
	oneid-floor $(as_range) unshare -Urm true ::: \
	range-floor $(as_range) unshare -rm --map-auto true ::: \
	vessel-oneid $(as_oneid) "$B/app" true ::: \
	vessel-range $(as_range) "$B/app" true || die "a run failed: $(cat "$res")"

echo
bench_header
bench_row "$res" oneid-floor range-floor "" "newuidmap+newgidmap (util-linux)"
bench_row "$res" vessel-oneid vessel-range "" "vessel: range vs one id"
bench_row "$res" range-floor vessel-range "" "vessel-range vs range-floor"
