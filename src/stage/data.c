/* data.c — CACHE/data/ID: one local file per staged content. Ids are 64-bit
 * and never reused (next = largest seen + 1). Data files are opened only
 * while handles need them, so staging 10,000 files costs no descriptors. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "burnfs/grow.h"
#include "burnfs/log.h"
#include "stage/stage_priv.h"

bool stage_data_parse_id(const char *s, uint64_t *id)
{
	char *end;

	if (*s < '1' || *s > '9')
		return false;
	errno = 0;
	*id = strtoull(s, &end, 10);
	return !errno && !*end;
}

/* A commit burns what the cache holds, as this user: nobody else may
 * have written any of it (the cache module says so to the user first). */
static int owned(const struct stat *sb, const char *what, const char *name)
{
	if (sb->st_uid == geteuid() && !(sb->st_mode & (S_IWGRP | S_IWOTH)))
		return 0;
	blog_error("stage: %s%s%s belongs to user %u or is writable by others",
		   what, name ? "/" : "", name ? name : "", (unsigned)sb->st_uid);
	return -EPERM;
}

int stage_fd_owned(int fd, const char *what)
{
	struct stat sb;

	return fstat(fd, &sb) ? -errno : owned(&sb, what, NULL);
}

int stage_entry_owned(int dirfd, const char *what, const char *name)
{
	struct stat sb;

	if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISREG(sb.st_mode)) {
		blog_error("stage: %s/%s is not a regular file", what, name);
		return -EPERM;
	}
	return owned(&sb, what, name);
}

