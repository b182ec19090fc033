/* media.c — what the medium itself undergoes, as opposed to its sessions:
 * blanking (an image file emptied, a rewritable disc erased), formatting
 * and ejecting. The jobs (src/jobs) frame these with the job state and
 * the reload; only real drives can be formatted or ejected. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/falloc.h>

#include "disc/disc_int.h"
#include "burnfs/log.h"

#define POLL_MIN_US 250
#define POLL_US 75000
#define POLL_LATE_SHARE 8

uint64_t disc_now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000 + (uint64_t)t.tv_nsec / 1000;
}

/* A doubling sleep (1, 2, 4 ... ms) noticed the end of a 21 ms incremental
 * write only at 31 ms: an eighth of the time waited so far is ~12% late. */
void disc_backoff_sleep(struct disc_backoff *b)
{
	uint64_t now = disc_now_us(), us;

	if (!b->t0)
		b->t0 = now;
	us = (now - b->t0) / POLL_LATE_SHARE;
	if (us < POLL_MIN_US)
		us = POLL_MIN_US;
	if (us > POLL_US)
		us = POLL_US;
	usleep((useconds_t)us);
}

void disc_poll_drive_idle(struct disc *d)
{
	struct disc_backoff b = { 0 };
	struct disc_msgwatch mw;
	struct timespec t0;

	disc_msgwatch_init(&mw);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (burn_drive_get_status(d->drive, NULL) == BURN_DRIVE_SPAWNING)
		disc_backoff_sleep(&b);
	for (;;) {
		struct burn_progress p = { 0 };

		if (burn_drive_get_status(d->drive, &p) == BURN_DRIVE_IDLE)
			break;
		if (p.sectors > 0)
			disc_job_progress(d, (uint64_t)p.sector * 2048,
					  (uint64_t)p.sectors * 2048, &t0);
		disc_msgwatch_drain(&mw);
		disc_backoff_sleep(&b);
	}
	disc_msgwatch_drain(&mw);
}

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
	/* Through a symlink too, as libburn opens it (the job checked that
	 * the path names the file mounted) */
	fd = open(d->target, O_WRONLY | O_CLOEXEC);
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
	/* sessions once found by scanning (a damaged head) are gone: the
	 * reload reads a blank, writable medium */
	if (!rc)
		d->acq_extra &= ~DISC_ACQ_SCAN;
	return rc;
}

#define HEAD_BYTES (32 * 2048)
#define ERASED_AT (16 * 2048 + 1)

/* A head written in part (a full file system) is zeros that count as
 * data: given back, so the file holds nothing again. */
static void unwrite_head(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return;
	if (st.st_size <= HEAD_BYTES) {
		if (ftruncate(fd, 0) < 0)
			blog_warn("cannot empty the image again: %s", strerror(errno));
	} else if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			     0, HEAD_BYTES) < 0) {
		blog_warn("cannot give the image's head back: %s", strerror(errno));
	}
}

/* The head a fresh image file gets before its first session: zeros but
 * "CDXX1" where the descriptor at block 16 says "CD001", as
 * isoburn_disc_erase leaves it on a stdio drive (xorriso -blank fast).
 * libisoburn and content.c both read it as a blank medium, until the
 * activation of the session writes the real header over it. Without it
 * a first burn cut short left session data behind 64 KiB of zeros, which
 * libburn takes for blank but content.c cannot tell from another tool's
 * data (a btrfs image starts the same way): the image was refused at
 * every mount after. Written here rather than by isoburn_disc_erase: an
 * erase in the middle of a commit, on a drive libisoburn has just
 * assessed as blank, would leave its emulation state in doubt. */
int disc_prepare_image_write_locked(struct disc *d, struct errmsg *em)
{
	static char head[HEAD_BYTES];   /* one job at a time writes it */
	enum disc_content what;
	int fd, rc = 0;

	if (!d->is_image)
		return 0;
	/* libburn says only "Failed to open device" when it cannot: the
	 * reason (a file made read-only or immutable since the mount, a
	 * file system remounted read-only) is the user's to know */
	fd = open(d->target, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errmsg_set(em, -errno, "cannot write to %s: %s; nothing "
				  "was written", d->target, strerror(errno));
	if (d->is_blockdev || d->img_fd < 0 ||
	    disc_read_content(d->img_fd, &what) < 0 ||
	    what != DISC_HOLDS_NOTHING) {
		close(fd);
		return 0;
	}
	memcpy(head + ERASED_AT, "CDXX1", 5);
	errno = 0;   /* a short write sets none: EIO, not an older errno */
	if (pwrite(fd, head, sizeof(head), 0) != (ssize_t)sizeof(head) ||
	    fdatasync(fd) < 0) {
		rc = errmsg_set(em, errno ? -errno : -EIO, "cannot write the "
				"head of %s: %s", d->target,
				strerror(errno ? errno : EIO));
		unwrite_head(fd);
	}
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

int disc_blank_locked(struct disc *d, bool full, struct errmsg *em)
{
	return d->is_image ? blank_image(d, em) : blank_drive(d, full, em);
}

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

int disc_format_medium_locked(struct disc *d, struct errmsg *em)
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

void disc_eject(struct disc *d)
{
	pthread_mutex_lock(&d->lib_lock);
	disc_release_drive_locked(d, true);
	pthread_mutex_unlock(&d->lib_lock);
	pthread_mutex_lock(&d->state_lock);
	d->facts.media = DISC_MEDIA_NONE;
	d->facts.sessions = 0;
	d->facts.used_bytes = d->facts.free_bytes = 0;
	pthread_mutex_unlock(&d->state_lock);
	blog_info("medium ejected");
}
