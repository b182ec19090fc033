/* change.c — one change to the merged tree: an operation record, checked,
 * journaled, applied. The API builds a record, checks it here, journals it,
 * then applies it here (write-ahead: nothing is visible before it is in the
 * journal, and a record that would fail is never journaled); replay applies
 * the journal's records here too, so both always agree. Each apply_* first
 * runs the check_* that the live path runs before journaling, so the two
 * cannot drift apart. */
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
	int fd, ret;

	if (id >= st->next_id)
		st->next_id = id + 1;
	fd = stage_data_open(st, id, O_RDWR | (st->replaying ? O_CREAT : 0));
	if (fd < 0)
		return fd;
	ret = fstat(fd, &sb) ? -errno : 0;
	close(fd);
	if (ret)
		return ret;
	/* the same file named twice (a record repeated) stays the node's */
	if (n->data_id != id)
		stage_node_set_data(st, n, id);
	n->size = (uint64_t)sb.st_size;
	stage_count_node(st, n);
	return 0;
}

/* Where a new name would go: its folder, free of that name. */
static int check_new_name(struct stage *st, const char *path,
			  struct snode **dir, char name[STAGE_NAME_MAX + 1])
{
	int ret = stage_path_parent(st, path, dir, name);

	if (ret)
		return ret;
	return stage_dir_find(st, *dir, name) ? -EEXIST : 0;
}

static int new_entry(struct stage *st, const struct jrec *r, mode_t mode,
		     struct sdentry **out)
{
	char name[STAGE_NAME_MAX + 1];
	struct snode *dir, *n;
	int ret = check_new_name(st, r->p1, &dir, name);

	if (ret)
		return ret;
	n = stage_node_new(st, mode);
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
			stage_node_set_data(st, n, r->id);
	}
	if (!ret)
		ret = stage_dentry_add(st, dir, name, n, IDX_NONE, out);
	if (ret) {
		n->ref = 1;
		stage_node_unref(st, n);
		return ret;
	}
	stage_node_touch_dir(dir, &r->ts);
	return 0;
}

struct linkto {
	struct sdentry *src;
	struct snode *dir;
	char name[STAGE_NAME_MAX + 1];
};

static int check_link(struct stage *st, const struct jrec *r,
		      struct linkto *l)
{
	int ret = stage_path_resolve(st, r->p1, &l->src);

	if (ret)
		return ret;
	if (S_ISDIR(l->src->node->mode))
		return -EPERM;
	return check_new_name(st, r->p2, &l->dir, l->name);
}

static int apply_link(struct stage *st, const struct jrec *r,
		      struct sdentry **out)
{
	struct linkto l;
	int ret = check_link(st, r, &l);

	if (ret)
		return ret;
	ret = stage_dentry_add(st, l.dir, l.name, l.src->node, IDX_NONE, out);
	if (ret)
		return ret;
	l.src->node->ctime = r->ts;
	stage_node_touch_dir(l.dir, &r->ts);
	return 0;
}

static int check_remove(struct stage *st, const struct jrec *r,
			struct sdentry **de)
{
	bool isdir = r->op == J_RMDIR;
	int ret = stage_path_resolve(st, r->p1, de);

	if (ret)
		return ret;
	if (!(*de)->parent)
		return isdir ? -EBUSY : -EISDIR;
	if (!isdir && S_ISDIR((*de)->node->mode))
		return -EISDIR;
	if (isdir && !S_ISDIR((*de)->node->mode))
		return -ENOTDIR;
	if (isdir && (ret = stage_dir_materialize(st, (*de)->node)))
		return ret;
	return isdir && (*de)->node->nchild ? -ENOTEMPTY : 0;
}

static int apply_remove(struct stage *st, const struct jrec *r)
{
	struct sdentry *de;
	struct snode *dir;
	int ret = check_remove(st, r, &de);

	if (ret)
		return ret;
	dir = de->parent;
	de->node->ctime = r->ts;
	stage_dentry_remove(st, de);
	stage_node_touch_dir(dir, &r->ts);
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
		ret = stage_dir_materialize(st, dst->node);
		if (ret)
			return ret;
		return dst->node->nchild ? -ENOTEMPTY : 0;
	}
	return S_ISDIR(dst->node->mode) ? -EISDIR : 0;
}

