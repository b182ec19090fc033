/* index.c — an immutable, lock-free copy of one session's tree: its life,
 * and lookups by (parent id, name) through one open-addressing hash that
 * index_finish() builds. How nodes are kept: store.h. */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <unistd.h>

#include "burnfs/index.h"
#include "index/arena.h"
#include "index/index_priv.h"
#include "index/store.h"

/* The root (id 0): a blank medium's was made now, not in 1970, and
 * belongs to the user who mounted it, who can then fill staging/. */
static int init_root(struct index *idx)
{
	struct idx_node r = { .mode = S_IFDIR | 0755, .uid = geteuid(),
			      .gid = getegid() };

	idx->nodes[0] = (struct cnode){ .parent = IDX_ROOT,
		.first_child = IDX_NONE, .next_sibling = IDX_NONE,
		.u.dir = { .last = IDX_NONE } };
	idx->n = 1;
	clock_gettime(CLOCK_REALTIME, &r.mtime);
	r.atime = r.ctime = r.mtime;
	return index_store_attrs(idx, IDX_ROOT, &r);
}

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
	idx->nodes = malloc(idx->cap * sizeof(*idx->nodes));
	idx->names_cap = 4096;
	idx->names = malloc(idx->names_cap);
	if (!idx->nodes || !idx->names) {
		index_unref(idx);
		return NULL;
	}
	idx->names[0] = '\0';   /* every empty name: offset 0 */
	idx->names_len = 1;
	if (init_root(idx) < 0) {
		index_unref(idx);
		return NULL;
	}
	return idx;
}

void index_set_info(struct index *idx, const struct idx_info *info)
{
	idx->info = *info;
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
	const struct cnode *n = &idx->nodes[id];
	uint32_t slot = hash_key(n->parent, idx->names + n->name) & idx->hash_mask;

	while (idx->hash[slot] != IDX_NONE)
		slot = (slot + 1) & idx->hash_mask;
	idx->hash[slot] = id;
}

/* At most 3/4 full: linear probing stays short, at 4-8 bytes a node. */
static int build_hash(struct index *idx)
{
	uint32_t size = 16, i;

	while (size < idx->n + idx->n / 3)
		size <<= 1;
	free(idx->hash);
	idx->hash = malloc(size * sizeof(*idx->hash));
	if (!idx->hash)
		return -ENOMEM;
	memset(idx->hash, 0xff, size * sizeof(*idx->hash));
	idx->hash_mask = size - 1;
	for (i = 1; i < idx->n; i++)
		hash_insert(idx, i);
	return 0;
}

int index_finish(struct index *idx)
{
	int ret;

	free(idx->attr_hash);
	idx->attr_hash = NULL;
	index_store_shrink(idx);
	ret = build_hash(idx);
	return ret < 0 ? ret : index_count_links(idx);
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
	free(idx->names);
	free(idx->attrs);
	free(idx->attr_hash);
	free(idx->extras);
	free(idx->links);
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

int64_t index_lookup(const struct index *idx, uint32_t dir, const char *name)
{
	uint32_t slot;

	if (dir >= idx->n)
		return -ENOENT;
	if (!store_is_dir(idx, &idx->nodes[dir]))
		return -ENOTDIR;
	if (!idx->hash)
		return -ENOENT;
	slot = hash_key(dir, name) & idx->hash_mask;
	for (; idx->hash[slot] != IDX_NONE; slot = (slot + 1) & idx->hash_mask) {
		const struct cnode *n = &idx->nodes[idx->hash[slot]];

		if (n->parent == dir && strcmp(idx->names + n->name, name) == 0)
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
	if (idx->reader.still && idx->info.disc_ident &&
	    !idx->reader.still(idx->reader.ctx, idx->info.disc_ident))
		return -ESTALE;
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
		const struct cnode *n = &idx->nodes[id];
		const char *name = idx->names + n->name;
		size_t len = strlen(name);

		if (len + 1 > pos)
			return -ENAMETOOLONG;
		pos -= len;
		memcpy(buf + pos, name, len);
		buf[--pos] = '/';
		id = n->parent;
	}
	memmove(buf, buf + pos, size - pos);
	return (int)(size - 1 - pos);
}
