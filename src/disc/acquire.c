/* acquire.c — open a target: classify it, lock it, acquire it through
 * libisoburn, load its newest session; and the way back (disc_close). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "burnfs/log.h"
#include "disc/disc_int.h"

/* Linux <linux/major.h>: the sr driver's block major. */
#define SCSI_CDROM_MAJOR 11

/* `target` made absolute against the working directory (not canonicalised:
 * the status shows the name the user gave). */
static int make_absolute(const char *target, char *out, size_t size,
			 struct errmsg *em)
{
	char cwd[PATH_MAX];
	int n;

	if (!target || !*target)
		return errmsg_set(em, -EINVAL, "no target given");
	if (target[0] == '/')
		n = snprintf(out, size, "%s", target);
	else if (!getcwd(cwd, sizeof(cwd)))
		return errmsg_set(em, -errno, "cannot get the working folder: %s",
				  strerror(errno));
	else
		n = snprintf(out, size, "%s/%s", strcmp(cwd, "/") ? cwd : "",
			     target);
	if (n < 0 || (size_t)n >= size)
		return errmsg_set(em, -ENAMETOOLONG, "target path too long");
	return 0;
}

/* A missing image file is created empty (0 bytes reads as a blank medium)
 * right away, so that burnfs can hold its flock on it from the start;
 * libburn would only create it at the first write. */
static int create_missing_image(const char *path, struct errmsg *em)
{
	char dir[PATH_MAX];
	struct stat st;
	char *slash;
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &st) < 0)
		return errmsg_set(em, -ENOENT, "folder %s does not exist", dir);
	if (!S_ISDIR(st.st_mode))
		return errmsg_set(em, -ENOTDIR, "%s is not a folder", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0)
		return errmsg_set(em, -errno, "cannot create image %s: %s",
				  path, strerror(errno));
	close(fd);
	blog_info("created empty image file %s", path);
	return 0;
}

/* Decide image file or drive and fill d->adr. */
static int classify_target(struct disc *d, struct errmsg *em)
{
	char drive_adr[BURN_DRIVE_ADR_LEN];
	struct stat st;
	int r;

	if (stat(d->target, &st) < 0) {
		if (errno != ENOENT)
			return errmsg_set(em, -errno, "cannot use %s: %s",
					  d->target, strerror(errno));
		r = create_missing_image(d->target, em);
		if (r < 0)
			return r;
		st.st_mode = S_IFREG;
	}
	if (S_ISDIR(st.st_mode))
		return errmsg_set(em, -EISDIR, "%s is a folder, not a disc image "
				  "or drive", d->target);
	if ((S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode)) &&
	    burn_drive_convert_fs_adr(d->target, drive_adr) == 1) {
		d->is_image = false;
		snprintf(d->adr, sizeof(d->adr), "%s", drive_adr);
		return 0;
	}
	/* An sr device libburn cannot see is still a drive, never an image:
	 * acquiring it then fails with "no drive" instead of reading raw. */
	if (S_ISBLK(st.st_mode) && major(st.st_rdev) == SCSI_CDROM_MAJOR) {
		d->is_image = false;
		snprintf(d->adr, sizeof(d->adr), "%s", d->target);
		return 0;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return errmsg_set(em, -EINVAL, "%s is neither a disc image nor "
				  "an optical drive", d->target);
	/* Files and block devices need the prefix, else libburn tries SG_IO. */
	d->is_image = true;
	snprintf(d->adr, sizeof(d->adr), "stdio:%s", d->target);
	return 0;
}

/* `fusermount3 -u` returns before the daemon has let go of its target:
 * a mount right after an unmount waits this long for the lock. */
#define LOCK_WAIT_TRIES 30
#define LOCK_WAIT_NS 100000000L

static int flock_patiently(int fd)
{
	struct timespec pause = { 0, LOCK_WAIT_NS };

	for (int i = 0; i < LOCK_WAIT_TRIES; i++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK)
			return -1;
		nanosleep(&pause, NULL);
	}
	return flock(fd, LOCK_EX | LOCK_NB);
}

