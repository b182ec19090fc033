/* loop.c — the FUSE request loop. A few threads at a time (the readers)
 * read /dev/fuse, each handling what it read itself and then reading
 * again; other threads wait on a condition variable, off the device's
 * queue. libfuse's own loop kept ten idle threads in read(2) and woke the
 * longest-waiting one for each request, so the one-request-at-a-time
 * traffic of cp and rsync met a different, cold thread each time, often on
 * the other CPU. With two readers here, copying 10,000 small files took
 * 0.93x and rsync 0.82x the time of libfuse's loop (medians of five,
 * alternated). One reader was worse than libfuse's loop: the kernel sends
 * RELEASE and FORGET in the background, and rsync's generator and receiver
 * talk to the mount at the same time, so some requests do overlap.
 * Handlers that may block (a control command, reads of the disc, copy-up,
 * fsync) call fs_loop_yield() first, which hands their reader's place to
 * a waiting thread (started when none waits, up to 16), so the mount keeps
 * answering meanwhile.
 *
 * A reader that has just answered looks for the next request for up to
 * LOOP_SPIN_US (poll with no timeout, yielding the CPU in between) before
 * it sleeps in read(2): a writer that writes in small pieces sends its
 * next request within microseconds, and waking a sleeping thread on the
 * other CPU costs more than that (an inter-processor interrupt, on a
 * virtual machine an exit to the host). One reader spins at a time. On
 * two vCPUs, alternated runs into an empty staging/: dd bs=512 -20%,
 * cpio -p -15%, rsync -a -14%, for 15-30% more daemon CPU. Not with one
 * CPU, where nobody else could send the request meanwhile.
 *
 * Before a request is served, the loop notes whether it is a WRITE that
 * carries FUSE_WRITE_KILL_SUIDGID: libfuse 3.14 drops a write's flags, and
 * that one is how the kernel asks a file system to kill set-user-ID bits
 * on a direct-I/O write by a writer without CAP_FSETID. */
#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fuse_lowlevel.h>

#include "burnfs/disc.h"
#include "burnfs/log.h"
#include "fs/fs.h"

#define LOOP_MAX_THREADS 16
#define LOOP_MAX_READERS 4
#define LOOP_SPIN_US 50     /* BURNFS_SPIN_US overrides; 0: never spin */

struct worker {
	pthread_t thread;
	struct fuse_buf buf;
};

struct loop {
	struct fuse_session *se;
	pthread_mutex_t lock;
	pthread_cond_t cv;
	sem_t finish;
	int readers, max_readers;  /* threads reading or about to */
	bool stopping;
	bool unmounted;     /* else a signal ended the session */
	int idle;           /* threads waiting for a reader's place */
	int nthreads;
	uint64_t spin_us;
	atomic_bool spinning;
	struct worker workers[LOOP_MAX_THREADS];
};

static struct loop *the_loop;
static __thread bool is_reader;
static __thread struct worker *cur_worker;
static __thread bool write_kills;

/* The kernel's request header and a WRITE's arguments, as the FUSE
 * protocol lays them out (linux/fuse.h; unchanged since protocol 7.9). */
struct kern_in_header {
	uint32_t len, opcode;
	uint64_t unique, nodeid;
	uint32_t uid, gid, pid;
	uint16_t total_extlen, padding;
};

struct kern_write_in {
	uint64_t fh, offset;
	uint32_t size, write_flags;
	uint64_t lock_owner;
	uint32_t flags, padding;
};

#define KERN_OP_WRITE 16
#define KERN_WRITE_KILL_SUIDGID (1u << 2)

static void note_write_flags(const struct fuse_buf *buf, size_t len)
{
	const struct kern_in_header *ih = buf->mem;
	const struct kern_write_in *wi = (const void *)(ih + 1);

	write_kills = !(buf->flags & FUSE_BUF_IS_FD) &&
		      len >= sizeof(*ih) + sizeof(*wi) &&
		      ih->opcode == KERN_OP_WRITE &&
		      (wi->write_flags & KERN_WRITE_KILL_SUIDGID);
}

bool fs_loop_write_kills(void)
{
	return write_kills;
}

/* Request buffers given away with their bytes (fs_loop_take_buffer) come
 * back here when written, for the next reader that gives one away. */
