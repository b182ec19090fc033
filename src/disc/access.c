/* access.c — what the image format and the jobs may know of the disc and
 * do with it: the library lock, the drive, the target, the format's state.
 * struct disc stays private to src/disc; these are its only windows. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "disc/disc_int.h"

void disc_lock_lib(struct disc *d)
{
	pthread_mutex_lock(&d->lib_lock);
}

void disc_unlock_lib(struct disc *d)
{
	pthread_mutex_unlock(&d->lib_lock);
}

bool disc_is_image(const struct disc *d)
{
	return d->is_image;
}

const char *disc_target(const struct disc *d)
{
	return d->target;
}

const struct imgfmt *disc_image_format(const struct disc *d)
{
	return d->fmt;
}

void *disc_format_state(struct disc *d)
{
	return d->fmt_state;
}

struct burn_drive *disc_drive(struct disc *d)
{
	return d->drive;
}

bool disc_emulated_locked(struct disc *d)
{
	return d->is_image || isoburn_needs_emulation(d->drive) == 1;
}

int64_t disc_image_size_locked(struct disc *d)
{
	struct stat st;

	if (d->img_fd >= 0 && fstat(d->img_fd, &st) == 0 && S_ISREG(st.st_mode))
		return st.st_size;
	return -1;
}

int disc_image_dup_fd(struct disc *d)
{
	int fd = __atomic_load_n(&d->img_fd, __ATOMIC_ACQUIRE);

	if (!d->is_image)
		return -ENOENT;
	/* a probe child has none: its parent checked the path first */
	fd = fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 0)
		     : open(d->target, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

bool disc_keeps_older_attached(const struct disc *d)
{
	return d->no_reattach;
}

bool disc_sessions_scanned(const struct disc *d)
{
	return (d->acq_extra & DISC_ACQ_SCAN) == DISC_ACQ_SCAN;
}

void disc_note_written_locked(struct disc *d)
{
	d->just_wrote = true;
}
