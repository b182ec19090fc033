/* build.c — copy a loaded libisofs tree into burnfs's own index, so that
 * lookups and reads never touch libisofs again. What the loader could not
 * decode does not stop the copy: an entry is shown without the attribute
 * it lost, or under a safe name, and counted (idx_info.damaged). */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "burnfs/grow.h"
#include "burnfs/log.h"
#include "imgfmt/build_int.h"

struct build {
	struct index *idx;
	uint32_t damaged;      /* see idx_info.damaged */
	struct linkable {      /* symlinks and specials: hard links? */
		IsoNode *node;
		uint32_t id;
	} *links;
	size_t n_links, cap_links;
};

static void node_tmp_free(struct node_tmp *t)
{
	free(t->secs);
	free(t->ext);
	imgfmt_free_attrs(t);
	memset(t, 0, sizeof(*t));
}

/* A name a disc may hold but a folder cannot ("", ".", "..", one with a
 * '/') gets a safe one: its bytes with '/', '%' and the dots of "." and
 * ".." as %XX. Returns name itself when it is safe. */
static const char *safe_name(const char *name, struct node_tmp *t)
{
	bool dots = !strcmp(name, ".") || !strcmp(name, "..");
	char *o = t->safe_name;

	if (name[0] && !dots && !strchr(name, '/'))
		return name;
	if (!name[0])
		return "%00";
	for (; *name; name++) {
		if (*name == '/' || *name == '%' || (dots && *name == '.'))
			o += sprintf(o, "%%%02X", (unsigned char)*name);
		else
			*o++ = *name;
	}
	*o = '\0';
	return t->safe_name;
}

/* The stream libisofs wrote: below an eventual zisofs filter that the
 * loader put on top of a compressed file. */
static IsoStream *stored_stream(IsoFile *f, bool *zisofs)
{
	IsoStream *s = iso_file_get_stream(f), *base;
	uint8_t algo[2], num;
	int type = 0, bsl2;

	*zisofs = iso_stream_get_zisofs_par(s, &type, algo, &num, &bsl2, 0) == 1
		  && type == -1;
	base = iso_stream_get_input_stream(s, 1);
	return base ? base : s;
}

