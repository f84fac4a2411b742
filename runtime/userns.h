/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Becoming "root" for the mounts the runtime needs. Unprivileged: a new user + mount
 * namespace with 0 mapped to our euid/egid and, where /etc/subuid and /etc/subgid give us
 * ranges and newuidmap/newgidmap exist, container ids 1..N mapped onto those ranges (as
 * rootless podman does; usermap.h runs the tools), so that the image's own users and file
 * owners exist. Without ranges (or when the tools fail) only the one id is mapped, which we
 * may write ourselves. Already uid 0 with CAP_SYS_ADMIN (real root, or a namespace a parent
 * made, e.g. `unshare -Urm` or `unshare -r --map-auto` around a qemu-user run, where qemu
 * cannot create a user namespace itself): a mount namespace only, with the maps we were given.
 * Either way the mounts are made private so nothing we mount leaks out.
 */
#ifndef VSL_RUNTIME_USERNS_H
#define VSL_RUNTIME_USERNS_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "idmap.h"

enum vsl_ns_mode {
	VSL_NS_USER,	   /* we made a user namespace: 0 -> outer ids, plus any subid ranges */
	VSL_NS_MOUNT_ONLY, /* we were privileged already: only a new mount namespace */
};

/* What went wrong, for the caller's message or fallback (a switch, not string matching). */
enum vsl_userns_result {
	VSL_USERNS_OK = 0,
	VSL_USERNS_DENIED,   /* unshare(CLONE_NEWUSER) refused: disabled by sysctl or policy */
	VSL_USERNS_EMULATED, /* EINVAL: a multithreaded process such as qemu-user */
	VSL_USERNS_MAP,	     /* writing setgroups/uid_map/gid_map failed */
	VSL_USERNS_MOUNT,    /* the mount namespace or making / private failed */
};

struct vsl_ns {
	enum vsl_ns_mode mode;
	bool init_userns; /* real root in the initial user namespace (trusted.* xattrs work) */
	uid_t outer_uid;  /* euid before entering */
	gid_t outer_gid;
	struct vsl_idmap uids; /* the maps in force once entered (/proc/self/uid_map, gid_map) */
	struct vsl_idmap gids;
};

enum vsl_userns_result vsl_userns_enter(struct vsl_ns *ns, struct vsl_error *err);

#endif
