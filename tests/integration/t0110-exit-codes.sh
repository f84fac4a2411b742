#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='the app exits with the container status; 128+N for signal N'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

for code in 0 1 42 255; do
	test_expect_success "exit $code" '
		test_expect_code '"$code"' vsl_run "$(vsl_app latest)" sh -c "exit '"$code"'"
	'
done

test_expect_success 'killed by SIGTERM: 143' '
	test_expect_code 143 vsl_run "$(vsl_app latest)" sh -c "kill -TERM \$\$"
'

test_expect_success 'killed by SIGKILL: 137' '
	test_expect_code 137 vsl_run "$(vsl_app latest)" sh -c "kill -KILL \$\$"
'

test_expect_success 'a process below the first one killed by a signal' '
	test_expect_code 143 vsl_run "$(vsl_app latest)" sh -c "sh -c \"kill -TERM \\\$\\\$\"; exit \$?"
'

# SIGTERM sent to the app on the host reaches the container's process. The container says
# when its trap is in place through a volume, so no sleep is needed to synchronise.
test_expect_success 'SIGTERM to the app is forwarded to the container' '
	mkdir -p sync && rm -f sync/ready &&
	app=$(vsl_app latest) &&
	{ vsl_exec "$app" -v "$PWD/sync:/sync" \
		sh -c "trap \"exit 7\" TERM; touch /sync/ready; while :; do sleep 1; done" & } &&
	pid=$! &&
	i=0 && while [ ! -e sync/ready ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done &&
	test -e sync/ready &&
	kill -TERM $pid &&
	test_expect_code 7 wait $pid
'

test_done
