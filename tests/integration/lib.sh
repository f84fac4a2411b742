# SPDX-License-Identifier: Apache-2.0
# The integration tests' harness, in the manner of git's t/test-lib.sh. A test file is
#
#	#!/bin/sh
#	test_description='what this file checks'
#	. "$(dirname "$0")/lib.sh"
#	test_expect_success 'name' '
#		app=$(vsl_app latest) &&
#		vsl_run "$app" >out &&
#		grep hello out
#	'
#	test_done
#
# and is run as `VSL_ARCH=aarch64 sh tests/integration/tNNNN-x.sh` (prove does this per arch).
# It prints TAP. Sourcing this file in a fresh process makes it a *driver*: it prepares the
# fixtures, then runs the same script twice, once as root and once as the unprivileged user
# `vesseltest` (made with useradd when missing, and given subordinate ids: see vsl__subids),
# each "pass" with its own HOME, cache and tmp
# dirs under one per-test temp dir, and merges both passes into one TAP stream, naming each
# test "[ARCH/root]" or "[ARCH/user]". Run by a non-root user, there is only the user pass.
# Where libcrun can run (natively), each pass runs once per launcher: "crun" (VESSEL_RUNTIME=crun,
# so a run that cannot use libcrun fails instead of falling back) and "direct"
# (VESSEL_RUNTIME_DISABLE_CRUN=1), named "[ARCH/root/crun]", "[ARCH/root/direct]" and so on; the
# apps a pass builds are shared by its launchers. Under qemu the stub picks the direct runner
# itself, and there is one pass per user as before. Tests that run no container
# (VSL_FIXTURES=none) have no launcher dimension either.
#
# Inside a pass, test bodies run in a subshell (variables and cd do not leak between tests)
# with the pass's work dir as cwd. Helpers for bodies:
#   vsl_app TAG          build (once per pass) the busybox fixture's TAG into an app, print path
#   vsl_run APP ARGS...  run an app of $VSL_ARCH: natively, or through
#                        `unshare -Urm qemu-<arch>-static` (qemu-user cannot make a user
#                        namespace itself, so a native parent makes one; `unshare -rm
#                        --map-auto` instead when the pass's user has a subordinate id range,
#                        so that the parent maps it with newuidmap as the stub would natively)
#   vsl_exec APP ARGS... the same, exec'ing (for `vsl_exec ... &` and signals to $!)
#   vsl_vessel ARGS...   the builder, always native
#   test_expect_code N CMD...   CMD must exit with N
#   test_cmp EXPECTED ACTUAL    diff -u
# Prerequisites (test_expect_success PREREQ,... 'name' 'body'; !X negates): root / user (the
# pass), NATIVE / QEMU, SKOPEO, and how many ids the container has: ALLIDS (real root, native:
# every uid exists) / IDRANGE (a subordinate id range is mapped: 0 -> the user, 1..65535 or more
# -> /etc/subuid's range, through newuidmap) / ONEID (only uid 0 is mapped: a user without a
# range, or root under `unshare -Urm` for qemu), CRUN / DIRECT (the launcher the pass forces;
# neither when the stub chooses).
# Variables: VSL_ARCH (x86_64|aarch64), VSL_OCI_ARCH (amd64|arm64), VSL_PASS (root|user),
# VSL_LAUNCHER (crun|direct, or empty when the stub chooses),
# VSL_FIXTURE_BUSYBOX (OCI layout dir), VSL_FIXTURE_ARCHIVES and VSL_FIXTURE_MULTIARCH (if the
# test asked for them by setting e.g. VSL_FIXTURES="busybox archives" before sourcing),
# VESSEL_CACHE_DIR, VESSEL_TMPDIR.
# Knobs: VSL_BUILD (default <repo>/build), VSL_VESSEL, VESSEL_STUB_DIR, VSL_RUNNER (a command
# prefix replacing the arch's runner), VSL_TEST_USER (default vesseltest), VSL_TEST_TMPDIR,
# VSL_TEST_KEEP=1 (keep the temp dir), VSL_TEST_VERBOSE=1 (show every body's output),
# VSL_TIMEOUT (seconds per vsl_run, default 60), VSL_TEST_PASSES ("root user" by default),
# VSL_TEST_LAUNCHERS ("crun direct" natively, "" under qemu or without fixtures; "" lets the
# stub choose).
#
# Arch facts come from arch/<arch>/arch.mk (ARCH_OCI_*, ARCH_QEMU_*), the only per-arch place.

