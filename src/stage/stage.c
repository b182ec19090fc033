/* stage.c — open and close a stage: the cache folder, its lock, the tree
 * over the lower index, the journal replay. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "burnfs/log.h"
#include "stage/stage_priv.h"

/* mkdir -p: the default cache lives several levels below $HOME. */
static int make_dirs(const char *path)
{
	char buf[PATH_MAX], *p;

	if (strlen(path) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

static int open_cache(struct stage *st, const char *dir)
{
	int ret = make_dirs(dir);

	if (ret)
		return ret;
	st->cache = realpath(dir, NULL);
	if (!st->cache)
		return -errno;
	st->cache_fd = open(st->cache, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->cache_fd < 0)
		return -errno;
	ret = stage_fd_owned(st->cache_fd, st->cache);
	if (ret)
		return ret;
	st->lock_fd = openat(st->cache_fd, "lock", O_RDWR | O_CREAT |
			     O_NOFOLLOW | O_CLOEXEC, 0600);
	if (st->lock_fd < 0)
		return -errno;
	if (flock(st->lock_fd, LOCK_EX | LOCK_NB))
		return errno == EWOULDBLOCK ? -EBUSY : -errno;
	/* no O_APPEND: records go at the journal's known end (journal.c).
	 * A journal made now beside data files means the old one was lost:
	 * those files are rescued, not deleted (stage_open) */
	st->jmissing = faccessat(st->cache_fd, "journal", F_OK,
				 AT_SYMLINK_NOFOLLOW) && errno == ENOENT;
	st->jfd = openat(st->cache_fd, "journal", O_RDWR | O_CREAT |
			 O_NOFOLLOW | O_CLOEXEC, 0600);
	if (st->jfd < 0)
		return -errno;
	ret = stage_fd_owned(st->jfd, "journal");
	if (!ret)
		ret = stage_data_init(st);
	if (!ret)
		stage_alive_watch(st);
	return ret;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

bool stage_env_on(const char *name)
{
	const char *v = getenv(name);

	return v && strcmp(v, "1") == 0;
}

int stage_open(struct stage **out, const char *cache_dir, struct index *lower)
{
	struct stage *st = calloc(1, sizeof(*st));
	int ret;

	if (!st)
		return -ENOMEM;
	pthread_mutex_init(&st->lock, NULL);
	st->cache_fd = st->data_dir_fd = st->lock_fd = st->jfd = -1;
	st->alive_fd = -1;
	pthread_mutex_init(&st->spares.lock, NULL);
	st->spares.dirfd = -1;
	st->next_ino = STAGE_INO_BASE;
	st->lower = index_ref(lower);
	st->test_clean_lax = stage_env_on("BURNFS_TEST_CLEAN_LAX");
	st->test_no_falloc = stage_env_on("BURNFS_TEST_NO_FALLOCATE");
	if (getenv("BURNFS_TEST_REBASE_ENOMEM"))
		st->test_rebase_enomem = atoi(getenv("BURNFS_TEST_REBASE_ENOMEM"));
	ret = open_cache(st, cache_dir);
	if (!ret)
		ret = stage_tree_init(st);
	if (!ret)
		ret = stage_link_lower_hardlinks(st);
	if (!ret)
		ret = stage_replay_journal(st);
	if (!ret)
		ret = stage_hasher_new(st);
	if (ret) {
		blog_error("stage: cannot open %s: %s", cache_dir, strerror(-ret));
		stage_close(st);
		return ret;
	}
	if (st->jdamaged || st->jmissing)
		stage_data_rescue(st);
	else
		stage_data_gc(st);
	st->gen++;
	stage_count_stale(st);
	*out = st;
	return 0;
}

void stage_close(struct stage *st)
{
	if (!st)
		return;
	stage_hasher_stop(st);
	stage_behind_stop(st);
	stage_reaper_stop(st);
	st->closing = true;
	/* a burn still running at close is a crash as far as the journal
	 * goes: the FREEZE stays, replay decides at the next open */
	stage_snapshot_release(st, st->snap);
	st->snap = NULL;
	index_unref(st->owed_lower);
	st->owed_lower = NULL;
	stage_tree_free(st);
	free(st->htab);
	free(st->frozen_ids);
	stage_alive_unwatch(st);
	close_fd(&st->jfd);
	close_fd(&st->data_dir_fd);
	stage_spare_free(st);
	pthread_mutex_destroy(&st->spares.lock);
	close_fd(&st->lock_fd);
	close_fd(&st->cache_fd);
	index_unref(st->lower);
	free(st->cache);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

void stage_set_readonly(struct stage *st, bool readonly, const char *why)
{
	STAGE_LOCK(st);
	if (readonly != st->readonly)
		blog_info("stage: staging is now %s%s%s",
			  readonly ? "read-only" : "writable",
			  why ? ": " : "", why ? why : "");
	st->readonly = readonly;
	STAGE_UNLOCK(st);
}

void stage_on_rebase(struct stage *st, stage_rebased_fn fn, void *ctx)
{
	STAGE_LOCK(st);
	st->rebased = fn;
	st->rebased_ctx = ctx;
	STAGE_UNLOCK(st);
}

/* Called by commit_done and rebase, after they let go of the stage lock. */
void stage_tell_rebased(struct stage *st)
{
	stage_rebased_fn fn;
	void *ctx;

	STAGE_LOCK_NODRAIN(st);
	fn = st->rebased;
	ctx = st->rebased_ctx;
	STAGE_UNLOCK(st);
	if (fn)
		fn(ctx);
}

const char *stage_cache_path(const struct stage *st)
{
	return st->cache;
}

uint64_t stage_journal_damage(struct stage *st, bool *missing, size_t *rescued)
{
	/* all set at open, then only read */
	*missing = st->jmissing && st->jrescued;
	*rescued = st->jrescued;
	return st->jdamaged;
}

bool stage_cache_lost(struct stage *st)
{
	bool lost;

	STAGE_LOCK_NODRAIN(st);
	lost = stage_cache_alive(st) != 0;
	STAGE_UNLOCK(st);
	return lost;
}
