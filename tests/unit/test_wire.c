/* test_wire.c — an index sent as a stream (index_wire.h) comes back equal
 * in every field, reads through the receiver's reader, and a truncated or
 * corrupted stream is refused without a crash (run it under ASan). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "burnfs/index.h"
#include "idxview.h"
#include "burnfs/index_wire.h"
#include "check.h"

static char medium[4 * 2048];

static ssize_t mem_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	const char *m = ctx;

	if (off >= sizeof(medium))
		return 0;
	if (len > sizeof(medium) - off)
		len = sizeof(medium) - off;
	memcpy(buf, m + off, len);
	return (ssize_t)len;
}

static ssize_t no_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	(void)ctx; (void)buf; (void)len; (void)off;
	return -EIO;
}

static struct timespec ts(time_t s, long ns)
{
	return (struct timespec){ .tv_sec = s, .tv_nsec = ns };
}

/* Files: a multi-extent one with xattrs (an ACL among them, a value with
 * a NUL), a hard link pair, a zisofs one, one whose attributes were lost;
 * a symlink, a device, a fifo, nested folders, a negative time. */
static void add_files(struct index *idx, uint32_t dir)
{
	static const struct idx_extent ext[] = { { 3, 2048 }, { 1, 52 } };
	static const char acl[] = "\x02\x00\x00\x00\x01\x00\x06\x00";
	struct idx_xattr xa[] = { { "system.posix_acl_access", acl, sizeof(acl) - 1 },
				  { "user.a", "x\0y", 3 }, { "user.empty", "", 0 } };
	struct idx_node f = { .name = "multi", .mode = S_IFREG | 0640,
		.uid = 1000, .gid = 100, .size = 2100, .ino = 41,
		.atime = ts(1, 2), .mtime = ts(1700000000, 999999999),
		.ctime = ts(-5, 7), .n_extents = 2, .extents = ext,
		.n_xattrs = 3, .xattrs = xa };
	struct idx_node h = { .name = "hard", .mode = S_IFREG | 0600, .ino = 41,
		.size = 2100, .n_extents = 2, .extents = ext };
	struct idx_node z = { .name = "z", .mode = S_IFREG | 0444, .ino = 42,
		.size = 10000, .zisofs = 1, .n_extents = 1, .extents = ext };
	struct idx_node lost = { .name = "lost", .mode = S_IFREG | 0644,
		.ino = 43, .attrs_lost = 1 };

	CHECK(index_add(idx, dir, &f) > 0);
	CHECK(index_add(idx, dir, &h) > 0);
	CHECK(index_add(idx, IDX_ROOT, &z) > 0);
	CHECK(index_add(idx, dir, &lost) > 0);
}

static void add_specials(struct index *idx, uint32_t dir)
{
	struct idx_node l = { .name = "link", .mode = S_IFLNK | 0777,
		.link = "../d/multi", .size = 10, .ino = (1ull << 32) + 9 };
	struct idx_node l2 = { .name = "link2", .mode = S_IFLNK | 0777,
		.link = "../d/multi", .size = 10, .ino = (1ull << 32) + 9 };
	struct idx_node c = { .name = "tty", .mode = S_IFCHR | 0620,
		.rdev = makedev(4, 1) };
	struct idx_node p = { .name = "fifo ümlaut", .mode = S_IFIFO | 0600 };

	CHECK(index_add(idx, dir, &l) > 0);
	CHECK(index_add(idx, dir, &l2) > 0);
	CHECK(index_add(idx, IDX_ROOT, &c) > 0);
	CHECK(index_add(idx, IDX_ROOT, &p) > 0);
}

static struct index *build(void)
{
	struct idx_reader rd = { .pread = no_pread };
	struct idx_info info = { .session = 3, .start_lba = 1234,
		.blocks = 567, .volid = "VOLUME_ID_OF_32_CHARACTERS_LONG!",
		.damaged = 2 };
	struct idx_xattr rx[] = { { "user.root", "r", 1 } };
	struct idx_node root = { .mode = S_IFDIR | 0711, .uid = 5, .gid = 6,
		.mtime = ts(100, 200), .ino = 77, .n_xattrs = 1, .xattrs = rx };
	struct idx_node d = { .name = "d", .mode = S_IFDIR | 0750, .uid = 1 };
	struct idx_node e = { .name = "empty", .mode = S_IFDIR | 0700 };
	struct index *idx = index_new(&rd);
	int64_t dir, sub;

	index_set_root(idx, &root);
	dir = index_add(idx, IDX_ROOT, &d);
	sub = index_add(idx, (uint32_t)dir, &e);
	CHECK(dir > 0 && sub > 0);
	add_files(idx, (uint32_t)dir);
	add_specials(idx, (uint32_t)sub);
	index_set_info(idx, &info);
	CHECK_EQ(index_finish(idx), 0);
	return idx;
}

static void same_times(const struct timespec *a, const struct timespec *b)
{
	CHECK_EQ(a->tv_sec, b->tv_sec);
	CHECK_EQ(a->tv_nsec, b->tv_nsec);
}

static void same_arrays(const struct idx_node *a, const struct idx_node *b)
{
	CHECK_EQ(a->n_extents, b->n_extents);
	for (uint32_t i = 0; i < a->n_extents && i < b->n_extents; i++) {
		CHECK_EQ(a->extents[i].block, b->extents[i].block);
		CHECK_EQ(a->extents[i].size, b->extents[i].size);
	}
	CHECK_EQ(a->n_xattrs, b->n_xattrs);
	for (uint32_t i = 0; i < a->n_xattrs && i < b->n_xattrs; i++) {
		CHECK_STR(b->xattrs[i].name, a->xattrs[i].name);
		CHECK_EQ(a->xattrs[i].len, b->xattrs[i].len);
		CHECK(memcmp(a->xattrs[i].value, b->xattrs[i].value,
			     a->xattrs[i].len) == 0);
	}
}

