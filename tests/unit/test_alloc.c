/* test_alloc.c — src/util/alloc.c's jemalloc settings take effect: the
 * thread cache keeps libburn's 68 KiB read buffers, and a release after a
 * big free succeeds and leaves memory usable. Built only with jemalloc. */
#include <stdlib.h>
#include <string.h>

#include "burnfs/alloc.h"
#include "check.h"

/* Free many node-sized blocks (as a tree's free does), release, and
 * allocate again from the purged arena. */
static void free_then_release(void)
{
	enum { N = 100000 };
	void **p = calloc(N, sizeof(*p));
	int i;

	CHECK(p != NULL);
	if (!p)
		return;
	for (i = 0; i < N; i++)
		p[i] = malloc(160);
	for (i = 0; i < N; i++)
		free(p[i]);
	CHECK_EQ(alloc_release(), 0);
	p[0] = calloc(1, 69632);
	CHECK(p[0] != NULL);
	free(p[0]);
	free(p);
}

int main(void)
{
	const char *env = getenv("MALLOC_CONF");

	/* The environment overrides malloc_conf: only check the value when it
	 * does not name the setting. */
	if (!env || !strstr(env, "tcache_max"))
		CHECK_EQ(alloc_tcache_max(), 131072);
	free_then_release();
	return CHECK_DONE();
}
