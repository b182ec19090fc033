/* apply.c — make a loaded IsoImage's tree equal a stage snapshot, writing
 * only what changed. Every node of the old tree is detached first (we then
 * own one reference per node, and each detached directory ends up empty);
 * then the tree is rebuilt top-down from the snapshot.
 * An entry whose snapshot `origin` names an old node of the same type takes
 * that node back (renamed, moved, attributes set): an unchanged file keeps
 * its old extents, so no data is rewritten. New or changed files are added
 * from their frozen cache files. Old nodes nothing took back are unreffed:
 * their data stays in the older sessions. */
#include <errno.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "burn/burn_priv.h"
#include "burn/keymap.h"
#include "burn/stagestream.h"
#include "burnfs/index.h"
#include "burnfs/log.h"
#include "burnfs/stage.h"

enum { N_ATTACHED = 0, N_DETACHED, N_REUSED };

/* Where a placed node came from, which says what xattrs it has now. */
enum placed {
	P_OLD,      /* the entry's origin: the lower index's xattrs */
	P_NEW,      /* made just now: no user.* xattrs */
	P_CLONE,    /* a clone of a node placed before: not known */
};

struct apply {
	IsoImage *img;
	const struct index *lower;  /* whose ids by_id maps, or NULL */
	IsoNode **by_id;
	unsigned char *state;   /* per id, N_*; the root stays N_ATTACHED */
	uint32_t n;
	struct keymap first_link; /* snapshot key -> node holding its data */
	enum placed placed;     /* of the node place_child() just placed */
	struct errmsg *em;
	char path[PATH_MAX];    /* the entry being placed, for messages */
};

static int iso_fail(struct apply *a, int iso_ret, const char *what)
{
	return errmsg_set(a->em, disc_iso_errno(iso_ret), "cannot %s %s: %s",
			  what, a->path[0] ? a->path : "/",
			  iso_error_to_msg(iso_ret));
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

		if (!a->by_id[id])
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

static int replace_user_xattrs(struct apply *a, IsoNode *node,
			       const struct snap_node *sn, bool closed)
{
	size_t num = 0, k = 0, *lens = NULL, *del_lens = NULL;
	char **names = NULL, **vals = NULL, **del = NULL, **del_vals = NULL;
	int ret, rc = 0;

	ret = iso_node_get_attrs(node, &num, &names, &lens, &vals, 0);
	if (ret < 0)
		return iso_fail(a, ret, "read the xattrs of");
	/* Drop the old user.* set (isofs.* stays: libisofs's own data). */
	del = calloc(num + 1, sizeof(*del));
	del_vals = calloc(num + 1, sizeof(*del_vals));
	del_lens = calloc(num + 1, sizeof(*del_lens));
	if (!del || !del_vals || !del_lens) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < num; i++) {
		if (strncmp(names[i], "user.", 5) != 0)
			continue;
		del[k] = names[i];
		del_vals[k] = vals[i];
		del_lens[k++] = lens[i];
	}
	if (k) {
		ret = iso_node_set_attrs(node, k, del, del_lens, del_vals, 2 | 4);
		if (ret < 0) {
			rc = iso_fail(a, ret, "remove the xattrs of");
			goto out;
		}
	}
	for (uint32_t i = 0; i < sn->n_xattrs; i++) {
		char *nm = (char *)sn->xattrs[i].name;
		char *val = (char *)sn->xattrs[i].value;
		size_t len = sn->xattrs[i].len;

		ret = iso_node_set_attrs(node, 1, &nm, &len, &val, 2);
		if (ret < 0) {
			rc = iso_fail(a, ret, "set an xattr on");
			goto out;
		}
	}
	if (closed) {
		char *nm = DISC_CLOSED_XATTR, *val = "1";
		size_t len = 1;

		ret = iso_node_set_attrs(node, 1, &nm, &len, &val, 2);
		if (ret < 0)
			rc = iso_fail(a, ret, "mark as closed:");
	}
out:
	free(del);
	free(del_vals);
	free(del_lens);
	iso_node_get_attrs(node, &num, &names, &lens, &vals, 1 << 15);
	return rc;
}

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
	const struct idx_node *old;

	if (a->placed == P_NEW)
		return sn->n_xattrs != 0;
	if (a->placed != P_OLD || !a->lower)
		return true;
	old = index_node(a->lower, sn->origin);
	if (!old || old->n_xattrs != sn->n_xattrs)
		return true;
	for (uint32_t i = 0; i < sn->n_xattrs; i++)
		if (!has_xattr(old, &sn->xattrs[i]))
			return true;
	return false;
}

