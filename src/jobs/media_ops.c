/* media_ops.c — job_format and job_eject: the operations that change the
 * medium itself rather than its sessions. Only real drives can do either;
 * an image file has nothing to format or eject. */
#include <errno.h>

#include "jobs/jobs_priv.h"
#include "burnfs/log.h"

/* Profiles burn_disc_format() handles (libburn.h): DVD-RAM, DVD-RW
 * restricted overwrite and sequential, DVD+RW, BD-RE. */
static int format_flags(int profile)
{
	switch (profile) {
	case 0x12:          /* DVD-RAM */
	case 0x43:          /* BD-RE */
	case 0x13:          /* DVD-RW restricted overwrite */
	case 0x14:          /* DVD-RW sequential -> restricted overwrite */
		return 3 << 1;      /* size mode 3: the default size */
	case 0x1a:          /* DVD+RW: bit4 "de-ices" it */
		return (3 << 1) | (1 << 4);
	default:
		return -1;
	}
}

static int format_locked(struct disc *d, struct errmsg *em)
{
	char name[80] = "";
	int pno = 0, flags;

	if (d->is_image || burn_disc_get_profile(d->drive, &pno, name) <= 0 ||
	    (flags = format_flags(pno)) < 0)
		return errmsg_set(em, -EINVAL, "this medium cannot be formatted%s%s",
				  name[0] ? ": " : "", name);
	blog_info("formatting %s (profile 0x%x)", name, (unsigned)pno);
	burn_disc_format(d->drive, 0, flags);
	disc_poll_drive_idle(d);
	if (!burn_drive_wrote_well(d->drive))
		return errmsg_set(em, -EIO, "formatting the %s failed", name);
	return 0;
}

int job_format(struct disc *d, struct errmsg *em)
{
	struct disc_facts f;
	int rc;

	rc = job_begin_medium(d, JOB_FORMATTING, &f, em);
	if (rc)
		return rc;
	pthread_mutex_lock(&d->lib_lock);
	rc = format_locked(d, em);
	if (!rc)
		rc = job_reload_medium_locked(d, 0, "formatted", em);
	pthread_mutex_unlock(&d->lib_lock);
	disc_job_end(d);
	return rc;
}

int job_eject(struct disc *d, struct errmsg *em)
{
	int rc;

	if (d->is_image)
		return 0;   /* an image file has nothing to eject */
	rc = disc_job_begin(d, JOB_IDLE, em);
	if (rc)
		return rc;
	pthread_mutex_lock(&d->lib_lock);
	imgfmt_warm_drop_locked(d);
	if (d->drive) {
		isoburn_drive_release(d->drive, 1);
		burn_drive_info_free(d->dinfo);
		d->drive = NULL;
		d->dinfo = NULL;
	}
	pthread_mutex_unlock(&d->lib_lock);
	pthread_mutex_lock(&d->state_lock);
	d->facts.media = DISC_MEDIA_NONE;
	d->facts.sessions = 0;
	d->facts.used_bytes = d->facts.free_bytes = 0;
	pthread_mutex_unlock(&d->state_lock);
	blog_info("medium ejected");
	disc_job_end(d);
	return 0;
}
