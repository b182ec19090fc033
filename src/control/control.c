/* control.c — run the commands written to the control file. A long command
 * (commit, verify, blank, format, eject, discard) runs on the writing
 * thread — libfuse's multithreaded loop keeps serving everything else —
 * and one at a time: a second one gets EBUSY while abort and set still
 * work. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "burnfs/disc.h"
#include "burnfs/index.h"
#include "burnfs/log.h"
#include "control/control_priv.h"

int control_new(struct control **out, struct disc *d, struct stage *st,
		const struct burn_settings *settings)
{
	struct control *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->disc = d;
	c->stage = st;
	c->settings = *settings;
	pthread_mutex_init(&c->lock, NULL);
	strcpy(c->last_result, "ok");
	*out = c;
	return 0;
}

void control_free(struct control *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static const char *const cmd_names[] = {
	[CMD_COMMIT] = "commit", [CMD_DISCARD] = "discard",
	[CMD_VERIFY] = "verify", [CMD_BLANK] = "blank",
	[CMD_FORMAT] = "format", [CMD_EJECT] = "eject",
	[CMD_ABORT] = "abort", [CMD_SET] = "set",
};

static void set_result(struct control *c, const struct command *cmd, int ret,
		       const struct errmsg *em)
{
	pthread_mutex_lock(&c->lock);
	snprintf(c->last_command, sizeof(c->last_command), "%s%s",
		 cmd ? cmd_names[cmd->kind] : "(invalid)",
		 cmd && cmd->flag ? (cmd->kind == CMD_COMMIT ? " close" : " full")
				  : "");
	if (ret == 0)
		strcpy(c->last_result, "ok");
	else
		snprintf(c->last_result, sizeof(c->last_result), "error: %s",
			 em->text[0] ? em->text : strerror(-ret));
	/* Stage statistics change with every command. */
	c->stats_time.tv_sec = 0;
	pthread_mutex_unlock(&c->lock);
}

static int run_set(struct control *c, const struct command *cmd,
		   struct errmsg *em)
{
	struct burn_settings s;
	int ret;

	pthread_mutex_lock(&c->lock);
	s = c->settings;
	ret = settings_set(&s, cmd->key, cmd->value, em);
	if (ret == 0)
		c->settings = s;
	pthread_mutex_unlock(&c->lock);
	return ret;
}

static bool same_session(struct index *a, struct index *b)
{
	const struct idx_info *x = index_info(a), *y = index_info(b);

	return x->session == y->session && x->start_lba == y->start_lba &&
	       x->blocks == y->blocks && strcmp(x->volid, y->volid) == 0;
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
			ret = errmsg_set(em, -ESTALE, "the disc changed since "
				"these changes were staged (staged on session %d, "
				"the disc now has %d): discard them, put the right "
				"disc back, or remount to re-apply them to the new "
				"session", index_info(staged)->session,
				index_info(now)->session);
	}
	index_unref(now);
	index_unref(staged);
	return ret;
}

/* The long commands. Called without c->lock. */
static int run_job(struct control *c, const struct command *cmd,
		   const struct burn_settings *s, struct errmsg *em)
{
	int ret;

	switch (cmd->kind) {
	case CMD_COMMIT:
		ret = check_medium(c, false, em);
		return ret < 0 ? ret : burn_commit(c->disc, c->stage, s, cmd->flag, em);
	case CMD_DISCARD:
		ret = check_medium(c, true, em);
		if (ret == 0)
			ret = stage_discard(c->stage, NULL);
		return ret < 0 ? ret : 0;
	case CMD_VERIFY:
		/* Verify checks the disc as it is now, staged changes or not. */
		ret = check_medium(c, false, em);
		return ret < 0 && ret != -ESTALE ? ret : burn_verify(c->disc, em);
	case CMD_BLANK:
		return burn_blank(c->disc, c->stage, cmd->flag, em);
	case CMD_FORMAT:
		return burn_format(c->disc, em);
	case CMD_EJECT:
		return burn_eject(c->disc, em);
	default:
		return errmsg_set(em, -EINVAL, "not a job");
	}
}

static int begin_job(struct control *c, const struct command *cmd,
		     struct burn_settings *s, struct errmsg *em)
{
	int ret = 0;

	pthread_mutex_lock(&c->lock);
	if (c->running)
		ret = errmsg_set(em, -EBUSY, "busy: %s is running",
				 c->running_name);
	else {
		c->running = true;
		snprintf(c->running_name, sizeof(c->running_name), "%s",
			 cmd_names[cmd->kind]);
		*s = c->settings;
	}
	pthread_mutex_unlock(&c->lock);
	return ret;
}

int control_check_idle(struct control *c)
{
	int ret = 0;

	pthread_mutex_lock(&c->lock);
	if (c->running) {
		ret = -EBUSY;
		snprintf(c->last_result, sizeof(c->last_result),
			 "error: busy: %s is running (interrupt it to abort)",
			 c->running_name);
	}
	pthread_mutex_unlock(&c->lock);
	return ret;
}

static void end_job(struct control *c)
{
	pthread_mutex_lock(&c->lock);
	c->running = false;
	pthread_mutex_unlock(&c->lock);
}

int control_run(struct control *c, const char *buf, size_t len)
{
	struct errmsg em = { "" };
	struct burn_settings s;
	struct command cmd;
	int ret;

	ret = command_parse(buf, len, &cmd, &em);
	if (ret < 0) {
		set_result(c, NULL, ret, &em);
		blog_warn("control: %s", em.text);
		return ret;
	}
	if (cmd.kind == CMD_ABORT) {
		/* Abort answers at once; the aborted command reports ECANCELED. */
		disc_cancel(c->disc);
		goto out;
	}
	if (cmd.kind == CMD_SET) {
		ret = run_set(c, &cmd, &em);
		goto out;
	}
	ret = begin_job(c, &cmd, &s, &em);
	if (ret < 0)
		goto out;
	blog_info("%s%s started", cmd_names[cmd.kind], cmd.flag ? " +flag" : "");
	ret = run_job(c, &cmd, &s, &em);
	end_job(c);
out:
	if (ret < 0)
		blog_warn("%s failed: %s", cmd_names[cmd.kind],
			  em.text[0] ? em.text : strerror(-ret));
	else if (cmd.kind != CMD_SET)
		blog_info("%s done", cmd_names[cmd.kind]);
	set_result(c, &cmd, ret, &em);
	return ret;
}
