/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Stub selection and the final write of a vessel file (see assemble.h). The output appears
 * whole or not at all: everything goes to a temp file created with O_EXCL next to the output
 * (same directory, so rename is atomic), which is fsync'ed and renamed over the output, and then
 * the directory is fsync'ed so that the rename itself survives a crash.
 */
#define _GNU_SOURCE
#include "assemble.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "format.h"
#include "fsutil.h"
#include "json.h"
#include "log.h"
#include "sha256.h"

#define COPY_CHUNK (1u << 20)
#define ELF_HDR64 64u

char *vsl_stub_path(const struct vsl_arch *arch, struct vsl_error *err)
{
	const char *dir = getenv("VESSEL_STUB_DIR");
	char self[PATH_MAX], *slash, *out = NULL;
	ssize_t n;

	if (dir && *dir) {
		out = vsl_strf("%s/vessel-stub-%s", dir, arch->oci);
	} else {
		n = readlink("/proc/self/exe", self, sizeof self - 1);
		if (n < 0) {
			vsl_error_set(err, errno,
				      "finding the runtime stubs: readlink /proc/self/exe "
				      "(set VESSEL_STUB_DIR instead)");
			return NULL;
		}
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash)
			*slash = '\0';
		out = vsl_strf("%s/../libexec/vessel/vessel-stub-%s", self, arch->oci);
	}
	if (!out)
		vsl_error_set(err, ENOMEM, "finding the runtime stub");
	return out;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

int vsl_stub_check_elf(const uint8_t *hdr, size_t len, const struct vsl_arch *arch,
		       const char *path, struct vsl_error *err)
{
	static const char fix[] = "rebuild the stubs (make stubs) or point VESSEL_STUB_DIR at them";
	uint16_t type, machine;

	if (len < ELF_HDR64 || memcmp(hdr, "\177ELF", 4) != 0)
		return vsl_error_set(err, 0, "runtime stub %s is not an ELF executable: %s", path,
				     fix);
	if (hdr[4] != arch->elf_class || hdr[5] != arch->elf_data)
		return vsl_error_set(err, 0,
				     "runtime stub %s is not a %s ELF (class %u, data %u; "
				     "want %u, %u): %s",
				     path, arch->oci, hdr[4], hdr[5], arch->elf_class,
				     arch->elf_data, fix);
	/* e_type and e_machine are little-endian here: elf_data said so just above. */
	type = get16(hdr + 16);
	machine = get16(hdr + 18);
	if (machine != arch->e_machine)
		return vsl_error_set(err, 0,
				     "runtime stub %s is built for ELF machine %u, not %s "
				     "(machine %u): %s",
				     path, machine, arch->oci, arch->e_machine, fix);
	if (type != 2 && type != 3) /* ET_EXEC, or ET_DYN for a static-pie */
		return vsl_error_set(err, 0,
				     "runtime stub %s is an ELF of type %u, not an "
				     "executable: %s",
				     path, type, fix);
	return 0;
}

/* The output being written: directory, final name and temp name. */
struct out {
	const char *path;
	char *tmp;
	int dirfd;
	int fd;
	uint64_t pos;
};

static int open_dir(struct out *o, struct vsl_error *err)
{
	cleanup_free char *dir = strdup(o->path);
	char *slash;
	struct stat st;

	if (!dir)
		return vsl_error_set(err, ENOMEM, "output %s", o->path);
	slash = strrchr(dir, '/');
	if (slash && !slash[1])
		return vsl_error_set(err, 0, "--output %s names a directory; give a file name",
				     o->path);
	if (stat(o->path, &st) == 0 && S_ISDIR(st.st_mode))
		return vsl_error_set(err, 0, "--output %s is a directory; give a file name",
				     o->path);
	if (slash == dir)
		slash[1] = '\0'; /* "/name": the directory is "/" */
	else if (slash)
		*slash = '\0';
	o->dirfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (o->dirfd < 0 && (errno == ENOENT || errno == ENOTDIR))
		return vsl_error_set(err, 0,
				     "cannot write --output %s: directory %s does not "
				     "exist; create it first",
				     o->path, slash ? dir : ".");
	if (o->dirfd < 0)
		return vsl_error_set(err, errno, "cannot write --output %s: open directory %s",
				     o->path, slash ? dir : ".");
	return 0;
}

int vsl_assemble_check_output(const char *output, struct vsl_error *err)
{
	struct out o = { .path = output, .dirfd = -1, .fd = -1 };
	int r = open_dir(&o, err);

	if (o.dirfd >= 0)
		close(o.dirfd);
	return r;
}

static int open_tmp(struct out *o, struct vsl_error *err)
{
	const char *slash = strrchr(o->path, '/');
	int dlen = slash ? (int)(slash - o->path + 1) : 0;

	/* A dot name so a half-written file does not look like a result. */
	o->tmp = vsl_strf("%.*s.%s.vessel-XXXXXX", dlen, o->path, o->path + dlen);
	if (!o->tmp)
		return vsl_error_set(err, ENOMEM, "output %s", o->path);
	o->fd = mkostemp(o->tmp, O_CLOEXEC);
	if (o->fd < 0) {
		int e = errno;

		free(o->tmp);
		o->tmp = NULL;
		return vsl_error_set(err, e, "cannot create a temp file next to --output %s",
				     o->path);
	}
	return 0;
}

static int put(struct out *o, const void *buf, size_t n, struct vsl_sha256 *c,
	       struct vsl_error *err)
{
	if (vsl_fs_write_all(o->fd, buf, n) < 0)
		return vsl_error_set(err, errno, "write %s", o->tmp);
	if (c)
		vsl_sha256_update(c, buf, n);
	o->pos += n;
	return 0;
}

