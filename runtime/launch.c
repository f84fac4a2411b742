/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Choosing the payload path and the launcher: see launch.h. Pure functions.
 */
#include "launch.h"

#include <stdio.h>
#include <string.h>

const char *vsl_path_name(enum vsl_path p)
{
	switch (p) {
	case VSL_PATH_FUSE:
		return "fuse";
	case VSL_PATH_EXTRACT:
		return "extract";
	case VSL_PATH_NONE:
		break;
	}
	return "none";
}

static enum vsl_path forced_path(const struct vsl_path_inputs *in, struct vsl_error *err)
{
	if (strcmp(in->forced, "fuse") == 0) {
		if (!in->has_squashfs)
			vsl_error_set(err, 0,
				      "VESSEL_PAYLOAD=fuse, but the file has no squashfs "
				      "section (it was built tar.zst-only)");
		else if (!in->fuse_usable)
			vsl_error_set(err, 0,
				      "VESSEL_PAYLOAD=fuse, but FUSE is not usable here (%s)",
				      in->fuse_why ? in->fuse_why : "no /dev/fuse");
		else
			return VSL_PATH_FUSE;
		return VSL_PATH_NONE;
	}
	if (strcmp(in->forced, "extract") == 0) {
		if (in->has_tarzst)
			return VSL_PATH_EXTRACT;
		vsl_error_set(err, 0,
			      "VESSEL_PAYLOAD=extract, but the file has no tar.zst section "
			      "(it was built squashfs-only)");
		return VSL_PATH_NONE;
	}
	vsl_error_set(err, 0, "VESSEL_PAYLOAD='%s' is not one of fuse, extract", in->forced);
	return VSL_PATH_NONE;
}

enum vsl_path vsl_path_choose(const struct vsl_path_inputs *in, struct vsl_error *err)
{
	if (in->forced && *in->forced)
		return forced_path(in, err);
	/* FUSE first: its start does not grow with the image, extraction's first run does. */
	if (in->has_squashfs && in->fuse_usable)
		return VSL_PATH_FUSE;
	if (in->has_tarzst)
		return VSL_PATH_EXTRACT;
	if (in->has_squashfs)
		vsl_error_set(err, 0,
			      "the file has only a squashfs payload and FUSE is not usable here "
			      "(%s); let this user open /dev/fuse (e.g. `chmod 0666 /dev/fuse`, "
			      "or load the kernel's fuse module: `modprobe fuse`), or rebuild the "
			      "file with `vessel build --payload-format squashfs`, which keeps a "
			      "tar.zst fallback",
			      in->fuse_why ? in->fuse_why : "no /dev/fuse");
	else
		vsl_error_set(err, 0, "the file has no rootfs section (squashfs or tar.zst)");
	return VSL_PATH_NONE;
}

const char *vsl_launcher_kind_name(enum vsl_launcher_kind k)
{
	switch (k) {
	case VSL_LAUNCHER_DIRECT:
		return "direct";
	case VSL_LAUNCHER_CRUN:
		return "crun";
	case VSL_LAUNCHER_NONE:
		break;
	}
	return "none";
}

static bool knob_on(const char *v)
{
	return v && *v && strcmp(v, "0") != 0;
}

static enum vsl_launcher_kind pick(struct vsl_launcher_choice *out, enum vsl_launcher_kind k,
				   bool forced, const char *why, const char *detail)
{
	out->kind = k;
	out->forced = forced;
	snprintf(out->why, sizeof out->why, "%s%s%s%s", why, detail ? " (" : "",
		 detail ? detail : "", detail ? ")" : "");
	return k;
}

