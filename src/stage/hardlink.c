/* hardlink.c — hard links recorded on the disc become one merged node with
 * several names. The index has one node per name (same RR inode number);
 * their folders are materialised up front so st_nlink and writes through
 * any of the names are right even though other folders load lazily. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "burnfs/grow.h"
#include "stage/stage_priv.h"

struct hl {
	uint64_t ino;
	uint32_t id;
};

static int cmp_hl(const void *a, const void *b)
{
	const struct hl *x = a, *y = b;

	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The merged name still standing for lower entry id at its lower path. */
static struct sdentry *find_lower(struct stage *st, uint32_t id, int depth)
{
	uint32_t parent = index_parent(st->lower, id);
	struct sdentry *pde, *de;

	if (id == IDX_ROOT)
		return st->root;
	if (parent == IDX_NONE || depth > 2048)
		return NULL;
	pde = find_lower(st, parent, depth + 1);
	if (!pde || !S_ISDIR(pde->node->mode) || stage_dir_materialize(st, pde->node))
		return NULL;
	de = stage_dir_find(st, pde->node, index_name(st->lower, id));
	return de && de->lower == id ? de : NULL;
}

/* Point the name at the group's node; n is clean (lower content only). */
static void join(struct stage *st, struct sdentry *de, struct snode *n)
{
	struct snode *old = de->node;

	stage_alias_del(old, de);
	stage_inval_name(st, de->parent, de->name, old);
	old->nlink--;
	stage_alias_add(n, de);
	stage_node_unref(st, old);
}

static bool clean(const struct snode *n)
{
	return !n->data_id && !n->xa && n->nlink == 1;
}

static void link_group(struct stage *st, const struct hl *v, size_t cnt)
{
	struct snode *first = NULL;
	size_t i;

	for (i = 0; i < cnt; i++) {
		struct sdentry *de = find_lower(st, v[i].id, 0);

		if (!de || de->node == first)
			continue;
		if (!first)
			first = de->node;
		else if (clean(de->node))
			join(st, de, first);
	}
}

int stage_link_lower_hardlinks(struct stage *st)
{
	uint32_t id, cnt = index_count(st->lower);
	struct hl *v = NULL;
	size_t n = 0, cap = 0, i, j;

	for (id = 1; id < cnt; id++) {
		uint64_t ino = index_ino(st->lower, id);

		if (S_ISDIR(index_mode(st->lower, id)) || !ino ||
		    index_nlink(st->lower, id) < 2)
			continue;
		if (GROW(&v, &cap, n + 1, 64)) {
			free(v);
			return -ENOMEM;
		}
		v[n++] = (struct hl){ ino, id };
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_hl);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && v[j].ino == v[i].ino; j++)
			;
		link_group(st, v + i, j - i);
	}
	free(v);
	return 0;
}
