/* grow.h — room in an array that grows as it is filled.
 *
 *	if ((r = GROW(&v, &cap, n + 1, 64)))
 *		return r;
 *	v[n++] = x;
 *
 * The capacity doubles (from `first` when the array is empty), so filling
 * n elements costs O(n) copies in all. The capacity may be any unsigned
 * type: it never grows past what the type holds. */
#ifndef BURNFS_GROW_H
#define BURNFS_GROW_H

#include <stddef.h>

/* Make *arr (capacity *cap elements of `size` bytes) hold at least `need`,
 * doubling from `first`, never beyond `max` elements. 0; -ENOMEM or
 * -EOVERFLOW with *arr and *cap as they were. */
int grow_array(void **arr, size_t *cap, size_t need, size_t size,
	       size_t first, size_t max);

/* The same for any array pointer and unsigned capacity counter (arr and
 * cap are evaluated more than once: pass plain addresses). */
#define GROW(arr, cap, need, first) __extension__({                      \
	void *grow_a_ = *(arr);                                           \
	size_t grow_c_ = *(cap);                                          \
	int grow_r_ = grow_array(&grow_a_, &grow_c_, (need),              \
				 sizeof(**(arr)), (first),                \
				 (size_t)(__typeof__(*(cap)))-1);         \
	*(arr) = grow_a_;                                                 \
	*(cap) = (__typeof__(*(cap)))grow_c_;                             \
	grow_r_;                                                          \
})

#endif
