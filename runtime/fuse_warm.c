/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Warming the server's data cache with the container's first program while the stub is still
 * setting up (overlay, namespaces, mounts): the kernel execs it through FUSE with a fresh page
 * cache, page fault after page fault, and every fault that meets a block not yet decompressed
 * waits for the decompression. The warm thread resolves the command the way execvp will (PATH,
 * symlinks, all inside the image) and decompresses the blocks of that file and of its ELF
 * interpreter into the cache, so the faults find them there. It is an optimisation only:
 * anything it cannot resolve or read is skipped silently.
 */
#define _GNU_SOURCE
#include "fuse_warm.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define HOPS_MAX 40
#define PATH_LEN 4096

int vsl_fuse_resolve(struct vsl_sqfs *fs, const char *path, struct vsl_sqfs_inode *out)
{
	char todo[PATH_LEN], next[PATH_LEN], target[PATH_LEN], done[PATH_LEN];
	struct vsl_sqfs_inode dir, in;

	if (snprintf(todo, sizeof todo, "%s", path) >= (int)sizeof todo)
		return -ENAMETOOLONG;
	for (int hops = 0; hops <= HOPS_MAX; hops++) {
		const char *p = todo;
		size_t dlen = 0;
		bool again = false;

		if (vsl_sqfs_root(fs, &dir, NULL) < 0)
			return -EIO;
		while (*p && !again) {
			size_t len = strcspn(p, "/");
			const char *rest = p + len + (p[len] == '/');

			if (len == 0 || (len == 1 && *p == '.')) {
				p = rest;
				continue;
			}
			if (len == 2 && p[0] == '.' && p[1] == '.') {
				if (dir.ino != vsl_sqfs_ino_fuse(fs, 1) &&
				    vsl_sqfs_inode_get(fs, dir.priv.parent, &dir, NULL) < 0)
					return -EIO;
				while (dlen && done[--dlen] != '/')
					;
				p = rest;
				continue;
			}
			if (vsl_sqfs_lookup(fs, &dir, p, len, &in, NULL) < 0)
				return -ENOENT;
			if (S_ISLNK(in.mode)) {
				/* the rest of the walk goes after the target: done/target/rest */
				if (vsl_sqfs_readlink(fs, &in, target, sizeof target, NULL) < 0 ||
				    snprintf(next, sizeof next, "%.*s/%s/%s",
					     target[0] == '/' ? 0 : (int)dlen, done, target,
					     rest) >= (int)sizeof next)
					return -ENAMETOOLONG;
				memcpy(todo, next, sizeof todo);
				again = true;
				continue;
			}
			if (dlen + len + 1 >= sizeof done)
				return -ENAMETOOLONG;
			done[dlen++] = '/';
			memcpy(done + dlen, p, len);
			dlen += len;
			dir = in;
			p = rest;
		}
		if (!again) {
			*out = dir;
			return 0;
		}
	}
	return -ELOOP;
}

void vsl_fuse_elf_interp(const uint8_t *b, size_t n, char *out, size_t size)
{
	bool is64 = n >= 64 && b[4] == 2;
	uint64_t phoff;
	unsigned phent, phnum;

	out[0] = '\0';
	if (n < 52 || memcmp(b, "\177ELF", 4) != 0 || b[5] != 1 || (b[4] != 1 && !is64))
		return;
	phoff = is64 ? (uint64_t)(b[32] | b[33] << 8 | b[34] << 16 | (uint32_t)b[35] << 24)
		     : (uint64_t)(b[28] | b[29] << 8 | b[30] << 16 | (uint32_t)b[31] << 24);
	phent = is64 ? (unsigned)(b[54] | b[55] << 8) : (unsigned)(b[42] | b[43] << 8);
	phnum = is64 ? (unsigned)(b[56] | b[57] << 8) : (unsigned)(b[44] | b[45] << 8);
	for (unsigned i = 0;
	     i < phnum && phent >= (is64 ? 56u : 32u) && phoff + (uint64_t)(i + 1) * phent <= n;
	     i++) {
		const uint8_t *ph = b + phoff + (uint64_t)i * phent;
		uint64_t off = is64 ? ph[8] | ph[9] << 8 | ph[10] << 16 | (uint64_t)ph[11] << 24
				    : ph[4] | ph[5] << 8 | ph[6] << 16 | (uint64_t)ph[7] << 24;
		uint64_t len = is64 ? ph[32] | ph[33] << 8 | ph[34] << 16 | (uint64_t)ph[35] << 24
				    : ph[16] | ph[17] << 8 | ph[18] << 16 | (uint64_t)ph[19] << 24;

		if (ph[0] != 3 || ph[1] || ph[2] || ph[3]) /* PT_INTERP */
			continue;
		if (len > 1 && len < size && off + len <= n && b[off + len - 1] == '\0')
			memcpy(out, b + off, len);
		return;
	}
}

/* Decompress up to *budget blocks of in into the cache; the ELF interpreter's path to interp. */
static void warm_file(struct vsl_sqfs *fs, const struct vsl_sqfs_inode *in, unsigned *budget,
		      char *interp, size_t isize)
{
	struct vsl_sqfs_statfs st;
	struct vsl_sqfs_file *f;
	struct vsl_sqfs_span v;
	uint8_t head[4096];
	ssize_t n;

	interp[0] = '\0';
	if (!S_ISREG(in->mode) || vsl_sqfs_file_open(fs, in, &f, NULL) < 0)
		return;
	vsl_sqfs_statfs(fs, &st);
	n = vsl_sqfs_file_read(fs, f, head, sizeof head, 0, NULL);
	if (n > 0)
		vsl_fuse_elf_interp(head, (size_t)n, interp, isize);
	for (uint64_t off = 0; off < in->size && *budget; off += st.block_size, (*budget)--) {
		if (vsl_sqfs_file_spans(fs, f, off, 1, &v, 1, NULL) != 1)
			break;
		vsl_sqfs_spans_release(fs, &v, 1);
	}
	vsl_sqfs_file_close(f);
}

void vsl_fuse_warm(struct vsl_sqfs *fs, const char *cmd, const char *path_env, unsigned blocks)
{
	char path[PATH_LEN], interp[PATH_LEN];
	struct vsl_sqfs_inode in;
	const char *dirs = path_env && *path_env ? path_env : "/usr/bin:/bin";
	int rc = -ENOENT;

	if (!cmd || !*cmd)
		return;
	if (strchr(cmd, '/')) {
		if (cmd[0] == '/')
			rc = vsl_fuse_resolve(fs, cmd, &in);
	} else {
		while (rc < 0 && *dirs) {
			size_t len = strcspn(dirs, ":");

			if (len && dirs[0] == '/' &&
			    snprintf(path, sizeof path, "%.*s/%s", (int)len, dirs, cmd) <
				    (int)sizeof path)
				rc = vsl_fuse_resolve(fs, path, &in);
			if (rc == 0 && !S_ISREG(in.mode))
				rc = -ENOENT;
			dirs += len + (dirs[len] == ':');
		}
	}
	if (rc < 0)
		return;
	warm_file(fs, &in, &blocks, interp, sizeof interp);
	if (interp[0] == '/' && vsl_fuse_resolve(fs, interp, &in) == 0)
		warm_file(fs, &in, &blocks, path, sizeof path);
}
