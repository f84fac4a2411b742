#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
test_description='a server in the container answers on the host'"'"'s 127.0.0.1 and stops on SIGTERM'
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# The client is on the host (perl, which the test tools need anyway), the server is busybox
# httpd in the foreground (-f) as the container's command. httpd has no SIGTERM handler, so the
# forwarded SIGTERM kills it and the app exits 143 (128+15), as `docker run` reports it.

# http_get PORT PATH: the body of a GET from 127.0.0.1:PORT, or fail.
http_get() {
	perl -MIO::Socket::INET -e '
		my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $ARGV[0],
			Timeout => 5) or exit 1;
		print $s "GET $ARGV[1] HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
		local $/; my $r = <$s>; defined $r or exit 1;
		my ($head, $body) = split /\r\n\r\n/, $r, 2;
		$head =~ m{^HTTP/1\.[01] 200 } or exit 2;
		print $body;' "$1" "$2"
}

test_expect_success 'httpd in the container serves the host, then SIGTERM stops it: 143' '
	app=$(vsl_app latest) &&
	rm -rf www && mkdir www && echo "hello from the container" >www/index.html &&
	echo second >www/two.txt &&
	port=$(perl -MIO::Socket::INET -e "print IO::Socket::INET->new(Listen => 1, LocalAddr => q(127.0.0.1))->sockport") &&
	{ vsl_exec "$app" -v "$PWD/www:/www:ro" httpd -f -p "127.0.0.1:$port" -h /www & } &&
	pid=$! &&
	i=0 &&
	until http_get "$port" / >got 2>/dev/null || [ $i -ge 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done &&
	test_cmp www/index.html got &&
	http_get "$port" /two.txt >got2 &&
	test_cmp www/two.txt got2 &&
	kill -TERM $pid &&
	test_expect_code 143 wait $pid &&
	! http_get "$port" / 2>/dev/null &&
	vsl_no_leftovers
'

test_expect_success 'the server as an unprivileged image user, stopped by SIGINT: 130' '
	app=$(vsl_app latest) &&
	rm -rf www && mkdir www && echo "as nobody" >www/index.html && chmod -R a+rX www &&
	port=$(perl -MIO::Socket::INET -e "print IO::Socket::INET->new(Listen => 1, LocalAddr => q(127.0.0.1))->sockport") &&
	{ vsl_exec "$app" -u nobody -v "$PWD/www:/www:ro" httpd -f -p "127.0.0.1:$port" -h /www \
		2>err & } &&
	pid=$! &&
	i=0 &&
	until http_get "$port" / >got 2>/dev/null || [ $i -ge 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done &&
	test_cmp www/index.html got &&
	kill -INT $pid &&
	test_expect_code 130 wait $pid &&
	vsl_no_leftovers
'

test_done
