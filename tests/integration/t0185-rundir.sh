#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='the default run dir: a private tmpfs in our own mount namespace, nothing left on disk'
. "$(dirname "$0")/lib.sh"

# The harness sets VESSEL_TMPDIR for every other test; here it is unset, so the stub uses its
# default: a tmpfs mounted on <cache>/run inside its own mount namespace.
default_run() { (unset VESSEL_TMPDIR; vsl_run "$@"); }

test_expect_success 'a run with the default run dir works and writes to its rootfs' '
	app=$(vsl_app latest) &&
	ls -A /tmp /var/tmp 2>/dev/null | grep "^vessel-run\." | sort >before &&
	VESSEL_DEBUG=1 default_run "$app" sh -c "echo x >/etc/new && cat /etc/new" >out 2>err &&
	echo x >expect && test_cmp expect out &&
	grep "rundir: private tmpfs" err
'

test_expect_success 'nothing is left: the mount point is empty, no run dir on disk' '
	test -d "$VESSEL_CACHE_DIR/run" &&
	test -z "$(ls -A "$VESSEL_CACHE_DIR/run")" &&
	ls -A /tmp /var/tmp 2>/dev/null | grep "^vessel-run\." | sort >after &&
	test_cmp before after &&
	! grep -q " $VESSEL_CACHE_DIR/run " /proc/mounts
'

test_expect_success 'a directory replaced in the container is opaque on the tmpfs upper' '
	default_run "$(vsl_app latest)" sh -c "test -n \"\$(ls -A /usr)\" && rm -rf /usr && mkdir /usr && ls -A /usr | wc -l" >out &&
	echo 0 >expect && test_cmp expect out
'

test_expect_success 'the next run sees the image unchanged' '
	default_run "$(vsl_app latest)" sh -c "test ! -e /etc/new && test -n \"\$(ls -A /usr)\""
'

test_done
