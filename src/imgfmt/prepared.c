/* prepared.c — the tree of a session that a commit wrote and read back
 * before publishing it (src/burn/readback.c) becomes the lower layer once
 * the session is published, instead of being loaded and indexed a second
 * time by the reload after the commit: the read-back check then costs the
 * commit little more than its comparison. Image files only: there the tree
 * reads its data with pread, like a loaded one; a drive's tree is loaded
 * through libisoburn as before. */
#include <string.h>

#include "disc/disc_int.h"

void imgfmt_offer_prepared_locked(struct disc *d, IsoImage *img,
				struct index *idx, uint32_t start_lba)
{
	imgfmt_drop_prepared_locked(d);
	if (!d->is_image)
		return;
	iso_image_ref(img);
	d->prepared = img;
	d->prepared_idx = index_ref(idx);
	d->prepared_lba = start_lba;
}

void imgfmt_drop_prepared_locked(struct disc *d)
{
	if (d->prepared)
		iso_image_unref(d->prepared);
	index_unref(d->prepared_idx);
	d->prepared = NULL;
	d->prepared_idx = NULL;
}

/* Attach the tree to the drive as isoburn_read_image would have (the
 * drive takes over one reference, the caller gets one more). */
static int attach(struct disc *d, IsoImage *img)
{
	int msc1 = 0;

	if (isoburn_disc_get_msc1(d->drive, &msc1) <= 0 ||
	    isoburn_attach_image(d->drive, img) <= 0)
		return -1;
	isoburn_attach_start_lba(d->drive, msc1, 0);
	iso_image_ref(img);
	return 0;
}

int imgfmt_take_prepared_locked(struct disc *d, int session, IsoImage **img,
			      struct index **idx)
{
	struct idx_info info = { .session = session };
	IsoImage *tree = d->prepared;
	int r = 0;

	if (!tree)
		return 0;
	d->prepared = NULL;
	if (session > 0 &&
	    disc_toc_session_locked(d, session, &info.start_lba, &info.blocks,
				    info.volid) >= 0 &&
	    info.start_lba == d->prepared_lba && attach(d, tree) == 0) {
		if (!info.volid[0])
			memcpy(info.volid, index_info(d->prepared_idx)->volid,
			       sizeof(info.volid));
		info.damaged = index_info(d->prepared_idx)->damaged;
		index_set_info(d->prepared_idx, &info);
		*img = tree;
		*idx = d->prepared_idx;
		d->prepared_idx = NULL;
		r = 1;
	} else {
		iso_image_unref(tree);
	}
	imgfmt_drop_prepared_locked(d);
	return r;
}
