/* media_ops.c — job_format and job_eject: the jobs that change the medium
 * itself rather than its sessions (the libburn calls are the disc's,
 * media.c). Only real drives can do either; an image file has nothing to
 * format or eject. */
#include <errno.h>

#include "jobs/jobs_priv.h"
#include "burnfs/log.h"

int job_format(struct disc *d, struct errmsg *em)
{
	struct disc_facts f;
	int rc;

	rc = job_begin_medium(d, JOB_FORMATTING, &f, em);
	if (rc)
		return rc;
	disc_lock_lib(d);
	rc = disc_format_medium_locked(d, em);
	if (!rc)
		rc = job_reload_medium_locked(d, 0, "formatted", em);
	disc_unlock_lib(d);
	disc_job_end(d);
	return rc;
}

int job_eject(struct disc *d, struct errmsg *em)
{
	int rc;

	if (disc_is_image(d))
		return 0;   /* an image file has nothing to eject */
	rc = disc_job_begin(d, JOB_IDLE, em);
	if (rc)
		return rc;
	disc_eject(d);
	disc_job_end(d);
	return 0;
}
