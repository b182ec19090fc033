/* test_md5.c — the md5 part: burnfs's iso_md5_* against RFC 1321's
 * vectors, against libcrypto's one-shot MD5 and against libisofs's own
 * MD5 code (looked up in libisofs.so itself) for inputs fed in random
 * piece sizes with clones in between, inline and on the hashing threads,
 * from several threads at once; libisofs's iso_file_make_md5 reaching it;
 * and the corner cases of libisofs's API (NULL contexts, start over a live
 * context). The MD5 taken while a file is written (md5run), kept with it
 * (md5_stored_*), and a stored MD5 standing in for a file's bytes only
 * when a context is given exactly the bytes its stream handed out. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <libisofs/libisofs.h>
#include <openssl/evp.h>

#include "burnfs/md5.h"
#include "check.h"

typedef int (*start_fn)(void **);
typedef int (*compute_fn)(void *, char *, int);
typedef int (*clone_fn)(void *, void **);
typedef int (*end_fn)(void **, char *);

struct impl {
	start_fn start;
	compute_fn compute;
	clone_fn clone;
	end_fn end;
};

static const struct impl ours = { iso_md5_start, iso_md5_compute, iso_md5_clone, iso_md5_end };
static struct impl theirs;   /* libisofs's own code */

static void find_libisofs_md5(void)
{
	void *h = dlopen("libisofs.so.6", RTLD_NOW | RTLD_NOLOAD);

	CHECK(h != NULL);
	if (!h)
		return;
	theirs.start = (start_fn)dlvsym(h, "iso_md5_start", "LIBISOFS6");
	theirs.compute = (compute_fn)dlvsym(h, "iso_md5_compute", "LIBISOFS6");
	theirs.clone = (clone_fn)dlvsym(h, "iso_md5_clone", "LIBISOFS6");
	theirs.end = (end_fn)dlvsym(h, "iso_md5_end", "LIBISOFS6");
	CHECK(theirs.start && theirs.compute && theirs.clone && theirs.end);
	CHECK(theirs.compute != iso_md5_compute);   /* really another one */
}

static void hex(const char d[16], char out[33])
{
	for (int i = 0; i < 16; i++)
		sprintf(out + 2 * i, "%02x", (unsigned char)d[i]);
}

static void one_shot(const void *data, size_t len, char out[16])
{
	unsigned int n = 0;

	CHECK(EVP_Digest(data, len, (unsigned char *)out, &n, EVP_md5(), NULL) == 1);
	CHECK_EQ(n, 16);
}

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13, *s ^= *s >> 17, *s ^= *s << 5;
	return *s;
}

/* MD5 of data fed in random pieces; prefix gets the MD5 of the first
 * `at` bytes through a clone. */
static void pieces(const struct impl *m, const unsigned char *data, size_t len,
		   size_t at, uint32_t seed, char sum[16], char prefix[16])
{
	void *ctx = NULL, *copy = NULL;
	size_t off = 0, n;

	CHECK_EQ(m->start(&ctx), 1);
	if (at == 0) {
		CHECK_EQ(m->clone(ctx, &copy), 1);
		CHECK_EQ(m->end(&copy, prefix), 1);
	}
	while (off < len) {
		n = rnd(&seed) % 3 ? rnd(&seed) % 4097 : rnd(&seed) % 300000;
		n = n < len - off ? n : len - off;
		if (off < at && at <= off + n)
			n = at - off;
		CHECK_EQ(m->compute(ctx, (char *)data + off, (int)n), 1);
		off += n;
		if (off == at) {
			CHECK_EQ(m->clone(ctx, &copy), 1);
			CHECK_EQ(m->end(&copy, prefix), 1);
			CHECK(copy == NULL);
		}
	}
	CHECK_EQ(m->end(&ctx, sum), 1);
	CHECK(ctx == NULL);
}

static void test_vectors(void)
{
	static const char *in[] = { "", "a", "abc", "message digest",
		"abcdefghijklmnopqrstuvwxyz",
		"12345678901234567890123456789012345678901234567890123456789012345678901234567890" };
	static const char *want[] = { "d41d8cd98f00b204e9800998ecf8427e",
		"0cc175b9c0f1b6a831c399e269772661", "900150983cd24fb0d6963f7d28e17f72",
		"f96b697d7cb7938d525a2f31aaf161d0", "c3fcd3d76192e4007dfb496cca67e13b",
		"57edf4a22be3c955ac49da2e2107b67a" };
	char sum[16], pre[16], h[33];

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		pieces(&ours, (const unsigned char *)in[i], strlen(in[i]), 0, 7, sum, pre);
		hex(sum, h);
		check_str_at(__FILE__, __LINE__, in[i], h, want[i]);
		hex(pre, h);
		check_str_at(__FILE__, __LINE__, "empty prefix", h, want[0]);
	}
}

#define BIG (7u << 20)
static unsigned char *data;

