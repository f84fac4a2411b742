/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The parent's side of the FUSE path (see fuse.h): mount, fork the server, wait for it, and
 * stop it. The server's own code is in fuse_ll.c.
 */
#define _GNU_SOURCE
#include "fuse.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"

int vsl_fuse_open_dev(struct vsl_error *err)
{
	int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return vsl_error_set(err, errno, "open /dev/fuse");
	return fd;
}

int vsl_fuse_mount_options(char *buf, size_t size, int fd, uint32_t uid, uint32_t gid)
{
	/*
	 * allow_other: the container may switch to another uid of our namespace (the kernel
	 * limits it to processes of the mount's user namespace). default_permissions: the
	 * kernel checks modes against the image's owners, so the server need not.
	 */
	int n = snprintf(buf, size,
			 "fd=%d,rootmode=40000,user_id=%" PRIu32 ",group_id=%" PRIu32
			 ",allow_other,default_permissions",
			 fd, uid, gid);

	return n < 0 || (size_t)n >= size ? -1 : n;
}

uint32_t vsl_fuse_owner(const struct vsl_idmap *m, uint32_t id)
{
	return m && vsl_idmap_contains(m, id) ? id : 0;
}

static __attribute__((noreturn)) void exec_external(int devfd, const struct vsl_fuse_config *cfg,
						    int ready_fd)
{
	char off[64], image[32], mnt[32];
	struct vsl_fuse_ready m;

	/* both fds must survive the exec; squashfuse reopens the image through /dev/fd */
	if (fcntl(devfd, F_SETFD, 0) < 0 || fcntl(cfg->payload_fd, F_SETFD, 0) < 0)
		_exit(1);
	snprintf(off, sizeof off, "offset=%" PRIu64, cfg->offset);
	snprintf(image, sizeof image, "/dev/fd/%d", cfg->payload_fd);
	snprintf(mnt, sizeof mnt, "/dev/fd/%d", devfd);
	execl(cfg->external, cfg->external, "-f", "-o", off, image, mnt, (char *)NULL);
	memset(&m, 0, sizeof m);
	m.errnum = errno;
	snprintf(m.text, sizeof m.text, "execute VESSEL_SQUASHFUSE=%s: %s", cfg->external,
		 strerror(m.errnum));
	if (write(ready_fd, &m, sizeof m) != (ssize_t)sizeof m) {
		/* the parent sees EOF, then a mount that does not answer */
	}
	_exit(127);
}

static __attribute__((noreturn)) void server_main(int devfd, const char *mountpoint,
						  const struct vsl_fuse_config *cfg, int ready_fd,
						  pid_t parent)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	/* die with the stub, which cannot hang on us then; and stay out of the terminal's
	 * foreground group, so that ^C reaches the container and not its file system */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
		_exit(1);
	setpgid(0, 0);
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
	}
	if (cfg->external) {
		/* the ready pipe is O_CLOEXEC: the exec itself is the "ready" (EOF) */
		exec_external(devfd, cfg, ready_fd);
	}
	_exit(vsl_fuse_serve(devfd, mountpoint, cfg, ready_fd));
}

/* The server's message; EOF means an external server exec'd. */
static int wait_ready(int fd, const struct vsl_fuse_config *cfg, struct vsl_error *err)
{
	struct vsl_fuse_ready m;
	ssize_t r;

	while ((r = read(fd, &m, sizeof m)) < 0 && errno == EINTR)
		;
	if (r == 0 && cfg->external)
		return 0;
	if (r != (ssize_t)sizeof m)
		return vsl_error_set(err, 0, "the FUSE server died while starting");
	if (m.errnum == 0)
		return 0;
	m.text[sizeof m.text - 1] = '\0';
	/* the text is complete (it has its strerror already) */
	vsl_error_set(err, 0, "the FUSE server could not start: %s", m.text);
	if (err)
		err->errnum = m.errnum;
	return -1;
}

static void reap(struct vsl_fuse *f, int sig)
{
	if (f->pid <= 0)
		return;
	if (sig)
		kill(f->pid, sig);
	while (waitpid(f->pid, NULL, 0) < 0 && errno == EINTR)
		;
	f->pid = 0;
}

