/* apply.c — make a loaded IsoImage's tree equal a stage snapshot, writing
 * only what changed. Every node of the old tree is detached first (we then
 * own one reference per node, and each detached directory ends up empty);
 * then the tree is rebuilt top-down from the snapshot.
 * An entry whose snapshot `origin` names an old node of the same type takes
 * that node back (renamed, moved, attributes set): an unchanged file keeps
 * its old extents, so no data is rewritten. New or changed files are added
 * from their frozen cache files. Old nodes nothing took back are unreffed:
 * their data stays in the older sessions. A clean folder of the snapshot
 * (nothing beneath it was changed) keeps its subtree: only the folder
 * itself is detached and placed, its entries stay in it as loaded, so a
 * commit on a big disc touches only the folders where something changed. */
#include <errno.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "burnfs/utf8.h"
#include "imgfmt/apply_int.h"
#include "imgfmt/foreign.h"
#include "imgfmt/keymap.h"
#include "imgfmt/stagestream.h"
#include "burnfs/index.h"
#include "burnfs/log.h"
#include "burnfs/stage.h"

enum { N_ATTACHED = 0, N_DETACHED, N_REUSED,
       N_KEPT,    /* inside a clean folder: stays where it is */
       N_CLEAN }; /* a clean folder, to be marked (mark_kept) */

/* Where a placed node came from, which says what xattrs it has now. */
enum placed {
	P_OLD,      /* the entry's origin: the lower index's xattrs */
	P_NEW,      /* made just now: no user.* xattrs */
	P_CLONE,    /* a clone of a node placed before: its xattrs, byte for
		       byte (libisofs writes names as one file only when
		       their lists are equal) */
	P_FOREIGN,  /* a restored file's node: its session's xattrs */
};

struct apply {
	struct apply_ctx c;     /* image, messages, scratch nodes */
	const struct index *lower;  /* whose ids by_id maps, or NULL */
	IsoNode **by_id;
	unsigned char *state;   /* per id, N_*; the root stays N_ATTACHED */
	uint32_t n;
	struct imgfmt_keymap first_link; /* snapshot key -> node holding its data */
	struct imgfmt_keymap names;    /* symlink/special key -> its names, counted */
	struct imgfmt_keymap link_head; /* lower inode number -> first id + 1 */
	uint32_t *link_next;    /* per id: next id of the same inode, or
				   IDX_NONE (files with nlink > 1 only) */
	struct imgfmt_foreigns *foreign; /* sessions files are restored from */
	bool zisofs;            /* compress new files where they shrink */
	uint32_t taken;         /* id take_origin/take_link returned */
	enum placed placed;     /* of the node place_child() just placed */
};

int imgfmt_apply_fail(struct apply_ctx *c, int iso_ret, const char *what)
{
	return errmsg_set(c->em, imgfmt_iso_errno(iso_ret), "cannot %s %s: %s",
			  what, c->path[0] ? c->path : "/",
			  iso_error_to_msg(iso_ret));
}

static int iso_fail(struct apply *a, int iso_ret, const char *what)
{
	return imgfmt_apply_fail(&a->c, iso_ret, what);
}

/* The snapshot's clean folders, then every id beneath one: ids are
 * depth-first preorder, so a parent's mark is known before its
 * children's. */
static void mark_clean(struct apply *a, const struct snap_node *sn)
{
	for (uint32_t i = 0; i < sn->n_children; i++) {
		const struct snap_node *c = sn->children[i];

		if (c->clean && c->origin < a->n)
			a->state[c->origin] = N_CLEAN;
		else if (S_ISDIR(c->mode))
			mark_clean(a, c);
	}
}

static void mark_kept(struct apply *a, const struct snap_node *root)
{
	uint32_t folders = 0, kept = 0;

	if (!a->lower)
		return;
	mark_clean(a, root);
	for (uint32_t id = 1; id < a->n; id++) {
		uint32_t p = index_parent(a->lower, id);

		folders += a->state[id] == N_CLEAN;
		if (p < a->n && (a->state[p] == N_CLEAN || a->state[p] == N_KEPT)) {
			a->state[id] = N_KEPT;
			kept++;
		}
	}
	if (folders)
		blog_info("commit: %u folders nobody changed kept as the disc holds "
			  "them (%u entries in them)", folders, kept);
}

