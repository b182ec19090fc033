/* control.h — the control file: a command in per write, status out per
 * read, and the session settings both use. No FUSE here: the glue hands
 * written bytes to control_run() and shows control_status() text. */
#ifndef BURNFS_CONTROL_H
#define BURNFS_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "burnfs/burn.h"

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
};

struct command {
	enum cmd_kind kind;
	bool flag;          /* commit close, blank full */
	char key[32];       /* set KEY=VALUE */
	char value[256];
};

/* Parse one command: surrounding white space and one trailing newline are
 * allowed; anything else unknown is -EINVAL with a sentence in em. */
int command_parse(const char *buf, size_t len, struct command *out,
		  struct errmsg *em);
/* Apply KEY=VALUE to settings (volid, joliet, speed, simulate). Unknown key
 * or bad value: -EINVAL, settings unchanged. */
int settings_set(struct burn_settings *s, const char *key, const char *value,
		 struct errmsg *em);
/* "cd", "dvd", "dvd-dl", "bd", "bd-dl", "bd-xl", or a number with an
 * optional K/M/G/T suffix (powers of 1024). 0 or -EINVAL. */
int parse_capacity(const char *text, uint64_t *bytes);

struct control;

int control_new(struct control **out, struct disc *d, struct stage *st,
		const struct burn_settings *settings);
void control_free(struct control *c);
/* Run the command in buf (a write to the control file). Blocks until the
 * command is done; another long command running: -EBUSY (abort and set
 * excepted). Returns 0 or -errno; the status's last_result says why. */
int control_run(struct control *c, const char *buf, size_t len);
/* 0 when no long command runs; else -EBUSY, and the status says so. */
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

#endif
