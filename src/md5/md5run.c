/* md5run.c — the MD5 of bytes given in order, read at any point without
 * ending it: the stage's hasher takes a closed data file's MD5 with it
 * (libcrypto's MD5, on the hasher's thread). */
#include <errno.h>
#include <stdlib.h>
#include <openssl/evp.h>

#include "burnfs/md5.h"

struct md5run {
	EVP_MD_CTX *evp;
	bool failed;          /* a libcrypto call failed: no digest */
};

struct md5run *md5_run_new(void)
{
	struct md5run *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->evp = EVP_MD_CTX_new();
	if (!r->evp || EVP_DigestInit_ex(r->evp, EVP_md5(), NULL) != 1) {
		EVP_MD_CTX_free(r->evp);
		free(r);
		return NULL;
	}
	return r;
}

void md5_run_add(struct md5run *r, const void *data, size_t len)
{
	if (!r->failed && len && EVP_DigestUpdate(r->evp, data, len) != 1)
		r->failed = true;
}

/* Ends a copy, so the run goes on. */
int md5_run_digest(const struct md5run *r, unsigned char out[16])
{
	EVP_MD_CTX *copy;
	unsigned int n = 0;
	int ret = -EIO;

	if (r->failed || !(copy = EVP_MD_CTX_new()))
		return r->failed ? -EIO : -ENOMEM;
	if (EVP_MD_CTX_copy_ex(copy, r->evp) == 1 &&
	    EVP_DigestFinal_ex(copy, out, &n) == 1 && n == 16)
		ret = 0;
	EVP_MD_CTX_free(copy);
	return ret;
}

void md5_run_free(struct md5run *r)
{
	if (!r)
		return;
	EVP_MD_CTX_free(r->evp);
	free(r);
}
