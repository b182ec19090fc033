/* fs_notify.c — tell the kernel what changed without its asking. The
 * kernel keeps entries and attributes for a day (FS_TIMEOUT), so whatever
 * burnfs changes on its own must reach it:
 * - names the stage queued (discard, blank, restore, another disc: the
 *   stage says exactly which cached names lost their node) become
 *   INVAL_ENTRY;
 * - after a command, sessions/: a new session changes its link count; a
 *   session N that is no longer the one the kernel saw (blank, another
 *   disc) bumps the epoch of session node ids, so old ones turn ESTALE,
 *   and its name is invalidated.
 * A commit keeps every staged node as it was; only on a big tree does it
 * first queue the clean folders the kernel should let go of (fs_release.c).
 *
 * A command waits for its round of notifications (fs_notify_sync) before
 * its writer is answered: a script that reads staging/ or sessions/ right
 * after `echo discard > control` must not find what the kernel should have
 * forgotten.
 *
 * The notifications go out from a thread of their own, holding no lock:
 * the kernel may wait for the lock of the folder named, which a request in
 * flight can hold while it waits for burnfs (libfuse's notify examples do
 * the same). Lock order: stage lock, then this notifier's lock (the stage
 * wakes it while holding its own); never the reverse. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "burnfs/disc.h"
#include "burnfs/index.h"
#include "burnfs/log.h"
#include "burnfs/stage.h"
#include "fs/fs.h"

struct fs_notify {
	pthread_mutex_t lock;
	pthread_cond_t cv;
	pthread_cond_t done_cv;    /* a round of notifications ended */
	pthread_t thread;
	bool stop, wake, poke;     /* guarded by lock */
	unsigned long asked, done; /* lock: fs_notify_sync's rounds */
	/* sessions/ as the kernel was shown it (the thread's own) */
	int sessions;
	uint32_t newest_lba;
	uint64_t ident;            /* the medium's (idx_info.disc_ident) */
	unsigned epoch;            /* atomic: read by any request */
	/* tests only (BURNFS_TEST_NOTIFY_DELAY_MS): a notifier that runs
	 * late, as under load, so that no test passes by its speed */
	unsigned test_delay_ms;
};

unsigned fs_sessions_epoch(struct burnfs *b)
{
	return b->notify ? __atomic_load_n(&b->notify->epoch,
					   __ATOMIC_ACQUIRE) : 0;
}

static void signal_work(struct fs_notify *n, bool *what)
{
	pthread_mutex_lock(&n->lock);
	*what = true;
	pthread_cond_signal(&n->cv);
	pthread_mutex_unlock(&n->lock);
}

/* Called by the stage, under its lock. */
static void stage_woke(void *ctx)
{
	struct fs_notify *n = ctx;

	signal_work(n, &n->wake);
}

void fs_notify_sync(struct burnfs *b)
{
	struct fs_notify *n = b->notify;
	struct timespec until;
	unsigned long mine;

	if (!n)
		return;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += FS_NOTIFY_SYNC_MAX_S;
	pthread_mutex_lock(&n->lock);
	mine = ++n->asked;
	n->wake = n->poke = true;
	pthread_cond_signal(&n->cv);
	while (n->done < mine && !n->stop) {
		if (pthread_cond_timedwait(&n->done_cv, &n->lock, &until) == ETIMEDOUT) {
			blog_warn("fs: the kernel took over %d s to take what it "
				  "must forget; the command returns without waiting",
				  FS_NOTIFY_SYNC_MAX_S);
			break;
		}
	}
	pthread_mutex_unlock(&n->lock);
}

static void inval_stage(void *ctx, struct stage_node *node, const char *name)
{
	struct burnfs *b = ctx;
	fuse_ino_t ino = node ? (fuse_ino_t)(uintptr_t)node : FUSE_ROOT_ID;
	const char *n = node ? name : FS_STAGING_NAME;
	int ret;

	if (!n)  /* the node's attributes and pages */
		ret = fuse_lowlevel_notify_inval_inode(b->se, ino, 0, 0);
	else
		ret = fuse_lowlevel_notify_inval_entry(b->se, ino, n, strlen(n));
	/* ENOENT: the kernel had forgotten it already */
	if (ret && ret != -ENOENT)
		blog_debug("fs: invalidating %s: %s", n ? n : "an inode",
			   strerror(-ret));
}

/* The newest session's start and whether the sessions the kernel saw are
 * still those of the medium: another disc whose sessions lie where the
 * old one's did is told by its identity. */