/* VESSEL_RUNTIME=crun: libcrun or a clear error, never a silent direct runner. */
static enum vsl_launcher_kind forced_crun(const struct vsl_launcher_inputs *in,
					  struct vsl_launcher_choice *out, struct vsl_error *err)
{
	if (knob_on(in->disable_crun))
		vsl_error_set(
			err, 0,
			"VESSEL_RUNTIME=crun contradicts VESSEL_RUNTIME_DISABLE_CRUN=%s; unset "
			"one of them",
			in->disable_crun);
	else if (!in->crun_built)
		vsl_error_set(
			err, 0,
			"VESSEL_RUNTIME=crun, but this runtime has no libcrun built in; unset "
			"VESSEL_RUNTIME to use the direct runner");
	else if (in->emulated)
		vsl_error_set(err, 0,
			      "VESSEL_RUNTIME=crun, but libcrun cannot run under an emulator (%s); "
			      "unset VESSEL_RUNTIME to use the direct runner",
			      in->emulated_why ? in->emulated_why : "qemu-user");
	else
		return pick(out, VSL_LAUNCHER_CRUN, true, "VESSEL_RUNTIME=crun", NULL);
	return pick(out, VSL_LAUNCHER_NONE, true, "", NULL);
}

enum vsl_launcher_kind vsl_launcher_choose(const struct vsl_launcher_inputs *in,
					   struct vsl_launcher_choice *out, struct vsl_error *err)
{
	const char *rt = in->runtime && *in->runtime ? in->runtime : NULL;

	memset(out, 0, sizeof *out);
	if (rt && strcmp(rt, "crun") == 0)
		return forced_crun(in, out, err);
	if (rt && strcmp(rt, "direct") != 0) {
		vsl_error_set(err, 0, "VESSEL_RUNTIME='%s' is not one of crun, direct", rt);
		return pick(out, VSL_LAUNCHER_NONE, false, "", NULL);
	}
	if (rt)
		return pick(out, VSL_LAUNCHER_DIRECT, true, "VESSEL_RUNTIME=direct", NULL);
	if (knob_on(in->disable_crun))
		return pick(out, VSL_LAUNCHER_DIRECT, true, "VESSEL_RUNTIME_DISABLE_CRUN=1", NULL);
	if (!in->crun_built)
		return pick(out, VSL_LAUNCHER_DIRECT, false, "libcrun is not built in", NULL);
	/* libcrun needs PR_SET_CHILD_SUBREAPER, which qemu-user refuses (EINVAL). */
	if (in->emulated)
		return pick(out, VSL_LAUNCHER_DIRECT, false, "running under an emulator",
			    in->emulated_why ? in->emulated_why : "qemu-user");
	return pick(out, VSL_LAUNCHER_CRUN, false, "the default", NULL);
}

void vsl_terminal_choose(bool tty_opt, bool interactive_opt, bool stdin_tty, bool stdout_tty,
			 bool *terminal, bool *interactive)
{
	bool auto_tty = !tty_opt && !interactive_opt && stdin_tty && stdout_tty;

	*terminal = tty_opt || auto_tty;
	*interactive = interactive_opt || auto_tty;
}

/* How deep a cleaned absolute path is: "/a" 1, "/a/b" 2. */
static size_t depth(const char *path)
{
	size_t n = 0;

	for (; *path; path++)
		n += *path == '/';
	return n;
}

size_t vsl_user_mounts_order(const struct vsl_launch_spec *spec, struct vsl_user_mount *out)
{
	size_t max = 0, n = 0;

	for (size_t i = 0; i < spec->n_volumes; i++)
		max = depth(spec->volumes[i].ctr) > max ? depth(spec->volumes[i].ctr) : max;
	for (size_t i = 0; i < spec->n_tmpfs; i++)
		max = depth(spec->tmpfs[i].path) > max ? depth(spec->tmpfs[i].path) : max;
	for (size_t d = 1; d <= max; d++) {
		for (size_t i = 0; i < spec->n_tmpfs; i++)
			if (depth(spec->tmpfs[i].path) == d)
				out[n++] = (struct vsl_user_mount){ .tmpfs = true, .index = i };
		for (size_t i = 0; i < spec->n_volumes; i++)
			if (depth(spec->volumes[i].ctr) == d)
				out[n++] = (struct vsl_user_mount){ .tmpfs = false, .index = i };
	}
	return n;
}

bool vsl_user_mounts_on(const struct vsl_launch_spec *spec, const char *path)
{
	for (size_t i = 0; i < spec->n_volumes; i++)
		if (strcmp(spec->volumes[i].ctr, path) == 0)
			return true;
	for (size_t i = 0; i < spec->n_tmpfs; i++)
		if (strcmp(spec->tmpfs[i].path, path) == 0)
			return true;
	return false;
}