/* Copy all of fd (from offset 0) to the output; returns bytes copied via *len. */
static int put_fd(struct out *o, int fd, const char *what, struct vsl_sha256 *c, uint64_t *len,
		  struct vsl_error *err)
{
	cleanup_free uint8_t *buf = malloc(COPY_CHUNK);
	uint64_t off = 0;

	if (!buf)
		return vsl_error_set(err, ENOMEM, "copying %s", what);
	for (;;) {
		ssize_t r = pread(fd, buf, COPY_CHUNK, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return vsl_error_set(err, errno, "read %s", what);
		if (r == 0)
			break;
		if (put(o, buf, (size_t)r, c, err) < 0)
			return -1;
		off += (uint64_t)r;
	}
	*len = off;
	return 0;
}

static int pad(struct out *o, struct vsl_error *err)
{
	static const uint8_t zero[VSL_ALIGN];
	uint64_t target = vsl_align_up(o->pos);

	return put(o, zero, (size_t)(target - o->pos), NULL, err);
}

/* Open the stub and check its ELF header; the fd is the caller's. */
static int open_stub(const char *stub_path, const struct vsl_arch *arch, struct vsl_error *err)
{
	uint8_t hdr[ELF_HDR64];
	int fd = open(stub_path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0 && errno == ENOENT)
		return vsl_error_set(
			err, 0,
			"runtime stub %s for %s does not exist: build it (make "
			"stubs), install vessel with its libexec/vessel/ directory, or "
			"set VESSEL_STUB_DIR",
			stub_path, arch->oci);
	if (fd < 0)
		return vsl_error_set(err, errno, "open runtime stub %s", stub_path);
	do
		n = pread(fd, hdr, sizeof hdr, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		vsl_error_set(err, errno, "read runtime stub %s", stub_path);
		close(fd);
		return -1;
	}
	if (vsl_stub_check_elf(hdr, (size_t)n, arch, stub_path, err) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int vsl_stub_check_file(const char *stub_path, const struct vsl_arch *arch, struct vsl_error *err)
{
	int fd = open_stub(stub_path, arch, err);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int put_stub(struct out *o, const char *stub_path, const struct vsl_arch *arch,
		    struct vsl_error *err)
{
	cleanup_close int fd = open_stub(stub_path, arch, err);
	uint64_t len;

	if (fd < 0)
		return -1;
	return put_fd(o, fd, stub_path, NULL, &len, err);
}

static int put_section(struct out *o, const struct vsl_asm_section *s, struct vsl_section *ts,
		       struct vsl_error *err)
{
	const char *name = vsl_section_kind_name(s->kind);
	struct vsl_sha256 c;

	if (pad(o, err) < 0)
		return -1;
	ts->kind = s->kind;
	ts->offset = o->pos;
	vsl_sha256_init(&c);
	if (s->buf) {
		if (put(o, s->buf, s->len, &c, err) < 0)
			return -1;
		ts->length = s->len;
	} else if (put_fd(o, s->fd, name, &c, &ts->length, err) < 0) {
		return -1;
	}
	vsl_sha256_final(&c, ts->sha256);
	return 0;
}

static int finish(struct out *o, struct vsl_error *err)
{
	int fd = o->fd;

	o->fd = -1;
	/* The result is a program: 0755 whatever the umask, as a compiler's output would be. */
	if (fchmod(fd, 0755) < 0 || fsync(fd) < 0) {
		int e = errno;

		close(fd);
		return vsl_error_set(err, e, "finishing %s", o->tmp);
	}
	if (close(fd) < 0)
		return vsl_error_set(err, errno, "close %s", o->tmp);
	if (rename(o->tmp, o->path) < 0)
		return vsl_error_set(err, errno, "rename %s to %s", o->tmp, o->path);
	free(o->tmp);
	o->tmp = NULL;
	/* The file is in place by now; failing the build would only mislead. */
	if (fsync(o->dirfd) < 0)
		vsl_warn("fsync the directory of %s: %s", o->path, strerror(errno));
	return 0;
}

static int write_all_parts(struct out *o, const char *stub_path, const struct vsl_arch *arch,
			   const struct vsl_asm_section *sections, size_t n, struct vsl_error *err)
{
	struct vsl_trailer t = { .version = VSL_FORMAT_VERSION, .count = (uint32_t)n };
	uint8_t trailer[VSL_TRAILER_SIZE];

	if (n == 0 || n > VSL_MAX_SECTIONS)
		return vsl_error_set(err, 0, "%zu sections to write; 1 to %u fit (a bug in vessel)",
				     n, VSL_MAX_SECTIONS);
	if (put_stub(o, stub_path, arch, err) < 0)
		return -1;
	t.stub_length = o->pos;
	for (size_t i = 0; i < n; i++)
		if (put_section(o, &sections[i], &t.sections[i], err) < 0)
			return -1;
	if (vsl_trailer_encode(&t, o->pos, trailer, err) < 0 ||
	    put(o, trailer, sizeof trailer, NULL, err) < 0)
		return -1;
	return finish(o, err);
}

int vsl_assemble(const char *output, const char *stub_path, const struct vsl_arch *arch,
		 const struct vsl_asm_section *sections, size_t n, struct vsl_error *err)
{
	struct out o = { .path = output, .dirfd = -1, .fd = -1 };
	int r = -1;

	if (open_dir(&o, err) == 0 && open_tmp(&o, err) == 0)
		r = write_all_parts(&o, stub_path, arch, sections, n, err);
	if (o.fd >= 0)
		close(o.fd);
	if (o.tmp)
		unlink(o.tmp);
	free(o.tmp);
	if (o.dirfd >= 0)
		close(o.dirfd);
	return r;
}