vsl__repo=$(cd "$(dirname "$0")/../.." && pwd)
vsl__script=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
vsl__name=$(basename "$0" .sh)
: "${VSL_BUILD:=$vsl__repo/build}"
vsl__host_arch=$(uname -m)
: "${VSL_ARCH:=$vsl__host_arch}"
# Each pass gets its own HOME; the toolchain cache must stay the real one (tests that call make
# would otherwise rebuild the whole toolchain in a temp HOME).
: "${VESSEL_CACHE:=$HOME/.cache/vessel}"
export VESSEL_CACHE
: "${VSL_TEST_USER:=vesseltest}"
: "${VSL_TIMEOUT:=60}"
: "${VSL_VESSEL:=$VSL_BUILD/$vsl__host_arch/bin/vessel}"
: "${VESSEL_STUB_DIR:=$VSL_BUILD/stubs}"
export VSL_BUILD VSL_ARCH VSL_VESSEL VESSEL_STUB_DIR VSL_TIMEOUT

vsl__archvar() { # vsl__archvar NAME: ARCH_<NAME>_<arch> from arch/<arch>/arch.mk
	sed -n "s/^ARCH_$1_${VSL_ARCH}[[:space:]]*:=[[:space:]]*//p" \
		"$vsl__repo/arch/$VSL_ARCH/arch.mk" 2>/dev/null | head -n1
}

# --- TAP core (used by the driver and by the passes) ---------------------------------------
vsl__count=0
vsl__failed=0

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

vsl__bail() { # a failure before any test could run: one failing test, so prove shows it
	echo "not ok 1 - $vsl__name: $*"
	echo "1..1"
	exit 1
}

vsl__comment() { # vsl__comment FILE: its lines as TAP comments
	sed 's/^/#	/' "$1"
}

# --- driver: fixtures, users, two passes, one TAP stream -----------------------------------
vsl__user_ok() { # can the test user run this test? sets vsl__user_why when not
	vsl__user_why=
	if ! id -u "$VSL_TEST_USER" >/dev/null 2>&1; then
		# A parallel test may be adding the user at the same moment: check again on failure.
		if ! useradd --system --no-create-home --home-dir /nonexistent --shell /bin/sh \
			--user-group "$VSL_TEST_USER" >/dev/null 2>&1 &&
			! id -u "$VSL_TEST_USER" >/dev/null 2>&1; then
			vsl__user_why="cannot create user $VSL_TEST_USER (useradd failed)"
			return 1
		fi
	fi
	# shellcheck disable=SC2016 # expanded by the inner sh
	if ! setpriv --reuid="$VSL_TEST_USER" --regid="$VSL_TEST_USER" --init-groups \
		sh -c 'test -r "$1" && test -x "$2" && test -r "$3/index.json"' \
		sh "$vsl__script" "$VSL_VESSEL" "$VSL_FIXTURE_BUSYBOX" 2>/dev/null; then
		vsl__user_why="user $VSL_TEST_USER cannot read the test, $VSL_VESSEL or the fixtures (check the permissions of their directories)"
		return 1
	fi
	if ! setpriv --reuid="$VSL_TEST_USER" --regid="$VSL_TEST_USER" --init-groups \
		unshare -Ur true 2>/dev/null; then
		vsl__user_why="unprivileged user namespaces are disabled on this host (see sysctl user.max_user_namespaces, kernel.unprivileged_userns_clone, AppArmor)"
		return 1
	fi
	return 0
}

