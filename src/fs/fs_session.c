/* fs_session.c — sessions/N/ and below: read-only views of recorded
 * sessions, served from their indexes. A node id holds the session, the
 * index id and the epoch of the sessions list, so nothing is kept per
 * inode; an id of an older epoch (before a blank) is ESTALE. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "burnfs/disc.h"
#include "burnfs/index.h"
#include "fs/fs.h"

int fs_session_index(struct burnfs *b, int session, struct index **out)
{
	int ret;

	if (disc_session_index_cached(b->disc, session, out) == 0)
		return 0;
	fs_loop_yield();  /* loading reads the disc */
	ret = disc_session_index(b->disc, session, out);
	/* The libraries serve one thing at a time: not during a burn. */
	return ret == -EBUSY ? -EAGAIN : ret;
}

int fs_session_node(struct burnfs *b, fuse_ino_t ino, struct index **idx,
		    uint32_t *id)
{
	int ret;

	if (fs_ino_epoch(ino) != fs_sessions_epoch(b))
		return -ESTALE;
	ret = fs_session_index(b, fs_ino_session(ino), idx);
	if (ret)
		return ret == -ENOENT ? -ESTALE : ret;
	*id = (uint32_t)ino;
	if (*id >= index_count(*idx)) {
		index_unref(*idx);
		*idx = NULL;  /* the callers' cleanup unrefs what it holds */
		return -ESTALE;
	}
	return 0;
}

void fs_session_attr(const struct index *idx, int session, uint32_t id,
		     struct stat *st)
{
	index_stat(idx, id, st);
	st->st_ino = fs_st_ino((uint64_t)session + 1, st->st_ino);
}

void fs_session_entry(const struct index *idx, unsigned epoch, int session,
		      uint32_t id, struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->ino = fs_session_ino(epoch, session, id);
	e->generation = epoch;
	fs_session_attr(idx, session, id, &e->attr);
	e->attr_timeout = FS_TIMEOUT;
	e->entry_timeout = FS_TIMEOUT;
}

/* "N" in sessions/: the top of session N. */
static int lookup_top(struct burnfs *b, const char *name,
		      struct fuse_entry_param *e)
{
	unsigned epoch = fs_sessions_epoch(b);
	struct index *idx;
	char *end;
	long n;
	int ret;

	n = strtol(name, &end, 10);
	if (*end || end == name || n < 1 || n > FS_SESSION_MAX ||
	    name[0] == '0' || name[0] == '+')
		return -ENOENT;
	ret = fs_session_index(b, (int)n, &idx);
	if (ret)
		return ret;
	fs_session_entry(idx, epoch, (int)n, IDX_ROOT, e);
	index_unref(idx);
	return 0;
}

int fs_session_lookup(struct burnfs *b, fuse_ino_t dir, const char *name,
		      struct fuse_entry_param *e)
{
	struct index *idx;
	int64_t child;
	uint32_t id;
	int ret;

	if (dir == FS_INO_SESSIONS)
		return lookup_top(b, name, e);
	ret = fs_session_node(b, dir, &idx, &id);
	if (ret)
		return ret;
	child = index_lookup(idx, id, name);
	if (child >= 0)
		fs_session_entry(idx, fs_ino_epoch(dir), fs_ino_session(dir),
				 (uint32_t)child, e);
	index_unref(idx);
	return child < 0 ? (int)child : 0;
}

int fs_session_open(struct burnfs *b, fuse_ino_t ino,
		    struct fuse_file_info *fi)
{
	struct fs_handle *h;
	int ret;

	if ((fi->flags & O_ACCMODE) != O_RDONLY)
		return -EROFS;
	h = fs_handle_new(H_DISC);
	if (!h)
		return -ENOMEM;
	ret = fs_session_node(b, ino, &h->idx, &h->id);
	if (!ret && !S_ISREG(index_mode(h->idx, h->id)))
		ret = -EISDIR;
	if (ret) {
		fs_handle_free(b, h);
		return ret;
	}
	fi->fh = (uintptr_t)h;
	fi->keep_cache = 1;  /* a recorded session never changes */
	return 0;
}

/* The recorded xattrs of a session entry: get one (name) or list all. */
int fs_session_xattr(struct burnfs *b, fuse_ino_t ino, const char *name,
		     char *out, size_t size)
{
	struct idx_node view, *n = &view;
	struct index *idx;
	size_t need = 0;
	uint32_t id;
	int ret = fs_session_node(b, ino, &idx, &id);

	if (ret < 0)
		return ret;
	index_get(idx, id, n);
	ret = name ? -ENODATA : 0;
	for (uint32_t i = 0; i < n->n_xattrs; i++) {
		const struct idx_xattr *x = &n->xattrs[i];
		size_t len = name ? x->len : strlen(x->name) + 1;

		if (name && strcmp(name, x->name) != 0)
			continue;
		if (size && need + len > size) {
			ret = -ERANGE;
			break;
		}
		if (size)
			memcpy(out + need, name ? x->value : x->name, len);
		need += len;
		ret = (int)need;
		if (name)
			break;
	}
	index_unref(idx);
	return ret;
}
