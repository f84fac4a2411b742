#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='the SquashFS reader core and our FUSE server against Debian mksquashfs/unsquashfs'
# The reader is checked through tests/tools/sqfs-tool (built per arch, run under qemu for a
# foreign one) on images that Debian's mksquashfs (/usr/bin, not ours) makes from a generated
# tree with every file type, hard links, long names, deep and wide directories, empty, sparse
# and block-boundary files, fragments, a 3 MiB file and xattrs, in several compressor and
# layout variants. Its listing must equal `unsquashfs -lln`, and its manifest (content hash,
# mode, owner, link count, link target, device numbers, xattrs) the one made from an
# unsquashfs extraction; --check looks every name and inode number up again. The same
# comparison then runs through the FUSE mount: each image served by our server
# (tests/tools/sqfs-mount: the runtime's fuse.c/fuse_ll.c) and read with find, sha256sum, stat
# and getfattr, adding sizes, mtimes, hard-link inode numbers, statfs and 4 parallel readers.
# Then corrupt images must fail cleanly, never crash or hang, read directly and through FUSE.
VSL_FIXTURES=none
VSL_TEST_PASSES=root
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

MKSQUASHFS=/usr/bin/mksquashfs
UNSQUASHFS=/usr/bin/unsquashfs
SQFS_TOOL=${VSL_SQFS_TOOL:-$VSL_BUILD/$VSL_ARCH/tests/sqfs-tool}
SQFS_MOUNT=${VSL_SQFS_MOUNT:-$VSL_BUILD/$VSL_ARCH/tests/sqfs-mount}
TREE_MANIFEST=$(cd "$(dirname "$0")/../.." && pwd)/tests/tools/tree-manifest.sh
[ -x "$MKSQUASHFS" ] && [ -x "$UNSQUASHFS" ] ||
	skip_all "Debian's squashfs-tools is not installed (apt-get install squashfs-tools)"
[ -x "$SQFS_TOOL" ] || skip_all "$SQFS_TOOL is not built (make $SQFS_TOOL)"
[ "$(id -u)" = 0 ] || skip_all "needs root (mknod, chown)"
command -v setfattr >/dev/null 2>&1 && command -v getfattr >/dev/null 2>&1 &&
	test_set_prereq XATTR
# FUSE: the same images served by our FUSE server (tests/tools/sqfs-mount, the runtime's code),
# read by host tools through the mount, compared with the same unsquashfs extraction.
fuse_why=
if [ ! -x "$SQFS_MOUNT" ]; then
	fuse_why="$SQFS_MOUNT is not built (make $SQFS_MOUNT)"
elif ! [ -r /dev/fuse ] || ! [ -w /dev/fuse ]; then
	fuse_why="/dev/fuse cannot be opened (modprobe fuse)"
elif ! command -v unshare >/dev/null 2>&1; then
	fuse_why="unshare (util-linux) is not installed"
else
	test_set_prereq FUSE
fi
[ -z "$fuse_why" ] || echo "# the FUSE checks are skipped: $fuse_why"

# sqfs ARGS...: the tool for $VSL_ARCH, under qemu when foreign.
sqfs() {
	# shellcheck disable=SC2086 # VSL_QEMU is empty or one word
	TZ=UTC timeout -k 5 "$VSL_TIMEOUT" $VSL_QEMU "$SQFS_TOOL" "$@"
}

W=$VSL_PASS_DIR/work
BS=131072
DEEP=deep
i=1
while [ $i -le 50 ]; do
	DEEP=$DEEP/level$i
	i=$((i + 1))
done

# repeat N CHAR: CHAR N times
repeat() { printf "%${1}s" '' | tr ' ' "$2"; }

make_types() { # every inode type, hard links, owners and modes
	echo hello >file
	mkdir dir
	ln -s file symlink
	mknod blk b 8 1
	mknod chr c 1 3
	mknod chr-big c 300 1000
	mknod blk-plain b 7 0
	mkfifo fifo fifo-plain
	for s in socket socket-plain; do
		perl -MIO::Socket::UNIX -e 'IO::Socket::UNIX->new(Local => $ARGV[0], Listen => 1) or die' \
			$s
	done
	echo linked >hard1
	mkdir links
	ln hard1 hard2
	ln hard1 links/hard3
	echo owned >owned
	chown 123456:654321 owned
	chown 1000:1000 dir
	echo suid >suid && chmod 4755 suid
	echo sgid >sgid && chmod 2750 sgid
	mkdir sticky && chmod 1777 sticky
	echo none >mode0 && chmod 0 mode0
}

