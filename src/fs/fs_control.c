/* fs_control.c — writes to the control file.
 *
 * Linux lets one write at a time into a file: while `echo commit > control`
 * waits for its burn, the kernel holds the control file's inode, and every
 * other open with O_TRUNC or write would wait behind it. So:
 * - opening control for writing while a command runs fails at once with
 *   EBUSY (the open reaches burnfs before the kernel waits);
 * - the running command is cancelled by interrupting its writer (Ctrl-C,
 *   kill -INT): the kernel sends FUSE an INTERRUPT, the waiting thread sees
 *   it and cancels the burn, and the write fails with ECANCELED.
 * The command itself runs on a thread of its own so that the FUSE thread
 * can keep watching for the interrupt. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "burnfs/burn.h"
#include "burnfs/control.h"
#include "fs/fs.h"

struct job {
	struct burnfs *b;
	const char *buf;
	size_t len;
	int ret;
	bool done;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

static void *job_main(void *arg)
{
	struct job *j = arg;
	int ret = fs_invalidate_run(j->b, j->buf, j->len);

	pthread_mutex_lock(&j->lock);
	j->ret = ret;
	j->done = true;
	pthread_cond_signal(&j->cond);
	pthread_mutex_unlock(&j->lock);
	return NULL;
}

static void wait_a_moment(struct job *j)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += 100000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&j->cond, &j->lock, &until);
}

int fs_control_write(struct burnfs *b, const char *buf, size_t len)
{
	struct job j = { .b = b, .buf = buf, .len = len };
	bool cancelled = false;
	pthread_t tid;

	/* A command can take minutes; the mount must keep answering. */
	fs_loop_yield();
	pthread_mutex_init(&j.lock, NULL);
	pthread_cond_init(&j.cond, NULL);
	if (pthread_create(&tid, NULL, job_main, &j) != 0) {
		j.ret = fs_invalidate_run(b, buf, len);
		goto out;
	}
	pthread_mutex_lock(&j.lock);
	while (!j.done) {
		wait_a_moment(&j);
		if (!j.done && !cancelled && fuse_interrupted()) {
			cancelled = true;
			disc_cancel(b->disc);
		}
	}
	pthread_mutex_unlock(&j.lock);
	pthread_join(tid, NULL);
out:
	pthread_cond_destroy(&j.cond);
	pthread_mutex_destroy(&j.lock);
	return j.ret;
}

int fs_control_open_check(struct burnfs *b, int flags)
{
	if ((flags & O_ACCMODE) == O_RDONLY)
		return 0;
	return control_check_idle(b->control);
}
