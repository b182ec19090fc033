/* iso9660.c — the ISO 9660 image format's operations table: what the disc
 * and the jobs call (include/burnfs/imgfmt.h), each a short frame around
 * load.c, build.c, prepared.c, session.c and verify_plan.c. */
#include <errno.h>

#include "burnfs/alloc.h"

#include "imgfmt/imgfmt_priv.h"

/* Index session n's tree img; on failure img is dropped. */
static int build(struct disc *d, IsoImage *img, int n, struct index **out,
		 struct errmsg *em)
{
	int r = imgfmt_build_index_locked(d, img, n, out);

	if (r < 0) {
		iso_image_unref(img);
		return errmsg_set(em, r, "cannot index session %d of %s", n,
				  disc_target(d));
	}
	return 0;
}

/* An image's session is read from its own start block (nothing attached
 * to the drive, the newest session not read again); a drive's through
 * libisoburn's msc1 override, where TOC addresses are the drive's word.
 * An older session of an image not probed yet comes indexed from the
 * probe child, which loads it anyway (1). The tree is freed as soon as
 * it is indexed: the index serves sessions/N. */
static int index_session(struct disc *d, int n, struct index **out,
			 struct errmsg *em)
{
	IsoImage *img = NULL;
	int r = disc_is_image(d) ? disc_session_from_probe_locked(d, n, out, em)
				 : 0;

	if (r != 0)
		return r;
	r = disc_is_image(d) ? imgfmt_import_older_locked(d, n, &img, em)
			     : imgfmt_load_image_locked(d, n, &img, em);
	if (r < 0)
		return r;
	r = build(d, img, n, out, em);
	if (r == 0)
		iso_image_unref(img);
	alloc_release();  /* the tree's pages back to the system now */
	return r;
}

/* The newest is read as the drive was just assessed (or taken from the
 * commit that read it back already); an older one, and the newest of a
 * disc whose sessions were found by scanning, through the msc1 override,
 * left attached. The tree is kept warm for the next commit. */
static int index_lower(struct disc *d, int n, int count, struct index **out,
		       bool *closed, struct errmsg *em)
{
	IsoImage *img = NULL;
	int r;

	if (n == count && imgfmt_take_prepared_locked(d, n, &img, out) == 1) {
		*closed = imgfmt_image_closed(img);
		imgfmt_keep_warm_locked(d, img, *out);
		return 0;
	}
	if (n == count && !disc_sessions_scanned(d)) {
		r = disc_check_loadable_locked(d, n, count, em);
		if (r == 0)
			r = imgfmt_read_newest_locked(d, &img, em);
	} else {
		r = imgfmt_load_image_locked(d, n, &img, em);
	}
	if (r < 0)
		return r;
	*closed = imgfmt_image_closed(img);
	r = build(d, img, n, out, em);
	disc_drain_msgs();
	if (r == 0)
		imgfmt_keep_warm_locked(d, img, *out);
	return r;
}

/* The probe loads a session the way the daemon will: an older session of
 * an image by its own start block (indexed too when idx asks: then the
 * daemon takes the index and loads nothing), anything else through
 * libisoburn. */
static int load_session(struct disc *d, int n, struct index **idx,
			struct errmsg *em)
{
	IsoImage *img = NULL;
	int count = disc_toc_session_locked(d, 0, &(uint32_t){0},
					    &(uint32_t){0}, NULL);
	bool older = disc_is_image(d) && n > 0 && n < count;
	int r = older ? imgfmt_import_older_locked(d, n, &img, em)
		      : imgfmt_load_image_locked(d, n, &img, em);

	if (idx)
		*idx = NULL;
	if (r == 0 && older && idx)
		/* The tree is left to the probe's exit, which comes next:
		 * freeing 300,000 nodes would only delay its answer. */
		return build(d, img, n, idx, em);
	if (img)
		iso_image_unref(img);
	return r;
}

static void release(struct disc *d)
{
	imgfmt_warm_drop_locked(d);
	imgfmt_drop_prepared_locked(d);
}

const struct imgfmt imgfmt_iso9660 = {
	.name = "ISO 9660",
	.state_size = sizeof(struct iso_trees),
	.index_session = index_session,
	.index_lower = index_lower,
	.load_session = load_session,
	.write_snapshot = imgfmt_write_snapshot_locked,
	.plan_verify = imgfmt_verify_plan_locked,
	.plan_free = imgfmt_verify_plan_free,
	.forget_lower = imgfmt_warm_drop_locked,
	.release = release,
};