static enum vsl_fuse_result fork_server(int devfd, const struct vsl_fuse_config *cfg,
					struct vsl_fuse *f, struct vsl_error *err)
{
	pid_t parent = getpid();
	int fds[2], r;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return vsl_error_set(err, errno, "pipe"), VSL_FUSE_SERVER;
	f->pid = fork();
	if (f->pid == 0) {
		close(fds[0]);
		server_main(devfd, f->mountpoint, cfg, fds[1], parent);
	}
	close(fds[1]);
	if (f->pid < 0) {
		f->pid = 0;
		close(fds[0]);
		return vsl_error_set(err, errno, "fork the FUSE server"), VSL_FUSE_SERVER;
	}
	r = wait_ready(fds[0], cfg, err);
	close(fds[0]);
	return r < 0 ? VSL_FUSE_SERVER : VSL_FUSE_OK;
}

enum vsl_fuse_result vsl_fuse_start(int *devfd, const char *mountpoint,
				    const struct vsl_fuse_config *cfg, struct vsl_fuse *f,
				    struct vsl_error *err)
{
	cleanup_close int fd = steal_fd(devfd);
	enum vsl_fuse_result res;
	char opts[160];
	struct stat st;

	f->pid = 0;
	f->mountpoint = NULL;
	if (vsl_fuse_mount_options(opts, sizeof opts, fd, (uint32_t)geteuid(),
				   (uint32_t)getegid()) < 0)
		return vsl_error_set(err, EINVAL, "FUSE mount options"), VSL_FUSE_MOUNT;
	if (mount("vessel", mountpoint, "fuse", MS_RDONLY | MS_NOSUID | MS_NODEV, opts) < 0)
		return vsl_error_set(err, errno, "mount fuse (%s) on %s", opts, mountpoint),
		       VSL_FUSE_MOUNT;
	vsl_debug("fuse: mounted on %s (%s)", mountpoint, opts);
	f->mountpoint = strdup(mountpoint);
	res = f->mountpoint ? fork_server(fd, cfg, f, err) : VSL_FUSE_SERVER;
	/* the server holds the only fd from now on: its death aborts the connection (and the
	 * probe below fails instead of hanging) */
	close(steal_fd(&fd));
	if (res == VSL_FUSE_OK && stat(mountpoint, &st) < 0) {
		vsl_error_set(err, errno, "the FUSE mount on %s does not answer", mountpoint);
		res = VSL_FUSE_SERVER;
	}
	if (res != VSL_FUSE_OK) {
		if (!f->mountpoint)
			vsl_error_set(err, ENOMEM, "FUSE mount point");
		free(f->mountpoint);
		f->mountpoint = NULL;
		umount2(mountpoint, MNT_DETACH);
		reap(f, SIGKILL);
		return res;
	}
	vsl_debug("fuse: %s server %ld is serving %s", cfg->external ? cfg->external : "built-in",
		  (long)f->pid, mountpoint);
	return VSL_FUSE_OK;
}

int vsl_fuse_check(struct vsl_fuse *f, struct vsl_error *err)
{
	int st;

	if (f->pid <= 0 || waitpid(f->pid, &st, WNOHANG) <= 0)
		return 0;
	f->pid = 0;
	if (WIFSIGNALED(st))
		return vsl_error_set(err, 0,
				     "the FUSE server died during the run (killed by signal %d); "
				     "the container saw I/O errors (EIO/ENOTCONN) on its root",
				     WTERMSIG(st));
	return vsl_error_set(err, 0,
			     "the FUSE server died during the run (exit status %d); the "
			     "container saw I/O errors (EIO/ENOTCONN) on its root",
			     WEXITSTATUS(st));
}

void vsl_fuse_stop(struct vsl_fuse *f, bool unmount)
{
	if (f->mountpoint) {
		if (unmount && umount2(f->mountpoint, MNT_DETACH) < 0)
			vsl_debug("fuse: unmount %s: %s", f->mountpoint, strerror(errno));
		free(f->mountpoint);
		f->mountpoint = NULL;
	}
	/* A lazily unmounted file system lives on while anything still uses it: do not wait
	 * for its last user, the server has nothing to save. */
	if (unmount) {
		reap(f, SIGTERM);
		return;
	}
	/*
	 * The mounts die with our mount namespace, and the namespace with its last process. If
	 * that is us, our exit unmounts the tmpfs, the overlay and the FUSE mount, each after an
	 * RCU grace period, before our parent learns that we exited. Leaving the server to be
	 * the last one moves that work after our exit: PR_SET_PDEATHSIG (set in the server)
	 * kills it the moment we are gone, and its exit ends the namespace.
	 */
	f->pid = 0;
}
