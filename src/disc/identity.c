/* identity.c — what tells one disc from another across mounts, moves and
 * renames of its image: its first session's primary volume descriptor
 * (written once with the session and never again: later sessions go after
 * it, and an image's header copy at block 16 is another block), hashed
 * with that session's start. It holds the volume id, the creation time to
 * a hundredth of a second and the first session's size and layout. A blank
 * medium has no identity yet. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "disc/disc_int.h"

/* One 2048-byte block of the medium; lib_lock held. */
static int read_block(struct disc *d, uint32_t lba, unsigned char *buf)
{
	off_t count = 0;
	ssize_t r;

	if (d->is_image) {
		if (d->img_fd < 0)
			return -ENOENT;
		r = pread(d->img_fd, buf, 2048, (off_t)lba * 2048);
		return r == 2048 ? 0 : r < 0 ? -errno : -EIO;
	}
	if (!d->drive || burn_read_data(d->drive, (off_t)lba * 2048,
					(char *)buf, 2048, &count, 2) <= 0 ||
	    count != 2048)
		return -EIO;
	return 0;
}

static uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t len)
{
	while (len--)
		h = (h ^ *p++) * 1099511628211ull;
	return h;
}

int disc_identity_hash_locked(struct disc *d, uint64_t *out)
{
	unsigned char pvd[2048], start_le[4];
	uint32_t start = 0, blocks = 0;
	uint64_t h = 14695981039346656037ull;
	int n, r;

	*out = 0;
	n = d->drive ? disc_toc_session_locked(d, 1, &start, &blocks, NULL) : 0;
	if (n <= 0)
		return n;
	r = read_block(d, start + 16, pvd);
	if (r)
		return r;
	for (int i = 0; i < 4; i++)
		start_le[i] = (unsigned char)(start >> (8 * i));
	*out = fnv1a(fnv1a(h, start_le, 4), pvd, sizeof(pvd));
	return 0;
}

int disc_identity(struct disc *d, char *out, size_t size)
{
	struct disc_facts f;
	uint64_t h = 0;
	int r;

	snprintf(out, size, "%s", "");
	disc_get_facts(d, &f);
	if (f.sessions == 0 || f.media == DISC_MEDIA_NONE)
		return 0;
	pthread_mutex_lock(&d->lib_lock);
	r = disc_identity_hash_locked(d, &h);
	pthread_mutex_unlock(&d->lib_lock);
	disc_drain_msgs();
	if (r < 0)
		return r;
	if (h)
		snprintf(out, size, "%016llx", (unsigned long long)h);
	return 0;
}