static int detach_all(struct apply *a)
{
	/* Ids are depth-first preorder in each directory's list order, so
	 * going up every node is the head of its parent's list when it is
	 * taken and libisofs finds it at once; going down from the top walked
	 * a list to its end for each node, quadratic in a directory's size.
	 * A directory taken before its children holds them until their turn. */
	for (uint32_t id = 1; id < a->n; id++) {
		int ret;

		if (!a->by_id[id] || a->state[id] == N_KEPT)
			continue;
		ret = iso_node_take(a->by_id[id]);
		if (ret < 0)
			return iso_fail(a, ret, "detach the old tree at");
		a->state[id] = N_DETACHED;
	}
	return 0;
}

static void unref_unused(struct apply *a)
{
	for (uint32_t id = 1; id < a->n; id++) {
		if (a->state[id] == N_DETACHED)
			iso_node_unref(a->by_id[id]);
		a->state[id] = N_ATTACHED;
	}
}

/* --- attributes --- */

static bool has_xattr(const struct idx_node *old, const struct snap_xattr *x)
{
	for (uint32_t i = 0; i < old->n_xattrs; i++) {
		const struct idx_xattr *o = &old->xattrs[i];

		if (strcmp(o->name, x->name) == 0)
			return o->len == x->len && memcmp(o->value, x->value, x->len) == 0;
	}
	return false;
}

/* Whether the node just placed may carry other user.* xattrs than sn
 * wants. Reading them back costs libisofs an attribute list decoded per
 * node, the larger part of applying a tree that mostly did not change. */
static bool xattrs_may_differ(const struct apply *a, const struct snap_node *sn)
{
	struct idx_node view, *old = &view;

	if (a->placed == P_NEW)
		return sn->n_xattrs != 0;
	if (a->placed == P_CLONE)
		return false;   /* hard links share their xattrs */
	if (a->placed == P_FOREIGN)
		return true;
	if (!a->lower)
		return true;
	/* A list the loader could not decode is rewritten: libisofs fails
	 * the write where it has to read it again (isofs.cx). */
	if (index_get(a->lower, sn->origin, old) || old->attrs_lost || old->n_xattrs != sn->n_xattrs)
		return true;
	for (uint32_t i = 0; i < sn->n_xattrs; i++)
		if (!has_xattr(old, &sn->xattrs[i]))
			return true;
	return false;
}

/* The snapshot's attributes, never the cache file's: a new file added from
 * CACHE/data carries the daemon's owner and the cache file's times. The
 * root (closed) always gets its xattrs rewritten. The xattrs go last, so
 * that two names of one file end with the very same attribute list (setting
 * the permissions re-encodes a list that holds an ACL, and libisofs writes
 * names as one file only when their lists are byte for byte equal); libisofs
 * sets the mode even where it cannot decode an old list to update its ACL. */
static int set_attributes(struct apply *a, IsoNode *node,
			  const struct snap_node *sn, bool closed)
{
	/* A list libisofs cannot decode was lost on loading already (the
	 * index shows it so, and apply_attrs writes sn's): drop it without
	 * decoding, before setting the permissions decodes it. */
	if (imgfmt_attrs_undecodable(node))
		iso_node_set_attrs(node, 0, NULL, NULL, NULL, 1 | 8);
	/* Only what differs: setting the permissions also makes libisofs
	 * decode the node's attribute list to update an ACL mask, a good
	 * part of applying a tree that mostly did not change. */
	if ((iso_node_get_permissions(node) & 07777) != (sn->mode & 07777))
		iso_node_set_permissions(node, sn->mode & 07777);
	if (iso_node_get_uid(node) != sn->uid)
		iso_node_set_uid(node, sn->uid);
	if (iso_node_get_gid(node) != sn->gid)
		iso_node_set_gid(node, sn->gid);
	if (iso_node_get_atime(node) != sn->atime.tv_sec)
		iso_node_set_atime(node, sn->atime.tv_sec);
	if (iso_node_get_mtime(node) != sn->mtime.tv_sec)
		iso_node_set_mtime(node, sn->mtime.tv_sec);
	if (iso_node_get_ctime(node) != sn->ctime.tv_sec)
		iso_node_set_ctime(node, sn->ctime.tv_sec);
	if (!closed && node != (IsoNode *)iso_image_get_root(a->c.img) &&
	    !xattrs_may_differ(a, sn))
		return 0;
	return imgfmt_apply_attrs(&a->c, node, sn, closed);
}

