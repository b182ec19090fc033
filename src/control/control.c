/* control.c — run the commands written to the control file: set and abort
 * at once; the long ones (commit, verify, blank, format, eject, discard) as
 * jobs (jobs.c), one at a time, whose work control_execute() does on the
 * job's thread. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "burnfs/disc.h"
#include "burnfs/index.h"
#include "burnfs/log.h"
#include "control/control_priv.h"

int control_new(struct control **out, struct disc *d, struct stage *st,
		const struct job_settings *settings)
{
	struct control *c = calloc(1, sizeof(*c));
	pthread_condattr_t ca;

	if (!c)
		return -ENOMEM;
	c->disc = d;
	c->stage = st;
	c->settings = *settings;
	c->runner = (control_runner)control_execute;
	c->runner_arg = c;
	pthread_mutex_init(&c->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->job_ended, &ca);
	pthread_condattr_destroy(&ca);
	strcpy(c->last_result, "ok");
	*out = c;
	return 0;
}

void control_free(struct control *c)
{
	if (!c)
		return;
	control_jobs_finish(c);
	pthread_cond_destroy(&c->job_ended);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void control_set_settle(struct control *c, control_settle fn, void *arg)
{
	c->settle = fn;
	c->settle_arg = arg;
}

void control_set_release(struct control *c, control_settle fn, void *arg)
{
	c->release = fn;
	c->release_arg = arg;
}

void control_set_runner(struct control *c, control_runner run, void *arg)
{
	c->runner = run;
	c->runner_arg = arg;
}

static const char *const cmd_names[] = {
	[CMD_COMMIT] = "commit", [CMD_DISCARD] = "discard",
	[CMD_VERIFY] = "verify", [CMD_BLANK] = "blank",
	[CMD_FORMAT] = "format", [CMD_EJECT] = "eject",
	[CMD_ABORT] = "abort", [CMD_SET] = "set", [CMD_RESTORE] = "restore",
};

void control_command_name(const struct command *cmd, char *out, size_t size)
{
	snprintf(out, size, "%s%s", cmd ? cmd_names[cmd->kind] : "(invalid)",
		 cmd && cmd->flag ? (cmd->kind == CMD_COMMIT ? " close" : " full")
				  : "");
}

static void set_result_locked(struct control *c, const struct command *cmd,
			      int ret, const struct errmsg *em)
{
	control_command_name(cmd, c->last_command, sizeof(c->last_command));
	c->last_ret = ret;
	if (ret == 0)
		strcpy(c->last_result, "ok");
	else
		snprintf(c->last_result, sizeof(c->last_result), "error: %s",
			 em && em->text[0] ? em->text : strerror(-ret));
	/* Stage statistics change with every command. */
	c->stats_time.tv_sec = 0;
}

void control_set_result(struct control *c, const struct command *cmd,
			int ret, const struct errmsg *em)
{
	pthread_mutex_lock(&c->lock);
	set_result_locked(c, cmd, ret, em);
	pthread_mutex_unlock(&c->lock);
}

/* The job's own result, kept apart from last_result, which a later set or
 * refused command overwrites. */
void control_set_job_result(struct control *c, const struct command *cmd,
			   int ret, const struct errmsg *em)
{
	pthread_mutex_lock(&c->lock);
	set_result_locked(c, cmd, ret, em);
	snprintf(c->job.result, sizeof(c->job.result), "%s", c->last_result);
	pthread_mutex_unlock(&c->lock);
}

static int run_set(struct control *c, const struct command *cmd,
		   struct errmsg *em)
{
	struct job_settings s;
	int ret;

	pthread_mutex_lock(&c->lock);
	s = c->settings;
	ret = control_settings_set(&s, cmd->key, cmd->value, em);
	if (ret == 0)
		c->settings = s;
	pthread_mutex_unlock(&c->lock);
	if (ret == 0)
		control_remember(c, cmd->key, cmd->value);
	return ret;
}

static bool same_session(struct index *a, struct index *b)
{
	const struct idx_info *x = index_info(a), *y = index_info(b);

	return x->session == y->session && x->start_lba == y->start_lba &&
	       x->blocks == y->blocks && strcmp(x->volid, y->volid) == 0 &&
	       idx_same_medium(x->disc_ident, y->disc_ident);
}

/* Why staged changes no longer fit the disc: another program wrote to it,
 * or another disc is there (its staged changes stay for it). */
static int changed_refusal(struct index *staged, struct index *now,
			   struct errmsg *em)
{
	if (!idx_same_medium(index_info(staged)->disc_ident,
			     index_info(now)->disc_ident))
		return errmsg_set(em, -ESTALE, "another disc took the place of "
			"the one these changes were staged for: put that disc "
			"back (they stay staged for it) or discard them");
	return errmsg_set(em, -ESTALE, "the disc changed since these changes "
		"were staged (staged on session %d, the disc now has %d): "
		"discard them, put the right disc back, or remount to "
		"re-apply them to the new session",
		index_info(staged)->session, index_info(now)->session);
}

/* The medium is re-read before each command: a drive may hold another disc
 * by now, another program may have appended to an image. Staged changes
 * belong to the session they were made on: with nothing staged the stage
 * simply shows the new disc; otherwise a commit is refused until the user
 * decides. Returns 0 (same disc), 1 (the stage now shows the new disc,
 * nothing staged) or -errno. */
