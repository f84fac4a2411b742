/* SPDX-License-Identifier: Apache-2.0 */
/* Error values: see error.h for the rule. */
#define _GNU_SOURCE
#include "error.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int vsl_error_setv(struct vsl_error *err, int errnum, const char *fmt, va_list ap)
{
	char *m = NULL, *full = NULL;

	if (!err || err->msg)
		return -1;
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	if (m && errnum && asprintf(&full, "%s: %s", m, strerror(errnum)) >= 0) {
		free(m);
		m = full;
	}
	err->errnum = errnum;
	err->msg = m ? m : strdup("out of memory");
	return -1;
}

int vsl_error_set(struct vsl_error *err, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsl_error_setv(err, errnum, fmt, ap);
	va_end(ap);
	return -1;
}

int vsl_error_wrap(struct vsl_error *err, const char *fmt, ...)
{
	char *ctx = NULL, *full = NULL;
	va_list ap;

	if (!err || !err->msg)
		return -1;
	va_start(ap, fmt);
	if (vasprintf(&ctx, fmt, ap) < 0)
		ctx = NULL;
	va_end(ap);
	if (ctx && asprintf(&full, "%s: %s", ctx, err->msg) >= 0) {
		free(err->msg);
		err->msg = full;
	}
	free(ctx);
	return -1;
}

void vsl_error_release(struct vsl_error *err)
{
	if (!err)
		return;
	free(err->msg);
	err->msg = NULL;
	err->errnum = 0;
}

void vsl_die(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", vsl_log_prog());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

void vsl_die_err(int code, struct vsl_error *err)
{
	fprintf(stderr, "%s: %s\n", vsl_log_prog(), err && err->msg ? err->msg : "unknown error");
	vsl_error_release(err);
	exit(code);
}
