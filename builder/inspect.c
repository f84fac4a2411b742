/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `vessel inspect` (see inspect.h). The file is opened through the runtime's own payload
 * reader (runtime/payload.c), so inspect accepts exactly the files a stub would run and
 * refuses the others with the same one-line errors. Without --verify only the trailer (whose
 * checksum is always checked) and the two small sections are read, and those two are checked
 * against their sha256 as the stub checks them; --verify reads every byte of every section.
 */
#define _GNU_SOURCE
#include "inspect.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "json.h"
#include "payload.h"
#include "sha256.h"

#define HASH_CHUNK (1u << 20)

void vsl_inspect_info_free(struct vsl_inspect_info *in)
{
	free(in->vessel_version);
	free(in->digest);
	free(in->arch);
	free(in->created);
	free(in->built);
	vsl_strv_free(in->formats);
	vsl_strv_free(in->entrypoint);
	vsl_strv_free(in->cmd);
	if (in->have_config)
		vsl_config_free(&in->config);
	in->have_meta = in->have_config = false;
	in->vessel_version = in->digest = in->arch = in->created = in->built = NULL;
	in->formats = in->entrypoint = in->cmd = NULL;
}

/* A string member, copied; absent is NULL. */
static int dup_str(yajl_val root, const char *key, char **out, struct vsl_error *err)
{
	const char *v = vsl_json_str(root, key);

	*out = v ? strdup(v) : NULL;
	return v && !*out ? vsl_error_set(err, ENOMEM, "meta") : 0;
}

int vsl_inspect_parse_meta(struct vsl_inspect_info *in, const char *buf, size_t len,
			   struct vsl_error *err)
{
	yajl_val root = vsl_json_parse(buf, len, "the meta section", err);
	int r = -1;

	if (!root)
		return -1;
	if (!YAJL_IS_OBJECT(root)) {
		vsl_error_set(err, 0, "the meta section is not a JSON object");
		goto out;
	}
	if (dup_str(root, "vessel_version", &in->vessel_version, err) < 0 ||
	    dup_str(root, "digest", &in->digest, err) < 0 ||
	    dup_str(root, "arch", &in->arch, err) < 0 ||
	    dup_str(root, "created", &in->created, err) < 0 ||
	    dup_str(root, "built", &in->built, err) < 0 ||
	    vsl_json_strv(vsl_json_get(root, "formats"), "meta formats", &in->formats, err) < 0 ||
	    vsl_json_strv(vsl_json_get(root, "entrypoint"), "meta entrypoint", &in->entrypoint,
			  err) < 0 ||
	    vsl_json_strv(vsl_json_get(root, "cmd"), "meta cmd", &in->cmd, err) < 0)
		goto out;
	in->have_meta = true;
	r = 0;
out:
	yajl_tree_free(root);
	return r;
}

/* ---- text ---------------------------------------------------------------------------------- */

/* s as a JSON string: quotes, backslashes and control characters escaped. */
static void put_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* ["a", "b"], or "(none)" for an absent list. */
static void put_strv(FILE *f, char *const *v)
{
	if (!v) {
		fputs("(none)", f);
		return;
	}
	fputc('[', f);
	for (size_t i = 0; v[i]; i++) {
		if (i)
			fputs(", ", f);
		put_quoted(f, v[i]);
	}
	fputc(']', f);
}

static void put_list(FILE *f, char *const *v)
{
	if (!v || !v[0]) {
		fputs(v ? "(none)" : "(unknown)", f);
		return;
	}
	for (size_t i = 0; v[i]; i++)
		fprintf(f, "%s%s", i ? ", " : "", v[i]);
}

static void print_meta(const struct vsl_inspect_info *in, FILE *f)
{
	if (!in->have_meta) {
		fputs("Image:        (the meta section is missing or corrupt)\n", f);
		return;
	}
	fprintf(f, "Image ID:     %s\n", in->digest ? in->digest : "(unknown)");
	fprintf(f, "Created:      %s\n", in->created ? in->created : "(not recorded)");
	fprintf(f, "Arch:         %s\n", in->arch ? in->arch : "(unknown)");
	fprintf(f, "Built:        %s by vessel %s\n",
		in->built ? in->built : "(time not recorded: no SOURCE_DATE_EPOCH)",
		in->vessel_version ? in->vessel_version : "(unknown)");
	fputs("Formats:      ", f);
	put_list(f, in->formats);
	fputs("\nEntrypoint:   ", f);
	put_strv(f, in->entrypoint);
	fputs("\nCmd:          ", f);
	put_strv(f, in->cmd);
	fputc('\n', f);
}

