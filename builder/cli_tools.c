/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Option parsing and help for `vessel inspect` and `vessel extract`, the commands that read a
 * built file (cli.c has the top level and build). Same rules as there: getopt_long with
 * opterr = 0, every usage error one line naming the option and the help to read.
 */
#include "cli.h"

#include <getopt.h>
#include <string.h>

static const char inspect_usage[] =
	"Usage: vessel inspect [OPTIONS] FILE\n"
	"\n"
	"Show what a vessel executable holds: the image ID, architecture, payload formats\n"
	"and section sizes, the command, environment, working directory and user it runs\n"
	"with, and the vessel version and build time that made it.\n"
	"\n"
	"Options:\n"
	"  -j, --json     print one JSON object instead (keys in vessel-inspect(1))\n"
	"      --verify   read every section and check its sha256 against the trailer;\n"
	"                 each section is reported as ok or corrupt\n"
	"  -q, --quiet    no progress display while verifying\n"
	"  -v, --verbose  a line for each step\n"
	"  -h, --help     show this help\n"
	"\n"
	"Examples:\n"
	"  vessel inspect ./busybox\n"
	"  vessel inspect --verify ./busybox && echo intact\n"
	"  vessel inspect --json ./busybox | jq -r .image.id\n"
	"\n"
	"Exit status: 0 the file is readable (and, with --verify, intact), 1 it is not a\n"
	"vessel file, is truncated, or a section does not match its sha256, 2 bad usage.\n";

static const char extract_usage[] =
	"Usage: vessel extract [OPTIONS] FILE DIR\n"
	"\n"
	"Unpack the root filesystem of a vessel executable into DIR, which must be empty\n"
	"or not exist yet (it is created). Nothing is written outside DIR. Modes, symlinks,\n"
	"hard links, times and xattrs are kept; so are owners (numeric ids) and device\n"
	"nodes when run as root. Run as another user, files belong to that user and device\n"
	"nodes are left out. On failure DIR is left as it was found.\n"
	"\n"
	"Options:\n"
	"  -p, --payload FMT  the section to unpack: tar.zst or squashfs (default: the\n"
	"                     tar.zst when the file has one, as it also carries xattrs\n"
	"                     that the squashfs section leaves out, else the squashfs)\n"
	"  -q, --quiet        print nothing but errors\n"
	"  -v, --verbose      a line for each step\n"
	"  -h, --help         show this help\n"
	"\n"
	"Examples:\n"
	"  vessel extract ./busybox rootfs\n"
	"  sudo vessel extract --payload squashfs ./myapp /srv/myapp-root\n"
	"\n"
	"Exit status: 0 extracted, 1 it failed (not a vessel file, a corrupt section,\n"
	"DIR not empty, I/O), 2 bad usage.\n";

void vsl_cli_inspect_usage(FILE *f)
{
	fputs(inspect_usage, f);
}

void vsl_cli_extract_usage(FILE *f)
{
	fputs(extract_usage, f);
}

/* After the options: exactly n operands, named for the message. */
static int operands(int argc, char **argv, int n, const char *cmd, const char *names,
		    struct vsl_error *err)
{
	if (argc - optind < n)
		return vsl_error_set(err, 0, "vessel %s needs %s; see 'vessel %s --help'", cmd,
				     names, cmd);
	if (argc - optind > n)
		return vsl_error_set(err, 0,
				     "unexpected argument \"%s\" for %s (it takes %s); see "
				     "'vessel %s --help'",
				     argv[optind + n], cmd, names, cmd);
	return 0;
}

int vsl_cli_parse_inspect(int argc, char **argv, struct vsl_cli *cli, struct vsl_error *err)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },  { "verify", no_argument, NULL, 'V' },
		{ "quiet", no_argument, NULL, 'q' }, { "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },  { NULL, 0, NULL, 0 },
	};
	struct vsl_inspect_opts *o = &cli->inspect;
	int c;

	cli->command = VSL_CMD_INSPECT;
	while ((c = getopt_long(argc, argv, ":jqvh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o->json = true;
			break;
		case 'V':
			o->verify = true;
			break;
		case 'q':
			o->verbosity = VSL_VERBOSITY_QUIET;
			break;
		case 'v':
			o->verbosity = VSL_VERBOSITY_VERBOSE;
			break;
		case 'h':
			cli->command = VSL_CMD_INSPECT_HELP;
			return 0;
		default:
			return vsl_cli_bad_option(argv, c, "inspect", err);
		}
	}
	if (operands(argc, argv, 1, "inspect", "one FILE", err) < 0)
		return -1;
	o->file = argv[optind];
	return 0;
}

int vsl_cli_parse_extract(int argc, char **argv, struct vsl_cli *cli, struct vsl_error *err)
{
	static const struct option opts[] = {
		{ "payload", required_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vsl_extract_opts *o = &cli->extract;
	int c;

	cli->command = VSL_CMD_EXTRACT;
	while ((c = getopt_long(argc, argv, ":p:qvh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (strcmp(optarg, "squashfs") == 0)
				o->payload = VSL_FORMAT_SQUASHFS;
			else if (strcmp(optarg, "tar.zst") == 0)
				o->payload = VSL_FORMAT_TARZST;
			else
				return vsl_error_set(err, 0,
						     "--payload %s is not one of squashfs, tar.zst",
						     optarg);
			break;
		case 'q':
			o->verbosity = VSL_VERBOSITY_QUIET;
			break;
		case 'v':
			o->verbosity = VSL_VERBOSITY_VERBOSE;
			break;
		case 'h':
			cli->command = VSL_CMD_EXTRACT_HELP;
			return 0;
		default:
			return vsl_cli_bad_option(argv, c, "extract", err);
		}
	}
	if (operands(argc, argv, 2, "extract", "FILE and DIR", err) < 0)
		return -1;
	o->file = argv[optind];
	o->dir = argv[optind + 1];
	return 0;
}
