/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Emulator detection: see emulation.h. The probe makes two syscalls and reads one small file;
 * everything else is pure.
 */
#define _GNU_SOURCE
#include "emulation.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "cleanup.h"

/* A decimal count in [p, end), blanks around it allowed; -1 for anything else. */
static long parse_count(const char *p, const char *end)
{
	long n = 0;
	bool any = false;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	for (; p < end && *p >= '0' && *p <= '9'; p++, any = true)
		if ((n = n * 10 + (*p - '0')) > 1000000)
			return -1;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return any && p == end ? n : -1;
}

long vsl_emulation_status_threads(const char *buf, size_t len)
{
	static const char key[] = "Threads:";
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;

		if ((size_t)(eol - p) >= sizeof key - 1 && memcmp(p, key, sizeof key - 1) == 0)
			return parse_count(p + sizeof key - 1, eol);
		p = eol + 1;
	}
	return -1;
}

void vsl_emulation_probe(struct vsl_emulation_probe *p)
{
	cleanup_close int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	char buf[4096];
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf);
	int v = 0;

	p->subreaper_errno = prctl(PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0) < 0 ? errno : 0;
	p->threads = n > 0 ? vsl_emulation_status_threads(buf, (size_t)n) : -1;
}

bool vsl_emulation_judge(const struct vsl_emulation_probe *p, char *why, size_t why_size)
{
	bool subreaper = p->subreaper_errno != 0, threads = p->threads > 1;
	char a[96] = "", b[96] = "";

	if (subreaper)
		snprintf(a, sizeof a, "prctl(PR_GET_CHILD_SUBREAPER): %s",
			 strerror(p->subreaper_errno));
	if (threads)
		snprintf(b, sizeof b, "%ld threads in a single-threaded program", p->threads);
	if (why && why_size)
		snprintf(why, why_size, "%s%s%s", a, subreaper && threads ? ", " : "", b);
	return subreaper || threads;
}
