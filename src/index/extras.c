/* extras.c — the side table of an index: the rare fields of the few nodes
 * that have them, sorted by id and found by binary search. Builders add
 * nodes in id order, so a record is appended; only the root's attributes
 * and late inode numbers (index_set_ino) may insert one in between. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "burnfs/grow.h"
#include "index/store.h"

/* The position of id's record, or where it would go. */
static uint32_t position(const struct index *idx, uint32_t id)
{
	uint32_t lo = 0, hi = idx->n_extras;

	if (hi && idx->extras[hi - 1].id < id)
		return hi;   /* the common case while building */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (idx->extras[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct idx_extra *index_extra_find(const struct index *idx, uint32_t id)
{
	uint32_t i = position(idx, id);

	return i < idx->n_extras && idx->extras[i].id == id ?
	       &idx->extras[i] : NULL;
}

int index_extra_put(struct index *idx, const struct idx_extra *x)
{
	uint32_t i = position(idx, x->id);
	int ret;

	if (i < idx->n_extras && idx->extras[i].id == x->id) {
		idx->extras[i] = *x;
		return 0;
	}
	ret = GROW(&idx->extras, &idx->cap_extras, (size_t)idx->n_extras + 1, 64);
	if (ret)
		return ret;
	memmove(&idx->extras[i + 1], &idx->extras[i],
		(idx->n_extras - i) * sizeof(*idx->extras));
	idx->extras[i] = *x;
	idx->n_extras++;
	idx->nodes[x->id].attr |= CN_EXTRA;
	return 0;
}

void index_extra_drop(struct index *idx, uint32_t id)
{
	uint32_t i = position(idx, id);

	idx->nodes[id].attr &= ~CN_EXTRA;
	if (i >= idx->n_extras || idx->extras[i].id != id)
		return;
	memmove(&idx->extras[i], &idx->extras[i + 1],
		(idx->n_extras - i - 1) * sizeof(*idx->extras));
	idx->n_extras--;
}
