/* behind.c — big writes into data files go to the disk on a thread of
 * their own (write-behind), so that the writer's next write(2) — cp reading
 * its next megabyte — overlaps this one's copy into the cache file. Every
 * write is checked first (the medium's room, ENOSPC from write(2), is the
 * fs layer's, before it comes here), its bytes are copied and the node's
 * size and times change at once; only the pwrite is late.
 *
 * At most BEHIND_SLOTS writes wait. Every stage operation but a write and
 * the getattr family takes the stage lock through stage_lock(), which
 * first waits until none is left, so reads, truncates, fsync, release,
 * copy-up, unlink and commit see the bytes as if written at once. A write
 * that fails late (the cache disk broke) is logged and returned by the
 * node's next write or fsync; so that ENOSPC of the cache disk is never
 * late, writes go synchronously while it has little room left (256 MiB,
 * or BURNFS_CACHE_MARGIN bytes from the environment: tests set it). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "burnfs/log.h"
#include "stage/stage_priv.h"

#define BEHIND_SLOTS 2
#define BEHIND_MIN_SIZE (64 * 1024)       /* smaller: not worth a copy */
#define BEHIND_ROOM_MARGIN (256ull << 20) /* cache disk room to keep */

struct bjob {
	struct snode *node;
	int fd;
	void *buf;          /* kept from job to job: fresh memory faults */
	size_t cap, len;
	off_t off;
	const void *data;   /* buf, or inside a buffer taken over: */
	void (*release)(void *base);
	void *base;
};

struct behind {
	pthread_mutex_t lock;
	pthread_cond_t work, done;
	pthread_t thread;
	bool stop;
	struct bjob q[BEHIND_SLOTS];
	int head, n;        /* n: queued, the one being written included */
};

static void run_job(struct bjob *j)
{
	size_t done = 0;
	ssize_t r;

	while (done < j->len) {
		r = pwrite(j->fd, (const char *)j->data + done, j->len - done,
			   j->off + (off_t)done);
		if (r <= 0) {
			int err = r < 0 ? errno : EIO;

			__atomic_store_n(&j->node->wb_error, -err,
					 __ATOMIC_RELEASE);
			blog_error("stage: writing data file %llu: %s",
				   (unsigned long long)j->node->data_id,
				   strerror(err));
			break;
		}
		done += (size_t)r;
	}
	if (j->base)
		j->release(j->base);
	j->base = NULL;
}

static void *behind_main(void *arg)
{
	struct behind *b = arg;

	pthread_mutex_lock(&b->lock);
	for (;;) {
		while (!b->n && !b->stop)
			pthread_cond_wait(&b->work, &b->lock);
		if (!b->n)
			break;
		pthread_mutex_unlock(&b->lock);
		run_job(&b->q[b->head]);
		pthread_mutex_lock(&b->lock);
		b->head = (b->head + 1) % BEHIND_SLOTS;
		__atomic_store_n(&b->n, b->n - 1, __ATOMIC_RELEASE);
		pthread_cond_broadcast(&b->done);
	}
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

static struct behind *behind_get(struct stage *st)
{
	struct behind *b = st->behind;

	if (b)
		return b;
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->work, NULL);
	pthread_cond_init(&b->done, NULL);
	if (pthread_create(&b->thread, NULL, behind_main, b)) {
		pthread_cond_destroy(&b->done);
		pthread_cond_destroy(&b->work);
		pthread_mutex_destroy(&b->lock);
		free(b);
		return NULL;
	}
	st->behind = b;
	return b;
}

