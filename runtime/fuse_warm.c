/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Warming the server's data cache with the container's first program while the stub is still
 * setting up (overlay, namespaces, mounts): the kernel execs it through FUSE with a fresh page
 * cache, page fault after page fault, and every fault that meets a block not yet decompressed
 * waits for the decompression. The warm thread resolves the command the way execvp will (PATH,
 * symlinks, all inside the image) and decompresses the blocks of that file, of its ELF
 * interpreter and of the shared libraries the interpreter will map (DT_NEEDED, breadth first)
 * into the cache, so the faults find them there. It is an optimisation only:
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
#define ELF_DYN_MAX (16u << 10)	 /* the dynamic section read: 1024 entries of a 64-bit ELF */
#define ELF_STR_MAX (256u << 10) /* the dynamic string table read */

int vsl_fuse_resolve(struct vsl_sqfs *fs, const char *path, struct vsl_sqfs_inode *out)
{
	return vsl_fuse_resolve_path(fs, path, out, NULL, 0);
}

int vsl_fuse_resolve_path(struct vsl_sqfs *fs, const char *path, struct vsl_sqfs_inode *out,
			  char *resolved, size_t rsize)
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
			if (resolved &&
			    snprintf(resolved, rsize, "%.*s", (int)dlen, done) >= (int)rsize)
				return -ENAMETOOLONG;
			*out = dir;
			return 0;
		}
	}
	return -ELOOP;
}

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/*
 * The ELF header's facts: whether it is a little-endian ELF (then 0), 64-bit or not, and its
 * program header table's place.
 */
struct elf {
	bool is64;
	uint64_t phoff;
	unsigned phent, phnum;
};

static int elf_head(const uint8_t *b, size_t n, struct elf *e)
{
	if (n < 52 || memcmp(b, "\177ELF", 4) != 0 || b[5] != 1 || (b[4] != 1 && b[4] != 2))
		return -1;
	e->is64 = b[4] == 2;
	if (e->is64 && n < 64)
		return -1;
	e->phoff = e->is64 ? le(b + 32, 8) : le(b + 28, 4);
	e->phent = (unsigned)(e->is64 ? le(b + 54, 2) : le(b + 42, 2));
	e->phnum = (unsigned)(e->is64 ? le(b + 56, 2) : le(b + 44, 2));
	return e->phent >= (e->is64 ? 56u : 32u) ? 0 : -1;
}

/* Program header i if it lies inside the n bytes: type, offset, vaddr and file size. */
static bool elf_phdr(const uint8_t *b, size_t n, const struct elf *e, unsigned i, uint32_t *type,
		     uint64_t *off, uint64_t *vaddr, uint64_t *filesz)
{
	const uint8_t *ph;

	if (e->phoff > n || (uint64_t)(i + 1) * e->phent > n - e->phoff)
		return false;
	ph = b + e->phoff + (uint64_t)i * e->phent;
	*type = (uint32_t)le(ph, 4);
	*off = e->is64 ? le(ph + 8, 8) : le(ph + 4, 4);
	*vaddr = e->is64 ? le(ph + 16, 8) : le(ph + 8, 4);
	*filesz = e->is64 ? le(ph + 32, 8) : le(ph + 16, 4);
	return true;
}

void vsl_fuse_elf_interp(const uint8_t *b, size_t n, char *out, size_t size)
{
	uint64_t off, vaddr, len;
	struct elf e;
	uint32_t type;

	out[0] = '\0';
	if (elf_head(b, n, &e) < 0)
		return;
	for (unsigned i = 0; i < e.phnum && elf_phdr(b, n, &e, i, &type, &off, &vaddr, &len); i++) {
		if (type != 3) /* PT_INTERP */
			continue;
		if (len > 1 && len < size && off + len <= n && b[off + len - 1] == '\0')
			memcpy(out, b + off, len);
		return;
	}
}

