/* fuzz_smoke.c — a short, bounded, deterministic run of fuzz_loader.c in
 * the normal test suite (no libFuzzer needed): a few images written with
 * libisofs here (every kind of entry, xattrs with empty values, ACLs, hard
 * links, a zisofs-compressed file), each fed whole, cut short and with
 * bytes changed at pseudo-random places. Files named on the command line
 * are fed as they are (to replay what the fuzzer found). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "disc/disc_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MUTANTS 120

struct buf {
	uint8_t *p;
	size_t len;
};

static int write_image(IsoImage *img, struct buf *out)
{
	IsoWriteOpts *o = NULL;
	struct burn_source *bs = NULL;
	uint8_t block[2048];

	if (iso_write_opts_new(&o, 0) < 0)
		return -1;
	iso_write_opts_set_rockridge(o, 1);
	iso_write_opts_set_aaip(o, 1);
	iso_write_opts_set_hardlinks(o, 1);
	iso_write_opts_set_iso_level(o, 3);
	iso_write_opts_set_record_md5(o, 1, 1);
	if (iso_image_create_burn_source(img, o, &bs) < 0) {
		iso_write_opts_free(o);
		return -1;
	}
	while (bs->read_xt(bs, block, sizeof(block)) == sizeof(block)) {
		out->p = realloc(out->p, out->len + sizeof(block));
		memcpy(out->p + out->len, block, sizeof(block));
		out->len += sizeof(block);
	}
	bs->free_data(bs);
	free(bs);
	iso_write_opts_free(o);
	return 0;
}

static IsoFile *add_mem_file(IsoImage *img, IsoDir *dir, const char *name,
			     size_t size, int pattern)
{
	unsigned char *data = malloc(size ? size : 1);
	IsoStream *s = NULL;
	IsoFile *f = NULL;

	if (!data)
		return NULL;
	for (size_t i = 0; i < size; i++)
		data[i] = pattern ? (unsigned char)("burnfs "[i % 7]) : (unsigned char)(i * 31);
	if (iso_memory_stream_new(data, size, &s) < 0 ||
	    iso_image_add_new_file(img, dir, name, s, &f) < 0)
		return NULL;
	return f;
}

static void add_attrs(IsoNode *n)
{
	char *names[] = { "user.empty", "trusted.t", "user.a" };
	char *vals[] = { "", "t", "value" };
	size_t lens[] = { 0, 1, 5 };

	iso_node_set_attrs(n, 3, names, lens, vals, 8);
	iso_node_set_acl_text(n, "user::rw-\nuser:1234:r-x\ngroup::r--\nmask::r-x\nother::---\n",
			      NULL, 0);
}

static int seed_image(int kind, struct buf *out)
{
	IsoImage *img = NULL;
	IsoDir *root, *dir = NULL;
	IsoSymlink *l = NULL;
	IsoSpecial *sp = NULL;
	IsoNode *clone = NULL;
	IsoFile *f;
	int ret;

	if (iso_image_new("SEED", &img) < 0)
		return -1;
	root = iso_image_get_root(img);
	iso_image_add_new_dir(img, root, "dir", &dir);
	add_attrs((IsoNode *)dir);
	f = add_mem_file(img, dir, "file", kind ? 200000 : 5000, kind);
	if (f && kind)
		iso_file_add_zisofs_filter(f, 0);
	if (f)
		add_attrs((IsoNode *)f);
	/* (libisofs 1.5.4's writer hangs on a clone of a zisofs file) */
	if (f && !kind)
		iso_image_tree_clone(img, (IsoNode *)f, root, "hardlink", &clone, 0);
	iso_image_add_new_symlink(img, root, "link", "dir/file", &l);
	iso_image_add_new_special(img, root, "fifo", S_IFIFO | 0644, 0, &sp);
	iso_image_add_new_special(img, root, "dev", S_IFCHR | 0600, makedev(1, 3), &sp);
	add_mem_file(img, root, "empty", 0, 0);
	ret = write_image(img, out);
	iso_image_unref(img);
	return ret;
}

/* Feed the image whole, cut, and changed at pseudo-random places in and
 * after the volume descriptors (the directory records and Rock Ridge
 * fields live there). */
static void feed_variants(const struct buf *img)
{
	uint8_t *copy = malloc(img->len);
	uint32_t rnd = 12345;

	LLVMFuzzerTestOneInput(img->p, img->len);
	LLVMFuzzerTestOneInput(img->p, img->len / 2);
	for (int m = 0; m < MUTANTS; m++) {
		int flips = 1 + m % 8;

		memcpy(copy, img->p, img->len);
		for (int i = 0; i < flips; i++) {
			size_t at;

			rnd = rnd * 1103515245u + 12345u;
			at = 16 * 2048 + (rnd >> 8) % (img->len - 16 * 2048);
			rnd = rnd * 1103515245u + 12345u;
			copy[at] ^= (uint8_t)(1u << ((rnd >> 16) % 8));
		}
		LLVMFuzzerTestOneInput(copy, img->len);
	}
	free(copy);
}

static int replay(const char *path)
{
	struct buf b = { 0 };
	FILE *f = fopen(path, "rb");
	long len;

	if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0)
		return -1;
	rewind(f);
	b.p = malloc((size_t)len + 1);
	b.len = fread(b.p, 1, (size_t)len, f);
	fclose(f);
	LLVMFuzzerTestOneInput(b.p, b.len);
	free(b.p);
	return 0;
}

int main(int argc, char **argv)
{
	LLVMFuzzerTestOneInput(NULL, 0);   /* starts libisofs */
	for (int i = 1; i < argc; i++)
		if (replay(argv[i]))
			fprintf(stderr, "cannot read %s\n", argv[i]);
	if (argc > 1)
		return 0;
	for (int kind = 0; kind < 2; kind++) {
		struct buf img = { 0 };

		if (seed_image(kind, &img) || img.len <= 16 * 2048) {
			fprintf(stderr, "cannot write seed image %d\n", kind);
			return 1;
		}
		feed_variants(&img);
		free(img.p);
	}
	iso_finish();
	fprintf(stderr, "ok\n");
	return 0;
}
