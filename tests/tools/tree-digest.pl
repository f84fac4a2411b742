#!/usr/bin/perl
# SPDX-License-Identifier: Apache-2.0
# tree-digest.pl [--xattrs] [--no-owner] DIR: describe a directory tree, one line per path,
# sorted bytewise, so that two trees can be compared with diff (t0610: `vessel extract` from
# the tar.zst and from the squashfs payload, and against GNU tar's extraction):
#   PATH|TYPE|MODE|UID|GID|MTIME|EXTRA|LINK
# PATH is relative ("." is DIR itself); TYPE one of f d l c b p s; MODE the 07777 bits in octal;
# EXTRA a file's sha256, a symlink's target, a device's major,minor, else "-"; LINK, for a
# non-directory with more than one link, the first path (in this order) of the same inode, else
# "-". --no-owner prints "-" for UID and GID. --xattrs adds PATH|x|NAME|HEXVALUE lines (from
# getfattr, which must be installed). Uses only Perl's core modules.
use strict;
use warnings;
use Digest::SHA;
use Fcntl ':mode';
use File::Find;

my ($xattrs, $owner) = (0, 1);
while (@ARGV > 1) {
	my $o = shift;
	if ($o eq '--xattrs') { $xattrs = 1 }
	elsif ($o eq '--no-owner') { $owner = 0 }
	else { die "tree-digest: unknown option $o\n" }
}
my $root = shift or die "usage: tree-digest.pl [--xattrs] [--no-owner] DIR\n";
chdir $root or die "tree-digest: cd $root: $!\n";

my @paths;
find({ no_chdir => 1, wanted => sub { push @paths, $File::Find::name } }, '.');
@paths = sort @paths;

my %first;
for my $p (@paths) {
	my @st = lstat $p or die "tree-digest: lstat $p: $!\n";
	my ($mode, $nlink, $uid, $gid, $rdev, $mtime) = @st[2, 3, 4, 5, 6, 9];
	my ($type, $extra) = ('?', '-');
	if (S_ISREG($mode)) {
		$type = 'f';
		$extra = Digest::SHA->new(256)->addfile($p, 'b')->hexdigest;
	} elsif (S_ISDIR($mode)) {
		$type = 'd';
	} elsif (S_ISLNK($mode)) {
		$type = 'l';
		$extra = readlink $p;
	} elsif (S_ISCHR($mode) || S_ISBLK($mode)) {
		$type = S_ISCHR($mode) ? 'c' : 'b';
		my $major = (($rdev >> 8) & 0xfff) | (($rdev >> 32) & ~0xfff);
		my $minor = ($rdev & 0xff) | (($rdev >> 12) & ~0xff);
		$extra = "$major,$minor";
	} elsif (S_ISFIFO($mode)) {
		$type = 'p';
	} elsif (S_ISSOCK($mode)) {
		$type = 's';
	}
	my $link = '-';
	if ($type ne 'd' && $nlink > 1) {
		my $key = "$st[0]:$st[1]";
		$first{$key} //= $p;
		$link = $first{$key};
	}
	printf "%s|%s|%o|%s|%s|%d|%s|%s\n", $p, $type, $mode & 07777, $owner ? $uid : '-',
		$owner ? $gid : '-', $mtime, $extra, $link;
}

exit 0 unless $xattrs;
# getfattr -R lists every path that has an attribute: "# file: PATH", then NAME=0xHEX lines.
open(my $g, '-|', 'getfattr', '-R', '-h', '-d', '-m', '-', '-e', 'hex', '.')
	or die "tree-digest: getfattr: $!\n";
my ($cur, @x);
while (my $l = <$g>) {
	chomp $l;
	if ($l =~ /^# file: (.*)$/) {
		$cur = $1;
		$cur = "./$cur" unless $cur eq '.' || $cur =~ m{^\./};
	} elsif ($l =~ /^([^=]+)=0x([0-9a-f]*)$/ && defined $cur) {
		push @x, "$cur|x|$1|$2";
	}
}
close $g;
print "$_\n" for sort @x;
