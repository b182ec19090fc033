/* frame.c — the frame that the medium operations (commit, verify, blank,
 * format) share: claim the disc only when a medium is in the drive, and
 * read the medium afresh after an operation changed it. */
#include <errno.h>

#include "jobs/jobs_priv.h"

int job_begin_medium(struct disc *d, enum job_state state,
		     struct disc_facts *f, struct errmsg *em)
{
	int rc = disc_job_begin(d, state, em);

	if (rc)
		return rc;
	disc_get_facts(d, f);
	if (f->media == DISC_MEDIA_NONE)
		rc = errmsg_set(em, -ENOMEDIUM, "no medium in the drive");
	if (!rc)
		rc = disc_check_image_path(d, em);
	if (rc)
		disc_job_end(d);
	return rc;
}

int job_reload_medium_locked(struct disc *d, int rc, const char *done,
			     struct errmsg *em)
{
	struct errmsg rem = { "" };
	int r2 = disc_reload_locked(d, &rem);

	if (!rc && r2 < 0)
		rc = errmsg_set(em, r2, "%s, but reloading the medium failed: %s",
				done, rem.text);
	return rc;
}
