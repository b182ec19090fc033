/* blank.c — job_blank: erase a rewritable medium, or empty an image file,
 * then rebase the stage onto the now empty disc (what was created in
 * staging stays pending; disc entries vanish). Refused first while staged
 * changes of disc files would be lost with them. */
#include <errno.h>

#include "jobs/jobs_priv.h"
#include "burnfs/log.h"
#include "burnfs/stage.h"

int job_blank(struct disc *d, struct stage *st, bool full, struct errmsg *em)
{
	struct disc_facts f;
	struct index *lower;
	int rc;

	/* Any medium, not only a writable one: a closed disc is exactly
	 * what one blanks. */
	rc = job_begin_medium(d, JOB_BLANKING, &f, em);
	if (rc)
		return rc;
	/* Staged changes a blank cannot keep are named, not dropped. */
	rc = stage_blank_check(st, em->text, sizeof(em->text));
	if (rc)
		goto out;
	disc_lock_lib(d);
	rc = disc_blank_locked(d, full, em);
	/* Reload even after a failed erase: the medium may be half erased. */
	rc = job_reload_medium_locked(d, rc, "blanked", em);
	disc_unlock_lib(d);
	if (rc)
		goto out;
	lower = disc_lower(d);
	rc = stage_rebase(st, lower);
	index_unref(lower);
	if (rc)
		errmsg_set(em, rc, "blanked, but the staged changes could not be rebased");
	else
		blog_info("medium blanked");
	/* A blanked medium takes sessions again (it may have been closed). */
	disc_get_facts(d, &f);
	if (!rc && f.writable)
		stage_set_readonly(st, false, NULL);
out:
	disc_job_end(d);
	return rc;
}
