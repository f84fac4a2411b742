#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='-v host:ctr[:ro] bind mounts'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

test_expect_success 'a write in a volume is visible on the host, owned by the caller' '
	rm -rf vol && mkdir vol &&
	vsl_run "$(vsl_app latest)" -v "$PWD/vol:/data" sh -c "echo written >/data/f" &&
	echo written >expect &&
	test_cmp expect vol/f &&
	test "$(stat -c %u vol/f)" = "$(id -u)"
'

test_expect_success 'host files are visible in the volume' '
	rm -rf vol && mkdir vol && echo from-host >vol/in &&
	vsl_run "$(vsl_app latest)" -v "$PWD/vol:/data" cat /data/in >out &&
	test_cmp vol/in out
'

test_expect_success ':ro refuses writes' '
	rm -rf vol && mkdir vol &&
	! vsl_run "$(vsl_app latest)" -v "$PWD/vol:/data:ro" sh -c "echo x >/data/g" &&
	test ! -e vol/g
'

test_expect_success ':ro volume is still readable' '
	rm -rf vol && mkdir vol && echo ro-content >vol/in &&
	vsl_run "$(vsl_app latest)" -v "$PWD/vol:/data:ro" cat /data/in >out &&
	test_cmp vol/in out
'

test_expect_success 'a relative host path is relative to the cwd' '
	rm -rf rel && mkdir rel &&
	vsl_run "$(vsl_app latest)" -v ./rel:/data sh -c "echo rel >/data/f" &&
	echo rel >expect &&
	test_cmp expect rel/f
'

test_expect_success 'a single file can be mounted over an image file' '
	echo "mounted file" >file.txt &&
	vsl_run "$(vsl_app latest)" -v "$PWD/file.txt:/etc/motd:ro" cat /etc/motd >out &&
	test_cmp file.txt out
'

test_expect_success 'two volumes at once' '
	rm -rf v1 v2 && mkdir v1 v2 &&
	vsl_run "$(vsl_app latest)" -v "$PWD/v1:/a" --volume "$PWD/v2:/b" \
		sh -c "echo 1 >/a/x && echo 2 >/b/x" &&
	test "$(cat v1/x)$(cat v2/x)" = 12
'

test_expect_success 'a missing host path is a vessel error (125)' '
	test_expect_code 125 vsl_run "$(vsl_app latest)" -v "$PWD/no-such-dir:/data" true 2>err &&
	grep no-such-dir err
'

test_done
