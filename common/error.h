/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Errors as values (crun's rule). A function that can fail returns <0 or NULL and fills
 * *err exactly once with errno and a message that names the path or value involved. The
 * caller propagates it, wraps it with more context (vsl_error_wrap), or releases it. Nobody
 * both prints and returns. Only main() and a child before exec may call vsl_die().
 */
#ifndef VSL_ERROR_H
#define VSL_ERROR_H

#include <stdarg.h>

/* Exit codes shared by vessel and the runtime stub, as docker uses them. */
enum {
	VSL_EXIT_VESSEL = 125,      /* vessel itself failed (bad option, bad file, setup) */
	VSL_EXIT_NOEXEC = 126,      /* the container command exists but cannot be executed */
	VSL_EXIT_NOTFOUND = 127,    /* the container command was not found */
};

struct vsl_error {
	int errnum;   /* errno at the failure, 0 if not a system error */
	char *msg;    /* heap string, already contains strerror(errnum) when errnum != 0 */
};

/* Fill *err (if err and *err empty) and return -1. "fmt: strerror(errnum)" when errnum != 0. */
int vsl_error_set(struct vsl_error *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vsl_error_setv(struct vsl_error *err, int errnum, const char *fmt, va_list ap);
/* Prefix an existing error with more context: "ctx: old". Returns -1. */
int vsl_error_wrap(struct vsl_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void vsl_error_release(struct vsl_error *err);
/* Print "prog: msg" to stderr and exit(code). For main() and pre-exec children only. */
void vsl_die(int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
/* Print err as "prog: msg", release it, exit(code). */
void vsl_die_err(int code, struct vsl_error *err) __attribute__((noreturn));

#endif
