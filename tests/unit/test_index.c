/* test_index.c — the index alone: building, lookups, paths, links, reads;
 * and grow.h, which the index's arrays grow by. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "burnfs/grow.h"
#include "burnfs/index.h"
#include "check.h"

static char medium[3 * 2048];

static ssize_t mem_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	(void)ctx;
	if (off >= sizeof(medium))
		return 0;
	if (len > sizeof(medium) - off)
		len = sizeof(medium) - off;
	memcpy(buf, medium + off, len);
	return (ssize_t)len;
}

static struct index *build(void)
{
	struct idx_reader rd = { .pread = mem_pread };
	struct index *idx = index_new(&rd);
	/* A file in two extents: 100 bytes at block 2, then 50 at block 0. */
	static const struct idx_extent ext[] = { { 2, 100 }, { 0, 50 } };
	struct idx_xattr xa[] = { { "user.b", "2", 1 }, { "user.a", "1", 1 } };
	struct idx_node dir = { .name = "dir", .mode = S_IFDIR | 0750 };
	struct idx_node f = { .name = "f", .mode = S_IFREG | 0600, .size = 150,
		.ino = 7, .n_extents = 2, .extents = ext, .n_xattrs = 2,
		.xattrs = xa };
	struct idx_node g = { .name = "g", .mode = S_IFREG | 0600, .ino = 7 };
	struct idx_node l = { .name = "l", .mode = S_IFLNK | 0777,
		.link = "dir/f" };
	int64_t d;

	d = index_add(idx, IDX_ROOT, &dir);
	CHECK_EQ(d, 1);
	CHECK_EQ(index_add(idx, (uint32_t)d, &f), 2);
	CHECK_EQ(index_add(idx, IDX_ROOT, &g), 3);
	CHECK_EQ(index_add(idx, IDX_ROOT, &l), 4);
	CHECK_EQ(index_add(idx, 2, &g), -ENOTDIR);
	CHECK_EQ(index_finish(idx), 0);
	return idx;
}

static void test_lookup(struct index *idx)
{
	struct idx_node view;
	char path[64];

	CHECK_EQ(index_resolve(idx, "/"), IDX_ROOT);
	CHECK_EQ(index_resolve(idx, "/dir/f"), 2);
	CHECK_EQ(index_resolve(idx, "dir//f/"), 2);
	CHECK_EQ(index_resolve(idx, "/dir/nope"), -ENOENT);
	CHECK_EQ(index_resolve(idx, "/g/x"), -ENOTDIR);
	CHECK_EQ(index_lookup(idx, IDX_ROOT, "l"), 4);
	CHECK_EQ(index_path(idx, 2, path, sizeof(path)), 6);
	CHECK(strcmp(path, "/dir/f") == 0);
	CHECK_EQ(index_path(idx, 2, path, 4), -ENAMETOOLONG);
	CHECK_EQ(index_path(idx, IDX_ROOT, path, sizeof(path)), 1);
	CHECK(strcmp(path, "/") == 0);
	CHECK_EQ(index_first_child(idx, 0), 1);
	CHECK_EQ(index_next_sibling(idx, 1), 3);
	CHECK_EQ(index_first_child(idx, 99), IDX_NONE);
	CHECK(index_get(idx, 99, &view) == -ENOENT && view.name &&
	      !view.name[0] && view.parent == IDX_NONE);
}

static void test_attrs(struct index *idx)
{
	struct idx_node view, *f = &view;
	struct stat st;

	CHECK_EQ(index_get(idx, 2, f), 0);
	CHECK(strcmp(f->xattrs[0].name, "user.a") == 0);
	CHECK_EQ(f->nlink, 2);
	CHECK_EQ(index_nlink(idx, 3), 2);
	CHECK_EQ(index_nlink(idx, 0), 3);
	index_stat(idx, 2, &st);
	CHECK_EQ(st.st_ino, 7);
	CHECK_EQ(st.st_size, 150);
	CHECK_EQ(st.st_mode, S_IFREG | 0600);
	index_stat(idx, 4, &st);
	CHECK_EQ(st.st_size, 5);
	CHECK_EQ(st.st_ino, 5 + (1ll << 32));
}

static void test_read(struct index *idx)
{
	char buf[200];

	for (unsigned i = 0; i < sizeof(medium); i++)
		medium[i] = (char)(i * 7);
	CHECK_EQ(index_read(idx, 2, buf, sizeof(buf), 0), 150);
	CHECK(memcmp(buf, medium + 4096, 100) == 0);
	CHECK(memcmp(buf + 100, medium, 50) == 0);
	/* A read that starts inside the second extent. */
	CHECK_EQ(index_read(idx, 2, buf, 10, 120), 10);
	CHECK(memcmp(buf, medium + 20, 10) == 0);
	CHECK_EQ(index_read(idx, 2, buf, 10, 150), 0);
	CHECK_EQ(index_read(idx, 1, buf, 10, 0), -EISDIR);
}