/* Data extents (absolute blocks) and the Rock Ridge PX inode of a file. */
static int copy_file(IsoFile *f, struct idx_node *tmpl, struct node_tmp *t)
{
	unsigned int fs_id;
	dev_t dev_id;
	ino_t ino;
	bool zisofs;
	int i, n = 0, r;

	tmpl->size = iso_file_get_size(f);
	iso_stream_get_id(stored_stream(f, &zisofs), &fs_id, &dev_id, &ino);
	tmpl->ino = ino;
	tmpl->zisofs = zisofs;
	r = iso_file_get_old_image_sections(f, &n, &t->secs, 0);
	if (r < 0)
		return imgfmt_iso_errno(r);
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

/* Symlinks and specials have no public inode getter: they are grouped
 * into hard links after the walk (group_links). */
static int note_linkable(struct build *b, IsoNode *n, uint32_t id)
{
	int r = GROW(&b->links, &b->cap_links, b->n_links + 1, 256);

	if (r)
		return r;
	b->links[b->n_links++] = (struct linkable){ n, id };
	return 0;
}

static int node_to_tmpl(IsoNode *n, bool root, struct idx_node *tmpl,
			struct node_tmp *t, bool *damaged)
{
	const char *name = iso_node_get_name(n);
	int r;

	memset(tmpl, 0, sizeof(*tmpl));
	tmpl->name = root ? "" : safe_name(name ? name : "", t);
	if (tmpl->name != name && !root) {
		blog_warn("an entry named \"%s\" is shown as \"%s\"",
			  name ? name : "", tmpl->name);
		*damaged = true;
	}
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
	return imgfmt_copy_attrs(n, root, tmpl, t, damaged);
}

static int build_visit(void *ctx, uint32_t id, IsoNode *n, uint32_t parent)
{
	struct build *b = ctx;
	struct idx_node tmpl;
	struct node_tmp t = { 0 };
	bool damaged = false;
	int64_t got = 0;
	int r;

	r = node_to_tmpl(n, id == IDX_ROOT, &tmpl, &t, &damaged);
	if (r < 0)
		goto out;
	b->damaged += damaged;
	if (id == IDX_ROOT)
		index_set_root(b->idx, &tmpl);
	else
		got = index_add(b->idx, parent, &tmpl);
	if (got < 0)
		r = (int)got;
	else if ((uint32_t)got != id && id != IDX_ROOT)
		r = -EIO;  /* the walk and the index disagree on ids: a bug */
	else if (id != IDX_ROOT && (iso_node_get_type(n) == LIBISO_SYMLINK ||
				    iso_node_get_type(n) == LIBISO_SPECIAL))
		r = note_linkable(b, n, id);
out:
	node_tmp_free(&t);
	return r;
}

static int cmp_linkable(const void *a, const void *b)
{
	return iso_node_cmp_ino(((const struct linkable *)a)->node,
				((const struct linkable *)b)->node, 0);
}

/* Symlinks and specials that libisofs sees as one inode (the same PX
 * inode, the same attributes) get one inode number in the index, above
 * the 32-bit Rock Ridge numbers of files, so index_finish counts them as
 * hard links. 0 or -ENOMEM. */
static int group_links(struct build *b)
{
	size_t i, j;
	int r = 0;

	if (b->n_links > 1)
		qsort(b->links, b->n_links, sizeof(*b->links), cmp_linkable);
	for (i = 0; i < b->n_links; i = j) {
		for (j = i + 1; j < b->n_links &&
		     iso_node_cmp_ino(b->links[i].node, b->links[j].node, 0) == 0; j++)
			;
		for (size_t k = i; j - i > 1 && k < j && !r; k++)
			r = index_set_ino(b->idx, b->links[k].id,
				(uint64_t)b->links[i].id + 1 + (1ull << 32));
	}
	return r;
}

static int count_visit(void *ctx, uint32_t id, IsoNode *n, uint32_t parent)
{
	(*(uint32_t *)ctx)++;
	return 0;
}

/* An index with room for every node of img: one walk of the tree costs
 * far less than growing a 300,000-node array by doubling and copying. */
static int new_index(struct disc *d, IsoImage *img, struct index **out)
{
	struct idx_reader rd;
	uint32_t count = 0;

	disc_reader_init(d, &rd);
	*out = index_new(&rd);
	if (!*out)
		return -ENOMEM;
	if (imgfmt_walk_image(img, count_visit, &count) == 0 &&
	    index_reserve(*out, count) < 0) {
		index_unref(*out);
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

int imgfmt_build_index_locked(struct disc *d, IsoImage *img, int session,
			      struct index **out)
{
	struct idx_info info = { .session = session };
	struct build b = { 0 };
	const char *vid;
	int r;

	r = new_index(d, img, out);
	if (r < 0)
		return r;
	b.idx = *out;
	if (session > 0)
		disc_toc_session_locked(d, session, &info.start_lba,
					&info.blocks, info.volid);
	vid = iso_image_get_volume_id(img);
	if (!info.volid[0] && vid)
		snprintf(info.volid, sizeof(info.volid), "%s", vid);
	r = imgfmt_walk_image(img, build_visit, &b);
	if (r == 0)
		r = group_links(&b);
	free(b.links);
	/* Entries the loader dropped (logged as it dropped them). */
	info.damaged = b.damaged + disc_take_dropped();
	index_set_info(*out, &info);
	if (r == 0)
		r = index_finish(*out);
	if (r < 0) {
		blog_error("cannot index session %d of %s: %s", session,
			   disc_target(d), strerror(-r));
		index_unref(*out);
		*out = NULL;
	}
	return r;
}
