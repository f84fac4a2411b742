#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='the image keeps its users and file owners: subordinate id ranges through
newuidmap on the FUSE and the extract path, and the one-id fallback with its one warning'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# Which passes see a range (lib.sh): ALLIDS real root natively (every id), IDRANGE a user whose
# /etc/subuid and /etc/subgid range is mapped (natively by the stub's own newuidmap helper; for
# qemu by `unshare -rm --map-auto`, because qemu-user cannot make a user namespace and the stub
# then keeps the maps its native parent made), ONEID root under qemu (`unshare -Urm`: one id).
# The driver gives vesseltest its range when it runs as root.
#
# FUSE: this pass can open /dev/fuse (root; a user only where /dev/fuse is 0666, as on CI
# runners; see t0420). The extract path runs everywhere.
if [ -r /dev/fuse ] && [ -w /dev/fuse ]; then
	test_set_prereq FUSE
fi

# Both payload sections, so VESSEL_PAYLOAD picks the path.
app() { vsl_app "$1" --payload-format squashfs; }

for payload in extract fuse; do
	pre=!ONEID
	[ "$payload" = fuse ] && pre=!ONEID,FUSE
	export VESSEL_PAYLOAD=$payload

	test_expect_success "$pre" "$payload: USER 1000 runs as 1000, its files are its own" '
		VESSEL_DEBUG=1 vsl_run "$(app uid)" sh -c "id -u; id -g; id -un;
			stat -c \"%n %u:%g\" /home/app /home/app/hello.txt /bin/busybox;
			echo new >/home/app/new && stat -c \"%n %u:%g\" /home/app/new" >out 2>err &&
		cat >expect <<-EOF &&
		1000
		1000
		app
		/home/app 1000:1000
		/home/app/hello.txt 1000:1000
		/bin/busybox 0:0
		/home/app/new 1000:1000
		EOF
		test_cmp expect out &&
		grep "payload path: $VESSEL_PAYLOAD" err &&
		! grep -i warning err
	'

	test_expect_success "$pre" "$payload: root drops to a service uid (su), as postgres does" '
		vsl_run "$(app service)" >out 2>err &&
		cat >expect <<-EOF &&
		svc: uid 999 gid 999
		service data
		/var/lib/svc 999:999 700
		/var/lib/svc/new 999:999 644
		EOF
		test_cmp expect out
	'

	test_expect_success "$pre" "$payload: supplementary groups can be set (setgroups allowed)" '
		vsl_run "$(app latest)" su -s /bin/sh -c "id -G" app >out &&
		echo 1000 >expect &&
		test_cmp expect out
	'
done
unset VESSEL_PAYLOAD

test_expect_success IDRANGE 'a range: the container sees 0 -> us plus the subordinate ids' '
	VESSEL_DEBUG=1 vsl_run "$(app latest)" cat /proc/self/uid_map /proc/self/gid_map >out 2>err &&
	awk "NR == 1 && \$3 != 1 { exit 1 } { n += \$3 } END { exit !(n > 65535) }" out &&
	if test_have_prereq NATIVE; then
		grep "userns: new user+mount namespace, 0 -> uid $(id -u) gid $(id -g), and subordinate ranges" err
	fi
'

test_expect_success IDRANGE 'a range: the extract cache entry is named after the id map' '
	VESSEL_PAYLOAD=extract vsl_run "$(app latest)" true &&
	vsl_cache_dirs >dirs &&
	grep -- "-ids-[0-9a-f]\{12\}$" dirs
'

# The stub finds newuidmap through its own PATH (the container's PATH is the image's).
test_expect_success NATIVE,IDRANGE 'a range but no newuidmap: one id, one warning, it runs' '
	app=$(app uid) &&
	VESSEL_DEBUG=1 vsl_run env PATH=/nonexistent "$app" id -u >out 2>err &&
	echo 0 >expect &&
	test_cmp expect out &&
	grep "cannot execute newuidmap: No such file or directory (install the uidmap package)" err &&
	test "$(grep -c "warning:" err)" = 1
'

test_expect_success ONEID 'one id: USER 1000 runs as uid 0 with one warning line' '
	vsl_run "$(app uid)" sh -c "id -u; stat -c %u /home/app/hello.txt" >out 2>err &&
	printf "%s\n" 0 0 >expect &&
	test_cmp expect out &&
	test "$(grep -c . err)" = 1 &&
	grep "warning: the image runs as uid 1000 gid 1000, which this user namespace does not map" err &&
	grep "/etc/subuid" err
'

# A user without a range, from the root pass (root can become anyone): nobody (NOBODY), unless
# the host gave nobody a range. Its own dirs, a readable app; for qemu the same single-id
# parent the stub would make.
if [ "$VSL_PASS" = root ] && ! grep -qs -e "^nobody:" -e "^65534:" /etc/subuid /etc/subgid; then
	test_set_prereq NOBODY
	setpriv --reuid=65534 --regid=65534 --clear-groups test -w /dev/fuse &&
		test_set_prereq NOBODYFUSE
fi
as_nobody() {
	d=$VSL_PASS_DIR/nobody
	mkdir -p "$d/home" "$d/tmp" &&
		chown -R 65534:65534 "$d" && chmod 0755 "$d" &&
		VSL_RUNNER="setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=$d/home
			XDG_CACHE_HOME=$d/home/.cache XDG_RUNTIME_DIR=$d/tmp
			VESSEL_CACHE_DIR=$d/home/cache VESSEL_TMPDIR=$d/tmp
			${VSL_QEMU:+unshare -Urm $VSL_QEMU}" vsl_run "$@"
}

for payload in extract fuse; do
	pre=NOBODY
	[ "$payload" = fuse ] && pre=NOBODY,NOBODYFUSE
	test_expect_success "$pre" "$payload: a user without a range: one warning, the container runs" '
		app=$(app uid) &&
		VESSEL_PAYLOAD='"$payload"' VESSEL_DEBUG=1 as_nobody "$app" sh -c \
			"id -u; stat -c %u:%g /home/app/hello.txt" >out 2>err &&
		printf "%s\n" 0 0:0 >expect &&
		test_cmp expect out &&
		test "$(grep -c "warning:" err)" = 1 &&
		grep "payload path: '"$payload"'" err &&
		if test_have_prereq NATIVE; then
			grep "userns: no subordinate uid range for nobody" err
		fi
	'
done

test_done
