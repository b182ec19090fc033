/* view.c — reading an index's compact nodes: a whole node as the struct
 * idx_node the rest of burnfs knows, or one hot field at a time. */
#include <errno.h>
#include <stdlib.h>

#include "index/store.h"

static int cmp_nlink(const void *key, const void *elem)
{
	uint32_t id = *(const uint32_t *)key;
	uint32_t e = ((const struct idx_nlink *)elem)->id;

	return id < e ? -1 : id > e;
}

static uint32_t node_nlink(const struct index *idx, uint32_t id,
			   const struct cnode *c)
{
	const struct idx_nlink *l;

	if (store_is_dir(idx, c))
		return c->u.dir.nlink;
	if (!(c->attr & CN_LINKS))
		return 1;
	l = bsearch(&id, idx->links, idx->n_links, sizeof(*l), cmp_nlink);
	return l ? l->nlink : 1;
}

/* The side table's fields over the node's. */
static void take_extra(const struct index *idx, uint32_t id,
		       struct idx_node *out)
{
	const struct idx_extra *x = index_extra_find(idx, id);

	if (!x)
		return;
	out->ino = x->ino;
	out->size = x->size;
	out->rdev = x->rdev;
	out->link = x->link;
	out->n_extents = x->n_extents;
	out->extents = x->extents;
	out->n_xattrs = x->n_xattrs;
	out->xattrs = x->xattrs;
	out->atime = x->atime;
	out->mtime = x->mtime;
	out->ctime = x->ctime;
}

int index_get(const struct index *idx, uint32_t id, struct idx_node *out)
{
	const struct cnode *c;
	const struct idx_attr *a;

	if (id >= idx->n) {
		*out = (struct idx_node){ .parent = IDX_NONE,
			.first_child = IDX_NONE, .next_sibling = IDX_NONE,
			.name = "" };
		return -ENOENT;
	}
	c = &idx->nodes[id];
	a = store_attr(idx, c);
	*out = (struct idx_node){ .parent = c->parent,
		.first_child = c->first_child, .next_sibling = c->next_sibling,
		.name = idx->names + c->name, .mode = a->mode, .uid = a->uid,
		.gid = a->gid, .nlink = node_nlink(idx, id, c), .ino = c->ino,
		.size = c->size, .atime.tv_sec = c->sec[0],
		.mtime.tv_sec = c->sec[1], .ctime.tv_sec = c->sec[2],
		.zisofs = !!(c->attr & CN_ZISOFS),
		.attrs_lost = !!(c->attr & CN_LOST) };
	if (c->attr & CN_EXT0) {
		out->n_extents = 1;
		out->extents = &c->u.ext0;
	}
	if (c->attr & CN_EXTRA)
		take_extra(idx, id, out);
	return 0;
}

uint32_t index_parent(const struct index *idx, uint32_t id)
{
	return id < idx->n ? idx->nodes[id].parent : IDX_NONE;
}

uint32_t index_first_child(const struct index *idx, uint32_t id)
{
	return id < idx->n ? idx->nodes[id].first_child : IDX_NONE;
}

uint32_t index_next_sibling(const struct index *idx, uint32_t id)
{
	return id < idx->n ? idx->nodes[id].next_sibling : IDX_NONE;
}

const char *index_name(const struct index *idx, uint32_t id)
{
	return id < idx->n ? idx->names + idx->nodes[id].name : "";
}

mode_t index_mode(const struct index *idx, uint32_t id)
{
	return id < idx->n ? store_attr(idx, &idx->nodes[id])->mode : 0;
}

uint64_t index_ino(const struct index *idx, uint32_t id)
{
	const struct idx_extra *x;

	if (id >= idx->n)
		return 0;
	if (!(idx->nodes[id].attr & CN_EXTRA))
		return idx->nodes[id].ino;
	x = index_extra_find(idx, id);
	return x ? x->ino : 0;
}

uint32_t index_nlink(const struct index *idx, uint32_t id)
{
	return id < idx->n ? node_nlink(idx, id, &idx->nodes[id]) : 0;
}