/* Bytes the medium does not have are an error, never a short count that a
 * reader would take for the end of the file. */
static void test_short_reads(void)
{
	struct idx_reader rd = { .pread = mem_pread };
	struct index *idx = index_new(&rd);
	/* past: its extent runs 100 bytes past the end of the medium;
	 * over: 3 bytes recorded beyond its only extent; none: no extent */
	static const struct idx_extent past_ext[] = { { 2, 2148 } };
	static const struct idx_extent over_ext[] = { { 1, 10 } };
	struct idx_node past = { .name = "past", .mode = S_IFREG | 0644,
		.size = 2148, .n_extents = 1, .extents = past_ext };
	struct idx_node over = { .name = "over", .mode = S_IFREG | 0644,
		.size = 13, .n_extents = 1, .extents = over_ext };
	struct idx_node none = { .name = "none", .mode = S_IFREG | 0644,
		.size = 5 };
	char buf[4096];

	CHECK_EQ(index_add(idx, IDX_ROOT, &past), 1);
	CHECK_EQ(index_add(idx, IDX_ROOT, &over), 2);
	CHECK_EQ(index_add(idx, IDX_ROOT, &none), 3);
	CHECK_EQ(index_finish(idx), 0);
	CHECK_EQ(index_read(idx, 1, buf, 2048, 0), 2048);
	CHECK_EQ(index_read(idx, 1, buf, sizeof(buf), 0), -EIO);
	CHECK_EQ(index_read(idx, 1, buf, 10, 2048), -EIO);
	CHECK_EQ(index_read(idx, 2, buf, 10, 0), 10);
	CHECK_EQ(index_read(idx, 2, buf, sizeof(buf), 0), -EIO);
	CHECK_EQ(index_read(idx, 3, buf, sizeof(buf), 0), -EIO);
	CHECK_EQ(index_read(idx, 3, buf, sizeof(buf), 5), 0);
	index_unref(idx);
}

