/* space.c — will the pending changes fit? An estimate for df and for
 * ENOSPC at the call that makes a change (a write, a new entry, an xattr);
 * the commit itself checks the exact session size that libisofs computes.
 * The estimate is content rounded up to blocks, plus what the whole tree's
 * entries cost every session (stage_entry_cost), plus a fixed part. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "burnfs/disc.h"
#include "control/control_priv.h"

#define BLOCK 2048u
/* Volume descriptors, the root, the MD5 tag and array, padding to the next
 * 32-block boundary: some 60 KiB measured, with room to spare. */
#define SESSION_FIXED (300u * 1024u)
#define STATS_MAX_AGE_NS 200000000L

static long age_ns(const struct timespec *then)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - then->tv_sec) * 1000000000L +
	       (now.tv_nsec - then->tv_nsec);
}

/* fresh: exact, by a walk; else the stage's counters, which each change
 * keeps (no walk while writes arrive). */
void control_refresh_stats_locked(struct control *c, bool fresh)
{
	if (!fresh && c->stats_time.tv_sec &&
	    age_ns(&c->stats_time) < STATS_MAX_AGE_NS)
		return;
	if (fresh)
		stage_get_stats(c->stage, &c->stats);
	else
		stage_get_space(c->stage, &c->stats);
	clock_gettime(CLOCK_MONOTONIC, &c->stats_time);
	c->grown_since_stats = 0;
}

/* The next session if it were burned now with what was admitted. */
static uint64_t session_estimate(const struct control *c)
{
	return c->stats.pending_blocks + c->grown_since_stats +
	       c->stats.meta_bytes + SESSION_FIXED;
}

uint64_t control_estimate_locked(struct control *c)
{
	if (!c->stats.pending_entries && !c->grown_since_stats)
		return 0;
	return session_estimate(c);
}

uint64_t control_pending_estimate(struct control *c)
{
	uint64_t est;

	pthread_mutex_lock(&c->lock);
	control_refresh_stats_locked(c, true);
	est = control_estimate_locked(c);
	pthread_mutex_unlock(&c->lock);
	return est;
}

uint64_t control_free_after_pending(struct control *c)
{
	struct disc_facts f;
	uint64_t est = control_pending_estimate(c);

	disc_get_facts(c->disc, &f);
	return f.free_bytes > est ? f.free_bytes - est : 0;
}

/* Statistics a moment old may miss room freed since (unlink, truncate):
 * that only makes the estimate too large, so a fresh count is needed only
 * when the cached one says "does not fit" — a walk of the whole tree per
 * removed file would make rsync quadratic. */
int control_check_space(struct control *c, uint64_t more)
{
	struct disc_facts f;
	int ret = 0;

	disc_get_facts(c->disc, &f);
	if (!f.writable)
		return 0;  /* the stage says EROFS, which says more */
	pthread_mutex_lock(&c->lock);
	control_refresh_stats_locked(c, false);
	if (session_estimate(c) + more > f.free_bytes) {
		control_refresh_stats_locked(c, true);
		if (session_estimate(c) + more > f.free_bytes)
			ret = -ENOSPC;
	}
	if (ret == 0)
		c->grown_since_stats += more;
	pthread_mutex_unlock(&c->lock);
	return ret;
}

int control_check_entry(struct control *c, mode_t mode, const char *path,
			size_t linklen)
{
	const char *name = strrchr(path, '/');
	uint64_t cost;

	name = name ? name + 1 : path;
	cost = stage_entry_cost(mode, strlen(name), linklen, 0, 0);
	/* a new file's last block, until the statistics know its size */
	if (S_ISREG(mode))
		cost += BLOCK;
	return control_check_space(c, cost);
}

int control_check_xattr(struct control *c, const char *name, size_t size)
{
	return control_check_space(c, strlen(name) + size + 48);
}
