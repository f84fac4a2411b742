#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='INT TERM HUP QUIT USR1 USR2 WINCH reach the container; 128+N for a death by N'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# The signals go to the app itself (vsl_app_pid), not through timeout, which passes on only
# some.

# One container traps every signal and logs its name; each signal is sent once its
# predecessor is logged, so every one of them is shown to arrive, in order and once.
test_expect_success 'each forwarded signal reaches a trap in the container' '
	rm -rf sync && mkdir sync &&
	app=$(vsl_app latest) &&
	{ vsl_exec "$app" -v "$PWD/sync:/sync" sh -c "
		for s in INT TERM HUP QUIT USR1 USR2 WINCH; do
			trap \"echo \$s >>/sync/log\" \$s
		done
		touch /sync/ready
		while [ ! -e /sync/stop ]; do sleep 0.1; done
		exit 3" & } &&
	pid=$! &&
	vsl_wait_for sync/ready &&
	apid=$(vsl_app_pid $pid) &&
	n=0 &&
	for s in INT TERM HUP QUIT USR1 USR2 WINCH; do
		kill -s $s "$apid" &&
		n=$((n + 1)) &&
		i=0 &&
		while [ "$(cat sync/log 2>/dev/null | wc -l)" -lt $n ] && [ $i -lt 300 ]; do
			sleep 0.1
			i=$((i + 1))
		done
	done &&
	touch sync/stop &&
	test_expect_code 3 wait $pid &&
	printf "%s\n" INT TERM HUP QUIT USR1 USR2 WINCH >expect &&
	test_cmp expect sync/log
'

# Without a trap the signal's default action kills the container's process (WINCH's is to
# ignore it), and the app reports 128+N.
for sig in INT:2 TERM:15 HUP:1 QUIT:3 USR1:10 USR2:12; do
	name=${sig%:*} num=${sig#*:}
	test_expect_success "SIG$name kills the container: exit $((128 + num))" '
		rm -rf sync && mkdir sync &&
		{ vsl_exec "$(vsl_app latest)" -v "$PWD/sync:/sync" \
			sh -c "touch /sync/ready; exec sleep 100" & } &&
		pid=$! &&
		vsl_wait_for sync/ready &&
		kill -s '"$name"' "$(vsl_app_pid $pid)" &&
		test_expect_code '"$((128 + num))"' wait $pid &&
		vsl_no_leftovers
	'
done

# A shell starts a background command with SIGINT and SIGQUIT ignored, and an ignored signal
# stays ignored across exec. (timeout, which the other tests run the app under, undoes that,
# so here a runner script ignores them right before the app.) The container's command must
# get them all the same, as docker's does.
test_expect_success 'an app started with INT and QUIT ignored still passes them on' '
	vsl_runner_script runner.sh &&
	sed "1a trap \"\" INT QUIT" runner.sh >ign.sh && chmod +x ign.sh &&
	grep -x "trap \"\" INT QUIT" ign.sh &&
	for sig in INT:130 QUIT:131; do
		rm -rf sync && mkdir sync &&
		{ VSL_RUNNER=$PWD/ign.sh vsl_exec "$(vsl_app latest)" -v "$PWD/sync:/sync" \
			sh -c "grep -E \"^SigIgn\" /proc/self/status >/sync/ign; touch /sync/ready; exec sleep 100" & } &&
		pid=$! &&
		vsl_wait_for sync/ready &&
		cat sync/ign &&
		kill -s ${sig%:*} "$(vsl_app_pid $pid)" &&
		test_expect_code ${sig#*:} wait $pid || exit 1
	done
'

test_expect_success 'SIGWINCH alone does not stop the container' '
	rm -rf sync && mkdir sync &&
	{ vsl_exec "$(vsl_app latest)" -v "$PWD/sync:/sync" \
		sh -c "touch /sync/ready; while [ ! -e /sync/stop ]; do sleep 0.1; done; echo alive" \
		>out & } &&
	pid=$! &&
	vsl_wait_for sync/ready &&
	kill -s WINCH "$(vsl_app_pid $pid)" &&
	touch sync/stop &&
	wait $pid &&
	echo alive >expect &&
	test_cmp expect out
'

test_done
