/* attr.c — attributes by path and by inode: getattr, readlink, chmod,
 * chown, utimens, truncate (setattr). Attribute changes journal the node's
 * full attribute state (J_ATTR) under its first name, so replay needs no
 * history; a node without names changes alone. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stage/stage_priv.h"

void stage_now_ts(struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);
}

void stage_node_stat(const struct stage *st, const struct snode *n,
		     struct stat *sb)
{
	memset(sb, 0, sizeof(*sb));
	sb->st_ino = n->ino;
	sb->st_mode = n->mode;
	/* a removed folder still open has no links, no size, as on ext4 */
	sb->st_nlink = !S_ISDIR(n->mode) ? n->nlink :
		       n->aliases ? stage_dir_nlink(st, n) : 0;
	sb->st_uid = n->uid;
	sb->st_gid = n->gid;
	sb->st_rdev = n->rdev;
	sb->st_size = S_ISDIR(n->mode) && !n->aliases ? 0 : (off_t)n->size;
	/* cp and friends size their writes by st_blksize: 1 MiB requests
	 * (FUSE's max_write) cost an eighth of the round trips of 128 KiB. */
	sb->st_blksize = 1 << 20;
	sb->st_blocks = (blkcnt_t)((n->size + 511) / 512);
	sb->st_atim = n->atime;
	sb->st_mtim = n->mtime;
	sb->st_ctim = n->ctime;
}

#define SN(n) ((struct snode *)(n))

int stage_node_getattr(struct stage *st, struct stage_node *n,
		       struct stat *out)
{
	STAGE_LOCK_NODRAIN(st);  /* the node knows size and times already */
	stage_node_stat(st, SN(n), out);
	STAGE_UNLOCK(st);
	return 0;
}

int stage_getattr(struct stage *st, const char *path, struct stat *stbuf)
{
	struct sdentry *de;
	int ret;

	STAGE_LOCK(st);
	ret = stage_path_resolve(st, path, &de);
	if (!ret)
		stage_node_stat(st, de->node, stbuf);
	STAGE_UNLOCK(st);
	return ret;
}

static int readlink_node(struct snode *n, char *buf, size_t size)
{
	if (!size)
		return -EINVAL;
	if (!S_ISLNK(n->mode))
		return -EINVAL;
	strncpy(buf, n->link ? n->link : "", size - 1);
	buf[size - 1] = '\0';
	return 0;
}

int stage_node_readlink(struct stage *st, struct stage_node *n, char *buf,
			size_t size)
{
	int ret;

	STAGE_LOCK_NODRAIN(st);
	ret = readlink_node(SN(n), buf, size);
	STAGE_UNLOCK(st);
	return ret;
}

int stage_readlink(struct stage *st, const char *path, char *buf, size_t size)
{
	struct sdentry *de;
	int ret;

	STAGE_LOCK(st);
	ret = stage_path_resolve(st, path, &de);
	if (!ret)
		ret = readlink_node(de->node, buf, size);
	STAGE_UNLOCK(st);
	return ret;
}

/* The J_ATTR record of n with a's changes; ctime is now. Times are cut
 * to what Rock Ridge records, as a local file system cuts them. */
static void attr_record(const struct snode *n, const struct stage_attr *a,
			struct jrec *r)
{
	stage_now_ts(&r->ts);
	r->op = J_ATTR;
	r->mode = (a->valid & STAGE_SET_MODE ? a->mode : n->mode) & 07777;
	r->uid = a->valid & STAGE_SET_UID ? a->uid : n->uid;
	r->gid = a->valid & STAGE_SET_GID ? a->gid : n->gid;
	r->atime = n->atime;
	r->mtime = n->mtime;
	r->ctime = r->ts;
	if (a->valid & STAGE_SET_ATIME && a->atime.tv_nsec != UTIME_OMIT) {
		r->atime = a->atime.tv_nsec == UTIME_NOW ? r->ts : a->atime;
		r->flags |= JA_TIMES;
	}
	if (a->valid & STAGE_SET_MTIME && a->mtime.tv_nsec != UTIME_OMIT) {
		r->mtime = a->mtime.tv_nsec == UTIME_NOW ? r->ts : a->mtime;
		r->flags |= JA_TIMES;
	}
	stage_limit_time(&r->atime);
	stage_limit_time(&r->mtime);
	stage_attr_size(n, r);
}

/* Journal r under n's first name and apply it there; a node without
 * names changes alone. */
static int node_set_attrs(struct stage *st, struct snode *n, struct jrec *r)
{
	if (!n->aliases) {
		st->gen++;
		return stage_node_take_attrs(st, n, r);
	}
	return stage_change_node(st, n, r);
}

/* Truncate first (it journals the size and times), then the attributes. */
static int setattr_locked(struct stage *st, struct snode *n,
			  const struct stage_attr *a)
{
	struct jrec r = { 0 };
	int ret = st->readonly ? -EROFS : 0;

	if (!ret && (a->valid & STAGE_SET_SIZE)) {
		if (a->size < 0)
			ret = -EINVAL;
		else if ((uint64_t)a->size > STAGE_FILE_SIZE_MAX)
			ret = -EFBIG;
		else
			ret = stage_node_truncate(st, n, (uint64_t)a->size);
	}
	if (!ret && (a->valid & ~STAGE_SET_SIZE)) {
		attr_record(n, a, &r);
		ret = node_set_attrs(st, n, &r);
	}
	return ret;
}

int stage_node_setattr(struct stage *st, struct stage_node *n,
		       const struct stage_attr *a, struct stat *out)
{
	int ret;

	STAGE_LOCK(st);
	ret = setattr_locked(st, SN(n), a);
	if (!ret && out)
		stage_node_stat(st, SN(n), out);
	STAGE_UNLOCK(st);
	return ret;
}

static int setattr_path(struct stage *st, const char *path,
			const struct stage_attr *a)
{
	struct sdentry *de;
	int ret;

	STAGE_LOCK(st);
	ret = stage_path_resolve(st, path, &de);
	if (!ret)
		ret = setattr_locked(st, de->node, a);
	STAGE_UNLOCK(st);
	return ret;
}

int stage_chmod(struct stage *st, const char *path, mode_t mode)
{
	struct stage_attr a = { .valid = STAGE_SET_MODE, .mode = mode };

	return setattr_path(st, path, &a);
}

int stage_chown(struct stage *st, const char *path, uid_t uid, gid_t gid)
{
	struct stage_attr a = { .uid = uid, .gid = gid };

	a.valid = STAGE_SET_CTIME | (uid != (uid_t)-1 ? STAGE_SET_UID : 0) |
		  (gid != (gid_t)-1 ? STAGE_SET_GID : 0);
	return setattr_path(st, path, &a);
}

int stage_utimens(struct stage *st, const char *path,
		  const struct timespec tv[2])
{
	struct stage_attr a = { .valid = STAGE_SET_ATIME | STAGE_SET_MTIME };

	a.atime.tv_nsec = a.mtime.tv_nsec = UTIME_NOW;
	if (tv) {
		a.atime = tv[0];
		a.mtime = tv[1];
	}
	return setattr_path(st, path, &a);
}

int stage_truncate(struct stage *st, const char *path, off_t size)
{
	struct stage_attr a = { .valid = STAGE_SET_SIZE, .size = size };

	return setattr_path(st, path, &a);
}
