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

#include <stdatomic.h>
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
	pid_t pid;	     /* 0 when not running */
	char *tool;	     /* mksquashfs path */
	char *out;	     /* the image, in workdir */
	char *log;	     /* mksquashfs's stdout + stderr */
	char *pf, *ef;	     /* pseudo and exclude files */
	_Atomic pid_t watch; /* pid while vsl_squashfs_progress may look at it, else 0 */
};

/*
 * Write the pseudo files and start mksquashfs on vsl_rootfs_dir(r), with all its files in
 * workdir (which must not be inside the rootfs). tool is taken over (freed by release).
 */
int vsl_squashfs_start(struct vsl_squashfs *s, struct vsl_rootfs *r, char *tool,
		       const char *workdir, int64_t source_date_epoch, struct vsl_error *err);
/* Wait for mksquashfs. On success *fd is the image, opened O_RDONLY and already unlinked. */
int vsl_squashfs_finish(struct vsl_squashfs *s, int *fd, struct vsl_error *err);
/*
 * A progress probe (builder/progress.h): *done becomes the bytes mksquashfs has read so far
 * (rchar in /proc/PID/io, which is the file contents, as it reads every file once, plus a few
 * KiB of pseudo file), at most *total. Left alone when it cannot tell. Thread-safe. mksquashfs's
 * own progress bar is of no use here: on a stdout that is not a terminal it prints only when
 * the block count happens to be a multiple of 100 at its tick, so mostly just at the end.
 */
void vsl_squashfs_progress(void *s, uint64_t *done, uint64_t *total);
/* The rchar value of a /proc/PID/io text. Pure; 0 when found, else -1. */
int vsl_squashfs_parse_rchar(const char *text, uint64_t *rchar);
/* Stop mksquashfs if it still runs (SIGKILL, then wait), remove its files, free. Idempotent. */
void vsl_squashfs_release(struct vsl_squashfs *s);

#endif