static void same_node(const struct index *x, const struct index *y,
		      uint32_t id)
{
	const struct idx_node *a = idx_view(x, id), *b = idx_view(y, id);
	char pa[256], pb[256];

	CHECK_EQ(a->parent, b->parent);
	CHECK_EQ(a->first_child, b->first_child);
	CHECK_EQ(a->next_sibling, b->next_sibling);
	CHECK_STR(b->name, a->name);
	CHECK_EQ(a->mode, b->mode);
	CHECK_EQ(a->uid, b->uid);
	CHECK_EQ(a->gid, b->gid);
	CHECK_EQ(a->rdev, b->rdev);
	CHECK_EQ(a->nlink, b->nlink);
	CHECK_EQ(a->ino, b->ino);
	CHECK_EQ(a->size, b->size);
	same_times(&a->atime, &b->atime);
	same_times(&a->mtime, &b->mtime);
	same_times(&a->ctime, &b->ctime);
	CHECK((a->link == NULL) == (b->link == NULL));
	if (a->link && b->link)
		CHECK_STR(b->link, a->link);
	CHECK_EQ(a->zisofs, b->zisofs);
	CHECK_EQ(a->attrs_lost, b->attrs_lost);
	same_arrays(a, b);
	CHECK(index_path(x, id, pa, sizeof(pa)) > 0);
	CHECK(index_path(y, id, pb, sizeof(pb)) > 0);
	CHECK_STR(pb, pa);
	CHECK_EQ(index_resolve(y, pa), id);
}

static void same_index(const struct index *x, const struct index *y)
{
	const struct idx_info *a = index_info(x), *b = index_info(y);

	CHECK_EQ(a->session, b->session);
	CHECK_EQ(a->start_lba, b->start_lba);
	CHECK_EQ(a->blocks, b->blocks);
	CHECK_STR(b->volid, a->volid);
	CHECK_EQ(a->damaged, b->damaged);
	CHECK_EQ(index_count(x), index_count(y));
	for (uint32_t id = 0; id < index_count(x) && id < index_count(y); id++)
		same_node(x, y, id);
}

/* idx as a stream in a memfd, mapped; *len its size. */
static unsigned char *send(const struct index *idx, size_t *len)
{
	int fd = memfd_create("wire", MFD_CLOEXEC);
	unsigned char *p;

	CHECK(fd >= 0);
	CHECK_EQ(index_wire_write(idx, fd), 0);
	*len = (size_t)lseek(fd, 0, SEEK_END);
	p = malloc(*len);
	CHECK(p && pread(fd, p, *len, 0) == (ssize_t)*len);
	close(fd);
	return p;
}

static void test_round_trip(void)
{
	struct idx_reader rd = { .pread = mem_pread, .ctx = medium };
	struct index *a = build(), *b = NULL;
	unsigned char *s;
	size_t len;
	char buf[64];

	s = send(a, &len);
	CHECK_EQ(index_wire_read(s, len, &rd, &b), 0);
	CHECK(b != NULL);
	if (b) {
		same_index(a, b);
		CHECK_EQ(idx_view(b, (uint32_t)index_resolve(b, "/d/hard"))->nlink, 2);
		CHECK_EQ(idx_view(b, (uint32_t)index_resolve(b, "/d/empty/link"))->nlink, 2);
		/* reads go through the receiver's reader, not the sender's */
		memcpy(medium + 2048, "tail", 4);
		CHECK_EQ(index_read(b, (uint32_t)index_resolve(b, "/d/multi"), buf,
				    4, 2048), 4);
		CHECK(memcmp(buf, "tail", 4) == 0);
	}
	index_unref(a);
	index_unref(b);
	free(s);
}

/* Every cut of the stream and every byte spoiled: refused or read, never
 * a crash or a leak (ASan says which). */
static void test_damage(void)
{
	struct idx_reader rd = { .pread = mem_pread, .ctx = medium };
	struct index *a = build(), *b;
	size_t len;
	unsigned char *s = send(a, &len);
	int r;

	for (size_t cut = 0; cut < len; cut++) {
		unsigned char *c = malloc(cut + 1);   /* cut bytes, ASan-exact */

		memcpy(c, s, cut);
		b = (struct index *)1;
		CHECK_EQ(index_wire_read(c, cut, &rd, &b), -EIO);
		CHECK(b == NULL);
		free(c);
	}
	for (size_t at = 0; at < len; at++) {
		unsigned char *c = malloc(len);

		memcpy(c, s, len);
		c[at] ^= 0xff;
		r = index_wire_read(c, len, &rd, &b);
		/* magic, version, count and end mark are checked always */
		if (at < 16 || at >= len - 4)
			CHECK_EQ(r, -EIO);
		index_unref(b);
		free(c);
	}
	index_unref(a);
	free(s);
}

/* A few hundred thousand bytes of noise, the kind a probe killed in the
 * middle of writing over an old stream could leave. */
static void test_noise(void)
{
	struct idx_reader rd = { .pread = mem_pread, .ctx = medium };
	struct index *b;
	size_t len = 300000;
	unsigned char *c = malloc(len);

	srand(14);
	for (size_t i = 0; i < len; i++)
		c[i] = (unsigned char)rand();
	memcpy(c, "BURNFSIX\x01\0\0\0\xff\xff\0\0", 16);
	CHECK_EQ(index_wire_read(c, len, &rd, &b), -EIO);
	free(c);
}

int main(void)
{
	test_round_trip();
	test_damage();
	test_noise();
	return check_done();
}
