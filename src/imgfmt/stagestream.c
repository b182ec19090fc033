/* stagestream.c — an IsoStream over a staged data file that reads it in
 * preads of up to 1 MiB. libisofs asks its streams for 2 KiB at a time;
 * the stream iso_tree_add_new_node makes passed each of those on as a
 * read(2), a sixth of the image writer's time in a commit of big files.
 * Everything else is what that stream does: the identity libisofs uses for
 * hard links (its local filesystem's id 1, st_dev, st_ino), the size taken
 * when the node is added and the check at open that it did not change
 * (2: grew, will be cut; 3: shrank, will be padded — libisofs reports
 * both), repeatable reads, a clone for linked names.
 * A data file that carries the MD5 taken after it was written (md5.h) is
 * offered to libisofs's MD5 at each open, so its bytes are not hashed
 * again (claim.c checks that they are the ones the MD5 covers). */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imgfmt/stagestream.h"
#include "burnfs/log.h"
#include "burnfs/md5.h"

#define LOCAL_FS_ID 1          /* libisofs's id of the local filesystem */
#define READ_MAX (1u << 20)

struct stagefile {
	char *path;
	off_t size;            /* at creation: what libisofs writes */
	dev_t dev;
	ino_t ino;
	int fd;                /* -1 while closed */
	unsigned char *buf;    /* while open */
	size_t cap, have, pos; /* buffer size, bytes in it, bytes handed out */
	off_t next;            /* file offset after the buffer's bytes */
	bool read_error_logged;
	struct md5claim *claim; /* the stored MD5 offered at the last open */
};

static int iso_error_of(int err)
{
	switch (err) {
	case ENOENT: return ISO_FILE_DOESNT_EXIST;
	case EACCES: case EPERM: return ISO_FILE_ACCESS_DENIED;
	case ENOMEM: return ISO_OUT_OF_MEM;
	default: return ISO_FILE_ERROR;
	}
}

/* The MD5 stored with the file, if it covers the size libisofs writes. */
static void offer_md5(struct stagefile *f, const struct stat *st)
{
	unsigned char md5[16];

	md5_claim_unref(f->claim);
	f->claim = NULL;
	if (f->size > 0 && st->st_size == f->size &&
	    md5_stored_get(f->fd, (uint64_t)f->size, md5) == 1)
		f->claim = md5_claim_new(f->path, st->st_dev, st->st_ino,
					(uint64_t)f->size, md5);
	if (f->claim)
		md5_claim_opened(f->claim);
}

static int sf_open(IsoStream *s)
{
	struct stagefile *f = s->data;
	struct stat st;

	if (f->fd >= 0)
		return ISO_FILE_ALREADY_OPENED;
	f->fd = open(f->path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0)
		return iso_error_of(errno);
	f->cap = f->size < READ_MAX ? (size_t)f->size + 1 : READ_MAX;
	f->buf = malloc(f->cap);
	if (!f->buf || fstat(f->fd, &st) < 0) {
		int ret = f->buf ? iso_error_of(errno) : (int)ISO_OUT_OF_MEM;

		close(f->fd);
		f->fd = -1;
		free(f->buf);
		f->buf = NULL;
		return ret;
	}
	f->have = f->pos = 0;
	f->next = 0;
	offer_md5(f, &st);
	if (st.st_size == f->size)
		return ISO_SUCCESS;
	return f->size > st.st_size ? 3 : 2;
}

static int sf_close(IsoStream *s)
{
	struct stagefile *f = s->data;

	if (f->fd < 0)
		return ISO_FILE_NOT_OPENED;
	if (f->claim)
		md5_claim_closed(f->claim);
	close(f->fd);
	f->fd = -1;
	free(f->buf);
	f->buf = NULL;
	return ISO_SUCCESS;
}

static off_t sf_get_size(IsoStream *s)
{
	return ((struct stagefile *)s->data)->size;
}

