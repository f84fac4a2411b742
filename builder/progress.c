/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The progress display (see progress.h). In live mode a thread of its own redraws the lines of
 * the stages that are not finished yet, ten times a second: it moves the cursor up over what
 * it drew last time and writes every line again, each cleared to its end and cut to the
 * terminal's width so that nothing wraps (a wrapped line would throw the cursor arithmetic
 * off). A finished stage at the top of those lines is drawn once more in its final form and
 * then left alone. Warnings and debug lines printed meanwhile go through the log hook: the
 * lines are taken off the screen, the message printed, and the lines drawn again below it.
 *
 * Locks: mu guards the stages' text and state and the terminal; probe_mu is held while probes
 * run, outside mu, so that a probe may take its own locks and end() can wait for it to return.
 */
#define _GNU_SOURCE
#include "progress.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define MAX_STAGES 8
#define TICK_MS 100
#define NAME_WIDTH 9
#define BAR_WIDTH 24
#define LINE_MAX 256

enum state { UNUSED, RUNNING, DONE, STOPPED };

struct stage {
	char name[16];
	enum vsl_progress_unit unit;
	_Atomic uint64_t done, total;
	void (*probe)(void *ctx, uint64_t *done, uint64_t *total);
	void *probe_ctx;
	enum state state;
	double t0, t1;
	char summary[160];
};

struct vsl_progress {
	enum vsl_progress_mode mode;
	int fd;
	pthread_mutex_t mu, probe_mu;
	pthread_cond_t cv;
	pthread_t thread;
	bool stop;
	unsigned tick;
	int n;	    /* stages begun */
	int frozen; /* stages [0, frozen) are on the screen for good */
	int drawn;  /* live lines below them, drawn last time */
	struct stage st[MAX_STAGES];
};

enum vsl_progress_mode vsl_progress_mode_for(enum vsl_verbosity v, bool tty, const char *term)
{
	if (v == VSL_VERBOSITY_VERBOSE)
		return VSL_PROGRESS_LOG;
	if (v == VSL_VERBOSITY_QUIET || !tty || (term && strcmp(term, "dumb") == 0))
		return VSL_PROGRESS_OFF;
	return VSL_PROGRESS_LIVE;
}

