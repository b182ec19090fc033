/* attr.c — attributes and listings: getattr, readlink, readdir, chmod,
 * chown, utimens, truncate. Attribute changes journal the node's full
 * attribute state (J_ATTR), so replay needs no history. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stage/stage_priv.h"

void now_ts(struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);
}

void node_stat(const struct stage *st, const struct snode *n,
	       struct stat *sb)
{
	memset(sb, 0, sizeof(*sb));
	sb->st_ino = n->ino;
	sb->st_mode = n->mode;
	sb->st_nlink = S_ISDIR(n->mode) ? dir_nlink(st, n) : n->nlink;
	sb->st_uid = n->uid;
	sb->st_gid = n->gid;
	sb->st_rdev = n->rdev;
	sb->st_size = (off_t)n->size;
	/* cp and friends size their writes by st_blksize: 1 MiB requests
	 * (FUSE's max_write) cost an eighth of the round trips of 128 KiB. */
	sb->st_blksize = 1 << 20;
	sb->st_blocks = (blkcnt_t)((n->size + 511) / 512);
	sb->st_atim = n->atime;
	sb->st_mtim = n->mtime;
	sb->st_ctim = n->ctime;
}

int stage_getattr(struct stage *st, const char *path, struct stat *stbuf)
{
	struct sdentry *de;
	int ret;

	STAGE_LOCK(st);
	ret = path_resolve(st, path, &de);
	if (!ret)
		node_stat(st, de->node, stbuf);
	STAGE_UNLOCK(st);
	return ret;
}

int stage_readlink(struct stage *st, const char *path, char *buf, size_t size)
{
	struct sdentry *de;
	int ret;

	if (!size)
		return -EINVAL;
	STAGE_LOCK(st);
	ret = path_resolve(st, path, &de);
	if (!ret && !S_ISLNK(de->node->mode))
		ret = -EINVAL;
	if (!ret) {
		strncpy(buf, de->node->link ? de->node->link : "", size - 1);
		buf[size - 1] = '\0';
	}
	STAGE_UNLOCK(st);
	return ret;
}

static int cmp_dentry(const void *a, const void *b)
{
	return strcmp((*(struct sdentry *const *)a)->name,
		      (*(struct sdentry *const *)b)->name);
}

/* Sorted by name, so listings are stable and look like the snapshot. */
int stage_readdir(struct stage *st, const char *path, stage_fill_fn fill,
		  void *ctx)
{
	struct sdentry *de, *c, **v = NULL;
	struct stat sb;
	uint32_t i = 0;
	int ret;

	STAGE_LOCK(st);
	ret = path_resolve(st, path, &de);
	if (!ret && !S_ISDIR(de->node->mode))
		ret = -ENOTDIR;
	if (!ret)
		ret = dir_materialize(st, de->node);
	if (ret)
		goto out;
	v = malloc((de->node->nchild + 1) * sizeof(*v));
	if (!v) {
		ret = -ENOMEM;
		goto out;
	}
	for (c = de->node->children; c; c = c->sib_next)
		v[i++] = c;
	qsort(v, i, sizeof(*v), cmp_dentry);
	for (uint32_t k = 0; k < i; k++) {
		node_stat(st, v[k]->node, &sb);
		if (fill(ctx, v[k]->name, &sb))
			break;
	}
out:
	free(v);
	STAGE_UNLOCK(st);
	return ret;
}

/* Resolve path and journal its changed attribute state. */
static int set_attrs(struct stage *st, const char *path, mode_t mode,
		     uid_t uid, gid_t gid, const struct timespec tv[2])
{
	struct jrec r = { .op = J_ATTR, .p1 = path };
	struct sdentry *de;
	struct snode *n;
	int ret;

	STAGE_LOCK(st);
	ret = st->readonly ? -EROFS : path_resolve(st, path, &de);
	if (ret)
		goto out;
	n = de->node;
	now_ts(&r.ts);
	r.mode = mode == (mode_t)-1 ? n->mode & 07777 : mode & 07777;
	r.uid = uid == (uid_t)-1 ? n->uid : uid;
	r.gid = gid == (gid_t)-1 ? n->gid : gid;
	r.atime = n->atime;
	r.mtime = n->mtime;
	r.ctime = r.ts;
	if (tv && tv[0].tv_nsec != UTIME_OMIT)
		r.atime = tv[0].tv_nsec == UTIME_NOW ? r.ts : tv[0];
	if (tv && tv[1].tv_nsec != UTIME_OMIT)
		r.mtime = tv[1].tv_nsec == UTIME_NOW ? r.ts : tv[1];
	limit_time(&r.atime);
	limit_time(&r.mtime);
	ret = stage_change(st, &r, NULL);
out:
	STAGE_UNLOCK(st);
	return ret;
}

int stage_chmod(struct stage *st, const char *path, mode_t mode)
{
	return set_attrs(st, path, mode, (uid_t)-1, (gid_t)-1, NULL);
}

int stage_chown(struct stage *st, const char *path, uid_t uid, gid_t gid)
{
	return set_attrs(st, path, (mode_t)-1, uid, gid, NULL);
}

int stage_utimens(struct stage *st, const char *path,
		  const struct timespec tv[2])
{
	static const struct timespec now[2] = {
		{ .tv_nsec = UTIME_NOW }, { .tv_nsec = UTIME_NOW },
	};

	return set_attrs(st, path, (mode_t)-1, (uid_t)-1, (gid_t)-1,
			 tv ? tv : now);
}

int stage_truncate(struct stage *st, const char *path, off_t size)
{
	struct sdentry *de;
	int ret;

	if (size < 0)
		return -EINVAL;
	STAGE_LOCK(st);
	ret = st->readonly ? -EROFS : path_resolve(st, path, &de);
	if (!ret)
		ret = node_truncate(st, de->node, (uint64_t)size);
	STAGE_UNLOCK(st);
	return ret;
}
