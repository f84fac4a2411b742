#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='a command that is missing (127) or not executable (126)'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

test_expect_success 'a missing command on PATH: 127, named on stderr' '
	test_expect_code 127 vsl_run "$(vsl_app latest)" vsl-no-such-command 2>err &&
	grep vsl-no-such-command err
'

test_expect_success 'a missing absolute path: 127' '
	test_expect_code 127 vsl_run "$(vsl_app latest)" /no/such/binary 2>err &&
	grep /no/such/binary err
'

test_expect_success 'a file without x permission, by path: 126' '
	test_expect_code 126 vsl_run "$(vsl_app latest)" /bin/noexec.sh 2>err &&
	grep noexec.sh err
'

test_expect_success 'a file without x permission, through PATH: 126' '
	test_expect_code 126 vsl_run "$(vsl_app latest)" noexec.sh
'

test_expect_success 'a directory: 126' '
	test_expect_code 126 vsl_run "$(vsl_app latest)" /tmp
'

test_expect_success 'an executable that is no program (exec format error): 126' '
	printf "no shebang, not ELF\n" >notaprog && chmod +x notaprog &&
	test_expect_code 126 vsl_run "$(vsl_app latest)" -v "$PWD/notaprog:/notaprog:ro" /notaprog 2>err &&
	grep "notaprog: exec format error" err
'

test_expect_success 'a missing --entrypoint: 127' '
	test_expect_code 127 vsl_run "$(vsl_app latest)" --entrypoint /nope
'

test_expect_success 'the shell inside reports its own 127' '
	test_expect_code 127 vsl_run "$(vsl_app latest)" sh -c vsl-no-such-command
'

test_done
