/* fs_virtual.c — the mount's own entries: the root folder, control,
 * pending, abort, wait and sessions/, one row each in `rows` (a file of
 * the mount is a row with its open, read and write). staging/ is the stage's root node;
 * sessions/N/ are served by fs_session.c. Nothing here can be created,
 * removed or renamed: the root refuses with EACCES (as a folder without
 * write permission), sessions/ with EROFS. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "burnfs/control.h"
#include "burnfs/disc.h"
#include "burnfs/stage.h"
#include "fs/fs.h"

struct row {
	const char *name;
	fuse_ino_t ino;        /* 0: staging/, the stage's root */
	mode_t mode;
	/* files: fill h at open (-errno refuses), make h->text before a
	 * read at off, take a write */
	int (*open)(struct burnfs *b, struct fs_handle *h, int flags);
	int (*read)(fuse_req_t req, struct fs_handle *h, off_t off);
	int (*write)(fuse_req_t req, struct fs_handle *h, const char *buf,
		     size_t len);
};

static int control_open(struct burnfs *b, struct fs_handle *h, int flags)
{
	int ret = fs_control_open_check(b, flags);

	h->kind = H_CONTROL;
	return ret ? ret : control_status(b->control, &h->text, &h->len);
}

/* Reading from the start again shows fresh status. */
static int control_read(fuse_req_t req, struct fs_handle *h, off_t off)
{
	if (off)
		return 0;
	free(h->text);
	h->text = NULL;
	h->len = 0;
	return control_status(fs_of(req)->control, &h->text, &h->len);
}

static int control_write(fuse_req_t req, struct fs_handle *h,
			 const char *buf, size_t len)
{
	return fs_control_write(fs_of(req), buf, len);
}

/* Reading gives nothing, so tar and rsync of the whole mount pass it. */
static int abort_open(struct burnfs *b, struct fs_handle *h, int flags)
{
	return 0;
}

static int abort_write(fuse_req_t req, struct fs_handle *h, const char *buf,
		       size_t len)
{
	return fs_abort_write(fs_of(req));
}

/* The read waits, not the open. */
static int wait_open(struct burnfs *b, struct fs_handle *h, int flags)
{
	return (flags & O_ACCMODE) != O_RDONLY ? -EACCES : 0;
}

static int wait_read(fuse_req_t req, struct fs_handle *h, off_t off)
{
	return h->text ? 0 : fs_wait_read(req, fs_of(req), h);
}

static int pending_open(struct burnfs *b, struct fs_handle *h, int flags)
{
	if ((flags & O_ACCMODE) != O_RDONLY)
		return -EACCES;
	return stage_pending_text(b->stage, &h->text, &h->len);
}

static const struct row rows[] = {
	{ FS_STAGING_NAME, 0, S_IFDIR | 0755, NULL, NULL, NULL },
	{ "control", FS_INO_CONTROL, S_IFREG | 0644, control_open,
	  control_read, control_write },
	{ "pending", FS_INO_PENDING, S_IFREG | 0444, pending_open, NULL,
	  NULL },
	{ "sessions", FS_INO_SESSIONS, S_IFDIR | 0555, NULL, NULL, NULL },
	{ "abort", FS_INO_ABORT, S_IFREG | 0644, abort_open, NULL,
	  abort_write },
	{ "wait", FS_INO_WAIT, S_IFREG | 0444, wait_open, wait_read, NULL },
};
#define NROWS (sizeof(rows) / sizeof(rows[0]))

static const struct row *row_of(fuse_ino_t ino)
{
	for (size_t i = 0; i < NROWS; i++)
		if (rows[i].ino == ino && ino)
			return &rows[i];
	return NULL;
}

static void base_stat(struct burnfs *b, fuse_ino_t ino, mode_t mode,
		      struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = fs_st_ino(0, ino);
	st->st_mode = mode;
	st->st_nlink = S_ISDIR(mode) ? 2 : 1;
	st->st_uid = getuid();
	st->st_gid = getgid();
	st->st_blksize = 4096;
	st->st_atim = st->st_mtim = st->st_ctim = b->mount_time;
}