static void print_config(const struct vsl_inspect_info *in, FILE *f)
{
	const struct vsl_config *c = &in->config;

	if (!in->have_config) {
		fputs("Runs:         (the config section is missing or corrupt)\n", f);
		return;
	}
	fputs("Runs:         ", f);
	put_strv(f, c->args.v);
	fputs("\nEnv:          ", f);
	for (size_t i = 0; i < c->env.n; i++)
		fprintf(f, "%s%s\n", i ? "              " : "", c->env.v[i]);
	if (!c->env.n)
		fputs("(none)\n", f);
	fprintf(f, "Workdir:      %s\n", c->cwd ? c->cwd : "/");
	fprintf(f, "User:         %" PRIu32 ":%" PRIu32, c->uid, c->gid);
	for (size_t i = 0; i < c->n_additional_gids; i++)
		fprintf(f, "%s%" PRIu32, i ? "," : " (groups ", c->additional_gids[i]);
	fputs(c->n_additional_gids ? ")\n" : "\n", f);
}

static const char *check_name(enum vsl_check c)
{
	return c == VSL_CHECK_OK ? "ok" : c == VSL_CHECK_CORRUPT ? "CORRUPT" : "-";
}

/* One row of the table; check is NULL without --verify (no trailing blanks then). */
static void row(FILE *f, const char *kind, uint64_t off, uint64_t len, const char *sha,
		const char *check)
{
	char size[32];

	vsl_progress_size(len, size, sizeof size);
	fprintf(f, "  %-9s %12" PRIu64 " %12" PRIu64 " %9s  ", kind, off, len, size);
	if (check)
		fprintf(f, "%-16.16s  %s\n", sha, check);
	else
		fprintf(f, "%.16s\n", sha);
}

static void print_sections(const struct vsl_inspect_info *in, FILE *f)
{
	const struct vsl_trailer *t = &in->trailer;
	const char *none = in->verified ? "-" : NULL;
	char hex[65];

	fprintf(f, "Sections:\n  %-9s %12s %12s %9s  %s\n", "KIND", "OFFSET", "LENGTH", "SIZE",
		in->verified ? "SHA256            CHECK" : "SHA256");
	row(f, "stub", 0, t->stub_length, "-", none);
	for (uint32_t i = 0; i < t->count; i++) {
		const struct vsl_section *s = &t->sections[i];

		vsl_sha256_hex(s->sha256, hex);
		row(f, vsl_section_kind_name(s->kind), s->offset, s->length, hex,
		    in->verified ? check_name(in->check[i]) : NULL);
	}
	row(f, "trailer", in->size - VSL_TRAILER_SIZE, VSL_TRAILER_SIZE, "-", none);
}

int vsl_inspect_print_text(const struct vsl_inspect_info *in, FILE *f)
{
	char size[32];

	vsl_progress_size(in->size, size, sizeof size);
	fprintf(f, "File:         %s (%s, %" PRIu64 " bytes, vessel format %" PRIu32 ")\n",
		in->name, size, in->size, in->trailer.version);
	print_meta(in, f);
	print_config(in, f);
	print_sections(in, f);
	return ferror(f) ? -1 : 0;
}

/* ---- JSON ---------------------------------------------------------------------------------- */

static int kv_str_or_null(yajl_gen g, const char *key, const char *v)
{
	if (v)
		return vsl_gen_kv_str(g, key, v);
	return vsl_gen_str(g, key) | yajl_gen_null(g);
}

static int kv_strv_or_null(yajl_gen g, const char *key, char *const *v)
{
	if (v)
		return vsl_gen_kv_strv(g, key, v);
	return vsl_gen_str(g, key) | yajl_gen_null(g);
}

static int kv_check(yajl_gen g, const char *key, bool verified, enum vsl_check c)
{
	int st = vsl_gen_str(g, key);

	if (!verified)
		return st | yajl_gen_null(g);
	return st | yajl_gen_bool(g, c == VSL_CHECK_OK);
}

static int json_meta(yajl_gen g, const struct vsl_inspect_info *in)
{
	bool m = in->have_meta;
	int st = kv_str_or_null(g, "vessel_version", m ? in->vessel_version : NULL);

	st |= vsl_gen_str(g, "image") | yajl_gen_map_open(g);
	st |= kv_str_or_null(g, "id", m ? in->digest : NULL);
	st |= kv_str_or_null(g, "created", m ? in->created : NULL);
	st |= yajl_gen_map_close(g);
	st |= kv_str_or_null(g, "arch", m ? in->arch : NULL);
	st |= kv_str_or_null(g, "built", m ? in->built : NULL);
	st |= kv_strv_or_null(g, "formats", m ? in->formats : NULL);
	st |= kv_strv_or_null(g, "entrypoint", m ? in->entrypoint : NULL);
	st |= kv_strv_or_null(g, "cmd", m ? in->cmd : NULL);
	return st;
}

