/* acquire.c — open a target: classify it, lock it, acquire it through
 * libisoburn, load its newest session; and the way back (disc_close). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "burnfs/log.h"
#include "burnfs/smallfile.h"
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
	d->is_blockdev = S_ISBLK(st.st_mode);
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

/* A loop device's backing file, from sysfs, into path; false when the
 * block device is no loop device (or sysfs does not say). */
static bool loop_backing_file(int fd, char *path, size_t size)
{
	char sys[80];
	struct stat st;

	if (fstat(fd, &st) < 0 || !S_ISBLK(st.st_mode))
		return false;
	snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u/loop",
		 major(st.st_rdev), minor(st.st_rdev));
	if (smallfile_read(sys, "backing_file", path, size) <= 0)
		return false;
	path[strcspn(path, "\n")] = '\0';
	return path[0] != '\0';
}

/* The same disc reached twice, as /dev/loopN and as the file behind it (or
 * through two loop devices), would be two burnfs writing one medium: each
 * commit builds on sessions the other overwrites. So a loop device's
 * backing file is locked too, with the flock a mount of the file takes. A
 * backing file that cannot be opened (deleted, another namespace) is only
 * logged: nobody else can mount it either. */
static int lock_backing_file(struct disc *d, struct errmsg *em)
{
	char path[PATH_MAX];

	if (!d->is_blockdev || !loop_backing_file(d->lock_fd, path, sizeof(path)))
		return 0;
	d->backing_fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (d->backing_fd < 0) {
		blog_warn("%s: cannot open its backing file %s to lock it: %s",
			  d->target, path, strerror(errno));
		return 0;
	}
	if (flock_patiently(d->backing_fd) == 0)
		return 0;
	if (errno == EWOULDBLOCK)
		return errmsg_set(em, -EBUSY, "%s is a loop device of %s, which "
				  "another burnfs has mounted", d->target, path);
	return errmsg_set(em, -errno, "cannot lock %s: %s", path,
			  strerror(errno));
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
	return lock_backing_file(d, em);
}

/* burnfs reads an image through the file it opened at the mount, while
 * libburn opens the path for every job: once the path names another file,
 * or none (libburn then makes a new one), a commit wrote its session into
 * a file without the sessions it builds on, and reported success. */
int disc_check_image_path(struct disc *d, struct errmsg *em)
{
	struct stat held, now;

	if (!d->is_image || d->lock_fd < 0 || fstat(d->lock_fd, &held) < 0)
		return 0;
	if (stat(d->target, &now) < 0)
		return errmsg_set(em, -ESTALE, "%s was moved or deleted while "
				  "mounted; nothing was done. Unmount, and mount "
				  "the image where it is now", d->target);
	if (now.st_dev != held.st_dev || now.st_ino != held.st_ino)
		return errmsg_set(em, -ESTALE, "%s names another file than the "
				  "one mounted (moved or replaced while mounted); "
				  "nothing was done. Unmount, and mount the image "
				  "where it is now", d->target);
	return 0;
}

/* Before libburn sees an image: it must hold nothing, an ISO 9660 volume
 * or libisoburn's erased marker; libburn would take other data whose first
 * 64 KiB are zeros for a blank disc. */
static int check_image(struct disc *d, struct errmsg *em)
{
	enum disc_content what;
	int r;

	if (!d->is_image || d->img_fd < 0)
		return 0;
	r = disc_read_content(d->img_fd, &what);
	if (r < 0)
		return errmsg_set(em, r, "cannot read %s: %s", d->target,
				  strerror(-r));
	/* A device cannot be emptied as a file can, and zeros are no proof
	 * that nothing lies further on (btrfs starts at 64 KiB): say how to
	 * give it a first session instead. */
	if (what == DISC_HOLDS_OTHER && d->is_blockdev)
		return errmsg_set(em, -EINVAL, "%s holds no ISO 9660 image; "
				  "burnfs writes only to a device that holds one "
				  "(give it an empty first session with: xorriso "
				  "-outdev stdio:%s -volid LABEL -commit)",
				  d->target, d->target);
	if (what == DISC_HOLDS_OTHER)
		return errmsg_set(em, -EINVAL, "%s holds data that is not an "
				  "ISO 9660 image; burnfs will not overwrite it "
				  "(an empty file is a blank disc)", d->target);
	return 0;
}

/* Before every acquire and re-assess of an image: libisoburn's scan for
 * sessions must end. If it would not, the image is acquired without the
 * scan: one session, the newest (from block 16), read-only (scan_note goes
 * into facts.damage); in a free scan (the header at 16 is damaged) there
 * is nothing left to show: -EIO. Checked again each time: the image may
 * change. */
