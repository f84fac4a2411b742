#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# seed-sqfs.sh OUTDIR: the seed corpus of fuzz-sqfs, made at fuzz time by Debian's mksquashfs
# (never committed). A small tree of every type (file, dir, symlink, hard link, fifo, char and
# block device when root, sparse file, a 3-block file, an incompressible one, 40 small files, user.* xattrs and a
# shared long value, trusted.* when root) in the layouts that reach different code: gzip, zstd,
# uncompressed (-noI -noD -noF -noX: what mutations reach deepest), no fragments, no export
# table, all fragments, an extended directory index (300 entries); all with -b 4096 and cut to
# bytes_used so that they fit the harness's -max_len.
set -eu

out=$1
mks=/usr/bin/mksquashfs
[ -x "$mks" ] || {
	echo "seed-sqfs: $mks is missing (apt-get install squashfs-tools)" >&2
	exit 1
}
mkdir -p "$out"
t=$(mktemp -d "${TMPDIR:-/tmp}/seed-sqfs.XXXXXX")
trap 'rm -rf "$t"' EXIT INT TERM
r=$t/tree
mkdir -p "$r/dir/sub" "$r/many" "$r/index"
echo hello >"$r/file"
ln -s file "$r/link"
ln -s "$(printf '%300s' '' | tr ' ' t)" "$r/longlink"
ln "$r/file" "$r/dir/hard"
mkfifo "$r/fifo"
if [ "$(id -u)" = 0 ]; then
	mknod "$r/chr" c 1 3
	mknod "$r/blk" b 7 0
fi
truncate -s 20000 "$r/sparse"
seq 1 2300 >"$r/three-blocks"
head -c 3000 /dev/urandom >"$r/random"
yes vessel | head -c 9000 >"$r/dir/sub/text"
i=1
while [ $i -le 40 ]; do
	seq "$i" $((i * 3)) >"$r/many/f$i"
	i=$((i + 1))
done
i=1
while [ $i -le 300 ]; do
	: >"$r/index/entry-with-a-longish-name-$i"
	i=$((i + 1))
done
if command -v setfattr >/dev/null 2>&1; then
	big=$(printf '%200s' '' | tr ' ' v)
	setfattr -n user.a -v 1 "$r/file" || true
	setfattr -n user.shared -v "$big" "$r/many/f1" || true
	setfattr -n user.shared -v "$big" "$r/many/f2" || true
	[ "$(id -u)" = 0 ] && setfattr -n trusted.t -v y "$r/dir"
fi

seed() { # seed NAME MKSQUASHFS-ARGS...
	_n=$1
	shift
	"$mks" "$r" "$t/$_n" -noappend -quiet -no-progress -b 4096 "$@" >/dev/null
	# bytes_used (superblock offset 40, 64-bit little-endian): drop mksquashfs's padding
	_used=$(od -An -t u8 -j 40 -N 8 "$t/$_n" | tr -d ' ')
	head -c "$_used" "$t/$_n" >"$out/$_n"
}
seed gzip -comp gzip
seed zstd -comp zstd
seed raw -comp gzip -noI -noD -noF -noX
seed nofrag -comp zstd -no-fragments
seed noexport -comp gzip -no-exports
seed allfrag -comp zstd -always-use-fragments
seed noxattr -comp zstd -no-xattrs
ls -l "$out" >&2
