/* nodes.c — adding nodes to an index being built: the compact record, the
 * name, the interned (mode, uid, gid) and, for the few nodes that need it,
 * a side-table record (store.h says what goes where). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "burnfs/grow.h"
#include "index/store.h"

static int resize(struct index *idx, uint32_t cap)
{
	struct cnode *nodes = realloc(idx->nodes, cap * sizeof(*nodes));

	if (!nodes)
		return -ENOMEM;
	idx->nodes = nodes;
	idx->cap = cap;
	return 0;
}

int index_reserve(struct index *idx, uint32_t n)
{
	return n > idx->cap ? resize(idx, n) : 0;
}

void index_store_shrink(struct index *idx)
{
	char *names;

	/* On failure each stays as it was: still correct. */
	if (idx->cap > idx->n)
		resize(idx, idx->n);
	names = realloc(idx->names, idx->names_len);
	if (names) {
		idx->names = names;
		idx->names_cap = idx->names_len;
	}
}

/* Offset of a copy of name in the names buffer; "" is always offset 0. */
static int64_t store_name(struct index *idx, const char *name)
{
	size_t len = strlen(name) + 1;
	uint32_t off = idx->names_len;

	if (len == 1)
		return 0;
	if (len > UINT32_MAX - off)
		return -EOVERFLOW;
	if (off + len > idx->names_cap) {
		size_t cap = (size_t)idx->names_cap * 2 + len;
		char *p;

		if (cap > UINT32_MAX)
			cap = UINT32_MAX;
		p = realloc(idx->names, cap);
		if (!p)
			return -ENOMEM;
		idx->names = p;
		idx->names_cap = (uint32_t)cap;
	}
	memcpy(idx->names + off, name, len);
	idx->names_len += (uint32_t)len;
	return off;
}

static uint32_t attr_key(const struct idx_attr *a)
{
	uint64_t h = ((uint64_t)a->uid << 32 | a->gid) ^
		     (uint64_t)a->mode * 0x9e3779b97f4a7c15ull;

	h *= 0xff51afd7ed558ccdull;
	return (uint32_t)(h >> 32);
}

/* The interning hash at twice the attributes' count (again after
 * index_finish() freed it). */
static int attr_rehash(struct index *idx)
{
	uint32_t size = 64, i, slot;

	while (size < idx->n_attrs * 4)
		size <<= 1;
	free(idx->attr_hash);
	idx->attr_hash = malloc(size * sizeof(*idx->attr_hash));
	if (!idx->attr_hash)
		return -ENOMEM;
	memset(idx->attr_hash, 0xff, size * sizeof(*idx->attr_hash));
	idx->attr_mask = size - 1;
	for (i = 0; i < idx->n_attrs; i++) {
		slot = attr_key(&idx->attrs[i]) & idx->attr_mask;
		while (idx->attr_hash[slot] != IDX_NONE)
			slot = (slot + 1) & idx->attr_mask;
		idx->attr_hash[slot] = i;
	}
	return 0;
}

static int64_t attr_append(struct index *idx, const struct idx_attr *a)
{
	int r;

	if (idx->n_attrs > CN_ATTR_MASK)
		return -EOVERFLOW;
	r = GROW(&idx->attrs, &idx->cap_attrs, (size_t)idx->n_attrs + 1, 16);
	if (r)
		return r;
	idx->attrs[idx->n_attrs] = *a;
	return idx->n_attrs++;
}

/* The attrs[] position of (mode, uid, gid), added when new. */
static int64_t intern(struct index *idx, const struct idx_node *t)
{
	struct idx_attr a = { t->mode, t->uid, t->gid };
	uint32_t slot;
	int64_t id;
	int ret;

	if ((!idx->attr_hash || idx->n_attrs * 2 > idx->attr_mask) &&
	    (ret = attr_rehash(idx)) < 0)
		return ret;
	slot = attr_key(&a) & idx->attr_mask;
	for (; idx->attr_hash[slot] != IDX_NONE; slot = (slot + 1) & idx->attr_mask) {
		const struct idx_attr *b = &idx->attrs[idx->attr_hash[slot]];

		if (b->mode == a.mode && b->uid == a.uid && b->gid == a.gid)
			return idx->attr_hash[slot];
	}
	id = attr_append(idx, &a);
	if (id >= 0)
		idx->attr_hash[slot] = (uint32_t)id;
	return id;
}

static bool fits(const struct timespec *t)
{
	return !t->tv_nsec && t->tv_sec >= 0 && t->tv_sec <= (time_t)UINT32_MAX;
}

