/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Running mksquashfs for the squashfs section (see squashfs.h): the metadata goes in through
 * the pseudo and exclude files that pseudo.c makes, the child is spawned with its output in a
 * log file, and its failure comes back as one line naming it and the fix.
 */
#define _GNU_SOURCE
#include "squashfs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "json.h"
#include "log.h"
#include "pseudo.h"
#include "squashfs_xattr.h"

extern char **environ;

/*
 * zstd level. On the 171 MB debootstrap fixture (2 busy CPUs) mksquashfs took 1.6 s at level 9
 * (46.6 MB), 14.2 s at 12 (46.4 MB), 17.9 s at its default 15 (43.7 MB), 91 s at 19 (43.4 MB):
 * 9 is the knee, and the tar.zst uses it too.
 */
#define SQUASHFS_LEVEL "9"
/* How much of mksquashfs's log is read back for the error message. */
#define LOG_TAIL 4096
#define FIX_HINT                                                                     \
	"set VESSEL_MKSQUASHFS to a squashfs-tools 4.5.1 mksquashfs, or build with " \
	"--payload-format tar.zst"

char *vsl_mksquashfs_find(struct vsl_error *err)
{
	const char *env = getenv("VESSEL_MKSQUASHFS");
	char self[4096], *slash;
	char *out;
	ssize_t n;

	if (env && *env) {
		out = strdup(env);
	} else {
		n = readlink("/proc/self/exe", self, sizeof self - 1);
		if (n < 0) {
			vsl_error_set(err, errno,
				      "finding mksquashfs: readlink /proc/self/exe (set "
				      "VESSEL_MKSQUASHFS=/path/to/mksquashfs)");
			return NULL;
		}
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash)
			*slash = '\0';
		out = vsl_strf("%s/../libexec/vessel/mksquashfs", self);
	}
	if (!out) {
		vsl_error_set(err, ENOMEM, "finding mksquashfs");
		return NULL;
	}
	if (access(out, X_OK) < 0) {
		vsl_error_set(err, errno,
			      "mksquashfs %s%s is not usable (it ships with vessel in "
			      "libexec/vessel/; reinstall vessel, %s)",
			      out, env && *env ? " (from VESSEL_MKSQUASHFS)" : "", FIX_HINT);
		free(out);
		return NULL;
	}
	return out;
}

struct collect {
	struct vsl_pseudo p;
	int rootfd;
};

/*
 * Directories' times go on disk, where mksquashfs reads them (pseudo.h says why). Nothing
 * writes into the tree any more, so they stay; the tar.zst writer takes its times from the
 * table and does not care.
 */
static int add_entry(void *ctx, const struct vsl_rootfs_entry *e, struct vsl_error *err)
{
	struct collect *c = ctx;
	struct timespec ts[2];

	if (vsl_pseudo_add(&c->p, e, err) < 0)
		return -1;
	if (e->type != VSL_TAR_DIR || !e->path[0])
		return 0;
	ts[0].tv_sec = ts[1].tv_sec = vsl_pseudo_time(e->mtime, c->p.source_date_epoch);
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	if (utimensat(c->rootfd, e->path, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return vsl_error_set(err, errno, "set the time of /%s in the staging dir", e->path);
	return 0;
}

static int write_new_file(const char *path, const char *buf, size_t len, struct vsl_error *err)
{
	cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0)
		return vsl_error_set(err, errno, "create %s", path);
	if (vsl_fs_write_all(fd, buf, len) < 0)
		return vsl_error_set(err, errno, "write %s", path);
	return 0;
}

/* The environment without SOURCE_DATE_EPOCH: our explicit time options take its place. */
static char **child_env(void)
{
	size_t n = 0, o = 0;
	char **env;

	while (environ[n])
		n++;
	env = calloc(n + 1, sizeof *env);
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "SOURCE_DATE_EPOCH=", 18) != 0)
			env[o++] = environ[i];
	return env;
}

