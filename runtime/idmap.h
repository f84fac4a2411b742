/* SPDX-License-Identifier: Apache-2.0 */
/*
 * User namespace id maps as values: what /proc/PID/uid_map and gid_map say ("inside outside
 * count" lines), and the map the runtime asks newuidmap/newgidmap for (0 -> our own id, then
 * 1..N -> the subordinate ranges, as rootless podman maps them). The FUSE server asks it which
 * of the image's owners exist in our namespace, the extract cache names its entries after it,
 * and the runner's warning counts it. Pure.
 */
#ifndef VSL_RUNTIME_IDMAP_H
#define VSL_RUNTIME_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "subid.h"

/* The kernel's limit on the lines of one map (Linux >= 4.15; 5 before). */
#define VSL_IDMAP_MAX 340

struct vsl_idmap_entry {
	uint32_t inside;  /* first id in the namespace */
	uint32_t outside; /* first id in the parent namespace */
	uint32_t count;
};

struct vsl_idmap {
	size_t n;
	struct vsl_idmap_entry e[VSL_IDMAP_MAX];
};

/* Parse a /proc/PID/uid_map or gid_map text (len bytes, no NUL needed) into m. An empty
 * text is an empty map (nothing written yet). -1 with err on anything else malformed. */
int vsl_idmap_parse(const char *text, size_t len, struct vsl_idmap *m, struct vsl_error *err);

/* Whether id (an id inside the namespace) is mapped. */
bool vsl_idmap_contains(const struct vsl_idmap *m, uint32_t id);

/* How many ids are mapped (up to 2^32 - 1). */
uint64_t vsl_idmap_size(const struct vsl_idmap *m);

/*
 * The map a rootless container gets: 0 -> self, then inside ids 1, 2, ... onto the ranges in
 * order. A range that holds self is left out (self is mapped already and map lines may not
 * overlap); inside ids stop at 4294967294. Returns the number of lines (>= 1).
 */
size_t vsl_idmap_rootless(uint32_t self, const struct vsl_subid_range *r, size_t n,
			  struct vsl_idmap *m);

/*
 * A short name for "the host owners that extraction under uids/gids writes": "" when each
 * map is one id (the files are all ours; also what caches made before ranges existed hold),
 * else "ids-" and 12 hex digits of a hash of both maps. Writes at most size bytes with NUL.
 */
void vsl_idmap_tag(const struct vsl_idmap *uids, const struct vsl_idmap *gids, char *buf,
		   size_t size);

#endif
