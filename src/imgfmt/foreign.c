/* foreign.c — files a snapshot restores from older sessions. libisofs
 * writes a file's data anew unless the node was imported from the medium,
 * and it offers no way to point a new node at old extents. So each session
 * a snapshot restores from is loaded as a tree of its own, and the restored
 * file's imported node is moved into the tree being written: libisofs then
 * reuses its extents. Two things such a node carries would be wrong in
 * the new session and are replaced:
 * - its MD5 reference (isofs.cx) indexes the MD5 array of its own session,
 *   but libisofs looks it up in the newest one: the MD5 libisofs read for
 *   it is attached instead, as the node's own MD5;
 * - its Rock Ridge inode number may equal one of the newest session's
 *   files: it gets a number above 32 bits, which libisofs replaces by a
 *   fresh one of the new session's when it writes.
 * Neither the MD5 nor the inode attachment is exported by libisofs 1.5.4:
 * both are learned once from nodes it made itself, and checked.
 *
 * A file restored (or copied, stage/share.c) twice needs a second node:
 * a clone would not do, libisofs writes a clone's data anew (only nodes
 * it imported keep their extents), reading it from the very drive it is
 * writing to. So a session is loaded as many times as its most used file
 * is placed as distinct files; each copy of the tree gives one node. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "imgfmt/imgfmt_priv.h"
#include "imgfmt/foreign.h"
#include "imgfmt/keymap.h"
#include "burnfs/grow.h"
#include "burnfs/index.h"
#include "burnfs/stage.h"

static iso_node_xinfo_func md5_proc, ino_proc;

/* The attachment libisofs stores a file's MD5 under: found on a file
 * whose MD5 it computed (the empty file's), then checked to be what
 * iso_file_get_md5 reports. */
static int learn_md5_proc(void)
{
	static const char empty[16] = "\xd4\x1d\x8c\xd9\x8f\x00\xb2\x04"
				      "\xe9\x80\x09\x98\xec\xf8\x42\x7e";
	IsoImage *img = NULL;
	IsoStream *s = NULL;
	IsoFile *f = NULL;
	iso_node_xinfo_func p;
	char got[16], *val;
	void *h = NULL, *d;
	int ret = -ENOTSUP;

	if (iso_image_new("t", &img) < 0)
		return -ENOMEM;
	if (iso_memory_stream_new(calloc(1, 1), 0, &s) < 0 ||
	    iso_image_add_new_file(img, iso_image_get_root(img), "x", s, &f) < 0 ||
	    iso_file_make_md5(f, 0) < 0)
		goto out;
	while (iso_node_get_next_xinfo((IsoNode *)f, &h, &p, &d) == 1)
		if (memcmp(d, empty, 16) == 0)
			md5_proc = p;
	iso_node_get_next_xinfo((IsoNode *)f, &h, NULL, NULL);
	if (!md5_proc || !(val = malloc(16)))
		goto out;
	memset(val, 0x5a, 16);
	iso_node_remove_xinfo((IsoNode *)f, md5_proc);
	if (iso_node_add_xinfo((IsoNode *)f, md5_proc, val) < 0) {
		free(val);
		goto out;
	}
	if (iso_file_get_md5(img, f, got, 0) == 1 && memcmp(got, val, 16) == 0)
		ret = 0;
out:
	if (ret)
		md5_proc = NULL;
	iso_image_unref(img);
	return ret;
}

static int set_ino(IsoNode *n, uint64_t ino)
{
	ino_t *d = malloc(sizeof(*d));

	if (!d)
		return -ENOMEM;
	*d = (ino_t)ino;
	iso_node_remove_xinfo(n, ino_proc);
	if (iso_node_add_xinfo(n, ino_proc, d) < 0) {
		free(d);
		return -EIO;
	}
	return 0;
}

static IsoNode *scratch_file(IsoImage *img, const char *name)
{
	IsoStream *s = NULL;
	IsoFile *f = NULL;

	if (iso_memory_stream_new(calloc(1, 1), 0, &s) < 0)
		return NULL;
	if (iso_image_add_new_file(img, iso_image_get_root(img), name, s, &f) < 0)
		return NULL;
	iso_node_set_mtime((IsoNode *)f, 1);
	iso_node_set_atime((IsoNode *)f, 1);
	iso_node_set_ctime((IsoNode *)f, 1);
	return (IsoNode *)f;
}