static bool same_ts(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

static bool same_xattrs(const struct idx_node *a, const struct idx_node *b)
{
	if (a->n_xattrs != b->n_xattrs)
		return false;
	for (uint32_t i = 0; i < a->n_xattrs; i++)
		if (strcmp(a->xattrs[i].name, b->xattrs[i].name) ||
		    a->xattrs[i].len != b->xattrs[i].len ||
		    memcmp(a->xattrs[i].value, b->xattrs[i].value, a->xattrs[i].len))
			return false;
	return true;
}

/* The view of a node is what was added: every attribute field. */
static bool same_as_added(const struct idx_node *t, const struct idx_node *v)
{
	return strcmp(t->name, v->name) == 0 && t->mode == v->mode &&
	       t->uid == v->uid && t->gid == v->gid && t->rdev == v->rdev &&
	       t->ino == v->ino && t->size == v->size &&
	       same_ts(t->atime, v->atime) && same_ts(t->mtime, v->mtime) &&
	       same_ts(t->ctime, v->ctime) &&
	       (t->link ? v->link && strcmp(t->link, v->link) == 0 : !v->link) &&
	       t->n_extents == v->n_extents &&
	       (!t->n_extents || memcmp(t->extents, v->extents,
					t->n_extents * sizeof(*t->extents)) == 0) &&
	       same_xattrs(t, v) && t->zisofs == v->zisofs &&
	       t->attrs_lost == v->attrs_lost;
}

/* Entries whose fields do not fit a compact node (and some that do),
 * under two folders filled in turns: each comes back whole, with the id
 * and the place among its siblings it was added with. */
static void test_rare_fields(void)
{
	static const struct idx_extent one[] = { { 7, 4096 } };
	static const struct idx_extent big[] = { { 10, 0xfffff800u },
						 { 0x200000, 0x10000000u } };
	static const char acl[] = { 2, 0, 0, 0, 1, 0, 6, 0, 0xff, 0xff, 0xff, 0xff };
	struct idx_xattr xa[] = { { "system.posix_acl_access", acl, sizeof(acl) },
				  { "user.empty", "", 0 }, { "user.z", "v\0w", 3 } };
	struct timespec t0 = { 1000, 0 }, before = { -86400, 0 },
		after = { (time_t)UINT32_MAX + 10, 0 }, nsec = { 5, 123 };
	struct idx_node t[] = {
		{ .name = "plain", .mode = S_IFREG | 0644, .size = 4096, .ino = 9,
		  .n_extents = 1, .extents = one, .atime = t0, .mtime = t0,
		  .ctime = t0, .uid = 1000, .gid = 100 },
		{ .name = "d1", .mode = S_IFDIR | 0755 },
		{ .name = "d2", .mode = S_IFDIR | 0700, .uid = 5 },
		{ .name = "link", .mode = S_IFLNK | 0777, .link = "../x", .size = 4 },
		{ .name = "elink", .mode = S_IFLNK | 0777, .link = "" },
		{ .name = "dev", .mode = S_IFCHR | 0600, .rdev = makedev(8, 1) },
		{ .name = "huge", .mode = S_IFREG | 0600, .n_extents = 2,
		  .extents = big, .size = 0xfffff800ull + 0x10000000ull },
		{ .name = "xa", .mode = S_IFREG | 0600, .n_xattrs = 3, .xattrs = xa },
		{ .name = "old", .mode = S_IFREG | 0600, .mtime = before },
		{ .name = "late", .mode = S_IFREG | 0600, .atime = after },
		{ .name = "nsec", .mode = S_IFREG | 0600, .ctime = nsec },
		{ .name = "ino64", .mode = S_IFREG | 0600, .ino = 1ull << 40 },
		{ .name = "zf", .mode = S_IFREG | 0644, .zisofs = 1, .size = 1 << 20,
		  .n_extents = 1, .extents = one },
		{ .name = "lost", .mode = S_IFDIR | 0755, .attrs_lost = 1 },
		{ .name = "zfxa", .mode = S_IFREG | 0644, .zisofs = 1,
		  .attrs_lost = 1, .n_xattrs = 1, .xattrs = xa + 2, .ino = 9 },
		{ .name = "noext", .mode = S_IFREG | 0644, .size = 0 },
		{ .name = "dirext", .mode = S_IFDIR | 0755, .n_extents = 1,
		  .extents = one },
	};
	size_t n = sizeof(t) / sizeof(t[0]);
	struct index *idx = index_new(NULL);
	struct idx_node v;
	uint32_t parent[sizeof(t) / sizeof(t[0])], prev[3] = { IDX_NONE,
		IDX_NONE, IDX_NONE };

	CHECK_EQ(index_add(idx, IDX_ROOT, &t[0]), 1);
	CHECK_EQ(index_add(idx, IDX_ROOT, &t[1]), 2);
	CHECK_EQ(index_add(idx, IDX_ROOT, &t[2]), 3);
	parent[0] = parent[1] = parent[2] = IDX_ROOT;
	for (size_t i = 3; i < n; i++) {   /* d1, d2, d1, ... in turns */
		parent[i] = i % 2 ? 2 : 3;
		CHECK_EQ(index_add(idx, parent[i], &t[i]), (int64_t)i + 1);
	}
	CHECK_EQ(index_set_ino(idx, 16, 1ull << 33), 0);   /* noext */
	t[15].ino = 1ull << 33;
	CHECK_EQ(index_set_ino(idx, 4, 77), 0);            /* link */
	t[3].ino = 77;
	CHECK_EQ(index_finish(idx), 0);
	for (size_t i = 0; i < n; i++) {
		CHECK_EQ(index_get(idx, (uint32_t)i + 1, &v), 0);
		CHECK(same_as_added(&t[i], &v));
		CHECK_EQ(v.parent, parent[i]);
		CHECK_EQ(index_lookup(idx, parent[i], t[i].name), (int64_t)i + 1);
	}
	/* Children in the order added, in each folder. */
	for (size_t i = 3; i < n; i++) {
		uint32_t *p = &prev[parent[i] - 1];
		uint32_t want = (uint32_t)i + 1;

		CHECK_EQ(*p == IDX_NONE ? index_first_child(idx, parent[i]) :
			 index_next_sibling(idx, *p), want);
		*p = want;
	}
	CHECK_EQ(index_next_sibling(idx, prev[1]), IDX_NONE);
	CHECK_EQ(index_next_sibling(idx, prev[2]), IDX_NONE);
	CHECK_EQ(index_nlink(idx, 1), 2);     /* plain and zfxa: inode 9 */
	CHECK_EQ(index_nlink(idx, 15), 2);
	CHECK_EQ(index_nlink(idx, 4), 1);
	CHECK_EQ(index_ino(idx, 12), 1ull << 40);
	CHECK_EQ(index_nlink(idx, 2), 2 + 1); /* d1 holds "lost" */
	index_unref(idx);
}

/* The root: no name but "", its attributes and xattrs from set_root, its
 * creation time (with nanoseconds) until then. */
static void test_root(void)
{
	struct idx_xattr xa[] = { { "user.r", "1", 1 } };
	struct timespec t0 = { 1234, 0 };
	struct idx_node r = { .name = "ignored", .mode = S_IFREG | 0711,
		.uid = 3, .gid = 4, .atime = t0, .mtime = t0, .ctime = t0,
		.ino = 42, .n_xattrs = 1, .xattrs = xa };
	struct idx_node e = { .name = "", .mode = S_IFREG | 0644 };
	struct index *idx = index_new(NULL);
	struct idx_node v;

	index_get(idx, IDX_ROOT, &v);
	CHECK(v.name && !v.name[0] && S_ISDIR(v.mode) && v.mtime.tv_sec > t0.tv_sec);
	index_set_root(idx, &r);
	CHECK_EQ(index_add(idx, IDX_ROOT, &e), 1);   /* kept as given, as before */
	CHECK_EQ(index_finish(idx), 0);
	CHECK_EQ(index_get(idx, IDX_ROOT, &v), 0);
	CHECK(!v.name[0] && v.mode == (S_IFDIR | 0711) && v.uid == 3 &&
	      v.gid == 4 && same_ts(v.mtime, t0) && v.ino == 42 &&
	      v.n_xattrs == 1 && strcmp(v.xattrs[0].name, "user.r") == 0);
	CHECK_EQ(v.parent, IDX_ROOT);
	CHECK_EQ(index_lookup(idx, IDX_ROOT, ""), 1);
	index_unref(idx);
}

static void test_many(void)
{
	struct index *idx = index_new(NULL);
	char name[32];
	int i;

	for (i = 0; i < 100000; i++) {
		struct idx_node n = { .name = name, .mode = S_IFREG | 0644 };

		snprintf(name, sizeof(name), "file%06d", i);
		CHECK_EQ(index_add(idx, IDX_ROOT, &n), i + 1);
	}
	CHECK_EQ(index_finish(idx), 0);
	CHECK_EQ(index_resolve(idx, "/file054321"), 54322);
	CHECK_EQ(index_count(idx), 100001);
	index_unref(index_ref(idx));
	index_unref(idx);
}

/* A reader that can tell the medium changed: reads of an index made
 * from another medium are ESTALE; an index of unknown medium reads. */
static uint64_t medium_now;

static bool still_here(void *ctx, uint64_t ident)
{
	(void)ctx;
	return ident == medium_now;
}

static void test_other_medium(void)
{
	struct idx_reader rd = { .pread = mem_pread, .still = still_here };
	struct idx_node f = { .name = "f", .mode = S_IFREG | 0600, .size = 10,
		.n_extents = 1, .extents = &(struct idx_extent){ 0, 10 } };
	struct index *idx = index_new(&rd);
	struct idx_info info = { .session = 1 };
	char buf[16];

	CHECK(idx != NULL);
	if (!idx)
		return;
	CHECK_EQ(index_add(idx, IDX_ROOT, &f), 1);
	CHECK_EQ(index_finish(idx), 0);
	medium_now = 5;
	CHECK_EQ(index_read(idx, 1, buf, 10, 0), 10);   /* not known: reads */
	info.disc_ident = 5;
	index_set_info(idx, &info);
	CHECK_EQ(index_read(idx, 1, buf, 10, 0), 10);
	medium_now = 6;
	CHECK_EQ(index_read(idx, 1, buf, 10, 0), -ESTALE);
	index_unref(idx);
}

/* Doubling from `first`, room for `need` at once, and a capacity type too
 * small for what is asked: -EOVERFLOW, the array as it was. */
static void test_grow(void)
{
	uint8_t cap8 = 0;
	size_t cap = 0;
	int *v = NULL;
	char *b = NULL;

	CHECK_EQ(GROW(&v, &cap, 1, 16), 0);
	CHECK_EQ(cap, 16);
	v[15] = 7;
	CHECK_EQ(GROW(&v, &cap, 16, 16), 0);
	CHECK_EQ(cap, 16);
	CHECK_EQ(GROW(&v, &cap, 100, 16), 0);
	CHECK_EQ(cap, 128);
	CHECK_EQ(v[15], 7);
	CHECK_EQ(GROW(&b, &cap8, 200, 64), 0);
	CHECK_EQ(cap8, 255);   /* the most a uint8_t holds, not 256 */
	b[254] = 1;
	CHECK_EQ(GROW(&b, &cap8, 256, 64), -EOVERFLOW);
	CHECK(cap8 == 255 && b && b[254] == 1);
	CHECK_EQ(GROW(&v, &cap, SIZE_MAX / 2, 16), -EOVERFLOW);
	CHECK_EQ(cap, 128);
	free(v);
	free(b);
}

int main(void)
{
	struct index *idx = build();

	test_grow();
	test_other_medium();
	test_lookup(idx);
	test_attrs(idx);
	test_read(idx);
	index_unref(idx);
	test_short_reads();
	test_rare_fields();
	test_root();
	test_many();
	return CHECK_DONE();
}
