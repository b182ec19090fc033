/* journal.c — CACHE/journal: append-only, path-based operation records.
 *
 * A record is [u32 body length][u32 crc32 of body][body]; the body is a
 * fixed part and the strings (each stored with its NUL). A torn tail (crash
 * in the middle of a write) fails the length or checksum test and is cut
 * off at open. Appends are one write() each, without fsync: a killed daemon
 * loses nothing the kernel has; fdatasync happens at stage_fsync, freeze
 * and rewrites (power loss). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "burnfs/log.h"
#include "stage/stage_priv.h"

#define JREC_MAX (1u << 24)

struct jfixed {
	uint32_t op, mode, uid, gid, flags, vlen;
	uint64_t rdev, id;
	int64_t sec[4];
	uint32_t nsec[4];
	uint32_t slen[3];
};

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
	uint32_t i, j, c;

	for (i = 0; i < 256; i++) {
		for (c = i, j = 0; j < 8; j++)
			c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

static uint32_t crc32_buf(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint32_t c = 0xFFFFFFFFu;

	pthread_once(&crc_once, crc_init);
	while (len--)
		c = crc_table[(c ^ *p++) & 0xFF] ^ (c >> 8);
	return c ^ 0xFFFFFFFFu;
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

int journal_encode(const struct jrec *r, char **buf, size_t *len)
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
size_t journal_decode(const char *buf, size_t len, struct jrec *r)
{
	uint32_t hdr[2];
	struct jfixed f;
	const char *p;
	uint64_t need;

	if (len < sizeof(hdr) + sizeof(f))
		return 0;
	memcpy(hdr, buf, sizeof(hdr));
	if (hdr[0] < sizeof(f) || hdr[0] > JREC_MAX ||
	    hdr[0] > len - sizeof(hdr) ||
	    crc32_buf(buf + sizeof(hdr), hdr[0]) != hdr[1])
		return 0;
	memcpy(&f, buf + sizeof(hdr), sizeof(f));
	need = sizeof(f) + (uint64_t)f.slen[0] + f.slen[1] + f.slen[2] + f.vlen;
	if (need != hdr[0])
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

static int write_all(int fd, const char *buf, size_t len)
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

int journal_append(struct stage *st, const struct jrec *r)
{
	size_t len;
	char *buf;
	int ret;

	st->gen++;
	if (st->replaying)
		return 0;
	ret = journal_encode(r, &buf, &len);
	if (ret)
		goto out;
	ret = write_all(st->jfd, buf, len);
	free(buf);
	if (!ret)
		st->jsize += len;
out:
	if (ret)
		blog_error("stage: journal append failed: %s", strerror(-ret));
	return ret;
}

int journal_sync(struct stage *st)
{
	return fdatasync(st->jfd) ? -errno : 0;
}

/* Read the whole journal; *buf is malloc'ed (NULL when empty). */
int journal_read(struct stage *st, char **buf, size_t *len)
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
	return openat(st->cache_fd, name, O_RDWR | O_APPEND | O_CREAT |
		      O_NOFOLLOW | O_CLOEXEC | extra, 0600);
}

/* Replace the journal by BASE (the current lower) + tail, atomically: tmp file, fsync,
 * rename, fsync of the folder. */
int journal_rewrite(struct stage *st, const char *tail, size_t tlen)
{
	const struct idx_info *info = index_info(st->lower);
	struct jrec r = { .op = J_BASE, .id = info->start_lba,
			  .flags = (uint32_t)info->session };
	size_t blen = 0;
	char *bbuf = NULL;
	int fd, ret;

	now_ts(&r.ts);
	unlinkat(st->cache_fd, "journal.tmp", 0);
	fd = open_journal(st, "journal.tmp", O_EXCL);
	if (fd < 0)
		return -errno;
	ret = journal_encode(&r, &bbuf, &blen);
	if (!ret)
		ret = write_all(fd, bbuf, blen);
	if (!ret && tlen)
		ret = write_all(fd, tail, tlen);
	if (!ret && fsync(fd))
		ret = -errno;
	if (!ret && renameat(st->cache_fd, "journal.tmp", st->cache_fd, "journal"))
		ret = -errno;
	if (!ret && fsync(st->cache_fd))
		ret = -errno;
	free(bbuf);
	if (ret) {
		close(fd);
		unlinkat(st->cache_fd, "journal.tmp", 0);
		blog_error("stage: journal rewrite failed: %s", strerror(-ret));
		return ret;
	}
	close(st->jfd);
	st->jfd = fd;
	st->jsize = blen + tlen;
	st->freeze_off = 0;
	return 0;
}