/* The snapshot's attributes, never the cache file's: a new file added from
 * CACHE/data carries the daemon's owner and the cache file's times. The
 * root (closed) always gets its xattrs rewritten. */
static int set_attributes(struct apply *a, IsoNode *node,
			  const struct snap_node *sn, bool closed)
{
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
	if (!closed && node != (IsoNode *)iso_image_get_root(a->img) &&
	    !xattrs_may_differ(a, sn))
		return 0;
	return replace_user_xattrs(a, node, sn, closed);
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
	return a->by_id[id];
}

static int attach_old(struct apply *a, IsoDir *dir, IsoNode *old,
		      const struct snap_node *sn)
{
	int ret;

	if (strcmp(iso_node_get_name(old), sn->name) != 0) {
		ret = iso_image_set_node_name(a->img, old, sn->name, 0);
		if (ret < 0)
			return iso_fail(a, ret, "rename to");
	}
	ret = iso_dir_add_node(dir, old, ISO_REPLACE_NEVER);
	if (ret < 0)
		return iso_fail(a, ret, "move to");
	/* The directory now owns the reference we got from iso_node_take. */
	a->state[sn->origin] = N_REUSED;
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

	ret = stagestream_new(sn->data_path, &stream);
	if (ret == (int)ISO_FILE_IS_DIR || ret == (int)ISO_FILE_ERROR)
		return errmsg_set(a->em, -EIO, "staged data of %s is not a regular file",
				  a->path);
	if (ret < 0)
		return iso_fail(a, ret, "add");
	/* On success the file takes over our stream reference. */
	ret = iso_image_add_new_file(a->img, dir, sn->name, stream, &file);
	if (ret < 0) {
		iso_stream_unref(stream);
		return iso_fail(a, ret, "add");
	}
	*out = (IsoNode *)file;
	return 0;
}

static int add_new_file(struct apply *a, IsoDir *dir,
			const struct snap_node *sn, IsoNode **out)
{
	IsoStream *stream = NULL;
	IsoFile *file = NULL;
	int ret;

	if (sn->data_path) {
		ret = add_staged_file(a, dir, sn, out);
		if (ret < 0)
			return ret;
		/* libisofs freezes the size now and pads or cuts at write
		 * time; a frozen cache file must match the snapshot. */
		if ((uint64_t)iso_file_get_size((IsoFile *)*out) != sn->size)
			return errmsg_set(a->em, -EIO, "staged data of %s changed size (%llu, expected %llu)",
					  a->path,
					  (unsigned long long)iso_file_get_size((IsoFile *)*out),
					  (unsigned long long)sn->size);
		return 0;
	}
	if (sn->size != 0)
		return errmsg_set(a->em, -EIO, "staged file %s has no data", a->path);
	/* An empty new file may have no cache file at all. */
	ret = iso_memory_stream_new(calloc(1, 1), 0, &stream);
	if (ret < 0)
		return iso_fail(a, ret, "create");
	/* On success the file takes over our stream reference. */
	ret = iso_image_add_new_file(a->img, dir, sn->name, stream, &file);
	if (ret < 0) {
		iso_stream_unref(stream);
		return iso_fail(a, ret, "add");
	}
	*out = (IsoNode *)file;
	return 0;
}

static int place_file(struct apply *a, IsoDir *dir, const struct snap_node *sn,
		      IsoNode **out)
{
	IsoNode *first = keymap_get(&a->first_link, sn->key);
	IsoNode *old = sn->data_changed ? NULL : take_origin(a, sn, LIBISO_FILE);
	int ret;

	/* A further name of a file already placed: reuse its own old node
	 * only if it is the very same disc file, else clone the first. */
	if (old && first && iso_node_cmp_ino(first, old, 0) != 0)
		old = NULL;
	if (old) {
		ret = attach_old(a, dir, old, sn);
		*out = old;
	} else if (first) {
		ret = iso_image_tree_clone(a->img, first, dir, (char *)sn->name, out, 0);
		if (ret < 0)
			return iso_fail(a, ret, "link");
		ret = 0;
		a->placed = P_CLONE;
	} else {
		ret = add_new_file(a, dir, sn, out);
		a->placed = P_NEW;
	}
	if (ret < 0)
		return ret;
	if (!first)
		ret = keymap_put(&a->first_link, sn->key, *out);
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
	ret = iso_image_add_new_dir(a->img, dir, sn->name, &nd);
	if (ret < 0)
		return iso_fail(a, ret, "create the folder");
	*out = (IsoNode *)nd;
	a->placed = P_NEW;
	return 0;
}

