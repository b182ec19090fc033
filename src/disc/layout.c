/* layout.c — where the sessions of an emulated medium lie (an image file,
 * a block device; DVD+RW, DVD-RAM, BD-RE), checked against the medium's
 * real size, and whose data a write would touch.
 *
 * On such media libisoburn writes a new session at the next 32-block
 * boundary after the sessions it found, cuts an image file there when the
 * write starts, and then rewrites blocks 16..31 with the new session's
 * volume descriptors. That is safe only when the sessions it found are
 * all there is: a header whose size field wrapped made the write address
 * wrap and the image shrink to 64 KiB; another tool's single session
 * starts at block 0, so its descriptors in 16..31 are replaced and its
 * tree cannot be reached any more; a UDF bridge keeps its volume
 * recognition sequence in 16..31 too. So the layout is read here, and a
 * write goes ahead only when it starts behind every recorded block and
 * destroys nothing that burnfs or libisoburn did not write. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "disc/disc_int.h"

#define BLK 2048
#define HEADER_BLOCKS 32
#define SESSION_ALIGN 32            /* libisoburn starts sessions there */
#define TAIL_READ_MAX (16u << 20)   /* bytes of a tail read to see zeros */

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* The volume space size of the PVD at block lba of an image, 0 if none. */
static uint32_t pvd_blocks(int fd, uint32_t lba)
{
	unsigned char b[88];

	if (fd < 0 || pread(fd, b, sizeof(b), (off_t)lba * BLK) != sizeof(b) ||
	    b[0] != 1 || memcmp(b + 1, "CD001", 5) != 0)
		return 0;
	return le32(b + 80);
}

/* A UDF volume recognition sequence among blocks 16..31: its NSR
 * descriptor is what makes UDF readers look further. */
static bool has_udf_vrs(int fd)
{
	static const char *const ids[] = { "NSR02", "NSR03" };
	unsigned char b[6];

	for (uint32_t lba = 16; fd >= 0 && lba < HEADER_BLOCKS; lba++) {
		if (pread(fd, b, sizeof(b), (off_t)lba * BLK) != sizeof(b))
			return false;
		for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
			if (b[0] == 0 && memcmp(b + 1, ids[i], 5) == 0)
				return true;
	}
	return false;
}

static uint64_t medium_blocks(struct disc *d)
{
	uint64_t bytes = 0;
	int cap = 0;

	if (d->img_fd >= 0)
		return disc_medium_size(d->img_fd, &bytes) == 0 ?
		       (bytes + BLK - 1) / BLK : 0;
	return burn_get_read_capacity(d->drive, &cap, 0) == 1 && cap > 0 ?
	       (uint64_t)cap : 0;
}

/* One session of the table, checked against the one before it and the
 * medium's end. Its size is taken from its own header where there is one:
 * libisoburn cuts the table's size to what is readable. */
static void check_session(struct disc *d, struct disc_layout *L, int k,
			  uint32_t start, uint32_t blocks)
{
	uint32_t own = pvd_blocks(d->img_fd, start + 16);
	uint64_t end;

	if (own)
		blocks = own;
	end = (uint64_t)start + blocks;
	if (L->damage[0])
		return;
	if (blocks == 0)
		snprintf(L->damage, sizeof(L->damage),
			 "session %d (block %u) has a size of 0", k, start);
	else if (k > 1 && start < L->end)
		snprintf(L->damage, sizeof(L->damage), "session %d (block %u) "
			 "lies inside the sessions before it (up to block %u): "
			 "the chain of session headers is broken", k, start, L->end);
	else if (L->medium_blocks && end > L->medium_blocks)
		snprintf(L->damage, sizeof(L->damage), "session %d claims blocks "
			 "up to %llu, but the medium ends at block %llu", k,
			 (unsigned long long)end,
			 (unsigned long long)L->medium_blocks);
	if (end > L->end)
		L->end = end > UINT32_MAX ? UINT32_MAX : (uint32_t)end;
}

static void read_table(struct disc *d, struct disc_layout *L)
{
	struct isoburn_toc_disc *t = isoburn_toc_drive_get_disc(d->drive);
	struct isoburn_toc_session **ss;
	uint32_t start, blocks;
	int count = 0;
	char volid[33];

	if (!t)
		return;
	ss = isoburn_toc_disc_get_sessions(t, &count);
	for (int k = 0; ss && k < count; k++) {
		disc_toc_session_extent(ss[k], &start, &blocks, volid);
		if (k == 0)
			L->at_zero = start == 0;
		check_session(d, L, k + 1, start, blocks);
		L->sessions = k + 1;
	}
	isoburn_toc_disc_free(t);
}

