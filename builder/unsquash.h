/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The squashfs section onto disk, for `vessel extract --payload squashfs`, with no external
 * tool: the SquashFS reader core (runtime/sqfs, pure) walks the image and every inode goes to
 * the extractor's tree writer (runtime/extract_tree.h) as a tar-style entry, so both payloads
 * are written by the same code under the same rules.
 */
#ifndef VSL_BUILDER_UNSQUASH_H
#define VSL_BUILDER_UNSQUASH_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct vsl_unsquash_stats {
	uint64_t entries;	/* paths written (the root included) */
	uint64_t bytes;		/* file data written */
	size_t skipped_devices; /* device nodes left out (no privilege) */
};

/*
 * Extract the squashfs image at [off, off+len) of fd (read with pread) into the directory
 * destfd (borrowed). flags are VSL_EXTRACT_* (runtime/extract.h). Parents come before their
 * children and the first path of an inode with several links is written before the others,
 * which become hard links to it. The section's sha256 is the caller's to check. On failure
 * destfd may hold a partial tree.
 */
int vsl_unsquash(int fd, uint64_t off, uint64_t len, int destfd, unsigned flags,
		 struct vsl_unsquash_stats *stats, struct vsl_error *err);

#endif
