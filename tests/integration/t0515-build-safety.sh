#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='hostile and broken images: one line naming the thing, exit 1, no output, no temp dirs, nothing written outside'
# Hostile layers come from tests/tools/oci-craft.py; corrupt blobs are made by editing a copy of
# the multiarch fixture (tag multi: an index blob -> manifest -> config -> layers), so every
# kind of blob gets its own digest check.
VSL_FIXTURES="busybox multiarch"
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

craft=$vsl__repo/tests/tools/oci-craft.py
command -v python3 >/dev/null 2>&1 && test_set_prereq CRAFT

# fails_cleanly NEEDLE IMAGE [ARGS...]: the build exits 1 with one line on stderr holding
# NEEDLE, the output dir stays empty and TMPDIR holds nothing of vessel's.
fails_cleanly() {
	_needle=$1 _img=$2
	shift 2
	rm -rf out && mkdir out &&
		test_expect_code 1 "$VSL_VESSEL" build --image "$_img" --arch "$VSL_OCI_ARCH" \
			--output out/app "$@" 2>err || return 1
	cat err
	test "$(wc -l <err)" = 1 || { echo "not one line" >&2; return 1; }
	grep -F -e "$_needle" err >/dev/null || { echo "no '$_needle'" >&2; return 1; }
	test -z "$(ls -A out)" || { echo "left in the output dir: $(ls -A out)" >&2; return 1; }
	! ls -A "$TMPDIR" | grep vessel
}

# hostile CASE: a layout with the fixture's base layer and the crafted layer CASE on top.
hostile() {
	python3 "$craft" layer "$1" "$1.tar" &&
		python3 "$craft" layout "h-$1" --arch "$VSL_OCI_ARCH" --base "$VSL_FIXTURE_BUSYBOX" \
			"$1.tar:gzip"
}

test_expect_success CRAFT 'an entry with ..: refused, nothing written' '
	hostile dotdot &&
	fails_cleanly "a '"'..'"' component would leave the root" oci:h-dotdot &&
	grep -F "srv/../../../../../../../../tmp/vessel-escape-dotdot" err &&
	test ! -e /tmp/vessel-escape-dotdot
'

test_expect_success CRAFT 'a write through a symlink that climbs out: refused' '
	hostile symlink-out &&
	fails_cleanly "'"'srv/out'"' is a symlink: refusing to go through it" oci:h-symlink-out &&
	test ! -e /tmp/vessel-escape-symlink
'

test_expect_success CRAFT 'a write through an absolute symlink: refused too' '
	hostile symlink-abs &&
	fails_cleanly "'"'srv/abs'"' is a symlink" oci:h-symlink-abs &&
	test ! -e /tmp/vessel-escape-abs
'

test_expect_success CRAFT 'a hard link to a path outside: refused' '
	hostile hardlink-out &&
	fails_cleanly "hardlink target" oci:h-hardlink-out &&
	grep -F "../../etc/passwd" err
'

test_expect_success CRAFT 'an absolute name lands inside the image' '
	hostile absolute &&
	vsl_build_app oci:h-absolute:latest app-abs &&
	vsl_run ./app-abs cat /srv/vessel-absolute >got &&
	echo inside >expect &&
	test_cmp expect got &&
	test ! -e /srv/vessel-absolute
'

