/* pool.c — the hashing threads behind the MD5 contexts: full 1 MiB chunks
 * are queued per context, a context's chunks are hashed in order by one
 * worker at a time, and contexts take turns, so a file's MD5 and the
 * session's MD5 run on two workers at once. At most MAX_CHUNKS buffers are
 * in flight: a writer faster than the hashing waits for a free one. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "md5/md5_priv.h"

#define WORKERS 2      /* file MD5 + session MD5 */
#define MAX_CHUNKS 16  /* 16 MiB queued at most, over all contexts */

static struct {
	pthread_mutex_t lock;
	pthread_cond_t work;      /* workers: a context is ready, or stop */
	pthread_cond_t done;      /* owners: a chunk came back, a context drained */
	struct md5ctx *ready, **ready_tail;
	struct md5chunk *free;    /* spare chunks */
	unsigned chunks;          /* allocated, spare included */
	unsigned in_flight;       /* queued or being hashed */
	pthread_t tid[WORKERS];
	int running;              /* workers started */
	bool stop;
} pool = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.work = PTHREAD_COND_INITIALIZER,
	.done = PTHREAD_COND_INITIALIZER,
	.ready_tail = &pool.ready,
};

static void make_ready(struct md5ctx *ctx)
{
	ctx->queued = true;
	ctx->next = NULL;
	*pool.ready_tail = ctx;
	pool.ready_tail = &ctx->next;
	pthread_cond_signal(&pool.work);
}

static struct md5ctx *take_ready(void)
{
	struct md5ctx *ctx = pool.ready;

	pool.ready = ctx->next;
	if (!pool.ready)
		pool.ready_tail = &pool.ready;
	ctx->queued = false;
	return ctx;
}

/* Hash one context's queued chunks outside the lock, in order. */
static void hash_batch(struct md5ctx *ctx)
{
	struct md5chunk *list = ctx->head, *c, *last = NULL;
	unsigned n = 0;

	ctx->head = NULL;
	ctx->tail = &ctx->head;
	ctx->busy = true;
	pthread_mutex_unlock(&pool.lock);
	for (c = list; c; c = c->next, n++) {
		md5_ctx_update(ctx, c->data, c->len);
		last = c;
	}
	pthread_mutex_lock(&pool.lock);
	if (last) {
		last->next = pool.free;
		pool.free = list;
	}
	pool.in_flight -= n;
	ctx->busy = false;
	if (ctx->head)
		make_ready(ctx);
	pthread_cond_broadcast(&pool.done);
}

static void *worker(void *arg)
{
	pthread_mutex_lock(&pool.lock);
	for (;;) {
		if (pool.ready)
			hash_batch(take_ready());
		else if (pool.stop)
			break;
		else
			pthread_cond_wait(&pool.work, &pool.lock);
	}
	pthread_mutex_unlock(&pool.lock);
	return arg;
}

struct md5chunk *md5_pool_get_chunk(void)
{
	struct md5chunk *c = NULL;

	pthread_mutex_lock(&pool.lock);
	/* Wait only while something is in flight: chunks held as other
	 * contexts' fill buffers come back only when those are used. */
	while (!pool.free && pool.chunks >= MAX_CHUNKS && pool.in_flight > 0)
		pthread_cond_wait(&pool.done, &pool.lock);
	if (pool.free) {
		c = pool.free;
		pool.free = c->next;
	} else {
		c = malloc(sizeof(*c));
		if (c)
			pool.chunks++;
	}
	pthread_mutex_unlock(&pool.lock);
	if (c) {
		c->next = NULL;
		c->len = 0;
	}
	return c;
}

int md5_pool_submit(struct md5ctx *ctx, struct md5chunk *c)
{
	pthread_mutex_lock(&pool.lock);
	if (!pool.running) {
		pthread_mutex_unlock(&pool.lock);
		return -ESRCH;
	}
	c->next = NULL;
	*ctx->tail = c;
	ctx->tail = &c->next;
	pool.in_flight++;
	if (!ctx->busy && !ctx->queued)
		make_ready(ctx);
	pthread_mutex_unlock(&pool.lock);
	return 0;
}

/* Give back a chunk that was never queued. */
void md5_pool_put_chunk(struct md5chunk *c)
{
	pthread_mutex_lock(&pool.lock);
	c->next = pool.free;
	pool.free = c;
	pthread_cond_broadcast(&pool.done);
	pthread_mutex_unlock(&pool.lock);
}

void md5_pool_drain(struct md5ctx *ctx)
{
	pthread_mutex_lock(&pool.lock);
	while (ctx->head || ctx->busy || ctx->queued)
		pthread_cond_wait(&pool.done, &pool.lock);
	pthread_mutex_unlock(&pool.lock);
}

int md5_pool_start(void)
{
	int i, ret = 0;

	pthread_mutex_lock(&pool.lock);
	pool.stop = false;
	for (i = pool.running; i < WORKERS; i++) {
		ret = -pthread_create(&pool.tid[i], NULL, worker, NULL);
		if (ret < 0)
			break;
		pool.running++;
	}
	pthread_mutex_unlock(&pool.lock);
	return pool.running > 0 ? 0 : ret;
}

/* Contexts are drained by their owners before this is called (the mode
 * switched to inline first), so the workers find nothing left to do. */
void md5_pool_stop(void)
{
	struct md5chunk *c;
	int i, n;

	pthread_mutex_lock(&pool.lock);
	pool.stop = true;
	n = pool.running;
	pool.running = 0;
	pthread_cond_broadcast(&pool.work);
	pthread_mutex_unlock(&pool.lock);
	for (i = 0; i < n; i++)
		pthread_join(pool.tid[i], NULL);
	pthread_mutex_lock(&pool.lock);
	while ((c = pool.free)) {
		pool.free = c->next;
		free(c);
		pool.chunks--;
	}
	pthread_mutex_unlock(&pool.lock);
}
