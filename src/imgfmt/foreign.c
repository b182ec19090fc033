/* foreign.c — files a snapshot restores from older sessions or copies from
 * the disc (stage/share.c). libisofs writes a file's data anew unless the
 * node was imported from the medium, and it offers no way to point a new
 * node at old extents. So each session such files come from is loaded as
 * a tree of its own, and a file's imported node is moved into the tree
 * being written: libisofs then reuses its extents. Its MD5 and Rock Ridge
 * inode number are replaced on the way (foreign_xinfo.c).
 *
 * An entry the snapshot makes several files of (cp of one disc file five
 * times) needs as many nodes. A second load of the session per file would
 * cost the whole tree each time (hundreds of MiB on a big disc), so the
 * imported node is kept hidden instead, in a folder of the new tree that
 * no directory shows, and each file is a clone of it. libisofs gives
 * nodes whose streams read the same extents of the loaded image one file
 * source, made for the node it meets first; a clone met first would have
 * its data written anew, read from the very drive being written. The
 * hidden folder is named "\1", which sorts before every other name of the
 * root, so its node is met first. Where the root holds that name, or an
 * entry is not a plain image file (plain_image_file: zisofs files are
 * not), the session is loaded once per file of that entry instead. */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

#include "imgfmt/imgfmt_priv.h"
#include "imgfmt/foreign.h"
#include "imgfmt/keymap.h"
#include "burnfs/disc.h"
#include "burnfs/grow.h"
#include "burnfs/index.h"
#include "burnfs/log.h"
#include "burnfs/stage.h"

#define HIDDEN_NAME "\1"
#define HIDE_ALL (LIBISO_HIDE_ON_RR | LIBISO_HIDE_ON_JOLIET | \
		  LIBISO_HIDE_ON_1999 | LIBISO_HIDE_ON_HFSPLUS | \
		  LIBISO_HIDE_ON_FAT | LIBISO_HIDE_BUT_WRITE)

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
		rc = imgfmt_foreign_learn(img, em);
	if (rc) {
		if (img)
			iso_image_unref(img);
		free(m.by_id);
		return rc < 0 ? rc : -EIO;
	}
	f = &fs->v[fs->n++];
	*f = (struct imgfmt_foreign){ idx, img, m.by_id, m.n };
	blog_info("commit: session %d loaded for the files taken from it", session);
	return 0;
}

static struct imgfmt_source *source_of(struct imgfmt_foreigns *fs,
				       const struct index *idx)
{
	for (size_t i = 0; i < fs->n_src; i++)
		if (fs->src[i].idx == idx)
			return &fs->src[i];
	return NULL;
}

static struct imgfmt_source *add_source(struct imgfmt_foreigns *fs,
					const struct index *idx)
{
	struct imgfmt_source *s = source_of(fs, idx);
	uint32_t *uses;

	if (s)
		return s;
	if (GROW(&fs->src, &fs->cap_src, fs->n_src + 1, 4) ||
	    !(uses = calloc((size_t)index_count(idx) + 1, sizeof(*uses))))
		return NULL;
	fs->src[fs->n_src] = (struct imgfmt_source){ .idx = idx, .uses = uses };
	return &fs->src[fs->n_src++];
}

/* Whether entry id of idx is a file stored zisofs-compressed. */
static bool compressed(const struct index *idx, uint32_t id)
{
	struct idx_node view;

	return id < index_count(idx) && !index_get(idx, id, &view) &&
	       S_ISREG(view.mode) && view.zisofs;
}

/* The names of sn's file that no node of the tree being written has: all
 * but the first of a restored or copied file; of an unchanged disc file,
 * those beyond the names it has on the disc (apply reuses those nodes,
 * whichever names they had). */
static uint32_t names_without_node(const struct index *idx, uint32_t id,
				   const struct snap_node *sn)
{
	uint32_t on_disc = sn->rsrc ? 1 : index_nlink(idx, id);

	return sn->nlink > on_disc ? sn->nlink - on_disc : 0;
}

/* Count the files the snapshot makes of each entry (names of one file,
 * hard links, count once: seen by key), and the further names of
 * compressed disc files, restored, copied or unchanged: libisofs cannot
 * write a clone of such a node with its ZF field, so each name takes a
 * node of its own from a load of the session (imgfmt_foreign_take_twin). */
