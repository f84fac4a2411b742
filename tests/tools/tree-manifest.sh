#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# tree-manifest.sh [--no-xattrs] [--stat] DIR: describe a directory tree with host tools, in the
# format `sqfs-tool manifest` prints, sorted (LC_ALL=C), for t0400 to compare an unsquashfs
# extraction with our reader core and with our FUSE mount of the same image.
#   default   one line per path: PATH|TYPE|MODE|UID|GID|NLINK|EXTRA (find's %p %y %m %U %G %n;
#             EXTRA is a file's sha256, a symlink's target, a device's major,minor, else "-"),
#             and PATH|x|NAME|HEXVALUE per xattr (getfattr; names it cannot read are left out,
#             as trusted.* is for anyone but the initial namespace's root)
#   --stat    one line per path: PATH|TYPE|SIZE|MTIME|FIRST, where SIZE is "-" for a directory
#             (each file system sizes those its own way) and FIRST is the first path, in sorted
#             order, with the same inode number: equal FIRST columns mean equal hard links
# Paths are relative ("." and "./name"). Needs find, sha256sum, stat, awk; getfattr for xattrs.
set -eu

xattrs=1 mode=manifest
while [ $# -gt 1 ]; do
	case $1 in
	--no-xattrs) xattrs=0 ;;
	--stat) mode=stat ;;
	*) break ;;
	esac
	shift
done
if [ $# != 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 [--no-xattrs] [--stat] DIR" >&2
	exit 2
fi
command -v getfattr >/dev/null 2>&1 || xattrs=0
t=$(mktemp -d "${TMPDIR:-/tmp}/tree-manifest.XXXXXX")
trap 'rm -rf "$t"' EXIT INT TERM
cd "$1"

if [ "$mode" = stat ]; then
	find . -printf '%i %p\n' | LC_ALL=C sort -k2 | awk '{
		i = $1; p = substr($0, length($1) + 2)
		if (!(i in first)) first[i] = p
		print p "|" first[i]
	}' >"$t/first"
	find . -printf '%p|%y|%s|%T@\n' | awk -F'|' -v firsts="$t/first" '
	BEGIN {
		while ((getline l < firsts) > 0) {
			n = split(l, a, "|")
			first[a[1]] = a[n]
		}
	}
	{ print $1 "|" $2 "|" ($2 == "d" ? "-" : $3) "|" $4 "|" first[$1] }' | LC_ALL=C sort
	exit 0
fi

find . -type f -exec sha256sum {} + >"$t/sums"
find . \( -type b -o -type c \) -exec stat -c '%n %t %T' {} + >"$t/devs"
: >"$t/xattrs"
if [ "$xattrs" = 1 ]; then
	getfattr -R -P -h -d -m - -e hex . >"$t/xattrs" 2>/dev/null || true
fi
find . -printf '%p|%y|%m|%U|%G|%n|%l\n' | awk -F'|' -v sums="$t/sums" \
	-v devs="$t/devs" -v xattrs="$t/xattrs" '
function hex(s,   i, n) {
	n = 0
	for (i = 1; i <= length(s); i++)
		n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
	return n
}
BEGIN {
	while ((getline l < sums) > 0)
		sum[substr(l, 67)] = substr(l, 1, 64)
	while ((getline l < devs) > 0) {
		split(l, a, " ")
		dev[a[1]] = hex(a[2]) "," hex(a[3])
	}
	while ((getline l < xattrs) > 0) {
		if (l ~ /^# file: /) {
			f = substr(l, 9)
			f = (f == ".") ? "." : "./" f
		} else if ((i = index(l, "=")) > 0) {
			v = substr(l, i + 1)
			sub(/^0x/, "", v)
			print f "|x|" substr(l, 1, i - 1) "|" v
		}
	}
}
{
	x = "-"
	if ($2 == "f") x = sum[$1]
	else if ($2 == "l") x = $7
	else if ($2 == "b" || $2 == "c") x = dev[$1]
	print $1 "|" $2 "|" $3 "|" $4 "|" $5 "|" $6 "|" x
}' | LC_ALL=C sort
