/* selftest.c — decide once how MD5 contexts hash. Hashing threads are
 * used only after a self-test has proved, in this very process, that the
 * interposed iso_md5_* calls give right sums (known vectors, a long input
 * in odd pieces with an intermediate clone) and that libisofs really
 * calls them (iso_file_make_md5 on a memory stream starts one of our
 * contexts and records the right MD5). Anything else, or
 * BURNFS_MD5_OFFLOAD=off, leaves every context hashing inline. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <libisofs/libisofs.h>

#include "burnfs/log.h"
#include "burnfs/md5.h"
#include "md5/md5_priv.h"

#define LONG_LEN ((3u << 20) + 333)   /* past the inline start, odd end */

static atomic_bool offload;
static atomic_ulong started;
static pthread_once_t once = PTHREAD_ONCE_INIT;

bool md5_mode_offload(void)
{
	return atomic_load(&offload);
}

bool md5_offload_active(void)
{
	return md5_mode_offload();
}

void md5_count_start(void)
{
	atomic_fetch_add(&started, 1);
}

unsigned long md5_started_count(void)
{
	return atomic_load(&started);
}

/* MD5 of data through iso_md5_* in pieces of 1..4099 bytes; the clone
 * taken after `at` (0 < at <= len) bytes gives the MD5 of the prefix.
 * 0 or -1. */
static int md5_pieces(const unsigned char *data, size_t len, size_t at,
		      char sum[16], char prefix_sum[16])
{
	void *ctx = NULL, *copy = NULL;
	size_t off = 0, n, step = 1;
	int ret = -1;

	if (iso_md5_start(&ctx) != 1)
		return -1;
	while (off < len) {
		step = (step * 7 + 13) % 4099 + 1;
		n = len - off < step ? len - off : step;
		if (off < at && at <= off + n)
			n = at - off;   /* stop at `at` for the clone */
		if (iso_md5_compute(ctx, (char *)data + off, (int)n) != 1)
			goto out;
		off += n;
		if (off == at &&
		    (iso_md5_clone(ctx, &copy) != 1 || iso_md5_end(&copy, prefix_sum) != 1))
			goto out;
	}
	ret = 0;
out:
	if (iso_md5_end(&ctx, sum) != 1)
		ret = -1;
	return ret;
}

static bool same_as_libcrypto(const void *data, size_t len, const char got[16])
{
	unsigned char want[16];
	unsigned int n = 0;

	return EVP_Digest(data, len, want, &n, EVP_md5(), NULL) == 1 &&
	       n == 16 && memcmp(want, got, 16) == 0;
}

/* RFC 1321's own test suite, one of them. */
static const char *check_vector(void)
{
	static const unsigned char want[16] = {
		0xc3, 0xfc, 0xd3, 0xd7, 0x61, 0x92, 0xe4, 0x00,
		0x7d, 0xfb, 0x49, 0x6c, 0xca, 0x67, 0xe1, 0x3b };
	const char *abc = "abcdefghijklmnopqrstuvwxyz";
	char sum[16], pre[16];

	if (md5_pieces((const unsigned char *)abc, 26, 3, sum, pre) < 0 ||
	    memcmp(sum, want, 16) != 0 || !same_as_libcrypto(abc, 3, pre))
		return "the RFC 1321 vector";
	return NULL;
}

static const char *check_long(const unsigned char *data)
{
	char sum[16], pre[16];
	size_t at = LONG_LEN / 2 + 5;

	if (md5_pieces(data, LONG_LEN, at, sum, pre) < 0 ||
	    !same_as_libcrypto(data, LONG_LEN, sum) ||
	    !same_as_libcrypto(data, at, pre))
		return "a long input in pieces";
	return NULL;
}

/* libisofs hashes a memory stream with iso_file_make_md5: it must start
 * one of our contexts and record the right sum. */
static const char *check_libisofs(const unsigned char *data)
{
	const char *why = "iso_file_make_md5 on a memory stream";
	unsigned long before = md5_started_count();
	IsoImage *img = NULL;
	IsoStream *st = NULL;
	IsoFile *file = NULL;
	unsigned char *copy = malloc(LONG_LEN);
	char sum[16];

	if (!copy || iso_image_new("md5test", &img) < 0)
		goto out;
	memcpy(copy, data, LONG_LEN);
	if (iso_memory_stream_new(copy, LONG_LEN, &st) < 0)
		goto out;
	copy = NULL;   /* the stream owns it */
	if (iso_image_add_new_file(img, iso_image_get_root(img), "t", st, &file) < 0)
		goto out;
	st = NULL;     /* the file owns it */
	if (iso_file_make_md5(file, 0) < 0 ||
	    iso_file_get_md5(img, file, sum, 0) != 1)
		goto out;
	if (md5_started_count() == before)
		why = "libisofs does not call burnfs's iso_md5_start";
	else if (same_as_libcrypto(data, LONG_LEN, sum))
		why = NULL;
out:
	if (st)
		iso_stream_unref(st);
	if (img)
		iso_image_unref(img);
	free(copy);
	return why;
}

static const char *self_test(void)
{
	unsigned char *data = malloc(LONG_LEN);
	uint32_t x = 2463534242u;
	const char *why = "out of memory";
	size_t i;

	if (!data)
		return why;
	for (i = 0; i < LONG_LEN; i++) {   /* xorshift: not all zeros */
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		data[i] = (unsigned char)x;
	}
	why = check_vector();
	if (!why)
		why = check_long(data);
	if (!why)
		why = check_libisofs(data);
	free(data);
	return why;
}

static void decide(void)
{
	const char *env = getenv("BURNFS_MD5_OFFLOAD");
	const char *why;

	if (env && strcmp(env, "off") == 0) {
		blog_info("md5: hashing inline on the writer thread (BURNFS_MD5_OFFLOAD=off)");
		return;
	}
	if (md5_pool_start() < 0) {
		blog_warn("md5: no hashing threads; hashing inline on the writer thread");
		return;
	}
	atomic_store(&offload, true);
	why = self_test();
	if (!why && env && strcmp(env, "selftest-fail") == 0)
		why = "forced by BURNFS_MD5_OFFLOAD=selftest-fail";
	if (why) {
		md5_offload_shutdown();
		blog_warn("md5: self-test failed (%s); hashing inline on the writer thread", why);
		return;
	}
	blog_info("md5: file and session MD5s hashed by threads beside the image writer (libcrypto)");
}

void md5_offload_ready(void)
{
	pthread_once(&once, decide);
}

void md5_offload_shutdown(void)
{
	atomic_store(&offload, false);
	md5_pool_stop();
}
