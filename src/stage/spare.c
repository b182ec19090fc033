/* spare.c — CACHE/spare/: data files that are no longer needed, emptied and
 * kept to be used again. On this machine's ext4 (and any ext4 without a
 * journal) an inode freed in the last few seconds is skipped by the
 * allocator only after reading its inode table block, so after a commit
 * or an rm -r has deleted thousands of data files every new file costs
 * several times more for a long while. Renaming an empty spare into place
 * allocates no inode. Spares are named by the id they last had; ids are
 * never reused, so names in spare/ and data/ do not collide. A spare is
 * referred to by nothing: a crash anywhere leaves at worst a file in the
 * wrong folder, which stage_data_gc or the O_TRUNC at reuse deals with. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "burnfs/grow.h"
#include "burnfs/log.h"
#include "burnfs/md5.h"
#include "stage/stage_priv.h"

/* Enough for the files of a big session; beyond it inodes go back to the
 * filesystem. */
#define SPARE_MAX 65536

static void id_name(char *buf, size_t size, uint64_t id)
{
	snprintf(buf, size, "%" PRIu64, id);
}

/* Keep name `id` in the list; false when full or out of memory. */
static bool push(struct spares *sp, uint64_t id)
{
	bool ok = false;

	pthread_mutex_lock(&sp->lock);
	if (sp->n == sp->cap && sp->cap < SPARE_MAX)
		(void)GROW(&sp->ids, &sp->cap, sp->n + 1, 256);   /* else: not kept */
	if (sp->n < sp->cap) {
		sp->ids[sp->n++] = id;
		ok = true;
	}
	pthread_mutex_unlock(&sp->lock);
	return ok;
}

static bool pop(struct spares *sp, uint64_t *id)
{
	bool ok;

	pthread_mutex_lock(&sp->lock);
	ok = sp->n > 0;
	if (ok)
		*id = sp->ids[--sp->n];
	pthread_mutex_unlock(&sp->lock);
	return ok;
}

static bool full(struct spares *sp)
{
	bool f;

	pthread_mutex_lock(&sp->lock);
	f = sp->n >= SPARE_MAX;
	pthread_mutex_unlock(&sp->lock);
	return f;
}

/* Opens (making it if needed) spare/ and lists what is there; *max is the
 * largest name seen, which the next data id must exceed. */
int stage_spare_init(struct stage *st, uint64_t *max)
{
	struct spares *sp = &st->spares;
	struct dirent *e;
	uint64_t id;
	DIR *d;

	*max = 0;
	sp->dirfd = stage_cache_subdir(st, "spare");
	if (sp->dirfd < 0)
		return sp->dirfd;
	d = stage_dir_scan(sp->dirfd);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (!stage_data_parse_id(e->d_name, &id))
			continue;
		if (stage_entry_owned(sp->dirfd, "spare", e->d_name)) {
			closedir(d);
			return -EPERM;
		}
		if (id > *max)
			*max = id;
		if (!push(sp, id))
			unlinkat(sp->dirfd, e->d_name, 0);
	}
	closedir(d);
	return 0;
}

void stage_spare_free(struct stage *st)
{
	if (st->spares.dirfd >= 0)
		close(st->spares.dirfd);
	st->spares.dirfd = -1;
	free(st->spares.ids);
	st->spares.ids = NULL;
	st->spares.n = st->spares.cap = 0;
}

/* Emptied, and without a stored MD5: the next content is another. */
static int empty_it(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = md5_stored_clear(fd);
	close(fd);
	return ret < 0 ? ret : 0;
}

/* Data file `id` is no longer needed: empty it into spare/, or delete it
 * when enough are kept. Any thread (the reaper calls it with its own
 * descriptor of data/). */
void stage_spare_retire(struct stage *st, int data_dirfd, uint64_t id)
{
	struct spares *sp = &st->spares;
	char name[24];

	id_name(name, sizeof(name), id);
	if (sp->dirfd >= 0 && !full(sp) &&
	    !renameat2(data_dirfd, name, sp->dirfd, name, RENAME_NOREPLACE)) {
		if (!empty_it(sp->dirfd, name) && push(sp, id))
			return;
		unlinkat(sp->dirfd, name, 0);
		return;
	}
	if (unlinkat(data_dirfd, name, 0) && errno != ENOENT)
		blog_warn("stage: cannot remove data file %s: %s", name,
			  strerror(errno));
}

/* A spare renamed to data/ID and opened read-write, empty; -ENOENT when
 * there is none, and the caller creates a new file instead. */
int stage_spare_take(struct stage *st, uint64_t id)
{
	struct spares *sp = &st->spares;
	char from[24], to[24];
	uint64_t old;
	int fd;

	id_name(to, sizeof(to), id);
	while (pop(sp, &old)) {
		id_name(from, sizeof(from), old);
		if (renameat2(sp->dirfd, from, st->data_dir_fd, to,
			      RENAME_NOREPLACE)) {
			if (errno != EEXIST)
				continue;  /* gone meanwhile: try the next */
			push(sp, old);
			return -EEXIST;
		}
		fd = openat(st->data_dir_fd, to,
			    O_RDWR | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			return fd;
		fd = -errno;
		unlinkat(st->data_dir_fd, to, 0);
		return fd;
	}
	return -ENOENT;
}
