/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The transports vessel does not read itself (docker://, docker-daemon:, containers-storage:,
 * dir:) go through `skopeo copy` into a temporary oci: layout, for the one platform the build
 * wants (--override-os/--override-arch/--override-variant), which the native reader then
 * resolves and checks blob by blob like any other layout. skopeo brings the registry protocol,
 * authentication (its auth.json, REGISTRY_AUTH_FILE), mirrors (registries.conf) and the
 * signature policy (policy.json), none of which vessel should reimplement.
 *
 * skopeo runs with stdin on /dev/null (nothing can prompt) and no time limit (a big pull is
 * slow, not stuck); its stderr goes to a log in the temp dir and its last line comes back in
 * the error when it fails. When the copy fails, `skopeo inspect --raw` asks for the top
 * manifest: if it is an index without our platform, the error lists what it offers (skopeo's
 * own message does not).
 *
 * Registries on this machine (localhost, 127.0.0.0/8, [::1]) are reached without TLS
 * verification, as docker treats them as insecure by default: a local test or cache registry
 * rarely has a certificate. Every other registry gets skopeo's defaults.
 */
#define _GNU_SOURCE
#include "source_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "json.h"
#include "log.h"

/* The tag the copy gets in the temp layout. */
#define COPY_TAG "vessel"
/* How much of skopeo's stderr is read back for the error. */
#define LOG_TAIL 4096
/* Largest `skopeo inspect --raw` answer read (a manifest or index). */
#define RAW_MAX VSL_MANIFEST_MAX

/* The skopeo to run: $VESSEL_SKOPEO, else "skopeo" from PATH. NULL when there is none. */
static char *find_skopeo(void)
{
	const char *env = getenv("VESSEL_SKOPEO"), *path = getenv("PATH");
	cleanup_free char *dirs = NULL;
	char *save = NULL;

	if (env && *env)
		return access(env, X_OK) == 0 ? strdup(env) : NULL;
	dirs = strdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	for (char *d = dirs ? strtok_r(dirs, ":", &save) : NULL; d;
	     d = strtok_r(NULL, ":", &save)) {
		char *cand = vsl_strf("%s/skopeo", *d ? d : ".");
		struct stat st;

		if (cand && stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0)
			return cand;
		free(cand);
	}
	return NULL;
}