# vsl__subids: as root, give the test user VSL_SUBID_COUNT subordinate uids and gids from
# VSL_SUBID_START in /etc/subuid and /etc/subgid (usermod --add-subuids/--add-subgids), as
# useradd does for a regular user. The default 1000000000 lies above the ranges useradd hands
# out (SUB_UID_MAX in login.defs, 600100000 by default). Idempotent: a user who has a range
# keeps it, and a range that would overlap another user's is not added (the pass is ONEID then).
: "${VSL_SUBID_START:=1000000000}" "${VSL_SUBID_COUNT:=65536}"
vsl__subids() {
	command -v usermod >/dev/null 2>&1 || return 0
	_uid=$(id -u "$VSL_TEST_USER") || return 0
	(
		flock 9
		for _f in /etc/subuid /etc/subgid; do
			[ -e "$_f" ] || : >"$_f"
			grep -q -e "^$VSL_TEST_USER:" -e "^$_uid:" "$_f" && continue
			if awk -F: -v a="$VSL_SUBID_START" -v n="$VSL_SUBID_COUNT" \
				'NF == 3 && $2 < a + n && $2 + $3 > a { hit = 1 } END { exit !hit }' "$_f"; then
				echo "# $_f: $VSL_SUBID_START+$VSL_SUBID_COUNT overlaps a range there; $VSL_TEST_USER gets none"
				continue
			fi
			_opt=--add-subuids
			[ "$_f" = /etc/subgid ] && _opt=--add-subgids
			usermod "$_opt" "$VSL_SUBID_START-$((VSL_SUBID_START + VSL_SUBID_COUNT - 1))" \
				"$VSL_TEST_USER" >/dev/null 2>&1 || echo "# usermod $_opt $VSL_TEST_USER failed"
		done
	) 9>/tmp/vessel-subid.lock
}

vsl__prepare_pass() { # vsl__prepare_pass PASS ID: make the dirs of run ID of PASS, print the dir
	_d=$vsl__tmp/$2
	mkdir -p "$_d/home" "$_d/xdg-cache" "$_d/cache" "$_d/tmp" "$_d/work" "$_d/run" \
		"$vsl__tmp/apps-$1"
	chmod 0700 "$_d/run"
	[ "$1" = user ] && [ "$(id -u)" = 0 ] && chown -R "$VSL_TEST_USER:" "$_d" "$vsl__tmp/apps-$1"
	echo "$_d"
}

