/* keymap.h — stage file key -> the IsoNode that first received that file's
 * content in this commit, so further hard-link names share it. */
#ifndef BURNFS_KEYMAP_H
#define BURNFS_KEYMAP_H

#include <stddef.h>
#include <stdint.h>

struct keymap {
	uint64_t *keys;
	void **vals;
	size_t cap;   /* power of two or 0 */
	size_t used;
};

/* NULL when absent. */
void *keymap_get(const struct keymap *m, uint64_t key);
/* 0 or -ENOMEM. Overwrites an existing value. */
int keymap_put(struct keymap *m, uint64_t key, void *val);
void keymap_free(struct keymap *m);

#endif
