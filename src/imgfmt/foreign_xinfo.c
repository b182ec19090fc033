/* foreign_xinfo.c — what libisofs 1.5.4 keeps in attachments it does not
 * export, for nodes moved from one loaded session into the tree being
 * written (foreign.c): a file's MD5 and its Rock Ridge inode number. Both
 * attachments are learned once from nodes libisofs made itself, and
 * checked, so another libisofs fails a commit with words instead of
 * writing wrong MD5s or hard links. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "imgfmt/imgfmt_priv.h"
#include "imgfmt/foreign.h"

static iso_node_xinfo_func md5_proc, ino_proc;

/* The attachment libisofs stores a file's MD5 under: found on a file
 * whose MD5 it computed (the empty file's), then checked to be what
 * iso_file_get_md5 reports. */
static int learn_md5_proc(void)
{
	static const char empty[16] = "\xd4\x1d\x8c\xd9\x8f\x00\xb2\x04"
				      "\xe9\x80\x09\x98\xec\xf8\x42\x7e";
	IsoImage *img = NULL;
	IsoFile *f = NULL;
	iso_node_xinfo_func p;
	char got[16], *val;
	void *h = NULL, *d;
	int ret = -ENOTSUP;

	if (iso_image_new("t", &img) < 0)
		return -ENOMEM;
	if (imgfmt_add_empty_file(img, iso_image_get_root(img), "x", &f) < 0 ||
	    iso_file_make_md5(f, 0) < 0)
		goto out;
	while (iso_node_get_next_xinfo((IsoNode *)f, &h, &p, &d) == 1)
		if (memcmp(d, empty, 16) == 0)
			md5_proc = p;
	iso_node_get_next_xinfo((IsoNode *)f, &h, NULL, NULL);
	if (!md5_proc || !(val = malloc(16)))
		goto out;
	memset(val, 0x5a, 16);
	iso_node_remove_xinfo((IsoNode *)f, md5_proc);
	if (iso_node_add_xinfo((IsoNode *)f, md5_proc, val) < 0) {
		free(val);
		goto out;
	}
	if (iso_file_get_md5(img, f, got, 0) == 1 && memcmp(got, val, 16) == 0)
		ret = 0;
out:
	if (ret)
		md5_proc = NULL;
	iso_image_unref(img);
	return ret;
}

int imgfmt_foreign_set_ino(IsoNode *n, uint64_t ino)
{
	ino_t *d = malloc(sizeof(*d));

	if (!d)
		return -ENOMEM;
	*d = (ino_t)ino;
	iso_node_remove_xinfo(n, ino_proc);
	if (iso_node_add_xinfo(n, ino_proc, d) < 0) {
		free(d);
		return -EIO;
	}
	return 0;
}

/* Whether the inode attachment is known, learned from img if not yet. */
static bool ino_attachment_known(IsoImage *img)
{
	struct errmsg em = { "" };

	return ino_proc || imgfmt_foreign_learn(img, &em) == 0;
}

int imgfmt_foreign_mark_new_link(IsoImage *img, IsoNode *n, uint64_t ino)
{
	return ino_attachment_known(img) ? imgfmt_foreign_set_ino(n, ino) : 0;
}

int imgfmt_foreign_get_ino(IsoNode *n, uint64_t *ino)
{
	void *d;

	if (!ino_proc || iso_node_get_xinfo(n, ino_proc, &d) != 1)
		return -ENOENT;
	*ino = (uint64_t)*(ino_t *)d;
	return 0;
}

static IsoNode *scratch_file(IsoImage *img, const char *name)
{
	IsoFile *f = NULL;

	if (imgfmt_add_empty_file(img, iso_image_get_root(img), name, &f) < 0)
		return NULL;
	iso_node_set_mtime((IsoNode *)f, 1);
	iso_node_set_atime((IsoNode *)f, 1);
	iso_node_set_ctime((IsoNode *)f, 1);
	return (IsoNode *)f;
}

/* The attachment an imported node's inode number is kept in: the one on
 * an imported root that is not the attribute list's; checked by two
 * scratch files that must be one file with equal numbers only. */