#define POOL_MAX 8
static struct {
	pthread_mutex_t lock;
	void *bufs[POOL_MAX];
	int n;
	bool closed;
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void *pool_get(size_t size)
{
	void *b = NULL;

	pthread_mutex_lock(&pool.lock);
	while (pool.n && !b) {
		b = pool.bufs[--pool.n];
		if (malloc_usable_size(b) < size) {
			free(b);
			b = NULL;
		}
	}
	pthread_mutex_unlock(&pool.lock);
	return b ? b : malloc(size);
}

void fs_loop_give_back(void *base)
{
	pthread_mutex_lock(&pool.lock);
	if (!pool.closed && pool.n < POOL_MAX) {
		pool.bufs[pool.n++] = base;
		base = NULL;
	}
	pthread_mutex_unlock(&pool.lock);
	free(base);
}

static void pool_close(void)
{
	pthread_mutex_lock(&pool.lock);
	pool.closed = true;
	while (pool.n)
		free(pool.bufs[--pool.n]);
	pthread_mutex_unlock(&pool.lock);
}

void *fs_loop_take_buffer(const void *inside)
{
	struct worker *w = cur_worker;
	char *base = w ? w->buf.mem : NULL;
	size_t size = base ? malloc_usable_size(base) : 0;
	void *fresh;

	if (!base || (const char *)inside < base ||
	    (const char *)inside >= base + size)
		return NULL;
	fresh = pool_get(size);
	if (!fresh)
		return NULL;
	w->buf.mem = fresh;
	return base;
}

static void *worker_main(void *arg);

/* Called with the lock held. Signals are for the main thread only. */
static int start_worker(struct loop *l)
{
	struct worker *w;
	sigset_t all, old;
	int ret;

	if (l->nthreads == LOOP_MAX_THREADS)
		return -EAGAIN;
	w = &l->workers[l->nthreads];
	memset(w, 0, sizeof(*w));
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	ret = -pthread_create(&w->thread, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret == 0)
		l->nthreads++;
	return ret;
}

/* Wait for a reader's place; false when the loop is stopping. */
static bool become_reader(struct loop *l)
{
	bool ok;

	pthread_mutex_lock(&l->lock);
	while (l->readers >= l->max_readers && !l->stopping) {
		l->idle++;
		pthread_cond_wait(&l->cv, &l->lock);
		l->idle--;
	}
	ok = !l->stopping;
	if (ok) {
		l->readers++;
		is_reader = true;
	}
	pthread_mutex_unlock(&l->lock);
	return ok;
}

void fs_loop_yield(void)
{
	struct loop *l = the_loop;

	if (!l || !is_reader)
		return;
	pthread_mutex_lock(&l->lock);
	is_reader = false;
	l->readers--;
	if (l->idle)
		pthread_cond_signal(&l->cv);
	else if (start_worker(l) < 0)
		blog_debug("fs: no thread to take over reading requests; "
			   "they wait for a running one");
	pthread_mutex_unlock(&l->lock);
}

/* The end of the session (unmount, or a signal that made it exit). */
static void session_over(struct loop *l)
{
	fuse_session_exit(l->se);
	sem_post(&l->finish);
}

/* Returns when a request is there, or after the spin time; at once when
 * another reader spins. Never inlined: its locals, inlined into
 * worker_main, would stay poisoned for ASan's use-after-scope check in a
 * frame that a cancel in read(2) unwinds, and ASan's own thread exit then
 * trips on them. */
static __attribute__((noinline)) void spin_for_request(struct loop *l)
{
	struct pollfd p = { .fd = fuse_session_fd(l->se), .events = POLLIN };
	uint64_t end;

	if (!l->spin_us || atomic_exchange(&l->spinning, true))
		return;
	end = disc_now_us() + l->spin_us;
	while (poll(&p, 1, 0) == 0 && disc_now_us() < end)
		sched_yield();
	atomic_store(&l->spinning, false);
}

static uint64_t spin_time_us(void)
{
	const char *v = getenv("BURNFS_SPIN_US");
	long us = v ? atol(v) : LOOP_SPIN_US;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2 || us <= 0)
		return 0;
	return us > 10000 ? 10000 : (uint64_t)us;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct loop *l = the_loop;
	int res;

	cur_worker = w;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	while (become_reader(l)) {
		while (is_reader && !fuse_session_exited(l->se)) {
			spin_for_request(l);
			pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
			res = fuse_session_receive_buf(l->se, &w->buf);
			pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
			if (res == -EINTR || res == -EAGAIN)
				continue;
			if (res <= 0) {
				if (res < 0 && res != -ENODEV)
					blog_error("fs: reading /dev/fuse: %s",
						   strerror(-res));
				else
					l->unmounted = true;
				session_over(l);
				break;
			}
			note_write_flags(&w->buf, (size_t)res);
			fuse_session_process_buf(l->se, &w->buf);
		}
		if (fuse_session_exited(l->se)) {
			sem_post(&l->finish);
			break;
		}
	}
	return NULL;
}

static void stop_workers(struct loop *l)
{
	int n;

	pthread_mutex_lock(&l->lock);
	l->stopping = true;
	pthread_cond_broadcast(&l->cv);
	n = l->nthreads;
	pthread_mutex_unlock(&l->lock);
	/* The reader may sit in read(2) on /dev/fuse with nothing to come. */
	for (int i = 0; i < n; i++)
		pthread_cancel(l->workers[i].thread);
	for (int i = 0; i < n; i++) {
		pthread_join(l->workers[i].thread, NULL);
		free(l->workers[i].buf.mem);
	}
}

/* Two even on one CPU (background requests overlap the client's); more
 * with more CPUs for parallel clients, but few: each reader more spreads
 * a serial client over more threads. */
static int reader_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 2 ? 2 : n > LOOP_MAX_READERS ? LOOP_MAX_READERS : (int)n;
}

int fs_loop_run(struct fuse_session *se)
{
	struct loop *l = calloc(1, sizeof(*l));
	int ret = 0;

	if (!l)
		return -1;
	l->se = se;
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->cv, NULL);
	sem_init(&l->finish, 0, 0);
	the_loop = l;
	l->max_readers = reader_count();
	l->spin_us = spin_time_us();
	pthread_mutex_lock(&l->lock);
	for (int i = 0; i < l->max_readers && ret == 0; i++)
		ret = start_worker(l);
	pthread_mutex_unlock(&l->lock);
	while (ret == 0 && !fuse_session_exited(l->se))
		sem_wait(&l->finish);  /* EINTR: a signal, look again */
	stop_workers(l);
	pool_close();
	the_loop = NULL;
	sem_destroy(&l->finish);
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->lock);
	/* As libfuse's loops: ended by a signal is not a success. */
	ret = ret == 0 && l->unmounted ? 0 : -1;
	free(l);
	return ret;
}
