/* test_roundtrip.c — what the stage accepts is what a disc holds and what
 * burnfs reads back: the limits, found by writing images and reading them
 * back with libisofs's reader, on both sides of each edge; ACLs between
 * Linux's xattr form and libisofs's text; xattr lists with empty values;
 * the read-back check that keeps a session the loader cannot read from
 * being published; zisofs files read block by block. Each case commits
 * through job_commit and then opens the image afresh. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <zlib.h>

#include "imgfmt/imgfmt_priv.h"
#include "jobs/jobs_priv.h"
#include "burnfs/acl.h"
#include "burnfs/jobs.h"
#include "burnfs/index.h"
#include "burnfs/log.h"
#include "burnfs/stage.h"
#include "check.h"
#include "testutil.h"
#include "idxview.h"

struct rig {
	struct disc *d;
	struct stage *st;
	char img[512], cache[512];
};

static int rig_open(struct rig *r, const char *name)
{
	struct errmsg em = { "" };
	struct index *lower;
	int ret;

	memset(r, 0, sizeof(*r));
	snprintf(r->img, sizeof(r->img), "%s/%s.iso", tmp, name);
	snprintf(r->cache, sizeof(r->cache), "%s/%s.cache", tmp, name);
	ret = disc_open(&r->d, r->img, 0, &imgfmt_iso9660, &em);
	if (ret)
		return ret;
	lower = disc_lower(r->d);
	ret = stage_open(&r->st, r->cache, lower);
	index_unref(lower);
	return ret;
}

static void rig_close(struct rig *r)
{
	if (r->st)
		stage_close(r->st);
	if (r->d)
		disc_close(r->d);
	r->st = NULL;
	r->d = NULL;
}

static int commit(struct rig *r, struct errmsg *em)
{
	struct job_settings s;

	job_settings_default(&s);
	return job_commit(r->d, r->st, &s, false, em);
}

/* The newest session's index of a fresh open of the image. */
static struct index *fresh_index(const char *img)
{
	struct errmsg em = { "" };
	struct disc *d = NULL;
	struct index *idx;

	if (disc_open(&d, img, 0, &imgfmt_iso9660, &em))
		return NULL;
	idx = disc_lower(d);
	disc_close(d);
	return idx;
}

static const struct idx_node *node_of(struct index *idx, const char *path)
{
	int64_t id = idx ? index_resolve(idx, path) : -1;

	return id < 0 ? NULL : idx_view(idx, (uint32_t)id);
}

static const struct idx_xattr *xattr_of(const struct idx_node *n,
					const char *name)
{
	for (uint32_t i = 0; n && i < n->n_xattrs; i++)
		if (strcmp(n->xattrs[i].name, name) == 0)
			return &n->xattrs[i];
	return NULL;
}

static void make_file(struct stage *st, const char *path, const char *text)
{
	struct stage_file *f = NULL;

	CHECK_EQ(stage_create(st, path, 0644, 0, 0, O_WRONLY, &f), 0);
	if (!f)
		return;
	CHECK_EQ(stage_write(st, f, text, strlen(text), 0), (long long)strlen(text));
	CHECK_EQ(stage_release(st, f), 0);
}

/* --- ACLs: Linux's xattr form and libisofs's text --- */

static void test_acl_forms(void)
{
	const char *text = "user::rw-\nuser:1234:r-x\nuser:4000000000:rwx\n"
			   "group::r--\ngroup:4321:-w-\nmask::rwx\nother::---\n";
	char *back = NULL, minimal[64];
	void *val = NULL;
	size_t len = 0;

	CHECK_EQ(pacl_from_text(text, &val, &len), 0);
	CHECK_EQ(len, 4 + 7 * 8);
	CHECK_EQ(pacl_check(val, len), 0);
	CHECK(!pacl_is_minimal(val, len));
	/* group bits from the mask; setuid and the type stay */
	CHECK_EQ(pacl_apply_to_mode(val, len, S_IFREG | 04000), S_IFREG | 04670);
	pacl_follow_mode(val, len, 0751);
	CHECK_EQ(pacl_apply_to_mode(val, len, 0), 0751);
	CHECK_EQ(pacl_to_text(val, len, &back), 0);
	CHECK_STR(back, "user::rwx\nuser:1234:r-x\nuser:4000000000:rwx\n"
		  "group::r--\ngroup:4321:-w-\nmask::r-x\nother::--x\n");
	free(back);
	free(val);
	/* a named entry without a mask, a bad line, entries out of order */
	CHECK_EQ(pacl_from_text("user::rw-\nuser:5:r--\ngroup::r--\nother::---\n",
				&val, &len), -EINVAL);
	CHECK_EQ(pacl_from_text("user::rw-\nbogus\n", &val, &len), -EINVAL);
	pacl_text_of_mode(0754, minimal, sizeof(minimal));
	CHECK_STR(minimal, "user::rwx\ngroup::r-x\nother::r--\n");
	CHECK_EQ(pacl_from_text(minimal, &val, &len), 0);
	CHECK(pacl_is_minimal(val, len));
	free(val);
}

