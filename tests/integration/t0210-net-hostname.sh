#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='--net host|none and --hostname'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# The interface names in a /proc/net/dev, one per line.
ifaces() { sed -n 's/^ *\([^ :]*\):.*/\1/p' "$@"; }

test_expect_success '--net none: only a loopback interface, and it is up' '
	vsl_run "$(vsl_app latest)" --net none sh -c "cat /proc/net/dev; ifconfig lo >&2" \
		>out 2>lo &&
	ifaces out >names &&
	echo lo >expect &&
	test_cmp expect names &&
	grep -E "^ +UP LOOPBACK RUNNING" lo
'

test_expect_success '--net none: the loopback works (a server and a client inside)' '
	vsl_run "$(vsl_app latest)" --net none sh -c "
		mkdir /tmp/www && echo served >/tmp/www/index.html &&
		httpd -p 127.0.0.1:8080 -h /tmp/www &&
		wget -q -O - http://127.0.0.1:8080/" >out &&
	echo served >expect &&
	test_cmp expect out
'

test_expect_success 'the default network is the host'"'"'s: same interfaces' '
	ifaces /proc/net/dev | sort >expect &&
	vsl_run "$(vsl_app latest)" cat /proc/net/dev >out &&
	ifaces out | sort >got &&
	test_cmp expect got &&
	vsl_run "$(vsl_app latest)" --net host cat /proc/net/dev >out &&
	ifaces out | sort >got &&
	test_cmp expect got
'

# A server in one container on the host's network: a second container reaches it with the
# default network and cannot with --net none.
test_expect_success '--net none cannot reach the host'"'"'s 127.0.0.1, the default can' '
	app=$(vsl_app latest) &&
	rm -rf www sync && mkdir www sync && echo from-server >www/index.html &&
	port=$(perl -MIO::Socket::INET -e "print IO::Socket::INET->new(Listen => 1, LocalAddr => q(127.0.0.1))->sockport") &&
	{ vsl_exec "$app" -v "$PWD/www:/www" -v "$PWD/sync:/sync" sh -c \
		"httpd -p 127.0.0.1:$port -h /www && touch /sync/up && exec sleep 120" & } &&
	pid=$! &&
	vsl_wait_for sync/up &&
	vsl_run "$app" wget -q -O - "http://127.0.0.1:$port/" >out &&
	# (not -q -T: busybox 1.35 wget dies of SIGSEGV with both on a refused connection)
	test_expect_code 1 vsl_run "$app" --net none wget -O - "http://127.0.0.1:$port/" \
		>none 2>err &&
	grep "Connection refused" err &&
	kill -TERM $pid &&
	test_expect_code 143 wait $pid &&
	echo from-server >expect &&
	test_cmp expect out &&
	test ! -s none
'

test_expect_success '--hostname sets the name inside, not on the host' '
	before=$(hostname) &&
	vsl_run "$(vsl_app latest)" --hostname box-1.example sh -c \
		"hostname; cat /proc/sys/kernel/hostname" >out &&
	printf "%s\n" box-1.example box-1.example >expect &&
	test_cmp expect out &&
	test "$(hostname)" = "$before"
'

test_expect_success 'without --hostname the container has the host'"'"'s name' '
	hostname >expect &&
	vsl_run "$(vsl_app latest)" hostname >out &&
	test_cmp expect out
'

test_expect_success '--net none and --hostname together, with --read-only' '
	vsl_run "$(vsl_app latest)" --read-only --net none --hostname sandbox \
		sh -c "hostname; cat /proc/net/dev" >out &&
	sed -n 1p out >name &&
	echo sandbox >expect &&
	test_cmp expect name &&
	ifaces out >names &&
	echo lo >expect &&
	test_cmp expect names
'

test_done
