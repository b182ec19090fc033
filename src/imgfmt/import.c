/* import.c — load one session's tree straight from its start block with
 * libisofs's reader, through a data source of our own: pread on the image
 * file or block device (burn_read_data on a drive, lib_lock held). Unlike
 * isoburn_read_image it reads only that session and attaches nothing to
 * the drive, so the tree the drive holds (the newest, which the next
 * write grows from) stays as it is. Used by the read-back of a new
 * session before it is published and by sessions/N of older sessions. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "imgfmt/imgfmt_priv.h"

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
	/* lib_lock is held by the caller; the drive is idle. */
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
	/* the file mounted, whatever its path names by now */
	s->fd = disc_is_image(d) ? disc_image_dup_fd(d) : -1;
	if (disc_is_image(d) && s->fd < 0) {
		err = s->fd;
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

/* The options load.c gives isoburn_read_image, as libisoburn turns them
 * into libisofs's: no ISO 9660:1999 tree; AAIP on, so xattrs, ACLs and PX
 * inodes load; the MD5 array loaded and the session's MD5 tags checked (a
 * tree whose tag does not match is refused); entries without Rock Ridge
 * belong to the user who mounted, 0644 (folders 0755). */
static void set_opts(IsoReadOpts *ro, uint32_t lba)
{
	iso_read_opts_set_start_block(ro, lba);
	iso_read_opts_set_no_iso1999(ro, 1);
	iso_read_opts_set_no_aaip(ro, 0);
	iso_read_opts_set_no_md5(ro, 0);
	iso_read_opts_set_new_inos(ro, 0);
	iso_read_opts_set_default_permissions(ro, 0644, 0755);
	iso_read_opts_set_default_uid(ro, geteuid());
	iso_read_opts_set_default_gid(ro, getegid());
	iso_read_opts_set_input_charset(ro, NULL);
}

int imgfmt_import_session(struct disc *d, uint32_t lba, IsoImage **img)
{
	IsoDataSource *src = NULL;
	IsoReadOpts *ro = NULL;
	IsoReadImageFeatures *feat = NULL;
	int r = new_source(d, &src);

	*img = NULL;
	if (r < 0)
		return r;
	r = iso_read_opts_new(&ro, 0) < 0 || iso_image_new("ISOIMAGE", img) < 0
	    ? ISO_OUT_OF_MEM : 0;
	if (!r) {
		set_opts(ro, lba);
		/* libisofs queues a DEBUG message per node it imports (see
		 * load.c's read_one). */
		disc_iso_debug_msgs(false);
		r = iso_image_import(*img, src, ro, &feat);
		disc_iso_debug_msgs(true);
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