/* --- symlink targets: what libisofs reads back --- */

static void test_symlink_limits(void)
{
	static const char *const kept[] = { "/", "x//", "a//b", "../..", "./x" };
	char t1023[1024], t1024[1025], comp[300];
	struct errmsg em = { "" };
	struct index *idx;
	struct rig r;

	memset(t1023, 'a', 1023);
	t1023[1023] = '\0';
	memset(t1024, 'a', 1024);
	t1024[1024] = '\0';
	for (int i = 100; i < 1023; i += 101)
		t1023[i] = '/';
	if (rig_open(&r, "links")) {
		CHECK(!"rig");
		return;
	}
	CHECK_EQ(stage_symlink(r.st, t1023, "/longest", 0, 0), 0);
	CHECK_EQ(stage_symlink(r.st, t1024, "/too-long", 0, 0), -ENAMETOOLONG);
	memset(comp, 'c', sizeof(comp));
	comp[255] = '\0';
	CHECK_EQ(stage_symlink(r.st, comp, "/comp255", 0, 0), 0);
	comp[255] = 'c';
	comp[256] = '\0';
	CHECK_EQ(stage_symlink(r.st, comp, "/comp256", 0, 0), -ENAMETOOLONG);
	CHECK_EQ(stage_symlink(r.st, "dir/", "/slash", 0, 0), -EINVAL);
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		char name[16];

		snprintf(name, sizeof(name), "/kept%zu", i);
		CHECK_EQ(stage_symlink(r.st, kept[i], name, 0, 0), 0);
	}
	CHECK_EQ(commit(&r, &em), 0);
	rig_close(&r);
	idx = fresh_index(r.img);
	CHECK(node_of(idx, "/longest") && strcmp(node_of(idx, "/longest")->link, t1023) == 0);
	comp[255] = '\0';
	CHECK(node_of(idx, "/comp255") && strcmp(node_of(idx, "/comp255")->link, comp) == 0);
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		char name[16];

		snprintf(name, sizeof(name), "/kept%zu", i);
		CHECK(node_of(idx, name) && strcmp(node_of(idx, name)->link, kept[i]) == 0);
	}
	CHECK(idx && index_info(idx)->damaged == 0);
	index_unref(idx);
}

/* --- times: Rock Ridge's range, both ends and beyond --- */

static void test_time_limits(void)
{
	static const struct { const char *path; long long set, want; } t[] = {
		{ "/first", -2208988800LL, -2208988800LL },   /* 1900-01-01 */
		{ "/before", -2208988801LL, -2208988800LL },  /* cut */
		{ "/last", 5869583999LL, 5869583999LL },      /* 2155-12-31 23:59:59 */
		{ "/after", 5869584000LL, 5869583999LL },     /* cut */
		{ "/far", 1LL << 40, 5869583999LL },
	};
	struct errmsg em = { "" };
	struct index *idx;
	struct stat sb;
	struct rig r;

	if (rig_open(&r, "times")) {
		CHECK(!"rig");
		return;
	}
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct timespec tv[2] = { { (time_t)t[i].set, 0 }, { (time_t)t[i].set, 0 } };

		make_file(r.st, t[i].path, "t");
		CHECK_EQ(stage_utimens(r.st, t[i].path, tv), 0);
		CHECK_EQ(stage_getattr(r.st, t[i].path, &sb), 0);
		CHECK_EQ(sb.st_mtim.tv_sec, t[i].want);
	}
	CHECK_EQ(commit(&r, &em), 0);
	rig_close(&r);
	idx = fresh_index(r.img);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const struct idx_node *n = node_of(idx, t[i].path);

		CHECK(n && n->mtime.tv_sec == t[i].want && n->atime.tv_sec == t[i].want);
	}
	index_unref(idx);
}