/* The next buffer full: > 0 bytes, 0 at the end, or a libisofs error. */
static int refill(struct stagefile *f)
{
	ssize_t n;

	do
		n = pread(f->fd, f->buf, f->cap, f->next);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (!f->read_error_logged)
			blog_error("commit: cannot read staged data %s: %s",
				   f->path, strerror(errno));
		f->read_error_logged = true;
		return ISO_FILE_READ_ERROR;
	}
	f->have = (size_t)n;
	f->pos = 0;
	f->next += n;
	return (int)(n > 0);
}

static int sf_read(IsoStream *s, void *buf, size_t count)
{
	struct stagefile *f = s->data;
	size_t n;
	int ret;

	if (f->fd < 0)
		return ISO_FILE_NOT_OPENED;
	if (!buf)
		return ISO_NULL_POINTER;
	if (f->pos == f->have) {
		ret = refill(f);
		if (ret == 0 && f->claim)
			md5_claim_handed(f->claim, buf, 0);
		if (ret <= 0)
			return ret;
	}
	n = f->have - f->pos;
	n = n < count ? n : count;
	if (n > INT32_MAX)
		n = INT32_MAX;
	memcpy(buf, f->buf + f->pos, n);
	f->pos += n;
	if (f->claim)
		md5_claim_handed(f->claim, buf, n);
	return (int)n;
}

static int sf_is_repeatable(IsoStream *s)
{
	return 1;
}

static void sf_get_id(IsoStream *s, unsigned int *fs_id, dev_t *dev_id,
		      ino_t *ino_id)
{
	struct stagefile *f = s->data;

	*fs_id = LOCAL_FS_ID;
	*dev_id = f->dev;
	*ino_id = f->ino;
}

static void sf_free(IsoStream *s)
{
	struct stagefile *f = s->data;

	if (f->fd >= 0)
		close(f->fd);
	if (f->claim)
		md5_claim_closed(f->claim);
	md5_claim_unref(f->claim);
	free(f->buf);
	free(f->path);
	free(f);
}

/* The size is the one taken at creation, as for libisofs's own streams. */
static int sf_update_size(IsoStream *s)
{
	return ISO_SUCCESS;
}

static IsoStream *sf_get_input_stream(IsoStream *s, int flag)
{
	return NULL;
}

static int sf_clone_stream(IsoStream *old, IsoStream **new_stream, int flag);

static IsoStreamIface stagefile_class = {
	4, "stgf",
	sf_open, sf_close, sf_get_size, sf_read, sf_is_repeatable, sf_get_id,
	sf_free, sf_update_size, sf_get_input_stream,
	NULL,   /* cmp_ino: libisofs compares get_id, as for its own files */
	sf_clone_stream,
};

static int stream_of(const char *path, const struct stat *st, IsoStream **out)
{
	IsoStream *s = calloc(1, sizeof(*s));
	struct stagefile *f = calloc(1, sizeof(*f));

	if (!s || !f || !(f->path = strdup(path))) {
		free(s);
		free(f);
		return ISO_OUT_OF_MEM;
	}
	f->size = st->st_size;
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	f->fd = -1;
	s->class = &stagefile_class;
	s->refcount = 1;
	s->data = f;
	*out = s;
	return 1;
}

static int sf_clone_stream(IsoStream *old, IsoStream **new_stream, int flag)
{
	struct stagefile *f = old->data;
	struct stat st = { .st_size = f->size, .st_dev = f->dev, .st_ino = f->ino };

	if (flag)
		return ISO_STREAM_NO_CLONE;
	return stream_of(f->path, &st, new_stream);
}

int imgfmt_stagestream_new(const char *path, IsoStream **out)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return iso_error_of(errno);
	if (S_ISDIR(st.st_mode))
		return ISO_FILE_IS_DIR;
	if (!S_ISREG(st.st_mode))
		return ISO_FILE_ERROR;
	return stream_of(path, &st, out);
}