make_names() { # 255-byte names, a long symlink target, 50 levels deep, 5000 entries wide
	n=$(repeat 255 n)
	echo long >"$n"
	mkdir "$(repeat 254 d)x"
	ln -s "$n" "$(repeat 254 s)x"
	ln -s "$(repeat 4000 t)" long-target
	mkdir -p "$DEEP" && echo bottom >"$DEEP/file"
	mkdir wide
	i=1
	while [ $i -le 5000 ]; do
		case $i in
		*00) mkdir "wide/e$i" ;;
		*50) ln -s "e$((i - 1))" "wide/e$i" ;;
		*[13579]) : >"wide/e$i" ;;
		*) echo "entry $i" >"wide/e$i" ;;
		esac
		i=$((i + 1))
	done
}

make_sizes() { # empty, sparse, block-boundary, fragments, big
	: >empty
	head -c $BS /dev/urandom >block-exact
	head -c $((BS - 1)) /dev/urandom >block-minus1
	head -c $((BS + 1)) /dev/urandom >block-plus1
	head -c $((2 * BS)) /dev/urandom >block-2
	head -c $((3 * BS)) /dev/zero | tr '\0' z >block-3-zzz
	head -c $((3 * 1024 * 1024)) /dev/urandom >big-3m
	yes vessel | head -c $((3 * 1024 * 1024 + 17)) >big-3m-text
	truncate -s 1M sparse-all
	echo start >sparse-mid && truncate -s 2M sparse-mid && echo end >>sparse-mid
	head -c 1000 /dev/urandom >sparse-tail && truncate -s $((5 * BS + 123)) sparse-tail
	mkdir frags
	i=1
	while [ $i -le 60 ]; do
		head -c $((i * 997)) /dev/urandom >"frags/f$i"
		i=$((i + 1))
	done
}

make_xattrs() { # user.* inline, shared (out of line) values, trusted.*, security.capability
	big=$(repeat 3000 v)
	setfattr -n user.comment -v hello file
	setfattr -n user.two -v 2 file
	setfattr -n user.dir -v yes dir
	setfattr -n trusted.overlay.opaque -v y dir
	for f in frags/f1 frags/f2 frags/f3; do
		setfattr -n user.big -v "$big" "$f"
	done
	setfattr -h -n trusted.link -v target symlink
	setfattr -n trusted.dev -v blk blk
	setfattr -n trusted.dev -v chr chr
	setfattr -n trusted.ipc -v fifo fifo
	setfattr -n trusted.ipc -v sock socket
	setfattr -n user.hard -v shared hard1
	# cap_net_raw+ep as a v2 vfs_cap_data
	setfattr -n security.capability -v 0x0100000200200000000000000000000000000000 suid
	setfattr -n user.wide -v 1 wide/e2
}

# ref_manifest DIR: the manifest of a tree (an extraction, or a FUSE mount), in sqfs-tool's
# format; ref_stat DIR: sizes, mtimes and hard-link groups (see tests/tools/tree-manifest.sh).
ref_manifest() {
	if test_have_prereq XATTR; then
		sh "$TREE_MANIFEST" "$1"
	else
		sh "$TREE_MANIFEST" --no-xattrs "$1"
	fi
}
ref_stat() { sh "$TREE_MANIFEST" --stat "$1"; }

# fusemount NS-FLAGS [--SQFS-MOUNT-OPTION] IMAGE CMD...: serve IMAGE on ./mnt with our FUSE server in a new mount
# namespace and run CMD while it is mounted. NS-FLAGS -m: as the real root (every owner and
# the trusted.* xattrs are visible); -Urm: as the root of a one-id user namespace, the way an
# unprivileged run mounts (owners read 0:0, the kernel hides trusted.*). A foreign arch's server
# runs under qemu inside the namespace that the native unshare made.
fusemount() {
	_ns=$1 _opt=
	shift
	case $1 in --*) _opt=$1 && shift ;; esac
	_img=$1
	shift
	mkdir -p mnt
	# shellcheck disable=SC2086 # VSL_QEMU is empty or one word, _opt empty or an option
	TZ=UTC timeout -k 5 "$VSL_TIMEOUT" unshare $_ns $VSL_QEMU "$SQFS_MOUNT" $_opt "$_img" 0 mnt \
		"$@"
}

