/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A tiny TAP producer for vessel's C unit tests, in the spirit of git's and crun's early
 * harnesses: one header, stdio only, so the same test binary runs natively, under qemu and
 * with the musl cross toolchains. `prove` reads its output.
 *
 *   plan(n);                      "1..n" up front (or let done_testing() print it at the end)
 *   ok(cond, fmt, ...);           every check takes a printf-style description
 *   is_int(got, want, fmt, ...);  int64_t comparison, shows both on failure
 *   is_u64(got, want, fmt, ...);  the same for uint64_t
 *   is_str(got, want, fmt, ...);  strcmp; NULL equals only NULL
 *   is_mem(got, want, len, fmt, ...);
 *   skip(n, why);  diag(fmt, ...);  note(fmt, ...);  bail_out(fmt, ...);
 *   return done_testing();        0 only if nothing failed and the plan was met
 *
 * A failure prints "#   Failed test at FILE:LINE" and what was got and wanted, on stderr, as
 * Test::More does, so prove shows it even without -v. Each check evaluates its arguments once
 * and returns whether it passed, so a test can stop early:
 *   if (!ok(p, "...")) return done_testing();
 */
#ifndef VSL_TAP_H
#define VSL_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tap_state {
	int planned; /* -1 until plan() */
	int run;
	int failed;
};

/* A function-local static keeps the header self-contained: no definition to put in a .c file. */
static inline struct tap_state *tap_state(void)
{
	static struct tap_state s = { .planned = -1 };
	return &s;
}

#define TAP_PRINTF(f, a) __attribute__((format(printf, f, a)))

static inline void tap_vdiag(FILE *to, const char *fmt, va_list ap)
{
	char line[4096];
	const char *p = line;

	/* Prefix every line with "# " so multi-line messages stay TAP comments. */
	vsnprintf(line, sizeof line, fmt, ap);
	fflush(stdout);
	for (;;) {
		const char *nl = strchr(p, '\n');
		int n = nl ? (int)(nl - p) : (int)strlen(p);

		fprintf(to, "# %.*s\n", n, p);
		if (!nl || !nl[1])
			break;
		p = nl + 1;
	}
	fflush(to);
}

/* Diagnostics go to stderr (shown by prove), notes to stdout (shown with prove -v). */
static inline TAP_PRINTF(1, 2) void diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vdiag(stderr, fmt, ap);
	va_end(ap);
}

static inline TAP_PRINTF(1, 2) void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vdiag(stdout, fmt, ap);
	va_end(ap);
}

static inline void plan(int n)
{
	tap_state()->planned = n;
	printf("1..%d\n", n);
	fflush(stdout);
}

