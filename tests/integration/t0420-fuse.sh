#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='the FUSE path: the squashfs section served by our server, overlay on top;
falling back to the tar.zst, or a clear error, without /dev/fuse'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# FUSE: this pass can open /dev/fuse (root; a user only where /dev/fuse is 0666, which this
# test does not change on the host: `chmod 0666 /dev/fuse` before running it covers the user
# pass too). NOFUSE: it cannot, as a user where /dev/fuse is 0600. Root without access is
# simulated: inside `unshare -Urm`, a file of an unmapped owner with mode 000 is bind-mounted
# over /dev/fuse, so that even the namespace's root gets EACCES from open.
if [ -r /dev/fuse ] && [ -w /dev/fuse ]; then
	test_set_prereq FUSE
else
	test_set_prereq NOFUSE
fi
if [ "$VSL_PASS" = root ] && command -v unshare >/dev/null 2>&1; then
	test_set_prereq NOFUSE
	nofuse_dir=$VSL_PASS_DIR/nofuse
	mkdir -p "$nofuse_dir" && : >"$nofuse_dir/dev" && chown 65534:65534 "$nofuse_dir/dev" &&
		chmod 000 "$nofuse_dir/dev" && chmod 0755 "$nofuse_dir" &&
		cat >"$nofuse_dir/run" <<-'EOF'
			#!/bin/sh
			mount --bind "$(dirname "$0")/dev" /dev/fuse || exit 99
			exec "$@"
		EOF
	chmod 0755 "$nofuse_dir/run"
fi

# vsl_run_nofuse APP ARGS...: run with no usable /dev/fuse (see above).
vsl_run_nofuse() {
	if [ "$VSL_PASS" = root ]; then
		VSL_RUNNER="unshare -Urm $nofuse_dir/run ${VSL_QEMU:-}" vsl_run "$@"
	else
		vsl_run "$@"
	fi
}

sq_app() { vsl_app latest --payload-format squashfs; }
sqonly_app() { vsl_app latest --payload-format squashfs-only; }

test_expect_success FUSE 'an app with a squashfs section runs on the FUSE path' '
	app=$(sq_app) &&
	VESSEL_DEBUG=1 vsl_run "$app" echo hello world >out 2>err &&
	echo "hello world" >expect &&
	test_cmp expect out &&
	grep "payload path: fuse" err &&
	grep "built-in server [0-9]* is serving" err
'

test_expect_success FUSE 'FUSE and extraction show the same tree' '
	app=$(sq_app) &&
	cmd="cat /etc/passwd; readlink /bin/sh; ls /bin | wc -l; ls -ln /bin/busybox /etc/group;
		stat -c \"%n %a %u %g %s %Y\" /etc/passwd /bin/busybox;
		stat -c \"%n %a %u %g %Y\" /tmp /home/app; md5sum /bin/busybox" &&
	vsl_run "$app" sh -c "$cmd" >fuse.out &&
	VESSEL_PAYLOAD=extract VESSEL_DEBUG=1 vsl_run "$app" sh -c "$cmd" >extract.out 2>err &&
	grep "payload path: extract" err &&
	test_cmp extract.out fuse.out
'

for code in 0 1 42; do
	test_expect_success FUSE "FUSE: exit $code" '
		test_expect_code '"$code"' vsl_run "$(sq_app)" sh -c "exit '"$code"'"
	'
done

test_expect_success FUSE 'FUSE: a write to the rootfs is gone on the next run' '
	app=$(sq_app) &&
	vsl_run "$app" sh -c "echo scribble >/etc/passwd && echo new >/etc/new && rm /bin/ls &&
		cat /etc/passwd /etc/new" >out &&
	printf "scribble\nnew\n" >expect &&
	test_cmp expect out &&
	vsl_run "$app" sh -c "test ! -e /etc/new && test -e /bin/ls && grep ^root: /etc/passwd"
'

test_expect_success FUSE 'VESSEL_SQUASHFUSE runs an external squashfuse' '
	command -v squashfuse >/dev/null || { echo "no squashfuse: skipped"; exit 0; }
	VESSEL_SQUASHFUSE=$(command -v squashfuse) VESSEL_DEBUG=1 \
		vsl_run "$(sq_app)" cat /etc/passwd >out 2>err &&
	grep "^root:" out &&
	grep "squashfuse server [0-9]* is serving" err
'

test_expect_success FUSE 'VESSEL_SQUASHFUSE that cannot run: fallback, or error when forced' '
	app=$(sq_app) &&
	VESSEL_SQUASHFUSE=/nonexistent VESSEL_DEBUG=1 vsl_run "$app" echo ok >out 2>err &&
	grep "^ok" out && grep "falling back to extracting" err &&
	export VESSEL_PAYLOAD=fuse VESSEL_SQUASHFUSE=/nonexistent &&
	test_expect_code 125 vsl_run "$app" echo ok 2>err &&
	grep "VESSEL_SQUASHFUSE=/nonexistent" err
'

# The container reaches a point where the server is up (it says so through a fifo), the test
# kills the server, then lets the container read files it has not read yet.
test_expect_success FUSE 'a FUSE server that dies mid-run is reported, not a hang' '
	app=$(sq_app) &&
	mkdir -p sync && rm -f sync/ready sync/go && mkfifo sync/ready sync/go &&
	{ VESSEL_DEBUG=1 vsl_exec "$app" -v "$PWD/sync:/sync" sh -c \
		"echo up >/sync/ready; read x </sync/go; cat /bin/busybox /etc/*;
		 ls -R / >/dev/null; echo survived" >out 2>err & } &&
	pid=$! &&
	timeout "$VSL_TIMEOUT" sh -c "read x <sync/ready" &&
	server=$(sed -n "s/.*built-in server \([0-9]*\) is serving.*/\1/p" err) &&
	test -n "$server" &&
	kill -KILL "$server" &&
	timeout "$VSL_TIMEOUT" sh -c "echo go >sync/go" &&
	test_expect_code 125 wait $pid &&
	grep "the FUSE server died during the run" err
'

test_expect_success FUSE 'VESSEL_PAYLOAD=extract forces extraction' '
	VESSEL_PAYLOAD=extract VESSEL_DEBUG=1 vsl_run "$(sq_app)" echo hi >out 2>err &&
	grep "^hi" out &&
	grep "payload path: extract" err &&
	! grep "fuse: mounted" err
'

test_expect_success NOFUSE 'without /dev/fuse access: the tar.zst is the fallback' '
	VESSEL_DEBUG=1 vsl_run_nofuse "$(sq_app)" echo hi >out 2>err &&
	grep "^hi" out &&
	grep "/dev/fuse is not usable" err &&
	grep "payload path: extract" err
'

test_expect_success NOFUSE 'without /dev/fuse access: a squashfs-only app says why and how' '
	test_expect_code 125 vsl_run_nofuse "$(sqonly_app)" echo hi >out 2>err &&
	test ! -s out &&
	grep "only a squashfs payload and FUSE is not usable here (open /dev/fuse" err &&
	grep "chmod 0666 /dev/fuse" err
'

test_expect_success NOFUSE 'without /dev/fuse access: VESSEL_PAYLOAD=fuse fails clearly' '
	export VESSEL_PAYLOAD=fuse &&
	test_expect_code 125 vsl_run_nofuse "$(sq_app)" echo hi 2>err &&
	grep "VESSEL_PAYLOAD=fuse, but FUSE is not usable here (open /dev/fuse" err
'

test_done
