/* reaper.c — retires the data files a commit freed (empties them into
 * spare/ or deletes them, see spare.c), on a thread of its own and a batch
 * at a time. A commit frees one data file per staged file, and that takes
 * most of a second for 10,000 files on ext4 here (longer than the rest of
 * the commit's bookkeeping). So the commit hands the ids over and returns.
 * Nothing refers to these files any more and ids are never reused, so
 * retiring them late races with nothing; if the daemon dies first,
 * stage_data_gc() at the next open does it. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "burnfs/grow.h"
#include "burnfs/log.h"
#include "stage/stage_priv.h"

#define REAP_BATCH 128
#define REAP_PAUSE_NS 2000000L  /* between batches: spread the deletes */

struct reaper {
	pthread_mutex_t lock;
	pthread_cond_t wake, idle;
	pthread_t thread;
	bool stop, busy;
	struct stage *st;
	int dirfd;
	uint64_t *ids;
	size_t n, cap;
};

static void retire_ids(struct stage *st, int dirfd, const uint64_t *ids,
		       size_t n)
{
	for (size_t i = 0; i < n; i++)
		stage_spare_retire(st, dirfd, ids[i]);
}

/* Take up to a batch off the end of the queue; r->lock held. */
static size_t take_batch(struct reaper *r, uint64_t *out)
{
	size_t k = r->n < REAP_BATCH ? r->n : REAP_BATCH;

	r->n -= k;
	for (size_t i = 0; i < k; i++)
		out[i] = r->ids[r->n + i];
	return k;
}

static void *reaper_main(void *arg)
{
	struct reaper *r = arg;
	struct timespec pause = { 0, REAP_PAUSE_NS };
	uint64_t batch[REAP_BATCH];

	pthread_mutex_lock(&r->lock);
	for (;;) {
		size_t k = take_batch(r, batch);

		if (!k) {
			r->busy = false;
			pthread_cond_broadcast(&r->idle);
			if (r->stop)
				break;
			pthread_cond_wait(&r->wake, &r->lock);
			continue;
		}
		r->busy = true;
		pthread_mutex_unlock(&r->lock);
		retire_ids(r->st, r->dirfd, batch, k);
		if (!r->stop)
			nanosleep(&pause, NULL);
		pthread_mutex_lock(&r->lock);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

static int reaper_start(struct stage *st)
{
	struct reaper *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->wake, NULL);
	pthread_cond_init(&r->idle, NULL);
	r->st = st;
	r->dirfd = dup(st->data_dir_fd);
	if (r->dirfd < 0 || pthread_create(&r->thread, NULL, reaper_main, r)) {
		if (r->dirfd >= 0)
			close(r->dirfd);
		pthread_cond_destroy(&r->idle);
		pthread_cond_destroy(&r->wake);
		pthread_mutex_destroy(&r->lock);
		free(r);
		return -EAGAIN;
	}
	st->reaper = r;
	return 0;
}

/* Deletes what is queued (at full speed) and ends the thread. */
void stage_reaper_stop(struct stage *st)
{
	struct reaper *r = st->reaper;

	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	close(r->dirfd);
	pthread_cond_destroy(&r->idle);
	pthread_cond_destroy(&r->wake);
	pthread_mutex_destroy(&r->lock);
	free(r->ids);
	free(r);
	st->reaper = NULL;
}

/* Queue a data file for deletion; without a reaper it goes at once. The
 * thread starts with the first file: a stage opened before the daemon
 * forks into the background must not own a thread yet. */
void stage_reaper_add(struct stage *st, uint64_t id)
{
	struct reaper *r;

	if (!st->reaper && reaper_start(st) < 0)
		blog_warn("stage: no cleanup thread; deleting at once");
	r = st->reaper;
	if (!r) {
		retire_ids(st, st->data_dir_fd, &id, 1);
		return;
	}
	pthread_mutex_lock(&r->lock);
	if (GROW(&r->ids, &r->cap, r->n + 1, 256)) {
		pthread_mutex_unlock(&r->lock);
		retire_ids(st, st->data_dir_fd, &id, 1);
		return;
	}
	r->ids[r->n++] = id;
	r->busy = true;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
}

void stage_settle(struct stage *st)
{
	struct reaper *r = st->reaper;

	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	while (r->busy || r->n)
		pthread_cond_wait(&r->idle, &r->lock);
	pthread_mutex_unlock(&r->lock);
}