/* --- a session the loader cannot read is not published --- */

static int write_snapshot(struct disc *d, struct snap_node *root,
			  struct errmsg *em)
{
	struct index *lower = disc_lower(d);
	struct stage_snapshot snap = { .root = root, .pending_entries = 1,
				       .base_lba = index_info(lower)->start_lba };
	struct job_settings s;
	struct disc_facts f;
	int rc;

	index_unref(lower);
	job_settings_default(&s);
	rc = disc_job_begin(d, JOB_COMMITTING, em);
	if (rc)
		return rc;
	disc_get_facts(d, &f);
	disc_lock_lib(d);
	rc = imgfmt_write_snapshot_locked(d, &snap, &s, false, f.free_bytes, em);
	disc_unlock_lib(d);
	disc_job_end(d);
	return rc;
}

/* A snapshot the stage would refuse to make (a 1024-byte symlink target:
 * libisofs writes it and drops it when reading) fails the commit with
 * EIO before activation: the image keeps its earlier session. */
static void test_readback_refuses(void)
{
	static char target[1025];
	struct snap_node root = { .name = "", .mode = S_IFDIR | 0755, .key = 1,
				  .origin = IDX_NONE };
	struct snap_node ln = { .name = "link", .mode = S_IFLNK | 0777, .key = 2,
				.origin = IDX_NONE, .link = target };
	struct snap_node *kids[1] = { &ln };
	struct errmsg em = { "" };
	struct disc_facts f;
	struct rig r;

	for (int i = 0; i < 1024; i++)   /* components of 99 bytes */
		target[i] = i % 100 == 99 ? '/' : 't';
	root.children = kids;
	root.n_children = 1;
	if (rig_open(&r, "readback")) {
		CHECK(!"rig");
		return;
	}
	make_file(r.st, "/first", "first session\n");
	CHECK_EQ(commit(&r, &em), 0);
	CHECK_EQ(write_snapshot(r.d, &root, &em), -EIO);
	CHECK(strstr(em.text, "not published") && strstr(em.text, "/link"));
	disc_get_facts(r.d, &f);
	CHECK_EQ(f.sessions, 1);
	target[1023] = '\0';   /* 1023 bytes load: the same write is published */
	CHECK_EQ(write_snapshot(r.d, &root, &em), 0);
	disc_get_facts(r.d, &f);
	CHECK_EQ(f.sessions, 2);
	rig_close(&r);
}

/* --- xattrs: every namespace, empty values, the most a node holds --- */

static void set_ok(struct stage *st, const char *path, const char *name,
		   const void *val, size_t len)
{
	CHECK_EQ(stage_setxattr(st, path, name, val, len, 0), 0);
}

/* As many 64 KiB values as the stage takes on one file, then small ones
 * on another: each one more fails with ENOSPC, and what was taken loads
 * back from the disc. Returns how many each took. */
static void fill_xattrs(struct stage *st, int *big, int *small)
{
	static char val[65536];
	char name[64];
	int ret;

	memset(val, 'v', sizeof(val));
	make_file(st, "/big", "b");
	make_file(st, "/small", "s");
	for (*big = 0; *big < 100; (*big)++) {
		snprintf(name, sizeof(name), "user.big%03d", *big);
		ret = stage_setxattr(st, "/big", name, val, sizeof(val), 0);
		if (ret)
			break;
	}
	CHECK_EQ(ret, -ENOSPC);
	for (*small = 0; *small < 100000; (*small)++) {
		snprintf(name, sizeof(name), "trusted.small.%06d", *small);
		ret = stage_setxattr(st, "/small", name, "", 0, 0);
		if (ret)
			break;
	}
	CHECK_EQ(ret, -ENOSPC);
}

