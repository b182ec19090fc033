/* test_index.c — the index alone: building, lookups, paths, links, reads. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

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
	struct idx_reader rd = { mem_pread, NULL };
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
	struct idx_reader rd = { mem_pread, NULL };
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

int main(void)
{
	struct index *idx = build();

	test_lookup(idx);
	test_attrs(idx);
	test_read(idx);
	index_unref(idx);
	test_short_reads();
	test_many();
	return CHECK_DONE();
}
