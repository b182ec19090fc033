/* verify.c — job_verify: read the newest session back and compare it with
 * the MD5 sums recorded when it was written (the session's own sum, then
 * each file's), as `xorriso -check_md5` does. Image files are read with
 * pread and no library lock; drives through burn_read_data, locked per
 * chunk so the lock is never held for the whole check. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
/* libisofs's MD5 (the sums it recorded are checked with its own code,
 * which src/md5 provides in the daemon): nothing else of the library. */
#include <stdint.h>
#include <libisofs/libisofs.h>

#include "jobs/jobs_priv.h"
#include "burnfs/index.h"
#include "burnfs/log.h"

#define CHUNK (32 * 2048)   /* xorriso reads 32 blocks at a time */

struct vctx {
	struct disc *d;
	int fd;                 /* image file, or -1 for a drive */
	unsigned char *buf;     /* CHUNK bytes */
	uint64_t done, total;
	struct timespec t0;
	char damaged[ERRMSG_LEN];
	int n_damaged;
};

static int read_chunk(struct vctx *v, uint64_t off, size_t len)
{
	if (v->fd >= 0) {
		for (size_t got = 0; got < len;) {
			ssize_t r = pread(v->fd, v->buf + got, len - got, off + got);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return r < 0 ? -errno : -EIO;   /* EOF: truncated */
			got += (size_t)r;
		}
		return 0;
	}
	/* A drive reads whole blocks; CHUNK is a multiple of 2048. */
	return disc_read_drive(v->d, v->buf, (len + 2047) / 2048 * 2048, off);
}

/* MD5 of `size` bytes from byte offset `off` into `ctx`. */
static int hash_range(struct vctx *v, void *ctx, uint64_t off, uint64_t size)
{
	while (size > 0) {
		size_t len = size < CHUNK ? (size_t)size : CHUNK;
		int rc;

		if (disc_job_cancelled(v->d))
			return -ECANCELED;
		rc = read_chunk(v, off, len);
		if (rc)
			return rc;
		iso_md5_compute(ctx, (char *)v->buf, (int)len);
		off += len;
		size -= len;
		v->done += len;
		disc_job_progress(v->d, v->done, v->total, &v->t0);
	}
	return 0;
}

static void note_damage(struct vctx *v, const char *what)
{
	size_t used = strlen(v->damaged);

	blog_error("verify: %s does not match its recorded MD5", what);
	v->n_damaged++;
	if (used + strlen(what) + 8 < sizeof(v->damaged))
		snprintf(v->damaged + used, sizeof(v->damaged) - used, "%s%s",
			 used ? ", " : "", what);
	else if (!strstr(v->damaged, ", ..."))
		snprintf(v->damaged + used, sizeof(v->damaged) - used, ", ...");
}

/* End the MD5 in ctx and compare it with want. rc: how reading went;
 * left: bytes that should have been hashed but were not. Returns < 0 only
 * for a cancel: a read error counts as damage. */
static int judge_md5(struct vctx *v, const char *what, const char want[16],
		     void *ctx, int rc, uint64_t left)
{
	char got[16];

	iso_md5_end(&ctx, got);
	if (rc == -ECANCELED)
		return rc;
	if (rc)
		blog_error("verify: cannot read %s: %s", what, strerror(-rc));
	if (rc || left > 0 || !iso_md5_match((char *)want, got))
		note_damage(v, what);
	return 0;
}

/* A file's MD5 over its extents. */
static int check_md5(struct vctx *v, const char *what, const char want[16],
		     const struct idx_extent *sec, int n_sec,
		     uint64_t size)
{
	void *ctx = NULL;
	int rc = 0;

	if (iso_md5_start(&ctx) < 0)
		return -ENOMEM;
	for (int i = 0; i < n_sec && size > 0 && !rc; i++) {
		uint64_t len = sec[i].size < size ? sec[i].size : size;

		rc = hash_range(v, ctx, (uint64_t)sec[i].block * 2048, len);
		size -= len;
	}
	return judge_md5(v, what, want, ctx, rc, size);
}

/* The session's range in one piece: a full DVD's session is over 4 GiB,
 * more than an extent's 32-bit size holds. */
static int check_session(struct vctx *v, const struct imgfmt_plan *p)
{
	void *ctx = NULL;
	int rc;

	if (!p->has_session)
		return 0;
	if (p->end <= p->start) {
		note_damage(v, "the session checksum");
		return 0;
	}
	if (iso_md5_start(&ctx) < 0)
		return -ENOMEM;
	rc = hash_range(v, ctx, (uint64_t)p->start * 2048,
			(uint64_t)(p->end - p->start) * 2048);
	return judge_md5(v, "the session checksum", p->session_md5, ctx, rc, 0);
}

static int check_all(struct vctx *v, const struct imgfmt_plan *p)
{
	int rc = check_session(v, p);

	for (size_t i = 0; !rc && i < p->n; i++)
		rc = check_md5(v, p->files[i].path, p->files[i].md5,
			       p->files[i].sec, p->files[i].n_sec,
			       p->files[i].size);
	return rc;
}

static int open_reader(struct vctx *v, struct disc *d, struct errmsg *em)
{
	v->d = d;
	v->fd = -1;
	v->buf = malloc(CHUNK);
	if (!v->buf)
		return errmsg_set(em, -ENOMEM, "out of memory");
	if (!disc_is_image(d))
		return 0;
	v->fd = disc_image_dup_fd(d);   /* the file mounted */
	if (v->fd < 0)
		return errmsg_set(em, v->fd, "cannot open %s: %s",
				  disc_target(d), strerror(-v->fd));
	return 0;
}

static int verify_result(const struct vctx *v, const struct imgfmt_plan *p,
			 struct errmsg *em)
{
	if (v->n_damaged)
		return errmsg_set(em, -EIO, "damaged: %s", v->damaged);
	blog_info("verify: session %s, %zu files match their MD5",
		  p->has_session ? "checksum" : "(no checksum)", p->n);
	return 0;
}

int job_verify_plan(struct disc *d, const struct imgfmt_plan *plan,
		    struct errmsg *em)
{
	struct vctx v = { .fd = -1 };
	int rc = open_reader(&v, d, em);

	if (rc)
		goto out;
	v.total = plan->total_bytes;
	clock_gettime(CLOCK_MONOTONIC, &v.t0);
	rc = check_all(&v, plan);
	if (rc == -ECANCELED)
		errmsg_set(em, rc, "verify was cancelled");
	else if (!rc)
		rc = verify_result(&v, plan, em);
out:
	if (v.fd >= 0)
		close(v.fd);
	free(v.buf);
	return rc;
}

int job_verify(struct disc *d, struct errmsg *em)
{
	const struct imgfmt *fmt = disc_image_format(d);
	struct imgfmt_plan plan = { 0 };
	struct disc_facts f;
	int rc;

	rc = job_begin_medium(d, JOB_VERIFYING, &f, em);
	if (rc)
		return rc;
	if (f.sessions == 0) {
		rc = errmsg_set(em, -EINVAL, "the medium is blank: nothing to verify");
		goto out;
	}
	disc_lock_lib(d);
	rc = fmt->plan_verify(d, &plan, em);
	disc_unlock_lib(d);
	if (!rc && !plan.has_session && plan.n == 0)
		rc = errmsg_set(em, -EINVAL, "the newest session has no recorded MD5 sums");
	if (!rc)
		rc = job_verify_plan(d, &plan, em);
out:
	fmt->plan_free(&plan);
	disc_job_end(d);
	return rc;
}