/* --- placing one entry --- */

/* The old node this entry came from, if it is still free and of the
 * expected type; the caller attaches it. */
static IsoNode *take_origin(struct apply *a, const struct snap_node *sn,
			    enum IsoNodeType type)
{
	uint32_t id = sn->origin;

	if (id == IDX_NONE || id >= a->n || a->state[id] != N_DETACHED)
		return NULL;
	if (iso_node_get_type(a->by_id[id]) != type)
		return NULL;
	a->taken = id;
	return a->by_id[id];
}

/* The disc's own node of a further name of a hard-linked disc file (the
 * origin, which all names share, went to the first name): any node of the
 * same inode still free. Taking it back keeps what a clone would lose
 * (a zisofs file's filter and ZF entry: a clone of one is written wrong). */
static IsoNode *take_link(struct apply *a, const struct snap_node *sn)
{
	uint64_t ino;
	uintptr_t head;

	if (!a->link_next || sn->origin >= a->n ||
	    !(ino = index_ino(a->lower, sn->origin)))
		return NULL;
	head = (uintptr_t)imgfmt_keymap_get(&a->link_head, ino);
	for (uint32_t id = head ? (uint32_t)(head - 1) : IDX_NONE; id != IDX_NONE;
	     id = a->link_next[id]) {
		if (a->state[id] == N_DETACHED &&
		    iso_node_get_type(a->by_id[id]) == LIBISO_FILE) {
			a->taken = id;
			return a->by_id[id];
		}
	}
	return NULL;
}

/* Chain the lower ids of each hard-linked disc file (take_link). */
static int chain_links(struct apply *a)
{
	if (!a->lower)
		return 0;
	a->link_next = malloc((a->n ? a->n : 1) * sizeof(*a->link_next));
	if (!a->link_next)
		return -ENOMEM;
	for (uint32_t id = 0; id < a->n; id++) {
		uint64_t ino = index_ino(a->lower, id);
		uintptr_t head;

		a->link_next[id] = IDX_NONE;
		if (!ino || !S_ISREG(index_mode(a->lower, id)) ||
		    index_nlink(a->lower, id) < 2)
			continue;
		head = (uintptr_t)imgfmt_keymap_get(&a->link_head, ino);
		a->link_next[id] = head ? (uint32_t)(head - 1) : IDX_NONE;
		if (imgfmt_keymap_put(&a->link_head, ino, (void *)(uintptr_t)(id + 1)))
			return -ENOMEM;
	}
	return 0;
}

static int attach_old(struct apply *a, IsoDir *dir, IsoNode *old,
		      const struct snap_node *sn)
{
	int ret;

	if (strcmp(iso_node_get_name(old), sn->name) != 0) {
		ret = iso_image_set_node_name(a->c.img, old, sn->name, 0);
		if (ret < 0)
			return iso_fail(a, ret, "rename to");
	}
	ret = iso_dir_add_node(dir, old, ISO_REPLACE_NEVER);
	if (ret < 0)
		return iso_fail(a, ret, "move to");
	/* The directory now owns the reference we got from iso_node_take. */
	a->state[a->taken] = N_REUSED;
	a->placed = P_OLD;
	return 0;
}

/* New content: a stream that reads the cache file in big pieces
 * (stagestream.c). */