static int spawn(struct vsl_squashfs *s, char *const argv[], struct vsl_error *err)
{
	cleanup_free char **env = child_env();
	posix_spawn_file_actions_t fa;
	int r;

	if (!env)
		return vsl_error_set(err, ENOMEM, "starting mksquashfs");
	r = posix_spawn_file_actions_init(&fa);
	if (!r)
		r = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (!r)
		r = posix_spawn_file_actions_addopen(&fa, 1, s->log, O_WRONLY | O_CREAT | O_TRUNC,
						     0600);
	if (!r)
		r = posix_spawn_file_actions_adddup2(&fa, 1, 2);
	if (!r)
		r = posix_spawn(&s->pid, s->tool, &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	if (!r)
		atomic_store(&s->watch, s->pid);
	if (r) {
		s->pid = 0;
		return vsl_error_set(err, r, "cannot run mksquashfs %s (%s)", s->tool, FIX_HINT);
	}
	return 0;
}

/*
 * The image has xattrs: fork, put them on the staging files in the child (squashfs_xattr.h)
 * and exec mksquashfs there, with argv, or with plain (which has -no-xattrs) when they cannot
 * go in; the child says which through a pipe (empty: stored; else why not) before exec.
 */
static int spawn_xattrs(struct vsl_squashfs *s, char *const argv[], char *const plain[],
			const struct vsl_sqx *x, char *why, size_t why_size, struct vsl_error *err)
{
	cleanup_free char **env = child_env();
	int p[2], logfd, null;
	ssize_t n = 0, k;

	why[0] = '\0';
	if (!env)
		return vsl_error_set(err, ENOMEM, "starting mksquashfs");
	if (pipe2(p, O_CLOEXEC) < 0)
		return vsl_error_set(err, errno, "starting mksquashfs");
	s->pid = fork();
	if (s->pid == 0) {
		const char *r;

		logfd = open(s->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (logfd < 0 || null < 0 || dup2(null, 0) < 0 || dup2(logfd, 1) < 0 ||
		    dup2(logfd, 2) < 0)
			_exit(126);
		r = vsl_sqx_apply(x);
		if (r && write(p[1], r, strlen(r)) < 0)
			_exit(126);
		execve(s->tool, r ? plain : argv, env);
		_exit(127);
	}
	close(p[1]);
	if (s->pid < 0) {
		s->pid = 0;
		close(p[0]);
		return vsl_error_set(err, errno, "cannot run mksquashfs %s (%s)", s->tool,
				     FIX_HINT);
	}
	while ((k = read(p[0], why + n, why_size - 1 - (size_t)n)) > 0 || (k < 0 && errno == EINTR))
		n += k > 0 ? k : 0;
	why[n] = '\0';
	close(p[0]);
	return 0;
}

static int run_tool(struct vsl_squashfs *s, const char *src, const struct vsl_pseudo *p,
		    int64_t sde, const struct vsl_sqx *x, struct vsl_error *err)
{
	char *with_xattrs[32], why[512];
	size_t n = 0;
	char mkfs[16], root_time[16], mode[16], uid[16], gid[16];
	/*
	 * No -all-root/-force-uid: they override the pseudo file too (4.5.1 applies them when
	 * writing each inode), so every owner comes from there and the root's from -root-uid/gid.
	 * No -processors: the image is the same for any count (the tests check 1 against the
	 * default).
	 */
	/* clang-format off */
	char *argv[] = {
		s->tool, (char *)src, s->out,
		"-noappend", "-no-progress", "-quiet", "-no-xattrs", "-comp", "zstd",
		"-Xcompression-level", SQUASHFS_LEVEL,
		"-mkfs-time", mkfs, "-root-time", root_time,
		"-root-mode", mode, "-root-uid", uid, "-root-gid", gid,
		"-pf", s->pf, "-ef", s->ef, NULL,
	};
	/* clang-format on */

	/* Without SOURCE_DATE_EPOCH, the newest file time still gives the same bytes per tree. */
	snprintf(mkfs, sizeof mkfs, "%u",
		 sde >= 0 ? vsl_pseudo_time(sde, -1) : (unsigned)p->newest);
	snprintf(root_time, sizeof root_time, "%u", (unsigned)p->root_mtime);
	snprintf(mode, sizeof mode, "%o", (unsigned)p->root_mode);
	snprintf(uid, sizeof uid, "%u", (unsigned)p->root_uid);
	snprintf(gid, sizeof gid, "%u", (unsigned)p->root_gid);
	if (!x)
		return spawn(s, argv, err);
	for (size_t i = 0; argv[i]; i++)
		if (strcmp(argv[i], "-no-xattrs") != 0)
			with_xattrs[n++] = argv[i];
	with_xattrs[n] = NULL;
	if (spawn_xattrs(s, with_xattrs, argv, x, why, sizeof why, err) < 0)
		return -1;
	if (why[0])
		vsl_warn(
			"%zu path(s) have xattrs (e.g. file capabilities) that the squashfs section "
			"does not carry: %s; the tar.zst section has them",
			p->xattr_paths, why);
	else
		vsl_debug("the xattrs of %zu path(s) go into the squashfs", p->xattr_paths);
	return 0;
}

int vsl_squashfs_start(struct vsl_squashfs *s, struct vsl_rootfs *r, char *tool,
		       const char *workdir, int64_t source_date_epoch, struct vsl_error *err)
{
	struct collect c = { .rootfd = vsl_rootfs_dirfd(r) };
	struct vsl_pseudo *p = &c.p;
	struct vsl_sqx x = { 0 };
	int ret = -1;

	memset(s, 0, sizeof *s);
	s->tool = tool;
	s->out = vsl_strf("%s/squashfs.img", workdir);
	s->log = vsl_strf("%s/squashfs.log", workdir);
	s->pf = vsl_strf("%s/squashfs.pseudo", workdir);
	s->ef = vsl_strf("%s/squashfs.exclude", workdir);
	if (!s->out || !s->log || !s->pf || !s->ef)
		return vsl_error_set(err, ENOMEM, "squashfs temp files");
	vsl_pseudo_init(p, source_date_epoch);
	if (vsl_rootfs_foreach(r, add_entry, &c, err) < 0)
		goto out;
	if (p->xattr_paths && vsl_sqx_collect(r, &x, err) < 0)
		goto out;
	if (write_new_file(s->pf, p->pseudo.buf ? p->pseudo.buf : "", p->pseudo.len, err) < 0 ||
	    write_new_file(s->ef, p->exclude.buf ? p->exclude.buf : "", p->exclude.len, err) < 0)
		goto out;
	vsl_debug("mksquashfs %s: %zu paths, %zu bytes of pseudo definitions", s->tool, p->paths,
		  p->pseudo.len);
	ret = run_tool(s, vsl_rootfs_dir(r), p, source_date_epoch, p->xattr_paths ? &x : NULL, err);
out:
	vsl_sqx_free(&x);
	vsl_pseudo_fini(p);
	return ret;
}

/* The line of mksquashfs's log that says what went wrong: the first with "ERROR" or
 * "Ignoring" in it, else the last one. */
static void log_line(const char *path, char *line, size_t size)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	char buf[LOG_TAIL + 1], *pick = NULL, *save = NULL, *l;
	off_t end;
	ssize_t n;

	snprintf(line, size, "no output");
	if (fd < 0)
		return;
	end = lseek(fd, 0, SEEK_END);
	n = pread(fd, buf, LOG_TAIL, end > LOG_TAIL ? end - LOG_TAIL : 0);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (pick && (strstr(pick, "ERROR") || strstr(pick, "Ignoring")))
			break;
		pick = l;
	}
	if (pick)
		snprintf(line, size, "%s", pick);
}

