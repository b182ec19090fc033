/* index_zisofs.c — reading a file the disc holds zisofs-compressed (Rock
 * Ridge ZF, as xorriso -zisofs writes it). The stored bytes are a header,
 * an array of block pointers and one zlib stream per block of 32, 64 or
 * 128 KiB; a read looks up the blocks it needs in the pointer array and
 * lets zlib inflate just those, so a random read never inflates the file
 * from its start. The last block inflated is kept per thread: small reads
 * (a page fault of an mmap, a 4 KiB read loop) hit the same block many
 * times. Formats: libisofs's doc/zisofs_format.txt (version 1, 4-byte
 * pointers) and doc/zisofs2_format.txt (version 2, 8-byte pointers, only
 * its zlib algorithm). */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "burnfs/index.h"
#include "index/index_priv.h"

static const unsigned char MAGIC1[8] = { 0x37, 0xe4, 0x53, 0x96,
					 0xc9, 0xdb, 0xd6, 0x07 };
static const unsigned char MAGIC2[8] = { 0xef, 0x22, 0x55, 0xa1,
					 0xbc, 0x1b, 0x95, 0xa0 };
#define ZISOFS2_ZLIB 1
/* zlib's worst case for a block is a few bytes more than the block;
 * anything larger is a damaged pointer, not a reason to allocate. */
#define SLACK 4096

struct zhdr {
	uint64_t stored;     /* bytes the extents hold */
	uint32_t ptr_off;    /* where the pointer array starts */
	uint32_t ptr_size;   /* 4 or 8 */
	uint32_t block;      /* block size */
};

/* The one block this thread inflated last. */
struct zcache {
	uint64_t serial;     /* index_serial() of its index */
	uint32_t id;
	uint64_t blk;
	size_t len;
	unsigned char *data; /* 128 KiB, the largest block size */
	unsigned char *in;   /* compressed bytes of a block */
};

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void cache_free(void *p)
{
	struct zcache *c = p;

	free(c->data);
	free(c->in);
	free(c);
}

static void cache_init(void)
{
	pthread_key_create(&cache_key, cache_free);
}

static struct zcache *cache_get(void)
{
	struct zcache *c;

	pthread_once(&cache_once, cache_init);
	c = pthread_getspecific(cache_key);
	if (c)
		return c;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->data = malloc(128 * 1024);
	c->in = malloc(128 * 1024 + SLACK);
	if (!c->data || !c->in || pthread_setspecific(cache_key, c)) {
		cache_free(c);
		return NULL;
	}
	return c;
}

static uint64_t le(const unsigned char *p, int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static uint64_t stored_size(const struct idx_node *n)
{
	uint64_t sum = 0;

	for (uint32_t i = 0; i < n->n_extents; i++)
		sum += n->extents[i].size;
	return sum;
}

/* Parse the file header; the content size must be the node's size. */
static int read_header(const struct index *idx, const struct idx_node *n,
		       struct zhdr *h)
{
	unsigned char b[24];
	int bsl2;

	h->stored = stored_size(n);
	if (h->stored < sizeof(b) ||
	    index_read_stored(idx, n, b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return -EIO;
	if (!memcmp(b, MAGIC1, 8) && le(b + 8, 4) == n->size) {
		h->ptr_off = b[12] * 4u;
		bsl2 = b[13];
		h->ptr_size = 4;
	} else if (!memcmp(b, MAGIC2, 8) && b[8] == 0 && b[10] == ZISOFS2_ZLIB &&
		   le(b + 12, 8) == n->size) {
		h->ptr_off = b[9] * 4u;
		bsl2 = b[11];
		h->ptr_size = 8;
	} else {
		return -EIO;
	}
	if (bsl2 < 15 || bsl2 > 17 || h->ptr_off < 16)
		return -EIO;
	h->block = 1u << bsl2;
	return 0;
}

/* Where block blk's zlib stream lies among the stored bytes. */
static int block_range(const struct index *idx, const struct idx_node *n,
		       const struct zhdr *h, uint64_t blk, uint64_t *start,
		       uint64_t *end)
{
	unsigned char p[16];
	uint64_t at = h->ptr_off + blk * h->ptr_size;

	if (at + 2 * h->ptr_size > h->stored ||
	    index_read_stored(idx, n, p, 2 * h->ptr_size, at) !=
	    (ssize_t)(2 * h->ptr_size))
		return -EIO;
	*start = le(p, (int)h->ptr_size);
	*end = le(p + h->ptr_size, (int)h->ptr_size);
	if (*end < *start || *end > h->stored ||
	    *end - *start > h->block + SLACK)
		return -EIO;
	return 0;
}

/* Inflate block blk (want bytes: the block size, less for the last) into
 * out. A block stored with no bytes is a block of zeros. */
static int inflate_block(const struct index *idx, const struct idx_node *n,
			 const struct zhdr *h, uint64_t blk, unsigned char *in,
			 unsigned char *out, size_t want)
{
	uint64_t start, end;
	uLongf got = want;
	int r = block_range(idx, n, h, blk, &start, &end);

	if (r)
		return r;
	if (start == end) {
		memset(out, 0, want);
		return 0;
	}
	if (index_read_stored(idx, n, in, end - start, start) !=
	    (ssize_t)(end - start))
		return -EIO;
	if (uncompress(out, &got, in, end - start) != Z_OK || got != want)
		return -EIO;
	return 0;
}

/* The bytes of block blk, from the thread's cache or inflated into it. */
static const unsigned char *cached_block(const struct index *idx,
					 uint32_t id, const struct idx_node *n,
					 const struct zhdr *h, uint64_t blk,
					 size_t want, int *err)
{
	struct zcache *c = cache_get();

	*err = c ? 0 : -ENOMEM;
	if (!c)
		return NULL;
	if (c->serial == index_serial(idx) && c->id == id && c->blk == blk &&
	    c->len == want)
		return c->data;
	c->serial = 0;
	*err = inflate_block(idx, n, h, blk, c->in, c->data, want);
	if (*err)
		return NULL;
	c->serial = index_serial(idx);
	c->id = id;
	c->blk = blk;
	c->len = want;
	return c->data;
}

ssize_t index_zisofs_read(const struct index *idx, uint32_t id,
			  const struct idx_node *n, void *buf, size_t len,
			  uint64_t off)
{
	struct zhdr h;
	size_t done = 0;
	int r = read_header(idx, n, &h);

	while (!r && done < len) {
		uint64_t pos = off + done, blk = pos / h.block;
		uint64_t bstart = blk * h.block;
		size_t want = n->size - bstart < h.block ? n->size - bstart : h.block;
		size_t in = pos - bstart, part = want - in;
		const unsigned char *data;

		if (part > len - done)
			part = len - done;
		data = cached_block(idx, id, n, &h, blk, want, &r);
		if (data)
			memcpy((char *)buf + done, data + in, part);
		done += data ? part : 0;
	}
	return done ? (ssize_t)done : r;
}
