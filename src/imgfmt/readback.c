/* readback.c — never publish a session the loader cannot read. On image
 * files and overwritable media a session is published only by
 * isoburn_activate_session; before that, the medium still shows the
 * previous session while the new one already lies behind it. So between
 * the write and the activation the new session's tree is loaded from its
 * own start block with libisofs's reader (the reader a mount uses), indexed
 * as a mount indexes it, and compared with the snapshot it was written
 * from. On a mismatch the session is not activated. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "imgfmt/imgfmt_priv.h"
#include "imgfmt/readback.h"
#include "burnfs/log.h"
#include "burnfs/stage.h"

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

int imgfmt_readback_check(struct disc *d, uint32_t start_lba,
			  const struct imgfmt_readback *rb, struct errmsg *em)
{
	struct index *idx = NULL;
	IsoImage *img = NULL;
	char report[400];
	unsigned int bad;
	uint64_t t0;
	int r;

	/* Emulated multisession publishes by activation; on write-once media
	 * the track is there once written. */
	if (!rb || !disc_emulated_locked(d))
		return 0;
	t0 = now_ns();
	disc_take_dropped();
	r = imgfmt_import_session(d, start_lba, &img);
	if (r < 0)
		return errmsg_set(em, -EIO, "the session was written, but it cannot be read back (%s); it was not published",
				  strerror(-r));
	r = imgfmt_build_index_locked(d, img, 0, &idx);
	if (r < 0) {
		iso_image_unref(img);
		return errmsg_set(em, -EIO, "the session was written, but it cannot be indexed (%s); it was not published",
				  strerror(-r));
	}
	bad = imgfmt_readback_compare(idx, rb->snap, report, sizeof(report));
	blog_info("read the new session back: %u entries in %.0f ms", index_count(idx),
		  (double)(now_ns() - t0) / 1e6);
	if (!bad)
		imgfmt_offer_prepared_locked(d, img, idx, start_lba);
	iso_image_unref(img);
	index_unref(idx);
	if (!bad)
		return 0;
	blog_error("the session read back differs from the staged tree in %u entries: %s",
		   bad, report);
	return errmsg_set(em, -EIO, "the session read back differs from the staged tree in %u entries; it was not published: %s",
			  bad, report[0] ? report : "(entries dropped by the loader)");
}
