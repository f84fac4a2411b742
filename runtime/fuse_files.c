/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The server's table of open squashfs files (see fuse_files.h). One mutex guards a linear scan
 * of a small table: the work under it is a few dozen compares, while the file is opened (the
 * block list walked) outside it.
 */
#include "fuse_files.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#define SLOTS_DEFAULT 64

struct slot {
	uint64_t ino;
	struct vsl_sqfs_file *file; /* NULL: free */
	unsigned refs;
	uint64_t used; /* the clock at the last get: LRU among slots with no refs */
};

struct vsl_fuse_files {
	pthread_mutex_t lock;
	struct vsl_sqfs *fs;
	struct slot *slots;
	unsigned n;
	uint64_t clock;
};

struct vsl_fuse_files *vsl_fuse_files_new(struct vsl_sqfs *fs, unsigned slots)
{
	struct vsl_fuse_files *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->n = slots ? slots : SLOTS_DEFAULT;
	c->slots = calloc(c->n, sizeof(*c->slots));
	if (!c->slots) {
		free(c);
		return NULL;
	}
	c->fs = fs;
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

void vsl_fuse_files_free(struct vsl_fuse_files *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < c->n; i++)
		vsl_sqfs_file_close(c->slots[i].file);
	pthread_mutex_destroy(&c->lock);
	free(c->slots);
	free(c);
}

/* Lock held: take the slot holding ino, if any. */
static bool hit(struct vsl_fuse_files *c, uint64_t ino, struct vsl_fuse_file_ref *ref)
{
	for (unsigned i = 0; i < c->n; i++) {
		struct slot *s = &c->slots[i];

		if (s->file && s->ino == ino) {
			s->refs++;
			s->used = ++c->clock;
			ref->file = s->file;
			ref->slot = s;
			return true;
		}
	}
	return false;
}

/* Lock held: a free slot, else the least recently used one nobody holds, else NULL. */
static struct slot *victim(struct vsl_fuse_files *c)
{
	struct slot *best = NULL;

	for (unsigned i = 0; i < c->n; i++) {
		struct slot *s = &c->slots[i];

		if (!s->file)
			return s;
		if (s->refs == 0 && (!best || s->used < best->used))
			best = s;
	}
	return best;
}

int vsl_fuse_files_get(struct vsl_fuse_files *c, uint64_t ino, struct vsl_fuse_file_ref *ref,
		       struct vsl_error *err)
{
	struct vsl_sqfs_file *f, *old = NULL;
	struct vsl_sqfs_inode in;
	struct slot *s;
	int rc;

	ref->file = NULL;
	ref->slot = NULL;
	pthread_mutex_lock(&c->lock);
	if (hit(c, ino, ref)) {
		pthread_mutex_unlock(&c->lock);
		return 0;
	}
	pthread_mutex_unlock(&c->lock);
	rc = vsl_sqfs_inode_get(c->fs, ino, &in, err);
	if (rc >= 0)
		rc = vsl_sqfs_file_open(c->fs, &in, &f, err);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&c->lock);
	if (hit(c, ino, ref)) {
		/* another thread opened it meanwhile: use theirs */
		pthread_mutex_unlock(&c->lock);
		vsl_sqfs_file_close(f);
		return 0;
	}
	s = victim(c);
	if (s) {
		old = s->file;
		s->ino = ino;
		s->file = f;
		s->refs = 1;
		s->used = ++c->clock;
	}
	pthread_mutex_unlock(&c->lock);
	vsl_sqfs_file_close(old);
	ref->file = f;
	ref->slot = s;
	return 0;
}

void vsl_fuse_files_put(struct vsl_fuse_files *c, struct vsl_fuse_file_ref *ref)
{
	struct slot *s = ref->slot;

	if (s) {
		pthread_mutex_lock(&c->lock);
		s->refs--;
		pthread_mutex_unlock(&c->lock);
	} else {
		vsl_sqfs_file_close(ref->file);
	}
	ref->file = NULL;
	ref->slot = NULL;
}