static int add_staged_file(struct apply *a, IsoDir *dir,
			   const struct snap_node *sn, IsoNode **out)
{
	IsoStream *stream = NULL;
	IsoFile *file = NULL;
	int ret;

	ret = imgfmt_stagestream_new(sn->data_path, &stream);
	if (ret == (int)ISO_FILE_IS_DIR || ret == (int)ISO_FILE_ERROR)
		return errmsg_set(a->c.em, -EIO, "staged data of %s is not a regular file",
				  a->c.path);
	if (ret < 0)
		return iso_fail(a, ret, "add");
	/* On success the file takes over our stream reference. */
	ret = iso_image_add_new_file(a->c.img, dir, sn->name, stream, &file);
	if (ret < 0) {
		iso_stream_unref(stream);
		return iso_fail(a, ret, "add");
	}
	*out = (IsoNode *)file;
	return 0;
}

/* compress=zisofs: libisofs compresses the file once now to learn its
 * size (so the space check before the write is exact) and again while
 * writing. It leaves files that would not shrink, and those of 2 KiB or
 * less, as they are; files of 4 GiB or more need zisofs2, which Linux
 * cannot read: they stay plain too. */
static int compress_file(struct apply *a, IsoFile *f, const struct snap_node *sn)
{
	int ret;

	if (sn->size <= 2048 || sn->size >= (4ULL << 30))
		return 0;
	ret = iso_file_add_zisofs_filter(f, 1);
	if (ret >= 0 || ret == (int)ISO_ZISOFS_TOO_LARGE)
		return 0;
	return iso_fail(a, ret, "compress");
}

static int add_new_file(struct apply *a, IsoDir *dir,
			const struct snap_node *sn, IsoNode **out)
{
	IsoFile *file = NULL;
	int ret;

	if (sn->data_path) {
		ret = add_staged_file(a, dir, sn, out);
		if (ret < 0)
			return ret;
		/* libisofs freezes the size now and pads or cuts at write
		 * time; a frozen cache file must match the snapshot. */
		if ((uint64_t)iso_file_get_size((IsoFile *)*out) != sn->size)
			return errmsg_set(a->c.em, -EIO, "staged data of %s changed size (%llu, expected %llu)",
					  a->c.path,
					  (unsigned long long)iso_file_get_size((IsoFile *)*out),
					  (unsigned long long)sn->size);
		return a->zisofs ? compress_file(a, (IsoFile *)*out, sn) : 0;
	}
	if (sn->size != 0)
		return errmsg_set(a->c.em, -EIO, "staged file %s has no data", a->c.path);
	/* An empty new file may have no cache file at all. */
	ret = imgfmt_add_empty_file(a->c.img, dir, sn->name, &file);
	if (ret < 0)
		return iso_fail(a, ret, "add");
	*out = (IsoNode *)file;
	return 0;
}

/* A new node whose further names will be its clones: an inode number of
 * its own (imgfmt_foreign_mark_new_link). */
static int mark_new_link(struct apply *a, IsoNode *n)
{
	int ret;

	if (!a->foreign)
		return 0;
	ret = imgfmt_foreign_mark_new_link(a->c.img, n,
					   imgfmt_foreign_fresh_ino(a->foreign));
	return ret ? errmsg_set(a->c.em, ret, "cannot number the new hard link %s",
				a->c.path) : 0;
}

/* A file restored from an older session: its node there, moved here, so
 * that its extents are reused; or a further name of file `first` that
 * needs a node of its own (imgfmt_foreign_needs_twin). */
static int add_foreign(struct apply *a, IsoDir *dir, const struct snap_node *sn,
		       IsoNode *first, IsoNode **out)
{
	int ret = !a->foreign ? errmsg_set(a->c.em, -EIO, "restored file %s: its "
					   "session is not loaded", a->c.path) :
		  first ? imgfmt_foreign_take_twin(a->foreign, sn, first, out,
						   a->c.em) :
		  imgfmt_foreign_take(a->foreign, a->c.img, sn, out, a->c.em);

	if (ret)
		return ret;
	ret = iso_image_set_node_name(a->c.img, *out, sn->name, 0);
	if (ret >= 0)
		ret = iso_dir_add_node(dir, *out, ISO_REPLACE_NEVER);
	if (ret < 0) {
		iso_node_unref(*out);
		return iso_fail(a, ret, "restore");
	}
	a->placed = P_FOREIGN;
	return 0;
}

