/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SquashFS reader's shared mutable state, and the only place that locks: the block caches
 * (metadata and data), the pool of decompression contexts and the inode-number map.
 *
 * A cache is a fixed array of slots with CLOCK eviction and a hash chain per key. get() pins a
 * slot (refs > 0) so that the caller reads the bytes without holding the lock; a miss claims a
 * slot in LOADING state and loads it outside the lock, so decompression runs in parallel and
 * other threads wanting the same block wait for it instead of loading it twice. When every slot
 * is pinned (more concurrent readers than slots), the block is loaded into a private buffer
 * instead: slower, never blocking, never failing for lack of slots.
 */
#include "internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

enum { SLOT_EMPTY, SLOT_LOADING, SLOT_VALID };

struct slot {
	uint64_t key;
	uint8_t *buf;
	size_t len;
	uint64_t aux;
	unsigned refs;
	int next; /* hash chain, -1 ends it */
	uint8_t state;
	uint8_t used; /* CLOCK reference bit */
};

struct sqfs_cache {
	pthread_mutex_t lock;
	pthread_cond_t loaded;
	struct slot *slots;
	int *bucket;
	unsigned n, nbucket, hand;
	size_t slot_size;
	uint8_t *arena; /* n x slot_size: slot i's buffer is arena + i * slot_size */
	void (*arena_free)(void *p, size_t size);
};

static void *arena_malloc(size_t size)
{
	return malloc(size);
}

static void arena_unmalloc(void *p, size_t size)
{
	(void)size;
	free(p);
}

struct sqfs_cache *sqfs_cache_new(unsigned slots, size_t slot_size,
				  const struct vsl_sqfs_options *opt)
{
	bool own = opt && opt->arena_alloc && opt->arena_free;
	struct sqfs_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->n = slots ? slots : 1;
	c->nbucket = 1;
	while (c->nbucket < 2 * c->n)
		c->nbucket <<= 1;
	c->slot_size = slot_size;
	c->slots = calloc(c->n, sizeof(*c->slots));
	c->bucket = malloc(c->nbucket * sizeof(*c->bucket));
	c->arena_free = own ? opt->arena_free : arena_unmalloc;
	/* n <= CACHE_MAX and slot_size <= the largest block size: no overflow */
	c->arena = (own ? opt->arena_alloc : arena_malloc)((size_t)c->n * slot_size);
	if (!c->slots || !c->bucket || !c->arena) {
		sqfs_cache_free(c);
		return NULL;
	}
	for (unsigned i = 0; i < c->n; i++)
		c->slots[i].buf = c->arena + (size_t)i * slot_size;
	for (unsigned i = 0; i < c->nbucket; i++)
		c->bucket[i] = -1;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->loaded, NULL);
	return c;
}

void sqfs_cache_free(struct sqfs_cache *c)
{
	if (!c)
		return;
	if (c->arena)
		c->arena_free(c->arena, (size_t)c->n * c->slot_size);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->loaded);
	free(c->slots);
	free(c->bucket);
	free(c);
}

static unsigned hash_key(const struct sqfs_cache *c, uint64_t key)
{
	key ^= key >> 29;
	key *= 0xbf58476d1ce4e5b9ull;
	key ^= key >> 32;
	return (unsigned)key & (c->nbucket - 1);
}

static struct slot *find(struct sqfs_cache *c, uint64_t key)
{
	for (int i = c->bucket[hash_key(c, key)]; i >= 0; i = c->slots[i].next)
		if (c->slots[i].key == key && c->slots[i].state != SLOT_EMPTY)
			return &c->slots[i];
	return NULL;
}

static void unchain(struct sqfs_cache *c, struct slot *s)
{
	int idx = (int)(s - c->slots);
	int *p = &c->bucket[hash_key(c, s->key)];

	while (*p >= 0 && *p != idx)
		p = &c->slots[*p].next;
	if (*p == idx)
		*p = s->next;
	s->next = -1;
}

/* CLOCK: the first unpinned slot whose reference bit is clear, clearing bits on the way. */
static struct slot *victim(struct sqfs_cache *c)
{
	for (unsigned tries = 0; tries < 2 * c->n; tries++) {
		struct slot *s = &c->slots[c->hand];

		c->hand = (c->hand + 1) % c->n;
		if (s->refs || s->state == SLOT_LOADING)
			continue;
		if (s->used && s->state == SLOT_VALID) {
			s->used = 0;
			continue;
		}
		if (s->state != SLOT_EMPTY)
			unchain(c, s);
		s->state = SLOT_EMPTY;
		return s;
	}
	return NULL;
}

static int load_private(struct sqfs_cache *c, struct vsl_sqfs *fs, uint64_t key, sqfs_load_fn load,
			const void *arg, struct sqfs_block *out, struct vsl_error *err)
{
	uint8_t *buf = malloc(c->slot_size);
	int rc;

	if (!buf)
		return sqfs_nomem(err, "a squashfs block buffer");
	rc = load(fs, key, arg, buf, c->slot_size, &out->len, &out->aux, err);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	out->data = buf;
	out->own = buf;
	out->slot = NULL;
	return 0;
}

/* Claim a slot for key (lock held): returns it LOADING and pinned, or NULL if none is free. */
static struct slot *claim(struct sqfs_cache *c, uint64_t key)
{
	struct slot *s = victim(c);
	unsigned h;

	if (!s)
		return NULL;
	h = hash_key(c, key);
	s->key = key;
	s->state = SLOT_LOADING;
	s->refs = 1;
	s->next = c->bucket[h];
	c->bucket[h] = (int)(s - c->slots);
	return s;
}

