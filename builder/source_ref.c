/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image references (see source.h): which transport a reference names, docker reference syntax
 * (for references written without a transport, which mean docker://), the loopback-registry
 * rule, and the RFC 3339 times of image configs. Pure: no syscalls, so all of it is unit-tested
 * directly.
 */
#include "source.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static const struct {
	const char *prefix;
	enum vsl_transport t;
} transports[] = {
	{ "oci:", VSL_TRANSPORT_OCI },
	{ "oci-archive:", VSL_TRANSPORT_OCI_ARCHIVE },
	{ "docker-archive:", VSL_TRANSPORT_DOCKER_ARCHIVE },
	{ "docker://", VSL_TRANSPORT_DOCKER },
	{ "docker-daemon:", VSL_TRANSPORT_DOCKER_DAEMON },
	{ "containers-storage:", VSL_TRANSPORT_CONTAINERS_STORAGE },
	{ "dir:", VSL_TRANSPORT_DIR },
};

bool vsl_image_ref_has_transport(const char *ref)
{
	for (size_t i = 0; i < sizeof transports / sizeof transports[0]; i++)
		if (strncmp(ref, transports[i].prefix, strlen(transports[i].prefix)) == 0)
			return true;
	return false;
}

bool vsl_transport_is_skopeo(enum vsl_transport t)
{
	return t >= VSL_TRANSPORT_DOCKER;
}

void vsl_image_ref_free(struct vsl_image_ref *r)
{
	free(r->path);
	free(r->tag);
	free(r->skopeo);
	r->path = r->tag = r->skopeo = NULL;
}

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* One path component of a repository name: [a-z0-9]+ joined by ".", "_", "__" or "-"+. */
static bool name_component_ok(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t run = 0;

		while (i < n && is_lower_alnum(s[i]))
			i++, run++;
		if (run == 0)
			return false;
		if (i == n)
			return true;
		if (s[i] == '.' || (s[i] == '_' && (i + 1 >= n || s[i + 1] != '_')))
			i++;
		else if (s[i] == '_')
			i += 2;
		else if (s[i] == '-')
			while (i < n && s[i] == '-')
				i++;
		else
			return false;
	}
	return false; /* ends with a separator */
}

static bool is_alnum(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

/* A host name: labels of letters, digits and inner dashes, joined by single dots. */
static bool hostname_ok(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t start = i;

		while (i < n && (is_alnum(s[i]) || s[i] == '-'))
			i++;
		if (i == start || s[start] == '-' || s[i - 1] == '-')
			return false;
		if (i < n && (s[i] != '.' || ++i == n))
			return false;
	}
	return n > 0;
}

