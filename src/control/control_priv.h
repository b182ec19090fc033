/* control_priv.h — the control object, shared by control.c (running
 * commands), status.c (rendering) and space.c (estimates). */
#ifndef BURNFS_CONTROL_PRIV_H
#define BURNFS_CONTROL_PRIV_H

#include <pthread.h>
#include <time.h>

#include "burnfs/control.h"
#include "burnfs/errmsg.h"
#include "burnfs/stage.h"

struct control {
	struct disc *disc;
	struct stage *stage;

	/* Guards everything below. Never held while a command runs. */
	pthread_mutex_t lock;
	bool running;                   /* a long command is running */
	char running_name[16];
	struct burn_settings settings;  /* what the next session uses */
	char last_command[64];
	char last_result[ERRMSG_LEN + 16];

	/* Stage statistics cached for a moment, so that checking space on
	 * every write costs no walk of the tree. */
	struct stage_stats stats;
	struct timespec stats_time;
	uint64_t grown_since_stats;     /* bytes admitted since then */
};

/* Refresh c->stats if older than a moment, or now when `fresh` (what a
 * person reads must be exact; the write path may lag); c->lock held. */
void control_refresh_stats_locked(struct control *c, bool fresh);
uint64_t control_estimate_locked(struct control *c);

#endif