static int learn_ino_proc(IsoImage *imported)
{
	IsoNode *root = (IsoNode *)iso_image_get_root(imported), *a, *b;
	iso_node_xinfo_func p;
	IsoImage *img = NULL;
	void *h = NULL, *d;
	int ret = -ENOTSUP;

	while (iso_node_get_next_xinfo(root, &h, &p, &d) == 1)
		if (p != aaip_xinfo_func)
			ino_proc = p;
	if (!ino_proc || iso_image_new("t", &img) < 0)
		goto out;
	a = scratch_file(img, "a");
	b = scratch_file(img, "b");
	if (a && b && !imgfmt_foreign_set_ino(a, 7) &&
	    !imgfmt_foreign_set_ino(b, 7) && iso_node_cmp_ino(a, b, 0) == 0 &&
	    !imgfmt_foreign_set_ino(b, 8) && iso_node_cmp_ino(a, b, 0) != 0)
		ret = 0;
out:
	if (ret)
		ino_proc = NULL;
	if (img)
		iso_image_unref(img);
	return ret;
}

int imgfmt_foreign_learn(IsoImage *imported, struct errmsg *em)
{
	if (!md5_proc && learn_md5_proc() < 0)
		return errmsg_set(em, -ENOTSUP, "this libisofs keeps MD5 sums in a way "
				  "burnfs does not know: restored files cannot be written");
	if (!ino_proc && learn_ino_proc(imported) < 0)
		return errmsg_set(em, -ENOTSUP, "this libisofs keeps inode numbers in a "
				  "way burnfs does not know: restored files cannot be written");
	return 0;
}

/* Its own session's MD5 as its own, and no reference into that
 * session's MD5 array. */
int imgfmt_foreign_carry_md5(IsoImage *from, IsoNode *n)
{
	char *names[1] = { "isofs.cx" }, *vals[1] = { "" }, md5[16], *own;
	size_t lens[1] = { 0 };
	int have = iso_file_get_md5(from, (IsoFile *)n, md5, 0);

	if (iso_node_set_attrs(n, 1, names, lens, vals, 4 | 8) < 0)
		return -EIO;
	if (have != 1)
		return 0;
	own = malloc(16);
	if (!own)
		return -ENOMEM;
	memcpy(own, md5, 16);
	iso_node_remove_xinfo(n, md5_proc);
	if (iso_node_add_xinfo(n, md5_proc, own) < 0) {
		free(own);
		return -EIO;
	}
	return 0;
}

/* A loaded file's PX inode, when libisofs would not tell it apart by it:
 * it gives regular files no inode attachment, comparing their streams'
 * ids (the PX inode) instead, but a zisofs file's stream is the
 * decompression filter, which compares the extents below it. So two
 * compressed files on the same extents (copies, a restored file beside
 * its original) were one file to the writer's hard-link grouping: written
 * as hard links, which the read-back refused, for every later commit. */
static int pin_one(IsoImage *img, IsoNode *n)
{
	IsoStream *st, *base;
	unsigned int fs_id;
	dev_t dev_id;
	ino_t ino;

	if (!n || iso_node_get_type(n) != LIBISO_FILE)
		return 0;
	st = iso_file_get_stream((IsoFile *)n);
	base = st ? iso_stream_get_input_stream(st, 1) : NULL;
	if (!base || memcmp(base->class->type, "fsrc", 4) != 0)
		return 0;
	iso_stream_get_id(base, &fs_id, &dev_id, &ino);
	if (ino == 0)   /* a stream of the loaded image: fs_id is its own */
		return 0;
	if (!ino_attachment_known(img))
		return 1;   /* leave them all as they are */
	return imgfmt_foreign_set_ino(n, ino);
}

int imgfmt_pin_filtered_inos(IsoImage *img, IsoNode **by_id, uint32_t n)
{
	int rc = 0;

	for (uint32_t id = 0; id < n && rc == 0; id++)
		rc = pin_one(img, by_id[id]);
	return rc < 0 ? rc : 0;
}