struct move {
	struct sdentry *src, *dst; /* dst: the name there now, or NULL */
	struct snode *tdir;
	char tname[STAGE_NAME_MAX + 1];
	bool noop;                 /* a rename onto itself or its hard link */
};

/* What the name at the target allows, by the rename's flags. */
static int check_target(struct stage *st, const struct jrec *r,
			struct move *m)
{
	if (!m->dst || m->dst == m->src) {
		m->noop = m->dst == m->src;
		return !m->dst && (r->flags & RENAME_EXCHANGE) ? -ENOENT : 0;
	}
	if (r->flags & RENAME_EXCHANGE)
		return S_ISDIR(m->dst->node->mode) &&
		       stage_dentry_is_ancestor(m->dst, m->src->parent) ? -EINVAL : 0;
	if (r->flags & RENAME_NOREPLACE)
		return -EEXIST;
	if (m->dst->node == m->src->node) {
		m->noop = true;
		return 0;
	}
	return check_replace(st, m->src, m->dst);
}

static int check_rename(struct stage *st, const struct jrec *r,
			struct move *m)
{
	int ret;

	if ((r->flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) ||
	    (r->flags & RENAME_NOREPLACE && r->flags & RENAME_EXCHANGE))
		return -EINVAL;
	ret = stage_path_resolve(st, r->p1, &m->src);
	if (ret)
		return ret;
	ret = stage_path_parent(st, r->p2, &m->tdir, m->tname);
	if (ret)
		return ret;
	if (!m->src->parent)
		return -EBUSY;
	if (S_ISDIR(m->src->node->mode) && stage_dentry_is_ancestor(m->src, m->tdir))
		return -EINVAL;
	m->dst = stage_dir_find(st, m->tdir, m->tname);
	m->noop = false;
	return check_target(st, r, m);
}

static int exchange(struct stage *st, struct sdentry *src, struct sdentry *dst)
{
	struct snode *sdir = src->parent;
	char *sname = strdup(src->name);
	int ret;

	if (!sname)
		return -ENOMEM;
	ret = stage_dentry_move(st, src, dst->parent, dst->name);
	if (!ret)
		ret = stage_dentry_move(st, dst, sdir, sname);
	free(sname);
	return ret;
}

static int do_rename(struct stage *st, const struct jrec *r, struct move *m)
{
	int ret;

	if (r->flags & RENAME_EXCHANGE) {
		ret = exchange(st, m->src, m->dst);
		if (!ret)
			m->dst->node->ctime = r->ts;
		return ret;
	}
	if (m->dst) {
		m->dst->node->ctime = r->ts;
		stage_dentry_remove(st, m->dst);
	}
	return stage_dentry_move(st, m->src, m->tdir, m->tname);
}

static int apply_rename(struct stage *st, const struct jrec *r)
{
	struct snode *sdir;
	struct move m;
	int ret = check_rename(st, r, &m);

	if (ret || m.noop)
		return ret;
	sdir = m.src->parent;
	ret = do_rename(st, r, &m);
	if (ret)
		return ret;
	m.src->node->ctime = r->ts;
	stage_node_touch_dir(sdir, &r->ts);
	stage_node_touch_dir(m.tdir, &r->ts);
	return 0;
}

int stage_node_take_attrs(struct stage *st, struct snode *n, const struct jrec *r)
{
	int ret;

	if (S_ISDIR(n->mode) && (r->flags & JA_TIMES))
		n->times_set = true;

	n->mode = (n->mode & S_IFMT) | (r->mode & 07777);
	n->uid = r->uid;
	n->gid = r->gid;
	n->atime = r->atime;
	n->mtime = r->mtime;
	n->ctime = r->ctime;
	ret = stage_xattr_follow_mode(st, n);
	stage_count_node(st, n);
	return ret;
}

static int apply_attr(struct stage *st, const struct jrec *r)
{
	struct sdentry *de;
	int ret = stage_path_resolve(st, r->p1, &de);

	if (ret)
		return ret;
	if (st->replaying)
		stage_lost_note(st, de->node, r);
	return stage_node_take_attrs(st, de->node, r);
}

static int check_setdata(struct stage *st, const struct jrec *r,
			 struct sdentry **de)
{
	int ret = stage_path_resolve(st, r->p1, de);

	if (ret)
		return ret;
	return S_ISREG((*de)->node->mode) ? 0 : -EINVAL;
}

