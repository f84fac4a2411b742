/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The squashfs section: mksquashfs (squashfs-tools 4.5.1, shipped next to vessel) run as a
 * child process over the staging dir, with the image's owners, modes, times, devices and fifos
 * from a pseudo file (pseudo.h), zstd-compressed. It runs in the background so the caller can
 * write the tar.zst meanwhile; start/finish/release bracket it and nothing is left behind.
 *
 * The bytes depend only on the tree, source_date_epoch and the mksquashfs build: every time in
 * the image is given explicitly (the pseudo file, -root-time, -mkfs-time), the host's
 * SOURCE_DATE_EPOCH is removed from the child's environment (mksquashfs would refuse our time
 * options with it), and -no-xattrs keeps the staging dir's own xattrs (e.g. SELinux labels of
 * $TMPDIR) out.
 */
#ifndef VSL_BUILDER_SQUASHFS_H
#define VSL_BUILDER_SQUASHFS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "rootfs.h"

/*
 * $VESSEL_MKSQUASHFS when set, else <dir of /proc/self/exe>/../libexec/vessel/mksquashfs;
 * checked to be an executable file. Heap string, or NULL with err naming the fix.
 */
char *vsl_mksquashfs_find(struct vsl_error *err);

struct vsl_squashfs {
	pid_t pid;     /* 0 when not running */
	char *tool;    /* mksquashfs path */
	char *out;     /* the image, in workdir */
	char *log;     /* mksquashfs's stdout + stderr (only stderr with progress) */
	char *pf, *ef; /* pseudo and exclude files */
	/*
	 * Set progress before vsl_squashfs_start (which keeps it) to follow mksquashfs's own
	 * progress bar: its stdout then goes to a pipe that a thread reads, and done/total
	 * are the blocks it reports (see vsl_squashfs_progress).
	 */
	bool progress;
	int progress_fd; /* the pipe's read end, -1 when none */
	bool reader_running;
	pthread_t reader;
	_Atomic uint64_t done, total;
};

/*
 * Write the pseudo files and start mksquashfs on vsl_rootfs_dir(r), with all its files in
 * workdir (which must not be inside the rootfs). tool is taken over (freed by release).
 */
int vsl_squashfs_start(struct vsl_squashfs *s, struct vsl_rootfs *r, char *tool,
		       const char *workdir, int64_t source_date_epoch, struct vsl_error *err);
/* Wait for mksquashfs. On success *fd is the image, opened O_RDONLY and already unlinked. */
int vsl_squashfs_finish(struct vsl_squashfs *s, int *fd, struct vsl_error *err);
/* The blocks written and the blocks to write as mksquashfs last reported them (0 and 0
 * before its first report). Thread-safe: for a progress probe. */
void vsl_squashfs_progress(void *s, uint64_t *done, uint64_t *total);
/* Parse the last "] DONE/TOTAL" of a piece of mksquashfs's progress output. Pure; 0 if found. */
int vsl_squashfs_parse_progress(const char *text, uint64_t *done, uint64_t *total);
/* Stop mksquashfs if it still runs (SIGKILL, then wait), remove its files, free. Idempotent. */
void vsl_squashfs_release(struct vsl_squashfs *s);

#endif
