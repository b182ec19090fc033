/* jobs.h — the jobs a user starts on the medium: commit, verify, blank,
 * format, eject (src/jobs). Each runs synchronously on the caller's thread
 * (the control worker), claims the disc for its duration (disc.h: the job
 * state), holds the disc's library lock while it talks to the libraries,
 * publishes progress that disc_get_progress() reads at any time, and stops
 * early when disc_cancel() is called from another thread. A job is a short
 * script over the medium (disc.h) and the disc's image format (imgfmt.h).
 * All return 0 or -errno with a sentence in `em`:
 * EINVAL bad argument or unsuitable medium, EBUSY another operation runs,
 * ENOSPC the session does not fit, EROFS closed/unwritable medium,
 * ENOMEDIUM no medium, ECANCELED cancelled, EIO write/read failure or a
 * damaged layout, EPERM a commit would lose another tool's data (see
 * job_settings.foreign_overwrite).
 */
#ifndef BURNFS_JOBS_H
#define BURNFS_JOBS_H

#include <stdbool.h>
#include <stdint.h>

#include "burnfs/disc.h"

struct disc;
struct stage;
struct errmsg;

struct job_settings {
	char volid[33];   /* "" = keep the newest session's volume id */
	bool joliet;      /* default true */
	int speed_kbps;   /* 0 = maximum */
	bool simulate;    /* dummy burn: everything runs, nothing is written */
	/* foreign=overwrite: a commit may make another tool's session or a
	 * UDF bridge unreachable, or write over data after the last session
	 * (default: refused with EPERM). */
	bool foreign_overwrite;
	/* compress=zisofs: new and changed files of a session are written
	 * zisofs-compressed where that makes them smaller (default none) */
	bool compress;
};

void job_settings_default(struct job_settings *s);

/* Burn the stage's pending changes as a new session: freeze the stage, load
 * the newest session's tree, apply the snapshot to it (reusing unchanged
 * files' extents, moving renamed nodes, setting changed attributes), check
 * the space, write, activate, reload; then stage_commit_done(), or
 * stage_commit_failed() on any failure so nothing is lost. Nothing pending
 * and !close: returns 0 and writes nothing. close: afterwards the medium
 * takes no more sessions (image files: burnfs records that on the image). */
int job_commit(struct disc *d, struct stage *st,
	       const struct job_settings *s, bool close, struct errmsg *em);
/* Check the newest session's MD5 and every file's MD5. Damage: -EIO and em
 * names the damaged files ("damaged: /a, /b"). */
int job_verify(struct disc *d, struct errmsg *em);
/* Erase the medium (image file: truncated to empty); the stage is rebased
 * onto the now empty disc. */
int job_blank(struct disc *d, struct stage *st, bool full, struct errmsg *em);
int job_format(struct disc *d, struct errmsg *em);
int job_eject(struct disc *d, struct errmsg *em);

#endif
