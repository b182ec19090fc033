/* wire.c — write an index as a stream of records and read one back into a
 * new index (index_wire.h), using only the index's public calls: the probe
 * child builds a session's index and ships it to the daemon this way. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "burnfs/index_wire.h"

#define WIRE_MAGIC "BURNFSIX"
#define WIRE_VERSION 1u
#define WIRE_END 0x21444e45u          /* "END!" */
/* The fewest bytes a node takes: fixed fields, an empty name, no link,
 * no extents, no xattrs. Bounds the count a stream may claim. */
#define NODE_MIN_BYTES (4 * 4 + 8 * 3 + 12 * 3 + 3 + 5 + 4 + 4)

/* --- writing --- */

struct wbuf {
	int fd;
	int err;
	size_t len;
	unsigned char b[64 * 1024];
};

static void flush(struct wbuf *w)
{
	size_t done = 0;
	ssize_t n;

	while (!w->err && done < w->len) {
		n = write(w->fd, w->b + done, w->len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			w->err = n < 0 ? -errno : -EIO;
		else
			done += (size_t)n;
	}
	w->len = 0;
}

static void put(struct wbuf *w, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n && !w->err) {
		size_t k = sizeof(w->b) - w->len;

		if (k > n)
			k = n;
		memcpy(w->b + w->len, c, k);
		w->len += k;
		c += k;
		n -= k;
		if (w->len == sizeof(w->b))
			flush(w);
	}
}

static void put_u64(struct wbuf *w, uint64_t v)
{
	unsigned char b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	put(w, b, 8);
}

