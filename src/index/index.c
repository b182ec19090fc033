/* index.c — an immutable, lock-free copy of one session's tree.
 *
 * Nodes live in one growable array (ids are array positions) and all their
 * strings, extents and xattrs in an arena, so an index of 100,000 files is a
 * handful of allocations. Lookups go through one open-addressing hash keyed
 * by (parent id, name), built once by index_finish(). */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <unistd.h>

#include "burnfs/index.h"
#include "index/arena.h"
#include "index/index_priv.h"


struct index {
	atomic_int refs;
	uint64_t serial;        /* see index_serial() */
	struct idx_info info;
	struct idx_reader reader;
	struct idx_node *nodes;
	uint32_t *last_child;   /* building only: tail of each dir's list */
	uint32_t n, cap;
	uint32_t *hash;         /* ids, IDX_NONE = empty slot */
	uint32_t hash_mask;
	struct arena arena;
};

struct index *index_new(const struct idx_reader *reader)
{
	static atomic_uint_fast64_t next_serial = 1;
	struct index *idx = calloc(1, sizeof(*idx));

	if (!idx)
		return NULL;
	atomic_init(&idx->refs, 1);
	idx->serial = atomic_fetch_add(&next_serial, 1);
	if (reader)
		idx->reader = *reader;
	idx->cap = 64;
	idx->nodes = calloc(idx->cap, sizeof(*idx->nodes));
	idx->last_child = malloc(idx->cap * sizeof(*idx->last_child));
	if (!idx->nodes || !idx->last_child) {
		index_unref(idx);
		return NULL;
	}
	idx->n = 1;
	idx->nodes[0] = (struct idx_node){ .parent = IDX_ROOT,
		.first_child = IDX_NONE, .next_sibling = IDX_NONE,
		.name = "", .mode = S_IFDIR | 0755 };
	/* A blank medium's root was made now, not in 1970, and belongs to
	 * the user who mounted it, who can then fill staging/. */
	idx->nodes[0].uid = geteuid();
	idx->nodes[0].gid = getegid();
	clock_gettime(CLOCK_REALTIME, &idx->nodes[0].mtime);
	idx->nodes[0].atime = idx->nodes[0].ctime = idx->nodes[0].mtime;
	idx->last_child[0] = IDX_NONE;
	return idx;
}

static int copy_payload(struct index *idx, struct idx_node *dst,
			const struct idx_node *tmpl)
{
	dst->name = index_arena_strdup(&idx->arena, tmpl->name ? tmpl->name : "");
	dst->link = tmpl->link ? index_arena_strdup(&idx->arena, tmpl->link) : NULL;
	if (!dst->name || (tmpl->link && !dst->link))
		return -ENOMEM;
	dst->extents = NULL;
	if (tmpl->n_extents) {
		dst->extents = index_arena_memdup(&idx->arena, tmpl->extents,
			tmpl->n_extents * sizeof(*tmpl->extents));
		if (!dst->extents)
			return -ENOMEM;
	}
	dst->xattrs = NULL;
	if (tmpl->n_xattrs) {
		dst->xattrs = index_arena_copy_xattrs(&idx->arena, tmpl->xattrs,
						      tmpl->n_xattrs);
		if (!dst->xattrs)
			return -ENOMEM;
	}
	return 0;
}

void index_set_root(struct index *idx, const struct idx_node *tmpl)
{
	struct idx_node *root = &idx->nodes[0];

	root->mode = S_IFDIR | (tmpl->mode & 07777);
	root->uid = tmpl->uid;
	root->gid = tmpl->gid;
	root->atime = tmpl->atime;
	root->mtime = tmpl->mtime;
	root->ctime = tmpl->ctime;
	root->ino = tmpl->ino;
	root->n_xattrs = 0;
	root->xattrs = NULL;
	if (tmpl->n_xattrs) {
		root->xattrs = index_arena_copy_xattrs(&idx->arena, tmpl->xattrs,
						       tmpl->n_xattrs);
		if (root->xattrs)
			root->n_xattrs = tmpl->n_xattrs;
	}
}