# probe.sh MNT OUT [--no-xattrs]: what the FUSE checks read through a mount, into OUT.*: the
# manifest, the --stat listing, statfs (block size, inodes) and the sha256 of every file, read
# by 4 readers at once.
cat >"$W/probe.sh" <<EOF
#!/bin/sh
set -e
sh "$TREE_MANIFEST" \${3:-} "\$1" >"\$2.m"
sh "$TREE_MANIFEST" --stat "\$1" >"\$2.st"
stat -f -c '%S %c' "\$1" >"\$2.statfs"
(cd "\$1" && find . -type f -print0 | xargs -0 -P4 -n40 sha256sum) | LC_ALL=C sort -k2 >"\$2.par"
EOF

# check_image NAME MKSQUASHFS-ARGS...: build, then listing, manifest and cat against the tree.
check_image() {
	_n=$1
	shift
	test_expect_success "$_n: mksquashfs $*" "
		$MKSQUASHFS '$W/tree' '$W/$_n.img' -noappend -quiet -no-progress $*
	"
	test_expect_success "$_n: listing equals unsquashfs -lln" "
		TZ=UTC $UNSQUASHFS -lln '$W/$_n.img' >ref.ls &&
		sqfs ls '$W/$_n.img' >ours.ls &&
		test_cmp ref.ls ours.ls
	"
	test_expect_success "$_n: content, modes, owners, links, xattrs equal an unsquashfs extraction" "
		$UNSQUASHFS -no-progress -d x-$_n '$W/$_n.img' >/dev/null &&
		ref_manifest x-$_n >ref.m &&
		cp ref.m ref-$_n.m &&
		sqfs manifest '$W/$_n.img' --check >ours.raw &&
		LC_ALL=C sort ours.raw >ours.m &&
		test_cmp ref.m ours.m &&
		test \$(wc -l <ours.m) -gt 5100
	"
	test_expect_success FUSE "$_n: through our FUSE server: manifest, sizes, times, hard links, statfs" "
		fusemount -m '$W/$_n.img' sh '$W/probe.sh' mnt fuse $(test_have_prereq XATTR ||
			echo --no-xattrs) &&
		test_cmp ref-$_n.m fuse.m &&
		ref_stat x-$_n >ref.st &&
		test_cmp ref.st fuse.st &&
		$UNSQUASHFS -s '$W/$_n.img' >super &&
		echo \$(sed -n 's/^Block size //p' super) \$(sed -n 's/^Number of inodes //p' super) \
			>want.statfs &&
		test_cmp want.statfs fuse.statfs &&
		(cd x-$_n && find . -type f -print0 | xargs -0 sha256sum) | LC_ALL=C sort -k2 >ref.par &&
		test_cmp ref.par fuse.par
	"
	test_expect_success "$_n: cat of big, sparse, boundary and deep files" "
		for f in big-3m big-3m-text block-exact block-plus1 block-3-zzz sparse-all \
			sparse-mid sparse-tail frags/f60 empty wide/e4998 \
			$DEEP/file \
			$(repeat 255 n); do
			sqfs cat '$W/$_n.img' \"\$f\" >out && cmp out '$W/tree/'\"\$f\" || exit 1
		done
	"
}

test_expect_success 'make the test tree' '
	mkdir "$W/tree" && cd "$W/tree" &&
	make_types && make_names && make_sizes &&
	if test_have_prereq XATTR; then make_xattrs; fi
'

if ! test_have_prereq XATTR; then
	test_skip 'xattrs (user.*, trusted.*, security.capability, out-of-line values)' \
		'setfattr/getfattr not installed (apt-get install attr)'
fi

check_image gzip -comp gzip
check_image zstd -comp zstd
test_expect_success FUSE 'zstd: through FUSE in a one-id user namespace: owners 0:0, no trusted.*' '
	fusemount -Urm "$W/zstd.img" sh "$W/probe.sh" mnt userns \
		$(test_have_prereq XATTR || echo --no-xattrs) &&
	awk -F"|" -v OFS="|" "\$2 == \"x\" && \$3 ~ /^trusted\\./ { next }
		\$2 != \"x\" { \$4 = 0; \$5 = 0 } { print }" ref-zstd.m >want.m &&
	test_cmp want.m userns.m &&
	test_cmp fuse.par userns.par
