/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What `vessel` tells the user while it works, on stderr, in one of three modes:
 *
 *   live     (the default when stderr is a terminal) one line per stage, redrawn in place
 *            about ten times a second: a bar, a percentage and sizes where the total is
 *            known, a spinner and the amount so far where it is not; a finished stage keeps
 *            its line with its summary and time
 *   log      (--verbose, terminal or not) one plain line when a stage starts and one when it
 *            ends, plus every vsl_debug decision (VESSEL_DEBUG's lines)
 *   off      (stderr is not a terminal, or --quiet) nothing; --quiet also silences warnings
 *
 * Errors are never the progress display's business: main() prints them after
 * vsl_progress_free() has finished the lines, so an error always starts on a line of its own.
 *
 * Every function takes a NULL progress (and a negative stage id) and then does nothing, so
 * the modules it reports on need no "is there a display" checks. Counters are atomic: worker
 * threads (a layer's feeder, zstd) add to them, and only the display's own thread draws.
 * Probes are called from that thread to pull a count from somewhere else (how far mksquashfs,
 * a child process, has read), and must be thread-safe.
 */
#ifndef VSL_BUILDER_PROGRESS_H
#define VSL_BUILDER_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vsl_verbosity {
	VSL_VERBOSITY_QUIET = -1, /* errors only */
	VSL_VERBOSITY_NORMAL = 0, /* progress on a terminal, nothing otherwise */
	VSL_VERBOSITY_VERBOSE = 1 /* a line per stage and decision, terminal or not */
};

enum vsl_progress_mode {
	VSL_PROGRESS_OFF,
	VSL_PROGRESS_LIVE,
	VSL_PROGRESS_LOG,
};

/* The mode for a verbosity and whether stderr is a terminal (TERM=dumb counts as not). Pure. */
enum vsl_progress_mode vsl_progress_mode_for(enum vsl_verbosity v, bool tty, const char *term);

struct vsl_progress;

/*
 * A display on fd (normally 2) for that verbosity; also sets the log module's switches (debug
 * lines on for verbose, warnings off for quiet). Returns NULL for the off mode, and when it
 * cannot have its thread or memory: a display is never worth failing a build for.
 */
struct vsl_progress *vsl_progress_new(enum vsl_verbosity v, int fd);
/* Stop drawing; stages still running are shown as stopped. Leaves the cursor on a new line. */
void vsl_progress_free(struct vsl_progress *p);

/* Units a stage counts in: bytes are shown as sizes, items as plain numbers. */
enum vsl_progress_unit {
	VSL_UNIT_BYTES,
	VSL_UNIT_ITEMS,
};

/*
 * Start a stage (at most 8 per display) with a total (0: unknown). Returns its id, or -1 (p
 * NULL or too many stages), which the other calls accept. Stages may run at the same time.
 */
int vsl_progress_begin(struct vsl_progress *p, const char *name, enum vsl_progress_unit unit,
		       uint64_t total);
void vsl_progress_add(struct vsl_progress *p, int id, uint64_t n);
void vsl_progress_total(struct vsl_progress *p, int id, uint64_t total);
/*
 * Let the display pull done/total from probe(ctx, &done, &total) before each redraw (from its
 * own thread; probe must be thread-safe). Values it leaves alone keep the stage's own counts.
 * vsl_progress_end() detaches it, waiting for a call in progress.
 */
void vsl_progress_probe(struct vsl_progress *p, int id,
			void (*probe)(void *ctx, uint64_t *done, uint64_t *total), void *ctx);
/* The stage is done; summary (printf format, may be NULL) goes after its time. */
void vsl_progress_end(struct vsl_progress *p, int id, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A line in log mode only (a decision, a count), prefixed like vsl_debug's. */
void vsl_progress_note(struct vsl_progress *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "1.5 KB", "12.3 MB", "1.1 GB" (decimal units, as du --si and docker show them). Pure. */
void vsl_progress_size(uint64_t bytes, char *buf, size_t size);

#endif
