/* share.c — a copy of a disc file that copies nothing. cp (coreutils 9)
 * asks for copy_file_range of the whole file into the new, empty one;
 * when the source's bytes are on the disc (the newest session's, or a
 * restored session's), the copy becomes a reference to the same entry,
 * as a restored file is (snode->rsrc/rid): reads come from the disc, the
 * cache gets no bytes, and the commit points the new name at the blocks
 * the data already has (imgfmt's foreign.c), so the session grows by
 * directory records only. Writing into the copy copies it into the cache
 * first, as for any disc file. A file of sessions/N copied into staging/
 * is shared the same way. Anything else (part of a file, a staged
 * source, a destination that is not empty and new) is -EOPNOTSUPP, and
 * the kernel copies the bytes itself.
 *
 * One J_SHARE record journals it: p1 the destination, p2 the source's
 * path in session `id`, flags that session's start block (replay skips
 * the record when the disc no longer has that session there). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "stage/stage_priv.h"

/* fuse_write_out carries a 32-bit count: bigger files are copied */
#define SHARE_MAX 0xfffff000ull

/* dst's content from now on: entry sid of src (its size, no data file). */
static void point_at(struct stage *st, struct snode *dst, struct index *src,
		     uint32_t sid, const struct timespec *ts)
{
	struct idx_node view, *ln = &view;

	index_get(src, sid, ln);
	stage_node_drop_data(st, dst);
	stage_restored_forget(dst);
	dst->rsrc = index_ref(src);
	dst->rid = sid;
	dst->size = ln->size;
	dst->mtime = dst->ctime = *ts;
	stage_count_node(st, dst);
	st->gen++;
}

/* Can dst, a new empty file, become entry sid of idx (copied whole)?
 * Not while a burn holds dst (created before its freeze): the commit
 * would take the empty file it burned for the shared one. */
static bool can_share(const struct stage *st, const struct index *idx,
		      uint32_t sid, const struct snode *dst, uint64_t len)
{
	struct idx_node view, *ln = &view;

	if (st->readonly || !S_ISREG(dst->mode) || dst->size ||
	    dst->origin != IDX_NONE || dst->rsrc || dst->in_snap ||
	    index_get(idx, sid, ln))
		return false;
	return S_ISREG(ln->mode) && ln->size && ln->size <= len &&
	       ln->size <= SHARE_MAX;
}

static int share_locked(struct stage *st, struct index *idx, uint32_t sid,
			struct snode *dst)
{
	const struct idx_info *info = index_info(idx);
	struct jrec r = { .op = J_SHARE, .id = (uint64_t)info->session,
			  .flags = info->start_lba };
	char *to = NULL, *from = NULL;
	int ret = 0;

	stage_now_ts(&r.ts);
	/* write-ahead, under the destination's first name (an unlinked
	 * file has none: nothing to replay) */
	if (dst->aliases) {
		ret = stage_node_path_dup(dst->aliases, &to);
		if (ret >= 0)
			ret = stage_index_path_dup(idx, sid, "", &from);
		r.p1 = to;
		r.p2 = from;
		if (ret >= 0)
			ret = stage_journal_append(st, &r, NULL);
	}
	if (ret >= 0)
		point_at(st, dst, idx, sid, &r.ts);
	free(to);
	free(from);
	return ret < 0 ? ret : 0;
}

/* Stage lock held. */
static ssize_t share_entry(struct stage *st, struct index *idx, uint32_t sid,
			   struct snode *dst, size_t len)
{
	int ret;

	if (!can_share(st, idx, sid, dst, len))
		return -EOPNOTSUPP;
	ret = share_locked(st, idx, sid, dst);
	return ret ? ret : (ssize_t)dst->size;
}

ssize_t stage_share(struct stage *st, struct stage_file *in, off_t off_in,
		    struct stage_file *out, off_t off_out, size_t len)
{
	struct snode *src = in->node;
	struct index *idx;
	uint32_t sid;
	ssize_t ret = -EOPNOTSUPP;

	if (off_in || off_out)
		return -EOPNOTSUPP;
	STAGE_LOCK(st);
	/* only bytes the disc holds: not a file written since */
	if (src != out->node && S_ISREG(src->mode) && stage_node_on_disc(src) &&
	    (idx = stage_node_src(st, src, &sid)))
		ret = share_entry(st, idx, sid, out->node, len);
	STAGE_UNLOCK(st);
	return ret;
}

ssize_t stage_share_entry(struct stage *st, struct index *src, uint32_t id,
			  off_t off_in, struct stage_file *out, off_t off_out,
			  size_t len)
{
	ssize_t ret;

	if (off_in || off_out)
		return -EOPNOTSUPP;
	STAGE_LOCK(st);
	ret = share_entry(st, src, id, out->node, len);
	STAGE_UNLOCK(st);
	return ret;
}

int stage_share_apply(struct stage *st, const struct jrec *r)
{
	struct index *src = NULL;
	struct sdentry *de;
	int64_t sid;
	int ret = stage_path_resolve(st, r->p1, &de);

	if (!ret && !S_ISREG(de->node->mode))
		ret = -EINVAL;
	if (!ret)
		ret = stage_restore_source(r, &src);
	if (ret)
		return ret;
	sid = index_resolve(src, r->p2);
	if (sid < 0 || !S_ISREG(index_mode(src, (uint32_t)sid)))
		ret = sid < 0 ? (int)sid : -EINVAL;
	else
		point_at(st, de->node, src, (uint32_t)sid, &r->ts);
	index_unref(src);
	return ret;
}
