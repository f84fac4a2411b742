/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing a tree of tar-described entries under a directory: the half of the extractor that
 * does not care where the entries come from. The runtime feeds it the tar.zst section;
 * `vessel extract` also feeds it the squashfs section (builder/unsquash.c), so that both
 * payloads land on disk through the very same rules: nothing outside the directory
 * (common/fsutil.h), ownership restored where the namespace allows it, modes, mtimes, xattrs,
 * hardlinks and device nodes best-effort, directories' modes and times set last.
 *
 * Entries must come parents first and a hardlink after its target, as a tar does. The process
 * umask is 0 from init to fini: files are created with their final permission bits.
 */
#ifndef VSL_EXTRACT_TREE_H
#define VSL_EXTRACT_TREE_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "extract.h" /* the VSL_EXTRACT_* flags */
#include "fsutil.h"
#include "tar.h"

struct vsl_extract_dir; /* a directory whose mode and mtime are set at the end */

struct vsl_extract_tree {
	struct vsl_fs_walker walker;
	unsigned flags; /* VSL_EXTRACT_* */
	uid_t uid;	/* who owns what we create (VSL_EXTRACT_FRESH: no chown to these ids) */
	gid_t gid;
	mode_t umask;		/* the caller's, restored by fini */
	size_t skipped_devices; /* device nodes left out (no privilege, or NO_DEVICES) */
	struct vsl_extract_dir *dirs;
	size_t ndirs, cap;
};

/* Start writing into destfd (borrowed, an open directory). Sets the umask to 0. */
void vsl_extract_tree_init(struct vsl_extract_tree *x, int destfd, unsigned flags);
/*
 * Make one entry. Its path is cleaned (vsl_tar_path_clean: ".." is refused) and so is a
 * hardlink's target; a regular file's e->size data bytes are read from rd with
 * vsl_tar_reader_data. On failure err names the entry; destfd may then hold a partial tree.
 */
int vsl_extract_tree_add(struct vsl_extract_tree *x, const struct vsl_tar_entry *e,
			 struct vsl_tar_reader *rd, struct vsl_error *err);
/* Directory modes and mtimes, deepest first. Call once, after the last entry. */
int vsl_extract_tree_finish(struct vsl_extract_tree *x, struct vsl_error *err);
/* Free everything and restore the umask; after a failure too. */
void vsl_extract_tree_fini(struct vsl_extract_tree *x);

#endif