int vsl_fuse_elf_needed(const uint8_t *b, size_t n, vsl_fuse_elf_read_fn read, void *ctx,
			char (*names)[VSL_FUSE_NEEDED_NAME], int max)
{
	uint64_t off, vaddr, len, dyn_off = 0, dyn_len = 0, str_va = 0, str_len = 0;
	uint8_t *dyn = NULL, *str = NULL;
	uint64_t needed[VSL_FUSE_NEEDED_MAX];
	int count = 0, found = 0;
	unsigned dsize;
	struct elf e;
	uint32_t type;
	ssize_t got;

	if (elf_head(b, n, &e) < 0)
		return 0;
	for (unsigned i = 0; i < e.phnum && elf_phdr(b, n, &e, i, &type, &off, &vaddr, &len); i++)
		if (type == 2) { /* PT_DYNAMIC */
			dyn_off = off;
			dyn_len = len < ELF_DYN_MAX ? len : ELF_DYN_MAX;
		}
	if (!dyn_len || !(dyn = malloc((size_t)dyn_len)) ||
	    (got = read(ctx, dyn, (size_t)dyn_len, dyn_off)) <= 0)
		goto out;
	dsize = e.is64 ? 16 : 8;
	for (size_t i = 0; i + dsize <= (size_t)got; i += dsize) {
		uint64_t tag = le(dyn + i, dsize / 2), val = le(dyn + i + dsize / 2, dsize / 2);

		if (tag == 0) /* DT_NULL */
			break;
		if (tag == 1 && count < VSL_FUSE_NEEDED_MAX) /* DT_NEEDED */
			needed[count++] = val;
		else if (tag == 5) /* DT_STRTAB, an address */
			str_va = val;
		else if (tag == 10) /* DT_STRSZ */
			str_len = val;
	}
	if (!count || !str_va || !str_len)
		goto out;
	/* the string table's file offset: through the PT_LOAD segment that maps its address */
	for (unsigned i = 0; i < e.phnum && elf_phdr(b, n, &e, i, &type, &off, &vaddr, &len); i++) {
		if (type != 1 || str_va < vaddr || str_va - vaddr >= len)
			continue;
		if (str_len > len - (str_va - vaddr))
			str_len = len - (str_va - vaddr);
		if (str_len > ELF_STR_MAX)
			str_len = ELF_STR_MAX;
		str = malloc((size_t)str_len);
		got = str ? read(ctx, str, (size_t)str_len, off + (str_va - vaddr)) : -1;
		for (int k = 0; got > 0 && k < count && found < max; k++) {
			const char *name;
			size_t room, nlen;

			if (needed[k] >= (uint64_t)got)
				continue;
			name = (const char *)str + needed[k];
			room = (size_t)got - (size_t)needed[k];
			nlen = strnlen(name, room);
			if (nlen == room || nlen == 0 || nlen >= VSL_FUSE_NEEDED_NAME ||
			    memchr(name, '/', nlen))
				continue;
			memcpy(names[found++], name, nlen + 1);
		}
		break;
	}
out:
	free(dyn);
	free(str);
	return found;
}

struct warm_read {
	struct vsl_sqfs *fs;
	struct vsl_sqfs_file *f;
};

static ssize_t warm_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct warm_read *w = ctx;

	return vsl_sqfs_file_read(w->fs, w->f, buf, len, off, NULL);
}

/*
 * Decompress up to *budget blocks of in into the cache; its ELF interpreter's path to interp
 * and its DT_NEEDED names to needed (the count to *nneeded). Returns how many bytes from the
 * start are now in the cache: what is worth reading ahead (the budget bounds both).
 */
static uint64_t warm_file(struct vsl_sqfs *fs, const struct vsl_sqfs_inode *in, unsigned *budget,
			  char *interp, size_t isize, char (*needed)[VSL_FUSE_NEEDED_NAME],
			  int *nneeded)
{
	struct vsl_sqfs_statfs st;
	struct vsl_sqfs_file *f;
	struct vsl_sqfs_span v;
	uint8_t head[4096];
	ssize_t n;

	uint64_t off = 0;

	interp[0] = '\0';
	*nneeded = 0;
	if (!S_ISREG(in->mode) || vsl_sqfs_file_open(fs, in, &f, NULL) < 0)
		return 0;
	vsl_sqfs_statfs(fs, &st);
	n = vsl_sqfs_file_read(fs, f, head, sizeof head, 0, NULL);
	if (n > 0) {
		struct warm_read w = { fs, f };

		vsl_fuse_elf_interp(head, (size_t)n, interp, isize);
		*nneeded = vsl_fuse_elf_needed(head, (size_t)n, warm_read, &w, needed,
					       VSL_FUSE_NEEDED_MAX);
	}
	for (; off < in->size && *budget; off += st.block_size, (*budget)--) {
		if (vsl_sqfs_file_spans(fs, f, off, 1, &v, 1, NULL) != 1)
			break;
		vsl_sqfs_spans_release(fs, &v, 1);
	}
	vsl_sqfs_file_close(f);
	return off < in->size ? off : in->size;
}

/* Where the dynamic linkers of glibc (Debian's multiarch layout; the tuple comes from
 * arch/<arch>/arch.mk) and musl look by default. */
