/* content.c — what an image file or block device holds, read before
 * libburn sees it. libburn takes a file whose first 64 KiB are zeros for
 * a blank disc (a btrfs image looks like that) and the first commit cuts
 * it to the new session's end: only a file with nothing in it, an ISO 9660
 * volume, or one that libisoburn erased may ever be written. A volume
 * whose head is gone or damaged is read by scanning for its sessions,
 * read-only. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/fs.h>

#include "disc/disc_int.h"

#define BLK 2048
#define VD_OFFSET (16 * BLK)
#define HEAD_BYTES (32 * BLK)   /* an image's head: blocks 0-31 */

int disc_medium_size(int fd, uint64_t *bytes)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISREG(st.st_mode)) {
		*bytes = (uint64_t)st.st_size;
		return 0;
	}
	if (S_ISBLK(st.st_mode) && ioctl(fd, BLKGETSIZE64, bytes) == 0)
		return 0;
	return -ENOTSUP;
}

/* A regular file without a single data block (size 0, or made by
 * truncate -s) holds nothing: writing over it destroys nothing. */
static bool holds_no_data(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return false;
	if (st.st_size == 0)
		return true;
	return lseek(fd, 0, SEEK_DATA) < 0 && errno == ENXIO;
}

bool disc_is_pvd(int fd, uint32_t lba)
{
	unsigned char b[6];

	return pread(fd, b, sizeof(b), (off_t)lba * BLK) == sizeof(b) &&
	       b[0] == 1 && memcmp(b + 1, "CD001", 5) == 0;
}

int disc_zeros_only(int fd, uint64_t off, uint64_t end, uint64_t budget)
{
	static const unsigned char zero[HEAD_BYTES];
	unsigned char buf[sizeof(zero)];

	while (off < end) {
		off_t data = lseek(fd, (off_t)off, SEEK_DATA);
		size_t len = sizeof(buf);
		ssize_t r;

		if (data < 0 && errno == ENXIO)
			return 1;           /* only holes from here on */
		if (data > (off_t)off)
			off = (uint64_t)data;
		if (off >= end)
			return 1;
		if (budget < len)
			return -1;
		if (end - off < len)
			len = (size_t)(end - off);
		r = pread(fd, buf, len, (off_t)off);
		if (r <= 0)
			return r == 0 ? 1 : 0;
		if (memcmp(buf, zero, (size_t)r) != 0)
			return 0;
		off += (uint64_t)r;
		budget -= (uint64_t)r;
	}
	return 1;
}

/* No volume descriptor at block 16 (the head is zeros, or its copy of the
 * newest session's descriptors is damaged) but one at block 48, where
 * libisoburn puts the first session's (it starts sessions at 32 and
 * writes the head last): the sessions can still be found by their own
 * headers. The caller has seen that block 16 holds no descriptor. */
static bool headless(int fd)
{
	return disc_is_pvd(fd, 32 + 16);
}

int disc_read_content(int fd, enum disc_content *out)
{
	char vd[6];
	ssize_t r;

	if (holds_no_data(fd)) {
		*out = DISC_HOLDS_NOTHING;
		return 0;
	}
	r = pread(fd, vd, sizeof(vd), VD_OFFSET);
	if (r < 0)
		return -errno;
	if (r == (ssize_t)sizeof(vd) && vd[0] == 1 &&
	    memcmp(vd + 1, "CD001", 5) == 0)
		*out = DISC_HOLDS_ISO;
	/* What isoburn_disc_erase leaves of the descriptor ("blank" by
	 * xorriso): libisoburn's own marker for a blank medium. */
	else if (r == (ssize_t)sizeof(vd) && memcmp(vd + 1, "CDXX1", 5) == 0)
		*out = DISC_HOLDS_ERASED;
	else if (headless(fd))
		*out = DISC_HOLDS_HEADLESS;
	else
		*out = DISC_HOLDS_OTHER;
	return 0;
}
