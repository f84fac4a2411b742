/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The stub's command line and environment rules: every option in every spelling, where
 * parsing stops (--, the first non-option), the unknown-option error, -v and --tmpfs syntax,
 * short-flag bundles, container path cleaning, the docker env-file format, and the precedence
 * image Env < --env-file < -e.
 */
#include "env.h"
#include "options.h"
#include "../tap.h"

#include <string.h>
#include <sys/mount.h>

static char *host_env[] = { "HOME=/home/u", "TERM=xterm", "EMPTY=", NULL };

#define ARGV(...) ((char *[]){ "./app", __VA_ARGS__, NULL })
static int parse(char **argv, struct vsl_options *o, struct vsl_error *err)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	return vsl_options_parse(argc, argv, host_env, o, err);
}

static void test_all_options(void)
{
	char **av = ARGV("-e", "A=1", "--env", "B=2", "--env=C=3", "-eD=4", "--env-file", "f1",
			 "--env-file=f2", "-v", "/h:/c", "--volume", "rel:/r:ro", "-w", "/work",
			 "--entrypoint", "/bin/sh", "-u", "1000:50", "--version", "cmd", "-x");
	struct vsl_options o;
	struct vsl_error err = { 0 };

	if (!is_int(parse(av, &o, &err), 0, "all options parse: %s", err.msg ? err.msg : ""))
		return;
	is_int(o.env.n, 4, "four -e");
	is_str(o.env.v[0], "A=1", "-e A=1");
	is_str(o.env.v[2], "C=3", "--env=C=3 keeps the second =");
	is_str(o.env.v[3], "D=4", "-eD=4");
	is_int(o.env_files.n, 2, "two --env-file");
	is_str(o.env_files.v[1], "f2", "--env-file=f2");
	is_int(o.n_volumes, 2, "two volumes");
	is_str(o.volumes[0].host, "/h", "volume host");
	is_str(o.volumes[0].ctr, "/c", "volume ctr");
	ok(!o.volumes[0].readonly, "volume rw by default");
	is_str(o.volumes[1].host, "rel", "relative host kept for main to resolve");
	ok(o.volumes[1].readonly, ":ro");
	is_str(o.workdir, "/work", "-w");
	is_str(o.entrypoint, "/bin/sh", "--entrypoint");
	is_str(o.user, "1000:50", "-u");
	ok(o.version && !o.help, "--version");
	is_int(o.args.n, 2, "args from the first non-option on");
	is_str(o.args.v[0], "cmd", "first arg");
	is_str(o.args.v[1], "-x", "options after the command belong to it");
	ok(o.args.v[2] == NULL, "args NULL-terminated");
	vsl_options_free(&o);
}

static void test_stops(void)
{
	struct vsl_options o;
	struct vsl_error err = { 0 };
	char **a1 = ARGV("-e", "A=1", "--", "--help", "x");
	char **a2 = ARGV("-", "-e", "A=1");
	char **a3 = ARGV("--");

	is_int(parse(a1, &o, &err), 0, "-- parse");
	ok(!o.help, "--help after -- is not ours");
	is_int(o.args.n, 2, "two args after --");
	is_str(o.args.v[0], "--help", "-- passes --help on");
	vsl_options_free(&o);

	is_int(parse(a2, &o, &err), 0, "lone - parse");
	is_int(o.args.n, 3, "lone - is an argument and stops parsing");
	is_int(o.env.n, 0, "-e after the command is not ours");
	vsl_options_free(&o);

	is_int(parse(a3, &o, &err), 0, "-- alone");
	is_int(o.args.n, 0, "-- alone: no args (image CMD stays)");
	ok(o.args.v == NULL, "no args vector");
	vsl_options_free(&o);

	is_int(vsl_options_parse(1, ARGV("x"), host_env, &o, &err), 0, "only argv[0] parses");
	is_int(o.args.n, 0, "argc 1: nothing");
	vsl_options_free(&o);
}

static void expect_error(char **av, const char *want, const char *what)
{
	struct vsl_options o;
	struct vsl_error err = { 0 };

	is_int(parse(av, &o, &err), -1, "%s fails", what);
	ok(err.msg && strstr(err.msg, want), "%s: message '%s' has '%s'", what,
	   err.msg ? err.msg : "(none)", want);
	ok(o.env.v == NULL && o.volumes == NULL && o.args.v == NULL, "%s: nothing leaks", what);
	vsl_error_release(&err);
}

