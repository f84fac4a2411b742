/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The mksquashfs (squashfs-tools 4.5.1) pseudo file and exclude file that carry the rootfs
 * metadata table into the squashfs section: the staging dir holds names and contents, but its
 * owners, modes and times are the builder's, and devices and fifos are placeholders there.
 *
 * Every path but the root gets one definition:
 *   files, symlinks, hardlinks         "NAME M time mode uid gid"   (modify what is on disk)
 *   directories                        "NAME m mode uid gid"
 *   char / block devices               "NAME C|B time mode uid gid major minor"
 *   fifos                              "NAME I time mode uid gid f"
 * and the device/fifo placeholders go into the exclude list (mksquashfs -ef) so the pseudo
 * definitions replace them. The root's attributes go on the command line (-root-mode etc.),
 * because 4.5.1 has no pseudo definition for the root. Directories take the lowercase "m"
 * (no time) because 4.5.1 refuses any definition below an "M" directory ("already exists as
 * a non directory"; its pseudo tree accepts children only under "d" and "m"), so the caller
 * sets each directory's mtime on disk (vsl_pseudo_time of its entry) before mksquashfs reads
 * it.
 *
 * Quoting: in a pseudo NAME, mksquashfs takes "\x" as x and '"' as a quote toggle and ends the
 * name at white space; we backslash every white-space byte, '"', '\\' and a leading '#'. The
 * exclude file takes one name per line with one optional leading backslash. A name with a
 * newline fits neither format: it is refused (the tar.zst format carries it).
 *
 * Not carried: xattrs (4.5.1 pseudo files have no xattr definition; xattr_paths counts the
 * paths that lose theirs), and hardlinks between device nodes or fifos (each path becomes its
 * own inode). Pure: no syscalls, so it is unit-tested directly.
 */
#ifndef VSL_BUILDER_PSEUDO_H
#define VSL_BUILDER_PSEUDO_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "rootfs.h"

struct vsl_pseudo_text {
	char *buf; /* NUL-terminated */
	size_t len, cap;
};

struct vsl_pseudo {
	struct vsl_pseudo_text pseudo;	/* for -pf */
	struct vsl_pseudo_text exclude; /* for -ef */
	int64_t source_date_epoch;	/* < 0: keep mtimes; else clamp to it */
	/* The root directory, from its entry (mode 0755, owner 0 until one is added). */
	uint32_t root_mode, root_uid, root_gid, root_mtime;
	uint32_t newest;    /* newest (clamped) mtime seen, root included */
	size_t xattr_paths; /* paths with xattrs that the squashfs cannot carry */
	size_t paths;	    /* entries added, root included */
};

void vsl_pseudo_init(struct vsl_pseudo *p, int64_t source_date_epoch);
void vsl_pseudo_fini(struct vsl_pseudo *p);
/* Add one entry of the rootfs table (vsl_rootfs_foreach gives them in order). */
int vsl_pseudo_add(struct vsl_pseudo *p, const struct vsl_rootfs_entry *e, struct vsl_error *err);
/* A squashfs time (u32) for mtime: clamped to source_date_epoch when that is >= 0. */
uint32_t vsl_pseudo_time(int64_t mtime, int64_t source_date_epoch);

#endif
