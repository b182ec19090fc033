/* alloc.h — settings of the allocator burnfs is linked with. With jemalloc
 * (meson defines BURNFS_JEMALLOC) src/util/alloc.c tunes it; with any other
 * allocator (glibc's, the sanitizers') these calls do nothing. */
#ifndef BURNFS_ALLOC_H
#define BURNFS_ALLOC_H

#ifdef BURNFS_JEMALLOC
/* Hand the pages of freed memory back to the system now instead of after
 * jemalloc's decay time (about 10 s): call after a big tree (a disc's
 * libisofs tree, a commit's snapshot) was freed, so the daemon's RSS drops
 * at once. Flushes the calling thread's cache first. Thread-safe, no lock
 * needed; costs a few madvise calls. 0 or -errno (memory stays usable). */
int alloc_release(void);
/* The largest size jemalloc's per-thread caches keep (opt.tcache_max), or
 * -errno: lets a test check that alloc.c's setting took effect. */
long alloc_tcache_max(void);
#else
static inline int alloc_release(void)
{
	return 0;
}
#endif

#endif
