/* sesscache.c — the indexes of sessions opened through sessions/N, kept
 * for the next lookup: at most DISC_SESSIONS_CACHED of them, the least
 * recently used given up first. Each is a whole session's index (about
 * 100 MiB at 300,000 files), so the cache is small; a session given up is
 * loaded again when asked for. Giving one up only drops the cache's
 * reference: whoever still holds one (an open file, a directory being
 * listed, a request under way) keeps it until done. The lower index is
 * not kept here: it serves its own session itself (sessions.c). */
#include <stddef.h>

#include "disc/disc_int.h"

struct index *disc_sesscache_get(struct disc_sesscache *c, int n)
{
	for (int i = 0; i < DISC_SESSIONS_CACHED; i++)
		if (c->slot[i].idx && c->slot[i].n == n) {
			c->slot[i].used = ++c->tick;
			return index_ref(c->slot[i].idx);
		}
	return NULL;
}

/* The slot for session n: its own, a free one, or the least recently
 * used. */
static struct disc_sesscache_slot *slot_for(struct disc_sesscache *c, int n)
{
	struct disc_sesscache_slot *best = &c->slot[0];

	for (int i = 0; i < DISC_SESSIONS_CACHED; i++) {
		struct disc_sesscache_slot *s = &c->slot[i];

		if (s->idx && s->n == n)
			return s;
		if (!s->idx && best->idx)
			best = s;
		else if (s->idx && best->idx && s->used < best->used)
			best = s;
	}
	return best;
}

struct index *disc_sesscache_put(struct disc_sesscache *c, int n,
				 struct index *idx)
{
	struct disc_sesscache_slot *s = slot_for(c, n);
	struct index *out = s->idx;

	s->n = n;
	s->idx = index_ref(idx);
	s->used = ++c->tick;
	return out;
}

void disc_sesscache_clear(struct disc_sesscache *c)
{
	for (int i = 0; i < DISC_SESSIONS_CACHED; i++) {
		index_unref(c->slot[i].idx);
		c->slot[i].idx = NULL;
		c->slot[i].n = 0;
	}
}

unsigned int disc_sesscache_count(const struct disc_sesscache *c)
{
	unsigned int k = 0;

	for (int i = 0; i < DISC_SESSIONS_CACHED; i++)
		k += c->slot[i].idx != NULL;
	return k;
}