'
# sqfs-mount exits 99 when its server ended before it stopped it; here it must have ended by
# itself, with status 0, once the mount was gone. The command waits until the server is a
# zombie (sqfs-mount reaps it only afterwards); waiting for a process that is not our child
# can only be polling, and fusemount's timeout bounds it.
test_expect_success FUSE 'zstd: the server exits by itself, status 0, when unmounted' '
	test_expect_code 99 fusemount -m "$W/zstd.img" sh -c "umount mnt &&
		while [ \"\$(cut -d\" \" -f3 /proc/\$SQFS_MOUNT_SERVER_PID/stat)\" != Z ]; do
			sleep 0.05
		done" 2>err &&
	grep "the FUSE server died during the run (exit status 0)" err
'
test_expect_success FUSE 'zstd: through FUSE with OPEN/OPENDIR messages (kernels before 5.1)' '
	fusemount -m --open-messages "$W/zstd.img" sh "$W/probe.sh" mnt opens \
		$(test_have_prereq XATTR || echo --no-xattrs) &&
	test_cmp ref-zstd.m opens.m &&
	test_cmp fuse.st opens.st &&
	test_cmp fuse.par opens.par
'
check_image gzip-opts -comp gzip -Xcompression-level 1 -Xwindow-size 12
check_image zstd-4k -comp zstd -b 4096
check_image zstd-1m -comp zstd -b 1M -tailends
check_image raw -comp gzip -noI -noD -noF -noX
check_image nofrag -comp zstd -no-fragments
check_image allfrag -comp gzip -always-use-fragments
check_image noexport -comp zstd -no-exports -no-xattrs

test_expect_success 'an image at an offset inside a bigger file' '
	{ head -c 12345 /dev/urandom && cat "$W/zstd.img"; } >off.img &&
	sqfs ls "$W/zstd.img" >want &&
	sqfs ls off.img 12345 >got &&
	test_cmp want got
'

test_expect_success 'an unsupported compressor is refused by name' '
	mkdir tiny && echo x >tiny/x &&
	$MKSQUASHFS tiny xz.img -noappend -quiet -no-progress -comp xz &&
	test_expect_code 1 sqfs ls xz.img 2>err &&
	grep "compressor xz" err
'

test_expect_success 'not an image, an empty file, a short file' '
	head -c 4096 /dev/urandom >junk && : >empty0 && head -c 50 "$W/zstd.img" >short &&
	for f in junk empty0 short; do
		test_expect_code 1 sqfs ls $f 2>err && grep . err || exit 1
	done
'

# A small image of every type for the corruption runs (each run walks and hashes it all).
test_expect_success 'make a small image for corruption' '
	mkdir "$W/small" && cd "$W/small" && make_types &&
	mkdir wide && for i in $(seq 1 300); do echo $i >wide/f$i; done &&
	head -c 300000 /dev/urandom >multi && truncate -s 400000 multi &&
	if test_have_prereq XATTR; then
		setfattr -n user.a -v b file && setfattr -n trusted.t -v y dir
	fi &&
	$MKSQUASHFS "$W/small" "$W/small.img" -noappend -quiet -no-progress -comp zstd -b 4096
'

# corrupt_runs IMAGE: every truncation point of a spread and byte flips all over; each run must
# exit 0 or 1 (never a signal, never the timeout).
corrupt_runs() {
	_size=$(stat -c %s "$1")
	_used=$(od -An -t u8 -j 40 -N 8 "$1" | tr -d ' ')
	_st=0
	for _n in 0 1 4 95 96 97 $(seq 100 $((_size / 40 + 1)) "$_size"); do
		head -c "$_n" "$1" >cut.img
		sqfs manifest cut.img >/dev/null 2>&1 && _st=0 || _st=$?
		if [ "$_n" -lt "$_used" ] && [ "$_st" != 1 ]; then
			echo "truncated at $_n: exit $_st, want 1"
			return 1
		fi
	done
	for _off in $(seq 0 1 100) $(seq 101 $((_size / 150 + 1)) "$_size"); do
		cp "$1" flip.img && vsl_flip_byte flip.img "$_off"
		sqfs manifest flip.img --check >/dev/null 2>&1 && _st=0 || _st=$?
		case $_st in
		0 | 1) ;;
		*)
			echo "byte $_off flipped: exit $_st"
			cp flip.img "$W/crash-$_off.img"
			return 1
			;;
		esac
	done
}

