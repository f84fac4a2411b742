/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tar.zst section: the assembled rootfs as one zstd-compressed tar, for the runtime's
 * extract path and for `vessel extract`. Entries come in vsl_rootfs_foreach order with the
 * image's real ownership, modes, xattrs (PAX SCHILY.xattr.*), hardlinks (type '1'), devices and
 * fifos; numeric ids only, no uname/gname. The bytes depend only on the tree, the
 * source_date_epoch and the zstd version, not on temp paths or the thread count.
 */
#ifndef VSL_TARZST_H
#define VSL_TARZST_H

#include <stdint.h>

#include "error.h"
#include "rootfs.h"

/* zstd level: see tarzst.c for the measurement behind it. */
#define VSL_TARZST_LEVEL 9

/*
 * Write the tree to out_fd (written sequentially from its current offset). threads: zstd
 * workers (0 or 1 both mean one worker; output is the same for any count). source_date_epoch
 * < 0 keeps the mtimes; otherwise every mtime later than it is clamped to it.
 */
int vsl_rootfs_write_tarzst(struct vsl_rootfs *r, int out_fd, int threads,
			    int64_t source_date_epoch, struct vsl_error *err);
/* The same, calling progress(ctx, n) for every n bytes of file content compressed. */
int vsl_rootfs_write_tarzst_progress(struct vsl_rootfs *r, int out_fd, int threads,
				     int64_t source_date_epoch,
				     void (*progress)(void *ctx, uint64_t n), void *ctx,
				     struct vsl_error *err);

#endif
