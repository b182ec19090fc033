/* ops.c — the namespace operations of the API, by path and by inode: each
 * builds one record naming staging paths, applies it and journals it under
 * the stage lock. The inode calls turn (folder, name) into the path first,
 * so both end in the same records and replay needs no inode numbers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stage/stage_priv.h"

#define SN(n) ((struct snode *)(n))

/* stage_change of a change the kernel asked for: its names need no
 * invalidation. */
static int change_api(struct stage *st, struct jrec *r, struct sdentry **out)
{
	int ret;

	st->quiet = true;
	ret = stage_change(st, r, out);
	st->quiet = false;
	return ret;
}

int stage_change_node(struct stage *st, struct snode *n, struct jrec *r)
{
	char *path;
	int ret = stage_node_path_dup(n->aliases, &path);

	if (ret < 0)
		return ret;
	r->p1 = path;
	ret = change_api(st, r, NULL);
	free(path);
	return ret;
}

/* Create r's entry (op, mode, ids set) as name in dir. In a set-group-ID
 * folder it takes the folder's group, a folder its bit too (ext4 does). */
int stage_make_entry(struct stage *st, struct snode *dir, const char *name,
		     struct jrec *r, struct sdentry **out)
{
	char *path;
	int ret = stage_child_path_dup(st, dir, name, &path);

	if (ret < 0)
		return ret;
	if (dir->mode & S_ISGID) {
		r->gid = dir->gid;
		if (r->op == J_MKDIR)
			r->mode |= S_ISGID;
	}
	r->p1 = path;
	ret = change_api(st, r, out);
	free(path);
	return ret;
}

/* A regular file gets its (empty) data file before the record names it. */
static int mknod_locked(struct stage *st, struct snode *dir, const char *name,
			struct jrec *r, struct sdentry **out)
{
	int ret, fd = -1;

	if (!(r->mode & S_IFMT))
		r->mode |= S_IFREG;
	if (S_ISDIR(r->mode) || S_ISLNK(r->mode))
		return -EINVAL;
	if (st->readonly)
		return -EROFS;
	if (S_ISREG(r->mode) && (fd = stage_data_create(st, &r->id)) < 0)
		return fd;
	ret = stage_make_entry(st, dir, name, r, out);
	if (ret && r->id)
		stage_data_delete(st, r->id);
	if (fd >= 0)
		close(fd);
	return ret;
}

/* What a disc can record as a symlink's target (stage_limit_symlink_target). */
static int check_target(const char *target)
{
	if (!target || !*target)
		return -ENOENT;
	return stage_limit_symlink_target(target);
}

/* The folder a path's last component goes into, then stage_make_entry. */
static int make_at_path(struct stage *st, const char *path, struct jrec *r)
{
	char name[STAGE_NAME_MAX + 1];
	struct snode *dir;
	int ret;

	STAGE_LOCK(st);
	ret = stage_path_parent(st, path, &dir, name);
	if (!ret)
		ret = r->op == J_MKNOD ? mknod_locked(st, dir, name, r, NULL)
				       : stage_make_entry(st, dir, name, r, NULL);
	STAGE_UNLOCK(st);
	return ret;
}

static int change(struct stage *st, struct jrec *r)
{
	int ret;

	STAGE_LOCK(st);
	ret = change_api(st, r, NULL);
	STAGE_UNLOCK(st);
	return ret;
}

/* --- by path --- */

int stage_mknod(struct stage *st, const char *path, mode_t mode, dev_t rdev,
		uid_t uid, gid_t gid)
{
	struct jrec r = { .op = J_MKNOD, .mode = mode, .uid = uid, .gid = gid,
			  .rdev = rdev };

	return make_at_path(st, path, &r);
}

int stage_mkdir(struct stage *st, const char *path, mode_t mode, uid_t uid,
		gid_t gid)
{
	struct jrec r = { .op = J_MKDIR, .mode = mode & 07777,
			  .uid = uid, .gid = gid };

	return make_at_path(st, path, &r);
}

int stage_unlink(struct stage *st, const char *path)
{
	struct jrec r = { .op = J_UNLINK, .p1 = path };

	return change(st, &r);
}

int stage_rmdir(struct stage *st, const char *path)
{
	struct jrec r = { .op = J_RMDIR, .p1 = path };

	return change(st, &r);
}

int stage_symlink(struct stage *st, const char *target, const char *path,
		  uid_t uid, gid_t gid)
{
	struct jrec r = { .op = J_SYMLINK, .p2 = target, .uid = uid,
			  .gid = gid };
	int ret = check_target(target);

	return ret ? ret : make_at_path(st, path, &r);
}

