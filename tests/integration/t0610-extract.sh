#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='vessel extract unpacks either payload into an empty or new directory: the same tree from both (hash, mode, owner, time, link target, hard links), the tree GNU tar and unsquashfs see, owners kept as root, nothing written outside, nothing left on failure'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

command -v unsquashfs >/dev/null 2>&1 ||
	skip_all "unsquashfs is not installed (apt-get install squashfs-tools)"
command -v zstd >/dev/null 2>&1 || skip_all "zstd is not installed (apt-get install zstd)"
for py in /usr/bin/python3 python3; do
	if "$py" -c 1 >/dev/null 2>&1; then
		PY=$py
		test_set_prereq PYTHON
		break
	fi
done
command -v getfattr >/dev/null 2>&1 && test_set_prereq GETFATTR
export TZ=UTC LC_ALL=C
DIGEST="perl $vsl__repo/tests/tools/tree-digest.pl"
SWAP="perl $vsl__repo/tests/tools/swap-section.pl"
# shellcheck disable=SC2034 # used in the test bodies
ODD_LIB=$vsl__repo/tests/fixtures/oci-lib.sh

# build APP TAG [BUILD-ARGS]: the busybox fixture's TAG with both payloads.
build() {
	_o=$1 _t=$2
	shift 2
	vsl_build_app "oci:$VSL_FIXTURE_BUSYBOX:$_t" "$PWD/$_o" --payload-format squashfs "$@"
}

# both APP: extract APP from each payload into APP.tz and APP.sq and digest both trees.
both() {
	rm -rf "$1.tz" "$1.sq" &&
		vsl_vessel extract --payload tar.zst "$1" "$1.tz" &&
		vsl_vessel extract --payload squashfs "$1" "$1.sq" &&
		$DIGEST "$1.tz" >"$1.tz.d" && $DIGEST "$1.sq" >"$1.sq.d" &&
		test "$(wc -l <"$1.tz.d")" -gt 10
}

section_mid() {
	# shellcheck disable=SC2046 # two numbers
	set -- $(vsl_section "$1" "$2")
	echo $(($1 + $2 / 2))
}

test_expect_success 'both payloads give the same tree (latest)' '
	build app latest && both app &&
	test_cmp app.tz.d app.sq.d &&
	grep -x "./bin/busybox|f|755|.*" app.tz.d &&
	grep "^./bin/sh|l|777|.*|/bin/busybox|-\$" app.tz.d
'

test_expect_success 'both payloads give the same tree (layers: whiteouts, opaque dir, hard links)' '
	build lay layers && both lay &&
	test_cmp lay.tz.d lay.sq.d &&
	! grep "^./etc/motd|" lay.tz.d && ! grep "^./srv/opaque/old|" lay.tz.d &&
	grep "^./srv/hardlink-b|f|.*|./srv/hardlink-a\$" lay.tz.d &&
	test "$(stat -c %i lay.sq/srv/hardlink-a)" = "$(stat -c %i lay.sq/srv/hardlink-b)"
'

test_expect_success 'the default payload is the tar.zst; a squashfs-only file uses its squashfs' '
	build app latest &&
	rm -rf d1 d2 && vsl_vessel extract -v app d1 2>log1 &&
	grep "extracting the tarzst section" log1 &&
	build sqo latest --payload-format squashfs-only &&
	vsl_vessel extract -v sqo d2 2>log2 && grep "extracting the squashfs section" log2 &&
	$DIGEST d1 >d1.d && $DIGEST d2 >d2.d && test_cmp d1.d d2.d
'

test_expect_success root 'as root: the owners of the image (home/app is 1000:1000)' '
	build app user && both app &&
	grep "^./home/app|d|755|1000|1000|" app.tz.d &&
	grep "^./home/app/hello.txt|f|644|1000|1000|" app.sq.d &&
	grep "^./root|d|700|0|0|" app.sq.d
'

test_expect_success user 'as a user: every file is ours, modes still the image'"'"'s' '
	build app user && both app &&
	test -z "$(find app.tz app.sq ! -user "$(id -u)")" &&
	grep "^./root|d|700|" app.sq.d && grep "^./tmp|d|1777|" app.tz.d &&
	test_cmp app.tz.d app.sq.d
