#!/usr/bin/perl
# SPDX-License-Identifier: Apache-2.0
# swap-section.pl FILE KIND DATA OUT: write OUT as FILE with the section of KIND (1 config,
# 2 meta, 3 squashfs, 4 tarzst) replaced by the bytes of DATA, with a trailer whose length,
# sha256 and checksum match (the layout is common/format.h's). The section must be the last
# one in the file, so nothing moves. For tests that need a well-formed vessel file around a
# hostile payload, which `vessel build` would never write. Core Perl only.
use strict;
use warnings;
use Digest::SHA qw(sha256);

my ($file, $kind, $data, $out) = @ARGV;
die "usage: swap-section.pl FILE KIND DATA OUT\n" unless defined $out;
sub slurp { open(my $f, '<:raw', $_[0]) or die "$_[0]: $!\n"; local $/; my $d = <$f>; $d }
my $bin = slurp($file);
my $new = slurp($data);
my $t = substr($bin, -512);
my ($count) = unpack('V', substr($t, 12, 4));
my ($slot, $off, $len);
for my $i (0 .. $count - 1) {
	my ($k, $flags, $o, $l) = unpack('V V Q< Q<', substr($t, 24 + $i * 56, 24));
	($slot, $off, $len) = ($i, $o, $l) if $k == $kind;
}
die "swap-section: $file has no section of kind $kind\n" unless defined $slot;
die "swap-section: the section is not the last one\n" if $off + $len != length($bin) - 512;
my $e = 24 + $slot * 56;
substr($t, $e + 16, 8) = pack('Q<', length $new);
substr($t, $e + 24, 32) = sha256($new);
substr($t, 472, 32) = sha256(substr($t, 0, 472));
open(my $o, '>:raw', $out) or die "$out: $!\n";
print $o substr($bin, 0, $off), $new, $t;
close $o or die "$out: $!\n";
chmod 0755, $out;
