#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='which launcher runs (libcrun natively, the direct runner under qemu), the knobs
that choose it, where libcrun keeps its state, and what happens when libcrun cannot run'
# The stub chooses here: no launcher dimension (see lib.sh).
VSL_TEST_LAUNCHERS=
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# vsl_patch_config APP FROM TO: replace FROM by TO (same length) in the app's config section,
# and fix the section's sha256 and the trailer's checksum (common/format.h), so the stub reads
# the changed config as a valid one.
vsl_patch_config() {
	perl -MDigest::SHA=sha256 -e '
		my ($f, $from, $to) = @ARGV;
		length($from) == length($to) or die "lengths differ\n";
		open(my $fh, "+<:raw", $f) or die "$f: $!\n";
		my $size = -s $f;
		seek($fh, $size - 512, 0); read($fh, my $t, 512) == 512 or die "short\n";
		for my $i (0 .. unpack("V", substr($t, 12, 4)) - 1) {
			my $e = 24 + $i * 56;
			next unless unpack("V", substr($t, $e, 4)) == 1;
			my ($off, $len) = unpack("Q<Q<", substr($t, $e + 8, 16));
			seek($fh, $off, 0); read($fh, my $c, $len) == $len or die "short\n";
			my $k = index($c, $from);
			$k >= 0 or die "$from is not in the config\n";
			substr($c, $k, length $from) = $to;
			seek($fh, $off, 0); print $fh $c;
			substr($t, $e + 24, 32) = sha256($c);
			substr($t, 472, 32) = sha256(substr($t, 0, 472));
			seek($fh, $size - 512, 0); print $fh $t;
			close($fh) or die "$f: $!\n";
			exit 0;
		}
		die "no config section\n";' "$@"
}

# Knobs from the environment of whoever runs the tests must not choose for us.
unset VESSEL_RUNTIME VESSEL_RUNTIME_DISABLE_CRUN

test_expect_success NATIVE 'natively, libcrun runs the container' '
	VESSEL_DEBUG=1 vsl_run "$(vsl_app latest)" echo via-crun >out 2>err &&
	echo via-crun >expect && test_cmp expect out &&
	grep "launcher: crun: the default" err &&
	grep "launching echo with crun" err &&
	grep "crun: driver process [0-9]" err &&
	! grep "falling back" err
'

test_expect_success NATIVE 'its state dir is in the run dir, and gone afterwards' '
	VESSEL_DEBUG=1 vsl_run "$(vsl_app latest)" true 2>err &&
	state=$(sed -n "s/.*crun: state dir //p" err) &&
	case $state in "$VESSEL_TMPDIR"/vessel-run.*/crun) ;; *) echo "state dir $state"; exit 1 ;; esac &&
	test ! -e "$state" &&
	test -z "$(ls -A "$VESSEL_TMPDIR")" &&
	test ! -e "$XDG_RUNTIME_DIR/crun"
'

test_expect_success NATIVE 'with the default run dir (a private tmpfs), the state is in it too' '
	(unset VESSEL_TMPDIR; VESSEL_DEBUG=1 vsl_run "$(vsl_app latest)" true) 2>err &&
	grep "crun: state dir $VESSEL_CACHE_DIR/run/crun" err &&
	test -z "$(ls -A "$VESSEL_CACHE_DIR/run")"
'

if grep -q " /sys/fs/cgroup/unified .* - cgroup2 " /proc/self/mountinfo &&
	grep -q " /sys/fs/cgroup .* - tmpfs " /proc/self/mountinfo; then
	test_set_prereq HYBRID
fi

test_expect_success NATIVE,HYBRID 'hybrid cgroups: a private tmpfs hides them from libcrun' '
	VESSEL_DEBUG=1 vsl_run "$(vsl_app latest)" true 2>err &&
	grep "crun: cgroups are hybrid (cgroup v1 + v2); a private tmpfs covers /sys/fs/cgroup" err &&
	grep -q " /sys/fs/cgroup/unified .* - cgroup2 " /proc/self/mountinfo
'

test_expect_success NATIVE 'VESSEL_RUNTIME_DISABLE_CRUN=1: the direct runner' '
	VESSEL_RUNTIME_DISABLE_CRUN=1 VESSEL_DEBUG=1 vsl_run "$(vsl_app latest)" echo hi >out 2>err &&
	grep -x hi out &&
	grep "launcher: direct: VESSEL_RUNTIME_DISABLE_CRUN=1" err &&
	! grep "crun: driver" err
'

test_expect_success 'VESSEL_RUNTIME=direct: the direct runner' '
	VESSEL_RUNTIME=direct VESSEL_DEBUG=1 vsl_run "$(vsl_app latest)" echo hi >out 2>err &&
	grep -x hi out &&
	grep "launcher: direct: VESSEL_RUNTIME=direct" err
