/* index_priv.h — what the index's own files share. */
#ifndef BURNFS_INDEX_PRIV_H
#define BURNFS_INDEX_PRIV_H

#include <stdint.h>
#include <sys/types.h>

struct index;
struct idx_node;

/* Read medium bytes through the index's reader. */
ssize_t index_pread(const struct index *idx, void *buf, size_t len,
		    uint64_t offset);
/* Sort ids[0..n) by nodes[id].ino. */
void index_sort_by_ino(const struct idx_node *nodes, uint32_t *ids, uint32_t n);

#endif
