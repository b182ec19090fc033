/* guard.c — a deadline for the loads of a mount, without a second load.
 *
 * While disc_open reads a target, the daemon is still one process doing
 * one thing, not yet mounted: a load that hangs in libisofs can then be
 * left behind by starting over. A watchdog thread watches each load; when
 * one has not ended by the deadline (BURNFS_LOAD_TIMEOUT), it runs the
 * daemon's binary again with the same arguments (exec: the stuck thread
 * goes with the old image, the flock on the target with its descriptor),
 * after adding where that session lies to BURNFS_UNREADABLE. The new
 * process takes that session for unreadable and shows an older one. So a
 * mount loads each session once; only loads after the mount, which cannot
 * start over, pay for a probe in a child process (probe.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "burnfs/log.h"
#include "disc/disc_int.h"

#define ENV_UNREADABLE "BURNFS_UNREADABLE"
#define TICK_NS 50000000L

struct guard {
	pthread_t thread;
	struct disc *d;
	volatile int stop;
};

static struct guard the_guard;
static bool guard_running;

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

void disc_guard_loading(struct disc *d, int n, uint32_t start, uint32_t blocks)
{
	__atomic_store_n(&d->loading_start, start, __ATOMIC_RELAXED);
	__atomic_store_n(&d->loading_blocks, blocks, __ATOMIC_RELAXED);
	__atomic_store_n(&d->loading_since, now_ms(), __ATOMIC_RELAXED);
	__atomic_store_n(&d->loading_n, n, __ATOMIC_RELEASE);
}

void disc_guard_loaded(struct disc *d)
{
	if (!__atomic_exchange_n(&d->loading_n, 0, __ATOMIC_ACQ_REL))
		return;
	/* It ended: it does not hang (whether it loaded, the caller says). */
	disc_loadable_note(d, d->loading_start, d->loading_blocks, 0, "");
}

/* Start over, with the session that hung named unreadable. */
static void restart(struct disc *d, int n)
{
	const char *old = getenv(ENV_UNREADABLE);
	char val[4096];

	snprintf(val, sizeof(val), "%s%s%u:%u", old ? old : "", old ? "," : "",
		 __atomic_load_n(&d->loading_start, __ATOMIC_RELAXED),
		 __atomic_load_n(&d->loading_blocks, __ATOMIC_RELAXED));
	blog_info("%s: the libraries did not finish reading session %d in "
		  "%d s; starting over without it", d->target, n,
		  disc_load_timeout_ms() / 1000);
	if (setenv(ENV_UNREADABLE, val, 1) == 0)
		disc_probe_reexec();
	fprintf(stderr, "burnfs: %s: the libraries did not finish reading "
		"session %d within %d s\n", d->target, n,
		disc_load_timeout_ms() / 1000);
	_exit(1);
}

static void *guard_main(void *arg)
{
	struct guard *g = arg;
	struct timespec tick = { 0, TICK_NS };
	int limit = disc_load_timeout_ms(), n;

	while (!__atomic_load_n(&g->stop, __ATOMIC_ACQUIRE)) {
		nanosleep(&tick, NULL);
		n = __atomic_load_n(&g->d->loading_n, __ATOMIC_ACQUIRE);
		if (n > 0 && now_ms() - __atomic_load_n(&g->d->loading_since,
						       __ATOMIC_RELAXED) > (uint64_t)limit)
			restart(g->d, n);
	}
	return NULL;
}

/* Sessions an earlier run of this mount found hanging: unreadable. */
static void note_unreadable(struct disc *d)
{
	const char *v = getenv(ENV_UNREADABLE);
	unsigned start, blocks;
	char why[DISC_TEXT_LEN];
	int used;

	snprintf(why, sizeof(why), "the libraries did not finish reading it "
		 "within %d s", disc_load_timeout_ms() / 1000);
	while (v && sscanf(v, "%u:%u%n", &start, &blocks, &used) == 2) {
		disc_loadable_note(d, start, blocks, -EIO, why);
		v += used;
		v += *v == ',';
	}
}

bool disc_guard_start(struct disc *d)
{
	if (!disc_probe_can_reexec() || guard_running)
		return false;
	note_unreadable(d);
	the_guard.d = d;
	the_guard.stop = 0;
	guard_running = pthread_create(&the_guard.thread, NULL, guard_main,
				       &the_guard) == 0;
	return guard_running;
}

void disc_guard_stop(void)
{
	if (!guard_running)
		return;
	__atomic_store_n(&the_guard.stop, 1, __ATOMIC_RELEASE);
	pthread_join(the_guard.thread, NULL);
	guard_running = false;
	/* the mount's children (probes) need not know */
	unsetenv(ENV_UNREADABLE);
}
