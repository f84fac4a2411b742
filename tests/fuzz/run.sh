#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# run.sh DIR SECONDS NAME...: run the libFuzzer harnesses DIR/fuzz-NAME (built by `make fuzz`)
# one after another, each for SECONDS on one core (-jobs=1 -workers=1), niced, so that a shared
# machine stays usable. Seeds are made here, at fuzz time, and never committed: fuzz-sqfs gets
# Debian mksquashfs images (seed-sqfs.sh), fuzz-tar GNU tar archives of a small tree in the
# ustar, gnu and pax formats, fuzz-trailer starts empty (it builds valid trailers itself). Each
# corpus grows in DIR/corpus/NAME and is kept for the next run. A crash leaves its input in
# DIR/artifacts/ (turn it into a unit test that builds the input in code, then fix it).
# Prints per harness: executions, coverage, corpus size and crashes; exits 1 on any crash.
set -eu

dir=$1 secs=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
dir=$(cd "$dir" && pwd)
mkdir -p "$dir/artifacts"
crashed=0

seed_tar() { # seed_tar OUT
	_t=$(mktemp -d "${TMPDIR:-/tmp}/seed-tar.XXXXXX")
	mkdir -p "$_t/r/d/$(printf '%120s' '' | tr ' ' n)"
	echo hi >"$_t/r/d/f"
	ln "$_t/r/d/f" "$_t/r/hard"
	ln -s d/f "$_t/r/sym"
	mkfifo "$_t/r/fifo"
	if command -v setfattr >/dev/null 2>&1; then
		setfattr -n user.k -v v "$_t/r/d/f" 2>/dev/null || true
	fi
	for _f in ustar gnu pax; do
		tar -C "$_t/r" --format=$_f --xattrs -cf "$1/$_f.tar" . 2>/dev/null ||
			tar -C "$_t/r/d" --format=$_f -cf "$1/$_f.tar" f
	done
	rm -rf "$_t"
}

for name in "$@"; do
	bin=$dir/fuzz-$name
	[ -x "$bin" ] || { echo "fuzz: $bin is not built" >&2; exit 2; }
	corpus=$dir/corpus/$name seeds=$dir/seeds/$name work=$dir/work/$name
	rm -rf "$seeds" "$work"
	mkdir -p "$corpus" "$seeds" "$work"
	case $name in
	sqfs) sh "$here/seed-sqfs.sh" "$seeds" 2>/dev/null; flags="-max_len=65536 -timeout=10" ;;
	tar) seed_tar "$seeds"; flags="-max_len=16384 -timeout=10" ;;
	*) flags="-max_len=4096 -timeout=10" ;;
	esac
	echo "fuzz-$name: $secs s, $(find "$seeds" -type f | wc -l) seeds," \
		"$(find "$corpus" -type f | wc -l) in the corpus"
	st=0
	# shellcheck disable=SC2086 # flags are words
	(cd "$work" && nice -n 10 "$bin" -jobs=1 -workers=1 -max_total_time="$secs" \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$dir/artifacts/$name-" \
		$flags "$corpus" "$seeds" >/dev/null 2>&1) || st=$?
	log=$work/fuzz-0.log
	# the last status line ("#N DONE cov: ..."), then the final stats
	grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -n 1 | sed 's/^/  /'
	grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" |
		sed 's/^/  /'
	n=$(find "$dir/artifacts" -name "$name-*" | wc -l)
	if [ "$st" != 0 ] || grep -q 'ERROR: \(AddressSanitizer\|libFuzzer\)\|runtime error' "$log"; then
		echo "  CRASH (exit $st): see $log and $dir/artifacts/$name-*"
		grep -m 5 'ERROR\|runtime error\|SUMMARY' "$log" | sed 's/^/  /'
		crashed=1
	else
		echo "  crashes: 0 (artifacts for $name: $n)"
	fi
done
exit $crashed
