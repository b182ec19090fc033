/* alloc.c — jemalloc's settings for burnfs, built only when jemalloc is
 * linked. Linked into the daemon because job_commit calls alloc_release. */
#include <errno.h>
#include <stdio.h>

#include <jemalloc/jemalloc.h>

#include "burnfs/alloc.h"

/* Read by jemalloc when it starts, before main; MALLOC_CONF in the
 * environment still overrides it. libburn's burn_read_data callocs a
 * 68 KiB buffer for every 64 KiB it reads, so loading a disc's tree
 * allocates and frees one per read. Above jemalloc's default thread cache
 * limit (32 KiB) each free went back to the arena, which purged the pages
 * (madvise, page faults and TLB shootdowns on the next calloc): a third of
 * the time of every tree load and a sixth of laying out a session, at
 * 300,000 files. Cached per thread up to 128 KiB, the buffer is reused; the
 * caches hold a few MiB at most. */
const char *malloc_conf = "tcache_max:131072";

int alloc_release(void)
{
	char name[64];
	int rc;

	/* An idle thread's cache is not freed by the purge: flush ours. */
	rc = mallctl("thread.tcache.flush", NULL, NULL, NULL, 0);
	if (rc && rc != EFAULT)   /* EFAULT: this thread has no cache */
		return -rc;
	snprintf(name, sizeof(name), "arena.%d.purge", MALLCTL_ARENAS_ALL);
	return -mallctl(name, NULL, NULL, NULL, 0);
}

long alloc_tcache_max(void)
{
	size_t v, len = sizeof(v);
	int rc = mallctl("opt.tcache_max", &v, &len, NULL, 0);

	return rc ? -rc : (long)v;
}
