/* fs_ops.c — namespace and metadata operations: staging/ goes to the stage,
 * sessions/ is read-only (EROFS), the mount's own entries cannot change. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "burnfs/control.h"
#include "burnfs/index.h"
#include "burnfs/stage.h"
#include "fs/fs.h"

static int staged(const char *path, const char **rest)
{
	return fs_staged(path, false, rest);
}

static int staged_any(const char *path, const char **rest)
{
	return fs_staged(path, true, rest);
}

/* Two paths of rename or link: nothing lands in sessions/ (EROFS); a move
 * between staging/ and the mount's other parts is EXDEV, so mv copies. */
static int staged_pair(const char *from, const char *to, const char **a,
		       const char **b)
{
	int rf = staged(from, a), rt = staged(to, b);

	if (rt == -EROFS || (rf == -EROFS && rt == 0))
		return rt == -EROFS ? rt : -EXDEV;
	if (rf == -EPERM || rt == -EPERM)
		return -EXDEV;
	return rf ? rf : rt;
}

static int op_getattr(const char *path, struct stat *st,
		      struct fuse_file_info *fi)
{
	struct fs_handle *h = fs_handle(fi);
	struct route r;
	int ret;

	if (h && h->kind == H_STAGE)
		return stage_fgetattr(fs_ctx()->stage, h->sf, st);
	if (h && h->kind == H_DISC) {
		index_stat(h->idx, h->id, st);
		return 0;
	}
	ret = fs_route(path, &r);
	if (ret < 0)
		return ret;
	if (r.area == AREA_STAGING)
		return stage_getattr(fs_ctx()->stage, r.rest, st);
	return fs_virtual_getattr(&r, st);
}

static int op_readlink(const char *path, char *buf, size_t size)
{
	const struct idx_node *n;
	struct index *idx;
	struct route r;
	uint32_t id;
	int ret = fs_route(path, &r);

	if (ret < 0)
		return ret;
	if (r.area == AREA_STAGING)
		return stage_readlink(fs_ctx()->stage, r.rest, buf, size);
	if (r.area != AREA_SESSION)
		return -EINVAL;
	ret = fs_session_lookup(&r, &idx, &id);
	if (ret < 0)
		return ret;
	n = index_node(idx, id);
	if (!S_ISLNK(n->mode) || !n->link)
		ret = -EINVAL;
	else if (size)
		snprintf(buf, size, "%s", n->link);
	index_unref(idx);
	return ret;
}

static int op_mknod(const char *path, mode_t mode, dev_t rdev)
{
	struct fuse_context *cx = fuse_get_context();
	const char *p;
	int ret = staged(path, &p);

	if (!ret)  /* its directory records: ENOSPC now, not at the commit */
		ret = control_check_entry(fs_ctx()->control, mode, p, 0);
	return ret ? ret : stage_mknod(fs_ctx()->stage, p, mode, rdev, cx->uid,
				       cx->gid);
}

static int op_mkdir(const char *path, mode_t mode)
{
	struct fuse_context *cx = fuse_get_context();
	const char *p;
	int ret = staged(path, &p);

	if (!ret)
		ret = control_check_entry(fs_ctx()->control, S_IFDIR, p, 0);
	return ret ? ret : stage_mkdir(fs_ctx()->stage, p, mode, cx->uid, cx->gid);
}

static int op_unlink(const char *path)
{
	const char *p;
	int ret = staged(path, &p);

	if (ret)
		return ret;
	/* The other names' link count drops: tell the kernel before the
	 * name that finds them is gone. */
	fs_invalidate_aliases(p);
	return stage_unlink(fs_ctx()->stage, p);
}

static int op_rmdir(const char *path)
{
	const char *p;
	int ret = staged(path, &p);

	return ret ? ret : stage_rmdir(fs_ctx()->stage, p);
}

static int op_symlink(const char *target, const char *path)
{
	struct fuse_context *cx = fuse_get_context();
	const char *p;
	int ret = staged(path, &p);

	if (!ret)
		ret = control_check_entry(fs_ctx()->control, S_IFLNK, p,
					  strlen(target));
	return ret ? ret : stage_symlink(fs_ctx()->stage, target, p, cx->uid,
					 cx->gid);
}

static int op_rename(const char *from, const char *to, unsigned int flags)
{
	const char *a, *b;
	int ret = staged_pair(from, to, &a, &b);

	if (ret)
		return ret;
	/* A file renamed over takes one name from its hard-link family:
	 * the other names' link count drops, as with unlink. */
	if (!(flags & RENAME_EXCHANGE))
		fs_invalidate_aliases(b);
	return stage_rename(fs_ctx()->stage, a, b, flags);
}

static int op_link(const char *from, const char *to)
{
	const char *a, *b;
	int ret = staged_pair(from, to, &a, &b);

	if (!ret)
		ret = control_check_entry(fs_ctx()->control, 0, b, 0);
	if (ret)
		return ret;
	ret = stage_link(fs_ctx()->stage, a, b);
	if (ret == 0)
		fs_invalidate_aliases(b);
	return ret;
}

static int op_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	const char *p;
	int ret = staged_any(path, &p);

	if (ret)
		return ret;
	ret = stage_chmod(fs_ctx()->stage, p, mode);
	if (ret == 0)
		fs_invalidate_aliases(p);
	return ret;
}

static int op_chown(const char *path, uid_t uid, gid_t gid,
		    struct fuse_file_info *fi)
{
	const char *p;
	int ret = staged_any(path, &p);

	if (ret)
		return ret;
	ret = stage_chown(fs_ctx()->stage, p, uid, gid);
	if (ret == 0)
		fs_invalidate_aliases(p);
	return ret;
}

static int op_utimens(const char *path, const struct timespec tv[2],
		      struct fuse_file_info *fi)
{
	const char *p;
	int ret = staged_any(path, &p);

	if (ret)
		return ret;
	ret = stage_utimens(fs_ctx()->stage, p, tv);
	if (ret == 0)
		fs_invalidate_aliases(p);
	return ret;
}

static int fill_stat(void *ctx, const char *name, const struct stat *st)
{
	void **args = ctx;

	return ((fuse_fill_dir_t)args[1])(args[0], name, st, 0, 0);
}

static int op_readdir(const char *path, void *buf, fuse_fill_dir_t fill,
		      off_t off, struct fuse_file_info *fi,
		      enum fuse_readdir_flags flags)
{
	void *args[2] = { buf, (void *)fill };
	struct route r;
	int ret = fs_route(path, &r);

	if (ret < 0)
		return ret;
	if (r.area != AREA_STAGING)
		return fs_virtual_readdir(&r, buf, fill);
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	return stage_readdir(fs_ctx()->stage, r.rest, fill_stat, args);
}

void fs_fill_names_ops(struct fuse_operations *ops)
{
	ops->getattr = op_getattr;
	ops->readlink = op_readlink;
	ops->mknod = op_mknod;
	ops->mkdir = op_mkdir;
	ops->unlink = op_unlink;
	ops->rmdir = op_rmdir;
	ops->symlink = op_symlink;
	ops->rename = op_rename;
	ops->link = op_link;
	ops->chmod = op_chmod;
	ops->chown = op_chown;
	ops->utimens = op_utimens;
	ops->readdir = op_readdir;
}
