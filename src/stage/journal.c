/* journal.c — CACHE/journal: append-only, path-based operation records.
 *
 * A record is [u32 body length][u32 crc32 of body][body]; the body is a
 * fixed part and the strings (each stored with its NUL). Appends are one
 * pwrite at the journal's known end, without fsync: a killed daemon loses
 * nothing the kernel has; fdatasync happens at stage_fsync, freeze and
 * rewrites (power loss).
 *
 * A torn record can only be the last one: a crash in the middle of a write
 * leaves it at the end (cut off at open), and an append that fails (cache
 * disk full, I/O error) is cut back before anything else is appended. The
 * journal keeps room allocated ahead of its end (fallocate, not counted in
 * its size), so appends rarely meet a full disk at all, and the records
 * that follow a data change already made (times after a write, a new data
 * file) find room when the call that made the change could still report
 * ENOSPC. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "burnfs/log.h"
#include "stage/stage_priv.h"

#define JREC_MAX (1u << 24)
/* Allocated room kept free for the records that follow a data change. */
#define JOURNAL_KEEP (64u << 10)
/* How far ahead the journal allocates at a time: some 1,500 records. */
#define JOURNAL_CHUNK (256u << 10)

struct jfixed {
	uint32_t op, mode, uid, gid, flags, vlen;
	uint64_t rdev, id;
	int64_t sec[4];
	uint32_t nsec[4];
	uint32_t slen[3];
};

/* zlib's CRC-32 (the IEEE polynomial, as the records always had). The
 * body is at most JREC_MAX, well within uInt. */
static uint32_t crc32_buf(const void *buf, size_t len)
{
	return (uint32_t)crc32(0, buf, (uInt)len);
}

static uint32_t str_size(const char *s)
{
	return s ? (uint32_t)strlen(s) + 1 : 0;
}

static void fixed_times(struct jfixed *f, const struct jrec *r, bool store)
{
	struct timespec *t[4] = {
		(struct timespec *)&r->ts, (struct timespec *)&r->atime,
		(struct timespec *)&r->mtime, (struct timespec *)&r->ctime,
	};
	int i;

	for (i = 0; i < 4; i++) {
		if (store) {
			f->sec[i] = t[i]->tv_sec;
			f->nsec[i] = (uint32_t)t[i]->tv_nsec;
		} else {
			t[i]->tv_sec = (time_t)f->sec[i];
			t[i]->tv_nsec = f->nsec[i] % 1000000000u;
		}
	}
}

int stage_journal_encode(const struct jrec *r, char **buf, size_t *len)
{
	struct jfixed f = {
		.op = r->op, .mode = r->mode, .uid = r->uid, .gid = r->gid,
		.flags = r->flags, .vlen = r->vlen, .rdev = r->rdev, .id = r->id,
		.slen = { str_size(r->p1), str_size(r->p2), str_size(r->name) },
	};
	size_t body = sizeof(f) + f.slen[0] + f.slen[1] + f.slen[2] + r->vlen;
	uint32_t hdr[2];
	char *b, *p;

	fixed_times(&f, r, true);
	if (body > JREC_MAX)
		return -E2BIG;
	b = malloc(body + sizeof(hdr));
	if (!b)
		return -ENOMEM;
	p = b + sizeof(hdr);
	memcpy(p, &f, sizeof(f));
	p += sizeof(f);
	memcpy(p, r->p1 ? r->p1 : "", f.slen[0]);
	p += f.slen[0];
	memcpy(p, r->p2 ? r->p2 : "", f.slen[1]);
	p += f.slen[1];
	memcpy(p, r->name ? r->name : "", f.slen[2]);
	p += f.slen[2];
	if (r->vlen)
		memcpy(p, r->val, r->vlen);
	hdr[0] = (uint32_t)body;
	hdr[1] = crc32_buf(b + sizeof(hdr), body);
	memcpy(b, hdr, sizeof(hdr));
	*buf = b;
	*len = body + sizeof(hdr);
	return 0;
}

static const char *take_str(const char **p, uint32_t len)
{
	const char *s = *p;

	*p += len;
	if (!len)
		return NULL;
	return s[len - 1] == '\0' ? s : (const char *)-1;
}

