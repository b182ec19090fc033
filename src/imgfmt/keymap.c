/* keymap.c — a small open-addressing hash map uint64 -> pointer. A slot is
 * free when its value is NULL (NULL values are never stored). */
#include <errno.h>
#include <stdlib.h>

#include "imgfmt/keymap.h"

static size_t slot_of(uint64_t key, size_t cap)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return (size_t)key & (cap - 1);
}

void *imgfmt_keymap_get(const struct imgfmt_keymap *m, uint64_t key)
{
	if (!m->cap)
		return NULL;
	for (size_t i = slot_of(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (!m->vals[i])
			return NULL;
		if (m->keys[i] == key)
			return m->vals[i];
	}
}

static void insert(struct imgfmt_keymap *m, uint64_t key, void *val)
{
	size_t i = slot_of(key, m->cap);

	while (m->vals[i] && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	if (!m->vals[i])
		m->used++;
	m->keys[i] = key;
	m->vals[i] = val;
}

static int grow(struct imgfmt_keymap *m)
{
	struct imgfmt_keymap n = { .cap = m->cap ? m->cap * 2 : 64 };

	n.keys = calloc(n.cap, sizeof(*n.keys));
	n.vals = calloc(n.cap, sizeof(*n.vals));
	if (!n.keys || !n.vals) {
		imgfmt_keymap_free(&n);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++)
		if (m->vals[i])
			insert(&n, m->keys[i], m->vals[i]);
	imgfmt_keymap_free(m);
	*m = n;
	return 0;
}

int imgfmt_keymap_put(struct imgfmt_keymap *m, uint64_t key, void *val)
{
	int rc;

	/* Keep the load under 1/2 so probes stay short. */
	if ((m->used + 1) * 2 > m->cap) {
		rc = grow(m);
		if (rc)
			return rc;
	}
	insert(m, key, val);
	return 0;
}

void imgfmt_keymap_free(struct imgfmt_keymap *m)
{
	free(m->keys);
	free(m->vals);
	m->keys = NULL;
	m->vals = NULL;
	m->cap = m->used = 0;
}