static int count_node(struct imgfmt_foreigns *fs, struct imgfmt_keymap *seen,
		      const struct snap_node *sn)
{
	const struct index *idx = sn->rsrc ? sn->rsrc : fs->lower;
	uint32_t id = sn->rsrc ? sn->rid : sn->origin, extra = 0;
	struct imgfmt_source *s;

	if (!S_ISREG(sn->mode) || !idx || imgfmt_keymap_get(seen, sn->key))
		return 0;
	if (sn->nlink > 1 && !sn->data_changed && compressed(idx, id))
		extra = names_without_node(idx, id, sn);
	if (!sn->rsrc && !extra)
		return 0;
	if (imgfmt_keymap_put(seen, sn->key, (void *)sn) ||
	    !(s = add_source(fs, idx)))
		return -ENOMEM;
	if (id >= index_count(idx))
		return 0;
	if (extra && !s->twins &&
	    !(s->twins = calloc((size_t)index_count(idx) + 1, sizeof(*s->twins))))
		return -ENOMEM;
	s->uses[id] += sn->rsrc ? 1 : 0;
	if (extra)
		s->twins[id] += extra;
	return 0;
}

static int count_tree(struct imgfmt_foreigns *fs, struct imgfmt_keymap *seen,
		      const struct snap_node *sn)
{
	int rc = count_node(fs, seen, sn);

	for (uint32_t i = 0; i < sn->n_children && !rc; i++)
		rc = count_tree(fs, seen, sn->children[i]);
	return rc;
}

/* Whether the hidden folder's name is free in the tree to be written:
 * neither the snapshot's root nor the newest session's has it. */
static bool hidden_name_free(const struct index *lower,
			     const struct stage_snapshot *snap)
{
	const struct snap_node *root = snap->root;
	bool used = lower && index_lookup(lower, IDX_ROOT, HIDDEN_NAME) >= 0;

	for (uint32_t i = 0; i < root->n_children && !used; i++)
		used = strcmp(root->children[i]->name, HIDDEN_NAME) == 0;
	return !used;
}

/* A file whose stream reads the loaded image directly: the streams that
 * libisofs compares by their extents. Not a zisofs file's, which the
 * loader filters: libisofs 1.5.4 compares filtered streams otherwise, and
 * its clone of the unfiltered one loses the compression algorithm, so the
 * ZF field would be written with none. */
static bool plain_image_file(IsoNode *n)
{
	IsoStream *st;

	if (!n || iso_node_get_type(n) != LIBISO_FILE)
		return false;
	st = iso_file_get_stream((IsoFile *)n);
	return st && !iso_stream_get_input_stream(st, 0) &&
	       memcmp(st->class->type, "fsrc", 4) == 0;
}

/* After the first load of s (fs->v[fs->n - 1]): which of its entries
 * used more than once may be cloned, and the loads the others take. */
static int plan_clones(struct imgfmt_foreigns *fs, struct imgfmt_source *s,
		       bool name_free)
{
	const struct imgfmt_foreign *f = &fs->v[fs->n - 1];

	s->loads = 1;
	for (uint32_t id = 0; id < f->n; id++) {
		uint32_t need = s->uses[id] + (s->twins ? s->twins[id] : 0);

		if (need < 2)
			continue;
		if (name_free && need == s->uses[id] &&
		    plain_image_file(f->by_id[id])) {
			if (!s->clone &&
			    (!(s->clone = calloc(f->n + 1, 1)) ||
			     !(s->held = calloc(f->n + 1, sizeof(*s->held)))))
				return -ENOMEM;
			s->clone[id] = 1;
		} else if (need > s->loads) {
			s->loads = need;
		}
	}
	return 0;
}

int imgfmt_foreign_load(struct disc *d, const struct stage_snapshot *snap,
			struct imgfmt_foreigns *fs, struct errmsg *em)
{
	struct imgfmt_keymap seen = { 0 };
	bool name_free;
	int rc;