static void check_xattrs_back(struct index *idx, int big, int small)
{
	const struct idx_node *n = node_of(idx, "/f");

	CHECK(xattr_of(n, "user.a") && xattr_of(n, "user.a")->len == 1);
	CHECK(xattr_of(n, "user.e") && xattr_of(n, "user.e")->len == 0);
	CHECK(xattr_of(n, "trusted.t") && xattr_of(n, "security.s"));
	CHECK(xattr_of(n, PACL_XATTR_ACCESS));
	CHECK(n && (n->mode & 0070) == 0070);   /* the mask */
	n = node_of(idx, "/only-empty");
	CHECK(n && n->n_xattrs == 2 && xattr_of(n, "user.x") &&
	      xattr_of(n, "user.y"));   /* the minimal ACL is not shown */
	CHECK_EQ(node_of(idx, "/big") ? node_of(idx, "/big")->n_xattrs : 0, big);
	CHECK_EQ(node_of(idx, "/small") ? node_of(idx, "/small")->n_xattrs : 0, small);
	n = node_of(idx, "/d");
	CHECK(xattr_of(n, PACL_XATTR_DEFAULT) && !xattr_of(n, PACL_XATTR_ACCESS));
	CHECK_EQ(node_of(idx, "/hl2") ? node_of(idx, "/hl2")->nlink : 0, 2);
	/* A value starting as the short form of "isofs." does not hide the
	 * name; a file with only the MD5 index (isofs.cx) shows none. */
	n = node_of(idx, "/v4");
	CHECK(xattr_of(n, "user.v") && xattr_of(n, "user.v")->len == 2);
	n = node_of(idx, "/later");
	CHECK(n && n->n_xattrs == 0);
	CHECK(idx && index_info(idx)->damaged == 0);
}

static void test_xattrs_round_trip(void)
{
	void *acl = NULL, *dacl = NULL;
	struct errmsg em = { "" };
	size_t alen = 0, dlen = 0;
	struct index *idx;
	int big = 0, small = 0;
	struct rig r;

	if (rig_open(&r, "xattrs")) {
		CHECK(!"rig");
		return;
	}
	make_file(r.st, "/f", "f");
	set_ok(r.st, "/f", "user.a", "x", 1);
	set_ok(r.st, "/f", "user.e", "", 0);   /* not last: sorts first */
	set_ok(r.st, "/f", "user.z", "", 0);   /* last by name */
	set_ok(r.st, "/f", "trusted.t", "t", 1);
	set_ok(r.st, "/f", "security.s", "s", 1);
	pacl_from_text("user::rw-\nuser:1234:r-x\ngroup::r--\nmask::rwx\nother::---\n",
		       &acl, &alen);
	set_ok(r.st, "/f", PACL_XATTR_ACCESS, acl, alen);
	CHECK_EQ(stage_setxattr(r.st, "/f", PACL_XATTR_DEFAULT, acl, alen, 0), -EACCES);
	CHECK_EQ(stage_setxattr(r.st, "/f", "system.other", "1", 1, 0), -ENOTSUP);
	make_file(r.st, "/only-empty", "e");
	set_ok(r.st, "/only-empty", "user.x", "", 0);
	set_ok(r.st, "/only-empty", "user.y", "", 0);
	CHECK_EQ(stage_mkdir(r.st, "/d", 0755, 0, 0), 0);
	pacl_from_text("user::rwx\ngroup::r-x\nother::r-x\n", &dacl, &dlen);
	set_ok(r.st, "/d", PACL_XATTR_DEFAULT, dacl, dlen);
	make_file(r.st, "/v4", "v");
	set_ok(r.st, "/v4", "user.v", "\x04\x04", 2);
	make_file(r.st, "/hl1", "h");
	set_ok(r.st, "/hl1", "user.e", "", 0);
	CHECK_EQ(stage_link(r.st, "/hl1", "/hl2"), 0);
	fill_xattrs(r.st, &big, &small);
	/* 11 values of 64 KiB; names fill a 64 KiB listing before the
	 * budget (3120 names of 20 bytes) */
	CHECK(big >= 10 && small >= 3000);
	CHECK_EQ(commit(&r, &em), 0);
	/* a second commit rewrites nothing of it and still loads */
	make_file(r.st, "/later", "l");
	CHECK_EQ(commit(&r, &em), 0);
	rig_close(&r);
	idx = fresh_index(r.img);
	check_xattrs_back(idx, big, small);
	index_unref(idx);
	free(acl);
	free(dacl);
}

/* --- zisofs: block by block through zlib --- */

struct mem {
	unsigned char *buf;
	size_t len;
};

static ssize_t mem_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct mem *m = ctx;

	if (off >= m->len)
		return 0;
	if (len > m->len - off)
		len = m->len - off;
	memcpy(buf, m->buf + off, len);
	return (ssize_t)len;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* A zisofs (version 1) stream of content with 32 KiB blocks; a block of
 * zeros is stored as nothing, as mkzftree and libisofs store it. */