int vsl_squashfs_parse_rchar(const char *text, uint64_t *rchar)
{
	unsigned long long v;

	for (const char *p = text; (p = strstr(p, "rchar:")); p++) {
		if (p != text && p[-1] != '\n')
			continue;
		if (sscanf(p + 6, " %llu", &v) != 1)
			return -1;
		*rchar = v;
		return 0;
	}
	return -1;
}

void vsl_squashfs_progress(void *ctx, uint64_t *done, uint64_t *total)
{
	struct vsl_squashfs *s = ctx;
	pid_t pid = atomic_load(&s->watch);
	char path[64], buf[512];
	cleanup_close int fd = -1;
	uint64_t v;
	ssize_t n;

	if (pid <= 0)
		return;
	snprintf(path, sizeof path, "/proc/%d/io", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
	if (n <= 0)
		return;
	buf[n] = '\0';
	if (vsl_squashfs_parse_rchar(buf, &v) == 0)
		*done = *total && v > *total ? *total : v;
}

int vsl_squashfs_finish(struct vsl_squashfs *s, int *fd, struct vsl_error *err)
{
	char line[512];
	int status;

	*fd = -1;
	/* the pid may be reused once reaped: the probe stops looking first */
	atomic_store(&s->watch, 0);
	while (waitpid(s->pid, &status, 0) < 0)
		if (errno != EINTR)
			return vsl_error_set(err, errno, "waiting for mksquashfs");
	s->pid = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		log_line(s->log, line, sizeof line);
		if (WIFSIGNALED(status))
			return vsl_error_set(err, 0,
					     "mksquashfs %s was killed by signal %d (%s); %s",
					     s->tool, WTERMSIG(status), line, FIX_HINT);
		return vsl_error_set(err, 0, "mksquashfs %s failed with status %d: %s; %s", s->tool,
				     WEXITSTATUS(status), line, FIX_HINT);
	}
	/* With -quiet a good run prints nothing; "Ignoring" means a pseudo definition did not
	 * apply, leaving some path with the builder's owner or mode: not an image to ship. */
	log_line(s->log, line, sizeof line);
	if (strstr(line, "Ignoring") || strstr(line, "ERROR"))
		return vsl_error_set(err, 0,
				     "mksquashfs %s did not apply the image's metadata: %s (a "
				     "vessel bug; please report it); build with --payload-format "
				     "tar.zst meanwhile",
				     s->tool, line);
	*fd = open(s->out, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return vsl_error_set(err, errno, "open the squashfs image %s", s->out);
	unlink(s->out);
	return 0;
}

void vsl_squashfs_release(struct vsl_squashfs *s)
{
	atomic_store(&s->watch, 0);
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
			;
		s->pid = 0;
	}
	if (s->out)
		unlink(s->out);
	if (s->log)
		unlink(s->log);
	if (s->pf)
		unlink(s->pf);
	if (s->ef)
		unlink(s->ef);
	free(s->tool);
	free(s->out);
	free(s->log);
	free(s->pf);
	free(s->ef);
	memset(s, 0, sizeof *s);
}
