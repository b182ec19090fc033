/* fuzz_loader.c — one image, as bytes, through everything burnfs does with
 * a disc it mounts: libisofs's reader (Rock Ridge, AAIP xattrs and ACLs,
 * zisofs ZF entries), the index built from the tree (names made safe,
 * attributes, ACLs turned into Linux's form, hard-link groups), and a read
 * of every file through the index (the zisofs reader included). Whatever
 * the bytes, nothing may crash, leak or read out of bounds; the sanitizers
 * say so. Built as a libFuzzer target (-Dfuzz=true, see README) and, with
 * fuzz_smoke.c, as a short bounded run in the unit tests. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "burnfs/index.h"
#include "burnfs/log.h"
#include "disc/disc_int.h"
#include "imgfmt/imgfmt_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct mem_src {
	const uint8_t *data;
	size_t size;
};

static int src_open(IsoDataSource *src) { return 1; }
static int src_close(IsoDataSource *src) { return 1; }
static void src_free(IsoDataSource *src) { }

static int src_read(IsoDataSource *src, uint32_t lba, uint8_t *buf)
{
	struct mem_src *m = src->data;
	uint64_t off = (uint64_t)lba * 2048;

	if (off >= m->size)
		return ISO_DATA_SOURCE_FAILURE;
	memset(buf, 0, 2048);
	memcpy(buf, m->data + off, m->size - off < 2048 ? m->size - off : 2048);
	return 1;
}

static void read_all(struct index *idx)
{
	static char buf[65536];

	for (uint32_t id = 0; id < index_count(idx); id++) {
		struct idx_node view, *n = &view;
		struct stat st;

		index_get(idx, id, n);
		index_stat(idx, id, &st);
		if (!S_ISREG(n->mode))
			continue;
		for (uint64_t off = 0; off < n->size && off < (1u << 22); off += sizeof(buf))
			if (index_read(idx, id, buf, sizeof(buf), off) <= 0)
				break;
	}
}

/* The disc object the index builder needs: an image "file" that holds
 * the bytes (the index reads files through it). */
static int fake_disc(struct disc *d, const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz", 0);

	memset(d, 0, sizeof(*d));
	strcpy(d->target, "fuzz.iso");
	d->is_image = true;
	d->img_fd = fd;
	d->lock_fd = -1;
	pthread_mutex_init(&d->lib_lock, NULL);
	pthread_mutex_init(&d->state_lock, NULL);
	return fd >= 0 && write(fd, data, size) == (ssize_t)size ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct mem_src m = { data, size };
	IsoDataSource src = { .refcount = 1, .open = src_open, .close = src_close,
			      .read_block = src_read, .free_data = src_free, .data = &m };
	IsoReadImageFeatures *feat = NULL;
	IsoReadOpts *ro = NULL;
	IsoImage *img = NULL;
	struct index *idx = NULL;
	char why[256];
	struct disc d;

	if (!ready) {
		iso_init();
		iso_set_msgs_severities("NEVER", "NEVER", "fuzz");
		iso_set_local_charset("UTF-8", 0);
		blog_init(0, 0);
		blog_set_quiet(1);
		ready = 1;
	}
	/* as the daemon does: a tree with a folder loop (or other damage its
	 * walk finds) never reaches libisofs, which would recurse for good */
	if (fake_disc(&d, data, size) == 0 &&
	    disc_tree_check(d.img_fd, size, 16, why, sizeof(why)) == 0 &&
	    iso_read_opts_new(&ro, 0) >= 0 && iso_image_new("FUZZ", &img) >= 0) {
		iso_read_opts_set_no_iso1999(ro, 1);
		iso_read_opts_set_no_aaip(ro, 0);
		if (iso_image_import(img, &src, ro, &feat) >= 0 &&
		    imgfmt_build_index_locked(&d, img, 0, &idx) == 0) {
			read_all(idx);
			index_unref(idx);
		}
	}
	iso_read_image_features_destroy(feat);
	iso_read_opts_free(ro);
	if (img)
		iso_image_unref(img);
	if (d.img_fd >= 0)
		close(d.img_fd);
	return 0;
}