/* The attachment an imported node's inode number is kept in: the one on
 * an imported root that is not the attribute list's; checked by two
 * scratch files that must be one file with equal numbers only. */
static int learn_ino_proc(IsoImage *imported)
{
	IsoNode *root = (IsoNode *)iso_image_get_root(imported), *a, *b;
	iso_node_xinfo_func p;
	IsoImage *img = NULL;
	void *h = NULL, *d;
	int ret = -ENOTSUP;

	while (iso_node_get_next_xinfo(root, &h, &p, &d) == 1)
		if (p != aaip_xinfo_func)
			ino_proc = p;
	if (!ino_proc || iso_image_new("t", &img) < 0)
		goto out;
	a = scratch_file(img, "a");
	b = scratch_file(img, "b");
	if (a && b && !set_ino(a, 7) && !set_ino(b, 7) &&
	    iso_node_cmp_ino(a, b, 0) == 0 && !set_ino(b, 8) &&
	    iso_node_cmp_ino(a, b, 0) != 0)
		ret = 0;
out:
	if (ret)
		ino_proc = NULL;
	if (img)
		iso_image_unref(img);
	return ret;
}

static int learn(struct imgfmt_foreigns *fs, IsoImage *imported,
		 struct errmsg *em)
{
	if (!md5_proc && learn_md5_proc() < 0)
		return errmsg_set(em, -ENOTSUP, "this libisofs keeps MD5 sums in a way "
				  "burnfs does not know: restored files cannot be written");
	if (!ino_proc && learn_ino_proc(imported) < 0)
		return errmsg_set(em, -ENOTSUP, "this libisofs keeps inode numbers in a "
				  "way burnfs does not know: restored files cannot be written");
	(void)fs;
	return 0;
}

/* A loaded copy of session idx whose node `id` is not taken yet. */
static struct imgfmt_foreign *find_free(struct imgfmt_foreigns *fs,
					const struct index *idx, uint32_t id)
{
	for (size_t i = 0; i < fs->n; i++)
		if (fs->v[i].idx == idx && id < fs->v[i].n &&
		    fs->v[i].by_id[id])
			return &fs->v[i];
	return NULL;
}

/* Load the session idx was built from and map its ids to its nodes. */
static int load_one(struct disc *d, struct imgfmt_foreigns *fs,
		    const struct index *idx, struct errmsg *em)
{
	struct imgfmt_foreign *f;
	struct imgfmt_id_map m = { 0 };
	IsoImage *img = NULL;
	int session = index_info(idx)->session, rc;
	void *t = realloc(fs->v, (fs->n + 1) * sizeof(*fs->v));

	if (!t)
		return errmsg_set(em, -ENOMEM, "out of memory loading session %d", session);
	fs->v = t;
	rc = imgfmt_load_image_locked(d, session, &img, em);
	if (!rc)
		rc = imgfmt_walk_image(img, imgfmt_collect_node, &m);
	if (!rc && m.n != index_count(idx))
		rc = errmsg_set(em, -ESTALE, "session %d is not what was restored "
				"from (%u entries, %u expected)", session, m.n,
				index_count(idx));
	if (!rc)
		rc = learn(fs, img, em);
	if (rc) {
		if (img)
			iso_image_unref(img);
		free(m.by_id);
		return rc < 0 ? rc : -EIO;
	}
	f = &fs->v[fs->n++];
	*f = (struct imgfmt_foreign){ idx, img, m.by_id, m.n };
	return 0;
}

/* How many nodes of each entry of a session the snapshot places. */
struct need {
	const struct index *idx;
	uint32_t *uses;     /* by index id */
	uint32_t most;      /* the most of them: the loads it takes */
};

struct needs {
	struct need *v;
	size_t n, cap;
	struct imgfmt_keymap seen;  /* nodes counted (hard links: once) */
};

static struct need *need_of(struct needs *ns, const struct index *idx)
{
	uint32_t *uses;