/* Run argv[0] with stdin /dev/null and stdout/stderr to the given fds; its exit status. */
static int run(char *const argv[], int out_fd, int err_fd, int *status, struct vsl_error *err)
{
	pid_t pid = fork();

	if (pid < 0)
		return vsl_error_set(err, errno, "fork for %s", argv[0]);
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		/* skopeo must not outlive a vessel that was killed. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (null < 0 || dup2(null, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
			_exit(126);
		execv(argv[0], argv);
		dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, status, 0) < 0) {
		if (errno != EINTR)
			return vsl_error_set(err, errno, "waiting for %s", argv[0]);
	}
	return 0;
}

/* The last non-empty line of the log, skopeo's `level=fatal msg="..."` reduced to the msg. */
static void log_tail(int fd, char *out, size_t size)
{
	char buf[LOG_TAIL + 1];
	off_t end = lseek(fd, 0, SEEK_END), from = end > LOG_TAIL ? end - LOG_TAIL : 0;
	ssize_t n = end > 0 ? pread(fd, buf, (size_t)(end - from), from) : 0;
	char *line, *msg;

	n = n < 0 ? 0 : n;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	line = strrchr(buf, '\n');
	line = line ? line + 1 : buf;
	msg = strstr(line, "msg=\"");
	if (msg) {
		size_t m = strlen(msg + 5);

		line = msg + 5;
		if (m && line[m - 1] == '"')
			line[m - 1] = '\0';
		/* logrus quotes the message: undo its \" */
		for (char *r = line, *w = line;; r++) {
			if (r[0] == '\\' && r[1] == '"')
				r++;
			if (!(*w++ = *r))
				break;
		}
	}
	if (!*line)
		line = "(it printed nothing)";
	if (strlen(line) >= size)
		line[size - 1] = '\0';
	memcpy(out, line, strlen(line) + 1);
}

/* VESSEL_DEBUG=1: all of skopeo's stderr, not just the line the error quotes. */
static void dump_log(int fd)
{
	char buf[LOG_TAIL];
	off_t off = 0;
	ssize_t n;

	vsl_debug("skopeo's stderr:");
	while ((n = pread(fd, buf, sizeof buf, off)) > 0) {
		fwrite(buf, 1, (size_t)n, stderr);
		off += n;
	}
}

static void status_text(int status, char *out, size_t size)
{
	if (WIFEXITED(status))
		snprintf(out, size, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(out, size, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(out, size, "status %d", status);
}

struct copy {
	struct vsl_source *s;
	const struct vsl_arch *arch;
	char *skopeo;
	bool insecure; /* a loopback registry: no TLS verification */
};

/* skopeo inspect --raw: the top manifest, for a better message when the copy failed. */
static int inspect_raw(struct copy *c, char **buf, size_t *len, struct vsl_error *err)
{
	cleanup_free char *path = vsl_strf("%s/raw.json", c->s->tmpdir);
	char *argv[] = { c->skopeo,
			 "inspect",
			 "--raw",
			 c->insecure ? "--tls-verify=false" : c->s->ref.skopeo,
			 c->insecure ? c->s->ref.skopeo : NULL,
			 NULL };
	cleanup_close int fd = -1, null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	struct stat st;
	int status;

	if (!path)
		return vsl_error_set(err, ENOMEM, "skopeo inspect");
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || null < 0)
		return vsl_error_set(err, errno, "create %s", path);
	if (run(argv, fd, null, &status, err) < 0)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || fstat(fd, &st) < 0 ||
	    st.st_size <= 0 || st.st_size > RAW_MAX)
		return vsl_error_set(err, 0, "skopeo inspect --raw %s failed", c->s->ref.skopeo);
	*buf = malloc((size_t)st.st_size + 1);
	if (!*buf)
		return vsl_error_set(err, ENOMEM, "skopeo inspect");
	if (pread(fd, *buf, (size_t)st.st_size, 0) != st.st_size) {
		free(*buf);
		return vsl_error_set(err, errno, "read %s", path);
	}
	*len = (size_t)st.st_size;
	return 0;
}

/*
 * After a failed copy: when the image is an index with no entry for our platform, set err to
 * the list of platforms it offers and return -1; otherwise 0 (skopeo's own message stands).
 */
static int explain_platforms(struct copy *c, struct vsl_error *err)
{
	cleanup_free char *buf = NULL;
	struct vsl_error ierr = { 0 };
	struct vsl_manifest m;
	size_t len = 0;
	int r = 0;

	if (inspect_raw(c, &buf, &len, &ierr) < 0 ||
	    vsl_manifest_parse(buf, len, c->s->name, NULL, &m, &ierr) < 0) {
		vsl_debug("no platform list: %s", ierr.msg);
		vsl_error_release(&ierr);
		return 0;
	}
	if (m.kind == VSL_MANIFEST_INDEX &&
	    vsl_manifest_select_platform(&m, c->s->name, c->arch, &ierr) < 0) {
		*err = ierr; /* the error moves to the caller */
		r = -1;
	} else {
		vsl_error_release(&ierr);
	}
	vsl_manifest_free(&m);
	return r;
}

/* The argument vector of the copy (pointers into c and dst; nothing allocated). */
static void copy_argv(struct copy *c, char *dst, char *argv[16])
{
	const char *variant = c->arch->variants[0];
	size_t n = 0;

	argv[n++] = c->skopeo;
	argv[n++] = "--override-os";
	argv[n++] = "linux";
	argv[n++] = "--override-arch";
	argv[n++] = (char *)c->arch->oci;
	if (variant && *variant) {
		argv[n++] = "--override-variant";
		argv[n++] = (char *)variant;
	}
	argv[n++] = "copy";
	argv[n++] = "--quiet";
	if (c->insecure)
		argv[n++] = "--src-tls-verify=false";
	argv[n++] = c->s->ref.skopeo;
	argv[n++] = dst;
	argv[n] = NULL;
}

static int copy(struct copy *c, struct vsl_error *err)
{
	cleanup_free char *layout = vsl_strf("%s/layout", c->s->tmpdir);
	cleanup_free char *dst = vsl_strf("oci:%s:" COPY_TAG, layout ? layout : "");
	cleanup_free char *logp = vsl_strf("%s/skopeo.log", c->s->tmpdir);
	cleanup_close int log = -1;
	char *argv[16], tail[1024], st[64];
	int status;

	if (!layout || !dst || !logp)
		return vsl_error_set(err, ENOMEM, "%s", c->s->name);
	log = open(logp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (log < 0)
		return vsl_error_set(err, errno, "create %s", logp);
	copy_argv(c, dst, argv);
	vsl_debug("running %s %s copy %s %s", c->skopeo, c->arch->oci, c->s->ref.skopeo, dst);
	if (run(argv, log, log, &status, err) < 0)
		return vsl_error_wrap(err, "%s", c->s->name);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		free(c->s->ref.path);
		c->s->ref.path = steal_pointer(&layout);
		c->s->ref.tag = strdup(COPY_TAG);
		c->s->ref.transport = VSL_TRANSPORT_OCI;
		return c->s->ref.tag ? 0 : vsl_error_set(err, ENOMEM, "%s", c->s->name);
	}
	log_tail(log, tail, sizeof tail);
	if (vsl_log_debug_on)
		dump_log(log);
	if (explain_platforms(c, err) < 0)
		return -1;
	status_text(status, st, sizeof st);
	return vsl_error_set(err, 0, "skopeo copy %s failed (%s): %s", c->s->ref.skopeo, st, tail);
}

static int make_tmpdir(struct vsl_source *s, const char *tmpdir, struct vsl_error *err)
{
	if (!tmpdir || !*tmpdir)
		tmpdir = getenv("TMPDIR");
	if (!tmpdir || !*tmpdir)
		tmpdir = "/tmp";
	s->tmpdir = vsl_strf("%s/vessel-pull-XXXXXX", tmpdir);
	if (!s->tmpdir)
		return vsl_error_set(err, ENOMEM, "%s", s->name);
	if (!mkdtemp(s->tmpdir)) {
		int e = errno;

		free(s->tmpdir);
		s->tmpdir = NULL;
		return vsl_error_set(err, e,
				     "cannot make a directory in %s for the copy of %s (set "
				     "TMPDIR to a writable directory with room for the image)",
				     tmpdir, s->name);
	}
	return 0;
}

int vsl_skopeo_fetch(struct vsl_source *s, const struct vsl_arch *arch, const char *tmpdir,
		     struct vsl_error *err)
{
	struct copy c = { .s = s, .arch = arch };
	int r;

	c.skopeo = find_skopeo();
	if (!c.skopeo)
		return vsl_error_set(err, 0,
				     "%s needs skopeo, which is not installed%s: install it "
				     "(Debian package skopeo: apt-get install skopeo), or copy the "
				     "image to an oci: directory elsewhere",
				     s->name,
				     getenv("VESSEL_SKOPEO") && *getenv("VESSEL_SKOPEO")
					     ? " (VESSEL_SKOPEO names no executable)"
					     : " (not found in PATH)");
	c.insecure =
		s->ref.transport == VSL_TRANSPORT_DOCKER && vsl_docker_ref_loopback(s->ref.path);
	if (c.insecure)
		vsl_debug("%s: a registry on this machine, TLS verification off", s->name);
	r = make_tmpdir(s, tmpdir, err);
	if (r == 0)
		r = copy(&c, err);
	free(c.skopeo);
	return r;
}