static int place_file(struct apply *a, IsoDir *dir, const struct snap_node *sn,
		      IsoNode **out)
{
	IsoNode *first = imgfmt_keymap_get(&a->first_link, sn->key);
	IsoNode *old = sn->data_changed ? NULL : take_origin(a, sn, LIBISO_FILE);
	int ret;

	/* A further name of a file already placed: reuse its own old node
	 * only if it is the very same disc file, else clone the first. */
	if (old && first && iso_node_cmp_ino(first, old, 0) != 0)
		old = NULL;
	if (!old && first && !sn->data_changed)
		old = take_link(a, sn);
	if (old) {
		ret = attach_old(a, dir, old, sn);
		*out = old;
	} else if (first && !sn->data_changed && imgfmt_foreign_needs_twin(first)) {
		ret = add_foreign(a, dir, sn, first, out);
	} else if (first) {
		ret = iso_image_tree_clone(a->c.img, first, dir, (char *)sn->name, out, 0);
		if (ret < 0)
			return iso_fail(a, ret, "link");
		ret = 0;
		a->placed = P_CLONE;
	} else if (sn->rsrc) {
		ret = add_foreign(a, dir, sn, NULL, out);
	} else {
		ret = add_new_file(a, dir, sn, out);
		a->placed = P_NEW;
	}
	if (ret < 0)
		return ret;
	if (!first && a->placed == P_NEW && sn->nlink > 1)
		ret = mark_new_link(a, *out);
	if (!ret && !first)
		ret = imgfmt_keymap_put(&a->first_link, sn->key, *out);
	return ret;
}

static int place_dir(struct apply *a, IsoDir *dir, const struct snap_node *sn,
		     IsoNode **out)
{
	IsoNode *old = take_origin(a, sn, LIBISO_DIR);
	IsoDir *nd = NULL;
	int ret;

	if (old) {
		*out = old;
		return attach_old(a, dir, old, sn);
	}
	if (sn->clean)   /* an empty folder would lose what it holds */
		return errmsg_set(a->c.em, -EIO, "cannot keep %s as it was: the "
				  "loaded tree lacks it", a->c.path);
	ret = iso_image_add_new_dir(a->c.img, dir, sn->name, &nd);
	if (ret < 0)
		return iso_fail(a, ret, "create the folder");
	*out = (IsoNode *)nd;
	a->placed = P_NEW;
	return 0;
}

static int add_other(struct apply *a, IsoDir *dir, const struct snap_node *sn,
		     IsoNode **out)
{
	int ret;

	if (S_ISLNK(sn->mode)) {
		IsoSymlink *l = NULL;

		ret = iso_image_add_new_symlink(a->c.img, dir, sn->name,
						sn->link ? sn->link : "", &l);
		*out = (IsoNode *)l;
	} else {
		IsoSpecial *sp = NULL;

		ret = iso_image_add_new_special(a->c.img, dir, sn->name, sn->mode,
						sn->rdev, &sp);
		*out = (IsoNode *)sp;
	}
	return ret < 0 ? iso_fail(a, ret, "add") : 0;
}

/* Whether the disc node still is what sn shows (same target, same
 * device number). */
static bool same_other(IsoNode *old, const struct snap_node *sn)
{
	if (S_ISLNK(sn->mode))
		return strcmp(iso_symlink_get_dest((IsoSymlink *)old),
			      sn->link ? sn->link : "") == 0;
	return iso_special_get_dev((IsoSpecial *)old) == sn->rdev &&
	       (iso_node_get_mode(old) & S_IFMT) == (sn->mode & S_IFMT);
}

/* Symlinks and specials carry no data: a new node costs nothing, unless
 * it has further names (hard links), which need an identity to share. Its
 * disc node is taken back when there is one: it has the identity already. */
