/* control_priv.h — the control object, shared by control.c (running
 * commands), jobs.c (the jobs long commands become), status.c (rendering)
 * and space.c (estimates). */
#ifndef BURNFS_CONTROL_PRIV_H
#define BURNFS_CONTROL_PRIV_H

#include <pthread.h>
#include <time.h>

#include "burnfs/control.h"
#include "burnfs/errmsg.h"
#include "burnfs/stage.h"

#define JOB_TEXT 320

/* restore.c: the restore command; 0 or -errno with em set. */
int control_restore(struct control *c, const struct command *cmd,
		    struct errmsg *em);
#define JOB_RECENT 8

/* The newest job: accepted, running on `thread`, then ended with `ret`. */
struct job {
	uint64_t id;                    /* 0: no job since the mount */
	bool running;
	bool detached;                  /* its writer does not wait */
	bool abort_requested;
	bool joinable;                  /* thread still to be joined */
	pthread_t thread;
	char name[24];                  /* "commit close" */
	char text[JOB_TEXT];            /* the command as written */
	int ret;                        /* once ended: 0 or -errno */
	char result[ERRMSG_LEN + 16];   /* once ended: "ok" or "error: ..." */
};

/* What a blocking writer needs once its job has ended, even if another
 * job was accepted meanwhile. */
struct job_result {
	uint64_t id;
	int ret;
};

struct control {
	struct disc *disc;
	struct stage *stage;

	control_runner runner;          /* set before the first job */
	void *runner_arg;
	control_settle settle;          /* after a quick command, or NULL */
	void *settle_arg;
	control_settle release;         /* before a commit, or NULL */
	void *release_arg;

	/* Guards everything below. Never held while a command runs. */
	pthread_mutex_t lock;
	pthread_cond_t job_ended;       /* broadcast when a job ends */
	struct job_settings settings;  /* what the next session uses */
	char last_command[64];
	char last_result[ERRMSG_LEN + 16];
	int last_ret;                   /* 0 or -errno of the last command */
	struct job job;                 /* the newest job */
	struct job_result recent[JOB_RECENT]; /* ended jobs by id % JOB_RECENT */

	/* Stage statistics cached for a moment, so that checking space on
	 * every write costs no walk of the tree. */
	struct stage_stats stats;
	struct timespec stats_time;
	uint64_t grown_since_stats;     /* bytes admitted since then */
};

/* Refresh c->stats if older than a moment, or now when `fresh` (what a
 * person reads must be exact; the write path may lag); c->lock held. */
void control_refresh_stats_locked(struct control *c, bool fresh);
uint64_t control_estimate_locked(struct control *c);
/* A `set` the disc remembers in its cache folder (remember.c); a failure
 * is logged, the setting holds for this mount anyway. */
void control_remember(struct control *c, const char *key, const char *value);

/* control.c: record a command's result as last_command / last_result. */
void control_set_result(struct control *c, const struct command *cmd,
			int ret, const struct errmsg *em);
/* The same, and as the running job's result (the job's thread). */
void control_set_job_result(struct control *c, const struct command *cmd,
			    int ret, const struct errmsg *em);
/* "commit close", "blank full", ... for cmd. */
void control_command_name(const struct command *cmd, char *out, size_t size);
/* jobs.c: accept cmd (parsed from buf) as the new job and start its
 * thread; -EBUSY while one runs. *id: the new job's id. */
int control_job_start(struct control *c, const struct command *cmd,
		      const char *buf, size_t len, uint64_t *id,
		      struct errmsg *em);
/* jobs.c: block until job `id` has ended; its result. */
int control_job_wait(struct control *c, uint64_t id);
/* jobs.c: wait for the running job and join its thread (control_free). */
void control_jobs_finish(struct control *c);

#endif