	memset(fs, 0, sizeof(*fs));
	fs->lower = disc_lower(d);
	name_free = hidden_name_free(fs->lower, snap);
	rc = count_tree(fs, &seen, snap->root);
	imgfmt_keymap_free(&seen);
	if (rc)
		return errmsg_set(em, rc, "out of memory planning restored files");
	for (size_t i = 0; i < fs->n_src && !rc; i++) {
		struct imgfmt_source *s = &fs->src[i];

		rc = load_one(d, fs, s->idx, em);
		if (!rc && plan_clones(fs, s, name_free))
			rc = errmsg_set(em, -ENOMEM, "out of memory planning copies");
		for (uint32_t k = 1; k < s->loads && !rc; k++)
			rc = load_one(d, fs, s->idx, em);
	}
	return rc;
}

void imgfmt_foreign_free(struct imgfmt_foreigns *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		iso_image_unref(fs->v[i].img);
		free(fs->v[i].by_id);
	}
	/* held nodes belong to the tree written, freed with it */
	for (size_t i = 0; i < fs->n_src; i++) {
		free(fs->src[i].uses);
		free(fs->src[i].twins);
		free(fs->src[i].clone);
		free(fs->src[i].held);
	}
	free(fs->v);
	free(fs->src);
	index_unref(fs->lower);
	memset(fs, 0, sizeof(*fs));
}

/* Node id of session idx, moved out of a load of it, with its MD5 and
 * inode number ino. */
static int take_moved(struct imgfmt_foreigns *fs, const struct index *idx,
		      uint32_t id, const char *name, uint64_t ino, IsoNode **out,
		      struct errmsg *em)
{
	struct imgfmt_foreign *f = find_free(fs, idx, id);
	IsoNode *n;
	int ret;

	if (!f || !(n = f->by_id[id]) || iso_node_get_type(n) != LIBISO_FILE)
		return errmsg_set(em, -EIO, "the restored file %s is not in its session",
				  name);
	ret = iso_node_take(n);
	if (ret < 0)
		return errmsg_set(em, -EIO, "cannot take the restored file %s: %s",
				  name, iso_error_to_msg(ret));
	f->by_id[id] = NULL;
	ret = imgfmt_foreign_carry_md5(f->img, n);
	if (!ret)
		ret = imgfmt_foreign_set_ino(n, ino);
	if (ret) {
		iso_node_unref(n);
		return errmsg_set(em, ret, "cannot prepare the restored file %s",
				  name);
	}
	*out = n;
	return 0;
}

uint64_t imgfmt_foreign_fresh_ino(struct imgfmt_foreigns *fs)
{
	return (1ULL << 32) + ++fs->serial;
}

/* The hidden folder, the first child of img's root. */
static int hidden_dir(struct imgfmt_foreigns *fs, IsoImage *img,
		      struct errmsg *em)
{
	IsoDir *root = iso_image_get_root(img);
	IsoDirIter *it = NULL;
	IsoNode *first = NULL;
	int ret;

	if (fs->hidden)
		return 0;
	ret = iso_image_add_new_dir(img, root, HIDDEN_NAME, &fs->hidden);
	if (ret < 0)
		return errmsg_set(em, -EIO, "cannot make the folder of shared files: %s",
				  iso_error_to_msg(ret));
	iso_node_set_hidden((IsoNode *)fs->hidden, HIDE_ALL);
	if (iso_dir_get_children(root, &it) == 1)
		iso_dir_iter_next(it, &first);
	if (it)
		iso_dir_iter_free(it);
	if (first != (IsoNode *)fs->hidden)
		return errmsg_set(em, -EIO, "the folder of shared files is not the "
				  "root's first entry");
	return 0;
}

/* A name for the hidden folder that sorts before every one given so far:
 * libisofs keeps a folder's children in name order and looks for a new
 * one's place from the start, so each insertion is at the head, not a
 * walk (a cp -a of a big folder twice holds one node per file). */
static void hidden_name(struct imgfmt_foreigns *fs, char *name, size_t size)
{
	snprintf(name, size, "%016llx", ~(unsigned long long)++fs->serial);
}