int sqfs_cache_get(struct sqfs_cache *c, struct vsl_sqfs *fs, uint64_t key, sqfs_load_fn load,
		   const void *arg, struct sqfs_block *out, struct vsl_error *err)
{
	struct slot *s;
	int rc;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&c->lock);
	while ((s = find(c, key)) && s->state == SLOT_LOADING)
		pthread_cond_wait(&c->loaded, &c->lock);
	if (s) {
		s->refs++;
		s->used = 1;
		pthread_mutex_unlock(&c->lock);
		out->data = s->buf;
		out->len = s->len;
		out->aux = s->aux;
		out->slot = s;
		return 0;
	}
	s = claim(c, key);
	pthread_mutex_unlock(&c->lock);
	if (!s)
		return load_private(c, fs, key, load, arg, out, err);

	rc = load(fs, key, arg, s->buf, c->slot_size, &out->len, &out->aux, err);
	pthread_mutex_lock(&c->lock);
	if (rc < 0) {
		unchain(c, s);
		s->state = SLOT_EMPTY;
		s->refs = 0;
	} else {
		s->state = SLOT_VALID;
		s->len = out->len;
		s->aux = out->aux;
		s->used = 1;
	}
	pthread_cond_broadcast(&c->loaded);
	pthread_mutex_unlock(&c->lock);
	if (rc < 0)
		return rc;
	out->data = s->buf;
	out->slot = s;
	return 0;
}

void sqfs_cache_put(struct sqfs_cache *c, struct sqfs_block *b)
{
	if (b->own) {
		free(b->own);
	} else if (b->slot) {
		struct slot *s = b->slot;

		pthread_mutex_lock(&c->lock);
		s->refs--;
		pthread_mutex_unlock(&c->lock);
	}
	memset(b, 0, sizeof(*b));
}

/* --- a pool of reusable objects (decompression contexts) ------------------------------- */

#define POOL_MAX 32

struct sqfs_pool {
	pthread_mutex_t lock;
	void (*destroy)(void *);
	void *items[POOL_MAX];
	unsigned n;
};

struct sqfs_pool *sqfs_pool_new(void (*destroy)(void *))
{
	struct sqfs_pool *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->destroy = destroy;
	pthread_mutex_init(&p->lock, NULL);
	return p;
}

void sqfs_pool_free(struct sqfs_pool *p)
{
	if (!p)
		return;
	for (unsigned i = 0; i < p->n; i++)
		p->destroy(p->items[i]);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* An idle item, or NULL: then the caller makes a new one. */
void *sqfs_pool_get(struct sqfs_pool *p)
{
	void *item = NULL;

	pthread_mutex_lock(&p->lock);
	if (p->n)
		item = p->items[--p->n];
	pthread_mutex_unlock(&p->lock);
	return item;
}

void sqfs_pool_put(struct sqfs_pool *p, void *item)
{
	pthread_mutex_lock(&p->lock);
	if (p->n < POOL_MAX) {
		p->items[p->n++] = item;
		item = NULL;
	}
	pthread_mutex_unlock(&p->lock);
	if (item)
		p->destroy(item);
}

/* --- inode number -> reference, for images without an export table --------------------- */

struct inomap_entry {
	uint64_t ino; /* 0: free */
	uint64_t ref;
};

struct sqfs_inomap {
	pthread_mutex_t lock;
	struct inomap_entry *tab;
	size_t cap, used; /* cap is a power of two */
};

struct sqfs_inomap *sqfs_inomap_new(void)
{
	struct sqfs_inomap *m = calloc(1, sizeof(*m));

	if (m)
		pthread_mutex_init(&m->lock, NULL);
	return m;
}

void sqfs_inomap_free(struct sqfs_inomap *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->lock);
	free(m->tab);
	free(m);
}

static struct inomap_entry *inomap_slot(struct inomap_entry *tab, size_t cap, uint64_t ino)
{
	size_t i = (size_t)((ino * 0x9e3779b97f4a7c15ull) >> 17) & (cap - 1);

	while (tab[i].ino && tab[i].ino != ino)
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

static bool inomap_grow(struct sqfs_inomap *m)
{
	size_t cap = m->cap ? 2 * m->cap : 1024;
	struct inomap_entry *tab = calloc(cap, sizeof(*tab));

	if (!tab)
		return false;
	for (size_t i = 0; i < m->cap; i++)
		if (m->tab[i].ino)
			*inomap_slot(tab, cap, m->tab[i].ino) = m->tab[i];
	free(m->tab);
	m->tab = tab;
	m->cap = cap;
	return true;
}

/* Best effort: when full (VSL_SQFS_INOMAP_MAX) or out of memory the number is not remembered. */
void sqfs_inomap_add(struct sqfs_inomap *m, uint64_t ino, uint64_t ref)
{
	struct inomap_entry *e;

	pthread_mutex_lock(&m->lock);
	if ((m->used + 1) * 2 > m->cap && (m->used >= VSL_SQFS_INOMAP_MAX || !inomap_grow(m))) {
		pthread_mutex_unlock(&m->lock);
		return;
	}
	e = inomap_slot(m->tab, m->cap, ino);
	if (!e->ino)
		m->used++;
	e->ino = ino;
	e->ref = ref;
	pthread_mutex_unlock(&m->lock);
}

bool sqfs_inomap_find(struct sqfs_inomap *m, uint64_t ino, uint64_t *ref)
{
	struct inomap_entry *e;
	bool found = false;

	pthread_mutex_lock(&m->lock);
	if (m->cap) {
		e = inomap_slot(m->tab, m->cap, ino);
		found = ino && e->ino == ino;
		*ref = e->ref;
	}
	pthread_mutex_unlock(&m->lock);
	return found;
}
