#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='the default CMD, the CPU the container sees, stdio'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

test_expect_success 'build the app' '
	app=$(vsl_app latest) &&
	test -x "$app"
'

test_expect_success 'the default CMD prints the image greeting' '
	vsl_run "$(vsl_app latest)" >out &&
	echo hello-from-image >expect &&
	test_cmp expect out
'

test_expect_success 'uname -m is the arch of the app' '
	vsl_run "$(vsl_app latest)" uname -m >out &&
	echo "$VSL_ARCH" >expect &&
	test_cmp expect out
'

test_expect_success 'stdin reaches the container, stdout and stderr stay apart' '
	echo piped-in | vsl_run "$(vsl_app latest)" sh -c "cat; echo to-stderr >&2" >out 2>err &&
	echo piped-in >expect &&
	test_cmp expect out &&
	grep -x to-stderr err
'

test_done
