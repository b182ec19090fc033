/* apply.c — apply one operation record to the merged tree. The API builds a
 * record, applies it here and journals it; replay applies the journal's
 * records here too, so both always agree. No journaling in this file. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "burnfs/log.h"
#include "stage/stage_priv.h"

/* The data file of a replayed record: its size is the content size. */
static int adopt_data(struct stage *st, struct snode *n, uint64_t id)
{
	struct stat sb;
	int fd;

	if (id >= st->next_id)
		st->next_id = id + 1;
	fd = data_open(st, id, O_RDWR | (st->replaying ? O_CREAT : 0));
	if (fd < 0)
		return fd;
	if (fstat(fd, &sb)) {
		close(fd);
		return -errno;
	}
	close(fd);
	node_set_data(st, n, id);
	n->size = (uint64_t)sb.st_size;
	return 0;
}

static int new_entry(struct stage *st, const struct jrec *r, mode_t mode,
		     struct sdentry **out)
{
	char name[STAGE_NAME_MAX + 1];
	struct snode *dir, *n;
	int ret = path_parent(st, r->p1, &dir, name);

	if (ret)
		return ret;
	if (dir_find(st, dir, name))
		return -EEXIST;
	n = node_new(st, mode);
	if (!n)
		return -ENOMEM;
	n->uid = r->uid;
	n->gid = r->gid;
	n->atime = n->mtime = n->ctime = r->ts;
	if (S_ISCHR(mode) || S_ISBLK(mode))
		n->rdev = (dev_t)r->rdev;
	if (S_ISDIR(mode))
		n->size = 4096;
	if (r->p2 && S_ISLNK(mode)) {
		n->link = strdup(r->p2);
		n->size = strlen(r->p2);
		ret = n->link ? 0 : -ENOMEM;
	}
	/* A live create comes with the empty file stage_create just made;
	 * only replay has to look at what the data file holds. */
	if (!ret && S_ISREG(mode) && r->id) {
		if (st->replaying)
			ret = adopt_data(st, n, r->id);
		else
			node_set_data(st, n, r->id);
	}
	if (!ret)
		ret = dentry_add(st, dir, name, n, IDX_NONE, out);
	if (ret) {
		n->ref = 1;
		node_unref(st, n);
		return ret;
	}
	node_touch_dir(dir, &r->ts);
	return 0;
}

static int apply_link(struct stage *st, const struct jrec *r,
		      struct sdentry **out)
{
	char name[STAGE_NAME_MAX + 1];
	struct sdentry *src;
	struct snode *dir;
	int ret = path_resolve(st, r->p1, &src);

	if (ret)
		return ret;
	if (S_ISDIR(src->node->mode))
		return -EPERM;
	ret = path_parent(st, r->p2, &dir, name);
	if (ret)
		return ret;
	if (dir_find(st, dir, name))
		return -EEXIST;
	ret = dentry_add(st, dir, name, src->node, IDX_NONE, out);
	if (ret)
		return ret;
	src->node->ctime = r->ts;
	node_touch_dir(dir, &r->ts);
	return 0;
}

static int apply_remove(struct stage *st, const struct jrec *r, bool isdir)
{
	struct sdentry *de;
	struct snode *dir;
	int ret = path_resolve(st, r->p1, &de);

	if (ret)
		return ret;
	if (!de->parent)
		return isdir ? -EBUSY : -EISDIR;
	if (!isdir && S_ISDIR(de->node->mode))
		return -EISDIR;
	if (isdir && !S_ISDIR(de->node->mode))
		return -ENOTDIR;
	if (isdir && (ret = dir_materialize(st, de->node)))
		return ret;
	if (isdir && de->node->nchild)
		return -ENOTEMPTY;
	dir = de->parent;
	de->node->ctime = r->ts;
	dentry_remove(st, de);
	node_touch_dir(dir, &r->ts);
	return 0;
}

/* May dst (an existing name) be replaced by src? */
static int check_replace(struct stage *st, struct sdentry *src,
			 struct sdentry *dst)
{
	int ret;

	if (S_ISDIR(src->node->mode)) {
		if (!S_ISDIR(dst->node->mode))
			return -ENOTDIR;
		ret = dir_materialize(st, dst->node);
		if (ret)
			return ret;
		return dst->node->nchild ? -ENOTEMPTY : 0;
	}
	return S_ISDIR(dst->node->mode) ? -EISDIR : 0;
}

static int exchange(struct stage *st, struct sdentry *src, struct sdentry *dst)
{
	struct snode *sdir = src->parent;
	char *sname = strdup(src->name);
	int ret;

	if (!sname)
		return -ENOMEM;
	if (S_ISDIR(dst->node->mode) && dentry_is_ancestor(dst, sdir)) {
		free(sname);
		return -EINVAL;
	}
	ret = dentry_move(st, src, dst->parent, dst->name);
	if (!ret)
		ret = dentry_move(st, dst, sdir, sname);
	free(sname);
	return ret;
}

static int do_rename(struct stage *st, const struct jrec *r,
		     struct sdentry *src, struct snode *tdir, const char *tname)
{
	struct sdentry *dst = dir_find(st, tdir, tname);
	int ret;