test_expect_success CRAFT 'a manifest naming a missing blob: refused naming it' '
	python3 "$craft" layer edge1 edge1.tar &&
	python3 "$craft" layout miss --arch "$VSL_OCI_ARCH" --missing-blob edge1.tar &&
	digest=$(sed -n "s/.*\"digest\":\"sha256:\([0-9a-f]*\)\",\"mediaType\":\"application\/vnd.oci.image.layer.*/\1/p" miss/blobs/sha256/* | head -n1) &&
	test -n "$digest" &&
	fails_cleanly "is missing from oci:miss" oci:miss &&
	grep "$digest" err
'

test_expect_success CRAFT 'a config that is not JSON: refused naming it' '
	printf "{not json" >notjson &&
	python3 "$craft" layout nj --arch "$VSL_OCI_ARCH" --config-blob notjson edge1.tar &&
	cfg=$(sha256sum notjson | cut -c1-64) &&
	fails_cleanly "config sha256:$cfg of oci:nj is not valid JSON" oci:nj
'

test_expect_success 'set up a copy of the multiarch layout to corrupt' '
	cp -r "$VSL_FIXTURE_MULTIARCH" "$VSL_PASS_DIR/multi" && chmod -R u+w "$VSL_PASS_DIR/multi"
'

# blob_of KIND: the digest (hex) of the multi tag's index, of this arch's manifest, its config
# or its base layer.
blob_of() {
	_m=$VSL_PASS_DIR/multi
	_idx=$(sed 's/{"mediaType"/\n&/g' "$_m/index.json" | grep "ref.name\":\"multi\"" |
		sed -n 's/.*"digest":"sha256:\([0-9a-f]*\)".*/\1/p')
	[ "$1" = index ] && { echo "$_idx"; return; }
	_man=$(sed 's/{"mediaType"/\n&/g' "$_m/blobs/sha256/$_idx" | grep "\"architecture\":\"$VSL_OCI_ARCH\"" |
		sed -n 's/.*"digest":"sha256:\([0-9a-f]*\)".*/\1/p')
	[ "$1" = manifest ] && { echo "$_man"; return; }
	sed 's/{"mediaType"/\n&/g' "$_m/blobs/sha256/$_man" | grep "\"mediaType\":\"application/vnd.oci.image.$1" |
		head -n1 | sed -n 's/.*"digest":"sha256:\([0-9a-f]*\)".*/\1/p'
}

# corrupt KIND: a copy of the layout whose KIND blob has one byte changed (same size).
corrupt() {
	rm -rf "c-$1" && cp -r "$VSL_PASS_DIR/multi" "c-$1" && _h=$(blob_of "$1") && test -n "$_h" &&
		vsl_flip_byte "c-$1/blobs/sha256/$_h" 60 && echo "$_h"
}

for kind in index manifest config layer; do
	test_expect_success "a corrupt $kind blob: refused naming its digest" "
		h=\$(corrupt $kind) &&
		fails_cleanly \"\$h\" oci:c-$kind:multi &&
		grep -e 'is corrupt' -e 'has sha256' err
	"
done

test_expect_success CRAFT 'a layer that is not a tar: refused naming the layer' '
	head -c 4000 /dev/urandom >junk.tar &&
	python3 "$craft" layout nt --arch "$VSL_OCI_ARCH" junk.tar:gzip &&
	layer=$(sha256sum nt/blobs/sha256/* | while read -r h f; do
		gzip -t "$f" 2>/dev/null && echo "$h" || :; done) &&
	test -n "$layer" &&
	fails_cleanly "$layer" oci:nt &&
	grep "not a tar archive" err
'

test_expect_success CRAFT 'an image with no layers builds (with a warning) and fails clearly at run time' '
	python3 "$craft" layout empty --arch "$VSL_OCI_ARCH" --no-layers &&
	vsl_vessel build --image oci:empty --arch "$VSL_OCI_ARCH" --payload-format tar.zst \
		--output app-empty 2>err &&
	grep "has no layers: its root filesystem is empty" err &&
	test_expect_code 127 vsl_run ./app-empty 2>err &&
	grep "sh: command not found" err
'

test_expect_success 'an arch the index lacks: one line listing what it offers' '
	for a in amd64 arm64; do [ $a = "$VSL_OCI_ARCH" ] || other=$a; done &&
	rm -rf out && mkdir out &&
	test_expect_code 1 vsl_vessel build --image "oci:$VSL_FIXTURE_MULTIARCH:amd64-only" \
		--arch arm64 --output out/app 2>err &&
	test "$(wc -l <err)" = 1 &&
	grep "has no image for linux/arm64; it offers linux/amd64" err &&
	test -z "$(ls -A out)"
'

test_expect_success 'an output path in a missing dir: refused naming it' '
	test_expect_code 1 vsl_vessel build --image "oci:$VSL_FIXTURE_BUSYBOX:latest" \
		--arch "$VSL_OCI_ARCH" --output no-such-dir/app 2>err &&
	test "$(wc -l <err)" = 1 &&
	grep no-such-dir err &&
	test ! -e no-such-dir &&
	! ls -A "$TMPDIR" | grep vessel
'

test_done
