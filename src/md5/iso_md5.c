/* iso_md5.c — libisofs's four MD5 calls, defined by burnfs. The daemon
 * exports these names from its executable, so libisofs (which calls them
 * through its PLT) and libisoburn use them instead of libisofs's own code
 * (md5.h says why). Semantics follow libisofs 1.5.4's md5.c: start frees a
 * context still in *md5_context, compute on NULL is ISO_NULL_POINTER, end
 * disposes the context and sets it to NULL.
 *
 * A context hashes its first OFFLOAD_AFTER bytes inline: names, tags and
 * small files are done before a hand-off would pay. Past that, in offload
 * mode, bytes are copied into 1 MiB chunks that the pool hashes in order;
 * clone and end first wait until everything given so far is hashed.
 * A context that took a staged file's stored MD5 (claim.c) hashes nothing
 * while it is given that file's bytes as the stream handed them out. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <libisofs/libisofs.h>

#include "burnfs/log.h"
#include "burnfs/md5.h"
#include "md5/md5_priv.h"

#define OFFLOAD_AFTER (64u << 10)

void md5_ctx_update(struct md5ctx *ctx, const void *data, size_t len)
{
	if (!ctx->failed && EVP_DigestUpdate(ctx->evp, data, len) != 1)
		ctx->failed = true;
}

static struct md5ctx *ctx_new(void)
{
	struct md5ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return NULL;
	ctx->evp = EVP_MD_CTX_new();
	if (!ctx->evp || EVP_DigestInit_ex(ctx->evp, EVP_md5(), NULL) != 1) {
		EVP_MD_CTX_free(ctx->evp);
		free(ctx);
		return NULL;
	}
	ctx->offload = md5_mode_offload();
	ctx->tail = &ctx->head;
	md5_count_start();
	return ctx;
}

/* Hash a chunk on this thread after everything queued before it. */
static void hash_here(struct md5ctx *ctx, struct md5chunk *c)
{
	md5_pool_drain(ctx);
	md5_ctx_update(ctx, c->data, c->len);
	md5_pool_put_chunk(c);
}

/* Afterwards every byte given to ctx is in ctx->evp. */
static void settle(struct md5ctx *ctx)
{
	struct md5chunk *c = ctx->fill;

	ctx->fill = NULL;
	if (c && (c->len == 0 || md5_pool_submit(ctx, c) < 0))
		hash_here(ctx, c);
	else
		md5_pool_drain(ctx);
}

static void ctx_free(struct md5ctx *ctx)
{
	md5_claim_unref(ctx->bind.claim);   /* no result wanted */
	settle(ctx);
	EVP_MD_CTX_free(ctx->evp);
	free(ctx);
}

/* Copy into chunks; a full one goes to the pool. Without a chunk (out of
 * memory) or without workers the bytes are hashed here, still in order. */
static void feed(struct md5ctx *ctx, const char *data, size_t len)
{
	struct md5chunk *c;
	size_t n;

	while (len > 0) {
		if (!ctx->fill && !(ctx->fill = md5_pool_get_chunk())) {
			settle(ctx);
			md5_ctx_update(ctx, data, len);
			return;
		}
		c = ctx->fill;
		n = MD5POOL_CHUNK - c->len;
		n = n < len ? n : len;
		memcpy(c->data + c->len, data, n);
		c->len += n;
		data += n;
		len -= n;
		if (c->len == MD5POOL_CHUNK) {
			ctx->fill = NULL;
			if (md5_pool_submit(ctx, c) < 0)
				hash_here(ctx, c);
		}
	}
}

int iso_md5_start(void **md5_context)
{
	struct md5ctx *ctx;

	if (*md5_context) {
		ctx_free(*md5_context);
		*md5_context = NULL;
	}
	ctx = ctx_new();
	if (!ctx)
		return ISO_OUT_OF_MEM;
	md5_claim_bind(ctx);
	*md5_context = ctx;
	return 1;
}

int iso_md5_compute(void *md5_context, char *data, int datalen)
{
	struct md5ctx *ctx = md5_context;

	if (!ctx)
		return ISO_NULL_POINTER;
	if (datalen <= 0)
		return 1;
	if (ctx->bind.claim && md5_claim_take(ctx, data, (size_t)datalen))
		return 1;
	if (ctx->offload && ctx->inline_bytes >= OFFLOAD_AFTER) {
		feed(ctx, data, (size_t)datalen);
	} else {
		md5_ctx_update(ctx, data, (size_t)datalen);
		ctx->inline_bytes += (size_t)datalen;
	}
	return 1;
}

int iso_md5_clone(void *old_md5_context, void **new_md5_context)
{
	struct md5ctx *old = old_md5_context, *ctx;

	if (!old)
		return ISO_NULL_POINTER;
	if (*new_md5_context) {
		ctx_free(*new_md5_context);
		*new_md5_context = NULL;
	}
	md5_claim_drop(old);
	settle(old);
	ctx = ctx_new();
	if (!ctx)
		return ISO_OUT_OF_MEM;
	if (EVP_MD_CTX_copy_ex(ctx->evp, old->evp) != 1) {
		ctx_free(ctx);
		return ISO_OUT_OF_MEM;
	}
	ctx->failed = old->failed;
	ctx->inline_bytes = old->inline_bytes;
	*new_md5_context = ctx;
	return 1;
}

int iso_md5_end(void **md5_context, char result[16])
{
	struct md5ctx *ctx = *md5_context;
	unsigned int n = 0;
	int ret = 1;

	if (!ctx)
		return ISO_NULL_POINTER;
	if (ctx->bind.claim && md5_claim_finish(ctx, result)) {
		ctx_free(ctx);
		*md5_context = NULL;
		return 1;
	}
	settle(ctx);
	if (ctx->failed ||
	    EVP_DigestFinal_ex(ctx->evp, (unsigned char *)result, &n) != 1 ||
	    n != 16) {
		blog_error("md5: libcrypto could not compute an MD5");
		memset(result, 0, 16);
		ret = ISO_ERROR;
	}
	ctx_free(ctx);
	*md5_context = NULL;
	return ret;
}
