/* fileops.c — open file handles: open, create, read, write, truncate, fsync,
 * release. A handle points at the node, not at a path, so it survives
 * renames, unlinks and commits. Content is copied up only when it changes;
 * data files are open only while a handle (or one call) needs them. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stage/stage_priv.h"

/* No handle needs the data file any more: give the descriptor back. */
void stage_node_fd_idle(struct snode *n)
{
	if (!n->nopen && n->fd >= 0) {
		close(n->fd);
		n->fd = -1;
	}
}

/* n's content in a data file of its own that no burn is reading, open.
 * A data file whose cache folder is gone takes no more changes. */
int stage_node_writable(struct stage *st, struct snode *n, bool keep)
{
	int ret = stage_cache_alive(st);

	if (ret)
		return ret;
	if (n->data_id && !stage_data_is_frozen(st, n->data_id)) {
		ret = stage_node_data_fd(st, n);
		return ret < 0 ? ret : 0;
	}
	return stage_node_copy_up(st, n, keep);
}

int stage_node_truncate(struct stage *st, struct snode *n, uint64_t size)
{
	int ret = 0;

	if (S_ISDIR(n->mode))
		return -EISDIR;
	if (!S_ISREG(n->mode))
		return -EINVAL;
	if (size != n->size || n->data_id) {
		ret = stage_node_writable(st, n, size > 0);
		if (!ret)
			ret = stage_hash_changed(st, n);
		if (!ret && ftruncate(n->fd, (off_t)size))
			ret = -errno;
		if (!ret) {
			n->size = size;
			n->lost_bytes = false;   /* its content is the user's again */
		}
		stage_count_node(st, n);
	}
	if (!ret) {
		stage_now_ts(&n->mtime);
		n->ctime = n->mtime;
		ret = stage_record_attr(st, n);
	}
	stage_node_fd_idle(n);
	return ret;
}

static bool wants_write(int flags)
{
	return (flags & O_ACCMODE) != O_RDONLY;
}

static void open_list_add(struct stage *st, struct snode *n)
{
	n->oprev = NULL;
	n->onext = st->open_nodes;
	if (st->open_nodes)
		st->open_nodes->oprev = n;
	st->open_nodes = n;
}

static void open_list_del(struct stage *st, struct snode *n)
{
	if (n->oprev)
		n->oprev->onext = n->onext;
	else
		st->open_nodes = n->onext;
	if (n->onext)
		n->onext->oprev = n->oprev;
	n->onext = n->oprev = NULL;
}

static int new_handle(struct stage *st, struct snode *n, int flags,
		      struct stage_file **out)
{
	struct stage_file *f = calloc(1, sizeof(*f));

	if (!f)
		return -ENOMEM;
	f->node = n;
	f->flags = flags;
	n->ref++;
	if (!n->nopen++)
		open_list_add(st, n);
	*out = f;
	return 0;
}

/* Open an existing node; O_TRUNC empties it without copying. */
static int open_node(struct stage *st, struct snode *n, int flags,
		     struct stage_file **out)
{
	int ret;

	if (S_ISDIR(n->mode))
		return -EISDIR;
	if (wants_write(flags) && st->readonly)
		return -EROFS;
	if (wants_write(flags) && (flags & O_TRUNC) && S_ISREG(n->mode)) {
		n->nopen++; /* keep the fresh fd for the handle */
		ret = stage_node_truncate(st, n, 0);
		n->nopen--;
		if (ret) {
			stage_node_fd_idle(n);
			return ret;
		}
	}
	ret = new_handle(st, n, flags, out);
	stage_node_fd_idle(n);
	return ret;
}

int stage_open_file(struct stage *st, const char *path, int flags,
		    struct stage_file **out)
{
	struct sdentry *de;
	int ret;

	STAGE_LOCK(st);
	ret = stage_path_resolve(st, path, &de);
	if (!ret)
		ret = open_node(st, de->node, flags, out);
	STAGE_UNLOCK(st);
	return ret;
}

/* Open name in dir, made as an empty regular file when missing. */
static int create_locked(struct stage *st, struct snode *dir,
			 const char *name, struct jrec *r, int flags,
			 struct sdentry **de, struct stage_file **out)
{
	int ret = stage_dir_lookup(st, dir, name, de), fd = -1;

	if (!ret)
		return flags & O_EXCL ? -EEXIST : open_node(st, (*de)->node,
							    flags, out);
	if (ret != -ENOENT)
		return ret;
	if (strlen(name) > STAGE_NAME_MAX)
		return -ENAMETOOLONG;
	if (st->readonly)
		return -EROFS;
	fd = stage_data_create(st, &r->id);
	if (fd < 0)
		return fd;
	ret = stage_make_entry(st, dir, name, r, de);
	if (ret) {
		stage_data_delete(st, r->id);
		close(fd);
		return ret;
	}
	(*de)->node->fd = fd;
	(*de)->node->md5_clear = true;  /* new, or a spare emptied of its MD5 */
	return new_handle(st, (*de)->node, flags, out);
}

