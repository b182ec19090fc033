/* space.c — will the pending changes fit? An estimate for df and for
 * ENOSPC at write time; the commit itself checks the exact session size
 * that libisofs computes. */
#include <errno.h>

#include "burnfs/disc.h"
#include "control/control_priv.h"

#define BLOCK 2048u
/* Volume descriptors, path tables, the file MD5 array, padding: a session
 * of a few files still takes some 300 KiB on stdio (32-block alignment). */
#define SESSION_FIXED (300u * 1024u)
/* Every session rewrites every directory record (ISO, Rock Ridge, Joliet),
 * about this much per entry of the whole tree. */
#define PER_ENTRY 400u
#define STATS_MAX_AGE_NS 200000000L

static long age_ns(const struct timespec *then)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - then->tv_sec) * 1000000000L +
	       (now.tv_nsec - then->tv_nsec);
}

void control_refresh_stats_locked(struct control *c, bool fresh)
{
	if (!fresh && c->stats_time.tv_sec &&
	    age_ns(&c->stats_time) < STATS_MAX_AGE_NS)
		return;
	stage_get_stats(c->stage, &c->stats);
	clock_gettime(CLOCK_MONOTONIC, &c->stats_time);
	c->grown_since_stats = 0;
}

uint64_t control_estimate_locked(struct control *c)
{
	uint64_t content = c->stats.pending_bytes + c->grown_since_stats;

	if (!c->stats.pending_entries && !c->grown_since_stats)
		return 0;
	/* Round each file up to a block on average: half a block per entry. */
	return content + c->stats.pending_entries * (BLOCK / 2) + SESSION_FIXED +
	       c->stats.tree_entries * PER_ENTRY;
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
	pthread_mutex_lock(&c->lock);
	control_refresh_stats_locked(c, false);
	if (control_estimate_locked(c) + more > f.free_bytes) {
		control_refresh_stats_locked(c, true);
		if (control_estimate_locked(c) + more > f.free_bytes)
			ret = -ENOSPC;
	}
	if (ret == 0)
		c->grown_since_stats += more;
	pthread_mutex_unlock(&c->lock);
	return ret;
}
