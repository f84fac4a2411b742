/* SPDX-License-Identifier: Apache-2.0 */
/* Diagnostics: see log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool vsl_log_debug_on;
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
}

const char *vsl_log_prog(void)
{
	return prog;
}

static void vlog(const char *tag, const char *fmt, va_list ap)
{
	/* One fprintf per line keeps lines whole when several processes share stderr. */
	char buf[1024];

	vsnprintf(buf, sizeof buf, fmt, ap);
	if (hook)
		hook(hook_ctx, true);
	fprintf(stderr, "%s: %s%s\n", prog, tag, buf);
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
