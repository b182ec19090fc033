/* loadwatch.c — is a load that has run for a while still getting
 * somewhere? A fixed deadline took a big tree on a slow or busy machine
 * for a hang (1,000,000 files load in 18 s on a loaded 2-core machine, a
 * slower disk or drive takes longer) and a mount then refused the disc.
 * The libraries' hangs are loops, and a loop reads nothing new: its blocks
 * come from the library's own cache, or it reads the same ones again and
 * again. So a load counts as hanging when the process has read no byte
 * for the whole deadline, or has read far more than the session could
 * need (each folder block about twice: once to load, once for the tree's
 * MD5 check). Some loops do read, slower and slower as they pile up
 * memory (a relocation link to the root: 35 KB/s after a minute), so a
 * load also has a time budget its size earns: the deadline plus a second
 * per MiB of session, a rate any disk or busy CPU beats many times over.
 * guard.c feeds it the daemon's own read counter, probe.c its child's. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "disc/disc_int.h"

/* More than any load reads: the session four times, and room for the
 * volume descriptors and the libraries' read-ahead of a tiny session. */
#define CAP_SLACK (64ULL << 20)
/* The slowest load taken for progress: bytes of session per second. */
#define MIN_RATE (1ULL << 20)

void disc_loadwatch_begin(struct disc_loadwatch *w, uint64_t now_ms,
			  uint64_t read_bytes, uint64_t session_bytes)
{
	w->last_ms = now_ms;
	w->start_ms = now_ms;
	w->budget_ms = session_bytes / (MIN_RATE / 1000);
	w->first_read = read_bytes;
	w->last_read = read_bytes;
	w->cap = 4 * session_bytes + CAP_SLACK;
}

int disc_loadwatch_tick(struct disc_loadwatch *w, uint64_t now_ms,
			uint64_t read_bytes, uint64_t limit_ms)
{
	if (read_bytes - w->first_read > w->cap)
		return -ELOOP;
	if (read_bytes != w->last_read) {
		w->last_read = read_bytes;
		w->last_ms = now_ms;
	} else if (now_ms - w->last_ms > limit_ms) {
		return -ETIMEDOUT;
	}
	return now_ms - w->start_ms > limit_ms + w->budget_ms ? -ETIME : 0;
}

int disc_loadwatch_rchar(int fd, uint64_t *rchar)
{
	char buf[512];
	ssize_t n = fd >= 0 ? pread(fd, buf, sizeof(buf) - 1, 0) : -1;
	unsigned long long v;
	const char *p;

	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	p = strstr(buf, "rchar:");
	if (p && sscanf(p + 6, "%llu", &v) == 1)
		*rchar = v;
	return (int)n;
}

const char *disc_loadwatch_why(int r, int limit_s, char *buf, size_t len)
{
	if (r == -ELOOP)
		snprintf(buf, len, "read over four times its size (a loop)");
	else if (r == -ETIME)
		snprintf(buf, len, "went on past %d s and a second per MiB of "
			 "it, reading ever slower (a loop)", limit_s);
	else
		snprintf(buf, len, "read nothing for %d s", limit_s);
	return buf;
}
