/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The last step of a build: pick the runtime stub for the target arch, check it really is an
 * ELF for that arch, and write stub + aligned sections + trailer (common/format.h) to the output
 * atomically: a temp file in the same directory, fsync, rename, fsync the directory. On any
 * failure the temp file is removed and an existing output is left as it was.
 */
#ifndef VSL_BUILDER_ASSEMBLE_H
#define VSL_BUILDER_ASSEMBLE_H

#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "error.h"

/*
 * $VESSEL_STUB_DIR/vessel-stub-<arch> when VESSEL_STUB_DIR is set, else
 * <dir of /proc/self/exe>/../libexec/vessel/vessel-stub-<arch>. Heap string, or NULL.
 */
char *vsl_stub_path(const struct vsl_arch *arch, struct vsl_error *err);

/* Check an ELF header (the file's first len bytes) is an executable for arch. Pure. */
int vsl_stub_check_elf(const uint8_t *hdr, size_t len, const struct vsl_arch *arch,
		       const char *path, struct vsl_error *err);

/* Open the stub file and check its header: it exists and is an ELF executable for arch. */
int vsl_stub_check_file(const char *stub_path, const struct vsl_arch *arch, struct vsl_error *err);

/* Check early that output can be written: its directory exists and it is not a directory. */
int vsl_assemble_check_output(const char *output, struct vsl_error *err);

/* A section to write: from memory (buf != NULL), else all of fd from offset 0. */
struct vsl_asm_section {
	uint32_t kind; /* enum vsl_section_kind */
	const void *buf;
	size_t len;
	int fd;
};

int vsl_assemble(const char *output, const char *stub_path, const struct vsl_arch *arch,
		 const struct vsl_asm_section *sections, size_t n, struct vsl_error *err);

#endif