test_expect_success 'truncated and corrupted images fail cleanly' '
	corrupt_runs "$W/small.img"
'

# fuse_corrupt_runs IMAGE: the same damage served through our FUSE server. Each mount either
# fails to start (125: the superblock checks) or serves; reading everything through it must
# end (no timeout) without the server dying (99) or anything else killing it.
fuse_corrupt_runs() {
	_size=$(stat -c %s "$1")
	_read='ls -lR mnt; find mnt -type f -exec cat {} +; getfattr -R -h -d -m - mnt; exit 0'
	for _n in 0 95 96 $(seq 200 $((_size / 8 + 1)) "$_size"); do
		head -c "$_n" "$1" >cut.img
		fusemount -m cut.img sh -c "$_read" >/dev/null 2>&1 && _st=0 || _st=$?
		case $_st in
		0 | 125) ;;
		*) echo "truncated at $_n: sqfs-mount exit $_st" && return 1 ;;
		esac
	done
	for _off in $(seq 0 7 100) $(seq 101 $((_size / 40 + 1)) "$_size"); do
		cp "$1" flip.img && vsl_flip_byte flip.img "$_off"
		fusemount -m flip.img sh -c "$_read" >/dev/null 2>&1 && _st=0 || _st=$?
		case $_st in
		0 | 125) ;;
		*)
			echo "byte $_off flipped: sqfs-mount exit $_st"
			cp flip.img "$W/fuse-crash-$_off.img"
			return 1
			;;
		esac
	done
}

test_expect_success FUSE 'truncated and corrupted images through FUSE: errors, no hang, no crash' '
	fuse_corrupt_runs "$W/small.img"
'

# A real distribution tree, when the debootstrap fixture was built already (it needs the
# network and minutes: tests/fixtures/fixture.sh debootstrap ARCH).
deb_arch=$(dpkg --print-architecture 2>/dev/null)
deb_fixture=$(ls -d "$VSL_BUILD"/fixtures/debootstrap-"$deb_arch"-* 2>/dev/null | head -n1)
if [ -n "$deb_fixture" ] && [ -f "$deb_fixture/index.json" ]; then
	test_expect_success 'debootstrap minbase: unpack the fixture' '
		layer=$(ls -S "$deb_fixture"/blobs/sha256/* | head -n1) &&
		mkdir "$W/tree-deb" && tar -C "$W/tree-deb" -xzpf "$layer"
	'
	test_expect_success 'debootstrap minbase: mksquashfs -comp zstd' '
		$MKSQUASHFS "$W/tree-deb" "$W/deb.img" -noappend -quiet -no-progress -comp zstd
	'
	test_expect_success 'debootstrap minbase: listing equals unsquashfs -lln' '
		TZ=UTC $UNSQUASHFS -lln "$W/deb.img" >ref.ls &&
		sqfs ls "$W/deb.img" >ours.ls &&
		test_cmp ref.ls ours.ls
	'
	test_expect_success 'debootstrap minbase: manifest equals an unsquashfs extraction' '
		$UNSQUASHFS -no-progress -d x-deb "$W/deb.img" >/dev/null &&
		ref_manifest x-deb >ref.m &&
		sqfs manifest "$W/deb.img" --check >ours.raw &&
		LC_ALL=C sort ours.raw >ours.m &&
		test_cmp ref.m ours.m
	'
	test_expect_success FUSE 'debootstrap minbase: through our FUSE server, the same' '
		fusemount -m "$W/deb.img" sh "$W/probe.sh" mnt deb \
			$(test_have_prereq XATTR || echo --no-xattrs) &&
		test_cmp ref.m deb.m &&
		ref_stat x-deb >ref.st &&
		test_cmp ref.st deb.st
	'
else
	test_skip 'debootstrap minbase rootfs' "no debootstrap fixture built for $deb_arch \
(tests/fixtures/fixture.sh debootstrap $deb_arch makes one; it needs the network)"
fi

test_done