/* On libisoburn's layout the descriptors at block 16 are a copy of the
 * newest session's, sized to the end of the medium's sessions. */
static void check_header(struct disc *d, struct disc_layout *L)
{
	uint32_t head = pvd_blocks(d->img_fd, 16);

	if (L->damage[0] || d->img_fd < 0)
		return;
	if (head && L->sessions == 0)
		snprintf(L->damage, sizeof(L->damage), "the volume descriptor "
			 "at block 16 names no session that can be found");
	else if (head && !L->at_zero && head != L->end)
		snprintf(L->damage, sizeof(L->damage), "the volume descriptor "
			 "at block 16 gives %u blocks, but the sessions end at "
			 "block %u", head, L->end);
}

int disc_layout_read_locked(struct disc *d, struct disc_layout *L)
{
	memset(L, 0, sizeof(*L));
	L->emulated = d->is_image || isoburn_needs_emulation(d->drive) == 1;
	if (!L->emulated ||
	    isoburn_disc_get_status(d->drive) == BURN_DISC_BLANK)
		return 0;
	L->medium_blocks = medium_blocks(d);
	read_table(d, L);
	check_header(d, L);
	L->udf = has_udf_vrs(d->img_fd);
	L->tail_foreign = disc_layout_tail_foreign(d, L->end);
	return 0;
}

bool disc_layout_tail_foreign(struct disc *d, uint32_t from)
{
	uint64_t size = 0, off = (uint64_t)from * BLK, end;
	/* where libisoburn writes the next session */
	uint32_t next = (from + SESSION_ALIGN - 1) / SESSION_ALIGN * SESSION_ALIGN;
	int z;

	if (d->img_fd < 0 || disc_medium_size(d->img_fd, &size) < 0 ||
	    size <= off)
		return false;
	end = disc_is_pvd(d->img_fd, next + 16) ? (uint64_t)next * BLK : size;
	if (end > size)
		end = size;
	z = disc_zeros_only(d->img_fd, off, end, TAIL_READ_MAX);
	/* An image file is cut at the write address: all of its tail must
	 * be known. A device is written only where the session goes. */
	return z == 0 || (z < 0 && !d->is_blockdev);
}

int disc_foreign_refusal(const char *what, struct errmsg *em)
{
	return errmsg_set(em, -EPERM, "this medium holds %s; a new session "
			  "would make it unreachable. Nothing was written; "
			  "'set foreign=overwrite' allows it", what);
}

static int foreign_refusal(const struct disc_layout *L, struct errmsg *em)
{
	char what[DISC_TEXT_LEN];

	disc_layout_foreign_text(L, what, sizeof(what));
	return disc_foreign_refusal(what, em);
}

int disc_layout_check_write_locked(struct disc *d, uint32_t lba,
				   bool foreign_ok, struct errmsg *em)
{
	struct disc_layout L;

	disc_layout_read_locked(d, &L);
	if (!L.emulated)
		return 0;
	if (L.damage[0])
		return errmsg_set(em, -EIO, "the medium's layout is damaged: %s. "
				  "Nothing was written", L.damage);
	if (lba < L.end || lba < HEADER_BLOCKS)
		return errmsg_set(em, -EIO, "the session would be written at "
				  "block %u, inside what is recorded (up to block "
				  "%u). Nothing was written", lba, L.end);
	L.tail_foreign = disc_layout_tail_foreign(d, lba);
	if ((L.at_zero || L.udf || L.tail_foreign) && !foreign_ok)
		return foreign_refusal(&L, em);
	return 0;
}

void disc_layout_foreign_text(const struct disc_layout *L, char *out,
			      size_t size)
{
	snprintf(out, size, "%s%s%s%s%s",
		 L->at_zero ? "another tool's session at block 0" : "",
		 L->at_zero && L->udf ? " with " : "",
		 L->udf ? "a UDF bridge" : "",
		 (L->at_zero || L->udf) && L->tail_foreign ? ", and " : "",
		 L->tail_foreign ? "data after its last session that burnfs "
		 "did not write" : "");
}