static int resize(struct index *idx, uint32_t cap)
{
	struct idx_node *nodes;
	uint32_t *last;

	nodes = realloc(idx->nodes, cap * sizeof(*nodes));
	if (!nodes)
		return -ENOMEM;
	idx->nodes = nodes;
	last = realloc(idx->last_child, cap * sizeof(*last));
	if (!last)
		return -ENOMEM;
	idx->last_child = last;
	idx->cap = cap;
	return 0;
}

static int grow(struct index *idx)
{
	return resize(idx, idx->cap * 2);
}

int index_reserve(struct index *idx, uint32_t n)
{
	return n > idx->cap ? resize(idx, n) : 0;
}

/* The node array without the slack doubling left (up to half of it). */
static void shrink(struct index *idx)
{
	struct idx_node *nodes;

	if (idx->cap <= idx->n)
		return;
	nodes = realloc(idx->nodes, idx->n * sizeof(*nodes));
	if (nodes) {   /* else it stays as it was: still correct */
		idx->nodes = nodes;
		idx->cap = idx->n;
	}
}

int64_t index_add(struct index *idx, uint32_t parent, const struct idx_node *tmpl)
{
	struct idx_node *node;
	uint32_t id = idx->n;
	int ret;

	if (parent >= idx->n || !S_ISDIR(idx->nodes[parent].mode))
		return -ENOTDIR;
	if (idx->n == IDX_NONE - 1)
		return -EOVERFLOW;
	if (idx->n == idx->cap && (ret = grow(idx)) < 0)
		return ret;
	node = &idx->nodes[id];
	*node = *tmpl;
	ret = copy_payload(idx, node, tmpl);
	if (ret < 0)
		return ret;
	node->parent = parent;
	node->first_child = IDX_NONE;
	node->next_sibling = IDX_NONE;
	idx->last_child[id] = IDX_NONE;
	if (idx->last_child[parent] == IDX_NONE)
		idx->nodes[parent].first_child = id;
	else
		idx->nodes[idx->last_child[parent]].next_sibling = id;
	idx->last_child[parent] = id;
	idx->n++;
	return id;
}

void index_set_info(struct index *idx, const struct idx_info *info)
{
	idx->info = *info;
}

void index_set_ino(struct index *idx, uint32_t id, uint64_t ino)
{
	if (id < idx->n)
		idx->nodes[id].ino = ino;
}

static uint32_t hash_key(uint32_t parent, const char *name)
{
	/* FNV-1a over the parent id and the name. */
	uint32_t h = 2166136261u ^ parent;

	h *= 16777619u;
	for (; *name; name++) {
		h ^= (unsigned char)*name;
		h *= 16777619u;
	}
	return h;
}

static void hash_insert(struct index *idx, uint32_t id)
{
	const struct idx_node *n = &idx->nodes[id];
	uint32_t slot = hash_key(n->parent, n->name) & idx->hash_mask;

	while (idx->hash[slot] != IDX_NONE)
		slot = (slot + 1) & idx->hash_mask;
	idx->hash[slot] = id;
}

