/* fs_control.c — the FUSE side of the control, abort and wait files. The
 * jobs themselves are control's (src/control/jobs.c); this only hands over:
 * - a write to control runs the command (control_run), which waits for a
 *   long command's job to end unless it was written as "detach COMMAND".
 *   A FUSE INTERRUPT (any signal to the writer: a shell's SIGCHLD or WINCH
 *   trap, Ctrl-C, a hang-up) is ignored on purpose: the job belongs to the
 *   daemon, and the writer gets the job's real result (no interrupt
 *   callback is registered for these writes);
 * - opening control for writing while a job's writer waits fails at once
 *   with EBUSY: the kernel lets one write at a time into a file, so the new
 *   writer would otherwise hang behind the running one;
 * - a write to abort cancels the running job and returns at once: a file
 *   of its own, so no writer of control stands in its way;
 * - a read of wait blocks until no job runs, then gives the newest job's
 *   "COMMAND: RESULT" line, or fails with that job's errno. An interrupted
 *   reader gets EINTR: a waiter may give up, the job goes on.
 * When a job ends, the notifier looks at what the kernel must forget of
 * sessions/ (fs_notify.c), and tells it that and what the stage queued
 * before the job counts as done. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "burnfs/control.h"
#include "fs/fs.h"

static int run_job(void *arg, const char *buf, size_t len)
{
	struct burnfs *b = arg;
	int ret = control_execute(b->control, buf, len);

	fs_release_join(b);
	fs_notify_sync(b);
	return ret;
}

/* After a quick command (restore): what it changed reaches the kernel
 * before the writer's write returns. */
static void settle(void *arg)
{
	fs_notify_sync(arg);
}

void fs_control_init(struct burnfs *b)
{
	control_set_runner(b->control, run_job, b);
	control_set_settle(b->control, settle, b);
	control_set_release(b->control, fs_release_start, b);
}

int fs_control_write(struct burnfs *b, const char *buf, size_t len)
{
	/* A command can take minutes; the mount must keep answering. */
	fs_loop_yield();
	return control_run(b->control, buf, len);
}

int fs_control_open_check(struct burnfs *b, int flags)
{
	if ((flags & O_ACCMODE) == O_RDONLY)
		return 0;
	return control_check_idle(b->control);
}

int fs_abort_write(struct burnfs *b)
{
	control_abort(b->control);
	return 0;
}

int fs_wait_read(fuse_req_t req, struct burnfs *b, struct fs_handle *h)
{
	char line[600];
	int ret;

	fs_loop_yield();
	while ((ret = control_wait_idle(b->control, 100, line,
					sizeof(line))) == -ETIMEDOUT)
		if (fuse_req_interrupted(req))
			return -EINTR;
	if (ret < 0)
		return ret;
	free(h->text);
	h->len = (size_t)asprintf(&h->text, "%s\n", line);
	if ((ssize_t)h->len < 0) {
		h->text = NULL;
		h->len = 0;
		return -ENOMEM;
	}
	return 0;
}
