# SPDX-License-Identifier: Apache-2.0
# Timing helpers for the benchmarks. A benchmark is not a test: it never fails on a target, it
# prints numbers and ratios, and it always runs its baseline beside vessel in the same run.
#
# bench_time N OUTFILE NAME CMD... ::: NAME CMD... [::: ...]
#   Runs every command N times, interleaved (a, b, a, b, ...) so that drifting load affects
#   all of them alike, with stdout and stderr to /dev/null. Appends "NAME MEAN MEDIAN MIN MAX
#   CPU" lines (milliseconds; CPU is the user+system time of the command and its children, the
#   median in the Perl loop, the mean with hyperfine) to OUTFILE. On a shared machine the CPU
#   time says what a command costs when the wall time says mostly who else was running. $BENCH_PRE_<i> (i = 0, 1, ... by group), when set, is a
#   shell command run untimed before each run of that group (e.g. to empty a cache).
#   Uses hyperfine when it is installed and no BENCH_PRE_* is set, else a Perl loop (Perl is
#   there wherever prove is) that execs each command directly, without a shell in between.

# bench_setup: what every benchmark shares, after `repo` is set and this file is sourced: the
# knobs VSL_BUILD, VSL_VESSEL, VESSEL_STUB_DIR (exported) and VSL_BENCH_DIR with their defaults,
# this machine's `host` (uname -m) and `oci` (its OCI arch name from arch/<host>/arch.mk), and
# the check that vessel is built. die MSG: a benchmark that cannot run (exit 1).
die() {
	echo "bench: $*" >&2
	exit 1
}

bench_setup() {
	: "${VSL_BUILD:=$repo/build}"
	host=$(uname -m)
	: "${VSL_VESSEL:=$VSL_BUILD/$host/bin/vessel}"
	: "${VESSEL_STUB_DIR:=$VSL_BUILD/stubs}"
	: "${VSL_BENCH_DIR:=$VSL_BUILD/bench}"
	export VESSEL_STUB_DIR
	oci=$(sed -n "s/^ARCH_OCI_${host}[[:space:]]*:=[[:space:]]*//p" "$repo/arch/$host/arch.mk" \
		2>/dev/null)
	[ -x "$VSL_VESSEL" ] || die "vessel is not built: $VSL_VESSEL (run make first)"
	[ -n "$oci" ] || die "no arch/$host/arch.mk for this host"
}