/* A file of its own whose stream reads held's extents. */
static int clone_of(struct imgfmt_foreigns *fs, IsoImage *img, IsoNode *held,
		    IsoNode **out)
{
	IsoStream *st = NULL;
	IsoFile *f = NULL;
	char name[32];
	int ret = iso_stream_clone(iso_file_get_stream((IsoFile *)held), &st, 0);

	if (ret < 0)
		return -EIO;
	hidden_name(fs, name, sizeof(name));
	ret = iso_image_add_new_file(img, fs->hidden, name, st, &f);
	if (ret < 0) {
		iso_stream_unref(st);
		return imgfmt_iso_errno(ret);
	}
	/* made in the hidden folder, it took that folder's hiding */
	iso_node_take((IsoNode *)f);
	iso_node_set_hidden((IsoNode *)f, 0);
	ret = imgfmt_foreign_set_ino((IsoNode *)f, imgfmt_foreign_fresh_ino(fs));
	if (ret) {
		iso_node_unref((IsoNode *)f);
		return ret;
	}
	*out = (IsoNode *)f;
	return 0;
}

/* sn's entry moved into the hidden folder, where the clones of it are
 * made (take_clone). */
static int hold(struct imgfmt_foreigns *fs, IsoImage *img,
		const struct imgfmt_source *s, const struct snap_node *sn,
		IsoNode **held, struct errmsg *em)
{
	char name[32];
	IsoNode *n;
	int ret = hidden_dir(fs, img, em);

	if (!ret)
		ret = take_moved(fs, s->idx, sn->rid, sn->name,
				 imgfmt_foreign_fresh_ino(fs), &n, em);
	if (ret)
		return ret;
	iso_node_set_hidden(n, HIDE_ALL);
	hidden_name(fs, name, sizeof(name));
	ret = iso_image_set_node_name(img, n, name, 0);
	if (ret >= 0)
		ret = iso_dir_add_node(fs->hidden, n, ISO_REPLACE_NEVER);
	if (ret < 0) {
		iso_node_unref(n);
		return errmsg_set(em, -EIO, "cannot hold the shared file %s: %s",
				  sn->name, iso_error_to_msg(ret));
	}
	*held = n;
	return 0;
}

static int take_clone(struct imgfmt_foreigns *fs, IsoImage *img,
		      struct imgfmt_source *s, const struct snap_node *sn,
		      IsoNode **out, struct errmsg *em)
{
	IsoNode **held = &s->held[sn->rid];
	int ret = *held ? 0 : hold(fs, img, s, sn, held, em);

	if (ret)
		return ret;
	ret = clone_of(fs, img, *held, out);
	if (ret)
		return errmsg_set(em, ret, "cannot make the copy %s", sn->name);
	return 0;
}

int imgfmt_foreign_take(struct imgfmt_foreigns *fs, IsoImage *img,
			const struct snap_node *sn, IsoNode **out,
			struct errmsg *em)
{
	struct imgfmt_source *s = source_of(fs, sn->rsrc);

	*out = NULL;
	if (s && s->clone && sn->rid < index_count(s->idx) && s->clone[sn->rid])
		return take_clone(fs, img, s, sn, out, em);
	return take_moved(fs, sn->rsrc, sn->rid, sn->name,
			  imgfmt_foreign_fresh_ino(fs), out, em);
}

bool imgfmt_foreign_needs_twin(IsoNode *first)
{
	IsoStream *st;

	if (iso_node_get_type(first) != LIBISO_FILE)
		return false;
	st = iso_file_get_stream((IsoFile *)first);
	return st && iso_stream_get_input_stream(st, 0) &&
	       memcmp(st->class->type, "osiz", 4) == 0;
}

int imgfmt_foreign_take_twin(struct imgfmt_foreigns *fs,
			     const struct snap_node *sn, IsoNode *first,
			     IsoNode **out, struct errmsg *em)
{
	const struct index *idx = sn->rsrc ? sn->rsrc : fs->lower;
	uint32_t id = sn->rsrc ? sn->rid : sn->origin;
	uint64_t ino;

	*out = NULL;
	if (!idx || imgfmt_foreign_get_ino(first, &ino))
		return errmsg_set(em, -EIO, "the compressed file %s has no inode "
				  "number to share", sn->name);
	return take_moved(fs, idx, id, sn->name, ino, out, em);
}
