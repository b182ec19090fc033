/* readback.c — never publish a session the loader cannot read. On image
 * files and overwritable media a session is published only by
 * isoburn_activate_session; before that, the medium still shows the
 * previous session while the new one already lies behind it. So between
 * the write and the activation the new session's tree is loaded from its
 * own start block with libisofs's reader (the reader a mount uses), indexed
 * as a mount indexes it, and compared with the snapshot it was written
 * from. On a mismatch the session is not activated. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "imgfmt/imgfmt_priv.h"
#include "imgfmt/readback.h"
#include "burnfs/log.h"
#include "burnfs/stage.h"

struct rb_src {
	struct disc *d;
	int fd;               /* the image file, or -1 for a drive */
};

static int src_open(IsoDataSource *src)
{
	return 1;
}

static int src_close(IsoDataSource *src)
{
	return 1;
}

static int src_read(IsoDataSource *src, uint32_t lba, uint8_t *buf)
{
	struct rb_src *s = src->data;
	off_t count = 0;

	if (s->fd >= 0)
		return pread(s->fd, buf, 2048, (off_t)lba * 2048) == 2048
		       ? 1 : ISO_DATA_SOURCE_FAILURE;
	/* lib_lock is held by the commit; the drive is idle. */
	if (burn_read_data(disc_drive(s->d), (off_t)lba * 2048, (char *)buf, 2048,
			   &count, 2) <= 0 || count != 2048)
		return ISO_DATA_SOURCE_FAILURE;
	return 1;
}

static void src_free(IsoDataSource *src)
{
	struct rb_src *s = src->data;

	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

static int new_source(struct disc *d, IsoDataSource **out)
{
	IsoDataSource *src = calloc(1, sizeof(*src));
	struct rb_src *s = calloc(1, sizeof(*s));
	int err = -ENOMEM;

	if (!src || !s)
		goto fail;
	s->d = d;
	s->fd = disc_is_image(d) ? open(disc_target(d), O_RDONLY | O_CLOEXEC) : -1;
	if (disc_is_image(d) && s->fd < 0) {
		err = -errno;
		goto fail;
	}
	*src = (IsoDataSource){ .refcount = 1, .open = src_open,
		.close = src_close, .read_block = src_read,
		.free_data = src_free, .data = s };
	*out = src;
	return 0;
fail:
	free(src);
	free(s);
	return err;
}

/* The tree as a mount reads it: Rock Ridge and AAIP, no ISO 9660:1999
 * tree, and the MD5 array, which the next commit needs to keep the MD5s
 * of files it does not rewrite (the tree serves it, see prepared.c). */
static int import_session(struct disc *d, uint32_t lba, IsoImage **img)
{
	IsoDataSource *src = NULL;
	IsoReadOpts *ro = NULL;
	IsoReadImageFeatures *feat = NULL;
	int r = new_source(d, &src);

	*img = NULL;
	if (r < 0)
		return r;
	r = iso_read_opts_new(&ro, 0) < 0 || iso_image_new("READBACK", img) < 0
	    ? ISO_OUT_OF_MEM : 0;
	if (!r) {
		iso_read_opts_set_start_block(ro, lba);
		iso_read_opts_set_no_iso1999(ro, 1);
		iso_read_opts_set_no_aaip(ro, 0);
		iso_read_opts_set_no_md5(ro, 0);
		r = iso_image_import(*img, src, ro, &feat);
	}
	iso_read_image_features_destroy(feat);
	iso_read_opts_free(ro);
	iso_data_source_unref(src);
	disc_drain_msgs();
	if (r < 0 && *img) {
		iso_image_unref(*img);
		*img = NULL;
	}
	return r < 0 ? imgfmt_iso_errno(r) : 0;
}

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
	r = import_session(d, start_lba, &img);
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