'

test_expect_success root 'as root: GNU tar of the tar.zst section gives the same tree' '
	build app layers && both app &&
	rm -rf gnu && mkdir gnu &&
	vsl_section_bytes app 4 | zstd -dcq | tar -xpf - -C gnu --numeric-owner &&
	$DIGEST gnu >gnu.d && test_cmp gnu.d app.tz.d
'

test_expect_success 'unsquashfs -lln lists the same modes and owners as the squashfs extraction' '
	build app user && both app &&
	vsl_section_bytes app 3 >app.sqfs &&
	unsquashfs -lln app.sqfs | awk "{ i = index(\$0, \" squashfs-root\"); p = substr(\$0, i + 14)
		sub(/ -> .*/, \"\", p); print \$1, \$2, \".\" p }" | sort >sq.ls &&
	(cd app.sq && find . -printf "%M %U/%G %p\\n") | sort >ex.ls &&
	if test_have_prereq user; then
		awk "{ print \$1, \$3 }" sq.ls | sort >sq.cut &&
		awk "{ print \$1, \$3 }" ex.ls | sort >ex.cut &&
		test_cmp sq.cut ex.cut
	else
		test_cmp sq.ls ex.ls
	fi
'

test_expect_success PYTHON 'odd image: devices, fifo, setuid/setgid, odd names, hard links' '
	. "$ODD_LIB" &&
	"$PY" "$vsl__repo/tests/tools/oci-craft.py" layer odd-extract layer.tar &&
	oci_init odd && oci_put_layer odd layer.tar &&
	oci_put_image odd latest "$VSL_OCI_ARCH" 1600000000 "{\"Cmd\":[\"/bin/sh\"]}" \
		"$LAYER_DIGEST:$LAYER_SIZE:$LAYER_DIFFID" && oci_finish odd &&
	vsl_build_app "oci:$PWD/odd:latest" "$PWD/o" --payload-format squashfs &&
	both o 2>err &&
	test_cmp o.tz.d o.sq.d &&
	grep "^./bin/su|f|4755|" o.tz.d && grep "^./bin/sgid|f|2711|" o.tz.d &&
	grep "^./dev/fifo|p|620|" o.tz.d && grep "^./ro|d|555|" o.tz.d &&
	grep "^./home/hard3|f|644|.*|./home/hard1\$" o.sq.d &&
	grep "^./home/q\"u\\\\o	te|f|" o.sq.d &&
	if test_have_prereq root; then
		grep "^./dev/null|c|666|0|0|[0-9]*|1,3|-\$" o.tz.d
	else
		! grep "^./dev/null|" o.tz.d && grep "1 device node(s) left out" err
	fi
'

test_expect_success PYTHON,GETFATTR 'xattrs come back from the tar.zst (user.*)' '
	. "$ODD_LIB" &&
	"$PY" - xl.tar <<-\PY &&
	import sys, tarfile, io
	t = tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT)
	i = tarfile.TarInfo("tagged")
	i.size, i.mode, i.mtime = 2, 0o644, 1600000000
	i.pax_headers = {"SCHILY.xattr.user.vessel": "yes"}
	t.addfile(i, io.BytesIO(b"hi"))
	t.close()
	PY
	oci_init xi && oci_put_layer xi xl.tar &&
	oci_put_image xi latest "$VSL_OCI_ARCH" 1600000000 "{\"Cmd\":[\"/x\"]}" \
		"$LAYER_DIGEST:$LAYER_SIZE:$LAYER_DIFFID" && oci_finish xi &&
	vsl_build_app "oci:$PWD/xi:latest" "$PWD/x" --payload-format tar.zst &&
	rm -rf xt && vsl_vessel extract x xt &&
	$DIGEST --xattrs xt >xt.d &&
	grep -x "./tagged|x|user.vessel|796573" xt.d
'

