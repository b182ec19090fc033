/* load.c — load a session's tree with libisoburn and walk it. The walk
 * order defines the ids of the index and of the burn's node map alike. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "burnfs/alloc.h"
#include "burnfs/env.h"
#include "burnfs/log.h"
#include "imgfmt/imgfmt_priv.h"

/* Like xorriso: no ISO 9660:1999 tree; AAIP on, so xattrs, PX inodes and
 * MD5 sums load. Entries without Rock Ridge (Joliet-only or plain ISO 9660
 * discs) belong to the user who mounted them, 0644 (folders 0755: libisoburn
 * adds x where r is set), as fuseiso and udisks show such discs: the user
 * can then change them in staging/ without -o uid=. */
static int read_opts(struct isoburn_read_opts **ro)
{
	if (isoburn_ropt_new(ro, 0) <= 0)
		return -ENOMEM;
	isoburn_ropt_set_extensions(*ro, isoburn_ropt_noiso1999);
	isoburn_ropt_set_default_perms(*ro, geteuid(), getegid(), 0644);
	isoburn_ropt_set_input_charset(*ro, NULL);
	return 0;
}

/* One isoburn_read_image; img NULL only attaches the tree to the drive. */
static int read_one(struct disc *d, IsoImage **img, struct errmsg *em)
{
	struct isoburn_read_opts *ro = NULL;
	int r;

	r = read_opts(&ro);
	if (r < 0)
		return errmsg_set(em, r, "out of memory");
	/* libisofs has a DEBUG message for every node it imports: queued,
	 * drained and dropped unlogged, they cost the reload after a commit
	 * on 10,000 files 3 of its 19 ms. */
	disc_iso_debug_msgs(false);
	disc_take_dropped();  /* count what this load drops, nothing older */
	r = isoburn_read_image(disc_drive(d), ro, img);
	disc_guard_loaded(d);
	disc_iso_debug_msgs(true);
	isoburn_ropt_destroy(&ro, 0);
	if (r <= 0)
		return disc_lib_fail(em, -EIO, "loading the disc's tree",
				     disc_target(d));
	disc_drain_msgs();
	return 0;
}

/* An older session through the msc1 override, which is only valid between
 * acquiring and reading; then re-assess and attach the newest tree again,
 * because the attached image is what the next write grows from. */
static int read_older(struct disc *d, int n, IsoImage **out,
		      struct errmsg *em)
{
	char num[16];
	int r;

	snprintf(num, sizeof(num), "%d", n);
	if (isoburn_set_msc1(disc_drive(d), 1, num, 0) <= 0)
		return disc_lib_fail(em, -EIO, "selecting a session", disc_target(d));
	r = read_one(d, out, em);
	if (r == 0 && !disc_keeps_older_attached(d))
		r = disc_reassess_locked(d, em);
	if (r == 0 && !disc_keeps_older_attached(d))
		r = read_one(d, NULL, em);
	if (r < 0 && *out) {
		iso_image_unref(*out);
		*out = NULL;
	}
	return r;
}

int imgfmt_read_newest_locked(struct disc *d, IsoImage **out,
			      struct errmsg *em)
{
	*out = NULL;
	return read_one(d, out, em);
}

int imgfmt_load_image_locked(struct disc *d, int n, IsoImage **out,
			     struct errmsg *em)
{
	uint32_t start, blocks;
	int r, count;

	*out = NULL;
	/* A second isoburn_read_image on a drive not re-assessed re-imports
	 * into the same IsoImage and leaks the drive data source's block
	 * cache, about 1.5 MiB a load (libisoburn 1.5.4; test_disc's reload
	 * case holds it to that). After a re-assess each load gets a fresh
	 * IsoImage and older ones stay readable. */
	r = disc_reassess_locked(d, em);
	if (r < 0)
		return r;
	count = disc_toc_session_locked(d, 0, &start, &blocks, NULL);
	if (isoburn_disc_get_status(disc_drive(d)) == BURN_DISC_BLANK)
		count = 0;
	if (n < 0 || (n > 0 && n > count))
		return errmsg_set(em, -ENOENT, "there is no session %d on %s",
				  n, disc_target(d));
	r = disc_check_loadable_locked(d, n ? n : count, count, em);
	if (r < 0)
		return r;
	/* From the head at block 0, unless it names no session */
	if ((n == 0 || n == count) && !disc_sessions_scanned(d))
		return read_one(d, out, em);
	return read_older(d, n ? n : count, out, em);
}

