/* fs_io.c — open files: staged files go to the stage, session files are
 * read from the disc through their index, the mount's own files to their
 * rows (fs_virtual.c). Also fsync and statfs. */
#include <errno.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "burnfs/control.h"
#include "burnfs/disc.h"
#include "burnfs/index.h"
#include "burnfs/log.h"
#include "burnfs/stage.h"
#include "fs/fs.h"

/* Every handle not yet freed, for fs_handles_drop_all. */
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fs_handle *live;

struct fs_handle *fs_handle_new(enum handle_kind kind)
{
	struct fs_handle *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->kind = kind;
	h->refs = 1;
	pthread_mutex_init(&h->lock, NULL);
	pthread_mutex_lock(&live_lock);
	h->live_next = live;
	if (live)
		live->live_prev = h;
	live = h;
	pthread_mutex_unlock(&live_lock);
	return h;
}

static void live_del(struct fs_handle *h)
{
	pthread_mutex_lock(&live_lock);
	if (h->live_prev)
		h->live_prev->live_next = h->live_next;
	else
		live = h->live_next;
	if (h->live_next)
		h->live_next->live_prev = h->live_prev;
	pthread_mutex_unlock(&live_lock);
}

struct fs_handle *fs_handle_get(const struct fuse_file_info *fi)
{
	struct fs_handle *h = fs_handle(fi);

	__atomic_add_fetch(&h->refs, 1, __ATOMIC_RELAXED);
	return h;
}

void fs_handle_put(struct burnfs *b, struct fs_handle *h)
{
	if (!h || __atomic_sub_fetch(&h->refs, 1, __ATOMIC_ACQ_REL))
		return;
	live_del(h);
	pthread_mutex_destroy(&h->lock);
	if (h->sf)
		stage_release(b->stage, h->sf);
	index_unref(h->idx);
	free(h->text);
	fs_dir_free(b, h->dir);
	free(h);
}

void fs_handles_drop_all(struct burnfs *b)
{
	unsigned n = 0;

	/* no request is served any more: nothing else holds a reference */
	while (live) {
		struct fs_handle *h = live;

		h->refs = 1;
		fs_handle_put(b, h);
		n++;
	}
	if (n)
		blog_info("%u open files and folders the kernel did not release "
			  "before the unmount closed", n);
}

/* Reading a disc file (or a staged file still on the disc) may wait for
 * the drive: the reader of /dev/fuse hands its place over first. */
static ssize_t read_file(struct burnfs *b, struct fs_handle *h, char *buf,
			 size_t size, off_t off)
{
	if (h->kind == H_DISC) {
		fs_loop_yield();
		return index_read(h->idx, h->id, buf, size, (uint64_t)off);
	}
	if (stage_file_on_disc(b->stage, h->sf))
		fs_loop_yield();
	return stage_read(b->stage, h->sf, buf, size, off);
}

void fs_io_read(fuse_req_t req, struct fs_handle *h, size_t size, off_t off)
{
	const char *text = NULL;
	ssize_t n;
	char *buf;

	if (h->kind != H_STAGE && h->kind != H_DISC) {
		pthread_mutex_lock(&h->lock);
		n = fs_virtual_read(req, h, size, off, &text);
		if (n < 0)
			fuse_reply_err(req, (int)-n);
		else
			fuse_reply_buf(req, text, (size_t)n);
		pthread_mutex_unlock(&h->lock);
		return;
	}
	buf = malloc(size ? size : 1);
	n = buf ? read_file(fs_of(req), h, buf, size, off) : -ENOMEM;
	if (n < 0)
		fuse_reply_err(req, (int)-n);
	else
		fuse_reply_buf(req, buf, (size_t)n);
	free(buf);
}

/* ENOSPC as soon as the pending session would not fit on the medium;
 * EFBIG past what any disc holds (a short write up to it first, as a
 * local file system writes up to its own limit). */
static ssize_t write_stage(fuse_req_t req, struct fs_handle *h,
			   const char *buf, size_t size, off_t off)
{
	struct burnfs *b = fs_of(req);
	struct stat st;
	void *base;
	int ret;

	if (off < 0)
		return -EINVAL;
	if ((uint64_t)off >= STAGE_FILE_SIZE_MAX)
		return -EFBIG;
	if (size > STAGE_FILE_SIZE_MAX - (uint64_t)off)
		size = (size_t)(STAGE_FILE_SIZE_MAX - (uint64_t)off);
	ret = stage_fgetattr(b->stage, h->sf, &st);
	if (!ret)
		ret = fs_check_space(b, (uint64_t)st.st_size,
				     (uint64_t)off + size);
	if (ret)
		return ret;
	if (fs_loop_write_kills())
		fs_stage_kill_privs(req, b, stage_file_node(h->sf));
	ret = fs_stage_kill_caps(b, stage_file_node(h->sf));
	if (ret)
		return ret;
	if (stage_file_on_disc(b->stage, h->sf))
		fs_loop_yield();  /* the first write copies it up */
	/* A big write may finish after the answer: it keeps the request's
	 * buffer rather than a copy of it. */
	base = size >= 65536 ? fs_loop_take_buffer(buf) : NULL;
	if (base)
		return stage_write_owned(b->stage, h->sf, buf, size, off,
					 fs_loop_give_back, base);
	return stage_write(b->stage, h->sf, buf, size, off);
}

