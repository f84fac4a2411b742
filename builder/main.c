/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `vessel`: parse the command line, run the command, turn an error value into a message and an
 * exit code (0 ok, 1 the command failed: a build, a corrupt or unreadable file, an extraction,
 * 2 usage). The only place in the builder that exits.
 */
#include <stdio.h>
#include <stdlib.h>

#include "build.h"
#include "cli.h"
#include "error.h"
#include "guard.h"
#include "extract_cmd.h"
#include "inspect.h"
#include "log.h"

/* The build, in the guard's worker process: its exit code. */
static int run_build(void *ctx)
{
	struct vsl_error err = { 0 };

	if (vsl_build(ctx, &err) < 0)
		vsl_die_err(VSL_CLI_EXIT_FAILED, &err);
	return VSL_CLI_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct vsl_error err = { 0 };
	struct vsl_cli cli;

	vsl_log_init("vessel");
	if (vsl_cli_parse(argc, argv, &cli, &err) < 0)
		vsl_die_err(VSL_CLI_EXIT_USAGE, &err);
	switch (cli.command) {
	case VSL_CMD_HELP:
		vsl_cli_usage(stdout);
		break;
	case VSL_CMD_BUILD_HELP:
		vsl_cli_build_usage(stdout);
		break;
	case VSL_CMD_VERSION:
		printf("vessel %s\n", VSL_VERSION);
		break;
	case VSL_CMD_BUILD: {
		int code = vsl_guard_run(cli.build.output, run_build, &cli.build, &err);

		if (code < 0)
			vsl_die_err(VSL_CLI_EXIT_FAILED, &err);
		if (code != VSL_CLI_EXIT_OK)
			return code;
		break;
	case VSL_CMD_INSPECT_HELP:
		vsl_cli_inspect_usage(stdout);
		break;
	case VSL_CMD_INSPECT:
		if (vsl_inspect_cmd(&cli.inspect, &err) < 0) {
			fflush(stdout); /* the report first, then the verdict */
			vsl_die_err(VSL_CLI_EXIT_FAILED, &err);
		}
		break;
	case VSL_CMD_EXTRACT_HELP:
		vsl_cli_extract_usage(stdout);
		break;
	case VSL_CMD_EXTRACT:
		if (vsl_extract_cmd(&cli.extract, &err) < 0)
			vsl_die_err(VSL_CLI_EXIT_FAILED, &err);
		break;
	}
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		vsl_die(VSL_CLI_EXIT_FAILED, "writing to stdout failed");
	return VSL_CLI_EXIT_OK;
}