static int check_medium(struct control *c, bool adopt, struct errmsg *em)
{
	struct index *now, *staged;
	struct stage_stats stats;
	int ret = disc_refresh(c->disc, em);

	if (ret < 0)
		return ret;
	now = disc_lower(c->disc);
	staged = stage_lower(c->stage);
	ret = 0;
	if (!same_session(now, staged)) {
		stage_get_stats(c->stage, &stats);
		if (adopt || stats.pending_entries == 0) {
			ret = stage_discard(c->stage, now);
			if (ret == 0)
				ret = 1;
		}
		else
			ret = changed_refusal(staged, now, em);
	}
	index_unref(now);
	index_unref(staged);
	return ret;
}

/* A commit that landed but ran out of memory taking its session in is
 * finished before anything else looks at the stage. */
static int take_owed(struct control *c, struct errmsg *em)
{
	int ret = stage_take_owed(c->stage);

	return ret < 0 ? errmsg_set(em, ret, "the last commit's session is on "
				    "the disc, but the staging area still "
				    "cannot take it in") : 0;
}

/* The long commands. Called without c->lock. */
static int run_job(struct control *c, const struct command *cmd,
		   const struct job_settings *s, struct errmsg *em)
{
	int ret = take_owed(c, em);

	if (ret < 0)
		return ret;
	switch (cmd->kind) {
	case CMD_COMMIT:
		ret = check_medium(c, false, em);
		if (ret < 0)
			return ret;
		if (c->release)
			c->release(c->release_arg);
		return job_commit(c->disc, c->stage, s, cmd->flag, em);
	case CMD_DISCARD:
		ret = check_medium(c, true, em);
		if (ret == 0)
			ret = stage_discard(c->stage, NULL);
		return ret < 0 ? ret : 0;
	case CMD_VERIFY:
		/* Verify checks the disc as it is now, staged changes or not. */
		ret = check_medium(c, false, em);
		return ret < 0 && ret != -ESTALE ? ret : job_verify(c->disc, em);
	case CMD_BLANK:
		return job_blank(c->disc, c->stage, cmd->flag, em);
	case CMD_FORMAT:
		return job_format(c->disc, em);
	case CMD_EJECT:
		return job_eject(c->disc, em);
	default:
		return errmsg_set(em, -EINVAL, "not a job");
	}
}

int control_check_idle(struct control *c)
{
	int ret = 0;

	pthread_mutex_lock(&c->lock);
	if (c->job.running && !c->job.detached) {
		ret = -EBUSY;
		snprintf(c->last_result, sizeof(c->last_result),
			 "error: busy: %s is running (write to the mount's "
			 "abort file to abort it)", c->job.name);
		c->last_ret = ret;
	}
	pthread_mutex_unlock(&c->lock);
	return ret;
}

int control_execute(struct control *c, const char *buf, size_t len)
{
	struct errmsg em = { "" };
	struct job_settings s;
	struct command cmd;
	int ret = control_command_parse(buf, len, &cmd, &em);
	bool parsed = ret == 0;

	if (!parsed)
		goto out;
	pthread_mutex_lock(&c->lock);
	s = c->settings;
	pthread_mutex_unlock(&c->lock);
	blog_info("%s%s started%s", cmd_names[cmd.kind], cmd.flag ? " +flag" : "",
		  cmd.detach ? " (detached)" : "");
	ret = run_job(c, &cmd, &s, &em);
	if (ret < 0)
		blog_warn("%s failed: %s", cmd_names[cmd.kind],
			  em.text[0] ? em.text : strerror(-ret));
	else
		blog_info("%s done", cmd_names[cmd.kind]);
out:
	control_set_job_result(c, parsed ? &cmd : NULL, ret, &em);
	return ret;
}

/* set and abort: at once, on the writer's thread. */
static int run_quick(struct control *c, const struct command *cmd,
		     struct errmsg *em)
{
	if (cmd->kind == CMD_ABORT) {
		control_abort(c);
		return 0;
	}
	if (cmd->kind == CMD_RESTORE) {
		int ret = take_owed(c, em);

		return ret < 0 ? ret : control_restore(c, cmd, em);
	}
	return run_set(c, cmd, em);
}

int control_run(struct control *c, const char *buf, size_t len)
{
	struct errmsg em = { "" };
	struct command cmd;
	uint64_t id;
	int ret;

	ret = control_command_parse(buf, len, &cmd, &em);
	if (ret < 0) {
		control_set_result(c, NULL, ret, &em);
		blog_warn("control: %s", em.text);
		return ret;
	}
	if (cmd.kind == CMD_ABORT || cmd.kind == CMD_SET ||
	    cmd.kind == CMD_RESTORE) {
		ret = run_quick(c, &cmd, &em);
		if (ret < 0)
			blog_warn("%s failed: %s", cmd_names[cmd.kind], em.text);
		control_set_result(c, &cmd, ret, &em);
		if (c->settle)
			c->settle(c->settle_arg);
		return ret;
	}
	ret = control_job_start(c, &cmd, buf, len, &id, &em);
	if (ret < 0) {
		blog_warn("%s refused: %s", cmd_names[cmd.kind], em.text);
		control_set_result(c, &cmd, ret, &em);
		return ret;
	}
	return cmd.detach ? 0 : control_job_wait(c, id);
}
