#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='where runtime options end and container args begin'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

test_expect_success 'the first non-option starts the container args' '
	vsl_run "$(vsl_app latest)" echo a b >out &&
	echo "a b" >expect &&
	test_cmp expect out
'

test_expect_success 'options after the first non-option belong to the container' '
	vsl_run "$(vsl_app latest)" sh -c "echo \"\$GREETING \$*\"" x -e GREETING=no -v /:/x >out &&
	echo "hello-from-image -e GREETING=no -v /:/x" >expect &&
	test_cmp expect out
'

test_expect_success 'everything after -- belongs to the container' '
	vsl_run "$(vsl_app latest)" -e X=1 -- sh -c "echo \$X \"\$@\"" sh --help -e -- >out &&
	echo "1 --help -e --" >expect &&
	test_cmp expect out
'

test_expect_success '-- alone keeps the image CMD' '
	vsl_run "$(vsl_app latest)" -- >out &&
	echo hello-from-image >expect &&
	test_cmp expect out
'

test_expect_success 'args keep spaces, empty strings and quotes' '
	vsl_run "$(vsl_app latest)" printf "[%s]\n" "a  b" "" "c\"d" "e'"'"'f" "*" >out &&
	printf "%s\n" "[a  b]" "[]" "[c\"d]" "[e'"'"'f]" "[*]" >expect &&
	test_cmp expect out
'

test_expect_success 'a runtime option value that looks like an option' '
	vsl_run "$(vsl_app latest)" -e "OPT=--entrypoint" sh -c "echo \$OPT" >out &&
	printf "%s\n" --entrypoint >expect &&
	test_cmp expect out
'

test_expect_success '--help and --version answer without running the container' '
	vsl_run "$(vsl_app latest)" --help >out &&
	test -s out &&
	vsl_run "$(vsl_app latest)" --version >out &&
	test -s out
'

test_expect_success '--help lists every option with examples' '
	vsl_run "$(vsl_app latest)" --help >out &&
	for o in --env --env-file --volume --workdir --entrypoint --user --read-only --tmpfs \
		--net --hostname --tty --interactive --help --version Examples:; do
		grep -q -e "$o" out || { echo "no $o in --help" >&2; exit 1; }
	done
'

test_expect_success '--version shows the vessel version and the image digest' '
	vsl_run "$(vsl_app latest)" --version >out &&
	grep -x "vessel $(cat "$(dirname "$0")/../../VERSION")" out &&
	grep -E "^digest: sha256:[0-9a-f]{64}$" out
'

test_done