static void test_errors(void)
{
	expect_error(ARGV("--foo", "x"),
		     "unknown option --foo (use -- to pass it to the container)", "--foo");
	expect_error(ARGV("--foo=bar"), "unknown option --foo (", "--foo=bar");
	expect_error(ARGV("-e", "A=1", "-x"), "unknown option -x (", "-x");
	expect_error(ARGV("-hx"), "unknown option -hx", "bundled flags");
	expect_error(ARGV("--env"), "needs a value", "--env without value");
	expect_error(ARGV("-w"), "needs a value", "-w without value");
	expect_error(ARGV("--help=1"), "takes no value", "--help=1");
	expect_error(ARGV("-w", "rel"), "absolute", "relative workdir");
	expect_error(ARGV("-v", "/h"), "HOST:CONTAINER", "volume without ctr");
	expect_error(ARGV("-v", ":/c"), "HOST:CONTAINER", "volume without host");
	expect_error(ARGV("-v", "/h:c"), "must be absolute", "relative ctr path");
	expect_error(ARGV("-v", "/h:/"), "not /", "ctr path /");
	expect_error(ARGV("-v", "/h:/c:rx"), "not ro or rw", "bad mode");
	expect_error(ARGV("-v", "/h:/c:ro:x"), "HOST:CONTAINER", "too many colons");
	expect_error(ARGV("-u", ""), "invalid user", "empty user");
	expect_error(ARGV("-u", "a:"), "invalid user", "empty group");
	expect_error(ARGV("-u", "a:b:c"), "invalid user", "two colons in user");
	expect_error(ARGV("-e", "=x"), "no variable name", "-e =x");
	expect_error(ARGV("-e", "A B=x"), "whitespace", "-e with a space in the name");
	expect_error(ARGV("-v", "/h:/a/../.."), "not /", "a ctr path that cleans to /");
	expect_error(ARGV("--tmpfs", "rel"), "must be absolute", "relative --tmpfs");
	expect_error(ARGV("--tmpfs", ""), "must be absolute", "empty --tmpfs");
	expect_error(ARGV("--tmpfs", "/"), "not /", "--tmpfs /");
	expect_error(ARGV("--tmpfs", "/t:size=1x"), "bad value in tmpfs option 'size=1x'",
		     "bad size");
	expect_error(ARGV("--tmpfs", "/t:mode=0999"), "bad value", "non-octal mode");
	expect_error(ARGV("--tmpfs", "/t:mode=17777"), "bad value", "mode too big");
	expect_error(ARGV("--tmpfs", "/t:uid=-1"), "bad value", "negative uid");
	expect_error(ARGV("--tmpfs", "/t:size="), "bad value", "empty size");
	expect_error(ARGV("--tmpfs", "/t:bogus"), "unknown tmpfs option 'bogus'", "bad word");
	expect_error(ARGV("--tmpfs", "/t:mpol=x"), "unknown tmpfs option", "unsupported key");
	expect_error(ARGV("--tmpfs", "/t:size=1m,,ro"), "empty word", "empty word");
	expect_error(ARGV("--tmpfs", "/t:a,b"), "invalid --tmpfs '/t:a,b'", "names the option");
	expect_error(ARGV("--net", "bridge"), "invalid --net 'bridge': use host", "--net bridge");
	expect_error(ARGV("--net=", "x"), "invalid --net ''", "--net=");
	expect_error(ARGV("--net"), "needs a value", "--net without value");
	expect_error(ARGV("--hostname", "-x"), "invalid --hostname", "hostname starting with -");
	expect_error(ARGV("--hostname", "a b"), "invalid --hostname", "hostname with a space");
	expect_error(ARGV("--hostname", ""), "invalid --hostname", "empty hostname");
	expect_error(ARGV("--hostname",
			  "ab123456789012345678901234567890123456789012345678901234567890123"),
		     "invalid --hostname", "65-character hostname");
	expect_error(ARGV("--read-only=1"), "takes no value", "--read-only=1");
	expect_error(ARGV("-itx"), "unknown option -itx", "a bundle with an unknown letter");
	expect_error(ARGV("-it", "-e"), "needs a value", "-e at the end");
	expect_error(ARGV("--tty=yes"), "takes no value", "--tty=yes");
}

