#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='-t/-i: the container'"'"'s own terminal, its size, ^C, input and output'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# Terminal tests run the app on a pseudo-terminal made by script(1) (util-linux), which plays
# the user's terminal: it copies its stdin to the terminal and the terminal's output to its
# stdout.
command -v script >/dev/null 2>&1 || test_set_prereq NOSCRIPT

# in_tty OUT FILE: run the shell script FILE on a new terminal; its output, with the
# terminal's CRs removed, in OUT. Returns FILE's exit status.
in_tty() {
	_o=$1
	shift
	SHELL=/bin/sh timeout -k 5 "$VSL_TIMEOUT" script -qef -E never -c "sh $*" /dev/null >"$_o.raw"
	_st=$?
	tr -d "\r" <"$_o.raw" >"$_o"
	return "$_st"
}

test_expect_success !NOSCRIPT 'set up: a runner script for script(1) to call' '
	vsl_runner_script ../runner.sh &&
	vsl_app latest >../app.path
'

test_expect_success !NOSCRIPT '-t: the container has a terminal of its own, sized as ours' '
	cat >inner <<-EOF &&
	stty rows 33 cols 77
	../runner.sh "$(cat ../app.path)" -t sh -c "tty; stty size; test -t 0 && test -t 1 && test -t 2 && echo all-three"
	EOF
	in_tty out inner &&
	cat out &&
	grep -E "^/dev/pts/[0-9]+$" out &&
	grep -x "33 77" out &&
	grep -x all-three out
'

test_expect_success '-t without any terminal around: output still comes, through a pty' '
	vsl_run "$(vsl_app latest)" -t echo x >out </dev/null &&
	printf "x\r\n" >expect &&
	test_cmp expect out &&
	vsl_run "$(vsl_app latest)" echo x >out </dev/null &&
	echo x >expect &&
	test_cmp expect out
'

# With neither -t nor -i, a run from a terminal (stdin and stdout) is an interactive one, as
# `docker run -it` (launch.h, vsl_terminal_choose); with stdout a pipe it never gets a pty.
# script(1) passes a NUL at the end of its input: the container's terminal echoes it as ^@.
test_expect_success !NOSCRIPT 'neither -t nor -i, run from a terminal: a pty of its own, as -it' '
	cat >inner <<-EOF &&
	../runner.sh "$(cat ../app.path)" sh -c "tty; ls /dev/pts"
	EOF
	in_tty out.nul inner &&
	sed "s/\\^@//g" <out.nul >out &&
	cat out &&
	grep -E "^/dev/pts/0$" out &&
	grep -E "^0 +ptmx$" out
'

test_expect_success !NOSCRIPT 'neither -t nor -i, stdout a pipe: no pty, our terminal is shared' '
	cat >inner <<-EOF &&
	../runner.sh "$(cat ../app.path)" sh -c "test -t 0 && echo shared; ls /dev/pts" | cat
	EOF
	in_tty out inner &&
	printf "%s\n" shared ptmx >expect &&
	test_cmp expect out
'

# The container waits for SIGWINCH with a trap; the outer terminal is resized by stty while
# the app runs in the background of the same terminal (so it gets the terminal's SIGWINCH).
test_expect_success !NOSCRIPT '-t: a resize of our terminal reaches the container (SIGWINCH)' '
	rm -rf sync && mkdir sync &&
	cat >inner <<-EOF &&
	stty rows 20 cols 60
	../runner.sh "$(cat ../app.path)" -t -v "$PWD/sync:/sync" sh -c "trap \"stty size >/sync/size\" WINCH; stty size; touch /sync/ready; while [ ! -e /sync/stop ]; do sleep 0.1; done" &
	pid=\$!
	i=0; while [ ! -e sync/ready ] && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i + 1)); done
	stty rows 41 cols 101
	i=0; while [ ! -e sync/size ] && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i + 1)); done
	touch sync/stop
	wait \$pid
	EOF
	in_tty out inner &&
	echo "41 101" >expect &&
	test_cmp expect sync/size &&
	grep -x "20 60" out
'

# ^C typed on our terminal travels as a byte (raw mode) to the container's terminal, whose line
# discipline sends SIGINT to the container's foreground process: sleep dies, status 130.
test_expect_success !NOSCRIPT '-it: ^C stops the container: 130, terminal restored, nothing left' '
	rm -rf sync && mkdir sync &&
	cat >inner <<-EOF &&
	stty -a >stty.before
	../runner.sh "$(cat ../app.path)" -it -v "$PWD/sync:/sync" sh -c "touch /sync/ready; exec sleep 100"
	rc=\$?
	stty -a >stty.after
	exit \$rc
	EOF
	{ vsl_wait_for sync/ready && printf "\003"; } | test_expect_code 130 in_tty out inner &&
	test_cmp stty.before stty.after &&
	vsl_no_leftovers
'

test_expect_success !NOSCRIPT '-it: what we type reaches the container' '
	cat >inner <<-EOF &&
	../runner.sh "$(cat ../app.path)" -it sh -c "read line; echo \"got=\\\$line\""
	EOF
	printf "hello\n" | in_tty out inner &&
	grep -x "got=hello" out
'

test_expect_success !NOSCRIPT '-t without -i: what we type is not passed on (as docker)' '
	cat >inner <<-EOF &&
	../runner.sh "$(cat ../app.path)" -t sh -c "read -t 2 line; echo \"got=[\\\$line]\""
	EOF
	printf "hello\n" | in_tty out inner &&
	grep -x "got=\[\]" out
'

test_expect_success '-it with a pipe for stdin: its end is the terminal'"'"'s EOF' '
	printf "abc\n" | vsl_run "$(vsl_app latest)" -it cat >out.raw &&
	tr -d "\r" <out.raw >out &&
	printf "%s\n" abc abc >expect &&
	test_cmp expect out
'

test_expect_success '-t: the exit status passes through' '
	test_expect_code 7 vsl_run "$(vsl_app latest)" -t sh -c "exit 7" </dev/null &&
	test_expect_code 143 vsl_run "$(vsl_app latest)" -t sh -c "kill -TERM \$\$" </dev/null
'

test_expect_success '-t: all the output arrives, also when the container ends at once' '
	vsl_run "$(vsl_app latest)" -t seq 1 30000 </dev/null >out.raw &&
	tr -d "\r" <out.raw >out &&
	test "$(wc -l <out)" = 30000 &&
	test "$(tail -n 1 out)" = 30000
'

test_done
