/* prepared.c — the tree of a session that a commit wrote and read back
 * before publishing it (readback.c) becomes the lower layer once
 * the session is published, instead of being loaded and indexed a second
 * time by the reload after the commit: the read-back check then costs the
 * commit little more than its comparison. Image files only: there the tree
 * reads its data with pread, like a loaded one; a drive's tree is loaded
 * through libisoburn as before. */
#include <string.h>

#include "imgfmt/imgfmt_priv.h"

void imgfmt_offer_prepared_locked(struct disc *d, IsoImage *img,
				  struct index *idx, uint32_t start_lba)
{
	struct iso_trees *t = iso_trees(d);

	imgfmt_drop_prepared_locked(d);
	if (!disc_is_image(d))
		return;
	iso_image_ref(img);
	t->prepared = img;
	t->prepared_idx = index_ref(idx);
	t->prepared_lba = start_lba;
}

void imgfmt_drop_prepared_locked(struct disc *d)
{
	struct iso_trees *t = iso_trees(d);

	if (t->prepared)
		iso_image_unref(t->prepared);
	index_unref(t->prepared_idx);
	t->prepared = NULL;
	t->prepared_idx = NULL;
}

/* Attach the tree to the drive as isoburn_read_image would have (the
 * drive takes over one reference, the caller gets one more). */
static int attach(struct disc *d, IsoImage *img)
{
	int msc1 = 0;

	if (isoburn_disc_get_msc1(disc_drive(d), &msc1) <= 0 ||
	    isoburn_attach_image(disc_drive(d), img) <= 0)
		return -1;
	isoburn_attach_start_lba(disc_drive(d), msc1, 0);
	iso_image_ref(img);
	return 0;
}

int imgfmt_take_prepared_locked(struct disc *d, int session, IsoImage **img,
				struct index **idx)
{
	struct iso_trees *t = iso_trees(d);
	struct idx_info info = { .session = session };
	IsoImage *tree = t->prepared;
	int r = 0;

	if (!tree)
		return 0;
	t->prepared = NULL;
	if (session > 0 &&
	    disc_toc_session_locked(d, session, &info.start_lba, &info.blocks,
				    info.volid) >= 0 &&
	    info.start_lba == t->prepared_lba && attach(d, tree) == 0) {
		if (!info.volid[0])
			memcpy(info.volid, index_info(t->prepared_idx)->volid,
			       sizeof(info.volid));
		info.damaged = index_info(t->prepared_idx)->damaged;
		index_set_info(t->prepared_idx, &info);
		*img = tree;
		*idx = t->prepared_idx;
		t->prepared_idx = NULL;
		r = 1;
	} else {
		iso_image_unref(tree);
	}
	imgfmt_drop_prepared_locked(d);
	return r;
}