static void test_new_options(void)
{
	char **av = ARGV("--read-only", "--tmpfs", "/run", "--tmpfs=/scratch//x/:size=1m,exec",
			 "--net", "none", "--hostname", "box-1.example", "-t", "--interactive",
			 "--network=host", "--net=none", "sh");
	struct vsl_options o;
	struct vsl_error err = { 0 };

	if (!is_int(parse(av, &o, &err), 0, "new options parse: %s", err.msg ? err.msg : ""))
		return;
	ok(o.read_only, "--read-only");
	is_int(o.n_tmpfs, 2, "two --tmpfs");
	is_str(o.tmpfs[0].path, "/run", "--tmpfs path");
	ok(o.tmpfs[0].options == NULL, "--tmpfs without options");
	is_str(o.tmpfs[1].path, "/scratch/x", "--tmpfs path cleaned");
	is_str(o.tmpfs[1].options, "size=1m,exec", "--tmpfs options kept");
	is_int(o.net, VSL_NET_NONE, "the last --net wins");
	is_str(o.hostname, "box-1.example", "--hostname");
	ok(o.tty && o.interactive, "-t --interactive");
	is_int(o.args.n, 1, "the command");
	vsl_options_free(&o);

	is_int(parse(ARGV("-it", "sh"), &o, &err), 0, "-it parses");
	ok(o.tty && o.interactive && o.args.n == 1, "-it sets both");
	ok(o.net == VSL_NET_HOST && !o.read_only, "defaults: host network, writable root");
	vsl_options_free(&o);
	is_int(parse(ARGV("-tie", "A=1", "-tiwork", "x"), &o, &err), -1, "-tiwork: w needs /");
	vsl_error_release(&err);
	is_int(parse(ARGV("-tieA=1", "-ie", "B=2", "-tu0"), &o, &err), 0, "bundles with values");
	ok(o.tty && o.interactive, "flags in bundles");
	is_int(o.env.n, 2, "two -e from bundles");
	is_str(o.env.v[0], "A=1", "-tieA=1");
	is_str(o.env.v[1], "B=2", "-ie B=2");
	is_str(o.user, "0", "-tu0");
	vsl_options_free(&o);
}

static void test_tmpfs_options(void)
{
	struct vsl_error err = { 0 };
	unsigned long flags;
	char *data;

	is_int(vsl_tmpfs_options(NULL, &flags, &data, &err), 0, "no options");
	ok(flags == (MS_NOSUID | MS_NODEV | MS_NOEXEC), "docker's defaults");
	is_str(data, "", "no data");
	free(data);
	is_int(vsl_tmpfs_options("size=64m,exec,mode=1777,ro,uid=1000,gid=0,nr_inodes=1k", &flags,
				 &data, &err),
	       0, "a full set");
	ok(flags == (MS_NOSUID | MS_NODEV | MS_RDONLY), "exec clears noexec, ro sets rdonly");
	is_str(data, "size=64m,mode=1777,uid=1000,gid=0,nr_inodes=1k", "data words in order");
	free(data);
	is_int(vsl_tmpfs_options("size=50%,suid,dev,rw,noatime", &flags, &data, &err), 0,
	       "size in %%");
	ok(flags == (MS_NOEXEC | MS_NOATIME), "suid dev rw");
	is_str(data, "size=50%", "percent size");
	free(data);
	is_int(vsl_tmpfs_options("nr_inodes=5%", &flags, &data, &err), -1, "%% only for size");
	ok(data == NULL, "no data on error");
	vsl_error_release(&err);
}

static void test_path_clean(void)
{
	static const char *const cases[][2] = {
		{ "/", "/" },
		{ "//", "/" },
		{ "/a", "/a" },
		{ "/a/", "/a" },
		{ "/a//b", "/a/b" },
		{ "/a/./b/.", "/a/b" },
		{ "/a/../b", "/b" },
		{ "/../../etc", "/etc" },
		{ "/a/b/../../..", "/" },
		{ "/a/..b/c", "/a/..b/c" },
		{ "/.x/...", "/.x/..." },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = vsl_path_clean(cases[i][0]);

		is_str(got, cases[i][1], "clean %s", cases[i][0]);
		free(got);
	}
}

static void test_env_from_host(void)
{
	struct vsl_options o;
	struct vsl_error err = { 0 };
	char **av = ARGV("-e", "HOME", "-e", "NOPE", "-e", "EMPTY", "--entrypoint", "");

	is_int(parse(av, &o, &err), 0, "-e KEY parses");
	is_int(o.env.n, 2, "a KEY the host lacks is dropped");
	is_str(o.env.v[0], "HOME=/home/u", "-e HOME takes the host's value");
	is_str(o.env.v[1], "EMPTY=", "-e EMPTY keeps an empty value");
	is_str(o.entrypoint, "", "--entrypoint '' clears");
	vsl_options_free(&o);
}

