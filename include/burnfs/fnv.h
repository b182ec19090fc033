/* fnv.h — FNV-1a of 64 bits: a hash of a few fields or one sector that
 * needs no library and gives the same value on every machine (the disc's
 * identity is kept in the cache folder, a folder's digest is compared
 * with the one the read-back computes). Not for anything an adversary
 * chooses. */
#ifndef BURNFS_FNV_H
#define BURNFS_FNV_H

#include <stddef.h>
#include <stdint.h>

#define FNV1A_OFFSET 0xcbf29ce484222325ULL

/* h carried on over len bytes at p; start from FNV1A_OFFSET. */
static inline uint64_t fnv1a(uint64_t h, const void *p, size_t len)
{
	const unsigned char *b = p;

	while (len--)
		h = (h ^ *b++) * 0x100000001b3ULL;
	return h;
}

#endif