	for (size_t i = 0; i < ns->n; i++)
		if (ns->v[i].idx == idx)
			return &ns->v[i];
	if (GROW(&ns->v, &ns->cap, ns->n + 1, 4) ||
	    !(uses = calloc((size_t)index_count(idx) + 1, sizeof(*uses))))
		return NULL;
	ns->v[ns->n] = (struct need){ idx, uses, 0 };
	return &ns->v[ns->n++];
}

static int count_tree(struct needs *ns, const struct snap_node *sn)
{
	struct need *nd;
	int rc = 0;

	if (sn->rsrc && !imgfmt_keymap_get(&ns->seen, sn->key)) {
		if (!(nd = need_of(ns, sn->rsrc)) ||
		    imgfmt_keymap_put(&ns->seen, sn->key, (void *)sn))
			return -ENOMEM;
		if (sn->rid < index_count(sn->rsrc) &&
		    ++nd->uses[sn->rid] > nd->most)
			nd->most = nd->uses[sn->rid];
	}
	for (uint32_t i = 0; i < sn->n_children && !rc; i++)
		rc = count_tree(ns, sn->children[i]);
	return rc;
}

int imgfmt_foreign_load(struct disc *d, const struct stage_snapshot *snap,
			struct imgfmt_foreigns *fs, struct errmsg *em)
{
	struct needs ns = { 0 };
	int rc = count_tree(&ns, snap->root);

	memset(fs, 0, sizeof(*fs));
	if (rc)
		errmsg_set(em, rc, "out of memory planning restored files");
	for (size_t i = 0; i < ns.n && !rc; i++)
		for (uint32_t k = 0; k < ns.v[i].most && !rc; k++)
			rc = load_one(d, fs, ns.v[i].idx, em);
	for (size_t i = 0; i < ns.n; i++)
		free(ns.v[i].uses);
	free(ns.v);
	imgfmt_keymap_free(&ns.seen);
	return rc;
}

void imgfmt_foreign_free(struct imgfmt_foreigns *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		iso_image_unref(fs->v[i].img);
		free(fs->v[i].by_id);
	}
	free(fs->v);
	memset(fs, 0, sizeof(*fs));
}

/* Its own session's MD5 as its own, and no reference into that
 * session's MD5 array. */
static int carry_md5(IsoImage *from, IsoNode *n)
{
	char *names[1] = { "isofs.cx" }, *vals[1] = { "" }, md5[16], *own;
	size_t lens[1] = { 0 };
	int have = iso_file_get_md5(from, (IsoFile *)n, md5, 0);

	if (iso_node_set_attrs(n, 1, names, lens, vals, 4 | 8) < 0)
		return -EIO;
	if (have != 1)
		return 0;
	own = malloc(16);
	if (!own)
		return -ENOMEM;
	memcpy(own, md5, 16);
	iso_node_remove_xinfo(n, md5_proc);
	if (iso_node_add_xinfo(n, md5_proc, own) < 0) {
		free(own);
		return -EIO;
	}
	return 0;
}

int imgfmt_foreign_take(struct imgfmt_foreigns *fs, const struct snap_node *sn,
			IsoNode **out, struct errmsg *em)
{
	struct imgfmt_foreign *f = find_free(fs, sn->rsrc, sn->rid);
	IsoNode *n;
	int ret;

	*out = NULL;
	if (!f || !(n = f->by_id[sn->rid]) || iso_node_get_type(n) != LIBISO_FILE)
		return errmsg_set(em, -EIO, "the restored file %s is not in its session",
				  sn->name);
	ret = iso_node_take(n);
	if (ret < 0)
		return errmsg_set(em, -EIO, "cannot take the restored file %s: %s",
				  sn->name, iso_error_to_msg(ret));
	f->by_id[sn->rid] = NULL;
	ret = carry_md5(f->img, n);
	if (!ret)
		ret = set_ino(n, (1ULL << 32) + ++fs->serial);
	if (ret) {
		iso_node_unref(n);
		return errmsg_set(em, ret, "cannot prepare the restored file %s",
				  sn->name);
	}
	*out = n;
	return 0;
}
