/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The embedded OCI runtime config.json, reduced to what the direct runner needs, and the meta
 * section's fields for --version. Both parsers are pure functions over buffers (yajl_tree),
 * so they are unit-tested and fuzzed on their own.
 */
#ifndef VSL_RUNTIME_CONFIG_H
#define VSL_RUNTIME_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "env.h"
#include "error.h"

struct vsl_config {
	struct vsl_strlist args; /* process.args: the image's Entrypoint then Cmd */
	struct vsl_strlist env;	 /* process.env */
	char *cwd;		 /* process.cwd, "/" when absent */
	uint32_t uid;		 /* process.user.uid */
	uint32_t gid;		 /* process.user.gid */
	uint32_t *additional_gids;
	size_t n_additional_gids;
	bool terminal;	    /* process.terminal */
	char *hostname;	    /* hostname, or NULL */
	bool root_readonly; /* root.readonly */
};

/* Parse buf[0..len) (need not be NUL-terminated). On error *c is empty and err names the
 * field, or yajl's message for malformed JSON. */
int vsl_config_parse(const char *buf, size_t len, struct vsl_config *c, struct vsl_error *err);
void vsl_config_free(struct vsl_config *c);

/*
 * The meta section as "key: value" lines for --version: every top-level string, number or
 * boolean, and arrays of those joined with ", ", in file order. Whatever the builder adds
 * shows up without a stub change.
 */
int vsl_meta_describe(const char *buf, size_t len, struct vsl_strlist *lines,
		      struct vsl_error *err);

/*
 * The image's Entrypoint and Cmd, which the meta section keeps apart (config.json has them
 * joined in process.args). Needed only when the command line replaces one of them, as
 * `./app ARGS` (new Cmd) and --entrypoint do.
 */
struct vsl_meta_cmd {
	struct vsl_strlist entrypoint;
	struct vsl_strlist cmd;
};

int vsl_meta_cmd_parse(const char *buf, size_t len, struct vsl_meta_cmd *m, struct vsl_error *err);
void vsl_meta_cmd_free(struct vsl_meta_cmd *m);

#endif
