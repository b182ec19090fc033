/* discard.c — drop every pending change (discard), or move the staged
 * changes onto an empty disc after a blank (rebase), and say beforehand
 * what a blank could not keep. Neither may run while a burn holds a
 * snapshot. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "burnfs/log.h"
#include "stage/stage_priv.h"

/* The journal is emptied first, in place (a full cache disk has no room
 * for a new one, and discarding is how room is made): if that fails,
 * nothing changed. */
int stage_discard(struct stage *st, struct index *lower)
{
	int ret;

	STAGE_LOCK(st);
	ret = st->readonly ? -EROFS : st->frozen ? -EBUSY : 0;
	if (!ret && !lower)
		lower = st->lower;
	if (!ret)
		ret = stage_cache_alive(st);
	if (!ret)
		ret = stage_journal_reset(st, lower);
	if (ret)
		goto out;
	if (lower == st->lower) {
		ret = stage_tree_revert(st);  /* nodes from the disc stay */
	} else {
		stage_tree_free(st);
		index_unref(st->lower);
		st->lower = index_ref(lower);
		ret = stage_tree_init(st);
		if (!ret)
			ret = stage_link_lower_hardlinks(st);
	}
	stage_data_gc(st);
	st->gen++;
out:
	stage_count_stale(st);
	STAGE_UNLOCK(st);
	return ret;
}

/* A disc entry with a staged change of its own: renamed, given another
 * name, or with changed content, attributes or xattrs. */
static bool edited(const struct stage *st, const struct sdentry *de)
{
	return de->lower == IDX_NONE || stage_dentry_moved(st, de) ||
	       stage_node_changed(st, de->node);
}

/* An edited disc file whose bytes only the disc holds, or a restored
 * file not written since (its bytes are an older session's): a blank
 * loses it.
 * Everything else of an edit survives (folders, symlinks, devices and
 * empty files are whole in the stage; a copied-up file's bytes are in the
 * cache). */
static bool lost_by_blank(const struct stage *st, const struct sdentry *de)
{
	const struct snode *n = de->node;

	return (n->origin != IDX_NONE || n->rsrc) && S_ISREG(n->mode) &&
	       !n->data_id && n->size > 0 && (n->rsrc || edited(st, de));
}

struct lost {
	char *text;
	size_t size, len;
	unsigned count;
	char *path;            /* grown as deep as staging/ goes */
	size_t pcap;
	int err;
};

/* Room in l->path for len bytes; false (l->err set) without memory. */
static bool lost_room(struct lost *l, size_t len)
{
	char *p;

	if (len <= l->pcap)
		return true;
	p = realloc(l->path, len * 2);
	if (!p) {
		l->err = -ENOMEM;
		return false;
	}
	l->path = p;
	l->pcap = len * 2;
	return true;
}

/* Name lost entries below dir (path of dir in l->path, length plen). */
static void find_lost(struct stage *st, const struct snode *dir, size_t plen,
		      struct lost *l)
{
	const struct sdentry *de;

	if (!dir->materialized)
		return;  /* nothing below was touched */
	for (de = dir->children; de && !l->err; de = de->sib_next) {
		size_t nl = strlen(de->name);

		if (!lost_room(l, plen + nl + 2))
			return;
		l->path[plen] = '/';
		memcpy(l->path + plen + 1, de->name, nl + 1);
		if (lost_by_blank(st, de) && l->count++ < 5 && l->len < l->size)
			l->len += (size_t)snprintf(l->text + l->len,
						   l->size - l->len, "%s%s",
						   l->count > 1 ? ", " : "", l->path);
		if (S_ISDIR(de->node->mode))
			find_lost(st, de->node, plen + 1 + nl, l);
	}
}

int stage_blank_check(struct stage *st, char *why, size_t size)
{
	char names[300];
	struct lost l = { .text = names, .size = sizeof(names) };

	names[0] = '\0';
	STAGE_LOCK(st);
	find_lost(st, st->root->node, 0, &l);
	STAGE_UNLOCK(st);
	free(l.path);
	if (l.err) {
		snprintf(why, size, "out of memory looking for the staged "
			 "changes a blank would lose");
		return l.err;
	}
	if (!l.count)
		return 0;
	snprintf(why, size, "staged changes of %u disc file%s whose content "
		 "is only on the disc would not survive the blank (%s%s): "
		 "delete %s in staging/ or discard, then blank again", l.count,
		 l.count > 1 ? "s" : "", names, l.count > 5 ? ", ..." : "",
		 l.count > 1 ? "them" : "it");
	return -EBUSY;
}

/* Keep what has no origin and what an edit made whole in the stage (see
 * lost_by_blank), with their folders; disc entries go, and what stays
 * of a restore is a new entry. Returns whether dir
 * still holds something. */
static bool prune_dir(struct stage *st, struct snode *dir)
{
	struct sdentry *de = dir->children, *next;

	if (!dir->materialized) {
		dir->materialized = true;
		return false;
	}
	for (; de; de = next) {
		struct snode *n = de->node;
		bool keep, kept_below = false;

		next = de->sib_next;
		if (S_ISDIR(n->mode))
			kept_below = prune_dir(st, n);
		keep = (n->origin == IDX_NONE && !n->rsrc) || kept_below ||
		       n->data_id || (edited(st, de) && !lost_by_blank(st, de));
		if (!keep && lost_by_blank(st, de))
			blog_warn("stage: blank: dropped the staged changes of "
				  "%s (its content was only on the disc)", de->name);
		if (!keep) {
			stage_dentry_remove(st, de);
			continue;
		}
		de->lower = IDX_NONE;
		stage_restored_forget(n);
		free(de->rfrom);
		de->rfrom = NULL;
	}
	return dir->nchild > 0;
}

/* A disc entry that stays after a blank becomes a new entry: it keeps
 * its xattrs (copied before the origin goes) and forgets its origin. */
static void own_all(struct stage *st, struct snode *dir)
{
	struct sdentry *de;

	for (de = dir->children; de; de = de->sib_next) {
		struct snode *n = de->node;

		if (n->origin != IDX_NONE && !n->xa) {
			uint32_t cnt;
			const struct idx_xattr *lx = stage_lower_xattrs(st, n, &cnt);

			for (uint32_t i = 0; i < cnt; i++)
				stage_xattr_set(st, n, lx[i].name, lx[i].value,
						lx[i].len, 0);
		}
		if (S_ISDIR(n->mode) && n->materialized)
			own_all(st, n);
		n->origin = IDX_NONE;
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
	prune_dir(st, st->root->node);
	own_all(st, st->root->node);
	for (struct snode *n = st->open_nodes; n; n = n->onext) {
		if (!n->nlink && n->origin != IDX_NONE && !n->data_id &&
		    S_ISREG(n->mode))
			stage_node_copy_up(st, n, true);
		if (!n->nlink)
			n->origin = IDX_NONE;
	}
	old = st->lower;
	st->lower = index_ref(lower);
	index_unref(old);
	st->root->node->origin = IDX_ROOT;
	st->root->lower = IDX_ROOT;
	ret = stage_tree_dump_journal(st);
	stage_data_gc(st);
	st->gen++;
out:
	stage_count_stale(st);
	STAGE_UNLOCK(st);
	if (!ret)
		stage_tell_rebased(st);
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
