/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `vessel inspect FILE [--json] [--verify]`: what a built file holds, from its trailer, its
 * meta section (image ID, arch, vessel version, build time, formats, entrypoint and cmd) and
 * its config section (what actually runs: args, env, working directory, user). The parsing and
 * the two renderings are pure functions of those bytes, so they are unit-tested on their own;
 * only vsl_inspect_cmd and vsl_section_hash touch the file.
 *
 * The JSON document's keys are stable and documented in docs/man/vessel-inspect.1: a key is
 * always present, with null where the file has no value for it.
 */
#ifndef VSL_BUILDER_INSPECT_H
#define VSL_BUILDER_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "config.h"
#include "error.h"
#include "format.h"
#include "progress.h"

enum vsl_check {
	VSL_CHECK_NOT_DONE = 0,
	VSL_CHECK_OK,
	VSL_CHECK_CORRUPT,
};

struct vsl_inspect_info {
	const char *name; /* the file as the user named it */
	uint64_t size;
	struct vsl_trailer trailer;
	/* from the meta section (have_meta false: missing or corrupt); NULL when absent */
	bool have_meta;
	char *vessel_version, *digest, *arch, *created, *built;
	char **formats, **entrypoint, **cmd;
	/* from the config section (have_config false: missing or corrupt) */
	bool have_config;
	struct vsl_config config;
	/* --verify: per trailer slot */
	bool verified;
	enum vsl_check check[VSL_MAX_SECTIONS];
};

/* Fill the meta fields from the meta section's bytes. Pure. */
int vsl_inspect_parse_meta(struct vsl_inspect_info *in, const char *buf, size_t len,
			   struct vsl_error *err);
void vsl_inspect_info_free(struct vsl_inspect_info *in);

/* Human-readable report. Returns -1 when writing to f failed. */
int vsl_inspect_print_text(const struct vsl_inspect_info *in, FILE *f);
/* The JSON document (NUL-terminated, with a final newline). */
int vsl_inspect_json(const struct vsl_inspect_info *in, char **out, size_t *len,
		     struct vsl_error *err);

/* sha256 of a section of fd, read with pread; its bytes count on progress stage id. */
int vsl_section_hash(int fd, const struct vsl_section *s, uint8_t out[32], struct vsl_progress *pg,
		     int id, struct vsl_error *err);

/*
 * The command: 0, or -1 with err set when the file cannot be read or is not a vessel file or
 * (--verify) a section does not match its sha256. The report is printed either way when
 * the trailer could be read.
 */
int vsl_inspect_cmd(const struct vsl_inspect_opts *o, struct vsl_error *err);

#endif