static int apply_setdata(struct stage *st, const struct jrec *r)
{
	struct sdentry *de;
	int ret = check_setdata(st, r, &de);

	return ret ? ret : adopt_data(st, de->node, r->id);
}

static int check_xattr(struct stage *st, const struct jrec *r,
		       struct sdentry **de)
{
	int ret = stage_path_resolve(st, r->p1, de);

	if (ret)
		return ret;
	return stage_xattr_check(st, (*de)->node, r->name, r->vlen, (int)r->flags,
				 r->op == J_RMXATTR);
}

static int apply_xattr(struct stage *st, const struct jrec *r)
{
	struct sdentry *de;
	int ret = check_xattr(st, r, &de);

	if (ret)
		return ret;
	if (r->op == J_RMXATTR)
		ret = stage_xattr_remove(st, de->node, r->name);
	else
		ret = stage_xattr_set(st, de->node, r->name, r->val, r->vlen,
				      (int)r->flags);
	if (!ret)
		de->node->ctime = r->ts;
	stage_count_node(st, de->node);
	return ret;
}

int stage_apply_record(struct stage *st, const struct jrec *r,
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
		return apply_remove(st, r);
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
		return stage_restore_apply(st, r, NULL, out);
	case J_SHARE:
		return stage_share_apply(st, r);
	case J_BASE:
	case J_FREEZE:
	case J_THAW:
		return 0;
	}
	return -EINVAL;
}

/* Would stage_apply_record(r) succeed? Nothing visible changes (a folder's
 * disc entries may be read in, which is only a cache). */
static int apply_check(struct stage *st, const struct jrec *r)
{
	char name[STAGE_NAME_MAX + 1];
	struct sdentry *de;
	struct snode *dir;
	struct linkto l;
	struct move m;

	switch (r->op) {
	case J_MKNOD:
	case J_MKDIR:
	case J_SYMLINK:
		return check_new_name(st, r->p1, &dir, name);
	case J_LINK:
		return check_link(st, r, &l);
	case J_UNLINK:
	case J_RMDIR:
		return check_remove(st, r, &de);
	case J_RENAME:
		return check_rename(st, r, &m);
	case J_ATTR:
		return stage_path_resolve(st, r->p1, &de);
	case J_SETDATA:
		return check_setdata(st, r, &de);
	case J_SETXATTR:
	case J_RMXATTR:
		return check_xattr(st, r, &de);
	}
	return -EINVAL;
}

/* Write-ahead: check, journal, apply. What the check cannot foresee (no
 * memory) takes the record back out of the journal, so a failed call
 * leaves no trace, neither in the view nor at the next mount. */
int stage_change(struct stage *st, struct jrec *r, struct sdentry **out)
{
	uint64_t end;
	int ret;

	if (st->readonly)
		return -EROFS;
	if (!r->ts.tv_sec)
		stage_now_ts(&r->ts);
	ret = apply_check(st, r);
	if (ret)
		return ret;
	ret = stage_journal_append(st, r, &end);
	if (ret)
		return ret;
	ret = stage_apply_record(st, r, out);
	if (ret)
		stage_journal_cut(st, end);
	return ret;
}

/* Journal a record about n under the path of its first name. A node
 * without names (unlinked, still open) has nothing to replay: only the
 * statistics change. These records follow a change already made to a
 * data file, so they may use the journal's reserve. */
static int record_node(struct stage *st, struct snode *n, struct jrec *r)
{
	char *path;
	int ret;

	if (!n->aliases) {
		st->gen++;
		return 0;
	}
	ret = stage_node_path_dup(n->aliases, &path);
	if (ret < 0)
		return ret;
	r->p1 = path;
	stage_now_ts(&r->ts);
	ret = stage_journal_append_reserved(st, r);
	free(path);
	return ret;
}

int stage_record_attr(struct stage *st, struct snode *n)
{
	struct jrec r = {
		.op = J_ATTR, .mode = n->mode & 07777, .uid = n->uid,
		.gid = n->gid, .atime = n->atime, .mtime = n->mtime,
		.ctime = n->ctime,
	};

	stage_attr_size(n, &r);
	return record_node(st, n, &r);
}

int stage_record_setdata(struct stage *st, struct snode *n, uint64_t id)
{
	struct jrec r = { .op = J_SETDATA, .id = id };

	return record_node(st, n, &r);
}
