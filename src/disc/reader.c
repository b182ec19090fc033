/* reader.c — how an index reads file bytes from the medium: pread on the
 * image file (no library lock, works during a burn), or burn_read_data on a
 * real drive (library lock; impossible while the drive writes). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "disc/disc_int.h"

#define DRIVE_CHUNK (32 * 2048)  /* what xorriso reads per call */

void disc_reopen_img_fd(struct disc *d)
{
	int fd;

	if (!d->is_image || __atomic_load_n(&d->img_fd, __ATOMIC_ACQUIRE) >= 0)
		return;
	fd = open(d->target, O_RDONLY | O_CLOEXEC);
	/* Published once and never closed before disc_close(), so a reader
	 * in another thread never sees a reused descriptor number. */
	if (fd >= 0)
		__atomic_store_n(&d->img_fd, fd, __ATOMIC_RELEASE);
}

static ssize_t image_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct disc *d = ctx;
	int fd = __atomic_load_n(&d->img_fd, __ATOMIC_ACQUIRE);
	size_t done = 0;
	ssize_t r;

	if (fd < 0)
		return -EIO;
	while (done < len) {
		r = pread(fd, (char *)buf + done, len - done, off + done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return done ? (ssize_t)done : -errno;
		if (r == 0)
			break;
		done += r;
	}
	return done;
}

int disc_lock_lib_nonbusy(struct disc *d)
{
	const struct timespec tick = { 0, 1000 * 1000 };
	bool busy;

	for (;;) {
		if (pthread_mutex_trylock(&d->lib_lock) == 0) {
			pthread_mutex_lock(&d->state_lock);
			busy = d->busy;
			pthread_mutex_unlock(&d->state_lock);
			if (!busy)
				return 0;
			pthread_mutex_unlock(&d->lib_lock);
			return -EBUSY;
		}
		pthread_mutex_lock(&d->state_lock);
		busy = d->busy;
		pthread_mutex_unlock(&d->state_lock);
		if (busy)
			return -EBUSY;
		/* Someone holds the lock for a short call: try again soon
		 * rather than queue behind a burn that is just starting. */
		nanosleep(&tick, NULL);
	}
}

/* Whole 2048-byte blocks from the drive, then the slice that was asked. */
static ssize_t drive_read_chunk(struct disc *d, char *tmp, void *buf,
				size_t len, uint64_t off)
{
	uint64_t start = off & ~(uint64_t)2047;
	size_t skip = off - start;
	size_t size = (skip + len + 2047) & ~(size_t)2047;
	off_t count = 0;
	int r;

	r = burn_read_data(d->drive, start, tmp, size, &count, 2);
	if (r <= 0 && count <= (off_t)skip)
		return -EIO;
	if ((size_t)count <= skip)
		return 0;
	if ((size_t)count - skip < len)
		len = count - skip;
	memcpy(buf, tmp + skip, len);
	return len;
}

static ssize_t drive_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct disc *d = ctx;
	size_t done = 0, part;
	ssize_t r = 0;
	char *tmp;

	tmp = malloc(DRIVE_CHUNK + 2048);
	if (!tmp)
		return -ENOMEM;
	if (disc_lock_lib_nonbusy(d) < 0) {
		free(tmp);
		return -EBUSY;
	}
	while (done < len && d->drive) {
		part = len - done < DRIVE_CHUNK ? len - done : DRIVE_CHUNK;
		r = drive_read_chunk(d, tmp, (char *)buf + done, part,
				     off + done);
		if (r <= 0)
			break;
		done += r;
	}
	pthread_mutex_unlock(&d->lib_lock);
	disc_drain_msgs();
	free(tmp);
	return done ? (ssize_t)done : r;
}

/* The identity found by the last look at the medium (0: none known); for
 * an image file also what the file holds now, so that one rewritten in
 * place between commands is not read under the old disc's names. A drive
 * changes its disc only through a command's look (no media-change poll). */
static bool still_medium(void *ctx, uint64_t ident)
{
	struct disc *d = ctx;

	if (!idx_same_medium(__atomic_load_n(&d->medium_ident, __ATOMIC_ACQUIRE),
			     ident))
		return false;
	return !d->is_image || idx_same_medium(disc_image_ident_now(d), ident);
}

void disc_reader_init(struct disc *d, struct idx_reader *r)
{
	r->pread = d->is_image ? image_pread : drive_pread;
	r->still = still_medium;
	r->ctx = d;
}

/* For a job that owns the disc (verify): the plain lock, since
 * disc_lock_lib_nonbusy would refuse the job its own busy disc. */
int disc_read_drive(struct disc *d, void *buf, size_t len, uint64_t off)
{
	off_t count = 0;
	int ret;

	pthread_mutex_lock(&d->lib_lock);
	ret = d->drive ? burn_read_data(d->drive, (off_t)off, buf, (off_t)len,
					&count, 2) : 0;
	pthread_mutex_unlock(&d->lib_lock);
	return ret == 1 ? 0 : -EIO;
}
