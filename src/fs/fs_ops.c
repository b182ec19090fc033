/* fs_ops.c — the operations table: every request the kernel sends, told
 * apart by the kind of inode it is about (see fs.h) and handed to staging/
 * (the stage), sessions/N/ (the indexes) or the mount's own entries. Only
 * staging/ changes; the others refuse as a read-only folder would. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "burnfs/control.h"
#include "burnfs/index.h"
#include "burnfs/stage.h"
#include "fs/fs.h"

void fs_reply_entry(fuse_req_t req, int err, const struct fuse_entry_param *e)
{
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_entry(req, e);
}

void fs_reply_attr(fuse_req_t req, int err, const struct stat *st)
{
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_attr(req, st, FS_TIMEOUT);
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	fs_control_init(userdata);
	/* Set-user-ID bits: left to the file system (HANDLE_KILLPRIV), the
	 * kernel would not say who writes; so it kills them itself on
	 * buffered writes, truncates and chowns (a SETATTR with the new mode,
	 * after checking the writer's CAP_FSETID, as for ext4) and flags
	 * direct-I/O writes (fs_loop_write_kills). */
	conn->want &= ~FUSE_CAP_HANDLE_KILLPRIV;
	/* A truncating open arrives as a SETATTR after the OPEN, with the
	 * kernel's kill of those bits in it. */
	conn->want &= ~FUSE_CAP_ATOMIC_O_TRUNC;
	/* A symlink's target never changes under its inode. */
	if (conn->capable & FUSE_CAP_CACHE_SYMLINKS)
		conn->want |= FUSE_CAP_CACHE_SYMLINKS;
}

static void op_lookup(fuse_req_t req, fuse_ino_t dir, const char *name)
{
	struct fuse_entry_param e;
	int ret;

	switch (fs_kind(dir)) {
	case K_STAGE:
		ret = fs_stage_lookup(fs_of(req), dir, name, &e);
		break;
	case K_SESSION:
		ret = fs_session_lookup(fs_of(req), dir, name, &e);
		break;
	default:
		ret = fs_virtual_lookup(fs_of(req), dir, name, &e);
	}
	fs_reply_entry(req, ret, &e);
}

/* Only the stage keeps nodes for the kernel; the others are computed. */
static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	if (fs_kind(ino) == K_STAGE)
		stage_forget(fs_of(req)->stage, fs_stage_node(ino), nlookup);
	fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count,
			    struct fuse_forget_data *forgets)
{
	struct stage_forget v[64];
	size_t n = 0;

	for (size_t i = 0; i < count; i++) {
		if (fs_kind(forgets[i].ino) != K_STAGE)
			continue;
		v[n].node = fs_stage_node(forgets[i].ino);
		v[n++].nlookup = forgets[i].nlookup;
		if (n == 64) {
			stage_forget_many(fs_of(req)->stage, v, n);
			n = 0;
		}
	}
	if (n)
		stage_forget_many(fs_of(req)->stage, v, n);
	fuse_reply_none(req);
}

