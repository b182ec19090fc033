/* links.c — link counts, made once by index_finish(): a directory's is 2
 * plus its subfolders and lives in its node; other entries sharing an
 * inode number are hard links of one another, and the few with a count
 * above 1 are listed by id (index_nlink() looks them up). */
#include <errno.h>
#include <stdlib.h>

#include "index/store.h"

struct by_ino {
	uint64_t ino;
	uint32_t id;
};

static int cmp_ino(const void *a, const void *b)
{
	const struct by_ino *x = a, *y = b;

	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_id(const void *a, const void *b)
{
	uint32_t x = ((const struct idx_nlink *)a)->id;
	uint32_t y = ((const struct idx_nlink *)b)->id;

	return x < y ? -1 : x > y;
}

static void count_dirs(struct index *idx)
{
	uint32_t i;

	for (i = 0; i < idx->n; i++)
		if (store_is_dir(idx, &idx->nodes[i]))
			idx->nodes[i].u.dir.nlink = 2;
	for (i = 1; i < idx->n; i++)
		if (store_is_dir(idx, &idx->nodes[i]))
			idx->nodes[idx->nodes[i].parent].u.dir.nlink++;
}

/* Non-directories with an inode number, sorted by it. */
static struct by_ino *sorted_inos(struct index *idx, uint32_t *count)
{
	struct by_ino *v = malloc(idx->n * sizeof(*v));
	uint32_t i, j = 0;

	if (!v)
		return NULL;
	for (i = 0; i < idx->n; i++) {
		uint64_t ino = index_ino(idx, i);

		idx->nodes[i].attr &= ~CN_LINKS;
		if (ino && !store_is_dir(idx, &idx->nodes[i]))
			v[j++] = (struct by_ino){ ino, i };
	}
	qsort(v, j, sizeof(*v), cmp_ino);
	*count = j;
	return v;
}

/* Groups of one inode number in v[0..n) become links[] entries. */
static int list_groups(struct index *idx, const struct by_ino *v, uint32_t n)
{
	uint32_t i, k;
	void *p;

	free(idx->links);
	idx->n_links = 0;
	idx->links = malloc((n ? n : 1) * sizeof(*idx->links));
	if (!idx->links)
		return -ENOMEM;
	for (i = 0; i < n; i = k) {
		for (k = i + 1; k < n && v[k].ino == v[i].ino; k++)
			;
		for (uint32_t j = i; k - i > 1 && j < k; j++) {
			idx->links[idx->n_links++] = (struct idx_nlink){ v[j].id, k - i };
			idx->nodes[v[j].id].attr |= CN_LINKS;
		}
	}
	qsort(idx->links, idx->n_links, sizeof(*idx->links), cmp_id);
	/* Mostly none: keep only what is used. */
	p = realloc(idx->links, (idx->n_links ? idx->n_links : 1) *
				sizeof(*idx->links));
	if (p)
		idx->links = p;
	return 0;
}

int index_count_links(struct index *idx)
{
	struct by_ino *v;
	uint32_t n;
	int ret;

	count_dirs(idx);
	v = sorted_inos(idx, &n);
	if (!v)
		return -ENOMEM;
	ret = list_groups(idx, v, n);
	free(v);
	return ret;
}