static size_t make_zisofs(const unsigned char *content, size_t size,
			  unsigned char *out)
{
	static const unsigned char magic[8] = { 0x37, 0xe4, 0x53, 0x96,
						0xc9, 0xdb, 0xd6, 0x07 };
	size_t nblk = (size + 32767) / 32768, pos = 16 + 4 * (nblk + 1);

	memcpy(out, magic, 8);
	put_le32(out + 8, (uint32_t)size);
	out[12] = 4;
	out[13] = 15;
	out[14] = out[15] = 0;
	for (size_t b = 0; b < nblk; b++) {
		size_t in = size - b * 32768 < 32768 ? size - b * 32768 : 32768;
		uLongf clen = compressBound(in);
		bool zero = true;

		for (size_t i = 0; i < in && zero; i++)
			zero = content[b * 32768 + i] == 0;
		put_le32(out + 16 + 4 * b, (uint32_t)pos);
		if (!zero) {
			compress2(out + pos, &clen, content + b * 32768, in, 9);
			pos += clen;
		}
	}
	put_le32(out + 16 + 4 * nblk, (uint32_t)pos);
	return pos;
}

static void check_reads(struct index *idx, uint32_t id,
			const unsigned char *content, size_t size)
{
	static unsigned char got[200000];
	static const size_t offs[] = { 0, 1, 32767, 32768, 65535, 100000, 150000 };

	CHECK_EQ(index_read(idx, id, got, sizeof(got), 0), (long long)size);
	CHECK(memcmp(got, content, size) == 0);
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		size_t want = size - offs[i] < 5000 ? size - offs[i] : 5000;

		CHECK_EQ(index_read(idx, id, got, 5000, offs[i]), (long long)want);
		CHECK(memcmp(got, content + offs[i], want) == 0);
	}
	CHECK_EQ(index_read(idx, id, got, 10, size), 0);
}

static void test_zisofs_reads(void)
{
	static unsigned char content[150001], stored[200000];
	struct idx_extent ext = { 0, 0 };
	struct mem m = { stored, 0 };
	struct idx_reader rd = { .pread = mem_pread, .ctx = &m };
	struct idx_node tmpl = { .name = "z", .mode = S_IFREG | 0644,
				 .size = sizeof(content), .zisofs = 1,
				 .n_extents = 1, .extents = &ext };
	struct index *idx = index_new(&rd);
	int64_t id;

	for (size_t i = 0; i < sizeof(content); i++)   /* a block of zeros, too */
		content[i] = i >= 40000 && i < 70000 ? 0 : (unsigned char)(i * 7 / 13);
	memset(content + 65536, 0, 32768);
	m.len = make_zisofs(content, sizeof(content), stored);
	ext.size = (uint32_t)m.len;
	id = idx ? index_add(idx, IDX_ROOT, &tmpl) : -1;
	CHECK(id > 0 && index_finish(idx) == 0);
	if (id <= 0)
		return;
	check_reads(idx, (uint32_t)id, content, sizeof(content));
	/* a damaged block pointer: an error, never bytes that are not there */
	put_le32(stored + 16 + 4 * 2, 0xfffffff0u);
	CHECK(index_read(idx, (uint32_t)id, content, 100, 70000) < 0);
	index_unref(idx);
}

static void run(const char *name, void (*fn)(void))
{
	int before = check_failures;

	fn();
	fprintf(stderr, "%s: %s\n", name, check_failures == before ? "ok" : "FAILED");
}

int main(void)
{
	struct errmsg em = { "" };

	blog_init(0, getenv("BURNFS_DEBUG") != NULL);
	blog_set_quiet(1);
	if (tmp_make("test_roundtrip") || disc_lib_init(&em) < 0) {
		fprintf(stderr, "setup failed: %s\n", em.text);
		return 1;
	}
	run("acl_forms", test_acl_forms);
	run("symlink_limits", test_symlink_limits);
	run("time_limits", test_time_limits);
	run("readback_refuses", test_readback_refuses);
	run("xattrs_round_trip", test_xattrs_round_trip);
	run("zisofs_reads", test_zisofs_reads);
	disc_lib_finish();
	if (!getenv("KEEP"))
		tmp_remove();
	return CHECK_DONE();
}