static void put_u32(struct wbuf *w, uint32_t v)
{
	unsigned char b[4];

	for (int i = 0; i < 4; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	put(w, b, 4);
}

static void put_u8(struct wbuf *w, uint8_t v)
{
	put(w, &v, 1);
}

/* Length, bytes and a NUL, so that the reader can use it in place. */
static void put_str(struct wbuf *w, const char *s, size_t len)
{
	put_u32(w, (uint32_t)len);
	put(w, s, len);
	put_u8(w, 0);
}

static void put_time(struct wbuf *w, struct timespec t)
{
	put_u64(w, (uint64_t)(int64_t)t.tv_sec);
	put_u32(w, (uint32_t)t.tv_nsec);
}

static void put_info(struct wbuf *w, const struct idx_info *info)
{
	put_u32(w, (uint32_t)info->session);
	put_u32(w, info->start_lba);
	put_u32(w, info->blocks);
	put_str(w, info->volid, strnlen(info->volid, sizeof(info->volid) - 1));
	put_u32(w, info->damaged);
}

static void put_node(struct wbuf *w, const struct idx_node *n)
{
	put_u32(w, n->parent);
	put_u32(w, (uint32_t)n->mode);
	put_u32(w, (uint32_t)n->uid);
	put_u32(w, (uint32_t)n->gid);
	put_u64(w, (uint64_t)n->rdev);
	put_u64(w, n->ino);
	put_u64(w, n->size);
	put_time(w, n->atime);
	put_time(w, n->mtime);
	put_time(w, n->ctime);
	put_u8(w, n->zisofs);
	put_u8(w, n->attrs_lost);
	put_u8(w, n->link != NULL);
	put_str(w, n->name ? n->name : "", n->name ? strlen(n->name) : 0);
	if (n->link)
		put_str(w, n->link, strlen(n->link));
	put_u32(w, n->n_extents);
	for (uint32_t i = 0; i < n->n_extents; i++) {
		put_u32(w, n->extents[i].block);
		put_u32(w, n->extents[i].size);
	}
	put_u32(w, n->n_xattrs);
	for (uint32_t i = 0; i < n->n_xattrs; i++) {
		put_str(w, n->xattrs[i].name, strlen(n->xattrs[i].name));
		put_str(w, n->xattrs[i].value, n->xattrs[i].len);
	}
}

int index_wire_write(const struct index *idx, int fd)
{
	struct wbuf *w = malloc(sizeof(*w));
	uint32_t count = index_count(idx);
	int r;

	if (!w)
		return -ENOMEM;
	w->fd = fd;
	w->err = 0;
	w->len = 0;
	put(w, WIRE_MAGIC, 8);
	put_u32(w, WIRE_VERSION);
	put_u32(w, count);
	put_info(w, index_info(idx));
	for (uint32_t id = 0; id < count && !w->err; id++) {
		struct idx_node n;

		index_get(idx, id, &n);
		put_node(w, &n);
	}
	put_u32(w, WIRE_END);
	flush(w);
	r = w->err;
	free(w);
	return r;
}

/* --- reading --- */

struct rbuf {
	const unsigned char *p;
	size_t left;
	bool bad;                  /* ran past the end or met nonsense */
	struct idx_extent *ext;    /* scratch for one node's arrays */
	uint32_t ext_cap;
	struct idx_xattr *xa;
	uint32_t xa_cap;
};

static const unsigned char *take(struct rbuf *r, size_t n)
{
	const unsigned char *p = r->p;

	if (r->bad || r->left < n) {
		r->bad = true;
		return NULL;
	}
	r->p += n;
	r->left -= n;
	return p;
}

static uint64_t get_u64(struct rbuf *r)
{
	const unsigned char *b = take(r, 8);
	uint64_t v = 0;

	for (int i = 7; b && i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

static uint32_t get_u32(struct rbuf *r)
{
	const unsigned char *b = take(r, 4);

	return b ? (uint32_t)b[0] | (uint32_t)b[1] << 8 |
		   (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24 : 0;
}

static uint8_t get_u8(struct rbuf *r)
{
	const unsigned char *b = take(r, 1);

	return b ? *b : 0;
}

/* A string in place: its bytes end in the NUL the writer put. text: no
 * NUL inside (names, link targets); else any bytes (xattr values). */
static const char *get_str(struct rbuf *r, uint32_t *len, bool text)
{
	uint32_t n = get_u32(r);
	const unsigned char *s = r->bad || n == UINT32_MAX ? NULL : take(r, n + 1ul);

	if (!s || s[n] != 0 || (text && memchr(s, 0, n))) {
		r->bad = true;
		return NULL;
	}
	*len = n;
	return (const char *)s;
}

static struct timespec get_time(struct rbuf *r)
{
	struct timespec t;

	t.tv_sec = (time_t)(int64_t)get_u64(r);
	t.tv_nsec = get_u32(r);
	if (t.tv_nsec >= 1000000000L)
		r->bad = true;
	return t;
}

static void get_info(struct rbuf *r, struct idx_info *info)
{
	const char *volid;
	uint32_t len = 0;

	memset(info, 0, sizeof(*info));
	info->session = (int)get_u32(r);
	info->start_lba = get_u32(r);
	info->blocks = get_u32(r);
	volid = get_str(r, &len, true);
	if (volid && len < sizeof(info->volid))
		memcpy(info->volid, volid, len);
	else
		r->bad = true;
	info->damaged = get_u32(r);
}

/* Room for n array entries of size sz in *arr, checked against the bytes
 * left (each entry takes at least min_bytes of the stream). */
static void *room(struct rbuf *r, void *arr, uint32_t *cap, uint32_t n,
		  size_t sz, size_t min_bytes)
{
	void *grown;

	if (r->bad || n > r->left / min_bytes) {
		r->bad = true;
		return NULL;
	}
	if (n <= *cap)
		return arr;
	grown = realloc(arr, (size_t)n * sz);
	if (!grown)
		return NULL;
	*cap = n;
	return grown;
}

static int get_extents(struct rbuf *r, struct idx_node *n)
{
	uint32_t count = get_u32(r);
	struct idx_extent *e = room(r, r->ext, &r->ext_cap, count,
				    sizeof(*e), 8);

	if (r->bad)
		return -EIO;
	if (!e && count)
		return -ENOMEM;
	r->ext = e;
	for (uint32_t i = 0; i < count; i++) {
		e[i].block = get_u32(r);
		e[i].size = get_u32(r);
	}
	n->n_extents = count;
	n->extents = count ? e : NULL;
	return 0;
}

/* xattrs arrive sorted by name, as the index keeps them (its lookups
 * rely on it): a stream out of order is refused. */
static int get_xattrs(struct rbuf *r, struct idx_node *n)
{
	uint32_t count = get_u32(r), len;
	struct idx_xattr *x = room(r, r->xa, &r->xa_cap, count, sizeof(*x), 10);

	if (r->bad)
		return -EIO;
	if (!x && count)
		return -ENOMEM;
	r->xa = x;
	for (uint32_t i = 0; i < count && !r->bad; i++) {
		x[i].name = get_str(r, &len, true);
		x[i].value = get_str(r, &x[i].len, false);
		if (r->bad || !len || (i && strcmp(x[i - 1].name, x[i].name) >= 0))
			r->bad = true;
	}
	n->n_xattrs = count;
	n->xattrs = count ? x : NULL;
	return r->bad ? -EIO : 0;
}

static bool known_type(mode_t m)
{
	return S_ISREG(m) || S_ISDIR(m) || S_ISLNK(m) || S_ISCHR(m) ||
	       S_ISBLK(m) || S_ISFIFO(m) || S_ISSOCK(m);
}

/* A name the index can hold as one entry of a folder. */
static bool good_name(const char *s, uint32_t len, bool root)
{
	if (root)
		return len == 0;
	return len > 0 && !memchr(s, '/', len) && strcmp(s, ".") != 0 &&
	       strcmp(s, "..") != 0;
}

static void get_fixed(struct rbuf *r, struct idx_node *n)
{
	n->parent = get_u32(r);
	n->mode = (mode_t)get_u32(r);
	n->uid = (uid_t)get_u32(r);
	n->gid = (gid_t)get_u32(r);
	n->rdev = (dev_t)get_u64(r);
	n->ino = get_u64(r);
	n->size = get_u64(r);
	n->atime = get_time(r);
	n->mtime = get_time(r);
	n->ctime = get_time(r);
	n->zisofs = get_u8(r);
	n->attrs_lost = get_u8(r);
}

/* One node's record into *n (pointing into the stream and the scratch
 * arrays, valid until the next call). */
static int get_node(struct rbuf *r, struct idx_node *n, bool root)
{
	uint32_t len = 0;
	uint8_t has_link;
	int ret;

	memset(n, 0, sizeof(*n));
	get_fixed(r, n);
	has_link = get_u8(r);
	n->name = get_str(r, &len, true);
	if (r->bad || !known_type(n->mode) || has_link > 1 ||
	    !good_name(n->name, len, root) || (root && !S_ISDIR(n->mode)))
		return -EIO;
	if (has_link)
		n->link = get_str(r, &len, true);
	ret = get_extents(r, n);
	if (ret == 0)
		ret = get_xattrs(r, n);
	return r->bad ? -EIO : ret;
}

/* Node id of the stream into idx: the root's attributes, else a child of
 * an earlier node that must land at the same id. */
static int add_node(struct index *idx, struct rbuf *r, uint32_t id)
{
	struct idx_node n;
	int64_t got;
	int ret = get_node(r, &n, id == IDX_ROOT);

	if (ret < 0)
		return ret;
	if (id == IDX_ROOT) {
		index_set_root(idx, &n);
		return 0;
	}
	if (n.parent >= id)
		return -EIO;
	got = index_add(idx, n.parent, &n);
	if (got == -ENOMEM)
		return -ENOMEM;
	if (got != (int64_t)id)
		return -EIO;   /* a parent that is no folder, or a bug */
	return index_set_ino(idx, id, n.ino);
}

static int get_header(struct rbuf *r, uint32_t *count, struct idx_info *info)
{
	const unsigned char *magic = take(r, 8);

	if (!magic || memcmp(magic, WIRE_MAGIC, 8) != 0 ||
	    get_u32(r) != WIRE_VERSION)
		return -EIO;
	*count = get_u32(r);
	get_info(r, info);
	if (r->bad || *count == 0 || *count > r->left / NODE_MIN_BYTES)
		return -EIO;
	return 0;
}

static int read_all(struct rbuf *r, struct index *idx)
{
	struct idx_info info;
	uint32_t count = 0;
	int ret = get_header(r, &count, &info);

	if (ret == 0)
		ret = index_reserve(idx, count);
	for (uint32_t id = 0; ret == 0 && id < count; id++)
		ret = add_node(idx, r, id);
	if (ret == 0 && (get_u32(r) != WIRE_END || r->bad || r->left))
		ret = -EIO;
	if (ret == 0) {
		index_set_info(idx, &info);
		ret = index_finish(idx);
	}
	return ret;
}

int index_wire_read(const void *buf, size_t len,
		    const struct idx_reader *reader, struct index **out)
{
	struct rbuf r = { .p = buf, .left = len };
	struct index *idx = index_new(reader);
	int ret = idx ? read_all(&r, idx) : -ENOMEM;

	free(r.ext);
	free(r.xa);
	if (ret < 0) {
		index_unref(idx);
		idx = NULL;
	}
	*out = idx;
	return ret;
}