static inline TAP_PRINTF(1, 2) __attribute__((noreturn)) void bail_out(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	printf("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(255);
}

/* Print one "ok N - description" line; on failure, the place it failed. */
static inline bool tap_vresult(bool pass, const char *file, int line, const char *fmt, va_list ap)
{
	struct tap_state *s = tap_state();
	char raw[1024], desc[2 * sizeof raw];
	char *d = desc;

	vsnprintf(raw, sizeof raw, fmt, ap);
	/* An unescaped '#' would start a TAP directive and a newline would end the line early. */
	for (const char *c = raw; *c; c++) {
		if (*c == '#')
			*d++ = '\\';
		*d++ = *c == '\n' ? ' ' : *c;
	}
	*d = '\0';
	s->run++;
	printf("%sok %d%s%s\n", pass ? "" : "not ", s->run, *desc ? " - " : "", desc);
	if (!pass) {
		s->failed++;
		diag("  Failed test at %s:%d", file, line);
	}
	fflush(stdout);
	return pass;
}

static inline TAP_PRINTF(4, 5) bool tap_ok(bool pass, const char *file, int line, const char *fmt,
					   ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vresult(pass, file, line, fmt, ap);
	va_end(ap);
	return pass;
}

static inline TAP_PRINTF(5, 6) bool tap_is_int(int64_t got, int64_t want, const char *file,
					       int line, const char *fmt, ...)
{
	bool pass = got == want;
	va_list ap;

	va_start(ap, fmt);
	tap_vresult(pass, file, line, fmt, ap);
	va_end(ap);
	if (!pass)
		diag("         got: %" PRId64 "\n    expected: %" PRId64, got, want);
	return pass;
}

static inline TAP_PRINTF(5, 6) bool tap_is_u64(uint64_t got, uint64_t want, const char *file,
					       int line, const char *fmt, ...)
{
	bool pass = got == want;
	va_list ap;

	va_start(ap, fmt);
	tap_vresult(pass, file, line, fmt, ap);
	va_end(ap);
	if (!pass)
		diag("         got: %" PRIu64 " (0x%" PRIx64 ")\n    expected: %" PRIu64
		     " (0x%" PRIx64 ")",
		     got, got, want, want);
	return pass;
}

static inline TAP_PRINTF(5, 6) bool tap_is_str(const char *got, const char *want, const char *file,
					       int line, const char *fmt, ...)
{
	bool pass = got && want ? strcmp(got, want) == 0 : got == want;
	va_list ap;

	va_start(ap, fmt);
	tap_vresult(pass, file, line, fmt, ap);
	va_end(ap);
	if (!pass)
		diag("         got: %s%s%s\n    expected: %s%s%s", got ? "'" : "",
		     got ? got : "NULL", got ? "'" : "", want ? "'" : "", want ? want : "NULL",
		     want ? "'" : "");
	return pass;
}

static inline void tap_hex(char *out, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * n] = '\0';
}

static inline TAP_PRINTF(6, 7) bool tap_is_mem(const void *got, const void *want, size_t len,
					       const char *file, int line, const char *fmt, ...)
{
	const uint8_t *g = got, *w = want;
	bool pass = g && w ? memcmp(g, w, len) == 0 : g == w;
	size_t at = 0, n;
	char gh[33], wh[33];
	va_list ap;

	va_start(ap, fmt);
	tap_vresult(pass, file, line, fmt, ap);
	va_end(ap);
	if (pass)
		return true;
	if (!g || !w) {
		diag("    got: %s, expected: %s", g ? "memory" : "NULL", w ? "memory" : "NULL");
		return false;
	}
	/* Show up to 16 bytes from the first difference on. */
	while (g[at] == w[at])
		at++;
	n = len - at < 16 ? len - at : 16;
	tap_hex(gh, g + at, n);
	tap_hex(wh, w + at, n);
	diag("    first difference at byte %zu of %zu\n         got: %s\n    expected: %s", at, len,
	     gh, wh);
	return false;
}

static inline void skip(int n, const char *why)
{
	struct tap_state *s = tap_state();

	for (int i = 0; i < n; i++)
		printf("ok %d # skip %s\n", ++s->run, why ? why : "");
	fflush(stdout);
}

/* The exit status: 0 on success, else the failure count (at most 254), or 255 for a plan that
 * was not met, as Test::More does. */
static inline int done_testing(void)
{
	struct tap_state *s = tap_state();

	if (s->planned < 0) {
		s->planned = s->run;
		printf("1..%d\n", s->run);
	} else if (s->run != s->planned) {
		diag("Looks like you planned %d tests but ran %d.", s->planned, s->run);
	}
	if (s->failed)
		diag("Looks like you failed %d test%s of %d.", s->failed, s->failed == 1 ? "" : "s",
		     s->run);
	fflush(stdout);
	if (s->failed)
		return s->failed < 254 ? s->failed : 254;
	return s->run == s->planned ? 0 : 255;
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...)                                                                     \
	tap_is_int((int64_t)(got), (int64_t)(want), __FILE__, __LINE__, __VA_ARGS__)
#define is_u64(got, want, ...)                                                                     \
	tap_is_u64((uint64_t)(got), (uint64_t)(want), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(got, want, ...) tap_is_str((got), (want), __FILE__, __LINE__, __VA_ARGS__)
#define is_mem(got, want, len, ...)                                                                \
	tap_is_mem((got), (want), (len), __FILE__, __LINE__, __VA_ARGS__)

#endif