int imgfmt_import_older_locked(struct disc *d, int n, IsoImage **out,
			       struct errmsg *em)
{
	uint32_t start = 0, blocks = 0;
	int r, count;

	*out = NULL;
	count = disc_toc_session_locked(d, n, &start, &blocks, NULL);
	if (n < 1 || count < n ||
	    isoburn_disc_get_status(disc_drive(d)) == BURN_DISC_BLANK)
		return errmsg_set(em, -ENOENT, "there is no session %d on %s",
				  n, disc_target(d));
	r = disc_check_loadable_locked(d, n, count, em);
	if (r < 0)
		return r;
	disc_take_dropped();  /* count what this load drops, nothing older */
	r = imgfmt_import_session(d, start, out);
	if (r < 0)
		return errmsg_set(em, -EIO, "session %d of %s (block %u) cannot "
				  "be read: %s", n, disc_target(d), start,
				  strerror(-r));
	return 0;
}

void imgfmt_warm_drop_locked(struct disc *d)
{
	struct iso_trees *t = iso_trees(d);

	if (t->warm)
		iso_image_unref(t->warm);
	t->warm = NULL;
}

/* Entries up to which a disc's tree is kept between commits. A kept tree
 * saves the next commit a load (about 1.5 s at 300,000 entries) and costs
 * about 550 bytes an entry for as long as the disc stays mounted, so a big
 * disc gives it up: on a real drive a session of that size takes far
 * longer to burn than to load. */
#define KEEP_TREE_MAX_DEFAULT 100000

static uint64_t keep_tree_max(void)
{
	return env_u64("BURNFS_KEEP_TREE_MAX", KEEP_TREE_MAX_DEFAULT);
}

int imgfmt_detach_tree_locked(struct disc *d)
{
	IsoImage *empty = NULL;

	if (iso_image_new("", &empty) == ISO_SUCCESS &&
	    isoburn_attach_image(disc_drive(d), empty) > 0)
		return 0;
	if (empty)
		iso_image_unref(empty);
	return -ENOMEM;
}

/* Give up a tree not kept: the drive holds it too (isoburn_read_image
 * attached it), so it is detached there; the next commit re-assesses the
 * medium and loads the tree afresh. */
static void give_up_tree(struct disc *d, IsoImage *tree)
{
	IsoImage *attached = isoburn_get_attached_image(disc_drive(d));

	if (attached == tree && imgfmt_detach_tree_locked(d) < 0)
		blog_warn("%s: the disc's tree stays in memory: could not "
			  "release it", disc_target(d));
	if (attached)
		iso_image_unref(attached);
	iso_image_unref(tree);
	alloc_release();
}

void imgfmt_keep_warm_locked(struct disc *d, IsoImage *tree,
			     const struct index *idx)
{
	struct iso_trees *t = iso_trees(d);
	const struct idx_info *info = index_info(idx);
	uint64_t max = keep_tree_max();

	imgfmt_warm_drop_locked(d);
	if (!tree)
		return;
	if (index_count(idx) > max) {
		blog_info("%s: the tree of its %u entries is not kept between "
			  "commits (more than BURNFS_KEEP_TREE_MAX=%llu)",
			  disc_target(d), index_count(idx), (unsigned long long)max);
		give_up_tree(d, tree);
		return;
	}
	t->warm = tree;
	t->warm_sessions = info->session;
	t->warm_start = info->start_lba;
	t->warm_blocks = info->blocks;
	t->warm_attached_lba = isoburn_get_attached_start_lba(disc_drive(d));
}

