/* fs_dir.c — folder listings for readdir and readdirplus. A listing is
 * taken when the kernel reads from offset 0 (so rewinddir shows changes)
 * and paged by offset: offset k means "entries before k were returned",
 * with "." and ".." first. readdirplus hands the kernel each entry's
 * attributes too, which counts a lookup on a staged node: the entry's room
 * in the buffer is checked first, so no lookup is counted for an entry the
 * kernel does not get. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "burnfs/disc.h"
#include "burnfs/index.h"
#include "burnfs/stage.h"
#include "fs/fs.h"

struct fs_dir {
	fuse_ino_t ino;
	uint64_t self_ino, parent_ino;  /* st_ino of "." and ".." */
	size_t count;                   /* entries besides . and .. */
	struct stage_list *list;        /* staging/ */
	struct index *idx;              /* sessions/N/: children of id */
	uint32_t id, *ids;
};

static int open_kind(struct burnfs *b, struct fs_dir *d)
{
	struct stat st;
	int ret;

	switch (fs_kind(d->ino)) {
	case K_STAGE:
		ret = stage_node_getattr(b->stage, fs_stage_node(d->ino), &st);
		st.st_ino = fs_st_ino(1, st.st_ino);
		break;
	case K_SESSION:
		ret = fs_session_node(b, d->ino, &d->idx, &d->id);
		if (!ret)
			fs_session_attr(d->idx, fs_ino_session(d->ino), d->id,
					&st);
		break;
	default:
		ret = fs_virtual_getattr(b, d->ino, &st);
	}
	if (!ret && !S_ISDIR(st.st_mode))
		ret = -ENOTDIR;
	d->self_ino = st.st_ino;
	return ret;
}

int fs_dir_open(struct burnfs *b, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs_handle *h = fs_handle_new(H_DIR);
	int ret = -ENOMEM;

	if (h && (h->dir = calloc(1, sizeof(*h->dir)))) {
		h->dir->ino = ino;
		ret = open_kind(b, h->dir);
	}
	if (ret) {
		fs_handle_free(b, h);
		return ret;
	}
	fi->fh = (uintptr_t)h;
	return 0;
}

void fs_dir_free(struct burnfs *b, struct fs_dir *d)
{
	if (!d)
		return;
	stage_list_free(b->stage, d->list);
	index_unref(d->idx);
	free(d->ids);
	free(d);
}

static int list_session(struct fs_dir *d)
{
	uint32_t first = index_first_child(d->idx, d->id);
	uint32_t parent = index_parent(d->idx, d->id);
	size_t n = 0;

	for (uint32_t c = first; c != IDX_NONE;
	     c = index_next_sibling(d->idx, c))
		n++;
	free(d->ids);
	d->ids = malloc((n + 1) * sizeof(*d->ids));
	if (!d->ids)
		return -ENOMEM;
	n = 0;
	for (uint32_t c = first; c != IDX_NONE;
	     c = index_next_sibling(d->idx, c))
		d->ids[n++] = c;
	d->count = n;
	d->parent_ino = d->id == IDX_ROOT ? fs_st_ino(0, FS_INO_SESSIONS) :
			fs_st_ino((uint64_t)fs_ino_session(d->ino) + 1,
				  index_ino(d->idx, parent) ?
				  index_ino(d->idx, parent) :
				  (uint64_t)parent + 1 + (1ULL << 32));
	return 0;
}

/* Take the listing (offset 0). */
static int list(struct burnfs *b, struct fs_dir *d)
{
	struct disc_facts f;
	uint64_t p;
	int ret;

	switch (fs_kind(d->ino)) {
	case K_STAGE:
		stage_list_free(b->stage, d->list);
		d->list = NULL;
		ret = stage_node_list(b->stage, fs_stage_node(d->ino), &d->list);
		if (ret)
			return ret;
		d->count = stage_list_count(d->list);
		p = stage_list_parent_ino(d->list);
		d->parent_ino = p ? fs_st_ino(1, p) : fs_st_ino(0, FUSE_ROOT_ID);
		return 0;
	case K_SESSION:
		return list_session(d);
	default:
		d->parent_ino = fs_st_ino(0, FUSE_ROOT_ID);
		if (d->ino == FUSE_ROOT_ID) {
			d->count = fs_virtual_count();
			return 0;
		}
		disc_get_facts(b->disc, &f);
		d->count = (size_t)f.sessions;
		return 0;
	}
}