/* The flock that keeps a second burnfs away (libburn locks no stdio file). */
static int lock_target(struct disc *d, struct errmsg *em)
{
	d->lock_fd = open(d->target, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (d->lock_fd < 0)
		return errmsg_set(em, -errno, "cannot open %s: %s", d->target,
				  strerror(errno));
	if (flock_patiently(d->lock_fd) < 0) {
		if (errno == EWOULDBLOCK)
			return errmsg_set(em, -EBUSY, "%s is already mounted "
					  "by another burnfs", d->target);
		return errmsg_set(em, -errno, "cannot lock %s: %s", d->target,
				  strerror(errno));
	}
	if (d->is_image)
		disc_reopen_img_fd(d);
	return 0;
}

/* True when the image holds an ISO 9660 volume descriptor at block 16
 * ("CDXX1" is what isoburn_disc_erase leaves on an erased image). */
static bool image_has_iso(int fd)
{
	char vd[6];

	if (fd < 0 || pread(fd, vd, sizeof(vd), 32768) != (ssize_t)sizeof(vd))
		return false;
	return memcmp(vd + 1, "CD001", 5) == 0 ||
	       memcmp(vd + 1, "CDXX1", 5) == 0;
}

static int acquire(struct disc *d, struct errmsg *em)
{
	int r;

	r = isoburn_drive_aquire(&d->dinfo, d->adr, disc_acq_flags(d));
	disc_drain_msgs();
	if (r <= 0) {
		d->dinfo = NULL;
		if (r == 0 && !d->is_image)
			return errmsg_set(em, -ENODEV, "no drive at %s",
					  d->target);
		return errmsg_set(em, r == 0 ? -ENOENT : -EIO,
				  "cannot acquire %s (see the log)", d->target);
	}
	d->drive = d->dinfo[0].drive;
	/* libburn calls data it does not know "full"; tell that apart from a
	 * closed ISO image, which does carry a volume descriptor. */
	if (d->is_image && isoburn_disc_get_status(d->drive) == BURN_DISC_FULL &&
	    !image_has_iso(d->img_fd))
		return errmsg_set(em, -EINVAL, "%s holds data that is not an "
				  "ISO 9660 image; burnfs will not overwrite it",
				  d->target);
	return 0;
}

static struct disc *disc_alloc(void)
{
	struct disc *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	pthread_mutex_init(&d->lib_lock, NULL);
	pthread_mutex_init(&d->state_lock, NULL);
	d->img_fd = -1;
	d->lock_fd = -1;
	return d;
}

int disc_open(struct disc **out, const char *target, uint64_t capacity,
	      struct errmsg *em)
{
	struct disc *d = disc_alloc();
	int r;

	*out = NULL;
	if (!d)
		return errmsg_set(em, -ENOMEM, "out of memory");
	d->capacity_opt = capacity;
	r = make_absolute(target, d->target, sizeof(d->target), em);
	if (r < 0)
		goto out;
	r = classify_target(d, em);
	if (r < 0)
		goto out;
	r = lock_target(d, em);
	if (r < 0)
		goto out;
	pthread_mutex_lock(&d->lib_lock);
	r = acquire(d, em);
	if (r == 0)
		r = disc_reload_fresh_locked(d, em);
	pthread_mutex_unlock(&d->lib_lock);
out:
	if (r < 0) {
		disc_close(d);
		return r;
	}
	blog_info("opened %s (%s)", d->target, d->adr);
	*out = d;
	return 0;
}

int disc_reassess_locked(struct disc *d, struct errmsg *em)
{
	int r;

	r = isoburn_drive_aquire(&d->dinfo, d->adr,
				 disc_acq_flags(d) | DISC_ACQ_REASSESS);
	disc_drain_msgs();
	if (r <= 0)
		return disc_lib_fail(em, -EIO, "re-reading the medium",
				     d->target);
	d->drive = d->dinfo[0].drive;
	return 0;
}

static bool disc_is_busy(struct disc *d)
{
	bool busy;

	pthread_mutex_lock(&d->state_lock);
	busy = d->busy;
	pthread_mutex_unlock(&d->state_lock);
	return busy;
}

/* A burn still running is cancelled: the job's poll loop turns the flag
 * into burn_drive_cancel() (only it may touch the drive then) and clears
 * busy when it has stopped; only then may the drive be released. */
static void stop_running_burn(struct disc *d)
{
	const struct timespec tick = { 0, 50 * 1000 * 1000 };
	int waited = 0;

	while (disc_is_busy(d)) {
		/* What disc_cancel() does; that one lives in burn_lib. */
		__atomic_store_n(&d->cancel, 1, __ATOMIC_SEQ_CST);
		if (++waited % 200 == 0)
			blog_warn("still waiting for the burn on %s to stop",
				  d->target);
		nanosleep(&tick, NULL);
	}
}

void disc_close(struct disc *d)
{
	if (!d)
		return;
	stop_running_burn(d);
	pthread_mutex_lock(&d->lib_lock);
	/* Its data source reads through the drive: before the release. */
	disc_warm_drop_locked(d);
	disc_drop_prepared_locked(d);
	if (d->dinfo) {
		isoburn_drive_release(d->drive, 0);
		burn_drive_info_free(d->dinfo);
		d->dinfo = NULL;
		d->drive = NULL;
	}
	disc_drain_msgs();
	pthread_mutex_unlock(&d->lib_lock);
	pthread_mutex_lock(&d->state_lock);
	disc_sessions_drop(d);
	if (d->lower)
		index_unref(d->lower);
	d->lower = NULL;
	pthread_mutex_unlock(&d->state_lock);
	if (d->img_fd >= 0)
		close(d->img_fd);
	if (d->lock_fd >= 0)
		close(d->lock_fd);
	pthread_mutex_destroy(&d->lib_lock);
	pthread_mutex_destroy(&d->state_lock);
	free(d);
}
