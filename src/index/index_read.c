/* index_read.c — file content and stat of index nodes. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "burnfs/index.h"
#include "index/index_priv.h"

#define ISO_BLOCK 2048u

/* Map [off, off+len) onto the extents; an extent's data is contiguous
 * from block*2048 for size bytes. The caller has cut len to the file's
 * size. Every byte asked for is read or the whole call fails with -EIO: a
 * short count would be taken for the end of the file, and cat or cp would
 * exit 0 with fewer bytes than stat shows (an extent past the end of a cut
 * image, extents shorter than the recorded size). */
ssize_t index_read_stored(const struct index *idx, const struct idx_node *n,
			  void *buf, size_t len, uint64_t off)
{
	uint64_t ext_start = 0;
	size_t done = 0;
	uint32_t i;

	for (i = 0; i < n->n_extents && done < len; i++) {
		const struct idx_extent *e = &n->extents[i];
		uint64_t pos = off + done;

		if (pos < ext_start + e->size) {
			uint64_t in = pos - ext_start;
			size_t chunk = e->size - in;
			ssize_t got;

			if (chunk > len - done)
				chunk = len - done;
			got = index_pread(idx, (char *)buf + done, chunk,
					  (uint64_t)e->block * ISO_BLOCK + in);
			if (got < 0)
				return got;
			if ((size_t)got < chunk)
				return -EIO;
			done += (size_t)got;
		}
		ext_start += e->size;
	}
	return done < len ? -EIO : (ssize_t)done;
}

ssize_t index_read(const struct index *idx, uint32_t id, void *buf, size_t len,
		   uint64_t off)
{
	struct idx_node n;

	if (index_get(idx, id, &n))
		return -ENOENT;
	if (!S_ISREG(n.mode))
		return -EISDIR;
	if (off >= n.size)
		return 0;
	if (len > n.size - off)
		len = (size_t)(n.size - off);
	if (n.zisofs)
		return index_zisofs_read(idx, id, &n, buf, len, off);
	return index_read_stored(idx, &n, buf, len, off);
}

void index_stat(const struct index *idx, uint32_t id, struct stat *st)
{
	struct idx_node view, *n = &view;

	memset(st, 0, sizeof(*st));
	if (index_get(idx, id, n))
		return;
	/* Rock Ridge inode numbers are 32-bit: entries without one get
	 * numbers above that range so they never collide with a file's. */
	st->st_ino = n->ino ? n->ino : (ino_t)id + 1 + (1ull << 32);
	st->st_mode = n->mode;
	st->st_nlink = n->nlink;
	st->st_uid = n->uid;
	st->st_gid = n->gid;
	st->st_rdev = n->rdev;
	st->st_size = S_ISLNK(n->mode) && n->link ? (off_t)strlen(n->link)
						  : (off_t)n->size;
	st->st_blksize = ISO_BLOCK;
	st->st_blocks = (blkcnt_t)((n->size + 511) / 512);
	st->st_atim = n->atime;
	st->st_mtim = n->mtime;
	st->st_ctim = n->ctime;
}
