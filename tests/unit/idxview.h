/* idxview.h — index node views for tests that compare a few nodes at a
 * time: index_get() copies a node into the caller's storage, and a test
 * that keeps several (two hard links, a node and its parent) takes them
 * from a small ring instead of declaring one variable each. */
#ifndef BURNFS_TEST_IDXVIEW_H
#define BURNFS_TEST_IDXVIEW_H

#include "burnfs/index.h"

#define IDXVIEW_RING 8

/* A view of node id valid until IDXVIEW_RING more calls, or NULL when id
 * is out of range. Single-threaded use only. */
static inline const struct idx_node *idx_view(const struct index *idx,
					      uint32_t id)
{
	static struct idx_node ring[IDXVIEW_RING];
	static unsigned next;
	struct idx_node *v = &ring[next++ % IDXVIEW_RING];

	return index_get(idx, id, v) ? NULL : v;
}

#endif