/* Strings point into buf. Returns the record's size, 0 when it is bad. */
size_t stage_journal_decode(const char *buf, size_t len, struct jrec *r)
{
	uint32_t hdr[2];
	struct jfixed f;
	const char *p;
	uint64_t need;

	if (len < sizeof(hdr) + sizeof(f))
		return 0;
	memcpy(hdr, buf, sizeof(hdr));
	if (hdr[0] < sizeof(f) || hdr[0] > JREC_MAX ||
	    hdr[0] > len - sizeof(hdr))
		return 0;
	/* the lengths before the CRC: replay's search for the next good
	 * record after a damaged one rejects most offsets by them alone */
	memcpy(&f, buf + sizeof(hdr), sizeof(f));
	need = sizeof(f) + (uint64_t)f.slen[0] + f.slen[1] + f.slen[2] + f.vlen;
	if (need != hdr[0] || crc32_buf(buf + sizeof(hdr), hdr[0]) != hdr[1])
		return 0;
	memset(r, 0, sizeof(*r));
	r->op = f.op;
	r->mode = f.mode;
	r->uid = f.uid;
	r->gid = f.gid;
	r->flags = f.flags;
	r->rdev = f.rdev;
	r->id = f.id;
	fixed_times(&f, r, false);
	p = buf + sizeof(hdr) + sizeof(f);
	r->p1 = take_str(&p, f.slen[0]);
	r->p2 = take_str(&p, f.slen[1]);
	r->name = take_str(&p, f.slen[2]);
	if (r->p1 == (void *)-1 || r->p2 == (void *)-1 || r->name == (void *)-1)
		return 0;
	r->val = p;
	r->vlen = f.vlen;
	return sizeof(hdr) + hdr[0];
}

