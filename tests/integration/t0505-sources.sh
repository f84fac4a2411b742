#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='sources through skopeo (dir:, containers-storage:, docker-daemon:) and references without a transport'
# docker:// against a registry is t0500. containers-storage: uses a private vfs store given in
# the reference ([vfs@ROOT+RUNROOT]), never the system's; it needs root.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

no_temp_left() { ! ls -A "$TMPDIR" | grep vessel; }

test_expect_success SKOPEO 'dir: is copied by skopeo and runs' '
	skopeo copy -q "oci:$VSL_FIXTURE_BUSYBOX:latest" "dir:$PWD/bbdir" &&
	vsl_build_app "dir:$PWD/bbdir" app-dir &&
	vsl_run ./app-dir echo from-dir >out &&
	echo from-dir >expect &&
	test_cmp expect out &&
	no_temp_left
'

test_expect_success SKOPEO 'dir: of another arch: the config check names both arches' '
	for a in amd64 arm64; do [ $a = "$VSL_OCI_ARCH" ] || other=$a; done &&
	test_expect_code 1 vsl_vessel build --image "dir:$PWD/bbdir" --arch "$other" \
		--output out-other 2>err &&
	grep "is for linux/$VSL_OCI_ARCH, not linux/$other" err &&
	test ! -e out-other &&
	no_temp_left
'

test_expect_success SKOPEO,root 'containers-storage: from a private vfs store' '
	store="[vfs@$PWD/cs/root+$PWD/cs/run]" &&
	skopeo copy -q "oci:$VSL_FIXTURE_BUSYBOX:latest" "containers-storage:${store}busybox:latest" &&
	vsl_build_app "containers-storage:${store}busybox:latest" app-cs &&
	vsl_run ./app-cs echo from-storage >out &&
	echo from-storage >expect &&
	test_cmp expect out &&
	no_temp_left
'

test_expect_success SKOPEO 'docker-daemon: without a daemon: skopeo says why in one line' '
	test_expect_code 1 env DOCKER_HOST=unix://$PWD/no-docker.sock "$VSL_VESSEL" build \
		--image docker-daemon:busybox:latest --output out-dd 2>err &&
	test "$(wc -l <err)" = 1 &&
	grep "skopeo copy docker-daemon:busybox:latest failed" err &&
	test ! -e out-dd &&
	no_temp_left
'

test_expect_success 'a path to an OCI layout without a transport is read as oci:' '
	ln -s "$VSL_FIXTURE_BUSYBOX" layout &&
	vsl_build_app layout:entry app-bare &&
	vsl_run ./app-bare >out &&
	echo "entry: default-arg" >expect &&
	test_cmp expect out
'

test_expect_success 'a bare layout directory with one image and no tag' '
	mkdir -p one/blobs/sha256 &&
	cp "$VSL_FIXTURE_BUSYBOX"/oci-layout one/ &&
	cp "$VSL_FIXTURE_BUSYBOX"/blobs/sha256/* one/blobs/sha256/ &&
	sed "s/{\"mediaType\"/\n&/g" "$VSL_FIXTURE_BUSYBOX/index.json" |
		grep "ref.name\":\"workdir\"" | sed "s/,*\$//; s/]}\$//" >entry &&
	printf "{\"schemaVersion\":2,\"manifests\":[%s]}" "$(cat entry)" >one/index.json &&
	vsl_build_app "$PWD/one" app-one &&
	vsl_run ./app-one pwd >out &&
	echo /srv/work >expect &&
	test_cmp expect out
'

test_expect_success 'a name that is no directory is a registry image (docker://)' '
	test_expect_code 1 env VESSEL_SKOPEO=/nonexistent "$VSL_VESSEL" build \
		--image no-such-image:1.0 --output out-reg 2>err &&
	grep "docker://no-such-image:1.0 needs skopeo" err
'

test_expect_success 'neither a reference nor a known transport: the error lists the transports' '
	test_expect_code 1 vsl_vessel build --image "Bad Name" --output out-bad 2>err &&
	grep "\"Bad Name\" is neither a docker reference" err &&
	grep "containers-storage:, dir:" err
'

test_expect_success 'oci: with an explicit transport still works, unchanged' '
	vsl_build_app "oci:$VSL_FIXTURE_BUSYBOX:latest" app-oci &&
	vsl_run ./app-oci >out &&
	echo hello-from-image >expect &&
	test_cmp expect out
'

test_done
