#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='vessel build writes a squashfs section (mksquashfs + pseudo file) with the image owners, modes, times, devices and fifos; --payload-format picks the sections; reproducible; clear errors'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# Debian's unsquashfs reads what ours wrote: an independent check.
command -v unsquashfs >/dev/null 2>&1 ||
	skip_all "unsquashfs is not installed (apt-get install squashfs-tools)"
for py in /usr/bin/python3 python3; do
	if "$py" -c 1 >/dev/null 2>&1; then
		PY=$py
		test_set_prereq PYTHON
		break
	fi
done
export TZ=UTC LC_ALL=C
SOURCE_DATE_EPOCH=1700000000
export SOURCE_DATE_EPOCH
# shellcheck disable=SC2034 # used in the test bodies
ODD_LIB=$vsl__repo/tests/fixtures/oci-lib.sh

# sq_list APP: "mode owner date time path" of every path in the squashfs section, sorted.
sq_list() {
	vsl_section_bytes "$1" 3 >"$1.sq" &&
		unsquashfs -lln "$1.sq" >"$1.sq.ls" &&
		sed -n 's|squashfs-root/||p' "$1.sq.ls" | sed -E 's/([0-9]+), +([0-9]+)/\1,\2/' |
		sed -E 's/^([^ ]+) +([^ ]+) +([^ ]+) +/\1 \2 /' | sort
}
# tar_list APP: the same from the tar.zst section (hardlinks shown as the file they are).
tar_list() {
	vsl_section_bytes "$1" 4 | zstd -dcq | tar -tvf - --numeric-owner --quoting-style=literal |
		sed -E 's/([0-9]+),([0-9]+)/\1,\2/; s/^h/-/; s/ link to .*//' |
		sed -E 's/^([^ ]+) +([^ ]+) +([^ ]+) +/\1 \2 /' | grep -v ' \./$' | sort
}
# build APP FORMAT [TAG]: the busybox fixture's TAG (default latest) in that format.
build() {
	vsl_build_app "oci:$VSL_FIXTURE_BUSYBOX:${3:-latest}" "$PWD/$1" --payload-format "$2"
}

test_expect_success 'default format: squashfs and tar.zst sections, meta lists both' '
	(unset VESSEL_PAYLOAD_FORMAT && vsl_vessel build --image "oci:$VSL_FIXTURE_BUSYBOX:user" \
		--arch "$VSL_OCI_ARCH" --output app) &&
	test -n "$(vsl_section app 3)" && test -n "$(vsl_section app 4)" &&
	vsl_section_bytes app 2 >meta.json &&
	grep -A3 "\"formats\"" meta.json | grep -q "\"squashfs\"" &&
	grep -A3 "\"formats\"" meta.json | grep -q "\"tar.zst\""
'

test_expect_success 'squashfs-only: no tar.zst section' '
	build only squashfs-only &&
	test -n "$(vsl_section only 3)" && test -z "$(vsl_section only 4)" &&
	vsl_section_bytes only 2 | grep -q "\"squashfs\"" &&
	! vsl_section_bytes only 2 | grep -q "\"tar.zst\""
'

test_expect_success 'tar.zst: no squashfs section' '
	build tz tar.zst &&
	test -z "$(vsl_section tz 3)" && test -n "$(vsl_section tz 4)" &&
	! vsl_section_bytes tz 2 | grep -q "\"squashfs\""
'

test_expect_success 'VESSEL_PAYLOAD_FORMAT is the default, --payload-format wins' '
	VESSEL_PAYLOAD_FORMAT=tar.zst "$VSL_VESSEL" build --image "oci:$VSL_FIXTURE_BUSYBOX:latest" \
		--arch "$VSL_OCI_ARCH" --output envtz &&
	test -z "$(vsl_section envtz 3)" &&
	VESSEL_PAYLOAD_FORMAT=tar.zst "$VSL_VESSEL" build --image "oci:$VSL_FIXTURE_BUSYBOX:latest" \
		--arch "$VSL_OCI_ARCH" --output envsq --payload-format squashfs-only &&
	test -z "$(vsl_section envsq 4)" &&
	! VESSEL_PAYLOAD_FORMAT=zip "$VSL_VESSEL" build --image "oci:$VSL_FIXTURE_BUSYBOX:latest" \
		--arch "$VSL_OCI_ARCH" --output envbad 2>err &&
	grep "VESSEL_PAYLOAD_FORMAT" err
'

test_expect_success 'squashfs owners and modes are the image'"'"'s, not the builder'"'"'s' '
	build app squashfs user &&
	sq_list app >sq &&
	grep -x "drwxr-xr-x 1000/1000 2023-11-14 22:13 home/app" sq &&
	grep -x -- "-rw-r--r-- 1000/1000 2023-11-14 22:13 home/app/hello.txt" sq &&
	grep -x -- "-rwxr-xr-x 0/0 2023-11-14 22:13 bin/busybox" sq &&
	grep -x "drwxrwxrwt 0/0 2023-11-14 22:13 tmp" sq &&
	grep -x "drwx------ 0/0 2023-11-14 22:13 root" sq &&
	grep -x -- "-rw-r--r-- 0/0 2023-11-14 22:13 bin/noexec.sh" sq &&
	grep -x "drwx------ 999/999 2023-11-14 22:13 var/lib/svc" sq &&
	grep -x -- "-rw------- 999/999 2023-11-14 22:13 var/lib/svc/data" sq &&
	grep "^drwxr-xr-x 0/0 .* squashfs-root\$" app.sq.ls &&
	test "$(grep -v -e " 0/0 " -e " 999/999 " sq | grep -vc " 1000/1000 ")" = 0
