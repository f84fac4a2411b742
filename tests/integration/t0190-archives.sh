#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='oci:, oci-archive: and docker-archive: sources of one image give one output'
VSL_FIXTURES="busybox archives"
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

SOURCE_DATE_EPOCH=0
export SOURCE_DATE_EPOCH
# shellcheck disable=SC2034 # used in the test bodies
A=$VSL_FIXTURE_ARCHIVES

test_expect_success 'build from oci:' '
	vsl_build_app "oci:$VSL_FIXTURE_BUSYBOX:latest" "$PWD/from-oci"
'

test_expect_success 'the same build again is byte-identical' '
	vsl_build_app "oci:$VSL_FIXTURE_BUSYBOX:latest" "$PWD/from-oci-2" &&
	cmp from-oci from-oci-2
'

test_expect_success 'build from oci-archive:' '
	vsl_build_app "oci-archive:$A/oci-archive.tar:latest" "$PWD/from-oci-archive"
'

test_expect_success 'build from docker-archive:' '
	vsl_build_app "docker-archive:$A/docker-archive.tar" "$PWD/from-docker-archive"
'

test_expect_success 'docker-archive: with a name:tag' '
	vsl_build_app "docker-archive:$A/docker-archive.tar:busybox:latest" "$PWD/from-docker-archive-tag"
'

# The payload sections must match whatever the source. Then the whole file; on a difference,
# show the meta sections (JSON) side by side.
for kind in 1 4; do
	test_expect_success "section $kind is the same for every source" '
		vsl_section_bytes from-oci '"$kind"' >a &&
		test -s a &&
		for f in from-oci-archive from-docker-archive; do
			vsl_section_bytes $f '"$kind"' >b &&
			cmp a b || exit 1
		done
	'
done

for src in oci-archive docker-archive; do
	test_expect_success "$src: output is byte-identical to oci:" '
		cmp from-oci from-'"$src"' || {
			vsl_section_bytes from-oci 2 >a.json; echo >>a.json
			vsl_section_bytes from-'"$src"' 2 >b.json; echo >>b.json
			diff -u a.json b.json
			exit 1
		}
	'
done

test_expect_success 'the docker-archive app runs' '
	vsl_run ./from-docker-archive >out &&
	echo hello-from-image >expect &&
	test_cmp expect out
'

test_done
