/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Option parsing for `vessel` (see cli.h). getopt_long with opterr = 0 so that every usage
 * error is ours: it names the option and points at the help that lists the right ones.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char top_usage[] =
	"Usage: vessel COMMAND [OPTIONS]\n"
	"\n"
	"Turn an OCI container image into one self-contained executable that runs the\n"
	"container rootless, with no container engine installed.\n"
	"\n"
	"Commands:\n"
	"  build      build an executable from an image\n"
	"  inspect    show what an executable holds; check it with --verify\n"
	"  extract    unpack an executable's root filesystem into a directory\n"
	"  help       show this help, or a command's (vessel help build)\n"
	"\n"
	"Options:\n"
	"  -h, --help     show this help\n"
	"  -V, --version  show vessel's version\n"
	"\n"
	"Examples:\n"
	"  vessel build --image oci:busybox:latest --output busybox\n"
	"  vessel inspect --verify busybox\n"
	"  vessel extract busybox rootfs\n"
	"\n"
	"Run 'vessel COMMAND --help' for a command's options; see also vessel(1).\n";

static const char build_usage[] =
	"Usage: vessel build --image REF --output FILE [OPTIONS]\n"
	"\n"
	"Build a self-contained executable from a container image.\n"
	"\n"
	"Options:\n"
	"  -i, --image REF           the image to package (required), one of:\n"
	"                              oci:DIR[:TAG]             an OCI image layout directory\n"
	"                              oci-archive:TAR[:TAG]     a tarball of an OCI layout\n"
	"                              docker-archive:TAR[:REF]  a `docker save` tarball\n"
	"                              docker://NAME[:TAG]       a registry image (also NAME[:TAG]\n"
	"                                                        alone, as with docker pull)\n"
	"                              docker-daemon:NAME[:TAG], containers-storage:NAME[:TAG],\n"
	"                              dir:DIR                   (these four need skopeo)\n"
	"                            A DIR[:TAG] that is an OCI layout directory reads as oci:.\n"
	"                            Registries on localhost/127.0.0.0/8/[::1] are reached\n"
	"                            without TLS verification.\n"
	"  -o, --output FILE         the executable to write (required); it is replaced\n"
	"                            atomically, and left alone if the build fails\n"
	"  -a, --arch ARCH           target architecture: amd64 or arm64 (default: this\n"
	"                            machine's); a multi-arch image gives its linux/ARCH image\n"
	"      --payload-format FMT  how the root filesystem is stored:\n"
	"                              squashfs       (default) a squashfs, mounted with FUSE\n"
	"                                             at run time, and a tar.zst, extracted\n"
	"                                             where FUSE is unavailable\n"
	"                              squashfs-only  the squashfs alone: a smaller file\n"
	"                              tar.zst        the tar.zst alone\n"
	"      --reproducible        bit-identical output for the same image: times as with\n"
	"                            SOURCE_DATE_EPOCH, taken from the image's created time\n"
	"                            (0 if it has none) unless SOURCE_DATE_EPOCH is set\n"
	"  -h, --help                show this help\n"
	"  -q, --quiet               print nothing but errors, even on a terminal\n"
	"  -v, --verbose             print a line for each step and decision, also when\n"
	"                            stderr is not a terminal (default: a progress line\n"
	"                            per stage on a terminal, else nothing)\n"
	"\n"
	"Environment:\n"
	"  VESSEL_PAYLOAD_FORMAT  default for --payload-format\n"
	"  VESSEL_PAYLOAD_JOBS    1 to write the squashfs and the tar.zst one after the\n"
	"                         other; 2 (the default with 2 CPUs or more) at once\n"
	"  VESSEL_MKSQUASHFS      the mksquashfs to run (default: ../libexec/vessel/mksquashfs\n"
	"                         next to the vessel executable)\n"
	"  SOURCE_DATE_EPOCH      record this time (seconds since 1970) as the build time and\n"
	"                         clamp file times to it; without it no build time is recorded\n"
	"  VESSEL_STUB_DIR        where the vessel-stub-ARCH runtimes are (default:\n"
	"                         ../libexec/vessel/ next to the vessel executable)\n"
	"  TMPDIR                 where the layers are unpacked (and skopeo's copy kept)\n"
	"                         during the build\n"
	"  VESSEL_SKOPEO          the skopeo to run (default: skopeo from PATH)\n"
	"\n"
	"Examples:\n"
	"  skopeo copy docker://docker.io/library/busybox:latest oci:busybox:latest\n"
	"  vessel build --image oci:busybox:latest --output busybox\n"
	"  ./busybox echo hello\n"
	"\n"
	"  vessel build --image busybox:latest --arch arm64 --output busybox-arm64\n"
	"\n"
	"  docker save -o myapp.tar myapp:1.0\n"
	"  vessel build -i docker-archive:myapp.tar:myapp:1.0 -a arm64 -o myapp-arm64\n"
	"\n"
	"Exit status: 0 built, 1 the build failed, 2 bad usage; an interrupted build\n"
	"removes what it made and dies by the signal (130 for ^C).\n";

