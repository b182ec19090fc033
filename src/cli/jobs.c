/* jobs.c — commit, verify, blank, ... and wait, abort. A job command is
 * written to the control file by a thread of its own, which blocks until the
 * daemon says how the job ended; meanwhile the main thread shows progress
 * from the status. Ctrl-C asks the daemon to abort (through the mount's
 * abort file) and keeps waiting until the job has ended. --detach writes
 * "detach COMMAND" and returns once the daemon accepted the job. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli_priv.h"

#define EXIT_STOPPED 130   /* Ctrl-C while only waiting: the job goes on */

/* One blocking call on the mount, run by a thread. */
struct call {
	int fd;
	const char *text;      /* to write; NULL: read into line */
	char line[700];
	int err;
	bool done;             /* under lock */
	pthread_mutex_t lock;
};

static void *call_main(void *arg)
{
	struct call *c = arg;
	ssize_t n;

	if (c->text)
		n = write(c->fd, c->text, strlen(c->text));
	else
		n = read(c->fd, c->line, sizeof(c->line) - 1);
	c->err = n < 0 ? errno : 0;
	if (!c->text && n >= 0)
		c->line[n] = '\0';
	pthread_mutex_lock(&c->lock);
	c->done = true;
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

static bool call_done(struct call *c)
{
	bool done;

	pthread_mutex_lock(&c->lock);
	done = c->done;
	pthread_mutex_unlock(&c->lock);
	return done;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int write_file(const struct mnt *m, const char *name, const char *text)
{
	char path[PATH_MAX + 16];
	int fd, err = 0;

	cli_mnt_path(m, name, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (write(fd, text, strlen(text)) < 0)
		err = errno;
	close(fd);
	return err;
}

/* Ctrl-C while following: `aborts` asks the daemon to abort once (and the
 * loop goes on until the job has ended); otherwise stop following. */
static bool on_interrupt(const struct mnt *m, bool aborts, bool *asked)
{
	int err;

	if (!aborts)
		return true;
	if (!*asked) {
		fprintf(stderr, "\nburnfs: aborting; waiting for the daemon to "
			"stop the job\n");
		err = write_file(m, "abort", "abort\n");
		if (err)
			fprintf(stderr, "burnfs: cannot write %s/abort: %s\n",
				m->root, strerror(err));
		*asked = true;
	}
	return false;
}

/* Run c on a thread; show progress until it returns, once the job with
 * number first_job or a later one runs (not another's job that makes
 * ours fail with EBUSY). SIGINT is blocked in that thread so that Ctrl-C
 * reaches this loop. -1: stopped by Ctrl-C. */
static int follow(const struct mnt *m, struct call *c, bool aborts,
		  uint64_t first_job)
{
	struct status s = { 0 };
	struct show sh;
	sigset_t set, old;
	pthread_t th;
	bool asked = false, stopped = false, threaded;

	cli_show_init(&sh, stderr);
	pthread_mutex_init(&c->lock, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	threaded = pthread_create(&th, NULL, call_main, c) == 0;
	if (!threaded)
		call_main(c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	while (!call_done(c) && !stopped) {
		usleep(sh.tty ? 200000 : 500000);
		if (cli_interrupted())
			stopped = on_interrupt(m, aborts, &asked);
		if (!stopped && !call_done(c) && cli_status_read(m, &s) == 0 &&
		    cli_status_num(&s, "job_id") >= first_job)
			cli_show_progress(&sh, &s);
		cli_status_free(&s);
	}
	cli_show_done(&sh);
	if (stopped)
		return -1;   /* the thread is left blocked; exit ends it */
	if (threaded)
		pthread_join(th, NULL);
	return 0;
}

/* Why the job failed: its job_result when it was started (the job id
 * moved), else last_result (refused before it started) — unless that no
 * longer names an error (a job that ended meanwhile wrote over it): then
 * "" and the caller says the errno's own words. */
static void reason(const struct mnt *m, uint64_t id_before, char *out,
		   size_t size)
{
	struct status s = { 0 };
	char r[600] = "";

	if (cli_status_read(m, &s) == 0)
		cli_status_get(&s, cli_status_num(&s, "job_id") > id_before ?
			       "job_result" : "last_result", r, sizeof(r));
	cli_status_free(&s);
	snprintf(out, size, "%s", strncmp(r, "error: ", 7) == 0 ? r + 7 : "");
}

static uint64_t job_id_now(const struct mnt *m)
{
	struct status s = { 0 };
	uint64_t id = 0;

	if (cli_status_read(m, &s) == 0)
		id = cli_status_num(&s, "job_id");
	cli_status_free(&s);
	return id;
}

static int finish(const struct mnt *m, const char *command, int err,
		  uint64_t id_before, double t0)
{
	char why[600] = "";

	if (err)
		reason(m, id_before, why, sizeof(why));
	cli_notify_job_end(m->root, command, err, why, now_s() - t0);
	if (err)
		return cli_fail(command, err, why);
	printf("%s: ok\n", command);
	return EXIT_OK;
}

static int start_detached(const struct mnt *m, const char *command,
			  uint64_t id_before)
{
	char text[128], why[600];
	int err;

	snprintf(text, sizeof(text), "detach %s\n", command);
	err = write_file(m, "control", text);
	if (err) {
		reason(m, id_before, why, sizeof(why));
		return cli_fail(command, err, why);
	}
	printf("%s: started in the background (job %llu); `burnfs wait %s` "
	       "waits for it, `burnfs abort %s` aborts it\n", command,
	       (unsigned long long)job_id_now(m), m->root, m->root);
	return EXIT_OK;
}

int cli_run_job(const struct mnt *m, const struct job_opts *o)
{
	char path[PATH_MAX + 16], text[128], why[600];
	uint64_t id_before = job_id_now(m);
	struct call c = { .text = text };
	double t0 = now_s();

	if (o->detach)
		return start_detached(m, o->command, id_before);
	cli_mnt_path(m, "control", path, sizeof(path));
	c.fd = open(path, O_WRONLY | O_CLOEXEC);
	if (c.fd < 0) {
		c.err = errno;
		reason(m, id_before, why, sizeof(why));
		return cli_fail(o->command, c.err, why);
	}
	snprintf(text, sizeof(text), "%s\n", o->command);
	cli_catch_interrupt();
	follow(m, &c, true, id_before + 1);
	close(c.fd);
	return finish(m, o->command, c.err, id_before, t0);
}

/* Read the wait file: blocks until no job runs. */
static int wait_idle(const struct mnt *m, struct call *c)
{
	char path[PATH_MAX + 16];

	cli_mnt_path(m, "wait", path, sizeof(path));
	c->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (c->fd < 0)
		return -1;
	cli_catch_interrupt();
	if (follow(m, c, false, 0) < 0) {
		fprintf(stderr, "burnfs: stopped waiting; the job goes on\n");
		return -1;
	}
	close(c->fd);
	c->line[strcspn(c->line, "\n")] = '\0';
	return 0;
}

/* "commit close: error: REASON" -> command "commit close", reason. */
static void split_line(char *line, const char **cmd, const char **why)
{
	char *colon = strstr(line, ": ");

	*cmd = line;
	*why = "";
	if (!colon)
		return;
	*colon = '\0';
	*why = colon + 2;
	if (strncmp(*why, "error: ", 7) == 0)
		*why += 7;
}

/* "COMMAND: RESULT" of the newest job, from the status. */
static int job_line(const struct mnt *m, char *out, size_t size)
{
	struct status s = { 0 };
	char cmd[64], res[560];

	if (cli_status_read(m, &s) < 0)
		return -1;
	cli_status_get(&s, "job_command", cmd, sizeof(cmd));
	cli_status_get(&s, "job_result", res, sizeof(res));
	cli_status_free(&s);
	snprintf(out, size, "%s: %s", cmd, res);
	return 0;
}

int cli_wait(const struct mnt *m)
{
	struct call c = { 0 };
	const char *cmd, *why;

	if (wait_idle(m, &c) < 0)
		return c.fd < 0 ? cli_fail("wait", errno, NULL) : EXIT_STOPPED;
	if (!c.err) {
		printf("%s\n", c.line[0] ? c.line : "none");
		return EXIT_OK;
	}
	/* The wait file fails with the job's errno; the words are in the
	 * status. */
	if (job_line(m, c.line, sizeof(c.line)) < 0)
		snprintf(c.line, sizeof(c.line), "job: %s", strerror(c.err));
	split_line(c.line, &cmd, &why);
	return cli_fail(cmd, c.err, why);
}

int cli_abort(const struct mnt *m)
{
	struct call c = { 0 };
	struct status s = { 0 };
	const char *cmd, *why;
	char state[32] = "";
	int err;

	if (cli_status_read(m, &s) == 0)
		cli_status_get(&s, "job_state", state, sizeof(state));
	cli_status_free(&s);
	if (strcmp(state, "running") != 0) {
		printf("nothing to abort\n");
		return EXIT_OK;
	}
	err = write_file(m, "abort", "abort\n");
	if (err)
		return cli_fail("abort", err, NULL);
	if (wait_idle(m, &c) < 0)
		return c.fd < 0 ? cli_fail("abort", errno, NULL) : EXIT_STOPPED;
	if (c.err && job_line(m, c.line, sizeof(c.line)) < 0)
		snprintf(c.line, sizeof(c.line), "job: %s", strerror(c.err));
	split_line(c.line, &cmd, &why);
	if (c.err == ECANCELED)
		printf("%s: aborted\n", cmd);
	else
		printf("%s: ended before the abort: %s\n", cmd,
		       c.err ? why : "ok");
	return EXIT_OK;
}
