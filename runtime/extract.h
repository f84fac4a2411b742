/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The extract path of the runtime (and `vessel extract`): unpack the tar.zst section of our
 * own file into a directory, with the same no-escape rules as the builder (common/fsutil.h),
 * verifying the section's sha256 in the same pass. Run as "root" of a user namespace it restores
 * what the namespace can map: ids (chown failures EPERM/EINVAL are ignored, a single-id
 * namespace cannot map them), modes, mtimes, xattrs and device nodes best-effort.
 *
 * vsl_extract_cached keeps one extracted copy per section digest and id map under a cache
 * directory; <entry> is the digest's hex, plus "-<tag>" when the caller gives a tag:
 *   <cache_root>/<entry>.lock         flock'd while checking or extracting
 *   <cache_root>/<entry>/rootfs/      the tree
 *   <cache_root>/<entry>/complete     "vessel-extract 1 <entry>\n", written last
 *   <cache_root>/<entry>.tmp.<pid>/   an extraction in progress (a leftover is removed)
 * The tag keeps apart trees whose files carry different host owners: one extracted in a
 * single-id namespace (every file ours) must not be reused where a subuid range is mapped
 * (its files would all show as root), nor the other way round (vsl_idmap_tag).
 */
#ifndef VSL_EXTRACT_H
#define VSL_EXTRACT_H

#include <stdint.h>

#include "error.h"
#include "format.h"

/* Flags for vsl_extract_tarzst. */
enum {
	VSL_EXTRACT_NO_CHOWN = 1u << 0,   /* do not even try to restore ownership */
	VSL_EXTRACT_NO_XATTRS = 1u << 1,  /* do not restore xattrs */
	VSL_EXTRACT_NO_DEVICES = 1u << 2, /* leave device nodes out without trying mknod */
	VSL_EXTRACT_FRESH = 1u << 3,      /* destfd is an empty dir we just made (not setgid):
					   * what we create is ours, so no chown to our own ids */
};

/*
 * Extract the tar.zst stored at [off, off+len) of fd (read with pread, so fd's offset is left
 * alone) into the directory destfd (borrowed). When sha256 is not NULL the compressed bytes are
 * hashed as they are read and a mismatch fails with "corrupt payload". Reading+hashing and
 * decompressing run in two threads of their own, joined before this returns. The process umask
 * is 0 meanwhile (files are created with their final permission bits). Directories get their
 * final modes and mtimes at the end, so a read-only directory in the image does not stop its
 * own contents from being written. On failure destfd may hold a partial tree.
 */
int vsl_extract_tarzst(int fd, uint64_t off, uint64_t len, int destfd, unsigned flags,
		       const uint8_t sha256[32], struct vsl_error *err);

/*
 * The extracted rootfs for sec (a VSL_SECTION_TARZST section of fd), from the cache under
 * cache_root (made with mkdir -p, mode 0700) or extracted there now. tag (NULL or "" for none,
 * else at most 24 characters of [a-z0-9-]) names the id map the files are owned under.
 * Returns the malloc'd path of the rootfs directory ("<cache_root>/<entry>/rootfs"), or NULL
 * with err set.
 */
char *vsl_extract_cached(int fd, const struct vsl_section *sec, const char *cache_root,
			 const char *tag, struct vsl_error *err);

#endif
