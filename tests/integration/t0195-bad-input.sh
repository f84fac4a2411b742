#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='broken images and bad arguments fail with messages that name the problem'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

test_expect_success 'set up a writable copy of the layout; its biggest blob is the base layer' '
	rm -rf img && cp -r "$VSL_FIXTURE_BUSYBOX" img && chmod -R u+w img &&
	ls -S img/blobs/sha256 | head -n1 >layer &&
	test -n "$(cat layer)" &&
	gzip -t "img/blobs/sha256/$(cat layer)"
'

test_expect_success 'a missing blob: the build fails naming the blob' '
	rm -rf miss && cp -r img miss && rm "miss/blobs/sha256/$(cat layer)" &&
	! vsl_vessel build --image oci:miss:latest --arch "$VSL_OCI_ARCH" --output out-miss 2>err &&
	grep "$(cat layer)" err &&
	test ! -e out-miss
'

test_expect_success 'a blob that does not match its digest: the build fails naming it' '
	rm -rf bad && cp -r img bad &&
	gzip -n -c "$0" >"bad/blobs/sha256/$(cat layer)" &&
	! vsl_vessel build --image oci:bad:latest --arch "$VSL_OCI_ARCH" --output out-bad 2>err &&
	grep "$(cat layer)" err &&
	test ! -e out-bad
'

test_expect_success 'a corrupted config blob: the build fails' '
	rm -rf badcfg && cp -r img badcfg &&
	for b in badcfg/blobs/sha256/*; do
		if [ "$(stat -c %s "$b")" -lt 2000 ] && grep -q "\"rootfs\"" "$b"; then
			echo "{}" >"$b"
		fi
	done &&
	! vsl_vessel build --image oci:badcfg:latest --arch "$VSL_OCI_ARCH" --output out-badcfg 2>err &&
	test -s err
'

test_expect_success 'an unknown tag: the build fails naming it' '
	! vsl_vessel build --image oci:img:no-such-tag --arch "$VSL_OCI_ARCH" --output out-tag 2>err &&
	grep no-such-tag err
'

test_expect_success 'a missing layout: the build fails naming it' '
	! vsl_vessel build --image oci:no-such-dir:latest --arch "$VSL_OCI_ARCH" --output out-dir 2>err &&
	grep no-such-dir err
'

test_expect_success 'an arch the image lacks: the build fails' '
	for a in amd64 arm64; do [ $a = "$VSL_OCI_ARCH" ] || other=$a; done &&
	! vsl_vessel build --image oci:img:latest --arch "$other" --output out-arch 2>err &&
	grep "$other" err
'

test_expect_success 'an unsupported --arch: the build fails naming it' '
	! vsl_vessel build --image oci:img:latest --arch sparc64 --output out-sparc 2>err &&
	grep sparc64 err
'

test_expect_success 'an output dir that does not exist: the build fails naming it' '
	! vsl_vessel build --image oci:img:latest --arch "$VSL_OCI_ARCH" \
		--output no-such-outdir/app 2>err &&
	grep no-such-outdir err
'

test_expect_success 'an unknown transport: the build fails naming it' '
	! vsl_vessel build --image bogus-transport:/x --arch "$VSL_OCI_ARCH" --output out-tr 2>err &&
	grep bogus-transport err
'

test_expect_success 'an unknown runtime option: 125 with a message' '
	test_expect_code 125 vsl_run "$(vsl_app latest)" --no-such-option 2>err &&
	grep -e --no-such-option err
'

test_expect_success 'a runtime option without its value: 125' '
	test_expect_code 125 vsl_run "$(vsl_app latest)" -e 2>err &&
	test -s err
'

test_expect_success 'a bad -v spec: 125' '
	test_expect_code 125 vsl_run "$(vsl_app latest)" -v relative-ctr-only true 2>err &&
	test -s err
'

test_done
