/* release.c — before a commit on a big tree, the kernel lets go of the
 * folders it caches that hold nothing staged. A walk (find, rsync's scan,
 * a file manager) leaves the kernel holding an inode for every entry, and
 * the stage a node for each (about 0.4 KiB an entry) for a day
 * (FS_TIMEOUT) or until memory runs short. A commit needs its most memory
 * just then: the disc's libisofs tree and the session's layout come on
 * top. So a commit first has the kernel drop those folders' names, as
 * memory pressure would, and trim.c gives their entries back to the index
 * when the kernel forgets them. Entries in use (an open file, a working
 * folder) stay; a later walk looks them up again from the index, with
 * the same inode numbers. Folders with changes beneath keep the kernel's
 * cache: the user is working there.
 *
 * The kernel drops a name even while its folder is in use: a process
 * working in it would find getcwd failing (ENOENT) until the name is
 * looked up again. So the folders processes work in are not dropped (the
 * caller finds them), and the caller looks each dropped folder up again
 * once the forgets are in (fs_release.c), for a process that moved into
 * one meanwhile: a folder nobody used comes back without its entries, one
 * in use gets its name back. */
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "burnfs/env.h"
#include "burnfs/grow.h"
#include "burnfs/log.h"
#include "stage/stage_priv.h"

/* Nodes below which a tree is small enough to keep as the kernel holds
 * it: the memory saved would not be worth the walk's cache. */
#define RELEASE_MIN_DEFAULT 100000

/* The folders queued, as staging paths; the folders processes work in. */
struct released {
	char **paths;
	size_t n, cap;
	struct snode **busy;
	size_t nbusy, kept;
};

static bool is_busy(const struct released *r, const struct snode *n)
{
	for (size_t i = 0; i < r->nbusy; i++)
		if (r->busy[i] == n)
			return true;
	return false;
}

/* Queue the name of de (a folder in dir) and note its path. A folder
 * whose path cannot be noted is not queued: the kernel would keep it
 * unhashed until somebody looked its name up again. */
static void release_one(struct stage *st, struct snode *dir,
			struct sdentry *de, struct released *r)
{
	char *path;

	if (GROW(&r->paths, &r->cap, r->n + 1, 64) ||
	    stage_node_path_dup(de, &path) < 0)
		return;
	r->paths[r->n++] = path;
	stage_inval_dentry(st, dir, de->name);
}

/* The top-most clean folders beneath dir the kernel knows; clean folders
 * are marked already (stage_mark_clean). Stage lock held. */
static void queue_clean(struct stage *st, struct snode *dir,
			struct released *r)
{
	struct sdentry *de;

	for (de = dir->children; de; de = de->sib_next) {
		struct snode *c = de->node;
		bool clean;

		if (!S_ISDIR(c->mode) || !c->materialized || de->dead)
			continue;
		clean = c->snap_clean && c->nlookup;
		if (clean && !is_busy(r, c)) {
			release_one(st, dir, de, r);
		} else {
			r->kept += clean;
			queue_clean(st, c, r);
		}
	}
}

/* The nodes of the working folders' paths (those still there). */
static void find_busy(struct stage *st, const char *const *busy, size_t n,
		      struct released *r)
{
	struct sdentry *de;

	r->busy = n ? calloc(n, sizeof(*r->busy)) : NULL;
	for (size_t i = 0; r->busy && i < n; i++)
		if (!stage_path_resolve(st, busy[i], &de))
			r->busy[r->nbusy++] = de->node;
}

static bool big_enough(size_t held)
{
	return held >= env_u64("BURNFS_RELEASE_MIN", RELEASE_MIN_DEFAULT);
}

bool stage_release_wanted(struct stage *st)
{
	return big_enough(stage_node_count(st));
}

size_t stage_release_cached(struct stage *st, const char *const *busy,
			    size_t nbusy, char ***paths)
{
	struct released r = { 0 };
	struct snode *root;
	size_t held;

	STAGE_LOCK_NODRAIN(st);
	root = st->root ? st->root->node : NULL;
	held = st->icount;
	if (root && root->materialized && !st->frozen && !st->closing &&
	    big_enough(held)) {
		find_busy(st, busy, nbusy, &r);
		stage_mark_clean(st, root);
		queue_clean(st, root, &r);
	}
	STAGE_UNLOCK(st);
	if (r.n || r.kept)
		blog_info("commit: the kernel lets go of %zu folder(s) with "
			  "nothing staged (%zu nodes held; %zu kept: a process "
			  "works in it)", r.n, held, r.kept);
	if (!r.n)
		free(r.paths);
	free(r.busy);
	*paths = r.n ? r.paths : NULL;
	return r.n;
}

/* Polls of the node count, 5 ms apart: at most 2 s in all, and done once
 * it stood still for 20 ms. The kernel queued its forgets while it
 * dropped the names; this waits for the loop's threads to hand them in. */
#define SETTLE_POLL_NS 5000000L
#define SETTLE_MAX_POLLS 400
#define SETTLE_STILL_POLLS 4

void stage_release_settle(struct stage *st)
{
	size_t last = stage_node_count(st), now;
	int still = 0;

	for (int i = 0; i < SETTLE_MAX_POLLS && still < SETTLE_STILL_POLLS; i++) {
		nanosleep(&(struct timespec){ 0, SETTLE_POLL_NS }, NULL);
		now = stage_node_count(st);
		still = now == last ? still + 1 : 0;
		last = now;
	}
	blog_info("commit: %zu nodes held after the kernel let go", last);
}