int fs_virtual_getattr(struct burnfs *b, fuse_ino_t ino, struct stat *st)
{
	const struct row *r = row_of(ino);
	struct disc_facts f;

	if (ino == FUSE_ROOT_ID) {
		/* nothing can be made here: no write permission shown */
		base_stat(b, ino, S_IFDIR | 0555, st);
		st->st_nlink = 4;  /* ., .., staging, sessions */
		return 0;
	}
	if (!r)
		return -ESTALE;
	base_stat(b, ino, r->mode, st);
	if (ino == FS_INO_SESSIONS) {
		disc_get_facts(b->disc, &f);
		st->st_nlink = 2 + (nlink_t)f.sessions;
	}
	return 0;
}

/* staging/'s entry counts a lookup on the stage's root. */
static int row_entry(struct burnfs *b, const struct row *r,
		     struct fuse_entry_param *e)
{
	struct stage_entry se;
	int ret;

	if (!r->ino) {
		ret = stage_root(b->stage, &se);
		return ret ? ret : fs_stage_entry(b, &se, e);
	}
	memset(e, 0, sizeof(*e));
	e->ino = r->ino;
	e->attr_timeout = FS_TIMEOUT;
	e->entry_timeout = FS_TIMEOUT;
	return fs_virtual_getattr(b, r->ino, &e->attr);
}

int fs_virtual_lookup(struct burnfs *b, fuse_ino_t dir, const char *name,
		      struct fuse_entry_param *e)
{
	if (dir == FS_INO_SESSIONS)
		return fs_session_lookup(b, dir, name, e);
	if (dir != FUSE_ROOT_ID)
		return -ENOTDIR;
	for (size_t i = 0; i < NROWS; i++)
		if (!strcmp(rows[i].name, name))
			return row_entry(b, &rows[i], e);
	return -ENOENT;
}

size_t fs_virtual_count(void)
{
	return NROWS;
}

const char *fs_virtual_name(size_t i)
{
	return i < NROWS ? rows[i].name : NULL;
}

int fs_virtual_row(struct burnfs *b, size_t i, bool lookup, const char **name,
		   struct fuse_entry_param *e)
{
	int ret;

	if (i >= NROWS)
		return -ENOENT;
	*name = rows[i].name;
	ret = row_entry(b, &rows[i], e);
	if (!ret && !lookup && !rows[i].ino)  /* a listing takes no lookup */
		stage_forget(b->stage, fs_stage_node(e->ino), 1);
	return ret;
}

int fs_virtual_open(struct burnfs *b, fuse_ino_t ino,
		    struct fuse_file_info *fi)
{
	const struct row *r = row_of(ino);
	struct fs_handle *h;
	int ret;

	if (!r || S_ISDIR(r->mode) || ino == FUSE_ROOT_ID)
		return -EISDIR;
	h = fs_handle_new(H_TEXT);
	if (!h)
		return -ENOMEM;
	h->id = (uint32_t)ino;
	ret = r->open ? r->open(b, h, fi->flags) : -EACCES;
	if (ret) {
		fs_handle_free(b, h);
		return ret;
	}
	/* Made at open or read: no page cache, no size. */
	fi->direct_io = 1;
	fi->fh = (uintptr_t)h;
	return 0;
}

int fs_virtual_read(fuse_req_t req, struct fs_handle *h, size_t size,
		    off_t off, const char **out)
{
	const struct row *r = row_of(h->id);
	int ret = r && r->read ? r->read(req, h, off) : 0;

	if (ret)
		return ret;
	if ((size_t)off >= h->len)
		return 0;
	*out = h->text + off;
	return (int)(size > h->len - (size_t)off ? h->len - (size_t)off : size);
}

int fs_virtual_write(fuse_req_t req, struct fs_handle *h, const char *buf,
		     size_t size)
{
	const struct row *r = row_of(h->id);

	return r && r->write ? r->write(req, h, buf, size) : -EBADF;
}

int fs_virtual_truncate(fuse_ino_t ino)
{
	const struct row *r = row_of(ino);

	if (!r || S_ISDIR(r->mode))
		return -EISDIR;
	return r->write ? 0 : -EACCES;
}

int fs_write_denied(fuse_ino_t dir)
{
	switch (fs_kind(dir)) {
	case K_STAGE:
		return 0;
	case K_SESSION:
		return -EROFS;
	default:
		return dir == FS_INO_SESSIONS ? -EROFS : -EACCES;
	}
}