void vsl_cli_usage(FILE *f)
{
	fputs(top_usage, f);
}

void vsl_cli_build_usage(FILE *f)
{
	fputs(build_usage, f);
}

unsigned vsl_cli_format_parse(const char *name)
{
	if (strcmp(name, "tar.zst") == 0)
		return VSL_FORMAT_TARZST;
	if (strcmp(name, "squashfs") == 0)
		return VSL_FORMAT_SQUASHFS | VSL_FORMAT_TARZST;
	if (strcmp(name, "squashfs-only") == 0)
		return VSL_FORMAT_SQUASHFS;
	return 0;
}

/* The option getopt stopped at, for the message: argv[optind - 1] is the offending word. */
int vsl_cli_bad_option(char **argv, int c, const char *cmd, struct vsl_error *err)
{
	const char *word = optind > 0 ? argv[optind - 1] : "?";
	const char *sp = cmd ? " " : "";

	if (!cmd)
		cmd = "";
	if (c == ':')
		return vsl_error_set(err, 0, "option %s needs a value; see 'vessel %s%s--help'",
				     word, cmd, sp);
	return vsl_error_set(err, 0, "unknown option %s%s%s; see 'vessel %s%s--help'", word,
			     *sp ? " for " : "", cmd, cmd, sp);
}

static int parse_epoch(struct vsl_build_opts *b, struct vsl_error *err)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long v;

	b->source_date_epoch = -1;
	if (!s || !*s)
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < 0 || s[0] < '0' || s[0] > '9')
		return vsl_error_set(err, 0,
				     "SOURCE_DATE_EPOCH=%s is not a number of seconds since "
				     "1970; fix or unset it",
				     s);
	b->source_date_epoch = v;
	return 0;
}

/*
 * VESSEL_PAYLOAD_JOBS: how many payload writers run at once. Both at once by default where
 * there are two CPUs or more: mksquashfs and the tar.zst writer each keep a CPU busy, and on
 * one CPU running them together only adds switching.
 */
static int parse_jobs(struct vsl_build_opts *b, struct vsl_error *err)
{
	const char *s = getenv("VESSEL_PAYLOAD_JOBS");

	if (!s || !*s) {
		b->payload_jobs = sysconf(_SC_NPROCESSORS_ONLN) >= 2 ? 2 : 1;
		return 0;
	}
	if (strcmp(s, "1") && strcmp(s, "2"))
		return vsl_error_set(err, 0,
				     "VESSEL_PAYLOAD_JOBS=%s is not 1 (one payload writer after "
				     "the other) or 2 (both at once); fix or unset it",
				     s);
	b->payload_jobs = (unsigned)(s[0] - '0');
	return 0;
}

static int check_build(struct vsl_build_opts *b, const char *arch, const char *fmt,
		       struct vsl_error *err)
{
	if (!b->image)
		return vsl_error_set(err, 0,
				     "no image given: pass --image oci:DIR[:TAG] (or "
				     "oci-archive:, docker-archive:); see 'vessel build --help'");
	if (!b->output)
		return vsl_error_set(err, 0,
				     "no output file given: pass --output FILE; see "
				     "'vessel build --help'");
	b->arch = arch ? vsl_arch_find(arch) : vsl_arch_host();
	if (!b->arch && arch)
		return vsl_error_set(err, 0,
				     "--arch %s is not an architecture vessel builds for; "
				     "use one of: %s",
				     arch, vsl_arch_names());
	if (!b->arch)
		return vsl_error_set(err, 0,
				     "this machine is not an architecture vessel builds "
				     "for by default; pass --arch (one of: %s)",
				     vsl_arch_names());
	b->format_name = fmt ? fmt : "squashfs";
	b->formats = vsl_cli_format_parse(b->format_name);
	if (!b->formats)
		return vsl_error_set(err, 0,
				     "payload format \"%s\"%s is not one of tar.zst, "
				     "squashfs, squashfs-only",
				     b->format_name,
				     fmt == getenv("VESSEL_PAYLOAD_FORMAT")
					     ? " (from "
					       "VESSEL_PAYLOAD_FORMAT)"
					     : "");
	return parse_epoch(b, err) < 0 ? -1 : parse_jobs(b, err);
}

