/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Choosing the payload path and the launcher: see launch.h. Pure functions.
 */
#include "launch.h"

#include <string.h>

#include "log.h"

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

const struct vsl_launcher *vsl_launcher_choose(bool crun_disabled)
{
	vsl_debug("launcher: direct runner (%s)",
		  crun_disabled ? "VESSEL_RUNTIME_DISABLE_CRUN=1" : "libcrun is not built in");
	return &vsl_launcher_direct;
}
