/* SPDX-License-Identifier: Apache-2.0 */
/* The builder's per-arch table: see arch.h. */
#include "arch.h"

#include <string.h>
#include <sys/utsname.h>

/*
 * e_machine values are from the ELF psABI (EM_X86_64 = 62, EM_AARCH64 = 183) and match
 * ARCH_ELF_MACHINE_* in arch/<arch>/arch.mk; both are ELFCLASS64 (2), ELFDATA2LSB (1).
 * amd64 accepts "v1" as the baseline level; v2+
 * would need a newer CPU than the stub promises. arm64 images say "v8" or nothing.
 */
static const struct vsl_arch arches[] = {
	{ "amd64", "x86_64", 62, 2, 1, { "", "v1", NULL } },
	{ "arm64", "aarch64", 183, 2, 1, { "v8", "", NULL } },
};

const struct vsl_arch *vsl_arch_find(const char *oci)
{
	for (size_t i = 0; i < sizeof arches / sizeof arches[0]; i++)
		if (oci && strcmp(arches[i].oci, oci) == 0)
			return &arches[i];
	return NULL;
}

const struct vsl_arch *vsl_arch_host(void)
{
	struct utsname u;

	if (uname(&u) < 0)
		return NULL;
	for (size_t i = 0; i < sizeof arches / sizeof arches[0]; i++)
		if (strcmp(arches[i].uname, u.machine) == 0)
			return &arches[i];
	return NULL;
}

const char *vsl_arch_names(void)
{
	return "amd64, arm64";
}
