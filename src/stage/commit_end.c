/* commit_end.c — the end of a burn, as the stage sees it. stage_commit_done
 * rebases the tree in place onto the session just written: every name
 * present at the freeze takes the new lower id of its freeze-time path,
 * nodes whose data file was frozen drop it (the disc holds that content
 * now), changes made since the freeze stay. Node identity is kept, so open
 * handles keep working. stage_commit_failed thaws: every change stays
 * pending. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "burnfs/log.h"
#include "stage/stage_priv.h"

struct rebase {
	struct stage *st;
	const struct stage_snapshot *snap;
	struct index *nl;   /* the new lower */
	uint32_t *map;      /* old lower id -> new lower id */
	uint32_t mark;
};

static uint32_t lookup_new(struct rebase *rb, uint32_t dir, const char *name)
{
	int64_t id;

	if (dir == IDX_NONE)
		return IDX_NONE;
	id = index_lookup(rb->nl, dir, name);
	return id < 0 ? IDX_NONE : (uint32_t)id;
}

/* Snapshot entry sn sits at new lower id nid: remember it both ways. A
 * clean folder's entries are made from the old lower one folder at a
 * time: an open file in there needs its new id too. */
static int map_snap(struct rebase *rb, const struct snap_node *sn, uint32_t nid)
{
	struct sdentry *de = stage_snap_dentry(sn);
	struct snap_node **kids = sn->children;
	uint32_t i, n = sn->n_children;
	void *mem = NULL;
	int ret = 0;

	if (sn->origin != IDX_NONE && rb->map[sn->origin] == IDX_NONE)
		rb->map[sn->origin] = nid;
	if (de) {
		de->snap_lower = nid;
		de->node->snap_lower = nid;
	}
	if (sn->clean)
		ret = stage_snap_expand(rb->snap, sn, &kids, &n, &mem);
	for (i = 0; i < n && !ret; i++)
		ret = map_snap(rb, kids[i], lookup_new(rb, nid, kids[i]->name));
	stage_snap_expand_free(mem);
	return ret;
}

static uint32_t remap(const struct rebase *rb, uint32_t old)
{
	return old == IDX_NONE ? IDX_NONE : rb->map[old];
}

/* A folder's times the session recorded no longer count as set: later
 * entries made in it move them, which is no change of their own. Times
 * set again while the commit ran differ, and stay set. */
static void settle_times(struct rebase *rb, struct snode *n)
{
	struct idx_node ln;

	if (n->times_set && n->origin != IDX_NONE &&
	    !index_get(rb->nl, n->origin, &ln) &&
	    ln.mtime.tv_sec == n->mtime.tv_sec &&
	    ln.atime.tv_sec == n->atime.tv_sec)
		n->times_set = false;
}

static void rebase_node(struct rebase *rb, struct snode *n)
{
	if (n->mark == rb->mark)
		return;
	n->mark = rb->mark;
	n->origin = n->in_snap ? n->snap_lower : remap(rb, n->origin);
	settle_times(rb, n);
	/* a restored node the commit wrote is a disc node now */
	if (n->in_snap && n->origin != IDX_NONE)
		stage_restored_forget(n);
	/* the disc holds the frozen content now (handles read it there) */
	if (n->data_id && stage_data_is_frozen(rb->st, n->data_id) &&
	    n->origin != IDX_NONE)
		stage_node_drop_data(rb->st, n);
}

static void rebase_dir(struct rebase *rb, struct snode *dir)
{
	struct sdentry *de;

	for (de = dir->children; de; de = de->sib_next) {
		de->lower = de->in_snap ? de->snap_lower : remap(rb, de->lower);
		if (de->in_snap && de->lower != IDX_NONE) {
			free(de->rfrom);
			de->rfrom = NULL;
		}
		rebase_node(rb, de->node);
		if (S_ISDIR(de->node->mode) && de->node->materialized)
			rebase_dir(rb, de->node);
	}
}

/* An unlinked, open file whose content only the old session holds gets a
 * data file before the old session goes away. */
static void save_orphans(struct rebase *rb)
{
	struct snode *n;

	for (n = rb->st->open_nodes; n; n = n->onext) {
		if (n->nlink || n->data_id || n->origin == IDX_NONE ||
		    !S_ISREG(n->mode) || n->in_snap)
			continue;
		if (remap(rb, n->origin) == IDX_NONE &&
		    stage_node_copy_up(rb->st, n, true))
			blog_warn("stage: lost the content of an unlinked open file");
	}
}

/* Frozen data files nobody uses any more go, in the background. */
static void unfreeze(struct stage *st)
{
	st->frozen = false;
	free(st->frozen_ids);
	st->frozen_ids = NULL;
	st->n_frozen = 0;
	stage_hash_calm(st);
	stage_data_gc_later(st);
}

