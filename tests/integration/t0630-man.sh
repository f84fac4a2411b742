#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='the man pages format without a warning and document every option of the help texts; make install puts vessel, its libexec and the pages where they work together'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

command -v groff >/dev/null 2>&1 || skip_all "groff is not installed (apt-get install groff)"
MAN=$vsl__repo/docs/man
PAGES="vessel.1 vessel-build.1 vessel-inspect.1 vessel-extract.1 vessel-runtime.7"
command -v man >/dev/null 2>&1 && test_set_prereq MAN
export LC_ALL=C.UTF-8 MANWIDTH=80

# render PAGE: plain text, without bold/underline and with lines too long to hyphenate.
render() {
	groff -man -Tutf8 -P-c -rLL=1000n "$1" 2>/dev/null | sed "s/.\x08//g"
}

# long_options FILE: the --long options a help text or a rendered page mentions, one a line.
long_options() {
	grep -oE -- "--[a-z][a-z-]+" "$1" | sort -u
}

test_expect_success 'every page formats with groff -man -ww, without a warning' '
	for p in $PAGES; do
		test -f "$MAN/$p" &&
			groff -man -Tutf8 -ww -z "$MAN/$p" 2>w-$p && test ! -s w-$p &&
			groff -man -Tutf8 "$MAN/$p" >r-$p 2>/dev/null && test -s r-$p || {
			cat w-$p
			exit 1
		}
	done
'

test_expect_success MAN 'man -l renders each page with its name and sections' '
	for p in $PAGES; do
		man -l "$MAN/$p" >m-$p 2>e-$p && test ! -s e-$p &&
			grep -q "^NAME" m-$p && grep -q "^SYNOPSIS" m-$p &&
			grep -q "^SEE ALSO" m-$p || exit 1
	done &&
	grep -q "^EXIT STATUS" m-vessel-runtime.7 && grep -q "^JSON OUTPUT" m-vessel-inspect.1
'

test_expect_success 'the pages carry the version in VERSION' '
	v=$(cat "$vsl__repo/VERSION") &&
	for p in $PAGES; do
		grep -q "^\\.TH .* \"vessel $v\" \"vessel manual\"\$" "$MAN/$p" || exit 1
	done
'

test_expect_success 'every option of each command'"'"'s --help is in its page' '
	for c in build inspect extract; do
		vsl_vessel $c --help >h-$c && long_options h-$c >o-$c &&
		man_txt=$(render "$MAN/vessel-$c.1") &&
		for o in $(cat o-$c); do
			printf "%s\\n" "$man_txt" | grep -q -- "$o" || { echo "$c: $o missing"; exit 1; }
		done || exit 1
	done &&
	vsl_vessel --help >h-top && long_options h-top >o-top &&
	render "$MAN/vessel.1" >top.txt &&
	for o in $(cat o-top); do grep -q -- "$o" top.txt || exit 1; done
'

test_expect_success 'vessel-runtime(7): the runtime options, exit codes and knobs' '
	render "$MAN/vessel-runtime.7" >rt.txt &&
	for o in -e, --env-file -v, -w, --entrypoint -u, --read-only --tmpfs "--net host|none" \
		--hostname -t, -i, --help --version; do
		grep -q -- "$o" rt.txt || { echo "missing $o"; exit 1; }
	done &&
	for k in VESSEL_DEBUG VESSEL_RUNTIME_DISABLE_CRUN VESSEL_PAYLOAD VESSEL_CACHE_DIR \
		VESSEL_TMPDIR VESSEL_SQUASHFUSE; do
		grep -q "^       $k" rt.txt || { echo "missing $k"; exit 1; }
	done &&
	for x in 125 126 127 128+N; do grep -q "^       $x" rt.txt || exit 1; done
'

# make install runs as root only: the toolchain cache that make looks at is root's.
test_expect_success root 'make install: DESTDIR/PREFIX layout, and the installed vessel works' '
	d=$PWD/dest &&
	make -s -C "$vsl__repo" BUILD="$VSL_BUILD" DESTDIR="$d" PREFIX=/opt/vsl install >inst.out 2>&1 &&
	test -x "$d/opt/vsl/bin/vessel" &&
	for a in amd64 arm64; do test -x "$d/opt/vsl/libexec/vessel/vessel-stub-$a" || exit 1; done &&
	test -x "$d/opt/vsl/libexec/vessel/mksquashfs" &&
	for p in $PAGES; do
		s=${p##*.} && test -f "$d/opt/vsl/share/man/man$s/$p" || exit 1
	done &&
	(unset VESSEL_STUB_DIR VESSEL_MKSQUASHFS &&
		"$d/opt/vsl/bin/vessel" build -i "oci:$VSL_FIXTURE_BUSYBOX:latest" -a "$VSL_OCI_ARCH" \
			-o inst-app) &&
	"$d/opt/vsl/bin/vessel" inspect --verify inst-app >/dev/null &&
	if test_have_prereq MAN; then
		MANPATH="$d/opt/vsl/share/man" man vessel-inspect >mi 2>/dev/null &&
			grep -q "vessel-inspect" mi
	fi &&
	make -s -C "$vsl__repo" BUILD="$VSL_BUILD" DESTDIR="$d" PREFIX=/opt/vsl uninstall &&
	test -z "$(find "$d" -type f)"
'

test_done
