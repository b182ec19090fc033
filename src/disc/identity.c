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
#include <sys/stat.h>
#include <unistd.h>

#include "burnfs/fnv.h"
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

static uint64_t hash_of(uint32_t start, const unsigned char *pvd)
{
	unsigned char start_le[4];
	uint64_t h = FNV1A_OFFSET;

	for (int i = 0; i < 4; i++)
		start_le[i] = (unsigned char)(start >> (8 * i));
	return fnv1a(fnv1a(h, start_le, 4), pvd, 2048);
}

int disc_identity_hash_locked(struct disc *d, uint64_t *out)
{
	unsigned char pvd[2048];
	uint32_t start = 0, blocks = 0;
	int n, r;

	*out = 0;
	n = d->drive ? disc_toc_session_locked(d, 1, &start, &blocks, NULL) : 0;
	if (n <= 0)
		return n;
	r = read_block(d, start + 16, pvd);
	if (r)
		return r;
	*out = hash_of(start, pvd);
	pthread_mutex_lock(&d->img_check.lock);
	d->img_check.start = start;
	d->img_check.start_known = true;
	pthread_mutex_unlock(&d->img_check.lock);
	return 0;
}

static bool same_file_state(const struct stat *a, const struct disc_img_check *c)
{
	return a->st_ino == c->ino && a->st_size == c->size &&
	       a->st_mtim.tv_sec == c->mtime.tv_sec &&
	       a->st_mtim.tv_nsec == c->mtime.tv_nsec &&
	       a->st_ctim.tv_sec == c->ctime.tv_sec &&
	       a->st_ctim.tv_nsec == c->ctime.tv_nsec;
}

/* lib_lock not needed: pread only. Called with img_check.lock held. */
static uint64_t image_hash(struct disc_img_check *c, int fd)
{
	unsigned char pvd[2048];

	if (!c->start_known)
		return 0;
	if (pread(fd, pvd, sizeof(pvd), ((off_t)c->start + 16) * 2048) != 2048)
		return 1;  /* no volume descriptor there: not the disc it was */
	return hash_of(c->start, pvd);
}

/* Once per change: the reads that now answer ESTALE say why in the log. */
static void note_other_disc(struct disc *d, uint64_t now)
{
	uint64_t looked = __atomic_load_n(&d->medium_ident, __ATOMIC_ACQUIRE);

	if (looked && now != looked)
		blog_warn("disc: %s no longer holds the disc it held at the "
			  "last look (rewritten or blanked): reads of that "
			  "disc answer ESTALE until a command looks again",
			  d->target);
}

uint64_t disc_image_ident_now(struct disc *d)
{
	struct disc_img_check *c = &d->img_check;
	int fd = __atomic_load_n(&d->img_fd, __ATOMIC_ACQUIRE);
	struct stat st;
	uint64_t h;

	if (fd < 0 || fstat(fd, &st) < 0)
		return 0;
	pthread_mutex_lock(&c->lock);
	if (!c->valid || c->hashed_start != c->start || !same_file_state(&st, c)) {
		c->ino = st.st_ino;
		c->size = st.st_size;
		c->mtime = st.st_mtim;
		c->ctime = st.st_ctim;
		c->hashed_start = c->start;
		c->valid = true;
		h = image_hash(c, fd);
		if (h != c->ident)
			note_other_disc(d, h);
		c->ident = h;
	}
	h = c->ident;
	pthread_mutex_unlock(&c->lock);
	return h;
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
