/* fs_io.c — open files: staged files go to the stage, control runs
 * commands, pending and status are text made at open, session files are
 * read from the disc through their index. Also statfs. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "burnfs/control.h"
#include "burnfs/disc.h"
#include "burnfs/index.h"
#include "burnfs/stage.h"
#include "fs/fs.h"

static int wrap_stage_file(struct stage_file *sf, struct fuse_file_info *fi)
{
	struct fs_handle *h = calloc(1, sizeof(*h));

	if (!h) {
		stage_release(fs_ctx()->stage, sf);
		return -ENOMEM;
	}
	h->kind = H_STAGE;
	h->sf = sf;
	fi->fh = (uintptr_t)h;
	/* A write-only handle can neither read nor be mapped, so the
	 * kernel's page cache gains it nothing: with direct I/O the data
	 * goes from the writer's buffer to the cache file in one copy
	 * instead of two (cp and most file managers write this way; rsync's
	 * temporary files are read-write and stay buffered).
	 * Writes stay synchronous, so ENOSPC still comes from write(). */
	if ((fi->flags & O_ACCMODE) == O_WRONLY)
		fi->direct_io = 1;
	return 0;
}

static int op_open(const char *path, struct fuse_file_info *fi)
{
	struct stage_file *sf;
	struct route r;
	int ret = fs_route(path, &r);

	if (ret < 0)
		return ret;
	if (r.area != AREA_STAGING)
		return fs_virtual_open(&r, fi);
	ret = stage_open_file(fs_ctx()->stage, r.rest, fi->flags, &sf);
	return ret < 0 ? ret : wrap_stage_file(sf, fi);
}

static int op_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct fuse_context *cx = fuse_get_context();
	struct stage_file *sf;
	const char *p;
	int ret = fs_staged(path, false, &p);

	if (ret == 0)  /* a new name's records: ENOSPC now, not at commit */
		ret = control_check_entry(fs_ctx()->control, S_IFREG, p, 0);
	if (ret < 0)
		return ret;
	ret = stage_create(fs_ctx()->stage, p, mode, cx->uid, cx->gid,
			   fi->flags, &sf);
	return ret < 0 ? ret : wrap_stage_file(sf, fi);
}

static int read_text(struct fs_handle *h, char *buf, size_t size, off_t off)
{
	if ((size_t)off >= h->len)
		return 0;
	if (size > h->len - (size_t)off)
		size = h->len - (size_t)off;
	memcpy(buf, h->text + off, size);
	return (int)size;
}

static int op_read(const char *path, char *buf, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	struct fs_handle *h = fs_handle(fi);
	struct burnfs *b = fs_ctx();
	int ret;

	switch (h->kind) {
	case H_STAGE:
		if (stage_file_on_disc(b->stage, h->sf))
			fs_loop_yield();
		return (int)stage_read(b->stage, h->sf, buf, size, off);
	case H_DISC:
		fs_loop_yield();
		return (int)index_read(h->idx, h->id, buf, size, (uint64_t)off);
	case H_WAIT:
		if (!h->text && (ret = fs_wait_read(b, h)) < 0)
			return ret;
		return read_text(h, buf, size, off);
	case H_CONTROL:
		/* Reading from the start again shows fresh status. */
		if (off == 0) {
			free(h->text);
			h->text = NULL;
			ret = control_status(b->control, &h->text, &h->len);
			if (ret < 0)
				return ret;
		}
		return read_text(h, buf, size, off);
	default:
		return read_text(h, buf, size, off);
	}
}

/* ENOSPC as soon as the pending session would not fit on the medium.
 * `st` is the file before the change; NULL: ask the handle when needed. */
static int check_space(struct fs_handle *h, const struct stat *st,
		       uint64_t end)
{
	struct burnfs *b = fs_ctx();
	struct stat now;

	if (!st) {
		if (stage_fgetattr(b->stage, h->sf, &now) < 0)
			return -ENOSPC;
		st = &now;
	}
	/* Overwriting bytes that exist takes no more room; a hole before
	 * them does: ISO 9660 stores zeros. */
	if (end <= (uint64_t)st->st_size)
		return 0;
	return control_check_space(b->control, end - (uint64_t)st->st_size);
}