/* Files sharing a Rock Ridge inode number are hard links of one another. */
static int count_links(struct index *idx)
{
	uint32_t *sorted, i, j;

	for (i = 0; i < idx->n; i++) {
		struct idx_node *n = &idx->nodes[i];

		n->nlink = S_ISDIR(n->mode) ? 2 : 1;
		if (i && S_ISDIR(n->mode))
			idx->nodes[n->parent].nlink++;
	}
	sorted = malloc(idx->n * sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	for (i = j = 0; i < idx->n; i++)
		if (!S_ISDIR(idx->nodes[i].mode) && idx->nodes[i].ino)
			sorted[j++] = i;
	index_sort_by_ino(idx->nodes, sorted, j);
	for (i = 0; i < j;) {
		uint32_t k = i;

		while (k < j && idx->nodes[sorted[k]].ino == idx->nodes[sorted[i]].ino)
			k++;
		for (uint32_t m = i; m < k; m++)
			idx->nodes[sorted[m]].nlink = k - i;
		i = k;
	}
	free(sorted);
	return 0;
}

int index_finish(struct index *idx)
{
	uint32_t size = 16, i;

	while (size < idx->n * 2)
		size <<= 1;
	free(idx->hash);
	idx->hash = malloc(size * sizeof(*idx->hash));
	if (!idx->hash)
		return -ENOMEM;
	memset(idx->hash, 0xff, size * sizeof(*idx->hash));
	idx->hash_mask = size - 1;
	for (i = 1; i < idx->n; i++)
		hash_insert(idx, i);
	free(idx->last_child);
	idx->last_child = NULL;
	shrink(idx);
	return count_links(idx);
}

struct index *index_ref(struct index *idx)
{
	if (idx)
		atomic_fetch_add(&idx->refs, 1);
	return idx;
}

void index_unref(struct index *idx)
{
	if (!idx || atomic_fetch_sub(&idx->refs, 1) != 1)
		return;
	index_arena_free(&idx->arena);
	free(idx->nodes);
	free(idx->last_child);
	free(idx->hash);
	free(idx);
}

uint64_t index_serial(const struct index *idx)
{
	return idx->serial;
}

const struct idx_info *index_info(const struct index *idx)
{
	return &idx->info;
}

uint32_t index_count(const struct index *idx)
{
	return idx->n;
}

int index_get(const struct index *idx, uint32_t id, struct idx_node *out)
{
	if (id >= idx->n) {
		*out = (struct idx_node){ .parent = IDX_NONE,
			.first_child = IDX_NONE, .next_sibling = IDX_NONE,
			.name = "" };
		return -ENOENT;
	}
	*out = idx->nodes[id];
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
	return id < idx->n ? idx->nodes[id].name : "";
}

mode_t index_mode(const struct index *idx, uint32_t id)
{
	return id < idx->n ? idx->nodes[id].mode : 0;
}

uint64_t index_ino(const struct index *idx, uint32_t id)
{
	return id < idx->n ? idx->nodes[id].ino : 0;
}

uint32_t index_nlink(const struct index *idx, uint32_t id)
{
	return id < idx->n ? idx->nodes[id].nlink : 0;
}

int64_t index_lookup(const struct index *idx, uint32_t dir, const char *name)
{
	uint32_t slot;

	if (dir >= idx->n)
		return -ENOENT;
	if (!S_ISDIR(idx->nodes[dir].mode))
		return -ENOTDIR;
	if (!idx->hash)
		return -ENOENT;
	slot = hash_key(dir, name) & idx->hash_mask;
	for (; idx->hash[slot] != IDX_NONE; slot = (slot + 1) & idx->hash_mask) {
		const struct idx_node *n = &idx->nodes[idx->hash[slot]];

		if (n->parent == dir && strcmp(n->name, name) == 0)
			return idx->hash[slot];
	}
	return -ENOENT;
}

int64_t index_resolve(const struct index *idx, const char *path)
{
	char comp[256];
	int64_t id = IDX_ROOT;

	while (*path) {
		size_t len;

		path += strspn(path, "/");
		len = strcspn(path, "/");
		if (!len)
			break;
		if (len >= sizeof(comp))
			return -ENAMETOOLONG;
		memcpy(comp, path, len);
		comp[len] = 0;
		id = index_lookup(idx, (uint32_t)id, comp);
		if (id < 0)
			return id;
		path += len;
	}
	return id;
}

ssize_t index_pread(const struct index *idx, void *buf, size_t len,
		    uint64_t offset)
{
	if (!idx->reader.pread)
		return -EIO;
	return idx->reader.pread(idx->reader.ctx, buf, len, offset);
}

int index_path(const struct index *idx, uint32_t id, char *buf, size_t size)
{
	size_t pos = size - 1;

	if (id >= idx->n || size < 2)
		return -ENAMETOOLONG;
	buf[pos] = 0;
	if (id == IDX_ROOT) {
		buf[0] = '/';
		buf[1] = 0;
		return 1;
	}
	/* Fill from the end, then move to the front. */
	while (id != IDX_ROOT) {
		const struct idx_node *n = &idx->nodes[id];
		size_t len = strlen(n->name);

		if (len + 1 > pos)
			return -ENAMETOOLONG;
		pos -= len;
		memcpy(buf + pos, n->name, len);
		buf[--pos] = '/';
		id = n->parent;
	}
	memmove(buf, buf + pos, size - pos);
	return (int)(size - 1 - pos);
}
