/* tocscan.c — will libisoburn's session scan of an image end?
 *
 * Acquiring an image file makes libisoburn 1.5.4 build its table of
 * sessions by hopping from header to header (isoburn_emulate_toc): start
 * at block 32, read the volume space size of the session found there, jump
 * past it to the next 32-block boundary, until the size the header at
 * block 16 gives the whole image. A session whose size reads 0 (or, as a
 * signed int, negative) makes the hop go nowhere and the loop runs forever,
 * adding table entries; xorriso hangs on such images too. This file walks
 * the same hops with pread, bounded, so the daemon can tell beforehand and
 * acquire the image without the scan. Only the hop arithmetic is repeated;
 * which sessions exist is still libisoburn's to say. The free scan (acquire
 * flags 128|512: read-only, sessions found from block 32 on without the
 * header at 16) hops the same way. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "disc/disc_int.h"

#define BLK 2048
#define HEAD_BLOCKS 32      /* libisoburn reads 64 KiB per header */
#define ALIGN 32            /* its session alignment */
#define GROWISOFS_ALIGN 16
#define SCAN_MAX_GAP 65536  /* Libisoburn_toc_scan_max_gaP */

/* The volume space size of a PVD at buf, as libisoburn reads it: a
 * little-endian int. 0 when buf holds no PVD. */
static int pvd_size(const unsigned char *b, bool *found)
{
	*found = b[0] == 1 && memcmp(b + 1, "CD001", 5) == 0;
	if (!*found)
		return 0;
	return (int)((uint32_t)b[80] | (uint32_t)b[81] << 8 |
		     (uint32_t)b[82] << 16 | (uint32_t)b[83] << 24);
}

/* A header at lba: the PVD 16 blocks in, or with first_half also at lba
 * itself (growisofs aligns to 16). Returns 2 for the first half, 1 for
 * the second, 0 for none, -1 past the end of the medium. */
static int read_head(int fd, uint64_t size, int64_t lba, bool first_half,
		     int *blocks)
{
	unsigned char buf[2 * BLK];
	bool found;

	if (lba < 0 || (uint64_t)(lba + 17) * BLK > size)
		return -1;
	if (first_half && pread(fd, buf, BLK, lba * BLK) == BLK) {
		*blocks = pvd_size(buf, &found);
		if (found)
			return 2;
	}
	if (pread(fd, buf + BLK, BLK, (lba + 16) * BLK) != BLK)
		return -1;
	*blocks = pvd_size(buf + BLK, &found);
	return found ? 1 : 0;
}

static int64_t round_up(int64_t v, int64_t a)
{
	return v % a ? v + a - v % a : v;
}

/* One hop: from the header found at lba (r: read_head's answer) past its
 * session. The new lba, or -ELOOP (with why) when it does not move on. */
static int64_t hop(int64_t lba, int r, int blocks, uint64_t size, int found,
		   bool *minus_16, char *why, size_t why_len)
{
	int64_t before = lba;

	if (r == 2)
		lba -= 16;
	/* libisoburn cuts a session to the readable size */
	if (lba + blocks > (int64_t)(size / BLK))
		blocks = (int)((int64_t)(size / BLK) - lba);
	lba += blocks;
	*minus_16 = round_up(lba, ALIGN) - round_up(lba, GROWISOFS_ALIGN) == 16;
	lba = round_up(lba, ALIGN);
	if (lba > before)
		return lba;
	snprintf(why, why_len, "the header of session %d (block %lld) gives it "
		 "a size of %d blocks", found + 1,
		 (long long)(r == 2 ? before - 16 : before), blocks);
	return -ELOOP;
}

/* The hops while the header at block 16 gives the image's size. */
static int scan_chain(int fd, uint64_t size, int *sessions, char *why,
		      size_t why_len)
{
	int64_t lba = HEAD_BLOCKS;
	int image_size = 0, blocks = 0, r;
	bool minus_16 = false;

	if (read_head(fd, size, 0, false, &image_size) != 1)
		return 0;   /* no header: libisoburn does not scan */
	while (lba < image_size) {
		r = read_head(fd, size, lba, minus_16, &blocks);
		if (r <= 0)
			return 0;   /* the chain ends (or breaks): the scan stops */
		lba = hop(lba, r, blocks, size, *sessions, &minus_16, why, why_len);
		if (lba < 0)
			return (int)lba;
		++*sessions;
	}
	return 0;
}

/* The hops of a free scan (DISC_ACQ_SCAN): from block 32 (or 0) on to
 * the end of the medium, gaps of up to 64 Ki blocks skipped. */
static int scan_free(int fd, uint64_t size, int *sessions, char *why,
		     size_t why_len)
{
	int64_t lba = 0, gap_from = 0;
	int blocks = 0, r;
	bool minus_16;

	if (read_head(fd, size, HEAD_BLOCKS, false, &blocks) == 1)
		lba = HEAD_BLOCKS;
	for (;;) {
		r = read_head(fd, size, lba, *sessions > 0, &blocks);
		if (r < 0 || (r == 0 && *sessions == 0))
			return 0;
		if (r == 0) {
			lba += ALIGN;
			if (lba - gap_from > SCAN_MAX_GAP)
				return 0;
			continue;
		}
		lba = hop(lba, r, blocks, size, *sessions, &minus_16, why, why_len);
		if (lba < 0)
			return (int)lba;
		gap_from = lba;
		++*sessions;
	}
}

int disc_toc_scan_check(int fd, uint64_t size, bool free_scan, int *sessions,
			char *why, size_t why_len)
{
	*sessions = 0;
	return free_scan ? scan_free(fd, size, sessions, why, why_len)
			 : scan_chain(fd, size, sessions, why, why_len);
}