# bench_section APP KIND [offset|length]: that field of APP's section KIND (config, meta,
# squashfs, tarzst), both as "OFFSET LENGTH" without one, as `vessel inspect --json` reads the
# trailer; dies when APP has no such section.
bench_section() {
	_where=$("$VSL_VESSEL" inspect --json "$1" | perl -MJSON::PP -e '
		local $/; my $j = decode_json(<STDIN>);
		for (@{$j->{sections}}) {
			next unless $_->{kind} eq $ARGV[0];
			print $ARGV[1] ? $_->{$ARGV[1]} : "$_->{offset} $_->{length}", "\n";
		}' "$2" "${3:-}") || die "vessel inspect $1 failed"
	[ -n "$_where" ] || die "$1 has no $2 section"
	echo "$_where"
}

# bench_section_copy APP KIND OUT: that section's bytes to OUT.
bench_section_copy() {
	# shellcheck disable=SC2046 # two numbers
	set -- "$1" "$3" $(bench_section "$1" "$2")
	tail -c +$(($3 + 1)) "$1" | head -c "$4" >"$2"
}

bench_time() {
	_n=$1 _outf=$2
	shift 2
	if command -v hyperfine >/dev/null 2>&1 && ! env | grep -q '^BENCH_PRE_' &&
		[ -z "${BENCH_NO_HYPERFINE:-}" ]; then
		bench__hyperfine "$_n" "$_outf" "$@"
	else
		bench__perl "$_n" "$_outf" "$@"
	fi
}

bench__perl() {
	perl -MTime::HiRes=time -e '
		my $n = shift; my $outf = shift;
		my (@g, $cur);
		for (@ARGV) {
			if ($_ eq ":::") { push @g, $cur if $cur; $cur = undef; next }
			$cur ||= [];
			push @$cur, $_;
		}
		push @g, $cur if $cur;
		open(my $out, ">>", $outf) or die "$outf: $!";
		open(STDOUT, ">", "/dev/null"); open(STDERR, ">", "/dev/null");
		my (@t, @c);
		sub median { my @s = sort { $a <=> $b } @_;
			@s % 2 ? $s[$#s / 2] : ($s[@s / 2 - 1] + $s[@s / 2]) / 2 }
		for my $i (1 .. $n) {
			for my $k (0 .. $#g) {
				my ($name, @cmd) = @{$g[$k]};
				if (my $pre = $ENV{"BENCH_PRE_$k"}) {
					system("sh", "-c", $pre) == 0 or die "setup for $name failed";
				}
				my @c0 = times;
				my $t0 = time;
				my $rc = system { $cmd[0] } @cmd;
				my $dt = (time - $t0) * 1000;
				my @c1 = times;
				if ($rc != 0) { print $out "$name FAILED rc=$rc\n"; exit 1 }
				push @{$t[$k]}, $dt;
				push @{$c[$k]}, ($c1[2] + $c1[3] - $c0[2] - $c0[3]) * 1000;
			}
		}
		for my $k (0 .. $#g) {
			my @s = sort { $a <=> $b } @{$t[$k]};
			my $sum = 0; $sum += $_ for @s;
			printf $out "%s %.2f %.2f %.2f %.2f %.2f\n", $g[$k][0], $sum / @s, median(@s),
				$s[0], $s[-1], median(@{$c[$k]});
		}
	' "$@"
}

bench__hyperfine() {
	_n=$1 _outf=$2
	shift 2
	# hyperfine takes each command as one string; quote every word for its shell-words split.
	_json=$(mktemp)
	set -- "$@" :::
	_names='' _args=''
	_cmd='' _name=''
	for _w in "$@"; do
		if [ "$_w" = ::: ]; then
			_names="$_names $_name"
			_args="$_args -n $(bench__q "$_name") $(bench__q "$_cmd")"
			_cmd='' _name=''
		elif [ -z "$_name" ]; then
			_name=$_w
		else
			_cmd="$_cmd${_cmd:+ }$(bench__q "$_w")"
		fi
	done
	eval "hyperfine -N --style none --warmup 3 --runs $_n --export-json $_json $_args" \
		>/dev/null 2>&1 || { echo "hyperfine failed" >&2; rm -f "$_json"; return 1; }
	perl -MJSON::PP -e '
		local $/; open(my $f, "<", $ARGV[0]) or die; my $j = decode_json(<$f>);
		open(my $out, ">>", $ARGV[1]) or die;
		for my $r (@{$j->{results}}) {
			printf $out "%s %.2f %.2f %.2f %.2f %.2f\n", $r->{command}, $r->{mean} * 1000,
				$r->{median} * 1000, $r->{min} * 1000, $r->{max} * 1000,
				($r->{user} + $r->{system}) * 1000;
		}' "$_json" "$_outf"
	rm -f "$_json"
}

bench__q() { # single-quote a word for a POSIX shell
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

# bench_row RESULTS BASE-NAME NAME TARGET LABEL: one table row comparing NAME with BASE-NAME
# (TARGET "" for a comparison that has none)
bench_row() {
	awk -v base="$2" -v name="$3" -v target="$4" -v label="$5" '
		$1 == base { bm = $2; bmed = $3 }
		$1 == name { nm = $2; nmed = $3 }
		END {
			if (bm == "" || nm == "") { printf "%-34s  (no result)\n", label; exit }
			r = nmed / bmed
			if (target == "") {
				printf "%-34s %9.2f %9.2f %9.2f %9.2f %7.2fx  (none)\n", label, bmed, bm, \
					nmed, nm, r
				exit
			}
			printf "%-34s %9.2f %9.2f %9.2f %9.2f %7.2fx  <= %.1fx %s\n", label, bmed, bm, \
				nmed, nm, r, target, (r > target ? "OVER TARGET" : "ok")
		}' "$1"
}

# bench_row_cpu RESULTS BASE-NAME NAME TARGET LABEL: the same for the CPU time (column 6).
bench_row_cpu() {
	awk -v base="$2" -v name="$3" -v target="$4" -v label="$5" '
		$1 == base { b = $6 }
		$1 == name { n = $6 }
		END {
			if (b == "" || n == "" || b == 0) { printf "%-34s  (no result)\n", label; exit }
			r = n / b
			printf "%-34s %9.0f %9.0f %7.2fx  <= %.1fx %s\n", label, b, n, r, target,
				(r > target ? "OVER TARGET" : "ok")
		}' "$1"
}

bench_header_cpu() {
	printf "%-34s %9s %9s %8s  %s\n" "" "base cpu" "vsl cpu" "ratio" "target"
	printf "%-34s %9s %9s\n" "" "(ms)" "(ms)"
}

bench_header() {
	printf "%-34s %9s %9s %9s %9s %8s  %s\n" "" "base med" "base avg" "vsl med" "vsl avg" \
		"ratio" "target"
	printf "%-34s %9s %9s %9s %9s %8s\n" "" "(ms)" "(ms)" "(ms)" "(ms)" "(med)"
}