/* A registry: a host name or [IPv6 address], then an optional :PORT. */
static bool domain_ok(const char *s, size_t n)
{
	const char *end = s[0] == '[' ? memchr(s, ']', n) : NULL;
	size_t hlen, i;

	if (s[0] == '[') {
		if (!end || end == s + 1)
			return false;
		for (const char *c = s + 1; c < end; c++)
			if (!(*c == ':' || (*c >= '0' && *c <= '9') ||
			      ((*c | 0x20) >= 'a' && (*c | 0x20) <= 'f')))
				return false;
		hlen = (size_t)(end - s) + 1;
	} else {
		const char *colon = memchr(s, ':', n);

		hlen = colon ? (size_t)(colon - s) : n;
		if (!hostname_ok(s, hlen))
			return false;
	}
	if (hlen == n)
		return true;
	if (s[hlen] != ':' || hlen + 1 == n)
		return false;
	for (i = hlen + 1; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool tag_ok(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > 128 || t[0] == '.' || t[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(is_lower_alnum(t[i]) || (t[i] >= 'A' && t[i] <= 'Z') || t[i] == '_' ||
		      t[i] == '.' || t[i] == '-'))
			return false;
	return true;
}

/* Length of the domain part of a docker reference (without the slash), 0 when none: the
 * first component is a domain when it has a dot or a port, or is "localhost", as docker says. */
static size_t domain_len(const char *ref)
{
	const char *slash = strchr(ref, '/');
	size_t n = slash ? (size_t)(slash - ref) : 0;

	if (!slash)
		return 0;
	if (memchr(ref, '.', n) || memchr(ref, ':', n) || ref[0] == '[' ||
	    (n == 9 && !memcmp(ref, "localhost", 9)))
		return n;
	return 0;
}

bool vsl_docker_ref_valid(const char *ref)
{
	char buf[512];
	const char *at = strchr(ref, '@'), *p, *tag = NULL;
	size_t dl, len = at ? (size_t)(at - ref) : strlen(ref);
	char *colon;

	if (len == 0 || len >= sizeof buf || (at && !vsl_digest_valid(at + 1)))
		return false;
	memcpy(buf, ref, len);
	buf[len] = '\0';
	dl = domain_len(buf);
	if (dl && !domain_ok(buf, dl))
		return false;
	p = buf + (dl ? dl + 1 : 0);
	colon = strchr(p, ':');
	if (colon) {
		*colon = '\0';
		tag = colon + 1;
		if (!tag_ok(tag))
			return false;
	}
	for (const char *c = p;; c++) {
		const char *slash = strchr(c, '/');
		size_t n = slash ? (size_t)(slash - c) : strlen(c);

		if (!name_component_ok(c, n))
			return false;
		if (!slash)
			return true;
		c = slash;
	}
}

bool vsl_docker_ref_loopback(const char *ref)
{
	size_t n = domain_len(ref), h;

	if (n == 0)
		return false;
	if (ref[0] == '[')
		return n >= 5 && !memcmp(ref, "[::1]", 5) && (n == 5 || ref[5] == ':');
	h = strcspn(ref, ":/");
	if (h == 9 && !memcmp(ref, "localhost", 9))
		return true;
	if (h < 4 || memcmp(ref, "127.", 4) != 0)
		return false;
	for (size_t i = 4; i < h; i++)
		if (!((ref[i] >= '0' && ref[i] <= '9') || ref[i] == '.'))
			return false;
	return true;
}

static int parse_skopeo(const char *ref, const char *rest, struct vsl_image_ref *out,
			struct vsl_error *err)
{
	if (!*rest)
		return vsl_error_set(err, 0, "image \"%s\" names nothing after the transport", ref);
	if (out->transport == VSL_TRANSPORT_DOCKER && !vsl_docker_ref_valid(rest))
		return vsl_error_set(
			err, 0,
			"image \"%s\": \"%s\" is not a docker reference "
			"([REGISTRY[:PORT]/]NAME[:TAG][@sha256:DIGEST], lowercase name)",
			ref, rest);
	out->path = strdup(rest);
	out->skopeo = out->implicit ? vsl_strf("docker://%s", rest) : strdup(ref);
	if (!out->path || !out->skopeo) {
		vsl_image_ref_free(out);
		return vsl_error_set(err, ENOMEM, "parsing image reference");
	}
	return 0;
}

int vsl_image_ref_parse(const char *ref, struct vsl_image_ref *out, struct vsl_error *err)
{
	const char *rest = NULL, *colon;
	size_t i;

	memset(out, 0, sizeof *out);
	for (i = 0; i < sizeof transports / sizeof transports[0]; i++) {
		size_t n = strlen(transports[i].prefix);

		if (strncmp(ref, transports[i].prefix, n) == 0) {
			out->transport = transports[i].t;
			rest = ref + n;
			break;
		}
	}
	if (!rest && vsl_docker_ref_valid(ref)) {
		out->transport = VSL_TRANSPORT_DOCKER;
		out->implicit = true;
		rest = ref;
	}
	if (!rest)
		return vsl_error_set(
			err, 0,
			"image \"%s\" is neither a docker reference (NAME[:TAG]) nor "
			"TRANSPORT:REF with a transport vessel reads: oci:, oci-archive:, "
			"docker-archive:, docker://, docker-daemon:, containers-storage:, dir:",
			ref);
	if (vsl_transport_is_skopeo(out->transport))
		return parse_skopeo(ref, rest, out, err);
	/* skopeo splits at the first colon too, so a path cannot contain one. */
	colon = strchr(rest, ':');
	out->path = colon ? strndup(rest, (size_t)(colon - rest)) : strdup(rest);
	if (colon && colon[1])
		out->tag = strdup(colon + 1);
	if (!out->path || (colon && colon[1] && !out->tag)) {
		vsl_image_ref_free(out);
		return vsl_error_set(err, ENOMEM, "parsing image reference");
	}
	if (!out->path[0]) {
		vsl_image_ref_free(out);
		return vsl_error_set(err, 0, "image \"%s\" names no path after the transport", ref);
	}
	return 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Howard Hinnant's). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static bool digits(const char *s, int n, unsigned *out)
{
	*out = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*out = *out * 10 + (unsigned)(s[i] - '0');
	}
	return true;
}

int vsl_time_parse_rfc3339(const char *s, int64_t *out)
{
	unsigned y, mo, d, h, mi, sec, oh = 0, om = 0;
	int64_t t;
	const char *p;

	if (!s || strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
	    s[7] != '-' || !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
	    !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
	    !digits(s + 17, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	p = s + 19;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		*out = t;
		return 0;
	}
	if ((*p != '+' && *p != '-') || strlen(p) != 6 || !digits(p + 1, 2, &oh) || p[3] != ':' ||
	    !digits(p + 4, 2, &om) || oh > 23 || om > 59)
		return -1;
	t += (*p == '+' ? -1 : 1) * (int64_t)(oh * 3600 + om * 60);
	*out = t;
	return 0;
}
