/* discard.c — drop every pending change (discard), or move the staged
 * changes onto an empty disc after a blank (rebase). Neither may run while
 * a burn holds a snapshot. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "burnfs/log.h"
#include "stage/stage_priv.h"

int stage_discard(struct stage *st, struct index *lower)
{
	int ret;

	STAGE_LOCK(st);
	ret = st->readonly ? -EROFS : st->frozen ? -EBUSY : 0;
	if (ret)
		goto out;
	tree_free(st);
	if (lower && lower != st->lower) {
		index_unref(st->lower);
		st->lower = index_ref(lower);
	}
	ret = tree_init(st);
	if (!ret)
		ret = link_lower_hardlinks(st);
	if (!ret)
		ret = journal_rewrite(st, NULL, 0);
	data_gc(st);
	st->gen++;
out:
	STAGE_UNLOCK(st);
	return ret;
}

/* Keep what has no origin, with its folders; everything from the disc goes,
 * restored entries too (unless written since: then their data is staged).
 * Returns whether dir still holds something. */
static bool prune_dir(struct stage *st, struct snode *dir)
{
	struct sdentry *de = dir->children, *next;

	if (!dir->materialized) {
		dir->materialized = true;
		return false;
	}
	for (; de; de = next) {
		struct snode *n = de->node;
		bool keep;

		next = de->sib_next;
		if (S_ISDIR(n->mode))
			keep = prune_dir(st, n) || (n->origin == IDX_NONE && !n->rsrc);
		else
			keep = n->origin == IDX_NONE && (!n->rsrc || n->data_id);
		if (!keep) {
			dentry_remove(st, de);
			continue;
		}
		de->lower = IDX_NONE;
		n->origin = IDX_NONE;
		restored_forget(n);
		free(de->rfrom);
		de->rfrom = NULL;
	}
	return dir->nchild > 0;
}

/* A new node from the disc keeps its xattrs: copy them before the origin
 * goes. */
static void own_all_xattrs(struct stage *st, struct snode *dir)
{
	struct sdentry *de;

	for (de = dir->children; de; de = de->sib_next) {
		if (de->node->origin != IDX_NONE && !de->node->xa) {
			uint32_t cnt;
			const struct idx_xattr *lx = lower_xattrs(st, de->node, &cnt);

			for (uint32_t i = 0; i < cnt; i++)
				xattr_set(st, de->node, lx[i].name, lx[i].value,
					  lx[i].len, 0);
		}
		if (S_ISDIR(de->node->mode) && de->node->materialized)
			own_all_xattrs(st, de->node);
	}
}

int stage_rebase(struct stage *st, struct index *lower)
{
	struct index *old;
	int ret;

	STAGE_LOCK(st);
	ret = st->frozen ? -EBUSY : 0;
	if (ret)
		goto out;
	own_all_xattrs(st, st->root->node);
	prune_dir(st, st->root->node);
	for (struct snode *n = st->open_nodes; n; n = n->onext) {
		if (!n->nlink && n->origin != IDX_NONE && !n->data_id &&
		    S_ISREG(n->mode))
			node_copy_up(st, n, true);
		if (!n->nlink)
			n->origin = IDX_NONE;
	}
	old = st->lower;
	st->lower = index_ref(lower);
	index_unref(old);
	st->root->node->origin = IDX_ROOT;
	st->root->lower = IDX_ROOT;
	ret = tree_dump_journal(st);
	data_gc(st);
	st->gen++;
out:
	STAGE_UNLOCK(st);
	return ret;
}

struct index *stage_lower(struct stage *st)
{
	struct index *lower;

	STAGE_LOCK(st);
	lower = index_ref(st->lower);
	STAGE_UNLOCK(st);
	return lower;
}
