#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='bad runtime options: one line naming the problem, exit 125, nothing left behind'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# What a good run leaves in the cache (the extracted image, the run dir's mount point): a
# failed run must leave exactly the same, and no run dir in $VESSEL_TMPDIR.
cache_state() { find "$VESSEL_CACHE_DIR" -maxdepth 2 2>/dev/null | sort; }

test_expect_success 'set up: one good run fills the cache' '
	vsl_run "$(vsl_app latest)" true &&
	cache_state >../cache.good &&
	test -s ../cache.good
'

# bad_run NEEDLE ARGS...: the app with ARGS must exit 125 with one line on stderr that contains
# NEEDLE, print nothing on stdout, and leave the cache and the tmp dir as a good run does.
bad_run() {
	_needle=$1
	shift
	test_expect_code 125 vsl_run "$(vsl_app latest)" "$@" >out 2>err || return 1
	cat err
	test "$(wc -l <err)" = 1 || { echo "stderr is not one line" >&2; return 1; }
	grep -F -e "$_needle" err || { echo "stderr lacks: $_needle" >&2; return 1; }
	test ! -s out || { echo "stdout is not empty" >&2; return 1; }
	cache_state >cache.now
	test_cmp ../cache.good cache.now && vsl_no_leftovers
}

test_expect_success 'an unknown user name' '
	bad_run "unable to find user nosuchuser: no matching entries in the image'"'"'s /etc/passwd" \
		-u nosuchuser true
'

test_expect_success 'an unknown group name' '
	bad_run "unable to find group nosuchgroup" -u root:nosuchgroup true
'

test_expect_success 'a volume whose host path is missing' '
	bad_run "volume $PWD/no-such-dir:/data: the host path must exist" \
		-v "$PWD/no-such-dir:/data" true &&
	bad_run "volume ./gone:/data" -v ./gone:/data true &&
	test ! -e no-such-dir && test ! -e gone
'

test_expect_success '--tmpfs on a relative path' '
	bad_run "invalid --tmpfs '"'"'scratch'"'"': the path must be absolute" --tmpfs scratch true
'

test_expect_success '--tmpfs with an unknown option or a bad size' '
	bad_run "unknown tmpfs option '"'"'sice=1m'"'"'" --tmpfs /s:sice=1m true &&
	bad_run "bad value in tmpfs option '"'"'size=lots'"'"'" --tmpfs /s:size=lots true
'

test_expect_success 'a bad --net value' '
	bad_run "invalid --net '"'"'bridge'"'"': use host" --net bridge true &&
	bad_run "invalid --net '"'"'bridge'"'"'" --net=bridge true
'

test_expect_success 'a bad --hostname' '
	bad_run "invalid --hostname '"'"'a b'"'"'" --hostname "a b" true
'

test_expect_success 'an unknown option names it and says to use --' '
	bad_run "unknown option --rm (use -- to pass it to the container)" --rm true &&
	bad_run "unknown option -z (use -- to pass it to the container)" -z true &&
	bad_run "unknown option -itz (use --" -itz true
'

test_expect_success 'a workdir that is a file of the image, with and without --read-only' '
	bad_run "workdir: '"'"'/etc/motd'"'"' exists and is not a directory" -w /etc/motd true &&
	bad_run "workdir: '"'"'/etc/motd'"'"' exists and is not a directory" --read-only \
		-w /etc/motd true
'

test_expect_success 'a single-file volume onto a directory of the image' '
	echo f >file.txt &&
	bad_run "volume" -v "$PWD/file.txt:/etc" true
'

test_done
