/* cli.c — `burnfs COMMAND MOUNTPOINT [OPTIONS]`: which commands there are,
 * their options (getopt_long), and the hand-over to jobs.c and info.c. */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "burnfs/cli.h"
#include "cli/cli_priv.h"

enum { O_CLOSE = 1, O_DETACH = 2, O_FULL = 4, O_WATCH = 8 };

enum kind { K_JOB, K_WAIT, K_ABORT, K_STATUS, K_PENDING, K_SESSIONS, K_SET,
	    K_RESTORE };

struct cmd {
	const char *name;
	enum kind kind;
	int opts;              /* O_* it takes */
	const char *job;       /* K_JOB: what is written to control */
	const char *args;      /* for usage lines */
	const char *what;
};

static const struct cmd cmds[] = {
	{ "commit", K_JOB, O_CLOSE | O_DETACH, "commit", "[--close] [--detach]",
	  "burn the pending changes as a new session" },
	{ "close", K_JOB, O_DETACH, "commit close", "[--detach]",
	  "burn what is pending and close the disc: no more sessions" },
	{ "verify", K_JOB, O_DETACH, "verify", "[--detach]",
	  "check the newest session's MD5 sums" },
	{ "blank", K_JOB, O_FULL | O_DETACH, "blank", "[--full] [--detach]",
	  "erase a rewritable medium or an image" },
	{ "format", K_JOB, O_DETACH, "format", "[--detach]",
	  "format a BD-RE, DVD+RW, DVD-RAM or DVD-RW medium" },
	{ "eject", K_JOB, 0, "eject", "", "release and eject the medium" },
	{ "discard", K_JOB, 0, "discard", "", "drop all pending changes" },
	{ "wait", K_WAIT, 0, NULL, "", "wait for the running job; its result" },
	{ "abort", K_ABORT, 0, NULL, "", "abort the running job and wait for it" },
	{ "status", K_STATUS, O_WATCH, NULL, "[--watch]",
	  "show the status (--watch: every second)" },
	{ "pending", K_PENDING, 0, NULL, "", "list the pending changes" },
	{ "sessions", K_SESSIONS, 0, NULL, "", "list the recorded sessions" },
	{ "set", K_SET, 0, NULL, "KEY=VALUE...",
	  "session options: volid, joliet, speed, simulate, foreign, compress" },
	{ "restore", K_RESTORE, 0, NULL, "N PATH [AS NEWPATH]",
	  "bring PATH of session N back into staging (no bytes copied)" },
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static const struct cmd *find(const char *word)
{
	for (size_t i = 0; word && i < NCMDS; i++)
		if (strcmp(cmds[i].name, word) == 0)
			return &cmds[i];
	return NULL;
}

bool cli_is_command(const char *word)
{
	return find(word) || (word && strcmp(word, "help") == 0);
}

void cli_print_commands(FILE *out)
{
	for (size_t i = 0; i < NCMDS; i++)
		fprintf(out, "    burnfs %s MOUNTPOINT%s%s\n        %s\n",
			cmds[i].name, cmds[i].args[0] ? " " : "", cmds[i].args,
			cmds[i].what);
}

static volatile sig_atomic_t interrupts;

static void on_sigint(int sig)
{
	(void)sig;
	interrupts++;
}

void cli_catch_interrupt(void)
{
	struct sigaction sa = { .sa_handler = on_sigint };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
}

bool cli_interrupted(void)
{
	static sig_atomic_t seen;

	if (interrupts == seen)
		return false;
	seen = interrupts;
	return true;
}

static int usage(const struct cmd *c)
{
	if (c)
		fprintf(stderr, "usage: burnfs %s MOUNTPOINT %s\n", c->name, c->args);
	else
		fprintf(stderr, "usage: burnfs COMMAND MOUNTPOINT [OPTIONS] "
			"(burnfs help)\n");
	return EXIT_USAGE;
}

static int help(const char *word)
{
	const struct cmd *c = find(word);

	if (c) {
		printf("usage: burnfs %s MOUNTPOINT %s\n  %s\n", c->name, c->args,
		       c->what);
		return EXIT_OK;
	}
	printf("usage: burnfs COMMAND MOUNTPOINT [OPTIONS]\n"
	       "       burnfs [-o OPTIONS] TARGET MOUNTPOINT   (mount: burnfs --help)\n\n"
	       "Commands:\n");
	cli_print_commands(stdout);
	printf("\nExit status: 0 ok, 1 other failure, 2 bad usage, 3 not a burnfs "
	       "mount,\n4 busy, 5 no space, 6 medium closed, 7 no medium, "
	       "8 aborted,\n9 verify found damage, 10 I/O error, 11 disc "
	       "changed, 130 stopped waiting.\nSee burnfs(1).\n");
	return EXIT_OK;
}

/* Options of c in argv (getopt_long permutes: options may follow
 * MOUNTPOINT). -1 after a usage line. */
static int parse_opts(const struct cmd *c, int argc, char **argv, int *got)
{
	static const struct option longs[] = {
		{ "close", no_argument, NULL, 'c' },
		{ "detach", no_argument, NULL, 'd' },
		{ "full", no_argument, NULL, 'f' },
		{ "watch", no_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch, bit;

	*got = 0;
	optind = 1;
	opterr = 0;  /* one usage line instead of getopt's own */
	while ((ch = getopt_long(argc, argv, "cdfwh", longs, NULL)) != -1) {
		bit = ch == 'c' ? O_CLOSE : ch == 'd' ? O_DETACH :
		      ch == 'f' ? O_FULL : ch == 'w' ? O_WATCH : 0;
		if (ch == 'h')
			exit(help(c->name));
		if (!bit || !(c->opts & bit))
			return usage(c), -1;
		*got |= bit;
	}
	return 0;
}

static int run(const struct cmd *c, const struct mnt *m, int got,
	       char **rest, int nrest)
{
	char job[64];
	struct job_opts o = { .command = job, .detach = got & O_DETACH };

	switch (c->kind) {
	case K_JOB:
		snprintf(job, sizeof(job), "%s%s%s", c->job,
			 got & O_CLOSE ? " close" : "", got & O_FULL ? " full" : "");
		return cli_run_job(m, &o);
	case K_WAIT:
		return cli_wait(m);
	case K_ABORT:
		return cli_abort(m);
	case K_STATUS:
		return cli_status(m, got & O_WATCH);
	case K_PENDING:
		return cli_pending(m);
	case K_SESSIONS:
		return cli_sessions(m);
	case K_RESTORE:
		if (nrest != 2 && (nrest != 4 || strcmp(rest[2], "AS") != 0))
			return usage(c);
		return cli_restore(m, rest, nrest);
	default:
		return nrest ? cli_set(m, rest, nrest) : usage(c);
	}
}

int cli_main(int argc, char **argv)
{
	const struct cmd *c = find(argv[1]);
	struct mnt m;
	int got, nrest;

	if (!c)
		return argc > 2 ? help(argv[2]) : help(NULL);
	/* argv[1..] as the command's own argv: its name is argv[0]. */
	if (parse_opts(c, argc - 1, argv + 1, &got) < 0)
		return EXIT_USAGE;
	nrest = argc - 1 - optind - 1;
	if (argc - 1 - optind < 1 ||
	    (c->kind != K_SET && c->kind != K_RESTORE && nrest > 0))
		return usage(c);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (cli_mnt_open(argv[1 + optind], &m) < 0)
		return EXIT_NOT_MOUNT;
	return run(c, &m, got, argv + 2 + optind, nrest);
}