# vsl__run_pass PASS LAUNCHER OFFSET: run this script as PASS with LAUNCHER forced (empty: the
# stub chooses); its TAP goes out renumbered from OFFSET. Leaves the number of tests it saw in
# $vsl__tmp/ID.count, ID being PASS or PASS-LAUNCHER.
vsl__run_pass() {
	_pass=$1 _launcher=$2 _off=$3
	_id=$_pass${_launcher:+-$_launcher}
	_dir=$(vsl__prepare_pass "$_pass" "$_id")
	_user=$(id -un)
	[ "$_pass" = user ] && [ "$(id -u)" = 0 ] && _user=$VSL_TEST_USER
	case $_launcher in
	crun) _knob=VESSEL_RUNTIME=crun ;;
	direct) _knob=VESSEL_RUNTIME_DISABLE_CRUN=1 ;;
	*) _knob=VSL_LAUNCHER= ;;
	esac
	set -- env USER="$_user" LOGNAME="$_user" HOME="$_dir/home" \
		XDG_CACHE_HOME="$_dir/xdg-cache" XDG_RUNTIME_DIR="$_dir/run" \
		VESSEL_CACHE_DIR="$_dir/cache/vessel" VESSEL_TMPDIR="$_dir/tmp" TMPDIR="$_dir/tmp" \
		VSL_PASS="$_pass" VSL_PASS_DIR="$_dir" VSL_APPS_DIR="$vsl__tmp/apps-$_pass" \
		VSL_LAUNCHER="$_launcher" "$_knob" VSL_OCI_ARCH="$VSL_OCI_ARCH" \
		VSL_QEMU="$VSL_QEMU" VSL_FIXTURE_BUSYBOX="$VSL_FIXTURE_BUSYBOX" \
		VSL_FIXTURE_ARCHIVES="${VSL_FIXTURE_ARCHIVES:-}" \
		VSL_FIXTURE_MULTIARCH="${VSL_FIXTURE_MULTIARCH:-}" sh "$vsl__script"
	# Root runs the user pass through setpriv: real and effective ids of the test user, its
	# groups, no capabilities left (a uid change from 0 clears them).
	if [ "$_pass" = user ] && [ "$(id -u)" = 0 ]; then
		set -- setpriv --reuid="$VSL_TEST_USER" --regid="$VSL_TEST_USER" --init-groups \
			"$@"
	fi
	{
		(cd "$_dir/work" && "$@" </dev/null 2>&1)
		echo $? >"$vsl__tmp/$_id.status"
	} | awk -v off="$_off" -v tag="[$VSL_ARCH/$_pass${_launcher:+/$_launcher}]" \
		-v cnt="$vsl__tmp/$_id.count" -v planf="$vsl__tmp/$_id.plan" '
		/^(not )?ok [0-9]+/ {
			i = ($1 == "ok") ? 2 : 3
			n = $i + 0
			head = (i == 2) ? "ok" : "not ok"
			rest = substr($0, length(head " " $i) + 1)
			if (rest ~ /^ - /)
				rest = " - " tag " " substr(rest, 4)
			else if (rest ~ /^ # [Ss][Kk][Ii][Pp] /)
				rest = " # skip " tag " " substr(rest, 9)
			else if (rest !~ /^ #/)
				rest = " - " tag rest
			print head " " (n + off) rest
			if (n > seen) seen = n
			fflush()
			next
		}
		/^1\.\.[0-9]+/ { print > planf; next }
		{ print; fflush() }
		END { print seen + 0 > cnt }'
}

# vsl__pass_done PASS LAUNCHER: run one pass and account for it in _total, _fail, _skipwhy.
vsl__pass_done() {
	_tag=$1${2:+/$2}
	_id=$1${2:+-$2}
	vsl__run_pass "$1" "$2" "$_total"
	_n=$(cat "$vsl__tmp/$_id.count")
	_st=$(cat "$vsl__tmp/$_id.status")
	_plan=$(cat "$vsl__tmp/$_id.plan" 2>/dev/null)
	_total=$((_total + _n))
	case $_plan in
	"1..0 # SKIP"*) _skipwhy=${_plan#1..0 # SKIP }; echo "# $_tag pass skipped: $_skipwhy" ;;
	"1..$_n") [ "$_st" = 0 ] || _fail=1 ;;
	*)
		_total=$((_total + 1))
		_fail=1
		echo "not ok $_total - [$VSL_ARCH/$_tag] $vsl__name exited with status $_st before test_done (plan: '${_plan:-none}', tests seen: $_n)"
		;;
	esac
}