static void test_env_file(void)
{
	static const char file[] = "# comment\n"
				   "\n"
				   "   \n"
				   "A=1\n"
				   "  B=two words  \n"
				   "\t# indented comment\n"
				   "C=x=y\r\n"
				   "TERM\n"
				   "MISSING\n"
				   "D=\"quoted\"\n"
				   "E=last-no-newline";
	struct vsl_strlist out = { 0 };
	struct vsl_error err = { 0 };

	is_int(vsl_envfile_parse(file, strlen(file), "f", host_env, &out, &err), 0,
	       "env file parses");
	is_int(out.n, 6, "six variables");
	is_str(out.v[0], "A=1", "plain");
	is_str(out.v[1], "B=two words  ", "leading blanks trimmed, value kept literally");
	is_str(out.v[2], "C=x=y", "CRLF line, = in value");
	is_str(out.v[3], "TERM=xterm", "name alone from the host");
	is_str(out.v[4], "D=\"quoted\"", "quotes are literal");
	is_str(out.v[5], "E=last-no-newline", "last line without newline");
	vsl_strlist_free(&out);

	is_int(vsl_envfile_parse("A=1\nB C=2\n", 10, "env.list", host_env, &out, &err), -1,
	       "whitespace in a name fails");
	ok(err.msg && strstr(err.msg, "env.list:2"), "error names file:line (%s)",
	   err.msg ? err.msg : "");
	vsl_error_release(&err);
	vsl_strlist_free(&out);
	is_int(vsl_envfile_parse("=v\n", 3, "f", host_env, &out, &err), -1, "=v fails");
	vsl_error_release(&err);
	vsl_strlist_free(&out);
	is_int(vsl_envfile_parse("A=1\0B=2\n", 8, "f", host_env, &out, &err), -1, "NUL fails");
	vsl_error_release(&err);
	vsl_strlist_free(&out);
	is_int(vsl_envfile_parse("", 0, "f", host_env, &out, &err), 0, "empty file");
	is_int(out.n, 0, "no variables");
}

static void test_precedence(void)
{
	char *image[] = { "PATH=/usr/bin", "A=image", "B=image", "C=image" };
	char *file[] = { "B=file", "C=file", "F=file" };
	char *cli[] = { "C=cli", "X=cli", "C=cli2" };
	struct vsl_strlist env = { 0 };
	struct vsl_error err = { 0 };

	ok(vsl_env_merge(&env, image, 4, &err) == 0 && vsl_env_merge(&env, file, 3, &err) == 0 &&
		   vsl_env_merge(&env, cli, 3, &err) == 0,
	   "merge");
	is_int(env.n, 6, "six keys");
	is_str(env.v[0], "PATH=/usr/bin", "image only");
	is_str(env.v[1], "A=image", "image only");
	is_str(env.v[2], "B=file", "env-file beats image, position kept");
	is_str(env.v[3], "C=cli2", "-e beats env-file; the last -e wins");
	is_str(env.v[4], "F=file", "new from env-file");
	is_str(env.v[5], "X=cli", "new from -e");
	ok(env.v[6] == NULL, "NULL-terminated");
	is_str(vsl_env_get(env.v, "PATH"), "/usr/bin", "env_get");
	ok(vsl_env_get(env.v, "PAT") == NULL, "env_get needs the whole name");
	ok(vsl_env_get(NULL, "PATH") == NULL, "env_get on NULL");
	vsl_strlist_free(&env);
}

int main(void)
{
	test_all_options();
	test_stops();
	test_errors();
	test_new_options();
	test_tmpfs_options();
	test_path_clean();
	test_env_from_host();
	test_env_file();
	test_precedence();
	ok(strstr(vsl_options_help(), "--env-file"), "help mentions --env-file");
	ok(strstr(vsl_options_help(), "Examples:"), "help has examples");
	ok(strstr(vsl_options_help(), "--read-only") && strstr(vsl_options_help(), "--tmpfs") &&
		   strstr(vsl_options_help(), "--net") &&
		   strstr(vsl_options_help(), "--hostname") &&
		   strstr(vsl_options_help(), "--tty") &&
		   strstr(vsl_options_help(), "--interactive"),
	   "help lists every option");
	return done_testing();
}
