/* control.h — the control file: a command in per write, status out per
 * read, and the session settings both use; and the jobs the long commands
 * become. No FUSE here: the glue hands written bytes to control_run(),
 * shows control_status() text, and calls control_abort() and
 * control_wait_idle() for the mount's abort and wait files. */
#ifndef BURNFS_CONTROL_H
#define BURNFS_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "burnfs/jobs.h"

struct disc;
struct stage;
struct errmsg;

enum cmd_kind {
	CMD_COMMIT,
	CMD_DISCARD,
	CMD_VERIFY,
	CMD_BLANK,
	CMD_FORMAT,
	CMD_EJECT,
	CMD_ABORT,
	CMD_SET,
	CMD_RESTORE,
};

/* restore: paths up to this long (with the NUL) */
#define CMD_PATH_MAX 4096

struct command {
	enum cmd_kind kind;
	bool flag;          /* commit close, blank full */
	bool detach;        /* "detach COMMAND": do not wait for the job */
	char key[32];       /* set KEY=VALUE */
	char value[256];
	int session;        /* restore N PATH [AS NEWPATH] */
	bool as_new;
	char path[CMD_PATH_MAX];
	char newpath[CMD_PATH_MAX];
};

/* Parse one command: surrounding white space and one trailing newline are
 * allowed; anything else unknown is -EINVAL with a sentence in em. */
int control_command_parse(const char *buf, size_t len, struct command *out,
			  struct errmsg *em);
/* Apply KEY=VALUE to settings (volid, joliet, speed, simulate). Unknown key
 * or bad value: -EINVAL, settings unchanged. */
int control_settings_set(struct job_settings *s, const char *key, const char *value,
			 struct errmsg *em);
/* "cd", "dvd", "dvd-dl", "bd", "bd-dl", "bd-xl", or a number with an
 * optional K/M/G/T suffix (powers of 1024). 0 or -EINVAL. */
int control_parse_capacity(const char *text, uint64_t *bytes);

/* Settings remembered per disc, in the disc's cache folder (remember.c):
 * capacity, volid, joliet, speed (not simulate). control_settings_remember stores
 * KEY=VALUE (other keys: nothing to do) atomically; control_settings_recall calls
 * fn for each stored one; control_settings_forget drops them all. 0 or -errno. */
bool control_settings_remembered_key(const char *key);
int control_settings_remember(const char *dir, const char *key, const char *value);
typedef void (*settings_recall_fn)(void *ctx, const char *key,
				   const char *value);
int control_settings_recall(const char *dir, settings_recall_fn fn, void *ctx);
int control_settings_forget(const char *dir);

struct control;

int control_new(struct control **out, struct disc *d, struct stage *st,
		const struct job_settings *settings);
/* Waits for a running job to end (it is not cancelled: the job belongs to
 * the daemon, and an unmount does not abort a burn), then frees. */
void control_free(struct control *c);

/* What runs a job's command on the job's thread: by default
 * control_execute; the FUSE glue wraps it to drop the kernel's caches of
 * what discard and blank change. Set before the first command. */
typedef int (*control_runner)(void *arg, const char *buf, size_t len);
void control_set_runner(struct control *c, control_runner run, void *arg);
/* What runs after a quick command (set, abort, restore) on the writer's
 * thread, before its write returns: the FUSE glue has the kernel drop
 * what a restore changed. NULL: nothing. Set before the first command. */
typedef void (*control_settle)(void *arg);
void control_set_settle(struct control *c, control_settle fn, void *arg);
/* What runs on the job's thread before a commit writes: the FUSE glue has
 * the kernel let go of the clean folders a walk left it holding
 * (stage_release_cached). NULL: nothing. Set before the first command. */
void control_set_release(struct control *c, control_settle fn, void *arg);

/* Run the command in buf (a write to the control file). set and abort act
 * at once. A long command (commit, verify, blank, format, eject, discard)
 * becomes a job on a thread of the daemon: control_run returns when the job
 * has ended, with its result — or, for "detach COMMAND", as soon as the job
 * is accepted. Nothing that happens to the caller (a signal, its death)
 * stops a job once accepted; only control_abort() does. Another job
 * running: -EBUSY. Returns 0 or -errno; the status's last_result says why. */
int control_run(struct control *c, const char *buf, size_t len);
/* The job's own work, on the job's thread (a runner calls it): run the long
 * command in buf to its end. 0 or -errno. */
int control_execute(struct control *c, const char *buf, size_t len);
/* Any thread, returns at once: ask the running job to stop; it then ends
 * with -ECANCELED unless it was already past the point of no return.
 * Nothing running: nothing happens. */
void control_abort(struct control *c);
/* Wait up to timeout_ms (-1: for ever) until no job runs. Then the newest
 * job's result (0 or -errno; 0 when there was none) and, in line, a line
 * "COMMAND: ok" or "COMMAND: error: REASON" ("none" without a job).
 * Still running after timeout_ms: -ETIMEDOUT. */
int control_wait_idle(struct control *c, int timeout_ms, char *line,
		      size_t size);
/* Opening control for writing: -EBUSY while a job's writer waits for it
 * (the kernel would queue the new writer behind it); 0 otherwise, also
 * while a detached job runs. */
int control_check_idle(struct control *c);
/* The status text, "key: value\n" lines; malloc'ed, caller frees. */
int control_status(struct control *c, char **out, size_t *len);

/* What the next session would take from the medium in bytes: the pending
 * content plus an estimate of the session's own overhead. */
uint64_t control_pending_estimate(struct control *c);
/* Free bytes on the medium after the pending changes (0 when full). Cheap:
 * stage statistics are cached for a moment. */
uint64_t control_free_after_pending(struct control *c);
/* Would growing the pending changes by `more` bytes still fit? 0 or
 * -ENOSPC. */
int control_check_space(struct control *c, uint64_t more);
/* The same for a new name at path (its directory records: every kind of
 * entry costs some, a folder more): mode S_IFREG for a new file (its last
 * block counts too), 0 for another name of an existing file (link),
 * S_IFDIR, S_IFLNK with the target's length, devices; and for an xattr. */
int control_check_entry(struct control *c, mode_t mode, const char *path,
			size_t linklen);
int control_check_xattr(struct control *c, const char *name, size_t size);

#endif