int stage_cache_subdir(struct stage *st, const char *name)
{
	int fd, ret;

	if (mkdirat(st->cache_fd, name, 0700) && errno != EEXIST)
		return -errno;
	fd = openat(st->cache_fd, name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = stage_fd_owned(fd, name);
	if (ret)
		close(fd);
	return ret ? ret : fd;
}

DIR *stage_dir_scan(int dirfd)
{
	int fd = dup(dirfd), err;
	DIR *d;

	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (!d) {
		err = errno;
		close(fd);
		errno = err;
		return NULL;
	}
	rewinddir(d);  /* the dup shares the offset of earlier scans */
	return d;
}

int stage_data_init(struct stage *st)
{
	struct dirent *e;
	uint64_t spare_max;
	DIR *d;
	int fd;

	st->data_dir_fd = stage_cache_subdir(st, "data");
	if (st->data_dir_fd < 0)
		return st->data_dir_fd;
	d = stage_dir_scan(st->data_dir_fd);
	if (!d)
		return -errno;
	st->next_id = 1;
	fd = 0;
	while (!fd && (e = readdir(d))) {
		uint64_t id;

		if (e->d_name[0] != '.')
			fd = stage_entry_owned(st->data_dir_fd, "data", e->d_name);
		if (stage_data_parse_id(e->d_name, &id) && id >= st->next_id)
			st->next_id = id + 1;
	}
	closedir(d);
	if (!fd)
		fd = stage_spare_init(st, &spare_max);
	if (!fd && spare_max >= st->next_id)
		st->next_id = spare_max + 1;
	return fd;
}

int stage_data_path(const struct stage *st, uint64_t id, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/data/%" PRIu64, st->cache, id);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : n;
}

/* A new empty data file; returns its fd (read-write) and id. */
int stage_data_create(struct stage *st, uint64_t *id)
{
	char name[24];
	int fd = stage_cache_alive(st);

	if (fd)
		return fd;
	fd = stage_spare_take(st, st->next_id);

	if (fd == -ENOENT) {
		snprintf(name, sizeof(name), "%" PRIu64, st->next_id);
		fd = openat(st->data_dir_fd, name, O_RDWR | O_CREAT | O_EXCL |
			    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			fd = stage_cache_errno(-errno);
	}
	if (fd < 0)
		return fd;
	*id = st->next_id++;
	return fd;
}

int stage_data_open(struct stage *st, uint64_t id, int flags)
{
	char name[24];
	int fd;

	snprintf(name, sizeof(name), "%" PRIu64, id);
	fd = openat(st->data_dir_fd, name, flags | O_NOFOLLOW | O_CLOEXEC, 0600);
	return fd < 0 ? -errno : fd;
}

bool stage_data_is_frozen(const struct stage *st, uint64_t id)
{
	size_t lo = 0, hi = st->n_frozen;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (st->frozen_ids[mid] == id)
			return true;
		if (st->frozen_ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* Frozen files belong to the running burn: they go when it is over. */
void stage_data_delete(struct stage *st, uint64_t id)
{
	if (st->closing || stage_data_is_frozen(st, id))
		return;
	stage_spare_retire(st, st->data_dir_fd, id);
}

void stage_node_drop_data(struct stage *st, struct snode *n)
{
	/* a hash under way is for another file (read without the lock) */
	__atomic_fetch_add(&n->cgen, 1, __ATOMIC_RELAXED);
	n->md5_clear = false;    /* the next data file: not known */
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
	if (!n->data_id)
		return;
	if (n->dprev)
		n->dprev->dnext = n->dnext;
	else
		st->data_nodes = n->dnext;
	if (n->dnext)
		n->dnext->dprev = n->dprev;
	n->dnext = n->dprev = NULL;
	stage_data_delete(st, n->data_id);
	n->data_id = 0;
	stage_count_node(st, n);
}

void stage_node_set_data(struct stage *st, struct snode *n, uint64_t id)
{
	stage_node_drop_data(st, n);
	n->data_id = id;
	n->dnext = st->data_nodes;
	n->dprev = NULL;
	if (st->data_nodes)
		st->data_nodes->dprev = n;
	st->data_nodes = n;
	stage_count_node(st, n);
}

/* The node's data file, opened on demand and kept while handles are open. */
int stage_node_data_fd(struct stage *st, struct snode *n)
{
	int fd;

	if (n->fd >= 0)
		return n->fd;
	if (!n->data_id)
		return -ENODATA;
	fd = stage_data_open(st, n->data_id, O_RDWR);
	if (fd >= 0)
		n->fd = fd;
	return fd;
}

/* The first `size` bytes of lower entry `origin` into fd. */
static int copy_from_index(struct index *idx, uint32_t origin, uint64_t size,
			   int fd)
{
	char *buf = malloc(1 << 20);
	uint64_t off = 0;
	ssize_t r = 0;

	if (!buf)
		return -ENOMEM;
	while (off < size) {
		size_t want = size - off < (1 << 20) ? size - off : 1 << 20;

		r = index_read(idx, origin, buf, want, off);
		if (r <= 0)
			break;
		if (pwrite(fd, buf, (size_t)r, (off_t)off) != r) {
			r = -errno;
			break;
		}
		off += (uint64_t)r;
	}
	free(buf);
	if (r < 0)
		return (int)r;
	return off == size ? 0 : -EIO;
}

static int copy_lower(struct stage *st, struct snode *n, int fd)
{
	uint32_t id;
	struct index *idx = stage_node_src(st, n, &id);

	return copy_from_index(idx, id, n->size, fd);
}

/* A disc file's first write copies it into the cache: here with the
 * stage lock, which every staging call needs, dropped while a drive reads
 * the file (minutes for a big one). The copy is installed only if the node
 * still shows the same disc content; otherwise it is dropped and the write
 * copies up under the lock as before. Stage lock held (the write's, which
 * need not wait for writes behind: none can be for a node on the disc). */
void stage_node_copy_up_dropping_lock(struct stage *st, struct snode *n)
{
	struct index *idx;
	uint32_t origin, now;
	uint64_t size, id;
	int fd, ret;

	if (st->readonly || !S_ISREG(n->mode) || !stage_node_on_disc(n) ||
	    (fd = stage_data_create(st, &id)) < 0)
		return;
	idx = index_ref(stage_node_src(st, n, &origin));
	size = n->size;
	STAGE_UNLOCK(st);
	ret = copy_from_index(idx, origin, size, fd);
	STAGE_LOCK_NODRAIN(st);
	/* journaled first; if that fails, the write copies up again */
	if (!ret && !st->readonly && !n->data_id && n->size == size &&
	    stage_node_src(st, n, &now) == idx && now == origin &&
	    !stage_record_setdata(st, n, id)) {
		stage_node_set_data(st, n, id);
		n->md5_clear = true;  /* new, or a spare emptied of its MD5 */
		n->fd = fd;
		fd = -1;  /* the node's now */
	}
	if (fd >= 0) {
		close(fd);
		stage_data_delete(st, id);
	}
	index_unref(idx);
}

static int copy_file(int from, int to, uint64_t size)
{
	loff_t in = 0, out = 0;

	while ((uint64_t)in < size) {
		ssize_t r = copy_file_range(from, &in, to, &out,
					    size - (uint64_t)in, 0);

		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO;
	}
	return 0;
}

/* Give n a fresh data file of its own, holding its current content
 * (keep_content) or nothing; n->fd is the new file afterwards. The new
 * file is complete and journaled (J_SETDATA) before the node uses it. */
int stage_node_copy_up(struct stage *st, struct snode *n, bool keep_content)
{
	uint64_t id;
	int fd = stage_data_create(st, &id), ret = 0, src = -1;

	if (fd < 0)
		return fd;
	if (keep_content && n->data_id) {
		src = stage_node_data_fd(st, n);
		ret = src < 0 ? src : copy_file(src, fd, n->size);
	} else if (keep_content && (n->origin != IDX_NONE || n->rsrc)) {
		ret = copy_lower(st, n, fd);
	}
	if (!ret)
		ret = stage_record_setdata(st, n, id);
	if (ret) {
		close(fd);
		stage_data_delete(st, id);
		return ret;
	}
	stage_node_set_data(st, n, id);
	n->md5_clear = true;  /* new, or a spare emptied of its MD5 */
	n->fd = fd;
	if (!keep_content)
		n->size = 0;
	stage_count_node(st, n);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

enum gc_way { GC_NOW, GC_LATER, GC_RESCUE };

/* CACHE/lost+found, made when missing: -1 (and a log line) when it
 * cannot be. */
static int lost_found_fd(struct stage *st)
{
	int fd;

	if (mkdirat(st->cache_fd, "lost+found", 0700) && errno != EEXIST)
		goto fail;
	fd = openat(st->cache_fd, "lost+found", O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0)
		return fd;
fail:
	blog_error("stage: cannot make lost+found in the cache: %s; what no "
		   "change refers to goes beside it as lost+found-NAME",
		   strerror(errno));
	return -1;
}

/* A data file no record refers to after a damaged journal's replay: its
 * bytes may be a change the damage took, so it goes to CACHE/lost+found
 * (never burned, never reused) for its owner to look at. Without that
 * folder (a full cache disk can rename but not make one) it goes beside
 * it as CACHE/lost+found-NAME: left in data/, the next mount's clean-up
 * would delete it. */
static void rescue(struct stage *st, int lostfd, const char *name)
{
	char beside[NAME_MAX + 16];
	int r;

	if (lostfd >= 0) {
		r = renameat(st->data_dir_fd, name, lostfd, name);
	} else if ((size_t)snprintf(beside, sizeof(beside), "lost+found-%s",
				    name) < sizeof(beside)) {
		r = renameat(st->data_dir_fd, name, st->cache_fd, beside);
	} else {
		r = -1;
		errno = ENAMETOOLONG;
	}
	if (r == 0)
		st->jrescued++;
	else
		blog_error("stage: cannot move data file %s to lost+found: %s",
			   name, strerror(errno));
}

/* Remove data files no node refers to (left over by a crash); GC_LATER
 * hands them to the reaper instead, GC_RESCUE keeps them aside. */
static void gc(struct stage *st, enum gc_way way)
{
	uint64_t *ids = NULL, id;
	size_t n = 0, cap = 0;
	struct snode *nd;
	struct dirent *e;
	int lostfd = -2;   /* not opened yet */
	DIR *d;

	for (nd = st->data_nodes; nd; nd = nd->dnext) {
		if (GROW(&ids, &cap, n + 1, 64))
			goto out;
		ids[n++] = nd->data_id;
	}
	if (n)
		qsort(ids, n, sizeof(*ids), cmp_u64);
	d = stage_dir_scan(st->data_dir_fd);
	if (!d)
		goto out;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (stage_data_parse_id(e->d_name, &id) &&
		    ((n && bsearch(&id, ids, n, sizeof(*ids), cmp_u64)) ||
		     stage_data_is_frozen(st, id)))
			continue;
		if (way == GC_RESCUE) {
			if (lostfd == -2)
				lostfd = lost_found_fd(st);
			rescue(st, lostfd, e->d_name);
			continue;
		}
		blog_debug("stage: removing unreferenced data file %s", e->d_name);
		if (!stage_data_parse_id(e->d_name, &id))
			unlinkat(st->data_dir_fd, e->d_name, 0);
		else if (way == GC_LATER)
			stage_reaper_add(st, id);
		else
			stage_spare_retire(st, st->data_dir_fd, id);
	}
	closedir(d);
	if (lostfd >= 0)
		close(lostfd);
out:
	free(ids);
}

void stage_data_gc(struct stage *st)
{
	gc(st, GC_NOW);
}

void stage_data_rescue(struct stage *st)
{
	gc(st, GC_RESCUE);
	if (st->jrescued)
		blog_error("stage: %zu data file(s) no readable change refers to "
			   "were moved to %s/lost+found", st->jrescued,
			   stage_cache_path(st));
}

void stage_data_gc_later(struct stage *st)
{
	gc(st, GC_LATER);
}
