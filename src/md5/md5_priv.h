/* md5_priv.h — inside the md5 part: the context that libisofs holds as
 * its opaque MD5 handle, and the pool of hashing threads that feeds it.
 *
 * Lock: pool.lock (pool.c) guards a context's queue fields (head, tail,
 * busy, queued, next) and the pool's lists. The thread that owns a context
 * (the one calling iso_md5_*) alone touches fill and inline_bytes; the
 * libcrypto state evp is touched by a worker while busy is set, by the
 * owner only while the context is drained (nothing queued, not busy). */
#ifndef BURNFS_MD5_PRIV_H
#define BURNFS_MD5_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#define MD5POOL_CHUNK (1u << 20)   /* bytes a worker hashes per hand-off */

struct md5chunk {
	struct md5chunk *next;
	size_t len;
	unsigned char data[MD5POOL_CHUNK];
};

struct md5claim;

/* A context standing on a stored MD5 (claim.c): its owner's only. */
struct md5bind {
	struct md5claim *claim;  /* NULL: none */
	unsigned epoch;          /* the stream's open it belongs to */
	uint64_t fed;            /* bytes given, not hashed: the file's first */
	pthread_t thread;        /* the thread that started it */
};

struct md5ctx {
	EVP_MD_CTX *evp;
	struct md5bind bind;
	bool offload;          /* may hand bytes to the pool (mode at start) */
	bool failed;           /* a libcrypto call failed: no digest */
	uint64_t inline_bytes; /* hashed on the owner's thread so far */
	struct md5chunk *fill; /* owner only: being filled */
	/* under pool.lock */
	struct md5chunk *head, **tail;   /* full chunks waiting, in order */
	bool busy;             /* a worker hashes this context's chunks */
	bool queued;           /* on the pool's ready list */
	struct md5ctx *next;   /* ready list link */
};

/* A chunk to fill, or NULL (out of memory: the caller hashes inline).
 * Waits while the pool's buffers are all in flight. */
struct md5chunk *md5_pool_get_chunk(void);
/* Queue c (c->len bytes) behind ctx's other chunks; a worker will hash it
 * and take the chunk back. -ESRCH: no workers run (c stays the caller's). */
int md5_pool_submit(struct md5ctx *ctx, struct md5chunk *c);
/* Give back a chunk that was not submitted. */
void md5_pool_put_chunk(struct md5chunk *c);
/* Wait until nothing of ctx is queued or being hashed. */
void md5_pool_drain(struct md5ctx *ctx);
/* Start the workers; 0 or -errno. */
int md5_pool_start(void);
void md5_pool_stop(void);

/* Feed bytes to ctx's libcrypto state on this thread (drained ctx). */
void md5_ctx_update(struct md5ctx *ctx, const void *data, size_t len);

/* claim.c, on the context's owner thread. bind: a new context takes the
 * MD5 offered on this thread, if any. take: true when data stands in the
 * stored MD5 (not to be hashed); false: the context hashes as usual from
 * now on (what it was given before is hashed already). finish: true when
 * result is the stored MD5 (the context still has to be freed). drop:
 * hash what was given (read again from the file) and leave the claim. */
void md5_claim_bind(struct md5ctx *ctx);
bool md5_claim_take(struct md5ctx *ctx, const char *data, size_t len);
bool md5_claim_finish(struct md5ctx *ctx, char result[16]);
void md5_claim_drop(struct md5ctx *ctx);

/* selftest.c: how new contexts hash. */
bool md5_mode_offload(void);
/* Contexts started, so the self-test can see that libisofs used ours. */
void md5_count_start(void);
unsigned long md5_started_count(void);

#endif