'

test_expect_success 'squashfs and tar.zst sections list the same tree' '
	build app squashfs user &&
	sq_list app >sq && tar_list app >tz &&
	test_cmp tz sq
'

test_expect_success 'layers: hardlinks stay hardlinks, whiteouts are gone' '
	build lay squashfs layers &&
	sq_list lay >sq && tar_list lay >tz && test_cmp tz sq &&
	! grep " etc/motd\$" sq && ! grep " srv/opaque/old\$" sq &&
	unsquashfs -q -n -d x lay.sq srv/hardlink-a srv/hardlink-b >/dev/null &&
	test "$(stat -c %i x/srv/hardlink-a)" = "$(stat -c %i x/srv/hardlink-b)"
'

test_expect_success 'two builds from different staging dirs are byte-identical' '
	mkdir t1 t2 &&
	TMPDIR=$PWD/t1 build r1 squashfs &&
	TMPDIR=$PWD/t2 build r2 squashfs &&
	cmp r1 r2 &&
	test -z "$(ls -A t1)$(ls -A t2)"
'

test_expect_success 'the squashfs does not depend on the mksquashfs thread count' '
	m="$VSL_BUILD/$(uname -m)/libexec/vessel/mksquashfs" &&
	printf "#!/bin/sh\nexec \"%s\" \"\$@\" -processors 1\n" "$m" >mk1 && chmod +x mk1 &&
	VESSEL_MKSQUASHFS=$PWD/mk1 build p1 squashfs-only &&
	build p0 squashfs-only &&
	cmp p0 p1
'

test_expect_success 'without SOURCE_DATE_EPOCH the squashfs is reproducible too' '
	(unset SOURCE_DATE_EPOCH && build n1 squashfs-only && build n2 squashfs-only) &&
	cmp n1 n2
'

test_expect_success 'the default format runs (from the tar.zst section)' '
	build run squashfs &&
	vsl_run "$PWD/run" >out &&
	grep hello-from-image out
'

test_expect_success 'mksquashfs missing: one line naming it and the fix, nothing left' '
	mkdir tm &&
	! TMPDIR=$PWD/tm VESSEL_MKSQUASHFS=/nonexistent/mksquashfs "$VSL_VESSEL" build \
		--image "oci:$VSL_FIXTURE_BUSYBOX:latest" --arch "$VSL_OCI_ARCH" --output miss 2>err &&
	test "$(wc -l <err)" = 1 &&
	grep "mksquashfs /nonexistent/mksquashfs" err && grep "VESSEL_MKSQUASHFS" err &&
	grep -- "--payload-format tar.zst" err &&
	test ! -e miss && test -z "$(ls -A tm)" && test -z "$(ls -A .)" -o ! -e miss
'

test_expect_success 'mksquashfs failing: its error in one line, nothing left' '
	mkdir tf &&
	printf "#!/bin/sh\necho \"FATAL ERROR: disk on fire\" >&2\nexit 1\n" >bad && chmod +x bad &&
	! TMPDIR=$PWD/tf VESSEL_MKSQUASHFS=$PWD/bad "$VSL_VESSEL" build \
		--image "oci:$VSL_FIXTURE_BUSYBOX:latest" --arch "$VSL_OCI_ARCH" --output fail 2>err &&
	test "$(wc -l <err)" = 1 && grep "disk on fire" err && grep "status 1" err &&
	test ! -e fail && test -z "$(ls -A tf)" && ! ls .vessel* 2>/dev/null
'

test_expect_success 'tar.zst builds do not need mksquashfs' '
	VESSEL_MKSQUASHFS=/nonexistent/mksquashfs build tzonly tar.zst
'

# An image with what an unprivileged builder cannot create on disk, and awkward names.
test_expect_success PYTHON 'odd image: devices, fifo, setuid/setgid, odd names, hardlinks' '
	. "$ODD_LIB" &&
	"$PY" "$vsl__repo/tests/tools/oci-craft.py" layer odd-build layer.tar &&
	oci_init odd && oci_put_layer odd layer.tar &&
	oci_put_image odd latest "$VSL_OCI_ARCH" 1600000000 "{\"Cmd\":[\"/bin/sh\"]}" \
		"$LAYER_DIGEST:$LAYER_SIZE:$LAYER_DIFFID" && oci_finish odd &&
	vsl_build_app "oci:$PWD/odd:latest" "$PWD/o" --payload-format squashfs &&
	sq_list o >sq && tar_list o >tz && test_cmp tz sq &&
	grep -x "crw-rw-rw- 0/0 2020-09-13 12:26 dev/null" sq &&
	grep "^crw-rw-rw- 0/0 *1, *3 " o.sq.ls &&
	grep "^brw-rw---- 0/6 *8, *0 " o.sq.ls &&
	grep -x "prw--w---- 1000/1000 2020-09-13 12:26 dev/fifo" sq &&
	grep -x -- "-rwsr-xr-x 0/0 2014-05-13 16:53 bin/su" sq &&
	grep -x -- "-rwx--s--x 0/42 2020-09-13 12:26 bin/sgid" sq &&
	grep -x "drwx------ 1000/1000 2011-03-13 07:06 home/app" sq &&
	grep -x -- "-rw------- 1000/1000 2020-09-13 12:26 home/app/ lead" sq &&
	grep -x -- "-rw-r--r-- 0/0 2023-11-14 22:13 future" sq &&
	unsquashfs -q -n -d x o.sq home/app/hard1 home/app/hard2 >/dev/null &&
	test "$(stat -c %i x/home/app/hard1)" = "$(stat -c %i x/home/app/hard2)"
'

test_done
