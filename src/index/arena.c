/* arena.c — chunked bump allocator for index payloads. */
#include <stdlib.h>
#include <string.h>

#include "burnfs/index.h"
#include "index/arena.h"
#include "index/index_priv.h"

#define CHUNK_SIZE (256u * 1024u)

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, size;
	max_align_t data[];
};

void *index_arena_alloc(struct arena *a, size_t size)
{
	struct arena_chunk *c = a->head;
	size_t need = (size + 15) & ~(size_t)15;
	void *p;

	if (!c || c->size - c->used < need) {
		size_t csize = need > CHUNK_SIZE ? need : CHUNK_SIZE;

		c = malloc(sizeof(*c) + csize);
		if (!c)
			return NULL;
		c->used = 0;
		c->size = csize;
		c->next = a->head;
		a->head = c;
	}
	p = (char *)c->data + c->used;
	c->used += need;
	return p;
}

void *index_arena_memdup(struct arena *a, const void *p, size_t size)
{
	void *dst = index_arena_alloc(a, size ? size : 1);

	if (dst && size)
		memcpy(dst, p, size);
	return dst;
}

char *index_arena_strdup(struct arena *a, const char *s)
{
	return index_arena_memdup(a, s, strlen(s) + 1);
}

static int cmp_xattr(const void *a, const void *b)
{
	return strcmp(((const struct idx_xattr *)a)->name,
		      ((const struct idx_xattr *)b)->name);
}

const struct idx_xattr *index_arena_copy_xattrs(struct arena *a,
						const struct idx_xattr *x, uint32_t n)
{
	struct idx_xattr *out = index_arena_alloc(a, n * sizeof(*out));
	uint32_t i;

	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		out[i].name = index_arena_strdup(a, x[i].name);
		/* Values may be binary: keep a NUL after them for convenience. */
		out[i].value = index_arena_alloc(a, x[i].len + 1);
		if (!out[i].name || !out[i].value)
			return NULL;
		memcpy((char *)out[i].value, x[i].value, x[i].len);
		((char *)out[i].value)[x[i].len] = 0;
		out[i].len = x[i].len;
	}
	qsort(out, n, sizeof(*out), cmp_xattr);
	return out;
}

void index_arena_free(struct arena *a)
{
	while (a->head) {
		struct arena_chunk *next = a->head->next;

		free(a->head);
		a->head = next;
	}
}