static int place_other(struct apply *a, IsoDir *dir, const struct snap_node *sn,
		       IsoNode **out)
{
	enum IsoNodeType type = S_ISLNK(sn->mode) ? LIBISO_SYMLINK : LIBISO_SPECIAL;
	IsoNode *first = imgfmt_keymap_get(&a->first_link, sn->key);
	IsoNode *old;
	int ret;

	if (first && iso_node_get_type(first) != type)
		first = NULL;   /* not one file: a key reused by a bug */
	old = first ? NULL : take_origin(a, sn, type);
	if (old && !same_other(old, sn))
		old = NULL;
	a->placed = P_NEW;
	if (old) {
		*out = old;
		ret = attach_old(a, dir, old, sn);
	} else if (first) {
		ret = iso_image_tree_clone(a->c.img, first, dir, (char *)sn->name, out, 0);
		ret = ret < 0 ? iso_fail(a, ret, "link") : 0;
		a->placed = P_CLONE;
	} else if ((uintptr_t)imgfmt_keymap_get(&a->names, sn->key) > 1) {
		ret = imgfmt_local_node(&a->c, dir, sn, out);
		if (!ret)
			ret = mark_new_link(a, *out);
	} else {
		ret = add_other(a, dir, sn, out);
	}
	if (!ret && !first)
		ret = imgfmt_keymap_put(&a->first_link, sn->key, *out);
	return ret;
}

/* How many names each symlink and special has in the snapshot. */
static int count_names(struct apply *a, const struct snap_node *sn)
{
	int ret = 0;

	for (uint32_t i = 0; i < sn->n_children && !ret; i++) {
		const struct snap_node *c = sn->children[i];
		uintptr_t k;

		if (S_ISDIR(c->mode)) {
			ret = count_names(a, c);
		} else if (!S_ISREG(c->mode)) {
			k = (uintptr_t)imgfmt_keymap_get(&a->names, c->key);
			ret = imgfmt_keymap_put(&a->names, c->key, (void *)(k + 1));
		}
	}
	return ret;
}

static int build_dir(struct apply *a, IsoDir *dir, const struct snap_node *sn);

/* Room in c->path for a path of len bytes (its NUL included): it grows
 * as deep as staging/ goes. */
static int path_room(struct apply_ctx *c, size_t len)
{
	char *p;

	if (len <= c->path_cap)
		return 0;
	p = realloc(c->path, len * 2);
	if (!p)
		return errmsg_set(c->em, -ENOMEM, "out of memory applying the staged changes");
	if (!c->path)
		p[0] = '\0';
	c->path = p;
	c->path_cap = len * 2;
	return 0;
}

static int place_child(struct apply *a, IsoDir *dir, const struct snap_node *c)
{
	size_t plen = strlen(a->c.path);
	IsoNode *node = NULL;
	int rc = path_room(&a->c, plen + 2 + strlen(c->name));

	if (rc)
		return rc;
	snprintf(a->c.path + plen, a->c.path_cap - plen, "/%s", c->name);
	if (S_ISDIR(c->mode))
		rc = place_dir(a, dir, c, &node);
	else if (S_ISREG(c->mode))
		rc = place_file(a, dir, c, &node);
	else
		rc = place_other(a, dir, c, &node);
	if (!rc)
		rc = set_attributes(a, node, c, false);
	if (!rc && utf8_cut_short(c->name))
		iso_node_set_hidden(node, iso_node_get_hidden(node) |
				    LIBISO_HIDE_ON_JOLIET);
	if (!rc && S_ISDIR(c->mode))
		rc = build_dir(a, (IsoDir *)node, c);
	if (!rc)
		a->c.path[plen] = '\0';
	return rc;
}

/* A regular file with one name that is no disc hard link: which of its
 * names comes first cannot matter. */
static bool alone(const struct apply *a, const struct snap_node *c)
{
	return S_ISREG(c->mode) && c->nlink == 1 &&
	       (c->origin >= a->n || !a->lower ||
		index_nlink(a->lower, c->origin) < 2);
}