vsl__driver() {
	[ -f "$vsl__repo/arch/$VSL_ARCH/arch.mk" ] || vsl__bail "unknown VSL_ARCH=$VSL_ARCH (no arch/$VSL_ARCH/arch.mk)"
	VSL_OCI_ARCH=$(vsl__archvar OCI)
	VSL_QEMU=
	if [ "$VSL_ARCH" != "$vsl__host_arch" ] && [ -z "${VSL_RUNNER:-}" ]; then
		VSL_QEMU=$(vsl__archvar QEMU)
		command -v "$VSL_QEMU" >/dev/null 2>&1 ||
			skip_all "$VSL_QEMU not installed, cannot run $VSL_ARCH binaries (apt-get install qemu-user-static)"
		command -v unshare >/dev/null 2>&1 || skip_all "unshare (util-linux) not installed"
	fi
	[ -x "$VSL_VESSEL" ] || skip_all "vessel is not built: $VSL_VESSEL (run make, or set VSL_BUILD / VSL_VESSEL)"
	# VSL_FIXTURES=none: a test of the build itself (toolchain), no image needed.
	[ "${VSL_FIXTURES:-}" = none ] && VSL_FIXTURES=" " VSL_FIXTURE_BUSYBOX=none
	# Containers under qemu-user: qemu hands the container's execve to the kernel, which needs
	# qemu's binfmt_misc entry, with flag F so it works inside namespaces and the new root.
	if [ -n "$VSL_QEMU" ] && [ "${VSL_FIXTURE_BUSYBOX:-}" != none ]; then
		_bf=/proc/sys/fs/binfmt_misc/${VSL_QEMU%-static}
		if ! grep -qx enabled "$_bf" 2>/dev/null || ! grep -q '^flags:.*F' "$_bf"; then
			skip_all "the kernel cannot exec $VSL_ARCH binaries: no enabled binfmt_misc entry $_bf with flag F (install qemu-user-static and binfmt-support, then: update-binfmts --enable ${VSL_QEMU%-static})"
		fi
	fi
	for _f in ${VSL_FIXTURES:-busybox}; do
		_log=${TMPDIR:-/tmp}/vsl-fixture-$$.log
		_st=0
		_p=$("$vsl__repo/tests/fixtures/fixture.sh" "$_f" "$VSL_OCI_ARCH" 2>"$_log") || _st=$?
		_msg=$(cat "$_log")
		rm -f "$_log"
		[ "$_st" = 2 ] && skip_all "fixture $_f: $_msg"
		[ "$_st" = 0 ] || vsl__bail "fixture $_f for $VSL_OCI_ARCH failed: $_msg"
		case $_f in
		busybox) VSL_FIXTURE_BUSYBOX=$_p ;;
		archives) VSL_FIXTURE_ARCHIVES=$_p ;;
		multiarch) VSL_FIXTURE_MULTIARCH=$_p ;;
		esac
	done
	: "${VSL_FIXTURE_BUSYBOX:=$("$vsl__repo/tests/fixtures/fixture.sh" busybox "$VSL_OCI_ARCH")}"
	export VSL_OCI_ARCH VSL_QEMU VSL_FIXTURE_BUSYBOX VSL_FIXTURE_ARCHIVES VSL_FIXTURE_MULTIARCH

	vsl__tmp=$(mktemp -d "${VSL_TEST_TMPDIR:-${TMPDIR:-/tmp}}/vsl-$vsl__name-$VSL_ARCH.XXXXXX") ||
		vsl__bail "cannot make a temp dir"
	chmod 0755 "$vsl__tmp"
	_runner=${VSL_RUNNER:-${VSL_QEMU:+unshare -Urm $VSL_QEMU}}
	echo "# $vsl__name: ${test_description:-}"
	echo "# arch $VSL_ARCH ($VSL_OCI_ARCH), runner: ${_runner:-native}, temp dir $vsl__tmp"

	# The launcher dimension: both launchers where libcrun can run (natively), else the stub's
	# own choice (one pass).
	if [ -z "${VSL_TEST_LAUNCHERS+set}" ]; then
		VSL_TEST_LAUNCHERS=
		[ -z "$VSL_QEMU" ] && [ "${VSL_FIXTURE_BUSYBOX:-}" != none ] &&
			VSL_TEST_LAUNCHERS="crun direct"
	fi
	[ -n "$VSL_TEST_LAUNCHERS" ] && echo "# launchers: $VSL_TEST_LAUNCHERS"
	_total=0 _fail=0 _skipwhy=
	for _pass in ${VSL_TEST_PASSES:-root user}; do
		if [ "$_pass" = root ] && [ "$(id -u)" != 0 ]; then
			echo "# root pass skipped: not running as root"
			continue
		fi
		if [ "$_pass" = user ] && [ "$(id -u)" = 0 ] && ! vsl__user_ok; then
			echo "# unprivileged pass skipped: $vsl__user_why"
			continue
		fi
		[ "$_pass" = user ] && [ "$(id -u)" = 0 ] && vsl__subids
		for _launcher in ${VSL_TEST_LAUNCHERS:-""}; do
			vsl__pass_done "$_pass" "$_launcher"
		done
	done
	if [ "$_total" = 0 ]; then
		echo "1..0 # SKIP ${_skipwhy:-no pass could run}"
	else
		echo "1..$_total"
	fi
	if [ "$_fail" = 0 ] && [ -z "${VSL_TEST_KEEP:-}" ]; then
		# Run by a user with a subid range, the extract caches hold files of its subordinate
		# ids, which only a namespace that maps them can remove.
		rm -rf "$vsl__tmp" 2>/dev/null || unshare -rm --map-auto rm -rf "$vsl__tmp"
	else
		echo "# kept $vsl__tmp"
	fi
	exit "$_fail"
}

