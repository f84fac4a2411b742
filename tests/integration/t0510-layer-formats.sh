#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='layers: plain, gzip and zstd; whiteouts, replaced types, hard links across layers, long names, xattrs (in both payloads), devices and fifos'
# The layers are made by tests/tools/oci-craft.py (Python's tarfile) on top of the busybox
# fixture's base layer: edge1 (plain tar, PAX), edge2 (gzip, PAX), edge3 (zstd in two frames,
# GNU long names). See that script for the exact entries.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

craft=$vsl__repo/tests/tools/oci-craft.py
sqfs_tool=$VSL_BUILD/$(uname -m)/tests/sqfs-tool
command -v python3 >/dev/null 2>&1 && command -v zstd >/dev/null 2>&1 && test_set_prereq CRAFT
[ -x "$sqfs_tool" ] && test_set_prereq SQFSTOOL
# FUSE for this pass: root, or a /dev/fuse the user may open (t0420 opens it up).
[ -r /dev/fuse ] && [ -w /dev/fuse ] && test_set_prereq FUSE

test_expect_success CRAFT 'craft the layers and the layout' '
	for k in edge1 edge2 edge3; do python3 "$craft" layer $k $k.tar || return 1; done &&
	python3 "$craft" layout img --arch "$VSL_OCI_ARCH" --base "$VSL_FIXTURE_BUSYBOX" \
		edge1.tar:none edge2.tar:gzip edge3.tar:zstd2 &&
	grep -q "tar+zstd" img/blobs/sha256/* &&
	for b in img/blobs/sha256/*; do zstd -lv "$b" 2>/dev/null || :; done >zl &&
	grep "# Zstandard Frames: 2" zl
'

test_expect_success CRAFT 'the build applies all three, quietly' '
	vsl_vessel build --image oci:img:latest --arch "$VSL_OCI_ARCH" --output app 2>err &&
	test ! -s err &&
	test -x app
'

cat >"$VSL_PASS_DIR/check.sh" <<'EOF'
cd /srv/e || exit 1
cat plain.txt gz.txt zst.txt
stat -c %F x
cat x
test -e gone && echo "whited-out dir still there"
stat -c "%i %h" h1 h2 | uniq
cat h2
cat long/d*/f*
cat gnu/g*
readlink lnk | wc -c
stat -c %i gnu-hard gnu/g* | uniq | wc -l
stat -c %F fifo
EOF
# The output of check.sh; the inode number is replaced by I.
cat >"$VSL_PASS_DIR/check.expect" <<EOF
from plain tar
from gzip
from zstd
regular file
file-3
I 2
hardlinked
pax-long
gnu-long
121
1
fifo
EOF
for payload in extract fuse; do
	pre=CRAFT
	[ $payload = fuse ] && pre=CRAFT,FUSE
	test_expect_success $pre "the tree is right at run time ($payload)" "
		VESSEL_PAYLOAD=$payload vsl_run ./app sh -c \"\$(cat $VSL_PASS_DIR/check.sh)\" >out &&
		sed 's/^[0-9][0-9]* 2\$/I 2/' out >got &&
		test_cmp $VSL_PASS_DIR/check.expect got
	"
done

test_expect_success CRAFT,ALLIDS 'devices are made at run time where mknod is allowed' '
	VESSEL_PAYLOAD=extract vsl_run ./app stat -c "%F %t %T" /srv/e/null /srv/e/loop >out &&
	printf "%s\n" "character special file 1 3" "block special file 7 0" >expect &&
	test_cmp expect out
'

test_expect_success CRAFT 'the tar.zst keeps xattrs, devices and fifos as metadata' '
	vsl_section_bytes app 4 | zstd -dc >payload.tar &&
	python3 -c "
import tarfile
for t in tarfile.open(\"payload.tar\"):
    if t.name.startswith(\"srv/e/\") and t.name.count(\"/\") == 2:
        x = {k[13:]: v.encode(\"latin-1\").hex() for k, v in t.pax_headers.items() if k.startswith(\"SCHILY.xattr.\")}
        print(t.name, int(t.type), t.devmajor, t.devminor, sorted(x.items()))
" >meta &&
	grep "^srv/e/cap 0 0 0 \[(.security.capability., .0100000200200000000000000000000000000000.), (.user.vessel., .6b657074.)\]" meta &&
	grep "^srv/e/null 3 1 3 \[\]" meta &&
	grep "^srv/e/loop 4 7 0 \[\]" meta &&
	grep "^srv/e/fifo 6 0 0 \[\]" meta
'

test_expect_success CRAFT,SQFSTOOL 'the squashfs has the devices, the fifo and the long names' '
	vsl_section_bytes app 3 >sq.img &&
	"$sqfs_tool" manifest sq.img --check >manifest &&
	grep "^\./srv/e/null|c|666|0|0|1|1,3$" manifest &&
	grep "^\./srv/e/loop|b|660|0|0|1|7,0$" manifest &&
	grep "^\./srv/e/fifo|p|644|" manifest &&
	grep "^\./srv/e/lnk|l|.*|t\{120\}$" manifest &&
	grep -c "^\./srv/e/gnu/g\{120\}|f|644|0|0|2|" manifest
'

test_expect_success CRAFT,SQFSTOOL 'the squashfs has the xattrs too, security.capability as v2' '
	grep "^\./srv/e/cap|x|security.capability|0100000200200000000000000000000000000000$" manifest &&
	grep "^\./srv/e/cap|x|user.vessel|6b657074$" manifest &&
	test "$(grep -c "|x|" manifest)" = 2
'

test_expect_success CRAFT,SQFSTOOL 'a trusted.* xattr: stored by root; otherwise the build says why not' '
	python3 "$craft" layer trusted trusted.tar &&
	python3 "$craft" layout tr --arch "$VSL_OCI_ARCH" --base "$VSL_FIXTURE_BUSYBOX" \
		trusted.tar:gzip &&
	vsl_vessel build --image oci:tr --arch "$VSL_OCI_ARCH" --output app-tr 2>err &&
	vsl_section_bytes app-tr 3 >tr.img &&
	"$sqfs_tool" manifest tr.img >tr.manifest &&
	if [ "$(id -u)" = 0 ]; then
		test ! -s err &&
		grep "^\./srv/trusted|x|trusted.vessel|74$" tr.manifest
	else
		grep "have xattrs .* that the squashfs section does not carry: .*without privileges; the tar.zst section has them" err &&
		! grep "|x|" tr.manifest
	fi
'

test_done
