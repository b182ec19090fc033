/* treecheck.c — find directory loops in a session before libisofs loads
 * it. libisofs 1.5.4 follows a directory record that points back at an
 * ancestor without end (it recursed for minutes here, xorriso too), so the
 * daemon walks the directory records first: every directory extent may be
 * reached once. Only the ISO 9660 hierarchy of each volume descriptor (the
 * primary one with its Rock Ridge names, Joliet's) is walked, by the
 * directory flag; Rock Ridge relocation links (CL) are left to the bounded
 * load (probe.c), because a relocated directory is reached twice on
 * purpose. A directory that lies past the end of the medium is skipped:
 * libisofs refuses it by itself. The primary root's "." record is checked
 * too (check_root_dot). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "burnfs/grow.h"
#include "disc/disc_int.h"

#define BLK 2048
#define MAX_VDS 32          /* descriptors after block 16 looked at */
#define DIR_MAX (64u << 20) /* bytes of one directory read at most */

struct tree_walk {
	int fd;
	uint64_t size;
	uint32_t *seen;         /* open addressing set of directory extents */
	size_t seen_cap, n_seen;
	struct { uint32_t ext, len; } *todo;
	size_t n_todo, todo_cap;
	char *why;
	size_t why_len;
};

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static int seen_grow(struct tree_walk *w);

/* 1 when ext was seen before, 0 when added now, -ENOMEM. Extent 0 is
 * never a directory's; it stands for "empty" in the set. */
static int seen_add(struct tree_walk *w, uint32_t ext)
{
	size_t i;

	if (w->n_seen * 2 >= w->seen_cap && seen_grow(w) < 0)
		return -ENOMEM;
	for (i = (ext * 2654435761u) & (w->seen_cap - 1); w->seen[i];
	     i = (i + 1) & (w->seen_cap - 1))
		if (w->seen[i] == ext)
			return 1;
	w->seen[i] = ext;
	w->n_seen++;
	return 0;
}

static int seen_grow(struct tree_walk *w)
{
	struct tree_walk old = *w;
	size_t cap = w->seen_cap ? w->seen_cap * 2 : 1024;

	w->seen = calloc(cap, sizeof(*w->seen));
	if (!w->seen) {
		w->seen = old.seen;
		return -ENOMEM;
	}
	w->seen_cap = cap;
	w->n_seen = 0;
	for (size_t i = 0; i < old.seen_cap; i++)
		if (old.seen[i])
			seen_add(w, old.seen[i]);
	free(old.seen);
	return 0;
}

/* Queue a directory unless it was reached before (a loop: -ELOOP). */
static int push_dir(struct tree_walk *w, uint32_t ext, uint32_t len)
{
	int r;

	if (ext == 0 || len == 0 || (uint64_t)ext * BLK + len > w->size)
		return 0;
	r = seen_add(w, ext);
	if (r < 0)
		return r;
	if (r) {
		snprintf(w->why, w->why_len, "the directory at block %u is "
			 "reached twice: a directory loop", ext);
		return -ELOOP;
	}
	r = GROW(&w->todo, &w->todo_cap, w->n_todo + 1, 256);
	if (r)
		return r;
	w->todo[w->n_todo].ext = ext;
	w->todo[w->n_todo].len = len;
	w->n_todo++;
	return 0;
}

/* The records of one block of a directory; "." and ".." are skipped.
 * Records never cross a block boundary; a malformed one ends the block. */
static int scan_block(struct tree_walk *w, const unsigned char *b)
{
	unsigned pos = 0, len, nlen;
	int r;

	while (pos + 34 <= BLK && (len = b[pos]) != 0) {
		if (len < 34 || pos + len > BLK)
			break;
		nlen = b[pos + 32];
		if ((b[pos + 25] & 2) && !(nlen == 1 && b[pos + 33] <= 1)) {
			r = push_dir(w, le32(b + pos + 2), le32(b + pos + 10));
			if (r < 0)
				return r;
		}
		pos += len;
	}
	return 0;
}

static int scan_dir(struct tree_walk *w, uint32_t ext, uint32_t len)
{
	unsigned char b[BLK];
	int r = 0;

	if (len > DIR_MAX)
		len = DIR_MAX;
	for (uint32_t i = 0; r == 0 && (uint64_t)i * BLK < len; i++) {
		if (pread(w->fd, b, BLK, ((off_t)ext + i) * BLK) != BLK)
			break;
		r = scan_block(w, b);
	}
	return r;
}

/* The root folder's own "." record must name the root's extent: libisofs
 * reads the root through it, and one that points elsewhere (a flipped bit)
 * made the whole session load as an empty folder with no error, so the
 * next commit published a session without any of its files. isoinfo and
 * the kernel go by the descriptor's record and read such a disc whole; a
 * session libisofs cannot read is treated as unreadable. */
static int check_root_dot(struct tree_walk *w, const unsigned char *vd)
{
	uint32_t ext = le32(vd + 156 + 2), dot;
	unsigned char b[BLK];

	if (ext == 0 || (uint64_t)ext * BLK + BLK > w->size ||
	    pread(w->fd, b, BLK, (off_t)ext * BLK) != BLK)
		return 0;   /* left to the loader, which refuses it by itself */
	if (b[0] < 34 || b[32] != 1 || b[33] != 0)
		return 0;   /* not a "." record: nothing this check knows of */
	dot = le32(b + 2);
	if (dot == ext)
		return 0;
	snprintf(w->why, w->why_len, "the root folder's own record names "
		 "block %u, not block %u, where it lies", dot, ext);
	return -EIO;
}

/* One descriptor's tree, breadth first, from its root record at 156. */
static int walk_tree(struct tree_walk *w, const unsigned char *vd)
{
	int r;

	if (vd[0] == 1) {
		r = check_root_dot(w, vd);
		if (r < 0)
			return r;
	}
	w->n_todo = 0;
	memset(w->seen, 0, w->seen_cap * sizeof(*w->seen));
	w->n_seen = 0;
	r = push_dir(w, le32(vd + 156 + 2), le32(vd + 156 + 10));
	for (size_t i = 0; r == 0 && i < w->n_todo; i++)
		r = scan_dir(w, w->todo[i].ext, w->todo[i].len);
	return r;
}

int disc_tree_check(int fd, uint64_t size, uint32_t vd_lba, char *why,
		    size_t why_len)
{
	struct tree_walk w = { .fd = fd, .size = size, .why = why,
			       .why_len = why_len };
	unsigned char vd[BLK];
	int r = seen_grow(&w);

	for (uint32_t i = 0; r == 0 && i < MAX_VDS; i++) {
		if (pread(fd, vd, BLK, ((off_t)vd_lba + i) * BLK) != BLK ||
		    memcmp(vd + 1, "CD001", 5) != 0 || vd[0] == 255)
			break;
		if (vd[0] == 1 || vd[0] == 2)   /* primary, supplementary */
			r = walk_tree(&w, vd);
	}
	free(w.seen);
	free(w.todo);
	return r;
}
