/* guard.c — a deadline for the loads of a mount, without a second load.
 *
 * While disc_open reads a target, the daemon is still one process doing
 * one thing, not yet mounted: a load that hangs in libisofs can then be
 * left behind by starting over. A watchdog thread watches each load; when
 * one has read nothing for BURNFS_LOAD_TIMEOUT, or far more than its
 * session holds (loadwatch.c: the process's read counter), it runs the
 * daemon's binary again with the same arguments (exec: the stuck thread
 * goes with the old image, the flock on the target with its descriptor),
 * after adding where that session lies to BURNFS_UNREADABLE. The new
 * process takes that session for unreadable and shows an older one. So a
 * mount loads each session once; only loads after the mount, which cannot
 * start over, pay for a probe in a child process (probe.c). */
#include <errno.h>
#include <fcntl.h>
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
	int io_fd;             /* /proc/self/io, or -1 */
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

/* Bytes the process has read so far (rchar: page cache hits count too,
 * which is what a load reading an image looks like), less the watchdog's
 * own reads of the counter, which the kernel counts as well and would
 * make a hang look busy. 0 when unknown: the watch then sees no progress,
 * as the fixed deadline did. Only the watchdog thread calls it. */
static uint64_t bytes_read(int fd)
{
	static uint64_t own;   /* bytes of our earlier reads of fd */
	uint64_t v = own;      /* unknown: reported as no progress */
	int n = disc_loadwatch_rchar(fd, &v);

	if (n <= 0)
		return 0;
	if (v < own)
		v = own;
	v -= own;   /* counted once this read returned: not yet in v */
	own += (uint64_t)n;
	return v;
}

/* Start over, with the session that hung named unreadable. */
static void restart(struct disc *d, int n, int why)
{
	const char *old = getenv(ENV_UNREADABLE);
	char val[4096], text[128];

	snprintf(val, sizeof(val), "%s%s%u:%u", old ? old : "", old ? "," : "",
		 __atomic_load_n(&d->loading_start, __ATOMIC_RELAXED),
		 __atomic_load_n(&d->loading_blocks, __ATOMIC_RELAXED));
	blog_info("%s: loading session %d, the libraries %s; starting over "
		  "without it", d->target, n, disc_loadwatch_why(why,
		  disc_load_timeout_ms() / 1000, text, sizeof(text)));
	if (setenv(ENV_UNREADABLE, val, 1) == 0)
		disc_probe_reexec();
	blog_error("%s: the libraries did not finish loading session %d, and "
		   "burnfs could not start over: %s", d->target, n,
		   strerror(errno));
	_exit(1);
}

static void *guard_main(void *arg)
{
	struct guard *g = arg;
	struct timespec tick = { 0, TICK_NS };
	uint64_t limit = (uint64_t)disc_load_timeout_ms(), since, seen = 0;
	struct disc_loadwatch w;
	int n, r;

	while (!__atomic_load_n(&g->stop, __ATOMIC_ACQUIRE)) {
		nanosleep(&tick, NULL);
		n = __atomic_load_n(&g->d->loading_n, __ATOMIC_ACQUIRE);
		if (n <= 0)
			continue;
		since = __atomic_load_n(&g->d->loading_since, __ATOMIC_RELAXED);
		if (since != seen) {   /* a new load */
			seen = since;
			disc_loadwatch_begin(&w, since, bytes_read(g->io_fd),
				(uint64_t)__atomic_load_n(&g->d->loading_blocks,
							  __ATOMIC_RELAXED) * 2048);
			continue;
		}
		r = disc_loadwatch_tick(&w, now_ms(), bytes_read(g->io_fd), limit);
		if (r)
			restart(g->d, n, r);
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

	snprintf(why, sizeof(why), "the libraries did not finish loading it "
		 "(nothing read for %d s, or a loop)", disc_load_timeout_ms() / 1000);
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
	the_guard.io_fd = open("/proc/self/io", O_RDONLY | O_CLOEXEC);
	guard_running = pthread_create(&the_guard.thread, NULL, guard_main,
				       &the_guard) == 0;
	if (!guard_running && the_guard.io_fd >= 0)
		close(the_guard.io_fd);
	return guard_running;
}

void disc_guard_stop(void)
{
	if (!guard_running)
		return;
	__atomic_store_n(&the_guard.stop, 1, __ATOMIC_RELEASE);
	pthread_join(the_guard.thread, NULL);
	guard_running = false;
	if (the_guard.io_fd >= 0)
		close(the_guard.io_fd);
	/* the mount's children (probes) need not know */
	unsetenv(ENV_UNREADABLE);
}
