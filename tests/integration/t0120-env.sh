#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='environment: image Env, -e, --env-file, host inheritance'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

test_expect_success 'image Env is set' '
	vsl_run "$(vsl_app latest)" env >out &&
	grep -x PATH=/usr/sbin:/usr/bin:/sbin:/bin out &&
	grep -x GREETING=hello-from-image out
'

test_expect_success '-e overrides image Env' '
	vsl_run "$(vsl_app latest)" -e GREETING=from-e >out &&
	echo from-e >expect &&
	test_cmp expect out
'

test_expect_success '--env=K=V and --env K=V forms' '
	vsl_run "$(vsl_app latest)" --env=A=1 --env B=2 sh -c "echo \$A\$B" >out &&
	echo 12 >expect &&
	test_cmp expect out
'

test_expect_success '--env-file overrides image Env; comments and blank lines skipped' '
	printf "%s\n" "# a comment" "" "GREETING=from-file" "OTHER=with spaces" >env.list &&
	vsl_run "$(vsl_app latest)" --env-file env.list sh -c "echo \$GREETING; echo \$OTHER" >out &&
	printf "%s\n" from-file "with spaces" >expect &&
	test_cmp expect out
'

test_expect_success '-e beats --env-file, whatever the order' '
	echo GREETING=from-file >env.list &&
	vsl_run "$(vsl_app latest)" -e GREETING=from-e --env-file env.list >out1 &&
	vsl_run "$(vsl_app latest)" --env-file env.list -e GREETING=from-e >out2 &&
	echo from-e >expect &&
	test_cmp expect out1 &&
	test_cmp expect out2
'

test_expect_success '-e K takes the value from the host' '
	VSL_HOST_VAR="host value" vsl_run "$(vsl_app latest)" -e VSL_HOST_VAR \
		sh -c "echo \$VSL_HOST_VAR" >out &&
	echo "host value" >expect &&
	test_cmp expect out
'

test_expect_success '-e K for a K the host lacks leaves it unset' '
	unset VSL_NO_SUCH_VAR &&
	vsl_run "$(vsl_app latest)" -e VSL_NO_SUCH_VAR sh -c "echo \${VSL_NO_SUCH_VAR-unset}" >out &&
	echo unset >expect &&
	test_cmp expect out
'

test_expect_success 'the host environment does not leak in' '
	VSL_LEAK=1 vsl_run "$(vsl_app latest)" sh -c "echo \${VSL_LEAK-unset}" >out &&
	echo unset >expect &&
	test_cmp expect out
'

test_expect_success 'a missing --env-file is a vessel error (125)' '
	test_expect_code 125 vsl_run "$(vsl_app latest)" --env-file no-such-file true 2>err &&
	grep no-such-file err
'

test_done