/* Whether the freshly assessed TOC still shows the session the warm tree
 * was loaded from. Any doubt (no TOC, not appendable) says no. */
static bool warm_is_current(struct disc *d)
{
	struct iso_trees *t = iso_trees(d);
	uint32_t start = 0, blocks = 0;
	int count;

	if (isoburn_disc_get_status(disc_drive(d)) != BURN_DISC_APPENDABLE)
		return false;
	count = disc_toc_session_locked(d, 0, &start, &blocks, NULL);
	return count > 0 && count == t->warm_sessions &&
	       start == t->warm_start && blocks == t->warm_blocks;
}

/* Hand the warm tree to the drive (which takes over one reference) as if
 * isoburn_read_image had just loaded it, and one more to the caller. */
static int attach_warm(struct disc *d, IsoImage **out, struct errmsg *em)
{
	struct iso_trees *t = iso_trees(d);
	IsoImage *img = t->warm;

	t->warm = NULL;
	if (isoburn_attach_image(disc_drive(d), img) <= 0) {
		iso_image_unref(img);
		return disc_lib_fail(em, -EIO, "reusing the disc's tree",
				     disc_target(d));
	}
	isoburn_attach_start_lba(disc_drive(d), t->warm_attached_lba, 0);
	iso_image_ref(img);
	*out = img;
	return 0;
}

int imgfmt_take_newest_locked(struct disc *d, IsoImage **out,
			      struct errmsg *em)
{
	int r, count;

	*out = NULL;
	if (!iso_trees(d)->warm)
		return imgfmt_load_image_locked(d, 0, out, em);
	r = disc_reassess_locked(d, em);
	if (r == 0 && warm_is_current(d))
		return attach_warm(d, out, em);
	imgfmt_warm_drop_locked(d);
	if (r < 0)
		return r;
	count = disc_toc_session_locked(d, 0, &(uint32_t){0}, &(uint32_t){0}, NULL);
	r = disc_check_loadable_locked(d, count, count, em);
	if (r < 0)
		return r;
	/* Re-assessed just now, nothing read since: no reload leak. */
	return read_one(d, out, em);
}

bool imgfmt_image_closed(IsoImage *img)
{
	IsoNode *root = (IsoNode *)iso_image_get_root(img);
	size_t len = 0;
	char *val = NULL;
	bool closed;

	if (imgfmt_attrs_undecodable(root) ||
	    iso_node_lookup_attr(root, DISC_CLOSED_XATTR, &len, &val, 0) != 1)
		return false;
	closed = len == 1 && val[0] == '1';
	free(val);
	return closed;
}

struct walk {
	imgfmt_walk_fn visit;
	void *ctx;
	uint32_t next;
};

/* Pre-order: a child gets its id before its own children do, which is the
 * order in which index_add() hands out ids. */
static int walk_dir(struct walk *w, IsoDir *dir, uint32_t dir_id)
{
	IsoDirIter *it = NULL;
	IsoNode *n;
	uint32_t id;
	int r;

	r = iso_dir_get_children(dir, &it);
	if (r < 0)
		return imgfmt_iso_errno(r);
	r = 0;
	while (r >= 0 && iso_dir_iter_next(it, &n) == 1) {
		id = w->next++;
		r = w->visit(w->ctx, id, n, dir_id);
		if (r >= 0 && iso_node_get_type(n) == LIBISO_DIR)
			r = walk_dir(w, (IsoDir *)n, id);
	}
	iso_dir_iter_free(it);
	return r < 0 ? r : 0;
}

int imgfmt_walk_image(IsoImage *img, imgfmt_walk_fn visit, void *ctx)
{
	struct walk w = { visit, ctx, 1 };
	IsoDir *root = iso_image_get_root(img);
	int r;

	r = visit(ctx, IDX_ROOT, (IsoNode *)root, IDX_ROOT);
	if (r < 0)
		return r;
	return walk_dir(&w, root, IDX_ROOT);
}
