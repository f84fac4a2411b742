#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='layers applied in order: whiteouts, opaque dirs, hard links, replaced files'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

test_expect_success 'a file from a lower layer is replaced' '
	vsl_run "$(vsl_app layers)" cat /etc/greeting >out &&
	echo "greeting from layer 2" >expect &&
	test_cmp expect out
'

test_expect_success 'a whiteout removes a lower file, and leaves no .wh. entry' '
	vsl_run "$(vsl_app layers)" sh -c "test ! -e /etc/motd && ls -a /etc" >out &&
	! grep "^\.wh\." out
'

test_expect_success 'an opaque dir hides the lower contents' '
	vsl_run "$(vsl_app layers)" ls -a /srv/opaque >out &&
	printf "%s\n" . .. new >expect &&
	test_cmp expect out
'

test_expect_success 'a hard link stays one inode' '
	vsl_run "$(vsl_app layers)" sh -c "stat -c %i /srv/hardlink-a /srv/hardlink-b | uniq | wc -l; cat /srv/hardlink-b" >out &&
	printf "%s\n" 1 linked >expect &&
	test_cmp expect out
'

test_expect_success 'the single-layer tag still has the lower files' '
	vsl_run "$(vsl_app latest)" sh -c "cat /etc/motd /etc/greeting; ls /srv/opaque" >out &&
	printf "%s\n" "vessel test image" "greeting from layer 1" old >expect &&
	test_cmp expect out
'

test_expect_success 'applet symlinks and file modes survive' '
	vsl_run "$(vsl_app latest)" sh -c "readlink /bin/sh; stat -c %a /var/tmp /bin/noexec.sh /root" >out &&
	printf "%s\n" /bin/busybox 1777 644 700 >expect &&
	test_cmp expect out
'

test_done