static int json_config(yajl_gen g, const struct vsl_inspect_info *in)
{
	const struct vsl_config *c = &in->config;
	int st;

	if (!in->have_config) {
		st = kv_strv_or_null(g, "args", NULL) | kv_strv_or_null(g, "env", NULL);
		st |= kv_str_or_null(g, "workdir", NULL);
		return st | vsl_gen_str(g, "user") | yajl_gen_null(g);
	}
	st = vsl_gen_kv_strv(g, "args", c->args.v) | vsl_gen_kv_strv(g, "env", c->env.v);
	st |= vsl_gen_kv_str(g, "workdir", c->cwd ? c->cwd : "/");
	st |= vsl_gen_str(g, "user") | yajl_gen_map_open(g);
	st |= vsl_gen_kv_u64(g, "uid", c->uid) | vsl_gen_kv_u64(g, "gid", c->gid);
	st |= vsl_gen_str(g, "additional_gids") | yajl_gen_array_open(g);
	for (size_t i = 0; i < c->n_additional_gids; i++)
		st |= yajl_gen_integer(g, c->additional_gids[i]);
	return st | yajl_gen_array_close(g) | yajl_gen_map_close(g);
}

static int json_sections(yajl_gen g, const struct vsl_inspect_info *in)
{
	const struct vsl_trailer *t = &in->trailer;
	bool all_ok = true;
	char hex[65];
	int st = vsl_gen_str(g, "stub") | yajl_gen_map_open(g);

	st |= vsl_gen_kv_u64(g, "offset", 0) | vsl_gen_kv_u64(g, "length", t->stub_length);
	st |= yajl_gen_map_close(g) | vsl_gen_str(g, "sections") | yajl_gen_array_open(g);
	for (uint32_t i = 0; i < t->count; i++) {
		const struct vsl_section *s = &t->sections[i];

		vsl_sha256_hex(s->sha256, hex);
		st |= yajl_gen_map_open(g) |
		      vsl_gen_kv_str(g, "kind", vsl_section_kind_name(s->kind));
		st |= vsl_gen_kv_u64(g, "offset", s->offset) |
		      vsl_gen_kv_u64(g, "length", s->length);
		st |= vsl_gen_kv_str(g, "sha256", hex);
		st |= kv_check(g, "verified", in->verified, in->check[i]) | yajl_gen_map_close(g);
		all_ok = all_ok && in->check[i] == VSL_CHECK_OK;
	}
	st |= yajl_gen_array_close(g);
	return st |
	       kv_check(g, "verified", in->verified, all_ok ? VSL_CHECK_OK : VSL_CHECK_CORRUPT);
}

int vsl_inspect_json(const struct vsl_inspect_info *in, char **out, size_t *len,
		     struct vsl_error *err)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	int st, r;

	if (!g)
		return vsl_error_set(err, ENOMEM, "inspect JSON");
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_config(g, yajl_gen_indent_string, "  ");
	st = yajl_gen_map_open(g) | vsl_gen_kv_str(g, "file", in->name);
	st |= vsl_gen_kv_u64(g, "size", in->size);
	st |= vsl_gen_kv_u64(g, "format_version", in->trailer.version);
	st |= json_meta(g, in) | json_config(g, in) | json_sections(g, in);
	st |= yajl_gen_map_close(g);
	r = st ? vsl_error_set(err, 0, "making the inspect JSON failed (yajl status %d)", st)
	       : vsl_gen_take(g, out, len, err);
	yajl_gen_free(g);
	return r;
}

/* ---- the file ------------------------------------------------------------------------------ */

int vsl_section_hash(int fd, const struct vsl_section *s, uint8_t out[32], struct vsl_progress *pg,
		     int id, struct vsl_error *err)
{
	cleanup_free uint8_t *buf = malloc(HASH_CHUNK);
	struct vsl_sha256 c;
	uint64_t pos = 0;

	if (!buf)
		return vsl_error_set(err, ENOMEM, "hashing the %s section",
				     vsl_section_kind_name(s->kind));
	vsl_sha256_init(&c);
	while (pos < s->length) {
		size_t want = s->length - pos < HASH_CHUNK ? (size_t)(s->length - pos) : HASH_CHUNK;
		ssize_t k = pread(fd, buf, want, (off_t)(s->offset + pos));

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return vsl_error_set(err, k < 0 ? errno : 0,
					     "read the %s section at offset %" PRIu64 "%s",
					     vsl_section_kind_name(s->kind), s->offset + pos,
					     k == 0 ? ": the file is truncated" : "");
		vsl_sha256_update(&c, buf, (size_t)k);
		pos += (uint64_t)k;
		vsl_progress_add(pg, id, (uint64_t)k);
	}
	vsl_sha256_final(&c, out);
	return 0;
}