int stage_create(struct stage *st, const char *path, mode_t mode, uid_t uid,
		 gid_t gid, int flags, struct stage_file **out)
{
	struct jrec r = { .op = J_MKNOD, .uid = uid, .gid = gid,
			  .mode = S_IFREG | (mode & 07777) };
	char name[STAGE_NAME_MAX + 1];
	struct sdentry *de;
	struct snode *dir;
	int ret;

	STAGE_LOCK(st);
	ret = stage_path_parent(st, path, &dir, name);
	if (!ret)
		ret = create_locked(st, dir, name, &r, flags, &de, out);
	STAGE_UNLOCK(st);
	return ret;
}

int stage_node_create(struct stage *st, struct stage_node *dir,
		      const char *name, mode_t mode, uid_t uid, gid_t gid,
		      int flags, struct stage_entry *out,
		      struct stage_file **file)
{
	struct jrec r = { .op = J_MKNOD, .uid = uid, .gid = gid,
			  .mode = S_IFREG | (mode & 07777) };
	struct sdentry *de;
	int ret;

	STAGE_LOCK(st);
	ret = create_locked(st, (struct snode *)dir, name, &r, flags, &de, file);
	if (!ret)
		stage_entry_fill(st, de->node, out);
	STAGE_UNLOCK(st);
	return ret;
}

int stage_node_open(struct stage *st, struct stage_node *n, int flags,
		    struct stage_file **out)
{
	int ret;

	STAGE_LOCK(st);
	ret = open_node(st, (struct snode *)n, flags, out);
	STAGE_UNLOCK(st);
	return ret;
}

struct stage_node *stage_file_node(const struct stage_file *f)
{
	return (struct stage_node *)f->node;
}

/* Lower content is read without the stage lock (a drive can be slow); the
 * index reference keeps the extents valid across a commit. */
static ssize_t read_lower(struct stage *st, struct snode *n, void *buf,
			  size_t size, off_t off)
{
	uint32_t id;
	struct index *idx = index_ref(stage_node_src(st, n, &id));
	ssize_t r;

	STAGE_UNLOCK(st);
	r = index_read(idx, id, buf, size, (uint64_t)off);
	index_unref(idx);
	STAGE_LOCK(st);
	return r;
}

/* A cache whose file system turned read-only (ext4 after I/O errors)
 * still serves what it holds, as a read-only ext4 does: its data files
 * open only for reading, one read at a time (the node keeps no such fd,
 * since a write through it must fail with EROFS, not EBADF). */
static ssize_t pread_read_only(struct stage *st, struct snode *n, char *buf,
			       size_t size, off_t off)
{
	int fd = stage_data_open(st, n->data_id, O_RDONLY);
	ssize_t r;

	if (fd < 0)
		return fd;
	r = pread(fd, buf, size, off);
	if (r < 0)
		r = -errno;
	close(fd);
	return r;
}

ssize_t stage_read(struct stage *st, struct stage_file *f, void *buf,
		   size_t size, off_t off)
{
	struct snode *n = f->node;
	ssize_t r = 0;
	int fd;

	if (off < 0)
		return -EINVAL;
	STAGE_LOCK(st);
	if (n->lost_bytes) {
		r = -EIO;   /* what the cache lost is not served as zeros */
	} else if (n->data_id) {
		fd = stage_node_data_fd(st, n);
		r = fd < 0 ? fd : pread(fd, buf, size, off);
		if (r < 0 && fd >= 0)
			r = -errno;
		if (fd == -EROFS)
			r = pread_read_only(st, n, buf, size, off);
	} else if ((n->origin != IDX_NONE || n->rsrc) && S_ISREG(n->mode)) {
		if ((uint64_t)off >= n->size)
			r = 0;
		else
			r = read_lower(st, n, buf, size, off);
	}
	STAGE_UNLOCK(st);
	return r;
}

static ssize_t write_src(struct stage *st, struct stage_file *f,
			 struct wsrc *src, size_t size, off_t off)
{
	struct snode *n = f->node;
	ssize_t r;