/* In name order, depth first: the order in which libisofs meets the
 * nodes when it writes. Of the names of a disc file, the first one placed
 * takes the old node and the others become its clones; libisofs keeps the
 * old extents only if it meets the old node before any clone (a clone
 * met first makes it copy the data, reading the drive it writes to).
 * Files alone() have no clones, so they come in a second pass, last name
 * first: libisofs inserts a child after every sibling that sorts before
 * it, walking its list from the head, and a folder of k such files cost
 * k*k/2 name comparisons in name order (seconds for 50,000). */
static int build_dir(struct apply *a, IsoDir *dir, const struct snap_node *sn)
{
	uint32_t i;
	int rc = 0;

	for (i = 0; i < sn->n_children && !rc; i++)
		if (!alone(a, sn->children[i]))
			rc = place_child(a, dir, sn->children[i]);
	for (i = sn->n_children; i-- > 0 && !rc;)
		if (alone(a, sn->children[i]))
			rc = place_child(a, dir, sn->children[i]);
	return rc;
}

/* A folder of the image's that is in no tree: apply_attrs encodes ACLs
 * on it. Made while the root is empty, so no name can clash. */
static int make_scratch(struct apply *a)
{
	IsoDir *d = NULL;
	int ret = iso_image_add_new_dir(a->c.img, iso_image_get_root(a->c.img),
					"burnfs-scratch", &d);

	if (ret < 0)
		return iso_fail(a, ret, "make a scratch folder in");
	ret = iso_node_take((IsoNode *)d);
	if (ret < 0)
		return iso_fail(a, ret, "detach the scratch folder from");
	a->c.scratch = (IsoNode *)d;
	return 0;
}

static void apply_free(struct apply *a)
{
	unref_unused(a);
	if (a->c.scratch)
		iso_node_unref(a->c.scratch);
	imgfmt_local_cleanup(&a->c);
	imgfmt_keymap_free(&a->first_link);
	imgfmt_keymap_free(&a->names);
	imgfmt_keymap_free(&a->link_head);
	free(a->link_next);
	free(a->state);
	free(a->c.path);
}

int imgfmt_apply_snapshot(IsoImage *img, const struct index *lower,
			  IsoNode **by_id, uint32_t n,
			  const struct stage_snapshot *snap, bool closed,
			  struct errmsg *em)
{
	return imgfmt_apply_snapshot_from(img, lower, by_id, n, snap, closed, NULL,
					false, em);
}

int imgfmt_apply_snapshot_from(IsoImage *img, const struct index *lower,
			       IsoNode **by_id, uint32_t n,
			       const struct stage_snapshot *snap, bool closed,
			       struct imgfmt_foreigns *foreign, bool zisofs,
			       struct errmsg *em)
{
	struct apply a = { .c = { .img = img, .em = em }, .lower = lower,
			   .by_id = by_id, .n = n, .foreign = foreign,
			   .zisofs = zisofs };
	IsoDir *root = iso_image_get_root(img);
	int rc;

	if (snap->root->clean)
		return errmsg_set(em, -EINVAL, "a snapshot's root must list its "
				  "entries");
	a.state = calloc(n ? n : 1, 1);
	if (!a.state || path_room(&a.c, PATH_MAX)) {
		free(a.state);
		return errmsg_set(em, -ENOMEM, "out of memory applying the staged changes");
	}
	/* Attributes come from the snapshot; local xattrs/ACLs of cache files
	 * must not leak in. Oversized names fail instead of being cut. */
	iso_image_set_ignore_aclea(img, 1 | 2);
	iso_image_set_truncate_mode(img, 0, 255);
	mark_kept(&a, snap->root);
	rc = detach_all(&a);
	if (!rc)
		rc = make_scratch(&a);
	if (!rc)
		rc = count_names(&a, snap->root);
	if (!rc)
		rc = chain_links(&a);
	if (!rc)
		rc = set_attributes(&a, (IsoNode *)root, snap->root, closed);
	if (!rc)
		rc = build_dir(&a, root, snap->root);
	if (!rc)
		rc = imgfmt_bootcat_stand_in(&a.c);
	apply_free(&a);
	if (rc)
		blog_warn("applying the staged changes failed: %s", em ? em->text : "");
	return rc;
}
