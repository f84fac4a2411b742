/* SPDX-License-Identifier: Apache-2.0 */
/* Diagnostics: see log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

bool vsl_log_debug_on;
static bool debug_time; /* VESSEL_DEBUG=2: each line also says when, in ms since the start */
static struct timespec t0;
bool vsl_log_warn_on = true;
static const char *prog = "vessel";
static void (*hook)(void *ctx, bool before);
static void *hook_ctx;

void vsl_log_set_hook(void (*fn)(void *ctx, bool before), void *ctx)
{
	hook = fn;
	hook_ctx = ctx;
}

void vsl_log_init(const char *name)
{
	const char *d = getenv("VESSEL_DEBUG");

	if (name) {
		const char *slash = strrchr(name, '/');
		prog = slash ? slash + 1 : name;
	}
	vsl_log_debug_on = d && *d && strcmp(d, "0") != 0;
	debug_time = d && strcmp(d, "2") == 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
}

const char *vsl_log_prog(void)
{
	return prog;
}

static void vlog(const char *tag, const char *fmt, va_list ap)
{
	/* One fprintf per line keeps lines whole when several processes share stderr. */
	char buf[1024], when[32] = "";

	vsnprintf(buf, sizeof buf, fmt, ap);
	if (debug_time) {
		struct timespec t;

		clock_gettime(CLOCK_MONOTONIC, &t);
		snprintf(when, sizeof when, "[%8.3f ms] ",
			 (double)(t.tv_sec - t0.tv_sec) * 1e3 +
				 (double)(t.tv_nsec - t0.tv_nsec) / 1e6);
	}
	if (hook)
		hook(hook_ctx, true);
	fprintf(stderr, "%s: %s%s%s\n", prog, when, tag, buf);
	if (hook)
		hook(hook_ctx, false);
}

void vsl_log_debugf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("debug: ", fmt, ap);
	va_end(ap);
}

void vsl_warn(const char *fmt, ...)
{
	va_list ap;

	if (!vsl_log_warn_on)
		return;
	va_start(ap, fmt);
	vlog("warning: ", fmt, ap);
	va_end(ap);
}