/* Symlinks and specials carry no data: a new node costs nothing. */
static int place_other(struct apply *a, IsoDir *dir, const struct snap_node *sn,
		       IsoNode **out)
{
	int ret;

	a->placed = P_NEW;
	if (S_ISLNK(sn->mode)) {
		IsoSymlink *l = NULL;

		ret = iso_image_add_new_symlink(a->img, dir, sn->name,
						sn->link ? sn->link : "", &l);
		*out = (IsoNode *)l;
	} else {
		IsoSpecial *sp = NULL;

		ret = iso_image_add_new_special(a->img, dir, sn->name, sn->mode,
						sn->rdev, &sp);
		*out = (IsoNode *)sp;
	}
	if (ret < 0)
		return iso_fail(a, ret, "add");
	return 0;
}

static int build_dir(struct apply *a, IsoDir *dir, const struct snap_node *sn);

static int place_child(struct apply *a, IsoDir *dir, const struct snap_node *c)
{
	size_t plen = strlen(a->path);
	IsoNode *node = NULL;
	int rc;

	if (plen + 1 + strlen(c->name) >= sizeof(a->path))
		return errmsg_set(a->em, -ENAMETOOLONG, "path too long below %s", a->path);
	snprintf(a->path + plen, sizeof(a->path) - plen, "/%s", c->name);
	if (S_ISDIR(c->mode))
		rc = place_dir(a, dir, c, &node);
	else if (S_ISREG(c->mode))
		rc = place_file(a, dir, c, &node);
	else
		rc = place_other(a, dir, c, &node);
	if (!rc)
		rc = set_attributes(a, node, c, false);
	if (!rc && S_ISDIR(c->mode))
		rc = build_dir(a, (IsoDir *)node, c);
	if (!rc)
		a->path[plen] = '\0';
	return rc;
}

/* In name order, depth first: the order in which libisofs meets the
 * nodes when it writes. Of the names of a disc file, the first one placed
 * takes the old node and the others become its clones; libisofs keeps the
 * old extents only if it meets the old node before any clone (a clone
 * met first makes it copy the data, reading the drive it writes to). So
 * no last-name-first, though that would insert each child at the head of
 * its sorted list instead of after all its elder siblings. */
static int build_dir(struct apply *a, IsoDir *dir, const struct snap_node *sn)
{
	for (uint32_t i = 0; i < sn->n_children; i++) {
		int rc = place_child(a, dir, sn->children[i]);

		if (rc)
			return rc;
	}
	return 0;
}

int burn_apply_snapshot(IsoImage *img, const struct index *lower,
			IsoNode **by_id, uint32_t n,
			const struct stage_snapshot *snap, bool closed,
			struct errmsg *em)
{
	struct apply a = { .img = img, .lower = lower, .by_id = by_id, .n = n,
			   .em = em };
	IsoDir *root = iso_image_get_root(img);
	int rc;

	a.state = calloc(n ? n : 1, 1);
	if (!a.state)
		return errmsg_set(em, -ENOMEM, "out of memory applying the staged changes");
	/* Attributes come from the snapshot; local xattrs/ACLs of cache files
	 * must not leak in. Oversized names fail instead of being cut. */
	iso_image_set_ignore_aclea(img, 1 | 2);
	iso_image_set_truncate_mode(img, 0, 255);
	rc = detach_all(&a);
	if (!rc)
		rc = set_attributes(&a, (IsoNode *)root, snap->root, closed);
	if (!rc)
		rc = build_dir(&a, root, snap->root);
	unref_unused(&a);
	keymap_free(&a.first_link);
	free(a.state);
	if (rc)
		blog_warn("applying the staged changes failed: %s", em ? em->text : "");
	return rc;
}