static const char *entry_name(struct fs_dir *d, size_t i, char nbuf[24])
{
	switch (fs_kind(d->ino)) {
	case K_STAGE:
		return stage_list_name(d->list, i);
	case K_SESSION:
		return index_name(d->idx, d->ids[i]);
	default:
		if (d->ino == FS_INO_SESSIONS) {
			snprintf(nbuf, 24, "%zu", i + 1);
			return nbuf;
		}
		return fs_virtual_name(i);
	}
}

/* sessions/N: its attributes when its index is in memory; else only its
 * number (an index's root has none of its own) and no attributes for the
 * kernel to keep. Never loaded here, readdirplus included: the kernel asks
 * for plus at the start of every listing, and the daemon keeps only a few
 * sessions, so `ls sessions/` would read every session each time. */
static int session_top(struct burnfs *b, size_t i, struct fuse_entry_param *e)
{
	int n = (int)i + 1;
	struct index *idx;
	int ret = disc_session_index_cached(b->disc, n, &idx);

	if (!ret) {
		fs_session_entry(idx, fs_sessions_epoch(b), n, IDX_ROOT, e);
		index_unref(idx);
		return 0;
	}
	memset(e, 0, sizeof(*e));
	e->attr.st_mode = S_IFDIR;
	e->attr.st_ino = fs_st_ino((uint64_t)n + 1, 1 + (1ULL << 32));
	return 0;
}

/* Entry i's attributes; with plus, a lookup counted as for LOOKUP. */
static int entry_param(struct burnfs *b, struct fs_dir *d, size_t i,
		       bool plus, struct fuse_entry_param *e)
{
	struct stage_entry se;
	const char *name;
	int ret;

	switch (fs_kind(d->ino)) {
	case K_STAGE:
		ret = stage_list_entry(b->stage, d->list, i, plus, &se);
		return ret ? ret : fs_stage_entry(b, &se, e);
	case K_SESSION:
		fs_session_entry(d->idx, fs_ino_epoch(d->ino),
				 fs_ino_session(d->ino), d->ids[i], e);
		return 0;
	default:
		if (d->ino == FS_INO_SESSIONS)
			return session_top(b, i, e);
		return fs_virtual_row(b, i, plus, &name, e);
	}
}

/* Add entry k (0 ".", 1 "..") to buf; 0 when it does not fit, -errno
 * to skip it, else its size. */
static ssize_t add_entry(fuse_req_t req, struct fs_dir *d, size_t k,
			 char *buf, size_t room, bool plus)
{
	struct fuse_entry_param e = { 0 };
	char nbuf[24];
	const char *name = k == 0 ? "." : k == 1 ? ".." :
			   entry_name(d, k - 2, nbuf);
	size_t need;
	int ret = 0;

	if (!name)
		return -ENOENT;
	need = plus ? fuse_add_direntry_plus(req, NULL, 0, name, NULL, 0)
		    : fuse_add_direntry(req, NULL, 0, name, NULL, 0);
	if (need > room)
		return 0;
	if (k < 2) {
		e.attr.st_mode = S_IFDIR;
		e.attr.st_ino = k ? d->parent_ino : d->self_ino;
	} else {
		ret = entry_param(fs_of(req), d, k - 2, plus, &e);
	}
	if (ret)
		return ret;
	if (plus)
		return (ssize_t)fuse_add_direntry_plus(req, buf, room, name, &e,
						       (off_t)k + 1);
	return (ssize_t)fuse_add_direntry(req, buf, room, name, &e.attr,
					  (off_t)k + 1);
}

void fs_dir_read(fuse_req_t req, struct fs_handle *h, size_t size, off_t off,
		 bool plus)
{
	struct fs_dir *d = h->dir;
	char *buf = malloc(size ? size : 1);
	size_t used = 0;
	ssize_t n;
	int ret = buf ? 0 : -ENOMEM;

	if (!ret && off == 0)
		ret = list(fs_of(req), d);
	for (size_t k = (size_t)off; !ret && k < d->count + 2; k++) {
		n = add_entry(req, d, k, buf + used, size - used, plus);
		if (n == 0)
			break;
		if (n > 0)
			used += (size_t)n;
	}
	if (ret)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_buf(req, buf, used);
	free(buf);
}
