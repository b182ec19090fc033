/* alive.c — is the cache folder still there? Every change asks first: a
 * change written into a removed folder would be acknowledged and lost.
 * The exact answer is three fstat calls (journal, data folder, cache
 * folder); small writers ask several times per file, so an inotify watch
 * on the cache folder answers the usual case with one read that finds no
 * event. Any event (a name in the folder removed or renamed over, the
 * folder itself removed or moved, a full queue) and any failure of the
 * watch fall back to the fstat calls. The events are queued by the unlink
 * or rename itself, before it returns, so a removal is seen by the very
 * next change, as before. */
#include <errno.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "burnfs/log.h"
#include "stage/stage_priv.h"

#define ALIVE_EVENTS (IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | \
		      IN_DELETE_SELF | IN_MOVE_SELF)

void stage_alive_watch(struct stage *st)
{
	st->alive_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (st->alive_fd < 0)
		return;  /* no watch (e.g. the user's limit): fstat each time */
	if (inotify_add_watch(st->alive_fd, st->cache, ALIVE_EVENTS) < 0) {
		close(st->alive_fd);
		st->alive_fd = -1;
	}
}

void stage_alive_unwatch(struct stage *st)
{
	if (st->alive_fd >= 0)
		close(st->alive_fd);
	st->alive_fd = -1;
}

/* true when the watch saw nothing since the last look. Events are read
 * away: the caller then looks at the descriptors themselves. */
static bool quiet_since(struct stage *st)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t r;

	if (st->alive_fd < 0)
		return false;
	r = read(st->alive_fd, buf, sizeof(buf));
	if (r < 0 && errno == EAGAIN)
		return true;
	while (r > 0)
		r = read(st->alive_fd, buf, sizeof(buf));
	return false;
}

int stage_cache_alive(struct stage *st)
{
	struct stat j, d, c;

	if (st->lost)
		return -EIO;
	if (quiet_since(st))
		return 0;
	if (fstat(st->jfd, &j) || fstat(st->data_dir_fd, &d) ||
	    fstat(st->cache_fd, &c))
		return -errno;
	if (j.st_nlink && d.st_nlink && c.st_nlink)
		return 0;
	st->lost = true;
	blog_error("stage: the cache folder %s was removed while mounted: "
		   "every change fails with EIO until burnfs is remounted",
		   st->cache);
	return -EIO;
}
