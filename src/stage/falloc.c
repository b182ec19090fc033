/* falloc.c — fallocate(2) on an open file: reserve room (growing the file
 * unless FALLOC_FL_KEEP_SIZE), punch a hole, zero a range, as ext4 does.
 * A disc file is copied into the cache first when its bytes or size
 * change, as for a write; a reservation that changes neither only moves
 * its times. The cache's file system does the work where it can, so a
 * reservation reserves room on the cache disk too (ENOSPC there, as on
 * ext4); where it cannot (tmpfs has no FALLOC_FL_ZERO_RANGE), a hole or
 * written zeros read back the same.
 * The medium's room is the caller's to check (fs layer), as for writes. */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <string.h>
#include <unistd.h>

#include "burnfs/log.h"
#include "stage/stage_priv.h"

#define ZEROS_CHUNK 65536

static const char zeros[ZEROS_CHUNK];

static int write_zeros(int fd, uint64_t off, uint64_t end)
{
	while (off < end) {
		size_t len = end - off < ZEROS_CHUNK ? (size_t)(end - off) :
						       ZEROS_CHUNK;
		ssize_t r = pwrite(fd, zeros, len, (off_t)off);

		if (r < 0)
			return -errno;
		off += (uint64_t)r;
	}
	return 0;
}

/* Bytes [off, end) of the first `size` read as zeros afterwards. */
static int punch(int fd, uint64_t off, uint64_t end, uint64_t size,
		 bool none)
{
	if (end > size)
		end = size;
	if (off >= end)
		return 0;
	if (none)
		errno = EOPNOTSUPP;
	else if (!fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			    (off_t)off, (off_t)(end - off)))
		return 0;
	return errno == EOPNOTSUPP ? write_zeros(fd, off, end) : -errno;
}

/* mode on the data file, or what reads back the same (none: act as if
 * the cache's file system had no fallocate). */
static int falloc_fd(int fd, int mode, uint64_t off, uint64_t len,
		     uint64_t size, bool none)
{
	uint64_t end = off + len;
	int ret = 0;

	if (none)
		errno = EOPNOTSUPP;
	else if (!fallocate(fd, mode, (off_t)off, (off_t)len))
		return 0;
	if (errno != EOPNOTSUPP) {
		ret = -errno;
		/* a reservation that failed half way (ENOSPC) may have moved
		 * the data file's end: back to the node's size */
		if (!(mode & FALLOC_FL_KEEP_SIZE) && end > size &&
		    ftruncate(fd, (off_t)size))
			blog_warn("stage: fallocate: cannot cut a data file back: %s",
				 strerror(errno));
		return ret;
	}
	if (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE))
		ret = punch(fd, off, end, size, none);
	if (!ret && !(mode & FALLOC_FL_KEEP_SIZE) && end > size &&
	    ftruncate(fd, (off_t)end))
		ret = -errno;
	return ret;
}

int stage_fallocate_check(int mode, off_t off, off_t len)
{
	const int known = FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE |
			  FALLOC_FL_ZERO_RANGE;

	if (mode & ~known)
		return -EOPNOTSUPP;
	if ((mode & FALLOC_FL_PUNCH_HOLE) &&
	    (!(mode & FALLOC_FL_KEEP_SIZE) || (mode & FALLOC_FL_ZERO_RANGE)))
		return -EOPNOTSUPP;
	if (off < 0 || len <= 0)
		return -EINVAL;
	if ((uint64_t)off > STAGE_FILE_SIZE_MAX ||
	    (uint64_t)len > STAGE_FILE_SIZE_MAX - (uint64_t)off)
		return -EFBIG;
	return 0;
}

/* Will the bytes or the size change? A reservation inside the file or
 * past its end with KEEP_SIZE changes neither. */
static bool changes_content(const struct snode *n, int mode, uint64_t off,
			    uint64_t end)
{
	if (!(mode & FALLOC_FL_KEEP_SIZE) && end > n->size)
		return true;
	return (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) &&
	       off < n->size;
}

/* The data file is touched when the content changes, or to reserve in
 * one the node has of its own. A disc file (or one a burn is reading)
 * whose content stays is not copied into the cache for nothing: only its
 * times move, as on ext4. */
static int falloc_locked(struct stage *st, struct snode *n, int mode,
			 uint64_t off, uint64_t len)
{
	bool change = changes_content(n, mode, off, off + len);
	bool own = n->data_id && !stage_data_is_frozen(st, n->data_id);
	int ret = st->readonly ? -EROFS : S_ISREG(n->mode) ? 0 : -ENODEV;

	if (!ret && (change || own))
		ret = stage_node_writable(st, n, true);
	if (!ret && change)
		ret = stage_hash_changed(st, n);
	if (!ret && (change || own))
		ret = falloc_fd(n->fd, mode, off, len, n->size,
				st->test_no_falloc);
	if (!ret && !(mode & FALLOC_FL_KEEP_SIZE) && off + len > n->size) {
		n->size = off + len;
		stage_count_node(st, n);
	}
	if (ret)
		return ret;
	stage_now_ts(&n->mtime);
	n->ctime = n->mtime;
	st->gen++;
	return stage_record_attr(st, n);
}

int stage_fallocate(struct stage *st, struct stage_file *f, int mode,
		    off_t off, off_t len)
{
	int ret = stage_fallocate_check(mode, off, len);

	if (ret)
		return ret;
	STAGE_LOCK(st);  /* writes queued behind land first */
	ret = falloc_locked(st, f->node, mode, (uint64_t)off, (uint64_t)len);
	stage_node_fd_idle(f->node);
	STAGE_UNLOCK(st);
	return ret;
}