int stage_write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(fd, buf, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

static int pwrite_all(int fd, const char *buf, size_t len, uint64_t off)
{
	while (len) {
		ssize_t w = pwrite(fd, buf, len, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -EIO;
		buf += w;
		off += (uint64_t)w;
		len -= (size_t)w;
	}
	return 0;
}

/* Room for `need` more bytes allocated ahead of the end, plus JOURNAL_KEEP
 * if keep. File systems that cannot allocate ahead just append. */
static int reserve(struct stage *st, size_t need, bool keep)
{
	uint64_t want = st->jsize + need + (keep ? JOURNAL_KEEP : 0);
	uint64_t ample = st->jsize + need + JOURNAL_CHUNK;

	off_t from = (off_t)st->jreserved;  /* never below jsize */

	if (st->jno_reserve || want <= st->jreserved)
		return 0;
	if (!fallocate(st->jfd, FALLOC_FL_KEEP_SIZE, from, (off_t)ample - from)) {
		st->jreserved = ample;
		return 0;
	}
	if (errno == EOPNOTSUPP || errno == ENOSYS) {
		st->jno_reserve = true;
		return 0;
	}
	if (!fallocate(st->jfd, FALLOC_FL_KEEP_SIZE, from, (off_t)want - from)) {
		st->jreserved = want;
		return 0;
	}
	return -errno;
}

/* Cut the journal to st->jsize (a failed append's bytes). Truncating also
 * frees the room allocated ahead. */
static int cut_tail(struct stage *st)
{
	if (ftruncate(st->jfd, (off_t)st->jsize))
		return -errno;
	st->jcut = false;
	st->jreserved = st->jsize;
	return 0;
}

void stage_journal_cut(struct stage *st, uint64_t end)
{
	if (end >= st->jsize)
		return;
	st->jsize = end;
	st->jcut = true;
	if (cut_tail(st))
		blog_error("stage: cannot take back a journal record: %s",
			   strerror(errno));
}

static int write_record(struct stage *st, const struct jrec *r, bool keep)
{
	size_t len;
	char *buf;
	int ret = stage_journal_encode(r, &buf, &len);

	if (ret)
		return ret;
	ret = reserve(st, len, keep);
	if (ret)
		goto out;  /* nothing written: the room kept stays */
	ret = pwrite_all(st->jfd, buf, len, st->jsize);
	if (!ret) {
		st->jsize += len;
	} else {
		st->jcut = true;
		cut_tail(st);  /* if this fails too, the next append tries */
	}
out:
	free(buf);
	return ret;
}

/* What earlier failures left owed, before anything new is appended. */
static int settle(struct stage *st)
{
	struct jrec thaw = { .op = J_THAW };
	int ret = stage_cache_alive(st);

	if (!ret && st->jcut)
		ret = cut_tail(st);
	if (!ret && st->jrewrite)
		ret = stage_journal_rewrite_tail(st);
	if (!ret && st->jthaw) {
		stage_now_ts(&thaw.ts);
		ret = write_record(st, &thaw, false);
		st->jthaw = ret != 0;
	}
	return ret;
}

static int append(struct stage *st, const struct jrec *r, bool keep,
		  uint64_t *start)
{
	int ret;

	st->gen++;
	if (start)
		*start = st->jsize;
	if (st->replaying)
		return 0;
	ret = settle(st);
	/* Where r begins is known only now: settle may have appended an owed
	 * THAW or rewritten the journal, which a cut back must keep. */
	if (start)
		*start = st->jsize;
	if (!ret)
		ret = write_record(st, r, keep);
	if (ret)
		blog_error("stage: journal append failed: %s", strerror(-ret));
	return stage_cache_errno(ret);
}

int stage_cache_errno(int err)
{
	/* the cache's file system turned read-only under the mount (ext4
	 * does so after I/O errors): the cache disk failed, the disc did
	 * not close */
	return err == -EROFS ? -EIO : err;
}

int stage_journal_append(struct stage *st, const struct jrec *r,
			 uint64_t *start)
{
	return append(st, r, true, start);
}

int stage_journal_append_reserved(struct stage *st, const struct jrec *r)
{
	return append(st, r, false, NULL);
}

int stage_journal_sync(struct stage *st)
{
	return fdatasync(st->jfd) ? -errno : 0;
}

/* Read the whole journal; *buf is malloc'ed (NULL when empty). */
int stage_journal_read(struct stage *st, char **buf, size_t *len)
{
	struct stat sb;
	size_t got = 0;
	char *b;

	*buf = NULL;
	*len = 0;
	if (fstat(st->jfd, &sb))
		return -errno;
	if (!sb.st_size)
		return 0;
	b = malloc((size_t)sb.st_size);
	if (!b)
		return -ENOMEM;
	while (got < (size_t)sb.st_size) {
		ssize_t r = pread(st->jfd, b + got, (size_t)sb.st_size - got,
				  (off_t)got);

		if (r <= 0) {
			free(b);
			return r < 0 ? -errno : -EIO;
		}
		got += (size_t)r;
	}
	*buf = b;
	*len = got;
	return 0;
}

static int open_journal(struct stage *st, const char *name, int extra)
{
	return openat(st->cache_fd, name, O_RDWR | O_CREAT | O_NOFOLLOW |
		      O_CLOEXEC | extra, 0600);
}

static void base_record(const struct index *lower, struct jrec *r)
{
	const struct idx_info *info = index_info(lower);

	memset(r, 0, sizeof(*r));
	r->op = J_BASE;
	r->id = info->start_lba;
	r->flags = (uint32_t)info->session;
	stage_now_ts(&r->ts);
}

/* Replace the journal by BASE (the current lower) + tail, atomically: tmp
 * file, fsync, rename, fsync of the folder. */
int stage_journal_rewrite(struct stage *st, const char *tail, size_t tlen)
{
	size_t blen = 0;
	char *bbuf = NULL;
	struct jrec r;
	int fd, ret;

	base_record(st->lower, &r);
	unlinkat(st->cache_fd, "journal.tmp", 0);
	fd = open_journal(st, "journal.tmp", O_EXCL);
	if (fd < 0)
		return -errno;
	ret = stage_journal_encode(&r, &bbuf, &blen);
	if (!ret)
		ret = stage_write_all(fd, bbuf, blen);
	if (!ret && tlen)
		ret = stage_write_all(fd, tail, tlen);
	if (!ret && fsync(fd))
		ret = -errno;
	if (!ret && renameat(st->cache_fd, "journal.tmp", st->cache_fd, "journal"))
		ret = -errno;
	/* Once renamed, the new file is the journal whatever comes next:
	 * appending to the old one would write records no mount reads. */
	if (!ret && fsync(st->cache_fd))
		blog_warn("stage: the cache folder did not sync after the journal "
			  "was rewritten: %s", strerror(errno));
	free(bbuf);
	if (ret) {
		close(fd);
		unlinkat(st->cache_fd, "journal.tmp", 0);
		blog_error("stage: journal rewrite failed: %s", strerror(-ret));
		return ret;
	}
	close(st->jfd);
	st->jfd = fd;
	st->jsize = st->jreserved = blen + tlen;
	st->jcut = st->jrewrite = st->jthaw = false;
	st->freeze_off = 0;
	return 0;
}

int stage_journal_rewrite_tail(struct stage *st)
{
	char *all;
	size_t alen, from;
	int ret = stage_journal_read(st, &all, &alen);

	if (!ret) {
		alen = alen < st->jsize ? alen : (size_t)st->jsize;
		from = alen > st->freeze_off ? (size_t)st->freeze_off : alen;
		ret = stage_journal_rewrite(st, all ? all + from : "", alen - from);
		free(all);
	}
	if (ret && !st->jrewrite) {
		st->jrewrite = true;
		blog_warn("stage: the journal keeps its committed records until "
			  "the cache disk has room to rewrite it");
	}
	return ret;
}

int stage_journal_reset(struct stage *st, const struct index *lower)
{
	size_t blen;
	char *bbuf;
	struct jrec r;
	int ret;

	base_record(lower, &r);
	ret = stage_journal_encode(&r, &bbuf, &blen);
	if (ret)
		return ret;
	/* A journal that could not be emptied is the journal it was. */
	if (ftruncate(st->jfd, 0)) {
		ret = -errno;
		goto out;
	}
	st->jsize = st->jreserved = 0;
	st->jcut = st->jrewrite = st->jthaw = false;
	st->freeze_off = 0;
	/* the journal is empty now, which already means "nothing staged" */
	if (!pwrite_all(st->jfd, bbuf, blen, 0) && !fdatasync(st->jfd))
		st->jsize = blen;
	else
		cut_tail(st);
out:
	free(bbuf);
	return ret;
}
