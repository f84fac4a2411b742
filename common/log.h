/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Diagnostics. vsl_debug() prints only when VESSEL_DEBUG=1 (checked once, at vsl_log_init),
 * so the stub's hot path pays one branch per decision it logs. The program name prefixes
 * every line so that a container's own stderr is never confused with ours.
 */
#ifndef VSL_LOG_H
#define VSL_LOG_H

#include <stdbool.h>

void vsl_log_init(const char *prog);
const char *vsl_log_prog(void);
extern bool vsl_log_debug_on;
/* false: vsl_warn prints nothing (`vessel --quiet`). */
extern bool vsl_log_warn_on;
/*
 * Called around every line vsl_warn and vsl_debug print, with before = true and then false, so
 * that a live progress display can take its lines off the screen and put them back below
 * (builder/progress.c). NULL removes it.
 */
void vsl_log_set_hook(void (*hook)(void *ctx, bool before), void *ctx);
void vsl_log_debugf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vsl_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define vsl_debug(...)                                                                             \
	do {                                                                                       \
		if (vsl_log_debug_on)                                                              \
			vsl_log_debugf(__VA_ARGS__);                                               \
	} while (0)

#endif