static const char *const lib_dirs[] = { "/lib/" VSL_ARCH_MULTIARCH,
					"/usr/lib/" VSL_ARCH_MULTIARCH,
					"/lib64",
					"/usr/lib64",
					"/lib",
					"/usr/lib" };

static bool seen(char (*names)[VSL_FUSE_NEEDED_NAME], int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

/* Hand the warmed head of a file (len bytes) to the caller's touch, by its path without
 * symlinks. */
static void touch(const struct vsl_fuse_warm_touch *t, const char *path, uint64_t len)
{
	if (t && t->fn && len)
		t->fn(t->ctx, path[0] ? path : "/", len);
}

/* Warm and touch a file whose own interpreter and libraries do not matter. */
static void warm_leaf(struct vsl_sqfs *fs, const struct vsl_sqfs_inode *in, unsigned *budget,
		      const struct vsl_fuse_warm_touch *t, const char *real)
{
	char interp[PATH_LEN], names[VSL_FUSE_NEEDED_MAX][VSL_FUSE_NEEDED_NAME];
	int n;

	touch(t, real, warm_file(fs, in, budget, interp, sizeof interp, names, &n));
}

void vsl_fuse_warm(struct vsl_sqfs *fs, const char *cmd, const char *path_env, unsigned blocks,
		   const struct vsl_fuse_warm_touch *t)
{
	char path[PATH_LEN], interp[PATH_LEN], ignored[PATH_LEN], real[PATH_LEN];
	char queue[VSL_FUSE_NEEDED_MAX][VSL_FUSE_NEEDED_NAME];
	char found[VSL_FUSE_NEEDED_MAX][VSL_FUSE_NEEDED_NAME];
	struct vsl_sqfs_inode in;
	const char *dirs = path_env && *path_env ? path_env : "/usr/bin:/bin";
	int rc = -ENOENT, nq = 0, nf = 0;

	if (!cmd || !*cmd)
		return;
	if (strchr(cmd, '/')) {
		if (cmd[0] == '/')
			rc = vsl_fuse_resolve_path(fs, cmd, &in, real, sizeof real);
	} else {
		while (rc < 0 && *dirs) {
			size_t len = strcspn(dirs, ":");

			if (len && dirs[0] == '/' &&
			    snprintf(path, sizeof path, "%.*s/%s", (int)len, dirs, cmd) <
				    (int)sizeof path)
				rc = vsl_fuse_resolve_path(fs, path, &in, real, sizeof real);
			if (rc == 0 && !S_ISREG(in.mode))
				rc = -ENOENT;
			dirs += len + (dirs[len] == ':');
		}
	}
	if (rc < 0)
		return;
	/* the program, then what the kernel maps before it runs: its interpreter... */
	touch(t, real, warm_file(fs, &in, &blocks, interp, sizeof interp, queue, &nq));
	if (interp[0] == '/' && vsl_fuse_resolve_path(fs, interp, &in, real, sizeof real) == 0)
		warm_leaf(fs, &in, &blocks, t, real);
	/* ...then what the interpreter loads, breadth first, each library once */
	for (int q = 0; q < nq && blocks; q++) {
		char more[VSL_FUSE_NEEDED_MAX][VSL_FUSE_NEEDED_NAME];
		int nmore = 0;

		if (seen(found, nf, queue[q]) || nf == VSL_FUSE_NEEDED_MAX)
			continue;
		memcpy(found[nf++], queue[q], sizeof queue[q]);
		for (size_t d = 0; d < sizeof lib_dirs / sizeof lib_dirs[0]; d++) {
			if (snprintf(path, sizeof path, "%s/%s", lib_dirs[d], queue[q]) >=
				    (int)sizeof path ||
			    vsl_fuse_resolve_path(fs, path, &in, real, sizeof real) < 0 ||
			    !S_ISREG(in.mode))
				continue;
			touch(t, real,
			      warm_file(fs, &in, &blocks, ignored, sizeof ignored, more, &nmore));
			break;
		}
		for (int k = 0; k < nmore && nq < VSL_FUSE_NEEDED_MAX; k++)
			if (!seen(queue, nq, more[k]))
				memcpy(queue[nq++], more[k], sizeof more[k]);
	}
	/* glibc's ld.so reads its cache before it looks for any library */
	if (nq && vsl_fuse_resolve_path(fs, "/etc/ld.so.cache", &in, real, sizeof real) == 0)
		warm_leaf(fs, &in, &blocks, t, real);
}
