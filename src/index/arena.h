/* arena.h — bump allocation for an index's strings, extents and xattrs:
 * everything is freed at once with the index. Not thread-safe; used only
 * while an index is built. */
#ifndef BURNFS_INDEX_ARENA_H
#define BURNFS_INDEX_ARENA_H

#include <stddef.h>
#include <stdint.h>

struct idx_node;
struct idx_xattr;

struct arena_chunk;

struct arena {
	struct arena_chunk *head;
};

void *index_arena_alloc(struct arena *a, size_t size);
char *index_arena_strdup(struct arena *a, const char *s);
void *index_arena_memdup(struct arena *a, const void *p, size_t size);
/* Deep copy of n xattrs, sorted by name. */
const struct idx_xattr *index_arena_copy_xattrs(struct arena *a,
						const struct idx_xattr *x, uint32_t n);
void index_arena_free(struct arena *a);

#endif
