/* hasher.c — a staged file's MD5, taken after the file was written and
 * closed, kept with its data file (md5.h) so that the commit records it
 * instead of hashing the bytes again.
 *
 * Hashing while cp writes slowed cp down on two cores: every byte was
 * hashed on the path of the write. Here a file of HASH_MIN bytes or more
 * is queued when its last handle that changed it is released, and an
 * idle-priority thread (SCHED_IDLE: it runs only on a core nobody else
 * wants) reads it back from the page cache and hashes it, oldest first.
 * A commit that finds files still queued starts a second thread at
 * normal priority that takes them newest first, while libisofs writes
 * the session oldest first: a file either of them reaches first is
 * hashed once. The idle thread starts with stage_start_threads, once a
 * daemon has forked (a thread does not survive the fork; one made
 * before it left a condition variable waited on by no thread, and the
 * daemon hung at exit). At a mount, the files staged before are queued again:
 * those still without a stored MD5 (closed just before a crash, or
 * hashed in another boot) are hashed, the others skipped.
 *
 * Never a stale MD5: every change of a data file's content bumps the
 * node's cgen and removes a stored MD5 before the change reaches the file
 * (stage_hash_changed), under the stage lock. A thread takes a node that
 * has no handle open (so no write of it is queued behind: its release
 * drained them), notes its data file, cgen and size under the lock,
 * hashes without it, and stores the result under the lock only if the
 * node still has that data file, cgen and size: anything that changed
 * the bytes meanwhile changed one of them first.
 *
 * The queue holds a reference on each node; it is guarded by the stage
 * lock, the threads' sleep and stop by h->mu (taken inside the stage
 * lock, never the other way round). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "burnfs/env.h"
#include "burnfs/grow.h"
#include "burnfs/log.h"
#include "burnfs/md5.h"
#include "stage/stage_priv.h"

#define HASH_MIN_DEFAULT (256u << 10)
#define CHUNK (1u << 20)

struct hasher {
	pthread_t idle;
	bool idle_started;  /* stage_start_threads, after a daemon's fork */
	pthread_mutex_t mu;
	pthread_cond_t cv;  /* kick, stop, hurrying */
	bool kick;          /* a file was queued since the idle thread looked */
	bool stop;          /* close: both threads end */
	bool calm;          /* the commit ended: the hurry thread ends */
	bool hurrying;      /* the hurry thread runs */
	/* the last hurry thread, joined before the next starts and at stop:
	 * a detached one still ran its exit (OpenSSL's per-thread state is
	 * freed there) after saying it was done, racing the process's exit */
	pthread_t hurry;
	bool hurry_started;
	/* the queue (stage lock): q[head..len) */
	struct snode **q;
	size_t head, len, cap;
	unsigned inflight;  /* taken off the queue, result not yet stored */
	uint64_t min;       /* smallest file hashed */
};

/* One file taken off the queue, as it was then. */
struct hash_job {
	struct snode *n;
	uint64_t id, size;
	uint32_t cgen;
	int fd;
};

static uint64_t hash_min(void)
{
	const char *v = getenv("BURNFS_MD5_EARLY_MIN");
	uint64_t m = env_u64("BURNFS_MD5_EARLY_MIN", HASH_MIN_DEFAULT);

	if (v && !strcmp(v, "off"))
		return UINT64_MAX;
	return m ? m : 1;
}

int stage_hash_changed(struct stage *st, struct snode *n)
{
	int ret;

	__atomic_fetch_add(&n->cgen, 1, __ATOMIC_RELAXED);  /* still() reads it */
	n->hash_wanted = true;
	if (n->md5_clear)
		return 0;
	ret = md5_stored_clear(n->fd);
	if (ret < 0) {
		blog_error("stage: cannot remove the stored MD5 of data file %llu: %s",
			   (unsigned long long)n->data_id, strerror(-ret));
		return stage_cache_errno(-ret);
	}
	n->md5_clear = true;
	return 0;
}

static bool queue_grow(struct hasher *h)
{
	if (h->head) {   /* slide what is left to the front */
		memmove(h->q, h->q + h->head, (h->len - h->head) * sizeof(*h->q));
		h->len -= h->head;
		h->head = 0;
		if (h->len < h->cap)
			return true;
	}
	return GROW(&h->q, &h->cap, h->len + 1, 64) == 0;
}