'

test_expect_success QEMU 'under qemu-user: the direct runner, and the log says why' '
	VESSEL_DEBUG=1 vsl_run "$(vsl_app latest)" uname -m >out 2>err &&
	echo "$VSL_ARCH" >expect && test_cmp expect out &&
	grep "launcher: direct: running under an emulator (prctl(PR_GET_CHILD_SUBREAPER): Invalid argument" err &&
	grep "launching uname with direct" err &&
	! grep "crun: driver" err
'

test_expect_success QEMU 'under qemu-user, VESSEL_RUNTIME=crun is an error' '
	export VESSEL_RUNTIME=crun &&
	test_expect_code 125 vsl_run "$(vsl_app latest)" true 2>err &&
	grep "VESSEL_RUNTIME=crun, but libcrun cannot run under an emulator" err &&
	test "$(wc -l <err)" = 1
'

test_expect_success 'an unknown VESSEL_RUNTIME, or two knobs that disagree: 125' '
	app=$(vsl_app latest) &&
	(export VESSEL_RUNTIME=runc && test_expect_code 125 vsl_run "$app" true) 2>err &&
	grep "VESSEL_RUNTIME=.runc. is not one of crun, direct" err &&
	(export VESSEL_RUNTIME=crun VESSEL_RUNTIME_DISABLE_CRUN=1 &&
		test_expect_code 125 vsl_run "$app" true) 2>err &&
	grep "contradicts VESSEL_RUNTIME_DISABLE_CRUN=1" err &&
	test -z "$(ls -A "$VESSEL_TMPDIR")"
'

test_expect_success 'an app whose config.json libcrun rejects (ociVersion 9.0.2)' '
	cp "$(vsl_app latest)" badcfg && chmod +x badcfg &&
	vsl_patch_config badcfg "\"1.0.2\"" "\"9.0.2\"" &&
	vsl_run ./badcfg echo still-runs >out &&
	echo still-runs >expect && test_cmp expect out
'

test_expect_success NATIVE '... falls back to the direct runner, saying so under VESSEL_DEBUG=1' '
	VESSEL_DEBUG=1 vsl_run ./badcfg echo fallback >out 2>err &&
	echo fallback >expect && test_cmp expect out &&
	grep "launcher: libcrun could not start the container (libcrun: unknown version specified); falling back to the direct runner" err &&
	grep "runner: container process" err
'

test_expect_success NATIVE '... and with VESSEL_RUNTIME=crun is one line, 125, nothing left' '
	export VESSEL_RUNTIME=crun &&
	test_expect_code 125 vsl_run ./badcfg echo no >out 2>err &&
	test ! -s out &&
	test "$(wc -l <err)" = 1 &&
	grep "^vessel: libcrun: unknown version specified (VESSEL_RUNTIME=crun: unset it" err &&
	test -z "$(ls -A "$VESSEL_TMPDIR")" &&
	(unset VESSEL_TMPDIR; test_expect_code 125 vsl_run ./badcfg true 2>/dev/null) &&
	test -z "$(ls -A "$VESSEL_CACHE_DIR/run")"
'

# libcrun chowns the non-terminal stdio of the container to its root (crun.c): a file of
# another user that real root writes to must keep its owner.
test_expect_success root,NATIVE 'stdout to a file of another user: the direct runner, owner kept' '
	: >theirs.out && chown 4321:4321 theirs.out &&
	VESSEL_DEBUG=1 vsl_run "$(vsl_app latest)" echo hi >>theirs.out 2>err &&
	grep -x hi theirs.out &&
	test "$(stat -c %u:%g theirs.out)" = 4321:4321 &&
	grep "libcrun would chown the container.s fd 1 (owned by 4321:4321 here) to root" err &&
	grep "falling back to the direct runner" err &&
	app=$(vsl_app latest) && export VESSEL_RUNTIME=crun &&
	test_expect_code 125 vsl_run "$app" true >>theirs.out 2>err &&
	grep "libcrun would chown" err &&
	test "$(stat -c %u:%g theirs.out)" = 4321:4321
'

test_expect_success NATIVE 'stdout to a file of our own: libcrun, owner kept' '
	: >mine.out &&
	VESSEL_DEBUG=1 vsl_run "$(vsl_app latest)" echo hi >>mine.out 2>err &&
	grep -x hi mine.out &&
	test "$(stat -c %u:%g mine.out)" = "$(id -u):$(id -g)" &&
	grep "crun: driver process" err &&
	! grep "falling back" err
'

test_done