static void behind_drain(struct stage *st)
{
	struct behind *b = st->behind;

	if (!b || !__atomic_load_n(&b->n, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&b->lock);
	while (b->n)
		pthread_cond_wait(&b->done, &b->lock);
	pthread_mutex_unlock(&b->lock);
}

void stage_behind_stop(struct stage *st)
{
	struct behind *b = st->behind;

	if (!b)
		return;
	pthread_mutex_lock(&b->lock);
	b->stop = true;
	pthread_cond_signal(&b->work);
	pthread_mutex_unlock(&b->lock);
	pthread_join(b->thread, NULL);
	for (int i = 0; i < BEHIND_SLOTS; i++)
		free(b->q[i].buf);
	pthread_cond_destroy(&b->done);
	pthread_cond_destroy(&b->work);
	pthread_mutex_destroy(&b->lock);
	free(b);
	st->behind = NULL;
}

static unsigned long long room_margin_bytes = BEHIND_ROOM_MARGIN;
static pthread_once_t room_margin_once = PTHREAD_ONCE_INIT;

/* BURNFS_CACHE_MARGIN: bytes, with an optional K, M or G. */
static void room_margin_init(void)
{
	const char *v = getenv("BURNFS_CACHE_MARGIN");
	unsigned long long n;
	char *end;

	if (!v || !*v)
		return;
	errno = 0;
	n = strtoull(v, &end, 10);
	switch (*end) {
	case 'G': n <<= 10; /* fall through */
	case 'M': n <<= 10; /* fall through */
	case 'K': n <<= 10; end++; break;
	}
	if (errno || end == v || *end)
		blog_warn("stage: BURNFS_CACHE_MARGIN=%s is not a size; "
			  "using %llu bytes", v, room_margin_bytes);
	else
		room_margin_bytes = n;
}

/* Room on the cache disk for this and what waits, with a margin. */
static bool cache_has_room(struct stage *st, size_t len)
{
	struct statvfs sv;

	pthread_once(&room_margin_once, room_margin_init);
	if (fstatvfs(st->cache_fd, &sv))
		return false;
	return (unsigned long long)sv.f_bavail * sv.f_frsize >=
	       room_margin_bytes + (BEHIND_SLOTS + 1) * (unsigned long long)len;
}

/* Queue a write of n's open data file; stage lock held. 1: queued, 0: the
 * caller writes it now (behind_drain done), <0: error. */
int stage_behind_write(struct stage *st, struct snode *n, struct wsrc *src,
		       size_t len, off_t off)
{
	struct behind *b = NULL;
	struct bjob *j;
	void *grown;

	if (len >= BEHIND_MIN_SIZE && cache_has_room(st, len))
		b = behind_get(st);
	if (!b) {
		behind_drain(st);  /* in order with what waits */
		return 0;
	}
	pthread_mutex_lock(&b->lock);
	while (b->n == BEHIND_SLOTS)
		pthread_cond_wait(&b->done, &b->lock);
	/* the free slot is ours alone until n counts it */
	j = &b->q[(b->head + b->n) % BEHIND_SLOTS];
	pthread_mutex_unlock(&b->lock);
	if (src->base) {
		/* the bytes' buffer is ours: no copy */
		j->data = src->mem;
		j->release = src->release;
		j->base = src->base;
		src->base = NULL;
	} else {
		if (j->cap < len) {
			grown = realloc(j->buf, len);
			if (!grown) {
				behind_drain(st);
				return 0;
			}
			j->buf = grown;
			j->cap = len;
		}
		memcpy(j->buf, src->mem, len);
		j->data = j->buf;
	}
	j->node = n;
	j->fd = n->fd;
	j->len = len;
	j->off = off;
	pthread_mutex_lock(&b->lock);
	__atomic_store_n(&b->n, b->n + 1, __ATOMIC_RELEASE);
	pthread_cond_signal(&b->work);
	pthread_mutex_unlock(&b->lock);
	return 1;
}

int stage_behind_take_error(struct snode *n)
{
	return __atomic_exchange_n(&n->wb_error, 0, __ATOMIC_ACQ_REL);
}

void stage_lock(struct stage *st)
{
	pthread_mutex_lock(&st->lock);
	behind_drain(st);
}