static int getattr_any(struct burnfs *b, fuse_ino_t ino, struct stat *st)
{
	struct index *idx;
	uint32_t id;
	int ret;

	switch (fs_kind(ino)) {
	case K_STAGE:
		ret = stage_node_getattr(b->stage, fs_stage_node(ino), st);
		st->st_ino = fs_st_ino(1, st->st_ino);
		return ret;
	case K_SESSION:
		ret = fs_session_node(b, ino, &idx, &id);
		if (!ret) {
			fs_session_attr(idx, fs_ino_session(ino), id, st);
			index_unref(idx);
		}
		return ret;
	default:
		return fs_virtual_getattr(b, ino, st);
	}
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct stat st;

	fs_reply_attr(req, getattr_any(fs_of(req), ino, &st), &st);
}

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		       int to_set, struct fuse_file_info *fi)
{
	struct burnfs *b = fs_of(req);
	struct stat st;
	int ret;

	switch (fs_kind(ino)) {
	case K_STAGE:
		ret = fs_stage_setattr(req, ino, attr, to_set, &st);
		break;
	case K_SESSION:
		ret = -EROFS;
		break;
	default:
		/* `echo cmd > control` truncates first; nothing else changes */
		ret = to_set == FUSE_SET_ATTR_SIZE ? fs_virtual_truncate(ino)
						   : -EPERM;
		if (!ret)
			ret = fs_virtual_getattr(b, ino, &st);
	}
	fs_reply_attr(req, ret, &st);
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	char buf[4096];  /* a page: the most the kernel takes */
	struct idx_node view, *n = &view;
	struct index *idx;
	uint32_t id;
	int ret = -EINVAL;

	if (fs_kind(ino) == K_STAGE) {
		ret = stage_node_readlink(fs_of(req)->stage, fs_stage_node(ino),
					  buf, sizeof(buf));
	} else if (fs_kind(ino) == K_SESSION &&
		   !(ret = fs_session_node(fs_of(req), ino, &idx, &id))) {
		index_get(idx, id, n);
		ret = S_ISLNK(n->mode) && n->link ? 0 : -EINVAL;
		if (!ret)
			snprintf(buf, sizeof(buf), "%s", n->link);
		index_unref(idx);
	}
	if (ret)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_readlink(req, buf);
}

/* A new name in dir: refused outside staging/ (fs_write_denied), and with
 * ENOSPC now, not at the commit, when its directory records would not fit
 * on the medium any more. */
static int new_name_denied(struct burnfs *b, fuse_ino_t dir, mode_t mode,
			   const char *name, size_t linklen)
{
	int ret = fs_write_denied(dir);

	return ret ? ret : control_check_entry(b->control, mode, name, linklen);
}

static void op_mknod(fuse_req_t req, fuse_ino_t dir, const char *name,
		     mode_t mode, dev_t rdev)
{
	const struct fuse_ctx *cx = fuse_req_ctx(req);
	struct fuse_entry_param e;
	struct stage_entry se;
	int ret = new_name_denied(fs_of(req), dir, mode, name, 0);

	if (!ret)
		ret = stage_node_mknod(fs_of(req)->stage, fs_stage_node(dir),
				       name, mode, rdev, cx->uid, cx->gid, &se);
	if (!ret)
		ret = fs_stage_entry(fs_of(req), &se, &e);
	fs_reply_entry(req, ret, &e);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t dir, const char *name,
		     mode_t mode)
{
	const struct fuse_ctx *cx = fuse_req_ctx(req);
	struct fuse_entry_param e;
	struct stage_entry se;
	int ret = new_name_denied(fs_of(req), dir, S_IFDIR, name, 0);

	if (!ret)
		ret = stage_node_mkdir(fs_of(req)->stage, fs_stage_node(dir),
				       name, mode, cx->uid, cx->gid, &se);
	if (!ret)
		ret = fs_stage_entry(fs_of(req), &se, &e);
	fs_reply_entry(req, ret, &e);
}

static void op_symlink(fuse_req_t req, const char *target, fuse_ino_t dir,
		       const char *name)
{
	const struct fuse_ctx *cx = fuse_req_ctx(req);
	struct fuse_entry_param e;
	struct stage_entry se;
	int ret = new_name_denied(fs_of(req), dir, S_IFLNK, name,
				  strlen(target));

	if (!ret)
		ret = stage_node_symlink(fs_of(req)->stage, fs_stage_node(dir),
					 name, target, cx->uid, cx->gid, &se);
	if (!ret)
		ret = fs_stage_entry(fs_of(req), &se, &e);
	fs_reply_entry(req, ret, &e);
}

/* Removing one of the mount's own entries: the staging folder is where
 * things are mounted (EBUSY), the others are not the user's (EPERM). */
static int remove_denied(fuse_ino_t dir, const char *name)
{
	if (fs_kind(dir) == K_STAGE)
		return 0;
	if (dir == FUSE_ROOT_ID)
		return strcmp(name, FS_STAGING_NAME) ? -EPERM : -EBUSY;
	return -EROFS;
}