static int parse_build(int argc, char **argv, struct vsl_cli *cli, struct vsl_error *err)
{
	static const struct option opts[] = {
		{ "image", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' },
		{ "arch", required_argument, NULL, 'a' },
		{ "payload-format", required_argument, NULL, 'F' },
		{ "reproducible", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	struct vsl_build_opts *b = &cli->build;
	const char *arch = NULL, *fmt = getenv("VESSEL_PAYLOAD_FORMAT");
	int c;

	if (fmt && !*fmt)
		fmt = NULL;
	cli->command = VSL_CMD_BUILD;
	while ((c = getopt_long(argc, argv, ":i:o:a:qvh", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			b->image = optarg;
			break;
		case 'o':
			b->output = optarg;
			break;
		case 'a':
			arch = optarg;
			break;
		case 'F':
			fmt = optarg;
			break;
		case 'R':
			b->reproducible = true;
			break;
		case 'h':
			cli->command = VSL_CMD_BUILD_HELP;
			return 0;
		case 'q':
			b->verbosity = VSL_VERBOSITY_QUIET;
			break;
		case 'v':
			b->verbosity = VSL_VERBOSITY_VERBOSE;
			break;
		default:
			return vsl_cli_bad_option(argv, c, "build", err);
		}
	}
	if (optind < argc)
		return vsl_error_set(err, 0,
				     "unexpected argument \"%s\" for build; options take "
				     "their values as --image REF; see 'vessel build --help'",
				     argv[optind]);
	return check_build(b, arch, fmt, err);
}

static int parse_command(int argc, char **argv, struct vsl_cli *cli, struct vsl_error *err)
{
	const char *cmd = argv[0];

	if (strcmp(cmd, "build") == 0)
		return parse_build(argc, argv, cli, err);
	if (strcmp(cmd, "inspect") == 0)
		return vsl_cli_parse_inspect(argc, argv, cli, err);
	if (strcmp(cmd, "extract") == 0)
		return vsl_cli_parse_extract(argc, argv, cli, err);
	if (strcmp(cmd, "help") == 0) {
		if (argc > 1 && strcmp(argv[1], "build") == 0)
			cli->command = VSL_CMD_BUILD_HELP;
		else if (argc > 1 && strcmp(argv[1], "inspect") == 0)
			cli->command = VSL_CMD_INSPECT_HELP;
		else if (argc > 1 && strcmp(argv[1], "extract") == 0)
			cli->command = VSL_CMD_EXTRACT_HELP;
		else if (argc > 1)
			return vsl_error_set(err, 0,
					     "no help for \"%s\": it is not a command; see "
					     "'vessel --help'",
					     argv[1]);
		else
			cli->command = VSL_CMD_HELP;
		return 0;
	}
	return vsl_error_set(err, 0, "unknown command \"%s\"; see 'vessel --help'", cmd);
}

int vsl_cli_parse(int argc, char **argv, struct vsl_cli *cli, struct vsl_error *err)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(cli, 0, sizeof *cli);
	cli->build.source_date_epoch = -1;
	opterr = 0;
	optind = 0; /* a full reset, in glibc and musl alike */
	/* "+": stop at the command, whose options are parsed separately. */
	while ((c = getopt_long(argc, argv, "+:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			cli->command = VSL_CMD_HELP;
			return 0;
		case 'V':
			cli->command = VSL_CMD_VERSION;
			return 0;
		default:
			return vsl_cli_bad_option(argv, c, NULL, err);
		}
	}
	if (optind >= argc)
		return vsl_error_set(err, 0, "no command given; try 'vessel build --help'");
	argc -= optind;
	argv += optind;
	optind = 0;
	return parse_command(argc, argv, cli, err);
}