void vsl_progress_size(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = { "KB", "MB", "GB", "TB", "PB" };
	double v = (double)bytes;
	unsigned u = 0;

	if (bytes < 1000) {
		snprintf(buf, size, "%u B", (unsigned)bytes);
		return;
	}
	v /= 1000.0;
	while (v >= 999.95 && u + 1 < sizeof units / sizeof units[0]) {
		v /= 1000.0;
		u++;
	}
	snprintf(buf, size, "%.1f %s", v, units[u]);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void write_all(int fd, const char *buf, size_t n)
{
	while (n) {
		ssize_t w = write(fd, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* a display that cannot write is no reason to stop */
		buf += w;
		n -= (size_t)w;
	}
}

static int term_width(int fd)
{
	struct winsize ws;

	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

/* The amount so far, "12.3 MB" or "1234". */
static void amount(const struct stage *s, uint64_t v, char *buf, size_t size)
{
	if (s->unit == VSL_UNIT_BYTES)
		vsl_progress_size(v, buf, size);
	else
		snprintf(buf, size, "%llu", (unsigned long long)v);
}

/* One stage's line, without a newline. */
static void render(const struct vsl_progress *p, const struct stage *s, char *out, size_t size)
{
	static const char spin[] = "|/-\\";
	uint64_t done = atomic_load(&s->done), total = atomic_load(&s->total);
	double t = (s->state == RUNNING ? now() : s->t1) - s->t0;
	char a[32], b[32], bar[BAR_WIDTH + 1];
	int w, fill;

	w = snprintf(out, size, "%-*s ", NAME_WIDTH, s->name);
	if (w < 0 || (size_t)w >= size)
		return;
	out += w;
	size -= (size_t)w;
	if (s->state == DONE) {
		snprintf(out, size, "done in %.1f s%s%s", t, s->summary[0] ? ": " : "", s->summary);
		return;
	}
	if (s->state == STOPPED) {
		snprintf(out, size, "stopped after %.1f s", t);
		return;
	}
	amount(s, done, a, sizeof a);
	if (!total) {
		snprintf(out, size, "%c %s  %.1f s", spin[p->tick % 4], done ? a : "", t);
		return;
	}
	if (done > total)
		done = total;
	fill = (int)(done * BAR_WIDTH / total);

	memset(bar, '#', (size_t)fill);
	memset(bar + fill, '-', (size_t)(BAR_WIDTH - fill));
	bar[BAR_WIDTH] = '\0';
	amount(s, total, b, sizeof b);
	snprintf(out, size, "[%s] %3u%%  %s / %s  %.1f s", bar, (unsigned)(done * 100 / total), a,
		 b, t);
}

/* Append s to buf (cut to width - 1 visible bytes: all of ours are ASCII), clear, newline. */
static size_t put_line(char *buf, size_t at, size_t cap, const char *s, int width)
{
	int n = snprintf(buf + at, cap - at, "\033[K%.*s\n", width - 1, s);

	return n < 0 || (size_t)n >= cap - at ? at : at + (size_t)n;
}

/* Redraw (mu held). Lines of finished stages at the top are drawn a last time and frozen. */
static void draw(struct vsl_progress *p)
{
	char buf[MAX_STAGES * (LINE_MAX + 16) + 32], line[LINE_MAX];
	int width = term_width(p->fd), lines = 0;
	size_t at = 0;

	if (p->drawn)
		at = (size_t)snprintf(buf, sizeof buf, "\033[%dA\r", p->drawn);
	for (int i = p->frozen; i < p->n; i++) {
		render(p, &p->st[i], line, sizeof line);
		at = put_line(buf, at, sizeof buf, line, width);
		lines++;
	}
	write_all(p->fd, buf, at);
	while (p->frozen < p->n && p->st[p->frozen].state != RUNNING) {
		p->frozen++;
		lines--;
	}
	p->drawn = lines;
}

/* Take the live lines off the screen (mu held): the cursor ends where the first one was. */
static void clear(struct vsl_progress *p)
{
	char buf[32];
	int n;

	if (!p->drawn)
		return;
	n = snprintf(buf, sizeof buf, "\033[%dA\r\033[J", p->drawn);
	write_all(p->fd, buf, (size_t)n);
	p->drawn = 0;
}

static void log_hook(void *ctx, bool before)
{
	struct vsl_progress *p = ctx;

	if (before) {
		pthread_mutex_lock(&p->mu);
		clear(p);
	} else {
		draw(p);
		pthread_mutex_unlock(&p->mu);
	}
}

/* Pull the probed counts of the first n stages (called without mu: a probe may take locks). */
static void run_probes(struct vsl_progress *p, int n)
{
	pthread_mutex_lock(&p->probe_mu);
	for (int i = 0; i < n; i++) {
		struct stage *s = &p->st[i];
		uint64_t done = atomic_load(&s->done), total = atomic_load(&s->total);

		if (!s->probe)
			continue;
		s->probe(s->probe_ctx, &done, &total);
		atomic_store(&s->done, done);
		atomic_store(&s->total, total);
	}
	pthread_mutex_unlock(&p->probe_mu);
}

static void *ticker(void *arg)
{
	struct vsl_progress *p = arg;
	struct timespec ts;
	int n;

	pthread_mutex_lock(&p->mu);
	while (!p->stop) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += TICK_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&p->cv, &p->mu, &ts);
		if (p->stop)
			break;
		n = p->n; /* stages begun so far: their slots are filled in */
		pthread_mutex_unlock(&p->mu);
		run_probes(p, n);
		pthread_mutex_lock(&p->mu);
		p->tick++;
		draw(p);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static int start_ticker(struct vsl_progress *p)
{
	pthread_condattr_t ca;
	int r;

	if (pthread_condattr_init(&ca))
		return -1;
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	r = pthread_cond_init(&p->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (r)
		return -1;
	if (pthread_create(&p->thread, NULL, ticker, p)) {
		pthread_cond_destroy(&p->cv);
		return -1;
	}
	return 0;
}

struct vsl_progress *vsl_progress_new(enum vsl_verbosity v, int fd)
{
	enum vsl_progress_mode mode = vsl_progress_mode_for(v, isatty(fd), getenv("TERM"));
	struct vsl_progress *p;

	if (v == VSL_VERBOSITY_QUIET)
		vsl_log_warn_on = false;
	if (v == VSL_VERBOSITY_VERBOSE)
		vsl_log_debug_on = true;
	if (mode == VSL_PROGRESS_OFF || !(p = calloc(1, sizeof(*p))))
		return NULL;
	p->mode = mode;
	p->fd = fd;
	pthread_mutex_init(&p->mu, NULL);
	pthread_mutex_init(&p->probe_mu, NULL);
	if (mode == VSL_PROGRESS_LIVE) {
		if (start_ticker(p) < 0) {
			pthread_mutex_destroy(&p->mu);
			pthread_mutex_destroy(&p->probe_mu);
			free(p);
			return NULL;
		}
		vsl_log_set_hook(log_hook, p);
	}
	return p;
}

static void log_line(struct vsl_progress *p, const char *text);

void vsl_progress_free(struct vsl_progress *p)
{
	if (!p)
		return;
	if (p->mode == VSL_PROGRESS_LIVE) {
		vsl_log_set_hook(NULL, NULL);
		pthread_mutex_lock(&p->mu);
		p->stop = true;
		pthread_cond_signal(&p->cv);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->thread, NULL);
		for (int i = 0; i < p->n; i++)
			if (p->st[i].state == RUNNING) {
				p->st[i].state = STOPPED;
				p->st[i].t1 = now();
			}
		draw(p);
		pthread_cond_destroy(&p->cv);
	} else {
		for (int i = 0; i < p->n; i++)
			if (p->st[i].state == RUNNING) {
				char line[LINE_MAX];

				snprintf(line, sizeof line, "%s: stopped after %.1f s",
					 p->st[i].name, now() - p->st[i].t0);
				log_line(p, line);
			}
	}
	pthread_mutex_destroy(&p->mu);
	pthread_mutex_destroy(&p->probe_mu);
	free(p);
}

/* A plain line in log mode: "vessel: text". */
static void log_line(struct vsl_progress *p, const char *text)
{
	char buf[LINE_MAX + 64];
	int n = snprintf(buf, sizeof buf, "%s: %s\n", vsl_log_prog(), text);

	if (n > 0)
		write_all(p->fd, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

int vsl_progress_begin(struct vsl_progress *p, const char *name, enum vsl_progress_unit unit,
		       uint64_t total)
{
	struct stage *s;
	char line[LINE_MAX], t[32];
	int id;

	if (!p)
		return -1;
	pthread_mutex_lock(&p->mu);
	if (p->n == MAX_STAGES) {
		pthread_mutex_unlock(&p->mu);
		return -1;
	}
	id = p->n;
	s = &p->st[id];
	snprintf(s->name, sizeof s->name, "%s", name);
	s->unit = unit;
	atomic_store(&s->total, total);
	s->state = RUNNING;
	s->t0 = now();
	p->n++;
	if (p->mode == VSL_PROGRESS_LIVE) {
		draw(p);
	} else {
		amount(s, total, t, sizeof t);
		snprintf(line, sizeof line, "%s: started%s%s%s", s->name, total ? " (" : "",
			 total ? t : "", total ? ")" : "");
		log_line(p, line);
	}
	pthread_mutex_unlock(&p->mu);
	return id;
}

static bool valid(const struct vsl_progress *p, int id)
{
	return p && id >= 0 && id < MAX_STAGES;
}

void vsl_progress_add(struct vsl_progress *p, int id, uint64_t n)
{
	if (valid(p, id))
		atomic_fetch_add(&p->st[id].done, n);
}

void vsl_progress_total(struct vsl_progress *p, int id, uint64_t total)
{
	if (valid(p, id))
		atomic_store(&p->st[id].total, total);
}

void vsl_progress_probe(struct vsl_progress *p, int id,
			void (*probe)(void *ctx, uint64_t *done, uint64_t *total), void *ctx)
{
	if (!valid(p, id))
		return;
	pthread_mutex_lock(&p->probe_mu);
	p->st[id].probe = probe;
	p->st[id].probe_ctx = ctx;
	pthread_mutex_unlock(&p->probe_mu);
}

void vsl_progress_end(struct vsl_progress *p, int id, const char *fmt, ...)
{
	struct stage *s;
	char line[LINE_MAX];
	va_list ap;

	if (!valid(p, id))
		return;
	s = &p->st[id];
	pthread_mutex_lock(&p->probe_mu);
	s->probe = NULL;
	pthread_mutex_unlock(&p->probe_mu);
	pthread_mutex_lock(&p->mu);
	s->t1 = now();
	s->summary[0] = '\0';
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(s->summary, sizeof s->summary, fmt, ap);
		va_end(ap);
	}
	/* a file name with a newline or an escape in it must not break the cursor arithmetic */
	for (char *c = s->summary; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	s->state = DONE;
	if (p->mode == VSL_PROGRESS_LIVE) {
		draw(p);
	} else {
		snprintf(line, sizeof line, "%s: done in %.1f s%s%s", s->name, s->t1 - s->t0,
			 s->summary[0] ? ": " : "", s->summary);
		log_line(p, line);
	}
	pthread_mutex_unlock(&p->mu);
}

void vsl_progress_note(struct vsl_progress *p, const char *fmt, ...)
{
	char line[LINE_MAX];
	va_list ap;

	if (!p || p->mode != VSL_PROGRESS_LOG)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&p->mu);
	log_line(p, line);
	pthread_mutex_unlock(&p->mu);
}
