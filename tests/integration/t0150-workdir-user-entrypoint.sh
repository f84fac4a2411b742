#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='WorkingDir and -w, Entrypoint and --entrypoint, USER and -u'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# --- working directory ---
test_expect_success 'no WorkingDir: the cwd is /' '
	vsl_run "$(vsl_app latest)" pwd >out &&
	echo / >expect &&
	test_cmp expect out
'

test_expect_success 'the image WorkingDir applies' '
	vsl_run "$(vsl_app workdir)" sh -c "pwd; cat marker" >out &&
	printf "%s\n" /srv/work "work marker" >expect &&
	test_cmp expect out
'

test_expect_success '-w overrides it' '
	vsl_run "$(vsl_app workdir)" -w /tmp pwd >out &&
	echo /tmp >expect &&
	test_cmp expect out
'

test_expect_success '--workdir=DIR form' '
	vsl_run "$(vsl_app latest)" --workdir=/etc pwd >out &&
	echo /etc >expect &&
	test_cmp expect out
'

# --- entrypoint ---
test_expect_success 'image Entrypoint + Cmd' '
	vsl_run "$(vsl_app entry)" >out &&
	echo "entry: default-arg" >expect &&
	test_cmp expect out
'

test_expect_success 'args replace Cmd, not Entrypoint' '
	vsl_run "$(vsl_app entry)" x y >out &&
	echo "entry: x y" >expect &&
	test_cmp expect out
'

test_expect_success '--entrypoint replaces Entrypoint and drops the image Cmd' '
	vsl_run "$(vsl_app entry)" --entrypoint /bin/echo >out &&
	echo >expect &&
	test_cmp expect out &&
	vsl_run "$(vsl_app latest)" --entrypoint echo -- a b >out &&
	echo "a b" >expect &&
	test_cmp expect out
'

test_expect_success '--entrypoint "" clears the image Entrypoint' '
	vsl_run "$(vsl_app entry)" --entrypoint "" echo cleared >out &&
	echo cleared >expect &&
	test_cmp expect out
'

# --- user ---
# Real root running natively keeps the initial user namespace, where every id exists: USER app
# is uid 1000 (ALLIDS). A user with a subordinate id range has 1000 mapped too (IDRANGE; more in
# t0155-userns-ids.sh). Without a range (or under qemu inside `unshare -Urm`) one id is mapped
# (0 -> the caller): vessel warns and runs the command as uid 0 (runtime/runner.c) (ONEID).
test_expect_success 'USER image: WorkingDir applies and the command runs' '
	vsl_run "$(vsl_app user)" sh -c "pwd; cat hello.txt; id" >out &&
	sed -n 1,2p out >got &&
	printf "%s\n" /home/app "hello from app'"'"'s home" >expect &&
	test_cmp expect got
'

test_expect_success ONEID 'one mapped id: USER 1000 runs as uid 0, with a warning' '
	vsl_run "$(vsl_app user)" id -u >out 2>err &&
	echo 0 >expect &&
	test_cmp expect out &&
	grep -i "warning.*uid 1000" err
'

test_expect_success !ONEID 'USER app (by name) runs as 1000:1000' '
	vsl_run "$(vsl_app user)" sh -c "id -u; id -g; touch /home/app/new" >out &&
	printf "%s\n" 1000 1000 >expect &&
	test_cmp expect out
'

test_expect_success !ONEID 'USER 1000:1000 (numeric) runs as 1000:1000' '
	vsl_run "$(vsl_app uid)" sh -c "id -u; id -g" >out &&
	printf "%s\n" 1000 1000 >expect &&
	test_cmp expect out
'

test_expect_success '-u 0 overrides the image USER (no warning needed)' '
	vsl_run "$(vsl_app user)" -u 0 id -u >out 2>err &&
	echo 0 >expect &&
	test_cmp expect out &&
	! grep -i warning err
'

test_expect_success !ONEID '-u app and -u 1000:0' '
	vsl_run "$(vsl_app latest)" -u app sh -c "id -u; id -g" >out &&
	printf "%s\n" 1000 1000 >expect &&
	test_cmp expect out &&
	vsl_run "$(vsl_app latest)" --user 1000:0 sh -c "id -u; id -g" >out &&
	printf "%s\n" 1000 0 >expect &&
	test_cmp expect out
'

test_expect_success 'the default user is root in the container' '
	vsl_run "$(vsl_app latest)" id -u >out &&
	echo 0 >expect &&
	test_cmp expect out
'

test_expect_success '-u with an unknown user name is a vessel error (125)' '
	test_expect_code 125 vsl_run "$(vsl_app latest)" -u no-such-user true 2>err &&
	grep no-such-user err
'

test_done
