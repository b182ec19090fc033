/* cost.c — what the tree costs a session besides file content, so that a
 * create or mkdir that would not fit fails with ENOSPC at once instead of
 * the commit. Every session writes the directory records of the whole
 * tree again: per entry an ISO 9660 record (name up to 37 bytes), its Rock
 * Ridge fields (the whole name, modes, times, a symlink's target), AAIP
 * fields for xattrs and the MD5 index, a Joliet record (UCS-2, up to 103
 * characters), and per folder its own records' blocks in both trees and
 * path table entries.
 *
 * Measured on sessions libisofs 1.5.4 wrote through burnfs (800 to 3,000
 * entries): empty files cost 220 bytes each with 12-byte names, 322 with
 * 40, 527 with 100, about 700 with 255; a folder about 4,500 (two blocks:
 * the ISO and the Joliet directory); a symlink about its target's length
 * more; an xattr its name and value plus about 40. The formula below is at
 * least that in every case measured. */
#include <string.h>
#include <sys/stat.h>

#include "stage/stage_priv.h"

#define BLOCK 2048u

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

uint64_t stage_entry_cost(mode_t mode, size_t namelen, size_t linklen,
			  size_t xattr_bytes, uint32_t n_xattrs)
{
	uint64_t rec = 240 + namelen + 2 * min_size(namelen, 103) +
		       min_size(namelen, 37);

	if (S_ISDIR(mode))
		rec = 2 * BLOCK + 2 * rec;
	if (S_ISLNK(mode))
		rec += linklen + 16;
	return rec + xattr_bytes + 48ull * n_xattrs;
}

static uint64_t xattr_bytes(const struct idx_xattr *x, uint32_t n)
{
	uint64_t b = 0;

	for (uint32_t i = 0; i < n; i++)
		b += strlen(x[i].name) + x[i].len;
	return b;
}

uint64_t stage_lower_entry_cost(const struct idx_node *ln)
{
	return stage_entry_cost(ln->mode, strlen(ln->name),
				ln->link ? strlen(ln->link) : 0,
				xattr_bytes(ln->xattrs, ln->n_xattrs),
				ln->n_xattrs);
}

uint64_t stage_dentry_cost(const struct stage *st, const struct sdentry *de)
{
	const struct snode *n = de->node;
	uint64_t xb = 0;
	uint32_t cnt = 0;

	if (n->xa) {
		for (uint32_t i = 0; i < n->xa->n; i++)
			xb += strlen(n->xa->v[i].name) + n->xa->v[i].len;
		cnt = n->xa->n;
	} else {
		const struct idx_xattr *lx = stage_lower_xattrs(st, n, &cnt);

		xb = xattr_bytes(lx, cnt);
	}
	return stage_entry_cost(n->mode, strlen(de->name),
				n->link ? strlen(n->link) : 0, xb, cnt);
}