static bool same_sessions(struct burnfs *b, struct fs_notify *n, int now,
			  uint32_t lba, uint64_t ident)
{
	struct index *idx;
	bool same;

	if (now < n->sessions || (ident && n->ident && ident != n->ident))
		return false;
	if (now == n->sessions || n->sessions == 0)
		return now != n->sessions || lba == n->newest_lba;
	if (disc_session_index_cached(b->disc, n->sessions, &idx))
		return true;  /* kept only while a session stays the same */
	same = index_info(idx)->start_lba == n->newest_lba;
	index_unref(idx);
	return same;
}

static void note_sessions(struct burnfs *b, int *count, uint32_t *lba,
			  uint64_t *ident)
{
	struct index *lower = disc_lower(b->disc);
	struct disc_facts f;

	disc_get_facts(b->disc, &f);
	*count = f.sessions;
	*lba = lower ? index_info(lower)->start_lba : 0;
	*ident = lower ? index_info(lower)->disc_ident : 0;
	index_unref(lower);
}

static void check_sessions(struct burnfs *b, struct fs_notify *n)
{
	char name[16];
	uint64_t ident;
	uint32_t lba;
	int now;

	note_sessions(b, &now, &lba, &ident);
	if (!same_sessions(b, n, now, lba, ident)) {
		__atomic_store_n(&n->epoch, (n->epoch + 1) & FS_EPOCH_MASK,
				 __ATOMIC_RELEASE);
		for (int i = 1; i <= n->sessions; i++) {
			snprintf(name, sizeof(name), "%d", i);
			fuse_lowlevel_notify_inval_entry(b->se, FS_INO_SESSIONS,
							 name, strlen(name));
		}
	}
	if (now != n->sessions || lba != n->newest_lba)
		fuse_lowlevel_notify_inval_inode(b->se, FS_INO_SESSIONS, -1, 0);
	n->sessions = now;
	n->newest_lba = lba;
	n->ident = ident;
}

static void *notify_main(void *arg)
{
	struct burnfs *b = arg;
	struct fs_notify *n = b->notify;
	unsigned long round;
	bool wake, poke;

	pthread_mutex_lock(&n->lock);
	while (!n->stop) {
		if (!n->wake && !n->poke) {
			pthread_cond_wait(&n->cv, &n->lock);
			continue;
		}
		wake = n->wake;
		poke = n->poke;
		round = n->asked;
		n->wake = n->poke = false;
		pthread_mutex_unlock(&n->lock);
		if (n->test_delay_ms)
			nanosleep(&(struct timespec){ n->test_delay_ms / 1000,
				  (long)(n->test_delay_ms % 1000) * 1000000 }, NULL);
		if (wake)
			stage_take_invals(b->stage, inval_stage, b);
		if (poke)
			check_sessions(b, n);
		pthread_mutex_lock(&n->lock);
		n->done = round;
		pthread_cond_broadcast(&n->done_cv);
	}
	pthread_cond_broadcast(&n->done_cv);
	pthread_mutex_unlock(&n->lock);
	return NULL;
}

/* After daemonizing: threads do not survive the fork. Signals stay with
 * the main thread. */
int fs_notify_start(struct burnfs *b)
{
	struct fs_notify *n = calloc(1, sizeof(*n));
	pthread_condattr_t ca;
	sigset_t all, old;
	int ret;

	if (!n)
		return -ENOMEM;
	pthread_mutex_init(&n->lock, NULL);
	pthread_cond_init(&n->cv, NULL);
	/* The wait for it is bounded in monotonic time: a clock step must
	 * neither cut it short nor stretch it. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&n->done_cv, &ca);
	pthread_condattr_destroy(&ca);
	note_sessions(b, &n->sessions, &n->newest_lba, &n->ident);
	if (getenv("BURNFS_TEST_NOTIFY_DELAY_MS"))
		n->test_delay_ms = (unsigned)atoi(getenv("BURNFS_TEST_NOTIFY_DELAY_MS"));
	b->notify = n;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	ret = -pthread_create(&n->thread, NULL, notify_main, b);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		b->notify = NULL;
		free(n);
		return ret;
	}
	stage_set_inval_wake(b->stage, stage_woke, n);
	return 0;
}

void fs_notify_stop(struct burnfs *b)
{
	struct fs_notify *n = b->notify;

	if (!n)
		return;
	stage_set_inval_wake(b->stage, NULL, NULL);
	signal_work(n, &n->stop);
	pthread_join(n->thread, NULL);
	b->notify = NULL;
	pthread_cond_destroy(&n->done_cv);
	pthread_cond_destroy(&n->cv);
	pthread_mutex_destroy(&n->lock);
	free(n);
}