if [ -z "${VSL_PASS:-}" ]; then
	vsl__driver
fi

# --- inside a pass -------------------------------------------------------------------------
vsl__prereqs=" $VSL_PASS "
[ -n "${VSL_QEMU:-}" ] && vsl__prereqs="$vsl__prereqs QEMU " || vsl__prereqs="$vsl__prereqs NATIVE "
command -v skopeo >/dev/null 2>&1 && vsl__prereqs="$vsl__prereqs SKOPEO "
# VSL_QUICK=1 skips the slow checks that rebuild the toolchain (for quick local runs; CI and
# `make test` run them).
[ -n "${VSL_QUICK:-}" ] && vsl__prereqs="$vsl__prereqs QUICK "
case ${VSL_LAUNCHER:-} in
crun) vsl__prereqs="$vsl__prereqs CRUN " ;;
direct) vsl__prereqs="$vsl__prereqs DIRECT " ;;
esac
# ALLIDS: the container can use every uid (real root, run natively). IDRANGE: a subordinate
# id range is mapped, by the stub (natively: newuidmap, when /etc/subuid and /etc/subgid give
# this user a range) or by `unshare -rm --map-auto` around qemu. Otherwise only uid 0 is
# mapped: ONEID. vsl__unshare is the native parent for qemu.
vsl__unshare="unshare -Urm"
vsl__has_range() {
	command -v newuidmap >/dev/null 2>&1 && command -v newgidmap >/dev/null 2>&1 &&
		grep -qs -e "^$(id -un):" -e "^$(id -u):" /etc/subuid &&
		grep -qs -e "^$(id -un):" -e "^$(id -u):" /etc/subgid
}
if [ "$VSL_PASS" = root ] && [ -z "${VSL_QEMU:-}" ] && [ -z "${VSL_RUNNER:-}" ]; then
	vsl__prereqs="$vsl__prereqs ALLIDS "
elif [ -n "${VSL_RUNNER:-}" ]; then
	vsl__prereqs="$vsl__prereqs ONEID "
elif [ -n "${VSL_QEMU:-}" ] && unshare -rm --map-auto true 2>/dev/null; then
	vsl__unshare="unshare -rm --map-auto"
	vsl__prereqs="$vsl__prereqs IDRANGE "
elif [ -z "${VSL_QEMU:-}" ] && vsl__has_range; then
	vsl__prereqs="$vsl__prereqs IDRANGE "
else
	vsl__prereqs="$vsl__prereqs ONEID "
fi

test_set_prereq() { vsl__prereqs="$vsl__prereqs $1 "; }
test_have_prereq() { # all of a comma-separated list; !X negates
	for _p in $(echo "$1" | tr , ' '); do
		case $_p in
		!*) case $vsl__prereqs in *" ${_p#!} "*) return 1 ;; esac ;;
		*) case $vsl__prereqs in *" $_p "*) ;; *) return 1 ;; esac ;;
		esac
	done
	return 0
}

vsl__ok() { echo "ok $vsl__count - $*"; }