/* Lengths around the 64 KiB hashed inline and the 1 MiB chunks. */
static const size_t lens[] = { 0, 1, 2047, 2048, 2049, 65535, 65536, 65537,
	(1u << 20) - 1, 1u << 20, (1u << 20) + 1, (5u << 20) + 3, BIG };

static void compare_all(uint32_t seed)
{
	char a[16], ap[16], b[16], bp[16], c[16], cp[16];

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t len = lens[i], at = len ? rnd(&seed) % (len + 1) : 0;

		pieces(&ours, data, len, at, seed, a, ap);
		if (theirs.start)
			pieces(&theirs, data, len, at, seed + 1, b, bp);
		one_shot(data, len, c);
		one_shot(data, at, cp);
		CHECK(memcmp(a, c, 16) == 0);
		CHECK(memcmp(ap, cp, 16) == 0);
		if (theirs.start) {
			CHECK(memcmp(b, c, 16) == 0);
			CHECK(memcmp(bp, cp, 16) == 0);
		}
	}
}

static void *thread_main(void *arg)
{
	compare_all((uint32_t)(uintptr_t)arg);
	return NULL;
}

static void test_threads(void)
{
	pthread_t t[4];

	for (uintptr_t i = 0; i < 4; i++)
		CHECK(pthread_create(&t[i], NULL, thread_main, (void *)(i * 7919 + 1)) == 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
}

/* libisofs hashes a memory stream through our functions. */
static void test_libisofs_uses_ours(void)
{
	IsoImage *img = NULL;
	IsoStream *st = NULL;
	IsoFile *file = NULL;
	unsigned char *copy = malloc(BIG);
	char sum[16], want[16];

	memcpy(copy, data, BIG);
	CHECK(iso_image_new("t", &img) >= 0);
	CHECK(iso_memory_stream_new(copy, BIG, &st) >= 0);
	CHECK(iso_image_add_new_file(img, iso_image_get_root(img), "f", st, &file) >= 0);
	CHECK(iso_file_make_md5(file, 0) >= 0);
	CHECK_EQ(iso_file_get_md5(img, file, sum, 0), 1);
	one_shot(data, BIG, want);
	CHECK(memcmp(sum, want, 16) == 0);
	iso_image_unref(img);
}

static void test_api_corners(void)
{
	void *ctx = NULL, *other = NULL;
	char sum[16], want[16];

	CHECK_EQ(iso_md5_compute(NULL, "x", 1), (int)ISO_NULL_POINTER);
	CHECK_EQ(iso_md5_end(&ctx, sum), (int)ISO_NULL_POINTER);
	CHECK_EQ(iso_md5_clone(NULL, &other), (int)ISO_NULL_POINTER);
	/* start over a live context disposes of it (no leak under ASan) */
	CHECK_EQ(iso_md5_start(&ctx), 1);
	CHECK_EQ(iso_md5_compute(ctx, (char *)data, 3u << 20), 1);
	CHECK_EQ(iso_md5_start(&ctx), 1);
	CHECK_EQ(iso_md5_compute(ctx, (char *)data, 0), 1);
	CHECK_EQ(iso_md5_compute(ctx, (char *)data, 5), 1);
	/* a clone into a live context replaces it */
	CHECK_EQ(iso_md5_start(&other), 1);
	CHECK_EQ(iso_md5_clone(ctx, &other), 1);
	CHECK_EQ(iso_md5_end(&ctx, sum), 1);
	one_shot(data, 5, want);
	CHECK(memcmp(sum, want, 16) == 0);
	CHECK_EQ(iso_md5_end(&other, sum), 1);
	CHECK(memcmp(sum, want, 16) == 0);
}

static void test_md5run(void)
{
	struct md5run *r = md5_run_new();
	unsigned char got[16];
	char want[16];

	CHECK(r != NULL);
	CHECK_EQ(md5_run_digest(r, got), 0);
	one_shot(data, 0, want);
	CHECK(memcmp(got, want, 16) == 0);
	md5_run_add(r, data, 70000);
	CHECK_EQ(md5_run_digest(r, got), 0);   /* and the run goes on */
	one_shot(data, 70000, want);
	CHECK(memcmp(got, want, 16) == 0);
	md5_run_add(r, data + 70000, (3u << 20) - 70000);
	CHECK_EQ(md5_run_digest(r, got), 0);
	one_shot(data, 3u << 20, want);
	CHECK(memcmp(got, want, 16) == 0);
	md5_run_free(r);
	md5_run_free(NULL);
}

static char tmp_path[] = "/var/tmp/test_md5.XXXXXX";
static int tmp_fd = -1;
#define FILE_LEN ((1u << 20) + 2049)   /* a partial last block */

static void test_stored(void)
{
	const unsigned char md5[16] = "0123456789abcdef";
	unsigned char got[16];
	int ret = md5_stored_put(tmp_fd, FILE_LEN, md5);

	if (ret == -ENOTSUP) {
		printf("# no user xattrs in /var/tmp: md5_stored_* not checked\n");
		return;
	}
	CHECK_EQ(ret, 0);
	CHECK_EQ(md5_stored_get(tmp_fd, FILE_LEN, got), 1);
	CHECK(memcmp(got, md5, 16) == 0);
	CHECK_EQ(md5_stored_get(tmp_fd, FILE_LEN + 1, got), 0);  /* other size */
	CHECK_EQ(md5_stored_clear(tmp_fd), 1);
	CHECK_EQ(md5_stored_clear(tmp_fd), 0);
	CHECK_EQ(md5_stored_get(tmp_fd, FILE_LEN, got), 0);
}

enum pattern { P_EXACT, P_PADDED, P_FILTER, P_SHORT, P_CLONE, P_READ_FIRST, P_GAP };

/* Play libisofs's iso_filesrc_write_data over the temp file with a claim
 * of `fake` (not the file's MD5), bending the pattern as told; sum is what
 * the context ends with, `cut` how many bytes it was given. */
static void play(enum pattern p, const unsigned char fake[16], char sum[16],
		 size_t *cut)
{
	struct stat sb;
	struct md5claim *c;
	char buf[2048], other[2048], *to = p == P_FILTER ? other : buf;
	void *ctx = NULL, *copy = NULL;
	size_t off = 0, n, stop = p == P_PADDED || p == P_SHORT ? 300 * 2048 : FILE_LEN;
	char pre[16];

	CHECK(fstat(tmp_fd, &sb) == 0);
	c = md5_claim_new(tmp_path, sb.st_dev, sb.st_ino, FILE_LEN, fake);
	CHECK(c != NULL);
	md5_claim_opened(c);
	if (p == P_READ_FIRST)
		md5_claim_handed(c, buf, 0);
	CHECK_EQ(iso_md5_start(&ctx), 1);
	for (; off < FILE_LEN && !(p == P_SHORT && off == stop); off += n) {
		n = FILE_LEN - off < 2048 ? FILE_LEN - off : 2048;
		if (off < stop) {   /* a read; P_PADDED: zeros after `stop` */
			memcpy(buf, data + off, n);
			md5_claim_handed(c, to, n);
			if (p == P_GAP && off == 2048 * 5)
				md5_claim_handed(c, other, n);   /* never given */
		} else {
			memset(buf, 0, n);
		}
		CHECK_EQ(iso_md5_compute(ctx, buf, (int)n), 1);
		if (p == P_CLONE && off == 2048 * 7) {
			CHECK_EQ(iso_md5_clone(ctx, &copy), 1);
			CHECK_EQ(iso_md5_end(&copy, pre), 1);
		}
	}
	md5_claim_handed(c, buf, 0);
	md5_claim_closed(c);
	CHECK_EQ(iso_md5_end(&ctx, sum), 1);
	md5_claim_unref(c);
	*cut = off;
}

static void test_claims(void)
{
	const unsigned char fake[16] = "not the real MD5";
	static const enum pattern others[] = { P_PADDED, P_FILTER, P_SHORT,
		P_CLONE, P_READ_FIRST, P_GAP };
	unsigned char *padded = calloc(1, FILE_LEN);
	unsigned long used = md5_claims_used();
	char sum[16], want[16];
	size_t cut;

	CHECK(pwrite(tmp_fd, data, FILE_LEN, 0) == FILE_LEN);
	play(P_EXACT, fake, sum, &cut);   /* given exactly: the stored MD5 */
	CHECK(memcmp(sum, fake, 16) == 0);
	CHECK_EQ(md5_claims_used(), used + 1);
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		play(others[i], fake, sum, &cut);   /* else what it was given */
		memcpy(padded, data, others[i] == P_PADDED ? 300 * 2048 : FILE_LEN);
		one_shot(padded, cut, want);
		CHECK(memcmp(sum, want, 16) == 0);
	}
	CHECK_EQ(md5_claims_used(), used + 1);
	free(padded);
}

static void test_written_md5s(void)
{
	tmp_fd = mkstemp(tmp_path);
	CHECK(tmp_fd >= 0);
	if (tmp_fd < 0)
		return;
	test_md5run();
	test_stored();
	test_claims();
	close(tmp_fd);
	unlink(tmp_path);
}

int main(void)
{
	uint32_t s = 12345;

	CHECK(iso_init() >= 0);
	data = malloc(BIG);
	for (size_t i = 0; i < BIG; i++)
		data[i] = (unsigned char)rnd(&s);
	find_libisofs_md5();
	/* before the self-test: every context hashes inline */
	CHECK(!md5_offload_active());
	test_vectors();
	compare_all(1);
	test_api_corners();
	md5_offload_ready();
	CHECK(md5_offload_active());   /* the self-test passed here */
	test_vectors();
	compare_all(2);
	test_api_corners();
	test_threads();
	test_libisofs_uses_ours();
	test_written_md5s();
	md5_offload_shutdown();
	/* after the threads stopped: inline again, still right */
	CHECK(!md5_offload_active());
	compare_all(3);
	free(data);
	iso_finish();
	CHECK_DONE();
}
