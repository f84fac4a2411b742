/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CPU architectures vessel builds for, keyed by OCI architecture name. arch/<arch>/arch.mk
 * holds the per-arch facts for the build system; this table is their C counterpart for the
 * few the builder needs at run time (keep ARCH_ELF_MACHINE_* and this table in step).
 */
#ifndef VSL_BUILDER_ARCH_H
#define VSL_BUILDER_ARCH_H

#include <stdint.h>

struct vsl_arch {
	const char *oci;    /* OCI/Go name: "amd64" */
	const char *uname;  /* uname(2) machine: "x86_64" */
	uint16_t e_machine; /* ELF header e_machine of the stub */
	uint8_t elf_class;  /* EI_CLASS: 2 = 64-bit */
	uint8_t elf_data;   /* EI_DATA: 1 = little-endian */
	/* Platform variants this arch accepts in an image index, "" standing for none. The first
	 * is preferred when an index offers several. */
	const char *variants[3];
};

/* The entry for an OCI arch name, or NULL. */
const struct vsl_arch *vsl_arch_find(const char *oci);
/* The entry for the machine we run on, or NULL when vessel does not build for it. */
const struct vsl_arch *vsl_arch_host(void);
/* "amd64, arm64": for messages that list the choices. */
const char *vsl_arch_names(void);

#endif