# test_expect_success [PREREQS] 'name' 'body'
test_expect_success() {
	_pre=
	[ $# = 3 ] && { _pre=$1; shift; }
	vsl__count=$((vsl__count + 1))
	if [ -n "$_pre" ] && ! test_have_prereq "$_pre"; then
		echo "ok $vsl__count # skip $1 (missing $_pre)"
		return 0
	fi
	_out=$VSL_PASS_DIR/body.out
	(cd "$VSL_PASS_DIR/work" && eval "$2") >"$_out" 2>&1 </dev/null
	_st=$?
	if [ $_st = 0 ]; then
		vsl__ok "$1"
		[ -n "${VSL_TEST_VERBOSE:-}" ] && vsl__comment "$_out"
	else
		vsl__failed=$((vsl__failed + 1))
		echo "not ok $vsl__count - $1"
		# The details go to stderr too: prove shows stderr but hides a test's stdout comments,
		# and a CI log must say why a test failed.
		{
			echo "#	--- $vsl__name [$VSL_ARCH/$VSL_PASS] $1: body (exit $_st):"
			echo "$2" | sed 's/^/#	/'
			echo "#	--- output:"
			vsl__comment "$_out"
		} | tee /dev/stderr
	fi
	return 0
}

test_skip() { # test_skip 'name' 'why'
	vsl__count=$((vsl__count + 1))
	echo "ok $vsl__count # skip $1: $2"
}

test_done() {
	echo "1..$vsl__count"
	[ "$vsl__failed" = 0 ]
	exit $?
}

# --- helpers for test bodies ---------------------------------------------------------------
test_expect_code() { # test_expect_code N CMD...
	_want=$1
	shift
	"$@"
	_got=$?
	[ "$_got" = "$_want" ] && return 0
	echo "test_expect_code: wanted exit $_want, got $_got from: $*" >&2
	return 1
}

test_cmp() { diff -u "$@"; }

vsl_vessel() { "$VSL_VESSEL" "$@"; }

# vsl_run APP ARGS...: run an app (or any binary) of $VSL_ARCH, with a time limit.
vsl_run() { (vsl_exec "$@"); }

# vsl_exec APP ARGS...: the same, replacing the shell, so `vsl_exec ... &` gives in $! a pid
# that passes signals on. --foreground: timeout then signals only the app, never its process
# group, so a test of the app's own signal forwarding is not fooled.
vsl_exec() {
	if [ -n "${VSL_RUNNER:-}" ]; then
		# shellcheck disable=SC2086 # VSL_RUNNER is a command prefix
		exec timeout --foreground -k 5 "$VSL_TIMEOUT" $VSL_RUNNER "$@"
	elif [ -n "$VSL_QEMU" ]; then
		# shellcheck disable=SC2086 # a command with options
		exec timeout --foreground -k 5 "$VSL_TIMEOUT" $vsl__unshare "$VSL_QEMU" "$@"
	else
		exec timeout --foreground -k 5 "$VSL_TIMEOUT" "$@"
	fi
}

# vsl_app TAG [BUILD-ARGS...]: path of the app built from the busybox fixture's TAG for
# $VSL_ARCH, built once per pass (extra build args make a separately cached app).
vsl_app() {
	_tag=${1:-latest}
	[ $# -gt 0 ] && shift
	_key=$_tag
	[ $# -gt 0 ] && _key=$_tag-$(echo "$*" | cksum | cut -d' ' -f1)
	_app=${VSL_APPS_DIR:-$VSL_PASS_DIR/apps}/$_key
	if [ ! -x "$_app" ]; then
		vsl_build_app "oci:$VSL_FIXTURE_BUSYBOX:$_tag" "$_app" "$@" || return 1
	fi
	echo "$_app"
}

# vsl_build_app IMAGE-REF OUTPUT [BUILD-ARGS...]: vessel build for $VSL_OCI_ARCH, tar.zst; its
# log is kept in OUTPUT.log and shown on failure.
vsl_build_app() {
	_img=$1 _o=$2
	shift 2
	mkdir -p "$(dirname "$_o")"
	if ! "$VSL_VESSEL" build --image "$_img" --arch "$VSL_OCI_ARCH" --output "$_o" \
		--payload-format tar.zst "$@" >"$_o.log" 2>&1; then
		echo "vessel build --image $_img failed:" >&2
		cat "$_o.log" >&2
		return 1
	fi
}

# vsl_section FILE KIND: "OFFSET LENGTH" of the first section of KIND (1 config, 2 meta,
# 3 squashfs, 4 tarzst) read from the trailer (common/format.h), or nothing.
vsl_section() {
	_size=$(stat -c %s "$1")
	_t=$((_size - 512))
	_n=$(od -An -t u4 -j $((_t + 12)) -N 4 "$1" | tr -d ' ')
	_i=0
	while [ "$_i" -lt "${_n:-0}" ]; do
		_e=$((_t + 24 + _i * 56))
		if [ "$(od -An -t u4 -j "$_e" -N 4 "$1" | tr -d ' ')" = "$2" ]; then
			od -An -t u8 -j $((_e + 8)) -N 16 "$1" | awk '{print $1, $2}'
			return 0
		fi
		_i=$((_i + 1))
	done
}

# vsl_section_bytes FILE KIND: the section's bytes on stdout.
vsl_section_bytes() {
	# shellcheck disable=SC2046 # two numbers
	set -- "$1" $(vsl_section "$1" "$2")
	[ -n "${3:-}" ] || return 1
	tail -c +$(($2 + 1)) "$1" | head -c "$3"
}

# vsl_flip_byte FILE OFFSET: invert one byte in place.
vsl_flip_byte() {
	_b=$(od -An -t u1 -j "$2" -N 1 "$1" | tr -d ' ')
	# shellcheck disable=SC2059 # the format is the octal escape
	printf "$(printf '\\%03o' $((255 - _b)))" |
		dd of="$1" bs=1 seek="$2" count=1 conv=notrunc status=none
}

# vsl_cache_dirs: the extracted-image dirs in the pass's vessel cache (one per line).
vsl_cache_dirs() {
	find "$VESSEL_CACHE_DIR" -mindepth 1 -maxdepth 1 -type d 2>/dev/null
}

# vsl_wait_for FILE [SECONDS]: wait (default 30 s) until FILE exists; fail if it never does.
# For state a container reports through a volume: the wait is bounded, never a sync by sleep.
vsl_wait_for() {
	_n=$((${2:-30} * 10))
	while [ ! -e "$1" ] && [ "$_n" -gt 0 ]; do
		sleep 0.1
		_n=$((_n - 1))
	done
	[ -e "$1" ] || { echo "vsl_wait_for: $1 did not appear" >&2; return 1; }
}

# vsl_app_pid PID: the app's own pid, given the $! of `vsl_exec APP ... &` (that is timeout's,
# and timeout passes on only TERM, INT, HUP and QUIT; send other signals here).
vsl_app_pid() {
	_c=$(cat "/proc/$1/task/$1/children" 2>/dev/null)
	if [ -n "$_c" ]; then
		echo $_c
		return 0
	fi
	for _s in /proc/[0-9]*/stat; do
		# the fields after "comm)": state ppid ...
		_pp=$(sed 's/.*) [A-Za-z] \([0-9]*\) .*/\1/' "$_s" 2>/dev/null)
		if [ "$_pp" = "$1" ]; then
			_s=${_s%/stat}
			echo "${_s#/proc/}"
			return 0
		fi
	done
	echo "vsl_app_pid: no child of $1" >&2
	return 1
}

# vsl_runner_script FILE: write FILE, a script that runs its arguments as vsl_exec does (the
# arch's runner, no time limit), for tools that take a command line, such as script(1).
vsl_runner_script() {
	if [ -n "${VSL_RUNNER:-}" ]; then
		printf '#!/bin/sh\nexec %s "$@"\n' "$VSL_RUNNER" >"$1"
	elif [ -n "$VSL_QEMU" ]; then
		printf '#!/bin/sh\nexec %s %s "$@"\n' "$vsl__unshare" "$VSL_QEMU" >"$1"
	else
		printf '#!/bin/sh\nexec "$@"\n' >"$1"
	fi
	chmod +x "$1"
}

# vsl_no_leftovers: no run dir left in $VESSEL_TMPDIR and no mount of the pass's dirs in our
# mount namespace (the app's own mounts live and die in its namespace).
vsl_no_leftovers() {
	_left=$(find "$VESSEL_TMPDIR" -mindepth 1 -maxdepth 1 -name 'vessel-run.*' 2>/dev/null)
	[ -z "$_left" ] || { echo "left behind: $_left" >&2; return 1; }
	! grep -F " $VSL_PASS_DIR/" /proc/self/mountinfo >&2
}

cd "$VSL_PASS_DIR/work" || exit 1
