/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The FUSE fast path: the squashfs section of our own file served by a forked server process
 * and mounted with a plain mount(2) of type "fuse" (fd=N), which works as uid 0 of a user
 * namespace, so neither fusermount nor a setuid helper is needed.
 *
 *   parent (the stub, in its user + mount ns)        server (forked child)
 *     open /dev/fuse (before the userns: the same
 *       permission check, and the path choice needs it)
 *     mount(2) "fuse" fd=N on <run dir>/lower
 *     fork ------------------------------------------> own process group, die with the parent
 *                                                      open the squashfs over pread(payload fd)
 *                                                      fuse_session_new, adopt /dev/fd/N
 *     read the ready pipe  <--------------------------  struct vsl_fuse_ready, then serve
 *     stat the mount point (waits for FUSE_INIT and a
 *       GETATTR: proof that the mount is live)
 *     ... overlay, container ...
 *     unmount (lazy) ---------------------------------> its read() sees ENODEV: loop ends
 *     SIGTERM + waitpid (so a straggling reference to the mount cannot make us hang)
 *
 * The parent closes its /dev/fuse fd after the fork, so the server holds the only one: if the
 * server dies, the kernel aborts the connection and the container sees ENOTCONN/EIO instead of
 * hanging. The server runs before the launcher's unshare(CLONE_NEWPID), so it is never pid 1
 * of the container's PID namespace, and never visible inside it.
 *
 * VESSEL_SQUASHFUSE=/path runs that squashfuse (its -o offset=N) as the server instead of ours,
 * over the same mount (libfuse's "/dev/fd/N" mount point adopts our fd).
 */
#ifndef VSL_RUNTIME_FUSE_H
#define VSL_RUNTIME_FUSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "idmap.h"

/* What the server serves. */
struct vsl_fuse_config {
	int payload_fd;	 /* our own file */
	uint64_t offset; /* the squashfs section */
	uint64_t size;
	const struct vsl_idmap *uids; /* the ids that exist in our user namespace (see */
	const struct vsl_idmap *gids; /* vsl_fuse_owner); NULL: report every owner as 0 */
	bool open_messages;	      /* answer OPEN/OPENDIR even where the kernel needs none
				       * (tests the path for kernels without zero-message opens) */
	const char *external;	      /* VESSEL_SQUASHFUSE, or NULL for our server */
	/* the container's command and its PATH: their blocks are decompressed ahead of the exec
	 * (fuse_warm.h); NULL for none */
	const char *warm_cmd, *warm_path;
};

/* The server's only message to the parent, one write (smaller than PIPE_BUF). */
struct vsl_fuse_ready {
	int32_t errnum; /* 0: serving; else why it could not start (text says more) */
	char text[500];
};

enum vsl_fuse_result {
	VSL_FUSE_OK = 0,
	VSL_FUSE_MOUNT,	 /* mount(2) of the fuse file system refused */
	VSL_FUSE_SERVER, /* the server could not start or did not answer */
};

struct vsl_fuse {
	pid_t pid;	  /* the server, 0 when none */
	char *mountpoint; /* mounted while non-NULL */
};

/* Open /dev/fuse (O_RDWR|O_CLOEXEC); -1 with err naming the fix. */
int vsl_fuse_open_dev(struct vsl_error *err);

/* The mount(2) data for a FUSE mount of fd owned by uid:gid. Pure. Returns the length, or -1
 * when buf is too small. */
int vsl_fuse_mount_options(char *buf, size_t size, int fd, uint32_t uid, uint32_t gid);

/*
 * The owner the server reports for a file stored with id: the id itself when our namespace
 * maps it, else 0 (the namespace's root: the user who runs us). An unmapped owner would show
 * as the overflow id 65534, and overlay could not copy such a file up; 0 is also what the
 * extract path leaves when its chown to an unmapped id fails, so both paths agree. With a
 * subuid range (or as real root) the image's owners are mapped and kept. Pure.
 */
uint32_t vsl_fuse_owner(const struct vsl_idmap *m, uint32_t id);

/*
 * Mount the FUSE file system on mountpoint (an existing empty dir) with *devfd, start the
 * server and wait until the mount answers. *devfd is consumed (closed, -1) either way. On
 * failure nothing stays mounted or running.
 */
enum vsl_fuse_result vsl_fuse_start(int *devfd, const char *mountpoint,
				    const struct vsl_fuse_config *cfg, struct vsl_fuse *f,
				    struct vsl_error *err);

/* -1 with err set when the server has died (before we stopped it), else 0. */
int vsl_fuse_check(struct vsl_fuse *f, struct vsl_error *err);

/*
 * Unmount (lazily) when unmount is true, then stop and reap the server. Call after whatever
 * stacks on the mount is unmounted. Without unmount, the mount must be in a mount namespace
 * that dies with us, and we must be about to exit: the server is left running until then,
 * and dies with us (PR_SET_PDEATHSIG), which aborts the connection; the namespace's end takes
 * the mounts (each umount2 costs an RCU grace period, 2-4 ms) after our exit, not before it.
 * Idempotent.
 */
void vsl_fuse_stop(struct vsl_fuse *f, bool unmount);

/*
 * The server side (fuse_ll.c): serve cfg's squashfs on the already mounted devfd (at
 * mountpoint, where the warm thread reads ahead; NULL: nowhere) until the mount goes away.
 * Reports readiness (or the failure) on ready_fd before serving. Returns the exit status for
 * the server process.
 */
int vsl_fuse_serve(int devfd, const char *mountpoint, const struct vsl_fuse_config *cfg,
		   int ready_fd);

#endif
