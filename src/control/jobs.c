/* jobs.c — the jobs that long commands become. A job belongs to the
 * daemon: it runs on a thread of its own from acceptance to its end, so no
 * signal to, or death of, the process that wrote the command can stop it;
 * only control_abort() does. Its writer may wait for it (control_run) or
 * not (detach), and anyone may wait for it to end (control_wait_idle).
 * One job at a time; c->lock guards c->job and c->recent. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "burnfs/cescape.h"
#include "burnfs/log.h"
#include "control/control_priv.h"

/* c->lock held. */
static void job_ended_locked(struct control *c, int ret)
{
	struct job_result *r;

	c->job.running = false;
	c->job.ret = ret;
	/* A runner that did not go through control_execute said nothing. */
	if (strcmp(c->job.result, "running") == 0)
		snprintf(c->job.result, sizeof(c->job.result), "%s%s",
			 ret ? "error: " : "ok", ret ? strerror(-ret) : "");
	r = &c->recent[c->job.id % JOB_RECENT];
	r->id = c->job.id;
	r->ret = ret;
	pthread_cond_broadcast(&c->job_ended);
}

static void control_job_ended(struct control *c, int ret)
{
	pthread_mutex_lock(&c->lock);
	job_ended_locked(c, ret);
	pthread_mutex_unlock(&c->lock);
}

static void *job_main(void *arg)
{
	struct control *c = arg;
	struct errmsg em = { "" };
	struct command cmd;
	bool aborted;
	int ret;

	/* c->job.text is written only before this thread is created. */
	pthread_mutex_lock(&c->lock);
	aborted = c->job.abort_requested;
	pthread_mutex_unlock(&c->lock);
	if (aborted) {
		control_command_parse(c->job.text, strlen(c->job.text), &cmd, NULL);
		ret = errmsg_set(&em, -ECANCELED, "aborted before it started");
		control_set_job_result(c, &cmd, ret, &em);
	} else {
		ret = c->runner(c->runner_arg, c->job.text, strlen(c->job.text));
	}
	control_job_ended(c, ret);
	return NULL;
}

/* The previous job's thread has ended or is about to (it sets running to
 * false as its last act): join it outside the lock. */
static void join_previous(struct control *c)
{
	bool joinable;

	pthread_mutex_lock(&c->lock);
	joinable = c->job.joinable && !c->job.running;
	if (joinable)
		c->job.joinable = false;
	pthread_mutex_unlock(&c->lock);
	if (joinable)
		pthread_join(c->job.thread, NULL);
}

/* c->lock held; -EBUSY with a sentence while a job runs. */
static int claim_locked(struct control *c, const struct command *cmd,
			const char *buf, size_t len, struct errmsg *em)
{
	if (c->job.running)
		return errmsg_set(em, -EBUSY, "busy: %s is running%s", c->job.name,
				  c->job.detached ? "" : " (write to the mount's "
				  "abort file to abort it)");
	if (len >= sizeof(c->job.text))
		return errmsg_set(em, -EINVAL, "command too long");
	c->job.id++;
	c->job.running = true;
	c->job.detached = cmd->detach;
	c->job.abort_requested = false;
	c->job.ret = 0;
	strcpy(c->job.result, "running");
	control_command_name(cmd, c->job.name, sizeof(c->job.name));
	memcpy(c->job.text, buf, len);
	c->job.text[len] = '\0';
	return 0;
}

int control_job_start(struct control *c, const struct command *cmd,
		      const char *buf, size_t len, uint64_t *id,
		      struct errmsg *em)
{
	int ret;

	join_previous(c);
	pthread_mutex_lock(&c->lock);
	ret = claim_locked(c, cmd, buf, len, em);
	if (ret < 0)
		goto out;
	*id = c->job.id;
	/* A cancel left from an earlier job must not stop this one. (No
	 * disc: the job model's unit test.) */
	if (c->disc)
		disc_cancel_reset(c->disc);
	ret = -pthread_create(&c->job.thread, NULL, job_main, c);
	if (ret) {
		/* The job ended before it began: status and wait say so. */
		ret = errmsg_set(em, ret, "cannot start a thread for %s",
				 c->job.name);
		snprintf(c->job.result, sizeof(c->job.result),
			 "error: cannot start a thread for %s", c->job.name);
		job_ended_locked(c, ret);
		goto out;
	}
	c->job.joinable = true;
	blog_info("job %llu accepted: %s%s", (unsigned long long)*id,
		  c->job.name, cmd->detach ? " (detached)" : "");
out:
	pthread_mutex_unlock(&c->lock);
	return ret;
}

int control_job_wait(struct control *c, uint64_t id)
{
	const struct job_result *r = &c->recent[id % JOB_RECENT];
	int ret;

	pthread_mutex_lock(&c->lock);
	while (c->job.id == id && c->job.running)
		pthread_cond_wait(&c->job_ended, &c->lock);
	/* JOB_RECENT more jobs would have to start and end before this
	 * thread wakes for the result to be gone. */
	ret = r->id == id ? r->ret : -EIO;
	pthread_mutex_unlock(&c->lock);
	return ret;
}

void control_abort(struct control *c)
{
	bool running;

	pthread_mutex_lock(&c->lock);
	running = c->job.running;
	if (running)
		c->job.abort_requested = true;
	pthread_mutex_unlock(&c->lock);
	if (!running || !c->disc)
		return;
	blog_info("abort requested");
	disc_cancel(c->disc);
}

static void deadline_in(struct timespec *t, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, t);
	t->tv_sec += ms / 1000;
	t->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

int control_wait_idle(struct control *c, int timeout_ms, char *line,
		      size_t size)
{
	struct timespec until;
	int ret = 0, n;

	deadline_in(&until, timeout_ms < 0 ? 0 : timeout_ms);
	pthread_mutex_lock(&c->lock);
	while (c->job.running && ret == 0) {
		if (timeout_ms < 0)
			pthread_cond_wait(&c->job_ended, &c->lock);
		else
			ret = pthread_cond_timedwait(&c->job_ended, &c->lock,
						     &until);
	}
	if (c->job.running) {
		ret = -ETIMEDOUT;
	} else if (c->job.id) {
		ret = c->job.ret;
		/* one line: the result may name a file holding a newline */
		n = snprintf(line, size, "%s: ", c->job.name);
		if (n >= 0 && (size_t)n < size)
			cescape_buf(line + n, size - (size_t)n, c->job.result);
	} else {
		ret = 0;
		snprintf(line, size, "none");
	}
	pthread_mutex_unlock(&c->lock);
	return ret;
}

void control_jobs_finish(struct control *c)
{
	pthread_mutex_lock(&c->lock);
	if (c->job.running)
		blog_info("waiting for %s to end before exiting", c->job.name);
	while (c->job.running)
		pthread_cond_wait(&c->job_ended, &c->lock);
	pthread_mutex_unlock(&c->lock);
	join_previous(c);
}
