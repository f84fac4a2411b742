#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='a damaged squashfs section at run time: caught when mounting, or EIO on the
damaged file; never a hang, nothing left behind'
# The app is the busybox image plus a layer with /data/big (compressible text, several zstd
# blocks) and /data/small. Bytes inside the squashfs section are changed in place and nothing
# else: the trailer's section hashes are only checked by --vessel-verify, so the runtime meets
# the damage itself. SquashFS has no checksum over data, so only damage that breaks a block's
# decompression (here: the zstd frame magic of a block) can be seen as EIO; a flipped literal
# byte would read back silently wrong, which is what `vessel inspect --verify` is for.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

if [ -r /dev/fuse ] && [ -w /dev/fuse ]; then
	test_set_prereq FUSE
fi
repo=$(cd "$(dirname "$0")/../.." && pwd)
# where a file's data starts: the section is the same bytes for every arch, the host's tool
# reads it natively
SQFS_TOOL=$VSL_BUILD/$(uname -m)/tests/sqfs-tool
[ -x "$SQFS_TOOL" ] && test_set_prereq SQFSTOOL

# data_layout DIR: the busybox layout plus the tag "data" (its base layer and one with /data).
data_layout() {
	rm -rf "$1" && cp -r "$VSL_FIXTURE_BUSYBOX" "$1" && chmod -R u+w "$1" || return 1
	# shellcheck source=tests/fixtures/oci-lib.sh
	. "$repo/tests/fixtures/oci-lib.sh"
	base=$(perl -MJSON::PP -e '
		my $d = shift;
		sub rd { local $/; open(my $f, "<", $_[0]) or die "$_[0]: $!"; decode_json(<$f>) }
		my ($m) = grep { $_->{annotations}{"org.opencontainers.image.ref.name"} eq "latest" }
			@{rd("$d/index.json")->{manifests}};
		(my $h = $m->{digest}) =~ s/^sha256://;
		my $man = rd("$d/blobs/sha256/$h");
		(my $c = $man->{config}{digest}) =~ s/^sha256://;
		my $l = $man->{layers}[0];
		print "$l->{digest}:$l->{size}:", rd("$d/blobs/sha256/$c")->{rootfs}{diff_ids}[0];
	' "$1") || return 1
	mkdir -p layer/data &&
		seq 1 200000 >layer/data/big &&
		echo "small and whole" >layer/data/small &&
		(cd layer && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort) >layer.list &&
		oci_tar_tree layer layer.tar 1700000000 0 0 layer.list &&
		: >"$1/.index-entries" &&
		oci_put_layer "$1" layer.tar &&
		oci_put_image "$1" data "$VSL_OCI_ARCH" 1700000000 \
			'{"Env":["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"]}' \
			"$base $LAYER_DIGEST:$LAYER_SIZE:$LAYER_DIFFID" &&
		oci_finish "$1"
}

# damaged NAME FORMAT HOW: a copy of the data app (FORMAT squashfs or squashfs-only) with its
# squashfs section damaged: HOW is "super" (the magic), "half" (zeros from the middle of the
# section on: everything after it lost, as if cut there) or "block" (the zstd frame magic of
# /data/big's second block). Prints the copy's path.
damaged() {
	_app=$VSL_PASS_DIR/apps/data-$2
	if [ ! -x "$_app" ]; then
		[ -d "$VSL_PASS_DIR/layout" ] || data_layout "$VSL_PASS_DIR/layout" >&2 || return 1
		vsl_build_app "oci:$VSL_PASS_DIR/layout:data" "$_app" --payload-format "$2" ||
			return 1
	fi
	# shellcheck disable=SC2046 # two numbers
	set -- "$1" "$2" "$3" $(vsl_section "$_app" 3)
	_out=$VSL_PASS_DIR/apps/$1
	cp "$_app" "$_out" || return 1
	case $3 in
	super) vsl_flip_byte "$_out" "$4" ;;
	half)
		_used=$(od -An -t u8 -j $(($4 + 40)) -N 8 "$_out" | tr -d ' ')
		dd if=/dev/zero of="$_out" bs=1 seek=$(($4 + _used / 2)) count=$((_used - _used / 2)) \
			conv=notrunc status=none
		;;
	block)
		# the first block's compressed size is in the inode; the second block starts right
		# after it, at the first zstd frame magic (28 b5 2f fd) past the first block's start
		_start=$("$SQFS_TOOL" where "$_app" /data/big "$4" | cut -d' ' -f1) &&
			_second=$(od -An -v -t x1 -w1 -j $(($4 + _start + 4)) -N 200000 "$_app" |
				awk '{ b[NR] = $1 } NR > 3 && b[NR-3] "" b[NR-2] b[NR-1] b[NR] == "28b52ffd" {
					print NR; exit }') &&
			[ -n "$_second" ] &&
			vsl_flip_byte "$_out" $(($4 + _start + _second))
		;;
	esac || return 1
	echo "$_out"
}