	if (dst == src)
		return 0;
	if (r->flags & RENAME_EXCHANGE) {
		if (!dst)
			return -ENOENT;
		ret = exchange(st, src, dst);
		if (!ret)
			dst->node->ctime = r->ts;
		return ret;
	}
	if (dst && (r->flags & RENAME_NOREPLACE))
		return -EEXIST;
	if (dst && dst->node == src->node)
		return 0;
	if (dst && (ret = check_replace(st, src, dst)))
		return ret;
	if (dst) {
		dst->node->ctime = r->ts;
		dentry_remove(st, dst);
	}
	return dentry_move(st, src, tdir, tname);
}

static int apply_rename(struct stage *st, const struct jrec *r)
{
	char tname[STAGE_NAME_MAX + 1];
	struct snode *tdir, *sdir;
	struct sdentry *src;
	int ret;

	if ((r->flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) ||
	    (r->flags & RENAME_NOREPLACE && r->flags & RENAME_EXCHANGE))
		return -EINVAL;
	ret = path_resolve(st, r->p1, &src);
	if (ret)
		return ret;
	ret = path_parent(st, r->p2, &tdir, tname);
	if (ret)
		return ret;
	if (!src->parent)
		return -EBUSY;
	if (S_ISDIR(src->node->mode) && dentry_is_ancestor(src, tdir))
		return -EINVAL;
	sdir = src->parent;
	ret = do_rename(st, r, src, tdir, tname);
	if (ret)
		return ret;
	src->node->ctime = r->ts;
	node_touch_dir(sdir, &r->ts);
	node_touch_dir(tdir, &r->ts);
	return 0;
}

static int apply_attr(struct stage *st, const struct jrec *r)
{
	struct sdentry *de;
	struct snode *n;
	int ret = path_resolve(st, r->p1, &de);

	if (ret)
		return ret;
	n = de->node;
	n->mode = (n->mode & S_IFMT) | (r->mode & 07777);
	n->uid = r->uid;
	n->gid = r->gid;
	n->atime = r->atime;
	n->mtime = r->mtime;
	n->ctime = r->ctime;
	return xattr_follow_mode(st, n);
}

static int apply_setdata(struct stage *st, const struct jrec *r)
{
	struct sdentry *de;
	int ret = path_resolve(st, r->p1, &de);

	if (ret)
		return ret;
	if (!S_ISREG(de->node->mode))
		return -EINVAL;
	return adopt_data(st, de->node, r->id);
}

static int apply_xattr(struct stage *st, const struct jrec *r)
{
	struct sdentry *de;
	int ret = path_resolve(st, r->p1, &de);

	if (ret)
		return ret;
	if (r->op == J_RMXATTR)
		ret = xattr_remove(st, de->node, r->name);
	else
		ret = xattr_set(st, de->node, r->name, r->val, r->vlen,
				(int)r->flags);
	if (!ret)
		de->node->ctime = r->ts;
	return ret;
}

int apply_record(struct stage *st, const struct jrec *r,
		 struct sdentry **out)
{
	switch (r->op) {
	case J_MKNOD:
		return new_entry(st, r, r->mode, out);
	case J_MKDIR:
		return new_entry(st, r, S_IFDIR | (r->mode & 07777), out);
	case J_SYMLINK:
		return new_entry(st, r, S_IFLNK | 0777, out);
	case J_LINK:
		return apply_link(st, r, out);
	case J_UNLINK:
	case J_RMDIR:
		return apply_remove(st, r, r->op == J_RMDIR);
	case J_RENAME:
		return apply_rename(st, r);
	case J_ATTR:
		return apply_attr(st, r);
	case J_SETDATA:
		return apply_setdata(st, r);
	case J_SETXATTR:
	case J_RMXATTR:
		return apply_xattr(st, r);
	case J_RESTORE:
		return restore_apply(st, r, NULL, out);
	case J_BASE:
	case J_FREEZE:
	case J_THAW:
		return 0;
	}
	return -EINVAL;
}

int stage_change(struct stage *st, struct jrec *r, struct sdentry **out)
{
	int ret;

	if (st->readonly)
		return -EROFS;
	if (!r->ts.tv_sec)
		now_ts(&r->ts);
	ret = apply_record(st, r, out);
	if (ret)
		return ret;
	return journal_append(st, r);
}

/* Journal a record about n under the path of its first name; r->p1 must
 * point at path. A node without names (unlinked, still open) has nothing
 * to replay: only the statistics change. */
static int record_node(struct stage *st, struct snode *n, struct jrec *r,
		       char path[STAGE_PATH_MAX])
{
	if (!n->aliases) {
		st->gen++;
		return 0;
	}
	if (node_path(n->aliases, path, STAGE_PATH_MAX) < 0)
		return -ENAMETOOLONG;
	now_ts(&r->ts);
	return journal_append(st, r);
}

int record_attr(struct stage *st, struct snode *n)
{
	char path[STAGE_PATH_MAX];
	struct jrec r = {
		.op = J_ATTR, .mode = n->mode & 07777, .uid = n->uid,
		.gid = n->gid, .atime = n->atime, .mtime = n->mtime,
		.ctime = n->ctime, .p1 = path,
	};

	return record_node(st, n, &r, path);
}

int record_setdata(struct stage *st, struct snode *n)
{
	char path[STAGE_PATH_MAX];
	struct jrec r = { .op = J_SETDATA, .id = n->data_id, .p1 = path };

	return record_node(st, n, &r, path);
}
