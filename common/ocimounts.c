/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The default container mounts: see ocimounts.h. runc's defaults as docker applies them, less
 * what a rootless user namespace cannot have.
 */
#include "ocimounts.h"

/* No gid=5 on devpts: group 5 need not be mapped in a rootless user namespace. */
const struct vsl_oci_mount vsl_oci_mounts[] = {
	{ "/proc", "proc", "proc", { NULL } },
	{ "/dev", "tmpfs", "tmpfs", { "nosuid", "strictatime", "mode=755", "size=65536k", NULL } },
	{ "/dev/pts",
	  "devpts",
	  "devpts",
	  { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", NULL } },
	{ "/dev/shm",
	  "tmpfs",
	  "shm",
	  { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL } },
	{ "/dev/mqueue", "mqueue", "mqueue", { "nosuid", "noexec", "nodev", NULL } },
	{ "/sys", "none", "/sys", { "rbind", "nosuid", "noexec", "nodev", "ro", NULL } },
};

const size_t vsl_oci_n_mounts = sizeof vsl_oci_mounts / sizeof vsl_oci_mounts[0];
