/* blank.c — job_blank: erase a rewritable medium, or empty an image file,
 * then rebase the stage onto the now empty disc (what was created in
 * staging stays pending; disc entries vanish). Refused first while staged
 * changes of disc files would be lost with them. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "jobs/jobs_priv.h"
#include "burnfs/log.h"
#include "burnfs/stage.h"

/* Image files are truncated for both fast and full blanking: libburn's
 * erase on stdio only overwrites the volume descriptor copy at LBA 16 and
 * leaves every old session's data (and its superblocks) in the file, so a
 * reader scanning for sessions, or the closed marker, could come back.
 * An empty file is exactly what a fresh blank target looks like. */
static int blank_image(struct disc *d, struct errmsg *em)
{
	int fd, rc = 0;

	/* A closed image may be blanked (it is rewritable); a read-only
	 * one (libburn role 4) may not. */
	if (burn_drive_get_drive_role(d->drive) == 4)
		return errmsg_set(em, -EROFS, "the image file is not writable");
	fd = open(d->target, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;   /* never written: already blank */
		return errmsg_set(em, -errno, "cannot open %s: %s", d->target,
				  strerror(errno));
	}
	if (ftruncate(fd, 0) < 0 || fsync(fd) < 0)
		rc = errmsg_set(em, -errno, "cannot empty %s: %s", d->target,
				strerror(errno));
	close(fd);
	return rc;
}

static int blank_drive(struct disc *d, bool full, struct errmsg *em)
{
	if (!isoburn_disc_erasable(d->drive))
		return errmsg_set(em, -EINVAL, "this medium cannot be blanked");
	blog_info("blanking the medium (%s)", full ? "full" : "fast");
	isoburn_disc_erase(d->drive, full ? 0 : 1);
	disc_poll_drive_idle(d);
	if (!burn_drive_wrote_well(d->drive))
		return errmsg_set(em, -EIO, "blanking the medium failed");
	return 0;
}

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
	pthread_mutex_lock(&d->lib_lock);
	rc = d->is_image ? blank_image(d, em) : blank_drive(d, full, em);
	/* Reload even after a failed erase: the medium may be half erased. */
	rc = job_reload_medium_locked(d, rc, "blanked", em);
	pthread_mutex_unlock(&d->lib_lock);
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