# nothing_left: no run dir, mount point or server of ours survives a run
nothing_left() {
	test -z "$(ls -A "$VESSEL_TMPDIR")" || {
		echo "left in $VESSEL_TMPDIR:" && ls -la "$VESSEL_TMPDIR"
		return 1
	}
}

test_expect_success FUSE 'the undamaged data app serves /data from FUSE' '
	app=$(damaged intact squashfs none) &&
	VESSEL_DEBUG=1 vsl_run "$app" sh -c "md5sum /data/big; cat /data/small" >out 2>err &&
	grep "payload path: fuse" err && grep "is serving" err &&
	seq 1 200000 | md5sum | sed "s| -|/data/big|" >expect &&
	echo "small and whole" >>expect &&
	sed "s|  | |" out >got && sed "s|  | |" expect >want &&
	test_cmp want got &&
	nothing_left
'

test_expect_success FUSE 'a damaged superblock: caught at mount time, the tar.zst takes over' '
	app=$(damaged super-both squashfs super) &&
	VESSEL_DEBUG=1 vsl_run "$app" cat /data/small >out 2>err &&
	echo "small and whole" >expect &&
	test_cmp expect out &&
	grep "the FUSE server could not start: the squashfs section: .*magic" err &&
	grep "falling back to extracting the tar.zst" err &&
	nothing_left
'

test_expect_success FUSE 'a damaged superblock, squashfs only: exit 125, one line naming it' '
	app=$(damaged super-only squashfs-only super) &&
	test_expect_code 125 vsl_run "$app" cat /data/small >out 2>err &&
	test ! -s out &&
	test "$(wc -l <err)" = 1 &&
	grep "squashfs section" err && grep "magic" err && grep "copy or build it again" err &&
	nothing_left
'

test_expect_success FUSE 'a section cut in half: caught at mount time, or EIO; no hang' '
	app=$(damaged half-only squashfs-only half) &&
	st=0 && vsl_run "$app" cat /data/small >out 2>err || st=$? &&
	cat err &&
	case $st in
	125) test "$(wc -l <err)" = 1 && grep "squashfs" err ;;
	1) grep "Input/output error" err && grep "squashfs section is damaged" err ;;
	*) echo "unexpected exit $st" && false ;;
	esac &&
	nothing_left
'

test_expect_success FUSE,SQFSTOOL 'a broken data block: EIO on that file only, the run goes on' '
	app=$(damaged block-only squashfs-only block) &&
	VESSEL_DEBUG=1 vsl_run "$app" sh -c "head -c 1000 /data/big | tail -n 1;
		cat /data/big >/dev/null; echo cat: \$?; cat /data/big >/dev/null;
		cat /data/small" >out 2>err &&
	{ seq 1 200000 | head -c 1000 | tail -n 1 && echo "cat: 1" && echo "small and whole"; } \
		>expect &&
	test_cmp expect out &&
	grep "Input/output error" err &&
	test "$(grep -c "squashfs section is damaged" err)" = 1 &&
	grep "is serving" err &&
	! grep "died" err &&
	nothing_left
'

test_expect_success FUSE 'a server killed mid-run: a clear message, exit 125, nothing left' '
	app=$(damaged intact squashfs none) &&
	mkdir -p sync && rm -f sync/ready sync/go && mkfifo sync/ready sync/go &&
	{ VESSEL_DEBUG=1 vsl_exec "$app" -v "$PWD/sync:/sync" sh -c \
		"echo up >/sync/ready; read x </sync/go; cat /data/big >/dev/null; echo survived" \
		>out 2>err & } &&
	pid=$! &&
	timeout "$VSL_TIMEOUT" sh -c "read x <sync/ready" &&
	server=$(sed -n "s/.*built-in server \([0-9]*\) is serving.*/\1/p" err) &&
	test -n "$server" &&
	kill -KILL "$server" &&
	timeout "$VSL_TIMEOUT" sh -c "echo go >sync/go" &&
	test_expect_code 125 wait $pid &&
	grep "the FUSE server died during the run (killed by signal 9)" err &&
	! kill -0 "$server" 2>/dev/null &&
	nothing_left
'

test_done