/* Whether *t needs a side-table record. */
static bool rare(const struct idx_node *t)
{
	return t->link || t->rdev || t->n_xattrs || t->n_extents > 1 ||
	       (t->n_extents == 1 && !S_ISREG(t->mode)) ||
	       t->size > UINT32_MAX || t->ino > UINT32_MAX ||
	       !fits(&t->atime) || !fits(&t->mtime) || !fits(&t->ctime);
}

static int put_extra(struct index *idx, uint32_t id, const struct idx_node *t)
{
	struct idx_extra x = { .id = id, .ino = t->ino, .size = t->size,
		.rdev = t->rdev, .atime = t->atime, .mtime = t->mtime,
		.ctime = t->ctime };
	struct arena *a = &idx->arena;

	if (t->link && !(x.link = index_arena_strdup(a, t->link)))
		return -ENOMEM;
	if (t->n_extents && !(x.extents = index_arena_memdup(a, t->extents,
			t->n_extents * sizeof(*t->extents))))
		return -ENOMEM;
	if (t->n_xattrs && !(x.xattrs = index_arena_copy_xattrs(a, t->xattrs,
								t->n_xattrs)))
		return -ENOMEM;
	x.n_extents = t->n_extents;
	x.n_xattrs = t->n_xattrs;
	return index_extra_put(idx, &x);
}

int index_store_attrs(struct index *idx, uint32_t id,
		      const struct idx_node *t)
{
	struct cnode *c = &idx->nodes[id];
	bool had = c->attr & CN_EXTRA;
	int64_t a = intern(idx, t);

	if (a < 0)
		return (int)a;
	c->attr = (uint32_t)a | (had ? CN_EXTRA : 0) |
		  (t->zisofs ? CN_ZISOFS : 0) | (t->attrs_lost ? CN_LOST : 0);
	if (rare(t))
		return put_extra(idx, id, t);
	if (had)
		index_extra_drop(idx, id);
	c->ino = (uint32_t)t->ino;
	c->size = (uint32_t)t->size;
	c->sec[0] = (uint32_t)t->atime.tv_sec;
	c->sec[1] = (uint32_t)t->mtime.tv_sec;
	c->sec[2] = (uint32_t)t->ctime.tv_sec;
	if (S_ISREG(t->mode) && t->n_extents == 1) {
		c->u.ext0 = t->extents[0];
		c->attr |= CN_EXT0;
	}
	return 0;
}

void index_set_root(struct index *idx, const struct idx_node *tmpl)
{
	struct idx_node r = { .mode = S_IFDIR | (tmpl->mode & 07777),
		.uid = tmpl->uid, .gid = tmpl->gid, .atime = tmpl->atime,
		.mtime = tmpl->mtime, .ctime = tmpl->ctime, .ino = tmpl->ino,
		.n_xattrs = tmpl->n_xattrs, .xattrs = tmpl->xattrs };

	/* As before the compact layout: xattrs that cannot be copied are
	 * left out rather than the root's attributes. */
	if (index_store_attrs(idx, IDX_ROOT, &r) < 0 && r.n_xattrs) {
		r.n_xattrs = 0;
		index_store_attrs(idx, IDX_ROOT, &r);
	}
}

int64_t index_add(struct index *idx, uint32_t parent, const struct idx_node *tmpl)
{
	uint32_t id = idx->n;
	struct cnode *c, *p;
	int64_t name;
	int ret;

	if (parent >= idx->n || !store_is_dir(idx, &idx->nodes[parent]))
		return -ENOTDIR;
	if (idx->n == IDX_NONE - 1)
		return -EOVERFLOW;
	if (idx->n == idx->cap && (ret = resize(idx, idx->cap * 2)) < 0)
		return ret;
	name = store_name(idx, tmpl->name ? tmpl->name : "");
	if (name < 0)
		return name;
	c = &idx->nodes[id];
	*c = (struct cnode){ .parent = parent, .first_child = IDX_NONE,
		.next_sibling = IDX_NONE, .name = (uint32_t)name,
		.u.dir = { .last = IDX_NONE } };
	ret = index_store_attrs(idx, id, tmpl);
	if (ret < 0)
		return ret;
	p = &idx->nodes[parent];
	if (p->u.dir.last == IDX_NONE)
		p->first_child = id;
	else
		idx->nodes[p->u.dir.last].next_sibling = id;
	p->u.dir.last = id;
	idx->n++;
	return id;
}

int index_set_ino(struct index *idx, uint32_t id, uint64_t ino)
{
	struct idx_extra *x;
	struct idx_node v;

	if (id >= idx->n)
		return 0;
	if ((x = index_extra_find(idx, id))) {
		x->ino = ino;
		return 0;
	}
	if (ino <= UINT32_MAX) {
		idx->nodes[id].ino = (uint32_t)ino;
		return 0;
	}
	index_get(idx, id, &v);
	v.ino = ino;
	return index_store_attrs(idx, id, &v);
}