/* --verify: every section's bytes against its sha256. Returns how many do not match, or -1. */
static int verify_all(const struct vsl_payload *pl, struct vsl_inspect_info *in,
		      enum vsl_verbosity v, struct vsl_error *err)
{
	struct vsl_progress *pg = vsl_progress_new(v, 2);
	uint64_t total = 0;
	uint8_t sum[32];
	int bad = 0, id;

	for (uint32_t i = 0; i < in->trailer.count; i++)
		total += in->trailer.sections[i].length;
	id = vsl_progress_begin(pg, "verify", VSL_UNIT_BYTES, total);
	for (uint32_t i = 0; i < in->trailer.count; i++) {
		const struct vsl_section *s = &in->trailer.sections[i];

		if (vsl_section_hash(pl->fd, s, sum, pg, id, err) < 0) {
			vsl_progress_free(pg);
			return -1;
		}
		in->check[i] = memcmp(sum, s->sha256, 32) ? VSL_CHECK_CORRUPT : VSL_CHECK_OK;
		bad += in->check[i] == VSL_CHECK_CORRUPT;
		vsl_progress_note(pg, "section %s: %s", vsl_section_kind_name(s->kind),
				  in->check[i] == VSL_CHECK_OK ? "sha256 ok"
							       : "does NOT match its sha256");
	}
	in->verified = true;
	vsl_progress_end(pg, id, "%d of %" PRIu32 " sections corrupt", bad, in->trailer.count);
	vsl_progress_free(pg);
	return bad;
}

/* The meta and config sections; with --verify a corrupt one is left out, not an error. */
static int read_small(const struct vsl_payload *pl, struct vsl_inspect_info *in,
		      struct vsl_error *err)
{
	cleanup_free char *meta = NULL, *config = NULL;
	size_t mlen, clen;

	meta = vsl_payload_read_small(pl, VSL_SECTION_META, &mlen, err);
	if (meta && vsl_inspect_parse_meta(in, meta, mlen, err) < 0)
		return vsl_error_wrap(err, "%s", in->name);
	if (!meta && !in->verified)
		return vsl_error_wrap(err, "%s", in->name);
	vsl_error_release(err); /* --verify reports it in the table */
	config = vsl_payload_read_small(pl, VSL_SECTION_CONFIG, &clen, err);
	if (config && vsl_config_parse(config, clen, &in->config, err) < 0)
		return vsl_error_wrap(err, "%s", in->name);
	if (!config && !in->verified)
		return vsl_error_wrap(err, "%s", in->name);
	vsl_error_release(err);
	in->have_config = config != NULL;
	return 0;
}

static int report(const struct vsl_inspect_opts *o, const struct vsl_inspect_info *in,
		  struct vsl_error *err)
{
	cleanup_free char *json = NULL;
	size_t len;

	if (!o->json)
		return vsl_inspect_print_text(in, stdout) < 0
			       ? vsl_error_set(err, errno, "writing to stdout")
			       : 0;
	if (vsl_inspect_json(in, &json, &len, err) < 0)
		return -1;
	if (fwrite(json, 1, len, stdout) != len)
		return vsl_error_set(err, errno, "writing to stdout");
	return 0;
}

int vsl_inspect_cmd(const struct vsl_inspect_opts *o, struct vsl_error *err)
{
	struct vsl_inspect_info in = { .name = o->file };
	struct vsl_payload pl = { .fd = -1 };
	int bad = 0, r = -1;

	if (vsl_payload_open(&pl, o->file, err) < 0)
		return -1;
	in.size = pl.size;
	in.trailer = pl.trailer;
	if (o->verify && (bad = verify_all(&pl, &in, o->verbosity, err)) < 0)
		goto out;
	if (read_small(&pl, &in, err) < 0 || report(o, &in, err) < 0)
		goto out;
	if (bad) {
		vsl_error_set(err, 0,
			      "%s: %d of %" PRIu32 " sections do not match their sha256: the "
			      "file is corrupt; rebuild or download it again",
			      o->file, bad, in.trailer.count);
		goto out;
	}
	r = 0;
out:
	vsl_inspect_info_free(&in);
	vsl_payload_close(&pl);
	return r;
}
