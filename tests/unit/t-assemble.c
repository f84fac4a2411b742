/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing a vessel file: stub checks (ELF class, data, machine, type), stub lookup, the layout
 * read back through vsl_trailer_decode, and failures that must leave no temp file and an
 * existing output untouched.
 */
#define _GNU_SOURCE
#include "tap.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch.h"
#include "assemble.h"
#include "format.h"
#include "fsutil.h"
#include "sha256.h"

static char dir[64];

static bool has(const struct vsl_error *e, const char *needle)
{
	bool r = e->msg && strstr(e->msg, needle);

	if (!r)
		diag("message: %s (want \"%s\")", e->msg ? e->msg : "(none)", needle);
	return r;
}

static void make_elf(uint8_t h[64], uint16_t machine, uint8_t class, uint8_t data, uint16_t type)
{
	memset(h, 0, 64);
	memcpy(h, "\177ELF", 4);
	h[4] = class;
	h[5] = data;
	h[6] = 1;
	h[16] = (uint8_t)type;
	h[17] = (uint8_t)(type >> 8);
	h[18] = (uint8_t)machine;
	h[19] = (uint8_t)(machine >> 8);
}

static void test_check_elf(void)
{
	const struct vsl_arch *amd64 = vsl_arch_find("amd64"), *arm64 = vsl_arch_find("arm64");
	struct vsl_error e = { 0 };
	uint8_t h[64];

	ok(amd64 && arm64 && amd64->e_machine == 62 && arm64->e_machine == 183, "the arch table");
	ok(!vsl_arch_find("x86_64"), "arch names are OCI's");
	make_elf(h, 62, 2, 1, 2);
	ok(vsl_stub_check_elf(h, 64, amd64, "s", &e) == 0, "amd64 ET_EXEC");
	make_elf(h, 183, 2, 1, 3);
	ok(vsl_stub_check_elf(h, 64, arm64, "s", &e) == 0, "arm64 static-pie (ET_DYN)");
	ok(vsl_stub_check_elf(h, 64, amd64, "/x/stub", &e) < 0 && has(&e, "/x/stub") &&
		   has(&e, "machine 183, not amd64"),
	   "arm64 stub for amd64 refused, stub named");
	vsl_error_release(&e);
	make_elf(h, 62, 1, 1, 2);
	ok(vsl_stub_check_elf(h, 64, amd64, "s", &e) < 0 && has(&e, "class"), "32-bit refused");
	vsl_error_release(&e);
	make_elf(h, 62, 2, 2, 2);
	ok(vsl_stub_check_elf(h, 64, amd64, "s", &e) < 0, "big-endian refused");
	vsl_error_release(&e);
	make_elf(h, 62, 2, 1, 1);
	ok(vsl_stub_check_elf(h, 64, amd64, "s", &e) < 0 && has(&e, "type 1"),
	   "a relocatable object refused");
	vsl_error_release(&e);
	ok(vsl_stub_check_elf((const uint8_t *)"#!/bin/sh\n", 10, amd64, "s", &e) < 0 &&
		   has(&e, "not an ELF"),
	   "a script refused");
	vsl_error_release(&e);
	make_elf(h, 62, 2, 1, 2);
	ok(vsl_stub_check_elf(h, 20, amd64, "s", &e) < 0, "a short header refused");
	vsl_error_release(&e);
}

static void test_stub_path(void)
{
	char *p;

	setenv("VESSEL_STUB_DIR", "/opt/stubs", 1);
	p = vsl_stub_path(vsl_arch_find("arm64"), NULL);
	is_str(p, "/opt/stubs/vessel-stub-arm64", "VESSEL_STUB_DIR");
	free(p);
	unsetenv("VESSEL_STUB_DIR");
	p = vsl_stub_path(vsl_arch_find("amd64"), NULL);
	ok(p && strstr(p, "/../libexec/vessel/vessel-stub-amd64"), "next to the executable: %s",
	   p ? p : "NULL");
	free(p);
}

static char *path(const char *name)
{
	static char buf[4][256];
	static int k;
	char *p = buf[k++ % 4];

	snprintf(p, 256, "%s/%s", dir, name);
	return p;
}

static void write_file(const char *name, const void *data, size_t len)
{
	int fd = open(path(name), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || vsl_fs_write_all(fd, data, len) < 0)
		bail_out("write %s", name);
	close(fd);
}

