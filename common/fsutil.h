/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Safe file-system helpers shared by the layer applier (builder) and the tar.zst extractor
 * (runtime). The rule for both: nothing may be created outside the root directory, whatever
 * the archive says. So every parent component is opened by us, one at a time, from the root fd
 * with O_NOFOLLOW|O_DIRECTORY: a component that is a symlink (or not a directory) is refused
 * instead of followed. Paths given here are clean relative paths (vsl_tar_path_clean), where ""
 * is the root itself.
 *
 * A walker keeps the directories of the last parent it walked open, from the root down, because
 * archives list siblings together and go down and up a tree one level at a time: the next walk
 * only opens the components that differ. After a walk the cache holds exactly the ancestors of
 * the entry, so removing the entry itself never leaves a stale fd behind; anything that removes
 * a directory elsewhere calls vsl_fs_walker_forget.
 */
#ifndef VSL_FSUTIL_H
#define VSL_FSUTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "tar.h"

/* Directory levels a walker keeps open; deeper ones are walked again each time. */
#define VSL_FS_WALK_CACHE 32

struct vsl_fs_walker {
	int rootfd;          /* borrowed */
	mode_t dir_mode;     /* mode for directories created implicitly */
	/* Called after each implicitly created directory (path relative to the root); may be
	 * NULL. Returning -1 (with err set) aborts the walk. */
	int (*on_mkdir)(void *ctx, const char *path, struct vsl_error *err);
	void *ctx;
	/* private: the open ancestors (O_PATH) of the last walk and a data buffer */
	char *path;          /* the walked dir path; component i ends at ends[i] */
	size_t path_len, path_cap;
	size_t depth;        /* fds[0..depth-1] are open */
	int fds[VSL_FS_WALK_CACHE];
	size_t ends[VSL_FS_WALK_CACHE];
	int deep_fd;         /* a dir below the deepest cached one (path is longer), or -1 */
	uint8_t *buf;        /* COPY_BUF bytes for file data, allocated on first use */
};

void vsl_fs_walker_init(struct vsl_fs_walker *w, int rootfd, mode_t dir_mode);
void vsl_fs_walker_fini(struct vsl_fs_walker *w);
void vsl_fs_walker_forget(struct vsl_fs_walker *w);

/*
 * Open the directory that holds the last component of path ("" is refused). When create is set,
 * missing parents are made with w->dir_mode. Returns a dirfd BORROWED from the walker (valid
 * until the next walker call; do not close it) and sets *base to the last component inside
 * path. A parent that is a symlink or not a directory gives -1 with err naming it.
 */
int vsl_fs_walk_parent(struct vsl_fs_walker *w, const char *path, bool create, const char **base,
		       struct vsl_error *err);
/* Open path itself as a directory (O_RDONLY|O_DIRECTORY|O_NOFOLLOW, owned by the caller). */
int vsl_fs_open_dir(struct vsl_fs_walker *w, const char *path, struct vsl_error *err);
/* Open a regular file under the root for reading, refusing symlinks anywhere (owned fd). */
int vsl_fs_open_file(struct vsl_fs_walker *w, const char *path, struct vsl_error *err);

/* Flags for vsl_fs_make_entry. */
enum {
	VSL_FS_SPECIAL = 1u << 0, /* mknod/mkfifo for real (skip a device on EPERM); otherwise
				   * devices and fifos become empty placeholder files */
	VSL_FS_NO_DIR_FD = 1u << 1, /* leave out->fd -1 for a directory (saves an open) */
};

struct vsl_fs_made {
	int parentfd;       /* borrowed from the walker (-1 for the root) */
	const char *base;   /* last component, NULL for the root */
	int fd;             /* owned by the caller: open fd of a regular file or dir, else -1 */
	bool kept_dir;      /* an existing directory was kept (its contents merge) */
	bool placeholder;   /* a device/fifo stood in by an empty regular file */
	bool skipped;       /* a device node could not be made (EPERM) and was left out */
	uint64_t written;   /* data bytes written (regular files) */
};

/*
 * Make e at its clean path `path` under the walker's root: an existing directory is kept for a
 * directory entry, anything else in the way is removed (never followed) and the creation tried
 * again; nothing is looked at before the first try, as most names are new. Regular file
 * data (e->size bytes) is streamed from rd through a fixed buffer. Files are created with
 * file_mode, directories with dir_mode (callers fix modes afterwards). A hardlink's target
 * `link_path` must be a clean path to an existing non-directory under the root. -1 on error.
 */
int vsl_fs_make_entry(struct vsl_fs_walker *w, const struct vsl_tar_entry *e, const char *path,
		      const char *link_path, mode_t file_mode, mode_t dir_mode, unsigned flags,
		      struct vsl_tar_reader *rd, struct vsl_fs_made *out, struct vsl_error *err);
void vsl_fs_made_release(struct vsl_fs_made *m);

/* Remove name under dirfd, recursively for a directory, never following symlinks and making
 * unreadable directories (mode 0000 from an image) readable first. A missing name is fine. */
int vsl_fs_rmtree_at(int dirfd, const char *name, struct vsl_error *err);
/* The same for a path (relative to cwd or absolute). */
int vsl_fs_rmtree(const char *path, struct vsl_error *err);
/* mkdir -p; existing directories are fine. */
int vsl_fs_mkdir_p(const char *path, mode_t mode, struct vsl_error *err);
/* write() all n bytes, retrying on EINTR and short writes; -1 with errno on failure. */
int vsl_fs_write_all(int fd, const void *buf, size_t n);

#endif