int stage_rename(struct stage *st, const char *from, const char *to,
		 unsigned int flags)
{
	struct jrec r = { .op = J_RENAME, .p1 = from, .p2 = to, .flags = flags };

	return change(st, &r);
}

int stage_link(struct stage *st, const char *from, const char *to)
{
	struct jrec r = { .op = J_LINK, .p1 = from, .p2 = to };

	return change(st, &r);
}

/* --- by inode --- */

/* Make r's entry as name in dir and count a lookup on it. */
static int make_node(struct stage *st, struct stage_node *dir,
		     const char *name, struct jrec *r, struct stage_entry *out)
{
	struct sdentry *de;
	int ret;

	STAGE_LOCK(st);
	ret = r->op == J_MKNOD ? mknod_locked(st, SN(dir), name, r, &de)
			       : stage_make_entry(st, SN(dir), name, r, &de);
	if (!ret)
		stage_entry_fill(st, de->node, out);
	STAGE_UNLOCK(st);
	return ret;
}

int stage_node_mknod(struct stage *st, struct stage_node *dir,
		     const char *name, mode_t mode, dev_t rdev, uid_t uid,
		     gid_t gid, struct stage_entry *out)
{
	struct jrec r = { .op = J_MKNOD, .mode = mode, .uid = uid, .gid = gid,
			  .rdev = rdev };

	return make_node(st, dir, name, &r, out);
}

int stage_node_mkdir(struct stage *st, struct stage_node *dir,
		     const char *name, mode_t mode, uid_t uid, gid_t gid,
		     struct stage_entry *out)
{
	struct jrec r = { .op = J_MKDIR, .mode = mode & 07777, .uid = uid,
			  .gid = gid };

	return make_node(st, dir, name, &r, out);
}

int stage_node_symlink(struct stage *st, struct stage_node *dir,
		       const char *name, const char *target, uid_t uid,
		       gid_t gid, struct stage_entry *out)
{
	struct jrec r = { .op = J_SYMLINK, .p2 = target, .uid = uid,
			  .gid = gid };
	int ret = check_target(target);

	return ret ? ret : make_node(st, dir, name, &r, out);
}

/* A change naming (dir, name) as p1 and, with newdir, (newdir, newname)
 * as p2. */
static int change_names(struct stage *st, struct jrec *r, struct snode *dir,
			const char *name, struct snode *newdir,
			const char *newname)
{
	char *p1 = NULL, *p2 = NULL;
	int ret;

	STAGE_LOCK(st);
	ret = stage_child_path_dup(st, dir, name, &p1);
	if (ret >= 0 && newdir)
		ret = stage_child_path_dup(st, newdir, newname, &p2);
	if (ret >= 0) {
		r->p1 = p1;
		r->p2 = p2;
		ret = change_api(st, r, NULL);
	}
	STAGE_UNLOCK(st);
	free(p1);
	free(p2);
	return ret;
}

int stage_node_unlink(struct stage *st, struct stage_node *dir,
		      const char *name)
{
	struct jrec r = { .op = J_UNLINK };

	return change_names(st, &r, SN(dir), name, NULL, NULL);
}

int stage_node_rmdir(struct stage *st, struct stage_node *dir,
		     const char *name)
{
	struct jrec r = { .op = J_RMDIR };

	return change_names(st, &r, SN(dir), name, NULL, NULL);
}

int stage_node_rename(struct stage *st, struct stage_node *dir,
		      const char *name, struct stage_node *newdir,
		      const char *newname, unsigned int flags)
{
	struct jrec r = { .op = J_RENAME, .flags = flags };

	return change_names(st, &r, SN(dir), name, SN(newdir), newname);
}

/* The source is n's first name: any name of it is the same file. */
int stage_node_link(struct stage *st, struct stage_node *n,
		    struct stage_node *dir, const char *name,
		    struct stage_entry *out)
{
	struct jrec r = { .op = J_LINK };
	char *from = NULL, *to = NULL;
	struct sdentry *de;
	int ret;

	STAGE_LOCK(st);
	ret = SN(n)->aliases ? stage_node_path_dup(SN(n)->aliases, &from) : -ENOENT;
	if (ret >= 0)
		ret = stage_child_path_dup(st, SN(dir), name, &to);
	if (ret >= 0) {
		r.p1 = from;
		r.p2 = to;
		ret = change_api(st, &r, &de);
	}
	if (!ret)
		stage_entry_fill(st, de->node, out);
	STAGE_UNLOCK(st);
	free(from);
	free(to);
	return ret;
}