static void op_unlink(fuse_req_t req, fuse_ino_t dir, const char *name)
{
	int ret = remove_denied(dir, name);

	if (!ret)
		ret = stage_node_unlink(fs_of(req)->stage, fs_stage_node(dir),
					name);
	fuse_reply_err(req, -ret);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t dir, const char *name)
{
	int ret = remove_denied(dir, name);

	if (!ret)
		ret = stage_node_rmdir(fs_of(req)->stage, fs_stage_node(dir),
				       name);
	fuse_reply_err(req, -ret);
}

static void op_rename(fuse_req_t req, fuse_ino_t dir, const char *name,
		      fuse_ino_t newdir, const char *newname,
		      unsigned int flags)
{
	fuse_reply_err(req, -fs_stage_rename(fs_of(req), dir, name, newdir,
					     newname, flags));
}

/* A link from elsewhere into staging/ is a copy (EXDEV), as between
 * file systems; into the root or sessions/ it is refused. */
static void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newdir,
		    const char *newname)
{
	struct fuse_entry_param e;
	struct stage_entry se;
	int ret = fs_write_denied(newdir);

	if (!ret && fs_kind(ino) != K_STAGE)
		ret = -EXDEV;
	if (!ret)  /* a hard link's own directory records */
		ret = control_check_entry(fs_of(req)->control, 0, newname, 0);
	if (!ret)
		ret = stage_node_link(fs_of(req)->stage, fs_stage_node(ino),
				      fs_stage_node(newdir), newname, &se);
	if (!ret)
		ret = fs_stage_entry(fs_of(req), &se, &e);
	fs_reply_entry(req, ret, &e);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	int ret;

	switch (fs_kind(ino)) {
	case K_STAGE:
		ret = fs_stage_open(fs_of(req), ino, fi);
		break;
	case K_SESSION:
		ret = fs_session_open(fs_of(req), ino, fi);
		break;
	default:
		ret = fs_virtual_open(fs_of(req), ino, fi);
	}
	if (ret)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_open(req, fi);
}

static void op_create(fuse_req_t req, fuse_ino_t dir, const char *name,
		      mode_t mode, struct fuse_file_info *fi)
{
	const struct fuse_ctx *cx = fuse_req_ctx(req);
	struct burnfs *b = fs_of(req);
	struct fs_handle *h = NULL;
	struct fuse_entry_param e;
	struct stage_entry se;
	int ret = new_name_denied(b, dir, S_IFREG, name, 0);

	if (!ret && !(h = fs_handle_new(H_STAGE)))
		ret = -ENOMEM;
	if (!ret)
		ret = stage_node_create(b->stage, fs_stage_node(dir), name, mode,
					cx->uid, cx->gid, fi->flags, &se, &h->sf);
	if (!ret)
		ret = fs_stage_entry(b, &se, &e);
	if (ret) {
		fs_handle_free(b, h);
		fuse_reply_err(req, -ret);
		return;
	}
	fi->fh = (uintptr_t)h;
	fs_stage_cache_mode(fi, se.attr.st_mode);   /* the reply's attributes */
	if (fuse_reply_create(req, &e, fi))
		fs_handle_free(b, h);  /* the opener went away */
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct fs_handle *h = fs_handle_get(fi);
	struct burnfs *b = fs_of(req);

	fs_io_read(req, h, size, off);
	fs_handle_put(b, h);
}

static void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		     size_t size, off_t off, struct fuse_file_info *fi)
{
	struct fs_handle *h = fs_handle_get(fi);
	struct burnfs *b = fs_of(req);

	fs_io_write(req, ino, h, buf, size, off);
	fs_handle_put(b, h);
}

static void op_release(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	fs_handle_free(fs_of(req), fs_handle(fi));
	fuse_reply_err(req, 0);
}

/* close(2) waits for this, not for release: what close returned on must
 * be in the cache and the journal. */
