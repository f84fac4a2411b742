#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='progress on a terminal (one redrawn line per build stage), nothing but errors elsewhere, --quiet and --verbose, the help texts; the payload writers give the same bytes at once and one after the other'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

command -v script >/dev/null 2>&1 || skip_all "script (util-linux) is not installed"
export TZ=UTC LC_ALL=C SOURCE_DATE_EPOCH=1700000000
IMG="oci:$VSL_FIXTURE_BUSYBOX:latest"

# on_tty FILE CMD...: run CMD with a pseudo-terminal for stdin, stdout and stderr (script -qec);
# everything it wrote lands in FILE. The exit status is CMD's.
on_tty() {
	_f=$1
	shift
	_cmd=
	for _w in "$@"; do
		_cmd="$_cmd '$(printf '%s' "$_w" | sed "s/'/'\\\\''/g")'"
	done
	TERM=xterm script -qefc "$_cmd" /dev/null >"$_f" </dev/null
}

STAGES="fetch unpack squashfs tar.zst assemble"

test_expect_success 'not a terminal: a build, an inspect --verify, an extract print nothing' '
	vsl_vessel build -i "$IMG" -a "$VSL_OCI_ARCH" -o app >out 2>err &&
	test ! -s out && test ! -s err &&
	vsl_vessel inspect --verify app >/dev/null 2>err && test ! -s err &&
	vsl_vessel extract app root 2>err && test ! -s err
'

test_expect_success 'on a terminal: one line per stage, redrawn, each ending "done in"' '
	on_tty tty.raw "$VSL_VESSEL" build -i "$IMG" -a "$VSL_OCI_ARCH" -o app &&
	test -x app &&
	tr "\\r" "\\n" <tty.raw | sed "s/\\x1b\\[[0-9]*[AKJ]//g" >tty.txt &&
	for s in $STAGES; do
		grep -E "^$s +done in [0-9]+\\.[0-9] s" tty.txt >done-$s || exit 1
	done &&
	grep -E "^unpack +done in .*: 1 layer, [0-9]+ paths\$" tty.txt &&
	grep -E "^unpack +\\[[#-]{24}\\] +[0-9]+%  .* / " tty.txt &&
	grep -E "^tar\\.zst +\\[[#-]{24}\\] +[0-9]+%" tty.txt &&
	grep -E "^squashfs +\\[[#-]{24}\\] +[0-9]+%  .* / " tty.txt &&
	grep -E "^assemble +done in .*: app, [0-9.]+ [KM]B\$" tty.txt &&
	grep -q "$(printf "\\033\\\\[[0-9]A")" tty.raw &&
	test "$(grep -c "^fetch .*done in" tty.txt)" = 1
'

test_expect_success 'the stages start in order, each line cut to the terminal' '
	on_tty tty.raw "$VSL_VESSEL" build -i "$IMG" -a "$VSL_OCI_ARCH" -o app &&
	tr "\\r" "\\n" <tty.raw | sed "s/\\x1b\\[[0-9]*[AKJ]//g" | grep -v "^\$" |
		awk "{ print \$1 }" | awk "!seen[\$0]++" | tr "\\n" " " >order &&
	test "$(cat order)" = "fetch unpack squashfs tar.zst assemble " &&
	TERM=xterm script -qefc "stty cols 50 && \"$VSL_VESSEL\" build -i \"$IMG\" \
		-a $VSL_OCI_ARCH -o app50" /dev/null >n.raw </dev/null &&
	tr "\\r" "\\n" <n.raw | sed "s/\\x1b\\[[0-9]*[AKJ]//g" >n.txt &&
	grep -E "^unpack +\\[" n.txt &&
	awk "length(\$0) > 49 { print; bad = 1 } END { exit !!bad }" n.txt
'

test_expect_success 'on a terminal with --quiet: nothing at all' '
	on_tty q.raw "$VSL_VESSEL" build --quiet -i "$IMG" -a "$VSL_OCI_ARCH" -o qapp &&
	test -x qapp && test ! -s q.raw
'

test_expect_success 'a failing build on a terminal: the stage says stopped, the error comes last' '
	test_expect_code 1 on_tty f.raw "$VSL_VESSEL" build -i "oci:$PWD/nothere:latest" \
		-a "$VSL_OCI_ARCH" -o fapp &&
	tr "\\r" "\\n" <f.raw | sed "s/\\x1b\\[[0-9]*[AKJ]//g" | grep -v "^\$" >f.txt &&
	grep -E "^fetch +stopped after" f.txt &&
	tail -n1 f.txt | grep "^vessel: oci:.*nothere" && test ! -e fapp
'

test_expect_success '--verbose, not a terminal: a line per stage and decision, no escapes' '
	vsl_vessel build --verbose -i "$IMG" -a "$VSL_OCI_ARCH" -o vapp 2>v.err >v.out &&
	test ! -s v.out &&
	for s in $STAGES; do
		grep "^vessel: $s: started" v.err && grep "^vessel: $s: done in" v.err || exit 1
	done &&
	grep "^vessel: debug: applying layer 1/1 sha256:" v.err &&
	grep "^vessel: debug: payloads: " v.err &&
	! grep -q "$(printf "\\033")" v.err
'

test_expect_success 'verbose extract and inspect: their steps' '
	vsl_vessel build -i "$IMG" -a "$VSL_OCI_ARCH" -o app &&
	vsl_vessel extract -v app vroot 2>x.err &&
	grep "^vessel: extracting the tarzst section" x.err &&
	grep "^vessel: extract: done in" x.err &&
	vsl_vessel inspect -v --verify app >/dev/null 2>i.err &&
	test "$(grep -c "^vessel: section .*: sha256 ok" i.err)" = 4
'

test_expect_success 'one payload writer after the other: the same bytes, and so on a terminal' '
	vsl_vessel build -i "$IMG" -a "$VSL_OCI_ARCH" -o par 2>/dev/null &&
	VESSEL_PAYLOAD_JOBS=1 vsl_vessel build -v -i "$IMG" -a "$VSL_OCI_ARCH" -o ser 2>ser.err &&
	grep "payloads: one at a time" ser.err &&
	VESSEL_PAYLOAD_JOBS=2 vsl_vessel build -v -i "$IMG" -a "$VSL_OCI_ARCH" -o par2 2>par.err &&
	grep "payloads: squashfs and tar.zst at once" par.err &&
	on_tty /dev/null "$VSL_VESSEL" build -i "$IMG" -a "$VSL_OCI_ARCH" -o ttyapp &&
	cmp par ser && cmp par par2 && cmp par ttyapp &&
	test_expect_code 2 env VESSEL_PAYLOAD_JOBS=3 "$VSL_VESSEL" build -i "$IMG" -o x 2>e &&
	grep "VESSEL_PAYLOAD_JOBS=3" e
'

test_expect_success 'help texts: every command, with examples; unknown commands exit 2' '
	vsl_vessel --help >h0 && grep "^  inspect " h0 && grep "^  extract " h0 &&
	grep "^Examples:" h0 &&
	for c in build inspect extract; do
		vsl_vessel $c --help >h-$c && vsl_vessel help $c >hh-$c && cmp h-$c hh-$c &&
		grep "^Usage: vessel $c" h-$c && grep "^Examples:" h-$c && grep "^Exit status:" h-$c ||
			exit 1
	done &&
	grep -- "--quiet" h-build && grep -- "--verbose" h-build &&
	test_expect_code 2 vsl_vessel frobnicate 2>e && grep "unknown command" e
'

test_done