static int scan_guard(struct disc *d, struct errmsg *em)
{
	bool free_scan = (d->acq_extra & DISC_ACQ_SCAN) == DISC_ACQ_SCAN;
	enum disc_content what;
	uint64_t size = 0;
	int found;

	if (!d->is_image || d->img_fd < 0)
		return 0;   /* nothing to read it with (a probe: its parent knows) */
	d->acq_extra &= ~DISC_ACQ_NO_TOC;
	snprintf(d->scan_note, sizeof(d->scan_note), "%s", free_scan ?
		 "the volume descriptor at block 16 is damaged; the sessions "
		 "were found by their own headers" : "");
	if (disc_read_content(d->img_fd, &what) < 0 ||
	    (what != DISC_HOLDS_ISO && what != DISC_HOLDS_HEADLESS) ||
	    disc_medium_size(d->img_fd, &size) < 0 ||
	    disc_toc_scan_check(d->img_fd, size, free_scan, &found, d->scan_note,
				sizeof(d->scan_note)) != -ELOOP)
		return 0;
	if (free_scan)
		return errmsg_set(em, -EIO, "no session of %s can be read (%s)",
				  d->target, d->scan_note);
	blog_info("%s: %s: the session table would never end; only the newest "
		  "session is read", d->target, d->scan_note);
	d->acq_extra |= DISC_ACQ_NO_TOC;
	strncat(d->scan_note, " (the chain of session headers loops); only "
		"the newest session is shown",
		sizeof(d->scan_note) - strlen(d->scan_note) - 1);
	return 0;
}

static int acquire(struct disc *d, struct errmsg *em)
{
	int r;

	r = scan_guard(d, em);
	if (r < 0)
		return r;
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
	return 0;
}

static struct disc *disc_alloc(const struct imgfmt *fmt)
{
	struct disc *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->fmt = fmt;
	d->fmt_state = calloc(1, fmt->state_size ? fmt->state_size : 1);
	if (!d->fmt_state) {
		free(d);
		return NULL;
	}
	pthread_mutex_init(&d->lib_lock, NULL);
	pthread_mutex_init(&d->state_lock, NULL);
	pthread_mutex_init(&d->img_check.lock, NULL);
	d->img_fd = -1;
	d->lock_fd = -1;
	d->backing_fd = -1;
	return d;
}

int disc_open(struct disc **out, const char *target, uint64_t capacity,
	      const struct imgfmt *fmt, struct errmsg *em)
{
	struct disc *d = disc_alloc(fmt);
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
	disc_msgs_opening(true);
	d->guarded = d->is_image && disc_guard_start(d);
	r = check_image(d, em);
	if (r == 0)
		r = acquire(d, em);
	if (r == 0)
		r = disc_reload_fresh_locked(d, em);
	/* The header at block 16 is damaged, but the sessions may each have
	 * their own: look for them (read-only). */
	if (r == -ENODATA) {
		d->acq_extra |= DISC_ACQ_SCAN;
		r = disc_reload_locked(d, em);
	}
	if (d->guarded)
		disc_guard_stop();
	d->guarded = false;
	disc_msgs_opening(false);
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

	r = scan_guard(d, em);
	if (r < 0)
		return r;
	r = isoburn_drive_aquire(&d->dinfo, d->adr,
				 disc_acq_flags(d) | DISC_ACQ_REASSESS);
	disc_drain_msgs();
	if (r <= 0)
		return disc_lib_fail(em, -EIO, "re-reading the medium",
				     d->target);
	d->drive = d->dinfo[0].drive;
	return 0;
}

void disc_release_drive_locked(struct disc *d, bool eject)
{
	/* The format's trees read through the drive: before the release. */
	d->fmt->release(d);
	if (d->dinfo) {
		isoburn_drive_release(d->drive, eject ? 1 : 0);
		burn_drive_info_free(d->dinfo);
		d->dinfo = NULL;
		d->drive = NULL;
	}
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
		disc_cancel_quiet(d);
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
	disc_release_drive_locked(d, false);
	disc_drain_msgs();
	pthread_mutex_unlock(&d->lib_lock);
	pthread_mutex_lock(&d->state_lock);
	disc_sessions_drop(d);
	disc_loadable_free(d);
	if (d->lower)
		index_unref(d->lower);
	d->lower = NULL;
	pthread_mutex_unlock(&d->state_lock);
	if (d->img_fd >= 0)
		close(d->img_fd);
	if (d->lock_fd >= 0)
		close(d->lock_fd);
	if (d->backing_fd >= 0)
		close(d->backing_fd);
	pthread_mutex_destroy(&d->lib_lock);
	pthread_mutex_destroy(&d->state_lock);
	pthread_mutex_destroy(&d->img_check.lock);
	free(d->fmt_state);
	free(d);
}