void fs_io_write(fuse_req_t req, fuse_ino_t ino, struct fs_handle *h,
		 const char *buf, size_t size, off_t off)
{
	ssize_t n;

	switch (h->kind) {
	case H_STAGE:
		n = write_stage(req, h, buf, size, off);
		break;
	case H_TEXT:
	case H_CONTROL:
		n = fs_virtual_write(req, h, buf, size);
		if (n == 0)
			n = (ssize_t)size;
		break;
	default:
		n = -EBADF;
	}
	if (n < 0)
		fuse_reply_err(req, (int)-n);
	else
		fuse_reply_write(req, (size_t)n);
}

/* Growing a file by reserving room costs the session what writing the
 * zeros would: ENOSPC now, as for a write; a range kept past the end
 * (FALLOC_FL_KEEP_SIZE) is never burned and costs nothing. The mount's
 * own files hold no blocks to reserve. */
int fs_io_fallocate(struct burnfs *b, struct fs_handle *h, int mode,
		    off_t off, off_t len)
{
	struct stat st;
	int ret;

	if (h->kind != H_STAGE)
		return -EOPNOTSUPP;
	ret = stage_fallocate_check(mode, off, len);
	if (!ret)
		ret = stage_fgetattr(b->stage, h->sf, &st);
	if (!ret && !(mode & FALLOC_FL_KEEP_SIZE))
		ret = fs_check_space(b, (uint64_t)st.st_size,
				     (uint64_t)off + (uint64_t)len);
	if (ret)
		return ret;
	if (stage_file_on_disc(b->stage, h->sf))
		fs_loop_yield();  /* it is copied up first */
	return stage_fallocate(b->stage, h->sf, mode, off, len);
}

/* A copy into staging/ of a whole disc file (from staging/ or
 * sessions/N) into a new one shares its blocks (stage_share): no cache
 * space and nothing new to burn, so no room to ask the medium for.
 * Anything else is EOPNOTSUPP, and the kernel copies the bytes through
 * read and write. */
ssize_t fs_io_copy_range(struct burnfs *b, struct fs_handle *in, off_t off_in,
			 struct fs_handle *out, off_t off_out, size_t len,
			 int flags)
{
	if (flags || out->kind != H_STAGE)
		return -EOPNOTSUPP;
	if (in->kind == H_DISC) {
		/* a byte through the session's reader first: ESTALE when its
		 * index knows its medium (the newest session's does) and
		 * another disc took that one's place since the file was
		 * opened; it reads the disc, so the reader's place is handed
		 * over as for any read */
		char c;
		ssize_t r = read_file(b, in, &c, 1, 0);

		return r < 0 ? r : stage_share_entry(b->stage, in->idx, in->id,
						     off_in, out->sf, off_out, len);
	}
	if (in->kind != H_STAGE)
		return -EOPNOTSUPP;
	return stage_share(b->stage, in->sf, off_in, out->sf, off_out, len);
}

int fs_io_fsync(struct burnfs *b, struct fs_handle *h, int datasync)
{
	if (h->kind != H_STAGE)
		return 0;
	fs_loop_yield();
	return stage_fsync(b->stage, h->sf, datasync);
}

void fs_io_statfs(fuse_req_t req)
{
	struct burnfs *b = fs_of(req);
	struct stage_stats stats;
	struct disc_facts f;
	struct statvfs sv;

	disc_get_facts(b->disc, &f);
	stage_get_stats(b->stage, &stats);
	memset(&sv, 0, sizeof(sv));
	sv.f_bsize = 2048;
	sv.f_frsize = 2048;
	sv.f_blocks = f.capacity_bytes / 2048;
	sv.f_bfree = control_free_after_pending(b->control) / 2048;
	sv.f_bavail = sv.f_bfree;
	sv.f_files = stats.tree_entries + 1000000;
	sv.f_ffree = 1000000;
	sv.f_favail = sv.f_ffree;
	sv.f_namemax = 255;
	fuse_reply_statfs(req, &sv);
}
