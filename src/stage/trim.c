/* trim.c — folders the kernel has forgotten give their disc entries back
 * to the lower index. Listing a folder gives each of its disc entries a
 * name and a node in the merged tree (tree.c, stage_dir_materialize), and
 * nothing took them back: after a walk the daemon kept about 0.4 KiB per
 * entry for as long as it ran, even once the kernel had dropped its own
 * inodes under memory pressure. When the kernel forgets a folder (or the
 * last looked-up child of a folder it forgot before), a folder whose every
 * entry is exactly what materializing would make again, and that nothing
 * holds, goes back to unlisted: the next lookup makes the same nodes, with
 * the same inode numbers, from the same index. Anything else (a change of
 * any kind, an open file, a listing in progress, a commit's snapshot, hard
 * links, a folder beneath that stays listed) keeps the folder as it is. A
 * commit running meanwhile is no exception: memory is shortest then. */
#include <string.h>
#include <sys/stat.h>

#include "stage/stage_priv.h"

static bool same_ts(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* Nothing but the name holds n, and n has nothing of its own. */
static bool held_only_by_name(const struct sdentry *de)
{
	const struct snode *n = de->node;

	return de->ref == 1 && !de->rfrom && !de->dead && n->ref == 1 &&
	       n->nlink == 1 && n->aliases == de && !de->alias_next &&
	       !n->nlookup && !n->nopen && n->fd < 0 && !n->hqueued &&
	       !n->in_snap && !n->data_id && !n->rsrc && !n->xa &&
	       !n->wb_error && !(S_ISDIR(n->mode) && n->materialized);
}

/* Would stage_dir_materialize make de and its node exactly as they are?
 * Every field node_from_lower sets, times to the nanosecond. */
static bool as_materialized(const struct stage *st, const struct sdentry *de)
{
	const struct snode *n = de->node;
	struct idx_node view, *ln = &view;

	if (de->lower == IDX_NONE || n->origin != de->lower ||
	    !held_only_by_name(de) || stage_dentry_moved(st, de) ||
	    index_get(st->lower, de->lower, ln))
		return false;
	if (!S_ISDIR(ln->mode) && ln->nlink > 1)
		return false;   /* hardlink.c's merged nodes */
	return n->mode == ln->mode && n->uid == ln->uid && n->gid == ln->gid &&
	       n->rdev == ln->rdev && n->size == ln->size &&
	       same_ts(&n->atime, &ln->atime) && same_ts(&n->mtime, &ln->mtime) &&
	       same_ts(&n->ctime, &ln->ctime) &&
	       !strcmp(n->link ? n->link : "", ln->link ? ln->link : "") &&
	       n->ino == stage_lower_ino(de->lower, ln);
}

static bool trimmable(const struct stage *st, const struct snode *dir)
{
	uint32_t id, cnt = 0, lower_nlink;
	const struct sdentry *de;

	/* While frozen too: a commit's snapshot holds a reference on every
	 * entry it copied (failing the checks above), and takes what is
	 * beneath a folder it keeps as the disc holds it from the index. */
	if (st->closing || !dir->materialized ||
	    !S_ISDIR(dir->mode) || dir->origin == IDX_NONE || !dir->aliases ||
	    !st->root || dir == st->root->node)
		return false;
	for (de = dir->children; de; de = de->sib_next, cnt++)
		if (!as_materialized(st, de))
			return false;
	/* as many names as the lower folder has: none removed */
	for (id = index_first_child(st->lower, dir->origin); id != IDX_NONE;
	     id = index_next_sibling(st->lower, id))
		cnt--;
	/* its link count would come from the index instead */
	lower_nlink = index_nlink(st->lower, dir->origin);
	return cnt == 0 && (lower_nlink >= 2 ? lower_nlink : 2) == 2 + dir->nsubdir;
}

void stage_dir_trim(struct stage *st, struct snode *dir)
{
	if (!trimmable(st, dir))
		return;
	st->trimmed += dir->nchild;
	while (dir->children)
		stage_dentry_unmaterialize(st, dir->children);
	dir->materialized = false;
}

/* The allocator keeps freed pages until later allocations decay them,
 * which an idle daemon never makes: after this many nodes given back the
 * forget hands the pages back itself (alloc_release, a few madvise calls),
 * so a walk's memory leaves when the kernel's does. */
#define TRIM_RELEASE_NODES 16384

bool stage_trim_take_release(struct stage *st)
{
	if (st->trimmed < TRIM_RELEASE_NODES)
		return false;
	st->trimmed = 0;
	stage_tables_fit(st);
	return true;
}

size_t stage_node_count(struct stage *st)
{
	size_t n;

	STAGE_LOCK_NODRAIN(st);
	n = st->icount;
	STAGE_UNLOCK(st);
	return n;
}
