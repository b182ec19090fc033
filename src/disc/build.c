/* build.c — copy a loaded libisofs tree into burnfs's own index, so that
 * lookups and reads never touch libisofs again. */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "burnfs/log.h"
#include "disc/disc_int.h"

/* What one node lends to its index template until index_add copied it. */
struct node_tmp {
	struct iso_file_section *secs;
	struct idx_extent *ext;
	struct idx_xattr *xa;
	size_t n_attrs;
	char **names, **vals;
	size_t *lens;
};

static void node_tmp_free(struct node_tmp *t)
{
	free(t->secs);
	free(t->ext);
	free(t->xa);
	if (t->names)
		iso_node_get_attrs(NULL, &t->n_attrs, &t->names, &t->lens,
				   &t->vals, 1 << 15);
	memset(t, 0, sizeof(*t));
}

static int xattr_cmp(const void *a, const void *b)
{
	return strcmp(((const struct idx_xattr *)a)->name,
		      ((const struct idx_xattr *)b)->name);
}

/* user.* only: isofs.* are libisofs's own, and the closed marker on the
 * root is burnfs's, not the user's. Anywhere else the index holds a node's
 * every user.* xattr, so a commit can tell from it whether a node's xattrs
 * change. */
static int copy_xattrs(IsoNode *n, bool root, struct idx_node *tmpl,
		       struct node_tmp *t)
{
	size_t i, k = 0;
	int r;

	r = iso_node_get_attrs(n, &t->n_attrs, &t->names, &t->lens, &t->vals,
			       0);
	if (r < 0)
		return disc_iso_errno(r);
	if (t->n_attrs == 0)
		return 0;
	t->xa = calloc(t->n_attrs, sizeof(*t->xa));
	if (!t->xa)
		return -ENOMEM;
	for (i = 0; i < t->n_attrs; i++) {
		if (strncmp(t->names[i], "user.", 5) != 0 ||
		    (root && strcmp(t->names[i], DISC_CLOSED_XATTR) == 0))
			continue;
		t->xa[k].name = t->names[i];
		t->xa[k].value = t->vals[i];
		t->xa[k].len = t->lens[i];
		k++;
	}
	qsort(t->xa, k, sizeof(*t->xa), xattr_cmp);
	tmpl->n_xattrs = k;
	tmpl->xattrs = t->xa;
	return 0;
}

/* Data extents (absolute blocks) and the Rock Ridge PX inode of a file. */
static int copy_file(IsoFile *f, struct idx_node *tmpl, struct node_tmp *t)
{
	unsigned int fs_id;
	dev_t dev_id;
	ino_t ino;
	int i, n = 0, r;

	tmpl->size = iso_file_get_size(f);
	iso_stream_get_id(iso_file_get_stream(f), &fs_id, &dev_id, &ino);
	tmpl->ino = ino;
	r = iso_file_get_old_image_sections(f, &n, &t->secs, 0);
	if (r < 0)
		return disc_iso_errno(r);
	if (r == 0 || n <= 0)
		return 0;
	t->ext = calloc(n, sizeof(*t->ext));
	if (!t->ext)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		t->ext[i].block = t->secs[i].block;
		t->ext[i].size = t->secs[i].size;
	}
	tmpl->n_extents = n;
	tmpl->extents = t->ext;
	return 0;
}

static int node_to_tmpl(IsoNode *n, bool root, struct idx_node *tmpl,
			struct node_tmp *t)
{
	int r;

	memset(tmpl, 0, sizeof(*tmpl));
	tmpl->name = iso_node_get_name(n);
	if (!tmpl->name)
		tmpl->name = "";
	tmpl->mode = iso_node_get_mode(n);
	tmpl->uid = iso_node_get_uid(n);
	tmpl->gid = iso_node_get_gid(n);
	tmpl->atime.tv_sec = iso_node_get_atime(n);
	tmpl->mtime.tv_sec = iso_node_get_mtime(n);
	tmpl->ctime.tv_sec = iso_node_get_ctime(n);
	switch (iso_node_get_type(n)) {
	case LIBISO_FILE:
		r = copy_file((IsoFile *)n, tmpl, t);
		if (r < 0)
			return r;
		break;
	case LIBISO_SYMLINK:
		tmpl->link = iso_symlink_get_dest((IsoSymlink *)n);
		tmpl->size = tmpl->link ? strlen(tmpl->link) : 0;
		break;
	case LIBISO_SPECIAL:
		tmpl->rdev = iso_special_get_dev((IsoSpecial *)n);
		break;
	default:
		break;
	}
	return copy_xattrs(n, root, tmpl, t);
}

static int build_visit(void *ctx, uint32_t id, IsoNode *n, uint32_t parent)
{
	struct index *idx = ctx;
	struct idx_node tmpl;
	struct node_tmp t = { 0 };
	int64_t got = 0;
	int r;

	r = node_to_tmpl(n, id == IDX_ROOT, &tmpl, &t);
	if (r < 0)
		goto out;
	if (id == IDX_ROOT)
		index_set_root(idx, &tmpl);
	else
		got = index_add(idx, parent, &tmpl);
	if (got < 0)
		r = (int)got;
	else if ((uint32_t)got != id && id != IDX_ROOT)
		r = -EIO;  /* the walk and the index disagree on ids: a bug */
out:
	node_tmp_free(&t);
	return r;
}

static int new_index(struct disc *d, struct index **out)
{
	struct idx_reader rd;

	disc_reader_init(d, &rd);
	*out = index_new(&rd);
	return *out ? 0 : -ENOMEM;
}

int disc_empty_index(struct disc *d, struct index **out)
{
	struct idx_info info = { 0 };
	int r;

	r = new_index(d, out);
	if (r < 0)
		return r;
	index_set_info(*out, &info);
	r = index_finish(*out);
	if (r < 0) {
		index_unref(*out);
		*out = NULL;
	}
	return r;
}

int disc_build_index_locked(struct disc *d, IsoImage *img, int session,
			    struct index **out)
{
	struct idx_info info = { .session = session };
	const char *vid;
	int r;

	r = new_index(d, out);
	if (r < 0)
		return r;
	if (session > 0)
		disc_toc_session_locked(d, session, &info.start_lba,
					&info.blocks, info.volid);
	vid = iso_image_get_volume_id(img);
	if (!info.volid[0] && vid)
		snprintf(info.volid, sizeof(info.volid), "%s", vid);
	index_set_info(*out, &info);
	r = disc_walk_image(img, build_visit, *out);
	if (r == 0)
		r = index_finish(*out);
	if (r < 0) {
		blog_error("cannot index session %d of %s: %s", session,
			   d->target, strerror(-r));
		index_unref(*out);
		*out = NULL;
	}
	return r;
}
