/* fs_virtual.c — the mount's own entries: the root, control, pending, and
 * sessions/N/ (read-only views of recorded sessions, served from indexes). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "burnfs/control.h"
#include "burnfs/disc.h"
#include "burnfs/index.h"
#include "burnfs/stage.h"
#include "fs/fs.h"

static void dir_stat(struct stat *st, mode_t perm, nlink_t nlink)
{
	struct burnfs *b = fs_ctx();

	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFDIR | perm;
	st->st_nlink = nlink;
	st->st_uid = getuid();
	st->st_gid = getgid();
	st->st_atim = st->st_mtim = st->st_ctim = b->mount_time;
}

static void file_stat(struct stat *st, mode_t perm)
{
	dir_stat(st, 0, 1);
	st->st_mode = S_IFREG | perm;
}

int fs_session_index(int session, struct index **out)
{
	struct disc *d = fs_ctx()->disc;

	if (disc_session_index_cached(d, session, out) == 0)
		return 0;
	fs_loop_yield();  /* loading reads the disc */
	return disc_session_index(d, session, out);
}

int fs_session_lookup(const struct route *r, struct index **idx, uint32_t *id)
{
	int64_t found;
	int ret = fs_session_index(r->session, idx);

	if (ret < 0)
		return ret == -EBUSY ? -EAGAIN : ret;
	found = index_resolve(*idx, r->rest);
	if (found < 0) {
		index_unref(*idx);
		*idx = NULL;
		return (int)found;
	}
	*id = (uint32_t)found;
	return 0;
}

static int session_getattr(const struct route *r, struct stat *st)
{
	struct index *idx;
	uint32_t id;
	int ret = fs_session_lookup(r, &idx, &id);

	if (ret < 0)
		return ret;
	index_stat(idx, id, st);
	index_unref(idx);
	return 0;
}

int fs_virtual_getattr(const struct route *r, struct stat *st)
{
	struct disc_facts f;

	switch (r->area) {
	case AREA_ROOT:
		dir_stat(st, 0755, 4);
		return 0;
	case AREA_CONTROL:
		file_stat(st, 0644);
		return 0;
	case AREA_PENDING:
	case AREA_WAIT:
		file_stat(st, 0444);
		return 0;
	case AREA_ABORT:
		file_stat(st, 0200);
		return 0;
	case AREA_SESSIONS:
		disc_get_facts(fs_ctx()->disc, &f);
		dir_stat(st, 0555, 2 + (nlink_t)f.sessions);
		return 0;
	case AREA_SESSION:
		return session_getattr(r, st);
	default:
		return -ENOENT;
	}
}

static int readdir_root(void *buf, fuse_fill_dir_t fill)
{
	static const char *const names[] = { "staging", "control", "pending",
					     "sessions", "abort", "wait" };

	for (size_t i = 0; i < 6; i++)
		fill(buf, names[i], NULL, 0, 0);
	return 0;
}

static int readdir_sessions(void *buf, fuse_fill_dir_t fill)
{
	struct disc_facts f;
	char name[16];

	disc_get_facts(fs_ctx()->disc, &f);
	for (int i = 1; i <= f.sessions; i++) {
		snprintf(name, sizeof(name), "%d", i);
		fill(buf, name, NULL, 0, 0);
	}
	return 0;
}

static int readdir_session(const struct route *r, void *buf,
			   fuse_fill_dir_t fill)
{
	const struct idx_node *dir;
	struct index *idx;
	struct stat st;
	uint32_t id;
	int ret = fs_session_lookup(r, &idx, &id);

	if (ret < 0)
		return ret;
	dir = index_node(idx, id);
	if (!S_ISDIR(dir->mode))
		ret = -ENOTDIR;
	for (uint32_t c = dir->first_child; !ret && c != IDX_NONE;
	     c = index_node(idx, c)->next_sibling) {
		index_stat(idx, c, &st);
		if (fill(buf, index_node(idx, c)->name, &st, 0, 0))
			break;
	}
	index_unref(idx);
	return ret;
}

int fs_virtual_readdir(const struct route *r, void *buf, fuse_fill_dir_t fill)
{
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	switch (r->area) {
	case AREA_ROOT:
		return readdir_root(buf, fill);
	case AREA_SESSIONS:
		return readdir_sessions(buf, fill);
	case AREA_SESSION:
		return readdir_session(r, buf, fill);
	default:
		return -ENOTDIR;
	}
}

static int open_text(struct fs_handle *h, enum area area)
{
	struct burnfs *b = fs_ctx();

	if (area == AREA_CONTROL)
		return control_status(b->control, &h->text, &h->len);
	return stage_pending_text(b->stage, &h->text, &h->len);
}

static int open_session_file(const struct route *r, struct fs_handle *h)
{
	int ret = fs_session_lookup(r, &h->idx, &h->id);

	if (ret < 0)
		return ret;
	return S_ISREG(index_node(h->idx, h->id)->mode) ? 0 : -EISDIR;
}

int fs_virtual_open(const struct route *r, struct fuse_file_info *fi)
{
	struct fs_handle *h = calloc(1, sizeof(*h));
	int acc = fi->flags & O_ACCMODE;
	int ret = 0;

	if (!h)
		return -ENOMEM;
	switch (r->area) {
	case AREA_CONTROL:
		h->kind = H_CONTROL;
		ret = fs_control_open_check(fs_ctx(), fi->flags);
		if (ret == 0)
			ret = open_text(h, r->area);
		break;
	case AREA_PENDING:
		h->kind = H_TEXT;
		ret = acc != O_RDONLY ? -EACCES : open_text(h, r->area);
		break;
	case AREA_ABORT:
		h->kind = H_ABORT;
		ret = acc == O_RDONLY ? -EACCES : 0;
		break;
	case AREA_WAIT:
		h->kind = H_WAIT;  /* the read waits, not the open */
		ret = acc != O_RDONLY ? -EACCES : 0;
		break;
	case AREA_SESSION:
		h->kind = H_DISC;
		ret = acc != O_RDONLY ? -EROFS : open_session_file(r, h);
		break;
	default:
		ret = -EISDIR;
	}
	if (ret < 0) {
		index_unref(h->idx);
		free(h->text);
		free(h);
		return ret;
	}
	/* Status and pending are made at open: no page cache, no size. */
	fi->direct_io = h->kind != H_DISC;
	fi->keep_cache = h->kind == H_DISC;
	fi->fh = (uintptr_t)h;
	return 0;
}