static uint8_t *read_file(const char *name, size_t *len)
{
	FILE *f = fopen(path(name), "rb");
	uint8_t *buf = malloc(1 << 20);

	if (!f || !buf)
		bail_out("read %s", name);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

/* Names in dir other than the ones a test made: a left-over temp file shows up here. */
static int strays(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		if (de->d_name[0] == '.' && strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			diag("stray: %s", de->d_name);
			n++;
		}
	if (d)
		closedir(d);
	return n;
}

#define STUB_LEN 1000
#define PAYLOAD_LEN 10000

static void make_stub(const char *name, uint16_t machine)
{
	uint8_t stub[STUB_LEN];

	for (size_t i = 0; i < sizeof stub; i++)
		stub[i] = (uint8_t)(i * 7);
	make_elf(stub, machine, 2, 1, 2);
	write_file(name, stub, sizeof stub);
}

static const char config[] = "{\"ociVersion\":\"1.0.2\"}";
static const char meta[] = "{\"vessel_version\":\"test\"}";

static int assemble_to(const char *out, const char *stub, int payload_fd, struct vsl_error *e)
{
	struct vsl_asm_section s[] = {
		{ .kind = VSL_SECTION_CONFIG, .buf = config, .len = strlen(config) },
		{ .kind = VSL_SECTION_META, .buf = meta, .len = strlen(meta) },
		{ .kind = VSL_SECTION_TARZST, .fd = payload_fd },
	};

	return vsl_assemble(path(out), path(stub), vsl_arch_find("amd64"), s, 3, e);
}

static void check_section(const uint8_t *file, const struct vsl_trailer *t, uint32_t kind,
			  const void *want, size_t len)
{
	const struct vsl_section *s = vsl_trailer_find(t, kind);
	uint8_t d[32];

	if (!ok(s != NULL, "section %s present", vsl_section_kind_name(kind)))
		return;
	ok(s->offset % VSL_ALIGN == 0, "%s aligned", vsl_section_kind_name(kind));
	is_u64(s->length, len, "%s length", vsl_section_kind_name(kind));
	ok(!memcmp(file + s->offset, want, len), "%s bytes", vsl_section_kind_name(kind));
	vsl_sha256(file + s->offset, len, d);
	ok(!memcmp(d, s->sha256, 32), "%s sha256", vsl_section_kind_name(kind));
}

static void test_write(int payload_fd, const uint8_t *payload)
{
	struct vsl_error e = { 0 };
	struct vsl_trailer t;
	struct stat st;
	uint8_t *file, stub[STUB_LEN];
	size_t len, slen;

	make_stub("stub", 62);
	if (!ok(assemble_to("out", "stub", payload_fd, &e) == 0, "assemble"))
		bail_out("%s", e.msg);
	file = read_file("out", &len);
	ok(len > VSL_TRAILER_SIZE && vsl_trailer_decode(file + len - VSL_TRAILER_SIZE,
							VSL_TRAILER_SIZE, len, &t, &e) == 0,
	   "the trailer decodes");
	is_int(t.count, 3, "three sections");
	is_u64(t.stub_length, STUB_LEN, "stub length");
	free(read_file("stub", &slen));
	memcpy(stub, file, sizeof stub);
	ok(slen == STUB_LEN && !memcmp(file, stub, STUB_LEN), "the stub comes first, as built");
	check_section(file, &t, VSL_SECTION_CONFIG, config, strlen(config));
	check_section(file, &t, VSL_SECTION_META, meta, strlen(meta));
	check_section(file, &t, VSL_SECTION_TARZST, payload, PAYLOAD_LEN);
	ok(t.sections[0].kind == VSL_SECTION_CONFIG && t.sections[2].kind == VSL_SECTION_TARZST,
	   "sections in the order given");
	is_u64(len - VSL_TRAILER_SIZE, t.sections[2].offset + PAYLOAD_LEN,
	       "the trailer follows the last section");
	ok(stat(path("out"), &st) == 0 && (st.st_mode & 07777) == 0755, "mode 0755");
	is_int(strays(), 0, "no temp file left");
	free(file);
}

static void test_failures(int payload_fd)
{
	struct vsl_error e = { 0 };
	uint8_t *file;
	size_t len;

	write_file("old", "old contents", 12);
	make_stub("armstub", 183);
	ok(assemble_to("old", "armstub", payload_fd, &e) < 0 && has(&e, "armstub") &&
		   has(&e, "not amd64"),
	   "a wrong-arch stub is refused by name");
	vsl_error_release(&e);
	file = read_file("old", &len);
	ok(len == 12 && !memcmp(file, "old contents", 12), "the existing output is untouched");
	free(file);
	is_int(strays(), 0, "no temp file left after a bad stub");
	ok(assemble_to("old", "stub", -1, &e) < 0, "a failure while writing sections");
	vsl_error_release(&e);
	file = read_file("old", &len);
	ok(len == 12 && !memcmp(file, "old contents", 12), "the output is untouched again");
	free(file);
	is_int(strays(), 0, "no temp file left after a write failure");
	ok(assemble_to("no/such/dir/out", "stub", payload_fd, &e) < 0 &&
		   has(&e, "no/such/dir does not exist"),
	   "an output in a missing directory");
	vsl_error_release(&e);
	ok(assemble_to("", "stub", payload_fd, &e) < 0 && has(&e, "directory; give a file name"),
	   "an output that is a directory");
	vsl_error_release(&e);
	ok(vsl_assemble_check_output(path("no/such/dir/out"), &e) < 0 && has(&e, "does not exist"),
	   "the early output check");
	vsl_error_release(&e);
	ok(vsl_assemble_check_output(path("fresh"), &e) == 0 && strays() == 0,
	   "the early check passes and leaves nothing behind");
	ok(vsl_stub_check_file(path("nostub"), vsl_arch_find("amd64"), &e) < 0 &&
		   has(&e, "does not exist") && has(&e, "VESSEL_STUB_DIR"),
	   "a missing stub says how to fix");
	vsl_error_release(&e);
	ok(assemble_to("out2", "stub", payload_fd, &e) == 0 &&
		   vsl_fs_rmtree(path("out2"), NULL) == 0,
	   "a fresh output in a directory with others");
}

int main(void)
{
	uint8_t payload[PAYLOAD_LEN];
	int fd;

	snprintf(dir, sizeof dir, "/tmp/t-assemble-XXXXXX");
	if (!mkdtemp(dir))
		bail_out("mkdtemp");
	for (size_t i = 0; i < sizeof payload; i++)
		payload[i] = (uint8_t)(i * 13 + 1);
	write_file("payload", payload, sizeof payload);
	fd = open(path("payload"), O_RDONLY | O_CLOEXEC);
	test_check_elf();
	test_stub_path();
	test_write(fd, payload);
	test_failures(fd);
	close(fd);
	vsl_fs_rmtree(dir, NULL);
	return done_testing();
}
