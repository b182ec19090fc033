/* revert.c — discard in place. The merged tree goes back to the lower
 * layer while every node that came from it stays the same object, so the
 * kernel's inodes, open files and a shell's current folder stay valid, and
 * only what changes is queued for the kernel to forget: the names of new
 * and moved entries, the disc's names that were missing (the kernel may
 * cache them as missing), and the nodes whose attributes or content go
 * back to the disc's. Nodes from the disc keep their lookups, handles and
 * inode numbers; entries made in staging go. Stage lock held throughout. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "stage/stage_priv.h"

struct revert {
	struct stage *st;
	struct snode **keep;   /* lower id -> the node that came from it */
	uint32_t n;
	uint32_t mark;         /* set on folders that were materialized */
};

/* Every node that came from the lower layer, each holding a reference. */
static void collect(struct revert *rv, struct snode *dir)
{
	struct sdentry *de;

	dir->mark = rv->mark;
	for (de = dir->children; de; de = de->sib_next) {
		struct snode *n = de->node;

		if (n->origin != IDX_NONE && n->origin < rv->n &&
		    !rv->keep[n->origin]) {
			rv->keep[n->origin] = n;
			n->ref++;
		}
		if (S_ISDIR(n->mode) && n->materialized && n->mark != rv->mark)
			collect(rv, n);
	}
}

/* Is de the disc's name for its node, where the disc has it? Then it
 * comes back as it is and the kernel need not forget it. */
static bool in_place(const struct revert *rv, const struct sdentry *de)
{
	const struct index *lower = rv->st->lower;
	uint32_t parent;
	uint64_t ino;

	if (de->lower == IDX_NONE || de->node->origin == IDX_NONE ||
	    rv->keep[de->node->origin] != de->node)
		return false;
	parent = index_parent(lower, de->lower);
	if (parent == IDX_NONE || parent != de->parent->origin ||
	    rv->keep[parent] != de->parent ||
	    strcmp(index_name(lower, de->lower), de->name))
		return false;
	if (de->node->origin == de->lower)
		return true;
	ino = index_ino(lower, de->lower);  /* a hard link */
	return S_ISREG(index_mode(lower, de->lower)) && ino &&
	       index_ino(lower, de->node->origin) == ino;
}

/* The disc's names a kept folder the kernel knows did not show. */
static void queue_missing(struct revert *rv, struct snode *dir)
{
	const struct index *lower = rv->st->lower;

	if (!dir->nlookup || !S_ISDIR(index_mode(lower, dir->origin)))
		return;
	for (uint32_t c = index_first_child(lower, dir->origin); c != IDX_NONE;
	     c = index_next_sibling(lower, c)) {
		const char *name = index_name(lower, c);

		if (!stage_dir_find(rv->st, dir, name))
			stage_inval_dentry(rv->st, dir, name);
	}
}

/* Take every name out, deepest first; names that come back stay quiet. */
static void strip(struct revert *rv, struct snode *dir)
{
	struct stage *st = rv->st;

	if (dir->mark == rv->mark && dir->origin != IDX_NONE &&
	    rv->keep[dir->origin] == dir)
		queue_missing(rv, dir);
	while (dir->children) {
		struct sdentry *de = dir->children;

		if (S_ISDIR(de->node->mode))
			strip(rv, de->node);
		st->quiet = in_place(rv, de);
		stage_dentry_remove(st, de);
		st->quiet = false;
	}
}

/* n becomes lower entry id again. */
static void reset(struct revert *rv, struct snode *n, uint32_t id)
{
	struct stage *st = rv->st;
	struct idx_node view, *ln = &view;
	bool changed;

	index_get(st->lower, id, ln);
	changed = n->data_id || n->xa || stage_node_changed(st, n) ||
		  n->size != ln->size || S_ISDIR(n->mode);

	stage_node_drop_data(st, n);
	stage_xattrs_free(n->xa);
	n->xa = NULL;
	free(n->link);
	n->link = ln->link ? strdup(ln->link) : NULL;
	n->origin = id;
	stage_node_take_lower_attrs(n, ln);
	n->materialized = !S_ISDIR(n->mode);
	if (changed)
		stage_inval_node(st, n);
}

/* The folders that were materialized, again, with their old nodes. */
static int remat(struct revert *rv, struct snode *dir)
{
	struct sdentry *de;
	int ret = stage_dir_materialize(rv->st, dir);

	for (de = dir->children; !ret && de; de = de->sib_next)
		if (S_ISDIR(de->node->mode) && de->node->mark == rv->mark)
			ret = remat(rv, de->node);
	return ret;
}

int stage_tree_revert(struct stage *st)
{
	struct snode *root = st->root->node;
	struct revert rv = { .st = st, .n = index_count(st->lower),
			     .mark = ++st->markgen };
	int ret;

	rv.keep = calloc(rv.n + 1, sizeof(*rv.keep));
	if (!rv.keep)
		return -ENOMEM;
	rv.keep[IDX_ROOT] = root;
	root->ref++;
	collect(&rv, root);
	strip(&rv, root);
	for (uint32_t id = 0; id < rv.n; id++)
		if (rv.keep[id])
			reset(&rv, rv.keep[id], id);
	root->ref--;            /* the root stays in the tree */
	rv.keep[IDX_ROOT] = NULL;
	st->reuse = rv.keep;
	st->nreuse = rv.n;
	ret = remat(&rv, root);
	if (!ret)
		ret = stage_link_lower_hardlinks(st);
	st->reuse = NULL;
	for (uint32_t id = 0; id < rv.n; id++)
		if (rv.keep[id])
			stage_node_unref(st, rv.keep[id]);
	free(rv.keep);
	return ret;
}