/* Every freeze-time entry's new lower id. Fails (ENOMEM) before anything
 * else changed: the rebase can be tried again. */
static int map_all(struct rebase *rb)
{
	size_t i, cnt = index_count(rb->st->lower);

	rb->map = malloc((cnt + 1) * sizeof(*rb->map));
	if (!rb->map)
		return -ENOMEM;
	for (i = 0; i < cnt; i++)
		rb->map[i] = IDX_NONE;
	if (map_snap(rb, rb->snap->root, IDX_ROOT)) {
		free(rb->map);
		return -ENOMEM;
	}
	return 0;
}

static void rebase_all(struct rebase *rb)
{
	struct stage *st = rb->st;

	save_orphans(rb);
	st->lower = index_ref(rb->nl);
	st->root->lower = IDX_ROOT;
	rebase_node(rb, st->root->node);
	st->root->node->origin = IDX_ROOT;
	rebase_dir(rb, st->root->node);
	for (struct snode *n = st->open_nodes; n; n = n->onext)
		rebase_node(rb, n);
}

/* BURNFS_TEST_REBASE_ENOMEM=N (tests only): the first N rebases run out
 * of memory. */
static bool test_out_of_memory(struct stage *st)
{
	if (st->test_rebase_enomem <= 0)
		return false;
	st->test_rebase_enomem--;
	return true;
}

/* Called with the lock held, st->snap the frozen snapshot. -ENOMEM leaves
 * the stage frozen and the rebase owed (st->owed_lower): the session is on
 * the disc, and the journal's FREEZE without a THAW already says so to a
 * remount. */
static int do_commit_done(struct stage *st, struct index *nl)
{
	struct stage_snapshot *snap = st->snap;
	struct rebase rb = { .st = st, .snap = snap, .nl = nl,
			     .mark = ++st->markgen };
	struct index *old = st->lower;
	int ret = test_out_of_memory(st) ? -ENOMEM : map_all(&rb);

	if (ret) {
		if (st->owed_lower != nl) {
			index_unref(st->owed_lower);
			st->owed_lower = index_ref(nl);
		}
		return ret;
	}
	rebase_all(&rb);
	st->snap = NULL;
	index_unref(st->owed_lower);
	st->owed_lower = NULL;
	stage_snapshot_release(st, snap);
	unfreeze(st);
	ret = stage_link_lower_hardlinks(st);
	/* Only a compaction: until it succeeds, the old journal replays the
	 * same (the FREEZE without THAW says the commit landed). */
	if (!ret)
		stage_journal_rewrite_tail(st);
	index_unref(old);
	free(rb.map);
	st->gen++;
	stage_count_stale(st);
	return ret;
}

int stage_commit_done(struct stage *st, struct stage_snapshot *snap,
		      struct index *new_lower)
{
	int ret;

	STAGE_LOCK(st);
	if (!st->frozen || st->snap != snap || st->owed_lower) {
		STAGE_UNLOCK(st);
		return -EINVAL;
	}
	ret = do_commit_done(st, new_lower);
	if (ret)
		blog_error("stage: after the commit: %s%s", strerror(-ret),
			   st->owed_lower ? " (the next command tries again)" : "");
	STAGE_UNLOCK(st);
	stage_tell_rebased(st);
	return ret;
}

int stage_take_owed(struct stage *st)
{
	bool owed;
	int ret = 0;

	STAGE_LOCK(st);
	owed = st->owed_lower != NULL;
	if (owed)
		ret = do_commit_done(st, st->owed_lower);
	if (owed && !ret)
		blog_info("stage: took in the session written before");
	else if (owed)
		blog_error("stage: taking in the session written before: %s",
			   strerror(-ret));
	STAGE_UNLOCK(st);
	if (owed && !ret)
		stage_tell_rebased(st);
	return ret;
}

static void thaw(struct stage *st, struct stage_snapshot *snap)
{
	struct jrec r = { .op = J_THAW };

	stage_now_ts(&r.ts);
	/* Owed if it fails: without it, a later mount on a newer session
	 * would take the commit for one that landed. */
	if (stage_journal_append_reserved(st, &r))
		st->jthaw = true;
	st->snap = NULL;
	stage_snapshot_release(st, snap);
	unfreeze(st);
}

void stage_commit_failed(struct stage *st, struct stage_snapshot *snap)
{
	STAGE_LOCK(st);
	if (st->frozen && st->snap == snap)
		thaw(st, snap);
	STAGE_UNLOCK(st);
}

/* Freeing the active snapshot without an outcome is a failed commit. */
void stage_snapshot_free(struct stage_snapshot *snap)
{
	struct stage *st;

	if (!snap)
		return;
	st = stage_snapshot_owner(snap);
	STAGE_LOCK(st);
	if (st->snap == snap)
		thaw(st, snap);
	else
		stage_snapshot_release(st, snap);
	STAGE_UNLOCK(st);
}
