/* loadwatch.c — is a load that has run for a while still getting
 * somewhere? A fixed deadline took a big tree on a slow or busy machine
 * for a hang (1,000,000 files load in 18 s on a loaded 2-core machine, a
 * slower disk or drive takes longer) and a mount then refused the disc.
 * The libraries' hangs are loops, and a loop reads nothing new: its blocks
 * come from the library's own cache, or it reads the same ones again and
 * again. So a load counts as hanging when the process has read no byte
 * for the whole deadline, or has read far more than the session could
 * need (each folder block about twice: once to load, once for the tree's
 * MD5 check). Pure logic; guard.c feeds it the process's read counter. */
#include <errno.h>

#include "disc/disc_int.h"

/* More than any load reads: the session four times, and room for the
 * volume descriptors and the libraries' read-ahead of a tiny session. */
#define CAP_SLACK (64ULL << 20)

void disc_loadwatch_begin(struct disc_loadwatch *w, uint64_t now_ms,
			  uint64_t read_bytes, uint64_t session_bytes)
{
	w->last_ms = now_ms;
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
		return 0;
	}
	return now_ms - w->last_ms > limit_ms ? -ETIMEDOUT : 0;
}
