/* env.c — numbers from the environment. */
#include <stdlib.h>

#include "burnfs/env.h"

uint64_t env_u64(const char *name, uint64_t dflt)
{
	const char *v = getenv(name);
	char *end = NULL;
	unsigned long long n;

	if (!v || *v < '0' || *v > '9')
		return dflt;
	n = strtoull(v, &end, 10);
	return *end ? dflt : (uint64_t)n;
}
