#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='a layer with a 1 GiB file is streamed: peak memory does not grow with it, and its zeros cost no disk'
# The layer is made by tests/tools/oci-craft.py bigtar (zeros with a marker every 256 MiB),
# streamed through zstd so it never exists uncompressed. Peak RSS comes from GNU time -v. A
# 256 MiB file gives the baseline (libzstd's workers have reached their full job size by then):
# the 1 GiB build may not need more than a few MiB beyond it. The tar.zst payload only:
# mksquashfs is a separate program with its own bounded caches, and reading 1 GiB through it
# costs half a minute per build (by hand, a default build of the 1 GiB image peaked at the same
# 107 MiB, set by libzstd's two workers).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

craft=$vsl__repo/tests/tools/oci-craft.py
command -v python3 >/dev/null 2>&1 && command -v zstd >/dev/null 2>&1 && test_set_prereq CRAFT
/usr/bin/time --version 2>&1 | grep -q GNU && test_set_prereq GNUTIME

# peak_kib LOG: "Maximum resident set size (kbytes)" from a GNU time -v log.
peak_kib() { sed -n 's/.*Maximum resident set size (kbytes): *//p' "$1"; }

for mib in 256 1024; do
	test_expect_success CRAFT,GNUTIME "build an image with a $mib MiB file" "
		python3 \"\$craft\" bigtar big$mib.tar.zst $mib &&
		python3 \"\$craft\" layout big$mib --arch \"\$VSL_OCI_ARCH\" \
			--base \"\$VSL_FIXTURE_BUSYBOX\" big$mib.tar.zst:prezstd &&
		/usr/bin/time -v -o time$mib \"\$VSL_VESSEL\" build --image oci:big$mib \
			--arch \"\$VSL_OCI_ARCH\" --payload-format tar.zst --output app$mib &&
		echo \"peak RSS for $mib MiB: \$(peak_kib time$mib) KiB\" &&
		test -n \"\$(peak_kib time$mib)\"
	"
done

test_expect_success CRAFT,GNUTIME 'peak memory does not grow with the file (1 GiB vs 256 MiB)' '
	small=$(peak_kib time256) big=$(peak_kib time1024) &&
	echo "256 MiB: $small KiB, 1 GiB: $big KiB" &&
	test "$big" -le $((small + 16384)) &&
	test "$big" -le 262144
'

test_expect_success CRAFT,GNUTIME 'the output is small; the file reads back whole and its zeros are holes on disk' '
	test "$(stat -c %s app1024)" -lt $((16 * 1024 * 1024)) &&
	VESSEL_PAYLOAD=extract vsl_run ./app1024 sh -c \
		"stat -c %s /srv/big; head -c 6 /srv/big; echo; dd if=/srv/big bs=1M skip=256 count=1 2>/dev/null | head -c 6; echo" >out &&
	printf "%s\n" 1073741824 vessel vessel >expect &&
	test_cmp expect out &&
	# With a subid range, du cannot enter what only subordinate ids may read (the
	# fixture'"'"'s 0700 /var/lib/svc, a few bytes); /srv/big is readable, and it is what counts.
	kb=$(du -sk "$VESSEL_CACHE_DIR" 2>/dev/null | cut -f1) &&
	echo "cache: $kb KiB" &&
	test "$kb" -lt 65536
'

test_expect_success 'nothing is left in TMPDIR' '
	! ls -A "$TMPDIR" | grep vessel
'

test_done
