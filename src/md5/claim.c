/* claim.c — let libisofs record a staged file's MD5 taken when the file
 * was written, instead of hashing its bytes again while writing them.
 *
 * libisofs (filesrc.c, iso_filesrc_write_data) hashes a new file on its
 * writer thread: it opens the file's stream, starts an MD5 context, then
 * per 2 KiB block reads the stream into a buffer, writes the buffer into
 * the image and gives the same buffer to iso_md5_compute; it closes the
 * stream and ends the context. A stored MD5 attached to the IsoFile does
 * not stop that (it stands only for files that are not copied). So the
 * stage's stream offers its file's stored MD5 when it is opened
 * (md5_claim_opened), the next context started on that thread takes it,
 * and from then on every iso_md5_compute must be given exactly the bytes
 * the stream handed out last, at the same address, nothing skipped:
 * then the context has been given the file's bytes from its first one, in
 * order, and they are not hashed. If it ends having been given the whole
 * file, its result is the stored MD5. Any other pattern (a filter between
 * the stream and the writer, a padded or cut file, another thread, a
 * clone) makes the context hash the bytes it was given so far, read again
 * from the file (the same bytes, as checked so far), and go on as usual.
 *
 * The window, handed and epoch fields belong to the thread that opened the
 * stream; a context looks at them only on that same thread. */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "burnfs/log.h"
#include "burnfs/md5.h"
#include "md5/md5_priv.h"

#define REREAD_CHUNK (1u << 20)

struct md5claim {
	atomic_uint refs;     /* the stream's and a context's */
	char *path;
	dev_t dev;
	ino_t ino;
	uint64_t size;
	unsigned char md5[16];
	/* the opening thread's */
	unsigned epoch;       /* opens so far */
	const char *win;      /* handed out, not yet given to the context */
	size_t win_len;
	uint64_t handed;      /* bytes handed out since the open */
	bool gap;             /* bytes handed out were never given */
};

/* The claim offered on this thread (it holds a reference), until the
 * stream reads or closes or a context takes it. */
static _Thread_local struct md5claim *offered;
static atomic_ulong used;

struct md5claim *md5_claim_new(const char *path, dev_t dev, ino_t ino,
			      uint64_t size, const unsigned char md5[16])
{
	struct md5claim *c = calloc(1, sizeof(*c));

	if (!c || !(c->path = strdup(path))) {
		free(c);
		return NULL;
	}
	atomic_init(&c->refs, 1);
	c->dev = dev;
	c->ino = ino;
	c->size = size;
	memcpy(c->md5, md5, 16);
	return c;
}

void md5_claim_unref(struct md5claim *c)
{
	if (!c || atomic_fetch_sub(&c->refs, 1) != 1)
		return;
	free(c->path);
	free(c);
}

void md5_claim_opened(struct md5claim *c)
{
	c->epoch++;
	c->win = NULL;
	c->win_len = 0;
	c->handed = 0;
	c->gap = false;
	if (offered)
		md5_claim_unref(offered);
	atomic_fetch_add(&c->refs, 1);
	offered = c;
}

/* The offer goes unused (the stream still holds c). */
static void withdraw(struct md5claim *c)
{
	if (offered == c) {
		offered = NULL;
		md5_claim_unref(c);
	}
}

void md5_claim_handed(struct md5claim *c, const void *dst, size_t n)
{
	withdraw(c);   /* read before any context started: unused */
	if (!n)
		return;
	c->handed += n;
	if (c->win_len && (const char *)dst == c->win + c->win_len) {
		c->win_len += n;
	} else {
		c->gap |= c->win_len > 0;
		c->win = dst;
		c->win_len = n;
	}
}

void md5_claim_closed(struct md5claim *c)
{
	withdraw(c);
}

unsigned long md5_claims_used(void)
{
	return atomic_load(&used);
}

void md5_claim_bind(struct md5ctx *ctx)
{
	struct md5claim *c = offered;

	if (!c)
		return;
	offered = NULL;   /* its reference is the context's now */
	ctx->bind.claim = c;
	ctx->bind.epoch = c->epoch;
	ctx->bind.fed = 0;
	ctx->bind.thread = pthread_self();
}

/* Still the same open of the same stream on the same thread. */
static bool in_step(const struct md5ctx *ctx)
{
	const struct md5claim *c = ctx->bind.claim;

	return pthread_equal(ctx->bind.thread, pthread_self()) &&
	       c->epoch == ctx->bind.epoch && !c->gap;
}

bool md5_claim_take(struct md5ctx *ctx, const char *data, size_t len)
{
	struct md5claim *c = ctx->bind.claim;

	if (!in_step(ctx) || data != c->win || len != c->win_len ||
	    ctx->bind.fed + len > c->size) {
		md5_claim_drop(ctx);
		return false;
	}
	ctx->bind.fed += len;
	c->win = NULL;
	c->win_len = 0;
	return true;
}

/* The first len bytes of c's file into ctx (nothing queued for it). */
static int rehash(struct md5ctx *ctx, const struct md5claim *c, uint64_t len)
{
	char *buf = malloc(REREAD_CHUNK);
	int fd = open(c->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	uint64_t off = 0;
	struct stat sb;
	ssize_t n = 0;
	int ret = -EIO;

	if (!buf || fd < 0 || fstat(fd, &sb) || sb.st_dev != c->dev ||
	    sb.st_ino != c->ino)
		goto out;
	while (off < len) {
		size_t want = len - off < REREAD_CHUNK ? len - off : REREAD_CHUNK;

		n = pread(fd, buf, want, (off_t)off);
		if (n <= 0)
			goto out;
		md5_ctx_update(ctx, buf, (size_t)n);
		off += (uint64_t)n;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

/* Hash what was fed from the file itself; cut: the reading stopped
 * part-way, which is no news. */
static void drop(struct md5ctx *ctx, bool cut)
{
	struct md5claim *c = ctx->bind.claim;
	uint64_t fed = ctx->bind.fed;

	if (!c)
		return;
	ctx->bind.claim = NULL;
	if (fed) {
		if (cut)
			blog_debug("md5: %s was read in part only (%llu of %llu "
				   "bytes): hashing that part", c->path,
				   (unsigned long long)fed,
				   (unsigned long long)c->size);
		else
			blog_warn("md5: the MD5 stored with %s does not fit how "
				  "it was read; hashing it again", c->path);
		if (rehash(ctx, c, fed) < 0) {
			blog_error("md5: cannot read %s again to hash it", c->path);
			ctx->failed = true;
		}
		ctx->inline_bytes = fed;
	}
	md5_claim_unref(c);
}

void md5_claim_drop(struct md5ctx *ctx)
{
	drop(ctx, false);
}

bool md5_claim_finish(struct md5ctx *ctx, char result[16])
{
	struct md5claim *c = ctx->bind.claim;

	if (!in_step(ctx) || c->win_len || ctx->bind.fed != c->size ||
	    c->handed != c->size) {
		/* every byte handed out was given, in order, but not all of
		 * the file: the write stopped part-way (a failed or aborted
		 * burn), nothing was wrong with the stored MD5 */
		drop(ctx, in_step(ctx) && !c->gap && !c->win_len &&
			  c->handed == ctx->bind.fed && c->handed < c->size);
		return false;
	}
	memcpy(result, c->md5, 16);
	atomic_fetch_add(&used, 1);
	md5_claim_unref(c);
	ctx->bind.claim = NULL;
	return true;
}