static void op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs_handle *h = fs_handle_get(fi);
	struct burnfs *b = fs_of(req);

	fuse_reply_err(req, h->kind == H_STAGE ? -stage_flush(b->stage, h->sf) : 0);
	fs_handle_put(b, h);
}

static void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		     struct fuse_file_info *fi)
{
	struct fs_handle *h = fs_handle_get(fi);
	struct burnfs *b = fs_of(req);

	fuse_reply_err(req, -fs_io_fsync(b, h, datasync));
	fs_handle_put(b, h);
}

static void op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode,
			 off_t off, off_t len, struct fuse_file_info *fi)
{
	struct fs_handle *h = fs_handle_get(fi);
	struct burnfs *b = fs_of(req);

	fuse_reply_err(req, -fs_io_fallocate(b, h, mode, off, len));
	fs_handle_put(b, h);
}

static void op_copy_file_range(fuse_req_t req, fuse_ino_t ino_in,
			       off_t off_in, struct fuse_file_info *fi_in,
			       fuse_ino_t ino_out, off_t off_out,
			       struct fuse_file_info *fi_out, size_t len,
			       int flags)
{
	struct fs_handle *in = fs_handle_get(fi_in);
	struct fs_handle *out = fs_handle_get(fi_out);
	struct burnfs *b = fs_of(req);
	ssize_t n = fs_io_copy_range(b, in, off_in, out, off_out, len, flags);

	if (n < 0)
		fuse_reply_err(req, (int)-n);
	else
		fuse_reply_write(req, (size_t)n);
	fs_handle_put(b, out);
	fs_handle_put(b, in);
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	int ret = fs_dir_open(fs_of(req), ino, fi);

	if (ret)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_open(req, fi);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	struct fs_handle *h = fs_handle_get(fi);
	struct burnfs *b = fs_of(req);

	fs_dir_read(req, h, size, off, false);
	fs_handle_put(b, h);
}

static void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
			   off_t off, struct fuse_file_info *fi)
{
	struct fs_handle *h = fs_handle_get(fi);
	struct burnfs *b = fs_of(req);

	fs_dir_read(req, h, size, off, true);
	fs_handle_put(b, h);
}

static void op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
			struct fuse_file_info *fi)
{
	int ret = 0;

	if (fs_kind(ino) == K_STAGE) {
		fs_loop_yield();
		ret = stage_sync(fs_of(req)->stage);
	}
	fuse_reply_err(req, -ret);
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	fs_io_statfs(req);
}

static void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			const char *value, size_t size, int flags)
{
	fuse_reply_err(req, -fs_xattr_set(fs_of(req), ino, name, value, size,
					  flags));
}

static void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			size_t size)
{
	fs_xattr_get(req, ino, name, size);
}

static void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	fs_xattr_list(req, ino, size);
}

static void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	fuse_reply_err(req, -fs_xattr_remove(fs_of(req), ino, name));
}

const struct fuse_lowlevel_ops fs_ops = {
	.init = op_init,
	.lookup = op_lookup,
	.forget = op_forget,
	.forget_multi = op_forget_multi,
	.getattr = op_getattr,
	.setattr = op_setattr,
	.readlink = op_readlink,
	.mknod = op_mknod,
	.mkdir = op_mkdir,
	.unlink = op_unlink,
	.rmdir = op_rmdir,
	.symlink = op_symlink,
	.rename = op_rename,
	.link = op_link,
	.open = op_open,
	.create = op_create,
	.read = op_read,
	.write = op_write,
	.flush = op_flush,
	.release = op_release,
	.fsync = op_fsync,
	.fallocate = op_fallocate,
	.copy_file_range = op_copy_file_range,
	.opendir = op_opendir,
	.readdir = op_readdir,
	.readdirplus = op_readdirplus,
	.releasedir = op_release,
	.fsyncdir = op_fsyncdir,
	.statfs = op_statfs,
	.setxattr = op_setxattr,
	.getxattr = op_getxattr,
	.listxattr = op_listxattr,
	.removexattr = op_removexattr,
};
