/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The `vessel` command line, parsed into a struct (no globals): `vessel [--help|--version]
 * COMMAND [OPTIONS]`. Parsing reads the environment knobs that stand in for options
 * (VESSEL_PAYLOAD_FORMAT, SOURCE_DATE_EPOCH) so that everything the build depends on is in
 * one place. Usage errors come back as errors; main() prints them and exits 2.
 */
#ifndef VSL_BUILDER_CLI_H
#define VSL_BUILDER_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "arch.h"
#include "error.h"
#include "progress.h"

#ifndef VSL_VERSION
#define VSL_VERSION "0.0.0-dev" /* the Makefile passes -DVSL_VERSION from VERSION */
#endif

/* Exit codes of the vessel CLI. */
enum {
	VSL_CLI_EXIT_OK = 0,
	VSL_CLI_EXIT_FAILED = 1, /* the build failed: bad input, I/O */
	VSL_CLI_EXIT_USAGE = 2,	 /* bad command line, or something it asks for is not supported */
};

enum vsl_cli_command {
	VSL_CMD_HELP = 1, /* top-level help */
	VSL_CMD_VERSION,
	VSL_CMD_BUILD,
	VSL_CMD_BUILD_HELP,
	VSL_CMD_INSPECT,
	VSL_CMD_INSPECT_HELP,
	VSL_CMD_EXTRACT,
	VSL_CMD_EXTRACT_HELP,
};

/* Payload formats, as bits: "squashfs" is both, the runtime picking per run. */
enum {
	VSL_FORMAT_SQUASHFS = 1u << 0,
	VSL_FORMAT_TARZST = 1u << 1,
};

struct vsl_build_opts {
	const char *image; /* as given, for messages and meta */
	const char *output;
	enum vsl_verbosity verbosity; /* --quiet / --verbose */
	unsigned payload_jobs;	      /* payload writers at once: 1, or 2 (VESSEL_PAYLOAD_JOBS) */
	const struct vsl_arch *arch;
	unsigned formats;	   /* VSL_FORMAT_* */
	const char *format_name;   /* as given, for messages */
	int64_t source_date_epoch; /* -1 when SOURCE_DATE_EPOCH is unset */
	/* --reproducible: without SOURCE_DATE_EPOCH, the build takes the image's created time
	 * (0 when the config has none) as if it were SOURCE_DATE_EPOCH. */
	bool reproducible;
};

/* vessel inspect FILE [--json] [--verify] (builder/inspect.h) */
struct vsl_inspect_opts {
	const char *file;
	bool json, verify;
	enum vsl_verbosity verbosity;
};

/* vessel extract FILE DIR [--payload squashfs|tar.zst] (builder/extract_cmd.h) */
struct vsl_extract_opts {
	const char *file, *dir;
	unsigned payload; /* VSL_FORMAT_SQUASHFS or VSL_FORMAT_TARZST; 0: the tar.zst if any */
	enum vsl_verbosity verbosity;
};

struct vsl_cli {
	enum vsl_cli_command command;
	struct vsl_build_opts build;
	struct vsl_inspect_opts inspect;
	struct vsl_extract_opts extract;
};

/* Parse argv. -1 with err set for a usage error. getopt state is reset first. */
int vsl_cli_parse(int argc, char **argv, struct vsl_cli *cli, struct vsl_error *err);
/* "tar.zst" -> VSL_FORMAT_TARZST etc.; 0 for an unknown name. */
unsigned vsl_cli_format_parse(const char *name);
void vsl_cli_usage(FILE *f);
void vsl_cli_build_usage(FILE *f);

/* The inspect and extract commands (cli_tools.c): argv[0] is the command's name. */
int vsl_cli_parse_inspect(int argc, char **argv, struct vsl_cli *cli, struct vsl_error *err);
int vsl_cli_parse_extract(int argc, char **argv, struct vsl_cli *cli, struct vsl_error *err);
void vsl_cli_inspect_usage(FILE *f);
void vsl_cli_extract_usage(FILE *f);
/* The error for an option getopt refused (c is '?' or ':'); cmd names the command. */
int vsl_cli_bad_option(char **argv, int c, const char *cmd, struct vsl_error *err);

#endif
