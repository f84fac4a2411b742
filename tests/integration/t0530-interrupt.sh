#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='an interrupted build leaves no temp dir, no output, no helper process, and dies by the signal'
# Three moments: while skopeo copies (a stand-in skopeo that hangs, via VESSEL_SKOPEO), while a
# 1 GiB layer is being applied, and while mksquashfs runs. Each time the signal goes to the
# vessel process the user started (the guard, builder/guard.c).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

craft=$vsl__repo/tests/tools/oci-craft.py
command -v python3 >/dev/null 2>&1 && command -v zstd >/dev/null 2>&1 && test_set_prereq CRAFT

# wait_for GLOB: until a path matching GLOB exists (at most 60 s).
wait_for() {
	_i=0
	while [ $_i -lt 600 ]; do
		# shellcheck disable=SC2086 # GLOB is meant to expand
		for _p in $1; do [ -e "$_p" ] && return 0; done
		sleep 0.1
		_i=$((_i + 1))
	done
	echo "timed out waiting for $1" >&2
	return 1
}

# clean_after PID SIGNAL CODE: send SIGNAL to the build PID; it must exit with CODE and leave
# TMPDIR and the output dir empty, and no process may still name a path in it (the pattern is
# read from a file so that grep's own command line does not match).
clean_after() {
	kill -"$2" "$1" &&
		{
			wait "$1"
			_st=$?
		}
	echo "exit $_st" &&
		test "$_st" = "$3" &&
		test -z "$(ls -A "$TMPDIR")" &&
		test -z "$(ls -A out)" &&
		printf "%s/vessel-\n" "$TMPDIR" >pattern &&
		! grep -l -F -f pattern /proc/[0-9]*/cmdline 2>/dev/null
}

test_expect_success 'while skopeo copies: SIGTERM removes the copy and stops skopeo' '
	mkdir -p out &&
	cat >hang-skopeo <<-\EOF &&
	#!/bin/sh
	# starts the copy, records its pid, then hangs like a slow pull
	for a; do last=$a; done
	d=${last#oci:}; d=${d%:*}
	mkdir -p "$d/blobs/sha256" && echo partial >"$d/blobs/sha256/partial" &&
	echo $$ >"$PWD/skopeo.pid"
	exec sleep 120
	EOF
	chmod +x hang-skopeo &&
	VESSEL_SKOPEO=$PWD/hang-skopeo "$VSL_VESSEL" build --image docker://localhost:1/x \
		--arch "$VSL_OCI_ARCH" --output out/app 2>err &
	pid=$! &&
	wait_for "$TMPDIR/vessel-*/vessel-pull-*/layout/blobs/sha256/partial" &&
	wait_for skopeo.pid &&
	clean_after $pid TERM 143 &&
	! kill -0 "$(cat skopeo.pid)" 2>/dev/null
'

test_expect_success CRAFT 'make an image with a 1 GiB layer' '
	python3 "$craft" bigtar big.tar.zst 1024 &&
	python3 "$craft" layout big --arch "$VSL_OCI_ARCH" --base "$VSL_FIXTURE_BUSYBOX" \
		big.tar.zst:prezstd
'

test_expect_success CRAFT 'while a layer is applied: SIGINT removes the staging dir' '
	mkdir -p out &&
	"$VSL_VESSEL" build --image oci:big --arch "$VSL_OCI_ARCH" --output out/app 2>err &
	pid=$! &&
	wait_for "$TMPDIR/vessel-*/vessel-build-*/rootfs/srv/big" &&
	clean_after $pid INT 130
'

test_expect_success CRAFT 'while mksquashfs runs: SIGTERM stops it and removes everything' '
	mkdir -p out &&
	"$VSL_VESSEL" build --image oci:big --arch "$VSL_OCI_ARCH" --payload-format squashfs-only \
		--output out/app 2>err &
	pid=$! &&
	wait_for "$TMPDIR/vessel-*/vessel-build-*/squashfs.img" &&
	clean_after $pid TERM 143
'

test_expect_success 'an uninterrupted build still exits 0 and cleans up' '
	mkdir -p out &&
	"$VSL_VESSEL" build --image "oci:$VSL_FIXTURE_BUSYBOX:latest" --arch "$VSL_OCI_ARCH" \
		--payload-format tar.zst --output out/app &&
	test -x out/app &&
	test -z "$(ls -A "$TMPDIR")"
'

test_done