static int op_write(const char *path, const char *buf, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct fs_handle *h = fs_handle(fi);
	struct burnfs *b = fs_ctx();
	void *base;
	int ret;

	switch (h->kind) {
	case H_STAGE:
		ret = check_space(h, NULL, (uint64_t)off + size);
		if (ret < 0)
			return ret;
		if (stage_file_on_disc(b->stage, h->sf))
			fs_loop_yield();  /* the first write copies it up */
		h->written = true;
		/* A big write may finish after the answer: it keeps the
		 * request's buffer rather than a copy of it. */
		base = size >= 65536 ? fs_loop_take_buffer(buf) : NULL;
		if (base)
			return (int)stage_write_owned(b->stage, h->sf, buf, size,
						      off, fs_loop_give_back,
						      base);
		return (int)stage_write(b->stage, h->sf, buf, size, off);
	case H_CONTROL:
		ret = fs_control_write(b, buf, size);
		return ret < 0 ? ret : (int)size;
	case H_ABORT:
		ret = fs_abort_write(b);
		return ret < 0 ? ret : (int)size;
	case H_DISC:
		return -EROFS;
	default:
		return -EBADF;
	}
}

static int op_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct fs_handle *h = fs_handle(fi);
	struct route r;
	struct stat st;
	int ret;

	if (size > 0)
		fs_loop_yield();  /* may copy a disc file's head into the cache */
	if (h && h->kind == H_STAGE) {
		ret = stage_fgetattr(fs_ctx()->stage, h->sf, &st);
		if (ret == 0)
			ret = check_space(h, &st, (uint64_t)size);
		if (ret < 0)
			return ret;
		h->written = true;
		return stage_ftruncate(fs_ctx()->stage, h->sf, size);
	}
	ret = fs_route(path, &r);
	if (ret < 0)
		return ret;
	switch (r.area) {
	case AREA_STAGING:
		ret = stage_getattr(fs_ctx()->stage, r.rest, &st);
		if (ret == 0)
			ret = check_space(NULL, &st, (uint64_t)size);
		if (ret == 0)
			ret = stage_truncate(fs_ctx()->stage, r.rest, size);
		if (ret == 0)
			fs_invalidate_aliases(r.rest);
		return ret;
	case AREA_CONTROL:
	case AREA_ABORT:
		return 0;  /* `echo cmd > control` truncates first */
	case AREA_SESSION:
		return -EROFS;
	default:
		return -EACCES;
	}
}

static int op_release(const char *path, struct fuse_file_info *fi)
{
	struct fs_handle *h = fs_handle(fi);

	struct route r;

	if (h->kind == H_STAGE) {
		stage_release(fs_ctx()->stage, h->sf);
		/* path is NULL when the file was unlinked meanwhile */
		if (h->written && fs_route(path, &r) == 0 &&
		    r.area == AREA_STAGING)
			fs_invalidate_aliases(r.rest);
	}
	index_unref(h->idx);
	free(h->text);
	free(h);
	return 0;
}

static int op_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	struct fs_handle *h = fs_handle(fi);

	if (h->kind != H_STAGE)
		return 0;
	fs_loop_yield();
	return stage_fsync(fs_ctx()->stage, h->sf, datasync);
}

static int op_statfs(const char *path, struct statvfs *sv)
{
	struct burnfs *b = fs_ctx();
	struct stage_stats stats;
	struct disc_facts f;

	disc_get_facts(b->disc, &f);
	stage_get_stats(b->stage, &stats);
	memset(sv, 0, sizeof(*sv));
	sv->f_bsize = 2048;
	sv->f_frsize = 2048;
	sv->f_blocks = f.capacity_bytes / 2048;
	sv->f_bfree = control_free_after_pending(b->control) / 2048;
	sv->f_bavail = sv->f_bfree;
	sv->f_files = stats.tree_entries + 1000000;
	sv->f_ffree = 1000000;
	sv->f_favail = sv->f_ffree;
	sv->f_namemax = 255;
	return 0;
}

void fs_fill_io_ops(struct fuse_operations *ops)
{
	ops->open = op_open;
	ops->create = op_create;
	ops->read = op_read;
	ops->write = op_write;
	ops->truncate = op_truncate;
	ops->release = op_release;
	ops->fsync = op_fsync;
	ops->statfs = op_statfs;
}
