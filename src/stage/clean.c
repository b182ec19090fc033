/* clean.c — which listed folders a commit's snapshot may leave out: those
 * where every entry beneath would be copied exactly as the lower index
 * holds it, so that the commit can keep them as the disc holds them. The
 * check compares every field the snapshot would copy (snapshot.c's
 * fill_from_node) with the lower entry rather than trusting a record of
 * what changed, so whatever path made a change, the folder is rebuilt. A
 * field the snapshot gains must be compared here too, or a change to it
 * in a listed folder would be kept from the disc. */
#include <string.h>
#include <sys/stat.h>

#include "burnfs/utf8.h"
#include "stage/stage_priv.h"

/* Would the snapshot copy de exactly as fill_from_lower makes its lower
 * entry? Every field fill_from_node takes. Hard links never: their names
 * span folders. */
static bool same_as_lower(const struct stage *st, const struct sdentry *de)
{
	const struct snode *n = de->node;
	struct idx_node view, *ln = &view;

	/* Such a name is placed anew, so the commit can leave it out of
	 * the Joliet tree (a folder kept whole would fail the write). */
	if (utf8_cut_short(de->name))
		return false;
	if (de->lower == IDX_NONE || de->rfrom || n->origin != de->lower ||
	    n->rsrc || n->data_id || stage_dentry_moved(st, de) ||
	    index_get(st->lower, de->lower, ln))
		return false;
	if (st->test_clean_lax)   /* tests: digest.c's guard must catch it */
		return true;
	if (n->mode != ln->mode || n->uid != ln->uid || n->gid != ln->gid ||
	    n->atime.tv_sec != ln->atime.tv_sec ||
	    n->mtime.tv_sec != ln->mtime.tv_sec ||
	    n->ctime.tv_sec != ln->ctime.tv_sec)
		return false;
	if ((S_ISCHR(n->mode) || S_ISBLK(n->mode)) && n->rdev != ln->rdev)
		return false;
	if (!S_ISDIR(n->mode) &&
	    (n->nlink != 1 || ln->nlink != 1 || n->size != ln->size))
		return false;
	if (strcmp(n->link ? n->link : "", ln->link ? ln->link : ""))
		return false;
	return !stage_xattrs_differ(st, n);
}

bool stage_mark_clean(struct stage *st, struct snode *dir)
{
	const struct index *lower = st->lower;
	bool clean = dir->origin != IDX_NONE;
	uint32_t id, cnt = 0;
	struct sdentry *de;

	for (de = dir->children; de; de = de->sib_next) {
		struct snode *c = de->node;
		bool sub = true;

		if (S_ISDIR(c->mode) && c->materialized)
			sub = stage_mark_clean(st, c);
		clean = clean && sub && same_as_lower(st, de);
		cnt++;
	}
	/* as many names as the lower folder had: none removed */
	for (id = clean ? index_first_child(lower, dir->origin) : IDX_NONE;
	     id != IDX_NONE; id = index_next_sibling(lower, id))
		cnt--;
	dir->snap_clean = clean && cnt == 0;
	return dir->snap_clean;
}