	if (off < 0)
		return -EINVAL;
	STAGE_LOCK_NODRAIN(st);
	stage_node_copy_up_dropping_lock(st, n);
	r = st->readonly ? -EROFS : S_ISREG(n->mode) ? 0 : -EINVAL;
	if (!r)
		r = stage_behind_take_error(n);
	if (!r)
		r = stage_node_writable(st, n, true);
	if (!r)
		r = stage_hash_changed(st, n);
	if (r)
		goto out;
	if (f->flags & O_APPEND)
		off = (off_t)n->size;
	/* Up to the format's limit, as a local file system writes up to its
	 * own: a short write, then EFBIG. */
	if ((uint64_t)off >= STAGE_FILE_SIZE_MAX) {
		r = -EFBIG;
		goto out;
	}
	if (size > STAGE_FILE_SIZE_MAX - (uint64_t)off)
		size = (size_t)(STAGE_FILE_SIZE_MAX - (uint64_t)off);
	r = stage_behind_write(st, n, src, size, off);
	if (r == 1)
		r = (ssize_t)size;
	else if (r == 0 && !(r = stage_behind_take_error(n)) &&
		 (r = pwrite(n->fd, src->mem, size, off)) < 0)
		r = -errno;
	if (r < 0)
		goto out;
	if ((uint64_t)off + (uint64_t)r > n->size) {
		n->size = (uint64_t)off + (uint64_t)r;
		stage_count_node(st, n);
	}
	stage_now_ts(&n->mtime);
	n->ctime = n->mtime;
	f->written = true;
	st->gen++;
out:
	STAGE_UNLOCK(st);
	return r;
}

ssize_t stage_write(struct stage *st, struct stage_file *f, const void *buf,
		    size_t size, off_t off)
{
	struct wsrc src = { .mem = buf };

	return write_src(st, f, &src, size, off);
}

ssize_t stage_write_owned(struct stage *st, struct stage_file *f,
			  const void *buf, size_t size, off_t off,
			  void (*release)(void *base), void *base)
{
	struct wsrc src = { .mem = buf, .release = release, .base = base };
	ssize_t r = write_src(st, f, &src, size, off);

	if (src.base)  /* not taken by a write behind */
		release(src.base);
	return r;
}

int stage_ftruncate(struct stage *st, struct stage_file *f, off_t size)
{
	int ret;

	if (size < 0)
		return -EINVAL;
	if ((uint64_t)size > STAGE_FILE_SIZE_MAX)
		return -EFBIG;
	STAGE_LOCK(st);
	ret = st->readonly ? -EROFS : stage_node_truncate(st, f->node, (uint64_t)size);
	STAGE_UNLOCK(st);
	return ret;
}

int stage_fgetattr(struct stage *st, struct stage_file *f, struct stat *stbuf)
{
	STAGE_LOCK_NODRAIN(st);  /* the node knows size and times already */
	stage_node_stat(st, f->node, stbuf);
	STAGE_UNLOCK(st);
	return 0;
}

/* The flushes run without the stage lock: they can take long on a busy
 * disk, and every other staging call needs the lock. If the journal is
 * rewritten meanwhile, the rewrite syncs the new one itself. */
int stage_fsync(struct stage *st, struct stage_file *f, int datasync)
{
	int ret, fd = -1, jfd = -1;

	STAGE_LOCK(st);
	ret = stage_behind_take_error(f->node);
	if (!ret && f->node->fd >= 0 && (fd = dup(f->node->fd)) < 0)
		ret = -errno;
	if (!ret && (jfd = dup(st->jfd)) < 0)
		ret = -errno;
	STAGE_UNLOCK(st);
	if (!ret && fd >= 0 && (datasync ? fdatasync(fd) : fsync(fd)))
		ret = -errno;
	if (!ret && fdatasync(jfd))
		ret = -errno;
	if (fd >= 0)
		close(fd);
	if (jfd >= 0)
		close(jfd);
	return ret;
}

int stage_sync(struct stage *st)
{
	int ret = 0, jfd;

	STAGE_LOCK(st);
	jfd = dup(st->jfd);
	if (jfd < 0)
		ret = -errno;
	STAGE_UNLOCK(st);
	if (!ret && fdatasync(jfd))
		ret = -errno;
	if (jfd >= 0)
		close(jfd);
	return ret;
}

bool stage_file_on_disc(struct stage *st, const struct stage_file *f)
{
	bool on;

	STAGE_LOCK_NODRAIN(st);
	on = stage_node_on_disc(f->node);
	STAGE_UNLOCK(st);
	return on;
}

int stage_flush(struct stage *st, struct stage_file *f)
{
	int ret = 0;

	STAGE_LOCK(st);
	if (f->written) {
		ret = stage_record_attr(st, f->node);
		if (!ret)
			f->written = false;
	}
	STAGE_UNLOCK(st);
	return ret;
}

int stage_release(struct stage *st, struct stage_file *f)
{
	struct snode *n = f->node;
	int ret = 0;

	STAGE_LOCK(st);
	if (f->written)
		ret = stage_record_attr(st, n);
	if (!--n->nopen) {
		open_list_del(st, n);
		stage_hash_closed(st, n);
	}
	stage_node_fd_idle(n);
	stage_node_unref(st, n);
	STAGE_UNLOCK(st);
	free(f);
	return ret;
}
