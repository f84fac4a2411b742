#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='vessel inspect shows what a built file holds (text and JSON) and --verify checks every section; broken files get one line and exit 1, bad usage exit 2'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

export TZ=UTC LC_ALL=C
VERSION=$(cat "$vsl__repo/VERSION")

# build APP TAG [BUILD-ARGS]: the busybox fixture's TAG, default format unless args say otherwise.
build() {
	_o=$1 _t=$2
	shift 2
	vsl_build_app "oci:$VSL_FIXTURE_BUSYBOX:$_t" "$PWD/$_o" --payload-format squashfs "$@"
}

# section_at APP KIND: the offset of the middle of a section.
section_mid() {
	# shellcheck disable=SC2046 # two numbers
	set -- $(vsl_section "$1" "$2")
	echo $(($1 + $2 / 2))
}

# json_get FILE PERL-EXPR: evaluate an expression over the decoded document ($j).
json_get() {
	perl -MJSON::PP -e 'local $/; open(my $f, "<", $ARGV[0]) or die; my $j = decode_json(<$f>);
		my $v = eval $ARGV[1]; die $@ if $@; print defined $v ? $v : "null", "\n"' "$1" "$2"
}

test_expect_success 'text: image ID, arch, formats, command, env, workdir, user, version' '
	(unset SOURCE_DATE_EPOCH && build app user) &&
	vsl_vessel inspect app >out 2>err &&
	test ! -s err &&
	id=$(vsl_section_bytes app 2 | sed -n "s/.*\"digest\": *\"\\(sha256:[0-9a-f]*\\)\".*/\\1/p") &&
	test ${#id} = 71 &&
	grep -x "Image ID:     $id" out &&
	grep -x "Arch:         $VSL_OCI_ARCH" out &&
	grep -x "Formats:      squashfs, tar.zst" out &&
	grep -x "Entrypoint:   (none)" out &&
	grep -x "Cmd:          \\[\"sh\", \"-c\", \"echo \\\$GREETING\"\\]" out &&
	grep -x "              GREETING=hello-from-image" out &&
	grep -x "Workdir:      /home/app" out &&
	grep -x "User:         1000:1000" out &&
	grep -x "Built:        (time not recorded: no SOURCE_DATE_EPOCH) by vessel $VERSION" out &&
	grep -E "^  (config|meta|squashfs|tarzst) +[0-9]+ +[0-9]+ .* [0-9a-f]{16}\$" out >rows &&
	test "$(wc -l <rows)" = 4 &&
	grep -E "^  stub +0 " out && grep -E "^  trailer +[0-9]+ +512 " out
'

test_expect_success 'the sections add up to the file: stub, aligned sections, trailer' '
	build app latest &&
	vsl_vessel inspect app >out &&
	size=$(stat -c %s app) &&
	grep -x "File:         app (.*, $size bytes, vessel format 1)" out &&
	awk "/^  (config|meta|squashfs|tarzst) / { if (\$2 % 4096) bad = 1; end = \$2 + \$3 }
		/^  trailer / { t = \$2 } END { exit bad || t != end || t + 512 != $size }" out
'

test_expect_success 'entrypoint and cmd apart, build time from SOURCE_DATE_EPOCH' '
	SOURCE_DATE_EPOCH=1700000000 build ent entry &&
	vsl_vessel inspect ent >out &&
	grep -x "Entrypoint:   \\[\"/bin/echo\", \"entry:\"\\]" out &&
	grep -x "Cmd:          \\[\"default-arg\"\\]" out &&
	grep -x "Runs:         \\[\"/bin/echo\", \"entry:\", \"default-arg\"\\]" out &&
	grep -x "Built:        2023-11-14T22:13:20Z by vessel $VERSION" out
'

test_expect_success 'the formats follow --payload-format' '
	build sqo latest --payload-format squashfs-only &&
	build tzo latest --payload-format tar.zst &&
	vsl_vessel inspect sqo >o1 && vsl_vessel inspect tzo >o2 &&
	grep -x "Formats:      squashfs" o1 && ! grep "^  tarzst " o1 &&
	grep -x "Formats:      tar.zst" o2 && ! grep "^  squashfs " o2
'

test_expect_success '--json: exactly the documented keys, the same values' '
	build app user &&
	vsl_vessel inspect --json app >j &&
	test "$(json_get j "join q{,}, sort keys %\$j")" = \
		"arch,args,built,cmd,entrypoint,env,file,format_version,formats,image,sections,size,stub,user,verified,vessel_version,workdir" &&
	test "$(json_get j "\$j->{arch}")" = "$VSL_OCI_ARCH" &&
	test "$(json_get j "\$j->{size}")" = "$(stat -c %s app)" &&
	test "$(json_get j "\$j->{image}{id}")" = \
		"$(vsl_vessel inspect app | sed -n "s/^Image ID: *//p")" &&
	test "$(json_get j "join q{ }, @{\$j->{formats}}")" = "squashfs tar.zst" &&
	test "$(json_get j "\$j->{user}{uid}.q{:}.\$j->{user}{gid}")" = 1000:1000 &&
	test "$(json_get j "\$j->{workdir}")" = /home/app &&
	test "$(json_get j "\$j->{entrypoint}")" = null &&
	test "$(json_get j "join q{ }, map { \$_->{kind} } @{\$j->{sections}}")" = \
		"config meta squashfs tarzst" &&
	test "$(json_get j "\$j->{sections}[3]{offset}")" = "$(vsl_section app 4 | cut -d" " -f1)" &&
	test "$(json_get j "\$j->{verified}")" = null
'

test_expect_success '--verify on an intact file: every section ok, exit 0' '
	build app latest &&
	vsl_vessel inspect --verify app >out 2>err &&
	test ! -s err &&
	test "$(grep -cE "^  (config|meta|squashfs|tarzst) .*  ok\$" out)" = 4 &&
	vsl_vessel inspect --verify --json app >j &&
	test "$(json_get j "\$j->{verified} ? 1 : 0")" = 1
'

test_expect_success 'a corrupt tar.zst: plain inspect works, --verify says which, exit 1, one line' '
	build app latest &&
	vsl_flip_byte app "$(section_mid app 4)" &&
	vsl_vessel inspect app >/dev/null &&
	test_expect_code 1 vsl_vessel inspect --verify app >out 2>err &&
	grep -E "^  tarzst .*  CORRUPT\$" out &&
	test "$(grep -cE "^  (config|meta|squashfs) .*  ok\$" out)" = 3 &&
	test "$(wc -l <err)" = 1 && grep "1 of 4 sections do not match their sha256" err &&
	test_expect_code 1 vsl_vessel inspect --verify --json app >j 2>/dev/null &&
	test "$(json_get j "\$j->{verified} ? 1 : 0")" = 0 &&
	test "$(json_get j "\$j->{sections}[3]{verified} ? 1 : 0")" = 0 &&
	test "$(json_get j "\$j->{sections}[2]{verified} ? 1 : 0")" = 1
'

test_expect_success 'a corrupt meta section: exit 1 with one line; --verify still reports' '
	build app latest &&
	vsl_flip_byte app "$(section_mid app 2)" &&
	test_expect_code 1 vsl_vessel inspect app >out 2>err &&
	test "$(wc -l <err)" = 1 && grep "meta section does not match its sha256" err &&
	test_expect_code 1 vsl_vessel inspect --verify app >out 2>err &&
	grep -E "^  meta .*  CORRUPT\$" out && grep "^Image: .*missing or corrupt" out &&
	grep -x "Workdir:      /" out && test "$(wc -l <err)" = 1
'

test_expect_success 'truncated, not a vessel file, missing: one line each, exit 1' '
	build app latest &&
	head -c -100 app >trunc &&
	test_expect_code 1 vsl_vessel inspect trunc 2>err1 &&
	test "$(wc -l <err1)" = 1 && grep "^vessel: trunc: .*truncated" err1 &&
	cp "$VSL_VESSEL" notours &&
	test_expect_code 1 vsl_vessel inspect notours 2>err2 &&
	test "$(wc -l <err2)" = 1 && grep "not a vessel file" err2 &&
	printf tiny >tiny &&
	test_expect_code 1 vsl_vessel inspect tiny 2>err3 &&
	test "$(wc -l <err3)" = 1 && grep "too small" err3 &&
	test_expect_code 1 vsl_vessel inspect nosuchfile 2>err4 &&
	test "$(wc -l <err4)" = 1 && grep "nosuchfile: No such file" err4
'

test_expect_success 'usage errors: exit 2 with one line that points at the help' '
	test_expect_code 2 vsl_vessel inspect 2>e1 && grep "needs one FILE" e1 &&
	test_expect_code 2 vsl_vessel inspect a b 2>e2 && grep "unexpected argument \"b\"" e2 &&
	test_expect_code 2 vsl_vessel inspect --bogus x 2>e3 &&
	grep "unknown option --bogus for inspect; see .vessel inspect --help." e3 &&
	test "$(cat e1 e2 e3 | wc -l)" = 3 &&
	vsl_vessel inspect --help >h && grep "^Usage: vessel inspect" h && grep "^Examples:" h
'

test_done
