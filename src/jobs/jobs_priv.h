/* jobs_priv.h — the frame the jobs of src/jobs share (frame.c): claim the
 * disc only when a medium is in the drive, and read the medium afresh after
 * a job changed it. Nothing outside src/jobs includes this. */
#ifndef BURNFS_JOBS_PRIV_H
#define BURNFS_JOBS_PRIV_H

#include <stdbool.h>

#include "burnfs/disc.h"
#include "burnfs/errmsg.h"
#include "burnfs/imgfmt.h"
#include "burnfs/index.h"
#include "burnfs/jobs.h"

/* disc_job_begin(), then *f = the disc's facts. -EBUSY as disc_job_begin;
 * -ENOMEDIUM when the drive is empty (the job is then already ended).
 * On 0 the caller owns the job and must disc_job_end() it. */
int job_begin_medium(struct disc *d, enum job_state state,
		     struct disc_facts *f, struct errmsg *em);
/* After an operation that changed the medium, whose result is rc: read
 * the medium afresh (disc_reload_locked). Returns rc when it is an error;
 * otherwise 0, or the reload's -errno with em saying "<done>, but
 * reloading the medium failed: ...". lib_lock held. */
int job_reload_medium_locked(struct disc *d, int rc, const char *done,
			     struct errmsg *em);
/* Read what the plan names (no library lock for image files) and compare
 * the MD5 sums. Damage: -EIO, em names the damaged files; -ECANCELED when
 * disc_cancel() stopped it. The caller owns the job (busy flag). */
int job_verify_plan(struct disc *d, const struct imgfmt_plan *plan,
		    struct errmsg *em);

#endif