void stage_hash_closed(struct stage *st, struct snode *n)
{
	struct hasher *h = st->hasher;

	if (!h || !n->hash_wanted || n->nopen || n->hqueued || !n->data_id ||
	    n->size < h->min)
		return;
	if (h->len == h->cap && !queue_grow(h))
		return;   /* out of memory: the commit hashes it */
	n->hash_wanted = false;
	n->hqueued = true;
	n->ref++;
	h->q[h->len++] = n;
	pthread_mutex_lock(&h->mu);
	h->kick = true;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

size_t stage_hash_queued(struct stage *st)
{
	size_t n;

	STAGE_LOCK_NODRAIN(st);
	n = st->hasher ? st->hasher->len - st->hasher->head +
			 st->hasher->inflight : 0;
	STAGE_UNLOCK(st);
	return n;
}

/* A stored MD5 for the file's whole content: nothing to do. */
static bool has_md5(int fd, uint64_t size)
{
	unsigned char md5[16];

	return md5_stored_get(fd, size, md5) == 1;
}

/* Take the oldest (or newest) queued file that still wants hashing;
 * stage lock held. false: the queue is empty. */
static bool take(struct stage *st, bool newest, struct hash_job *j)
{
	struct hasher *h = st->hasher;

	while (h->head < h->len) {
		struct snode *n = newest ? h->q[--h->len] : h->q[h->head++];

		n->hqueued = false;
		j->fd = -1;
		if (n->nopen)   /* hashed once its handles are released */
			n->hash_wanted = true;
		else if (n->data_id && n->size >= h->min)
			j->fd = stage_data_open(st, n->data_id, O_RDONLY);
		if (j->fd >= 0 && has_md5(j->fd, n->size)) {
			close(j->fd);
			j->fd = -1;
		}
		if (j->fd >= 0) {
			j->n = n;   /* the queue's reference goes with it */
			j->id = n->data_id;
			j->size = n->size;
			j->cgen = n->cgen;
			h->inflight++;
			return true;
		}
		stage_node_unref(st, n);
	}
	h->head = h->len = 0;
	return false;
}

static bool still(const struct hash_job *j)
{
	return __atomic_load_n(&j->n->cgen, __ATOMIC_RELAXED) == j->cgen;
}

static bool should_stop(struct hasher *h, bool hurry)
{
	bool stop;

	pthread_mutex_lock(&h->mu);
	stop = h->stop || (hurry && h->calm);
	pthread_mutex_unlock(&h->mu);
	return stop;
}

/* The MD5 of the job's file, read without the stage lock. 0, 1 (given
 * up: changed or stopping), or -errno. */
static int hash_file(struct hasher *h, bool hurry, struct hash_job *j,
		     void *buf, unsigned char md5[16])
{
	struct md5run *run = md5_run_new();
	struct stat sb;
	uint64_t off = 0;
	int ret = -ENOMEM;

	if (!run)
		goto out;
	ret = fstat(j->fd, &sb) ? -errno : (uint64_t)sb.st_size != j->size;
	while (!ret && off < j->size) {
		size_t want = j->size - off < CHUNK ? j->size - off : CHUNK;
		ssize_t r = pread(j->fd, buf, want, (off_t)off);

		if (r <= 0) {
			ret = r < 0 ? -errno : -EIO;
			break;
		}
		md5_run_add(run, buf, (size_t)r);
		off += (uint64_t)r;
		if (!still(j) || should_stop(h, hurry))
			ret = 1;
	}
	if (!ret)
		ret = md5_run_digest(run, md5);
out:
	md5_run_free(run);
	return ret;
}

/* Keep md5 with the file if nothing changed it; stage lock held. */
static void store(struct stage *st, struct hash_job *j,
		  const unsigned char md5[16])
{
	struct snode *n = j->n;
	int ret;

	if (n->data_id != j->id || n->cgen != j->cgen || n->size != j->size)
		return;
	n->md5_clear = false;   /* even a failed put may have left one */
	ret = md5_stored_put(j->fd, j->size, md5);
	if (ret < 0 && ret != -ENOTSUP)
		blog_warn("stage: cannot keep the MD5 of data file %llu: %s",
			  (unsigned long long)j->id, strerror(-ret));
}

static void do_one(struct stage *st, bool hurry, struct hash_job *j,
		   void *buf)
{
	unsigned char md5[16];
	int ret = hash_file(st->hasher, hurry, j, buf, md5);

	if (ret < 0)
		blog_warn("stage: cannot hash data file %llu: %s (the commit "
			  "will)", (unsigned long long)j->id, strerror(-ret));
	STAGE_LOCK_NODRAIN(st);
	if (!ret)
		store(st, j, md5);
	st->hasher->inflight--;
	stage_node_unref(st, j->n);
	STAGE_UNLOCK(st);
	close(j->fd);
}

/* Sleep until a file is queued; false: stop. */
static bool wait_kick(struct hasher *h)
{
	bool go;

	pthread_mutex_lock(&h->mu);
	while (!h->kick && !h->stop)
		pthread_cond_wait(&h->cv, &h->mu);
	h->kick = false;
	go = !h->stop;
	pthread_mutex_unlock(&h->mu);
	return go;
}

/* The idle thread sleeps when the queue is empty; the hurry thread ends. */
static void run(struct stage *st, bool hurry)
{
	struct hasher *h = st->hasher;
	void *buf = malloc(CHUNK);
	struct hash_job j;

	while (buf && !should_stop(h, hurry)) {
		bool got;

		STAGE_LOCK_NODRAIN(st);
		got = take(st, hurry, &j);
		STAGE_UNLOCK(st);
		if (got)
			do_one(st, hurry, &j, buf);
		else if (hurry || !wait_kick(h))
			break;
	}
	free(buf);
}

static void *idle_main(void *arg)
{
	struct sched_param p = { 0 };

	/* best effort: without it the thread competes like any other */
	pthread_setschedparam(pthread_self(), SCHED_IDLE, &p);
	run(arg, false);
	return NULL;
}

static void *hurry_main(void *arg)
{
	struct hasher *h = ((struct stage *)arg)->hasher;

	run(arg, true);
	pthread_mutex_lock(&h->mu);
	h->hurrying = false;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

/* Files staged before this mount: those without a stored MD5 (closed
 * before it was taken, or taken in another boot) are hashed again. */
static void queue_staged(struct stage *st)
{
	STAGE_LOCK_NODRAIN(st);
	for (struct snode *n = st->data_nodes; n; n = n->dnext) {
		n->hash_wanted = true;
		stage_hash_closed(st, n);
	}
	STAGE_UNLOCK(st);
}

/* The queue only: a thread made now would not survive a daemon's fork
 * (stage_start_threads starts it). */
int stage_hasher_new(struct stage *st)
{
	struct hasher *h = calloc(1, sizeof(*h));

	if (!h)
		return -ENOMEM;
	h->min = hash_min();
	if (h->min == UINT64_MAX) {
		free(h);
		return 0;   /* BURNFS_MD5_EARLY_MIN=off: the commit hashes */
	}
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	st->hasher = h;
	queue_staged(st);
	return 0;
}

int stage_start_threads(struct stage *st)
{
	struct hasher *h = st->hasher;
	int ret;

	if (!h || h->idle_started)
		return 0;
	ret = -pthread_create(&h->idle, NULL, idle_main, st);
	h->idle_started = !ret;
	if (ret)
		blog_warn("stage: no thread to hash closed files (%s): the "
			  "commit hashes them", strerror(-ret));
	return ret;
}

void stage_hash_hurry(struct stage *st)
{
	struct hasher *h = st->hasher;

	if (!h || h->head == h->len)
		return;
	pthread_mutex_lock(&h->mu);
	if (!h->hurrying && !h->stop) {
		/* done with h->mu already: it only has its exit left */
		if (h->hurry_started)
			pthread_join(h->hurry, NULL);
		h->calm = false;
		h->hurrying = !pthread_create(&h->hurry, NULL, hurry_main, st);
		h->hurry_started = h->hurrying;
	}
	pthread_mutex_unlock(&h->mu);
}

void stage_hash_calm(struct stage *st)
{
	struct hasher *h = st->hasher;

	if (!h)
		return;
	pthread_mutex_lock(&h->mu);
	h->calm = true;
	pthread_mutex_unlock(&h->mu);
}

/* Stage lock not held: the threads take it. */
void stage_hasher_stop(struct stage *st)
{
	struct hasher *h = st->hasher;

	if (!h)
		return;
	pthread_mutex_lock(&h->mu);
	h->stop = true;
	pthread_cond_broadcast(&h->cv);
	while (h->hurrying)
		pthread_cond_wait(&h->cv, &h->mu);
	pthread_mutex_unlock(&h->mu);
	if (h->hurry_started)
		pthread_join(h->hurry, NULL);
	if (h->idle_started)
		pthread_join(h->idle, NULL);
	STAGE_LOCK_NODRAIN(st);
	while (h->head < h->len) {
		struct snode *n = h->q[h->head++];

		n->hqueued = false;
		stage_node_unref(st, n);
	}
	st->hasher = NULL;
	STAGE_UNLOCK(st);
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->mu);
	free(h->q);
	free(h);
}
