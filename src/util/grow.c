/* grow.c — the one way burnfs grows an array (grow.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "burnfs/grow.h"

int grow_array(void **arr, size_t *cap, size_t need, size_t size,
	       size_t first, size_t max)
{
	size_t c = *cap ? *cap : (first ? first : 1);
	void *p;

	if (need <= *cap)
		return 0;
	if (max > SIZE_MAX / size)
		max = SIZE_MAX / size;
	if (need > max)
		return -EOVERFLOW;
	while (c < need)
		c = c > max / 2 ? max : c * 2;
	if (c > max)
		c = max;
	p = realloc(*arr, c * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = c;
	return 0;
}