test_expect_success 'DIR must be empty or new: refused, and left alone' '
	build app latest &&
	rm -rf full && mkdir full && echo keep >full/mine &&
	test_expect_code 1 vsl_vessel extract app full 2>e1 &&
	test "$(wc -l <e1)" = 1 && grep "full is not empty" e1 &&
	test "$(ls -A full)" = mine && test "$(cat full/mine)" = keep &&
	echo x >afile &&
	test_expect_code 1 vsl_vessel extract app afile 2>e2 && grep "not a directory" e2 &&
	test "$(cat afile)" = x &&
	test_expect_code 1 vsl_vessel extract app nodir/sub 2>e3 && grep "parent must exist" e3 &&
	test ! -e nodir &&
	mkdir empty && vsl_vessel extract app empty && test -x empty/bin/busybox
'

test_expect_success 'a corrupt payload: exit 1, DIR gone if we made it, emptied if it was empty' '
	build app latest &&
	vsl_flip_byte app "$(section_mid app 4)" &&
	rm -rf new && test_expect_code 1 vsl_vessel extract app new 2>e1 &&
	test "$(wc -l <e1)" = 1 && grep "corrupt payload" e1 && test ! -e new &&
	rm -rf was && mkdir was &&
	test_expect_code 1 vsl_vessel extract app was 2>e2 && test -z "$(ls -A was)" &&
	build app2 latest &&
	vsl_flip_byte app2 "$(section_mid app2 3)" &&
	test_expect_code 1 vsl_vessel extract -p squashfs app2 new 2>e3 &&
	test "$(wc -l <e3)" = 1 && grep "squashfs section does not match its sha256" e3 &&
	test ! -e new
'

test_expect_success PYTHON 'a hostile tar.zst (.., a write through a symlink): refused, nothing outside' '
	build tz latest --payload-format tar.zst &&
	mkdir outside &&
	"$PY" - "$PWD/outside" <<-\PY &&
	import sys, tarfile, io
	def mk(name, entries):
	    t = tarfile.open(name, "w", format=tarfile.PAX_FORMAT)
	    for n, kind, data, link in entries:
	        i = tarfile.TarInfo(n); i.type = kind; i.linkname = link
	        i.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
	        i.size = len(data) if kind == tarfile.REGTYPE else 0
	        t.addfile(i, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
	    t.close()
	R, S, D = tarfile.REGTYPE, tarfile.SYMTYPE, tarfile.DIRTYPE
	mk("link.tar", [("./", D, b"", ""), ("ok", R, b"fine", ""),
	                ("link", S, b"", sys.argv[1]), ("link/pwned", R, b"gotcha", "")])
	mk("dotdot.tar", [("./", D, b"", ""), ("a", D, b"", ""), ("a/../../escape", R, b"x", "")])
	PY
	for t in link dotdot; do
		zstd -qf $t.tar -o $t.tar.zst && $SWAP tz 4 $t.tar.zst evil-$t &&
		vsl_vessel inspect --verify evil-$t >/dev/null &&
		rm -rf x-$t && mkdir x-$t &&
		test_expect_code 1 vsl_vessel extract evil-$t x-$t/root 2>e-$t &&
		test "$(wc -l <e-$t)" = 1 && test -z "$(ls -A x-$t)" || exit 1
	done &&
	grep "symlink" e-link && grep "\\.\\." e-dotdot &&
	test -z "$(ls -A outside)" && test ! -e escape && test ! -e ../escape
'

test_expect_success 'wrong payload asked for, bad usage: clear errors' '
	build tz latest --payload-format tar.zst &&
	test_expect_code 1 vsl_vessel extract --payload squashfs tz d 2>e1 &&
	grep "no squashfs section" e1 && grep -- "--payload tar.zst" e1 && test ! -e d &&
	test_expect_code 2 vsl_vessel extract --payload zip tz d 2>e2 &&
	grep "not one of squashfs, tar.zst" e2 &&
	test_expect_code 2 vsl_vessel extract tz 2>e3 && grep "needs FILE and DIR" e3 &&
	test_expect_code 2 vsl_vessel extract tz d e 2>e4 && grep "unexpected argument \"e\"" e4 &&
	test_expect_code 1 vsl_vessel extract nosuch d 2>e5 && grep "nosuch" e5 && test ! -e d &&
	vsl_vessel extract --help | grep "^Usage: vessel extract"
'

test_done
