#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='--read-only (no writable layer) and --tmpfs PATH[:OPTIONS]'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# --- --read-only ---
test_expect_success '--read-only: a write to / fails with EROFS, /tmp is writable' '
	vsl_run "$(vsl_app latest)" --read-only sh -c "
		if touch /new 2>/tmp/err; then echo wrote; exit 1; fi
		grep -q \"Read-only file system\" /tmp/err || { cat /tmp/err; exit 2; }
		if echo x >>/etc/motd 2>/dev/null; then echo wrote-etc; exit 3; fi
		if mkdir /root/d 2>/dev/null; then echo mkdir; exit 4; fi
		echo scratch >/tmp/f && cat /tmp/f && stat -c %a /tmp" >out &&
	printf "%s\n" scratch 1777 >expect &&
	test_cmp expect out
'

test_expect_success '--read-only: the root is a read-only mount with no upper layer' '
	vsl_run "$(vsl_app latest)" --read-only \
		awk "\$2 == \"/\" { print \$3, \$4 }" /proc/mounts >out &&
	cat out &&
	test "$(wc -l <out)" = 1 &&
	grep -E "^[a-z]+ ro[,]" out &&
	! grep upperdir out &&
	vsl_run "$(vsl_app latest)" awk "\$2 == \"/\" { print \$4 }" /proc/mounts >rw &&
	grep -E "^rw," rw
'

# The skeleton under the image holds the mount points the image lacks (/mnt, the workdir and
# a single-file target here), and nothing of it reaches the extracted image in the cache.
test_expect_success '--read-only: -v, a new workdir and file targets the image lacks' '
	rm -rf vol && mkdir vol && echo from-host >file.txt &&
	vsl_run "$(vsl_app latest)" --read-only -v ./vol:/mnt/vol -v ./file.txt:/opt/file.txt:ro \
		-w /new/dir sh -c "pwd; cat /opt/file.txt; echo written >/mnt/vol/f" >out &&
	printf "%s\n" /new/dir from-host >expect &&
	test_cmp expect out &&
	test "$(cat vol/f)" = written &&
	for d in $(vsl_cache_dirs); do
		test ! -e "$d/rootfs/.vessel-oldroot" && test ! -e "$d/rootfs/mnt" &&
		test ! -e "$d/rootfs/new" && test ! -e "$d/rootfs/opt" || exit 1
	done &&
	vsl_no_leftovers
'

test_expect_success '--read-only leaves no trace: the next run without it sees the image as it is' '
	vsl_run "$(vsl_app latest)" --read-only -w /new/dir true &&
	vsl_run "$(vsl_app latest)" sh -c "test ! -e /new && test ! -e /.vessel-oldroot && echo clean" >out &&
	echo clean >expect &&
	test_cmp expect out
'

test_expect_success '--read-only with --tmpfs /tmp: the given tmpfs replaces the default one' '
	vsl_run "$(vsl_app latest)" --read-only --tmpfs /tmp:size=64k,mode=0700 \
		sh -c "stat -c %a /tmp; grep \" /tmp \" /proc/mounts | grep -c size=64k" >out &&
	printf "%s\n" 700 1 >expect &&
	test_cmp expect out
'

test_expect_success '--read-only: the image is still all there' '
	vsl_run "$(vsl_app latest)" --read-only sh -c "cat /etc/motd; ls /home" >out &&
	vsl_run "$(vsl_app latest)" sh -c "cat /etc/motd; ls /home" >expect &&
	test_cmp expect out
'

# On the FUSE path the lower layer is the squashfs served by our FUSE server (root, or a user
# where /dev/fuse is 0666; see t0420).
if [ -r /dev/fuse ] && [ -w /dev/fuse ]; then
	test_set_prereq FUSE
fi

test_expect_success FUSE '--read-only over the FUSE path' '
	app=$(vsl_app latest --payload-format squashfs) &&
	VESSEL_DEBUG=1 vsl_run "$app" --read-only -w /new sh -c "
		touch /x 2>/dev/null && exit 1
		echo t >/tmp/t && cat /tmp/t /etc/motd && pwd" >out 2>err &&
	grep "payload path: fuse" err &&
	{ vsl_run "$app" cat /etc/motd && echo /new; } >expect &&
	sed -n 1p out >got && echo t >want && test_cmp want got &&
	sed 1d out >got && test_cmp expect got
'

# --- --tmpfs ---
test_expect_success '--tmpfs: an empty writable tmpfs, hiding the image dir under it' '
	vsl_run "$(vsl_app latest)" --tmpfs /home sh -c "ls -A /home; echo x >/home/f && cat /home/f" >out &&
	echo x >expect &&
	test_cmp expect out
'

test_expect_success '--tmpfs size=1m: writing past it fails with ENOSPC' '
	test_expect_code 1 vsl_run "$(vsl_app latest)" --tmpfs /scratch:size=1m \
		dd if=/dev/zero of=/scratch/big bs=1024 count=2048 2>err &&
	grep "No space left on device" err &&
	vsl_run "$(vsl_app latest)" --tmpfs /scratch:size=1m \
		dd if=/dev/zero of=/scratch/fits bs=1024 count=512
'

test_expect_success '--tmpfs: docker defaults noexec, nosuid, nodev; exec and mode= change them' '
	vsl_run "$(vsl_app latest)" --tmpfs /s sh -c "grep \" /s \" /proc/mounts" >out &&
	grep -E "nosuid" out && grep -E "nodev" out && grep -E "noexec" out &&
	test_expect_code 126 vsl_run "$(vsl_app latest)" --tmpfs /s \
		sh -c "cp /bin/busybox /s/busybox && exec /s/busybox true" &&
	vsl_run "$(vsl_app latest)" --tmpfs /s:exec,mode=0710 \
		sh -c "cp /bin/busybox /s/busybox && /s/busybox echo ran && stat -c %a /s" >out &&
	printf "%s\n" ran 710 >expect &&
	test_cmp expect out
'

test_expect_success '--tmpfs :ro is mounted read-only' '
	test_expect_code 1 vsl_run "$(vsl_app latest)" --tmpfs /s:ro touch /s/x 2>err &&
	grep "Read-only file system" err
'

test_expect_success '-v inside a --tmpfs, in either order on the command line, stacks' '
	rm -rf vol && mkdir vol && echo in-vol >vol/f &&
	vsl_run "$(vsl_app latest)" -v "$PWD/vol:/data/vol" --tmpfs /data \
		sh -c "cat /data/vol/f; echo t >/data/t && ls /data" >out &&
	printf "%s\n" in-vol t vol >expect &&
	test_cmp expect out &&
	test ! -e vol/t
'

test_expect_success 'a tmpfs leaves nothing on the host' '
	vsl_run "$(vsl_app latest)" --tmpfs /s sh -c "echo x >/s/f" &&
	vsl_no_leftovers
'

test_done
