/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Serve any squashfs image file (at an offset) with the runtime's own FUSE code, run one
 * command while it is mounted, then unmount and stop the server. For the conformance test
 * through FUSE (t0400: host tools read the mount and compare with an unsquashfs extraction)
 * and for the FUSE benchmarks (tests/bench/fuse.sh):
 *
 *   sqfs-mount [OPTIONS] IMAGE OFFSET MOUNTPOINT COMMAND [ARG...]
 *     --squashfuse PATH   serve with that squashfuse instead (VESSEL_SQUASHFUSE's code path)
 *     --squash-ids        report every owner as 0:0
 *     --no-squash-ids     report the image's owners as they are
 *                         (default: the runtime's rule, vsl_fuse_owner: an owner that our
 *                         user namespace maps as stored, any other as 0)
 *     --open-messages     have the kernel send OPEN/OPENDIR and RELEASE as kernels without
 *                         zero-message opens do (our server only)
 *     --stats FILE        before stopping the server, write its /proc status lines VmHWM,
 *                         VmRSS and Threads (peak RSS is what the benchmark reports)
 *
 * It must run where mount(2) of a FUSE file system is allowed: as root in a mount namespace
 * (`unshare -m`), or as the root of a user namespace (`unshare -Urm`); a foreign arch's build
 * runs under qemu-user inside a namespace made by a native parent, as the stub does in tests.
 * COMMAND runs as a child (natively, even under qemu: the kernel execs it) with the same cwd
 * and SQFS_MOUNT_SERVER_PID set to the server's pid.
 * Exit status: COMMAND's (128+N for a signal); 125 when the mount failed or the server could
 * not start (a corrupt superblock); 99 when the server died while COMMAND ran (a crash).
 */
#define _GNU_SOURCE
#include "fuse.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "idmap.h"

struct args {
	const char *squashfuse, *stats, *image, *mountpoint;
	uint64_t offset;
	int squash; /* -1: decide from /proc/self/uid_map */
	bool open_messages;
	char **cmd;
};

static int usage(void)
{
	fprintf(stderr,
		"usage: sqfs-mount [--squashfuse PATH] [--squash-ids|--no-squash-ids] "
		"[--open-messages] [--stats FILE] IMAGE OFFSET MOUNTPOINT COMMAND [ARG...]\n");
	return 2;
}

static int parse(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "squashfuse", required_argument, NULL, 'f' },
		{ "squash-ids", no_argument, NULL, 's' },
		{ "no-squash-ids", no_argument, NULL, 'n' },
		{ "stats", required_argument, NULL, 'S' },
		{ "open-messages", no_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	a->squash = -1;
	/* '+': stop at the first operand, COMMAND's options are its own */
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			a->squashfuse = optarg;
			break;
		case 's':
		case 'n':
			a->squash = c == 's';
			break;
		case 'S':
			a->stats = optarg;
			break;
		case 'o':
			a->open_messages = true;
			break;
		default:
			return -1;
		}
	}
	if (argc - optind < 4)
		return -1;
	a->image = argv[optind];
	errno = 0;
	a->offset = strtoull(argv[optind + 1], &end, 0);
	if (errno || *end || end == argv[optind + 1])
		return -1;
	a->mountpoint = argv[optind + 2];
	a->cmd = argv + optind + 3;
	return 0;
}

/* /proc/self/uid_map or gid_map into m; false when it cannot be read. */
static bool read_map(const char *path, struct vsl_idmap *m)
{
	struct vsl_error err = { 0 };
	char buf[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf);

	if (fd >= 0)
		close(fd);
	if (n < 0 || vsl_idmap_parse(buf, (size_t)n, m, &err) < 0) {
		vsl_error_release(&err);
		return false;
	}
	return true;
}

/* The owners the server reports, as the stub sets them up (or as the options force). */
static void set_ids(int squash, struct vsl_fuse_config *cfg)
{
	static const char all[] = "0 0 4294967295\n";
	static struct vsl_idmap uids, gids;
	struct vsl_error err = { 0 };

	cfg->uids = cfg->gids = NULL;
	if (squash == 1)
		return;
	if (squash == 0) {
		if (vsl_idmap_parse(all, sizeof all - 1, &uids, &err) == 0)
			cfg->uids = cfg->gids = &uids;
		vsl_error_release(&err);
		return;
	}
	if (read_map("/proc/self/uid_map", &uids) && read_map("/proc/self/gid_map", &gids)) {
		cfg->uids = &uids;
		cfg->gids = &gids;
	}
}

/* The server's memory lines from /proc/PID/status into file. */
static int write_stats(pid_t pid, const char *file)
{
	char path[64], line[256];
	FILE *in, *out;

	snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
	in = fopen(path, "re");
	if (!in)
		return -1;
	out = fopen(file, "we");
	if (!out) {
		fclose(in);
		return -1;
	}
	fprintf(out, "Pid:\t%ld\n", (long)pid);
	while (fgets(line, sizeof line, in))
		if (strncmp(line, "VmHWM:", 6) == 0 || strncmp(line, "VmRSS:", 6) == 0 ||
		    strncmp(line, "Threads:", 8) == 0)
			fputs(line, out);
	fclose(in);
	return fclose(out) == 0 ? 0 : -1;
}

static int run(char **cmd)
{
	pid_t pid = fork();
	int st;

	if (pid < 0) {
		perror("sqfs-mount: fork");
		return 125;
	}
	if (pid == 0) {
		execvp(cmd[0], cmd);
		fprintf(stderr, "sqfs-mount: %s: %s\n", cmd[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 125;
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

int main(int argc, char **argv)
{
	struct args a = { 0 };
	struct vsl_fuse_config cfg = { 0 };
	struct vsl_error err = { 0 };
	struct vsl_fuse f;
	struct stat st;
	char pid[24];
	int devfd, code;

	if (parse(argc, argv, &a) < 0)
		return usage();
	cfg.payload_fd = open(a.image, O_RDONLY | O_CLOEXEC);
	if (cfg.payload_fd < 0 || fstat(cfg.payload_fd, &st) < 0 ||
	    a.offset > (uint64_t)st.st_size) {
		fprintf(stderr, "sqfs-mount: %s: %s\n", a.image,
			cfg.payload_fd < 0 ? strerror(errno) : "offset beyond the end");
		return 125;
	}
	cfg.offset = a.offset;
	cfg.size = (uint64_t)st.st_size - a.offset;
	set_ids(a.squash, &cfg);
	cfg.external = a.squashfuse;
	cfg.open_messages = a.open_messages;
	devfd = vsl_fuse_open_dev(&err);
	if (devfd < 0 || vsl_fuse_start(&devfd, a.mountpoint, &cfg, &f, &err) != VSL_FUSE_OK) {
		fprintf(stderr, "sqfs-mount: %s\n", err.msg);
		vsl_error_release(&err);
		return 125;
	}
	snprintf(pid, sizeof pid, "%ld", (long)f.pid);
	setenv("SQFS_MOUNT_SERVER_PID", pid, 1);
	code = run(a.cmd);
	if (a.stats && write_stats(f.pid, a.stats) < 0)
		fprintf(stderr, "sqfs-mount: --stats %s: %s\n", a.stats, strerror(errno));
	if (vsl_fuse_check(&f, &err) < 0) {
		fprintf(stderr, "sqfs-mount: %s\n", err.msg);
		vsl_error_release(&err);
		code = 99;
	}
	vsl_fuse_stop(&f, true);
	close(cfg.payload_fd);
	return code;
}
