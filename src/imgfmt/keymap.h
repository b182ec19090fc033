/* keymap.h — stage file key -> the IsoNode that first received that file's
 * content in this commit, so further hard-link names share it. */
#ifndef BURNFS_KEYMAP_H
#define BURNFS_KEYMAP_H

#include <stddef.h>
#include <stdint.h>

struct imgfmt_keymap {
	uint64_t *keys;
	void **vals;
	size_t cap;   /* power of two or 0 */
	size_t used;
};

/* NULL when absent. */
void *imgfmt_keymap_get(const struct imgfmt_keymap *m, uint64_t key);
/* 0 or -ENOMEM. Overwrites an existing value. */
int imgfmt_keymap_put(struct imgfmt_keymap *m, uint64_t key, void *val);
void imgfmt_keymap_free(struct imgfmt_keymap *m);

#endif
