/* cli_priv.h — the parts of the burnfs command: mount checks (mount.c), the
 * status file (status.c), progress display (show.c), running and waiting
 * for jobs (jobs.c), the other commands (info.c), exit codes (codes.c) and
 * desktop notices (notify.c). */
#ifndef BURNFS_CLI_PRIV_H
#define BURNFS_CLI_PRIV_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Exit statuses, one per kind of failure (burnfs(1), README). */
enum cli_exit {
	EXIT_OK = 0,
	EXIT_OTHER = 1,      /* any failure not listed below */
	EXIT_USAGE = 2,      /* bad arguments; a bad command, key or value */
	EXIT_NOT_MOUNT = 3,  /* MOUNTPOINT is not a burnfs mount */
	EXIT_BUSY = 4,       /* another command is running */
	EXIT_NOSPACE = 5,    /* the changes do not fit on the medium */
	EXIT_CLOSED = 6,     /* the medium is closed or not writable */
	EXIT_NOMEDIUM = 7,   /* no medium in the drive */
	EXIT_ABORTED = 8,    /* the job was aborted */
	EXIT_DAMAGED = 9,    /* verify found damage */
	EXIT_IO = 10,        /* drive, write or cache I/O error */
	EXIT_CHANGED = 11,   /* the disc changed under the mount */
};

/* The mount a command works on. */
struct mnt {
	char root[PATH_MAX];  /* the burnfs mount point */
};

/* mount.c: find the burnfs mount that holds `path` (its root or a folder
 * inside it): statfs says FUSE and /proc/self/mountinfo says fuse.burnfs.
 * 0, or -1 after one line on stderr. */
int cli_mnt_open(const char *path, struct mnt *m);
/* m->root + "/" + name in out. */
void cli_mnt_path(const struct mnt *m, const char *name, char *out, size_t size);

/* status.c: the control file's "key: value" lines. */
struct status {
	char *text;   /* malloc'ed, NUL-terminated */
};
int cli_status_read(const struct mnt *m, struct status *s);
void cli_status_free(struct status *s);
/* The value of key into out ("" when missing); false when missing. */
bool cli_status_get(const struct status *s, const char *key, char *out,
		    size_t size);
uint64_t cli_status_num(const struct status *s, const char *key);

/* show.c: progress. One call per status sample; `tty` redraws one line
 * (a bar), else prints a plain line at every tenth done. */
struct show {
	bool tty;
	int last_tenth;       /* plain lines: last tenth printed */
	bool drawn;           /* tty: a bar is on the screen */
	char last_state[32];
};
void cli_show_init(struct show *sh, FILE *out);
void cli_show_progress(struct show *sh, const struct status *s);
void cli_show_done(struct show *sh);   /* end the bar's line */
/* "1.5 GiB" */
void cli_show_bytes(uint64_t n, char *out, size_t size);

/* jobs.c */
struct job_opts {
	const char *command;  /* "commit", "commit close", "verify", ... */
	bool detach;
};
int cli_run_job(const struct mnt *m, const struct job_opts *o);
int cli_wait(const struct mnt *m);
int cli_abort(const struct mnt *m);

/* info.c */
int cli_status(const struct mnt *m, bool watch);
int cli_pending(const struct mnt *m);
int cli_sessions(const struct mnt *m);
int cli_set(const struct mnt *m, char **pairs, int n);
/* restore N PATH [AS NEWPATH]: args are N, PATH and perhaps "AS",
 * NEWPATH (n is 2 or 4). */
int cli_restore(const struct mnt *m, char **args, int n);

/* codes.c: the exit status for a failed command's errno (verify's EIO is
 * damage); say why on stderr: "burnfs: WHAT: REASON". */
int cli_exit_for_errno(int err, const char *command);
int cli_fail(const char *command, int err, const char *reason);

/* notify.c: a desktop notice when a job that took a while has ended, if
 * notify-send is there and a desktop session is; silent otherwise. */
void cli_notify_job_end(const char *mnt, const char *command, int err,
			const char *reason, double seconds);

/* signals: Ctrl-C only sets a flag the loops look at (commit then asks
 * the daemon to abort). Other signals keep their default: a SIGTERM or
 * SIGHUP ends this process, and the daemon's job runs to its end. */
void cli_catch_interrupt(void);
bool cli_interrupted(void);  /* true once per Ctrl-C */

#endif
