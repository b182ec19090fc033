/* test_stage_nodes.c — unit tests of the stage's inode API (what the FUSE
 * glue uses, no FUSE): lookup counts and forget, nodes that lost their
 * names, hard-link families, unique inode numbers, the invalidations queued
 * for the kernel, discard in place, paths of any length, EFBIG, set-group-ID
 * folders, and that the inode calls journal first and meet the same disc
 * limits as the path calls. The lower layer is an index built in memory,
 * its files' bytes in a memory buffer. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "burnfs/acl.h"
#include "burnfs/index.h"
#include "burnfs/log.h"
#include "burnfs/stage.h"
#include "check.h"
#include "testutil.h"

static char disc[64 * 2048];

static ssize_t mem_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	(void)ctx;
	if (off >= sizeof(disc))
		return 0;
	if (off + len > sizeof(disc))
		len = sizeof(disc) - off;
	memcpy(buf, disc + off, len);
	return (ssize_t)len;
}

static const struct idx_reader reader = { .pread = mem_pread };

/* A lower layer: /d (folder), /d/x "xx" (ino 5), /d/y "yy" (ino 6),
 * /d/h1 and /h2 (hard links, ino 7); lba tells one session from another. */
static struct index *lower(uint32_t lba, uint64_t xino)
{
	struct index *idx = index_new(&reader);
	struct idx_info info = { .session = 1, .start_lba = lba };
	struct idx_extent ext = { .block = 1, .size = 2 };
	struct idx_node t = { .mode = S_IFDIR | 0755, .name = "d" };
	int64_t d;

	memcpy(disc + 2048, "xx", 2);
	index_set_info(idx, &info);
	d = index_add(idx, IDX_ROOT, &t);
	t = (struct idx_node){ .mode = S_IFREG | 0644, .size = 2, .ino = xino,
			       .n_extents = 1, .extents = &ext, .name = "x" };
	index_add(idx, (uint32_t)d, &t);
	t.name = "y";
	t.ino = 6;
	index_add(idx, (uint32_t)d, &t);
	t.name = "h1";
	t.ino = 7;
	index_add(idx, (uint32_t)d, &t);
	t.name = "h2";
	index_add(idx, IDX_ROOT, &t);
	index_finish(idx);
	return idx;
}

static struct stage *open_stage(const char *name, struct index *low)
{
	char cache[512];
	struct stage *st = NULL;

	tmp_path(cache, sizeof(cache), name);
	CHECK_EQ(stage_open(&st, cache, low), 0);
	return st;
}

static struct stage_node *look(struct stage *st, struct stage_node *dir,
			       const char *name, struct stat *sb)
{
	struct stage_entry e;

	if (stage_lookup(st, dir, name, &e))
		return NULL;
	if (sb)
		*sb = e.attr;
	return e.node;
}

struct seen {
	int names, nodes, roots;
	char last[64];
};

static void record(void *ctx, struct stage_node *node, const char *name)
{
	struct seen *s = ctx;

	if (!node)
		s->roots++;
	else if (!name)
		s->nodes++;
	else {
		s->names++;
		snprintf(s->last, sizeof(s->last), "%s", name);
	}
}

/* Lookups keep a node that lost its names; forget lets it go. */
static void t_lookups(void)
{
	struct index *low = lower(100, 5);
	struct stage *st = open_stage("lookups", low);
	struct stage_entry root, e;
	struct stage_file *f;
	struct stat sb;
	char buf[8] = "";

	CHECK_EQ(stage_root(st, &root), 0);
	CHECK_EQ(stage_node_create(st, root.node, "f", 0644, 0, 0, O_RDWR, &e,
				   &f), 0);
	CHECK_EQ(stage_write(st, f, "abc", 3, 0), 3);
	CHECK_EQ(stage_node_unlink(st, root.node, "f"), 0);
	CHECK_EQ(stage_node_getattr(st, e.node, &sb), 0);
	CHECK_EQ(sb.st_nlink, 0);
	CHECK_EQ(sb.st_size, 3);
	struct stage_attr a = { .valid = STAGE_SET_MODE, .mode = 0600 };
	CHECK_EQ(stage_node_setattr(st, e.node, &a, &sb), 0);
	CHECK_EQ(sb.st_mode & 07777, 0600);
	CHECK_EQ(stage_node_setxattr(st, e.node, "user.k", "v", 1, 0), 0);
	CHECK_EQ(stage_node_getxattr(st, e.node, "user.k", buf, sizeof(buf)), 1);
	CHECK_EQ(stage_read(st, f, buf, sizeof(buf), 0), 3);
	stage_release(st, f);
	stage_forget(st, e.node, 1);
	CHECK(look(st, root.node, "f", NULL) == NULL);
	/* creating in a folder removed while looked up: ENOENT */
	CHECK_EQ(stage_node_mkdir(st, root.node, "gone", 0755, 0, 0, &e), 0);
	CHECK_EQ(stage_node_rmdir(st, root.node, "gone"), 0);
	CHECK_EQ(stage_node_getattr(st, e.node, &sb), 0);
	CHECK_EQ(sb.st_nlink, 0);
	CHECK_EQ(sb.st_size, 0);
	struct stage_entry e2;
	CHECK_EQ(stage_node_mkdir(st, e.node, "x", 0755, 0, 0, &e2), -ENOENT);
	stage_forget(st, e.node, 1);
	stage_close(st);  /* the root's lookup goes with it */
	index_unref(low);
}

/* A family of hard links grows and shrinks; every name is one node. */
static void t_family(void)
{
	struct index *low = lower(100, 5);
	struct stage *st = open_stage("family", low);
	struct stage_entry root, f, e;
	struct stat sb;
	char name[32];
	int n = 4000;

	stage_root(st, &root);
	CHECK_EQ(stage_node_mknod(st, root.node, "f", S_IFREG | 0644, 0, 0, 0,
				  &f), 0);
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "l%d", i);
		CHECK_EQ(stage_node_link(st, f.node, root.node, name, &e), 0);
		CHECK(e.node == f.node);
	}
	CHECK_EQ(stage_node_getattr(st, f.node, &sb), 0);
	CHECK_EQ(sb.st_nlink, n + 1);
	for (int i = 0; i < n; i += 2) {
		snprintf(name, sizeof(name), "l%d", i);
		CHECK_EQ(stage_node_unlink(st, root.node, name), 0);
	}
	/* a rename between two names of the family changes nothing */
	CHECK_EQ(stage_node_rename(st, root.node, "l1", root.node, "l3", 0), 0);
	CHECK(look(st, root.node, "l1", NULL) == f.node);
	/* another file renamed over a name takes it from the family */
	CHECK_EQ(stage_node_mknod(st, root.node, "o", S_IFREG | 0644, 0, 0, 0,
				  &e), 0);
	CHECK_EQ(stage_node_rename(st, root.node, "o", root.node, "l3", 0), 0);
	CHECK_EQ(stage_node_getattr(st, f.node, &sb), 0);
	CHECK_EQ(sb.st_nlink, n / 2);
	CHECK(look(st, root.node, "l3", NULL) == e.node);
	stage_close(st);
	index_unref(low);
}

/* A node kept across a change of the lower layer keeps its number; an
 * entry of the new layer with the same number gets another one. */
static void t_inos(void)
{
	struct index *low = lower(100, 5), *other = lower(200, 9);
	struct stage *st = open_stage("inos", low);
	struct stage_entry root;
	struct stage_node *d, *x, *nx;
	struct stage_file *f;
	struct stat a, b;

	stage_root(st, &root);
	d = look(st, root.node, "d", NULL);
	x = look(st, d, "x", &a);
	CHECK_EQ(a.st_ino, 5);
	CHECK(look(st, d, "h1", &b) == look(st, root.node, "h2", NULL));
	CHECK_EQ(stage_node_open(st, x, O_RDONLY, &f), 0);
	/* the disc changed: the tree is new (the old root finds nothing),
	 * y of the new layer has number 6 as before, x 9; the old x, still
	 * open, keeps 5 */
	CHECK_EQ(stage_discard(st, other), 0);
	CHECK(look(st, root.node, "d", NULL) == NULL);
	stage_forget(st, root.node, 1);
	stage_root(st, &root);
	d = look(st, root.node, "d", NULL);
	CHECK(d != NULL);
	if (!d)
		return;
	nx = look(st, d, "x", &b);
	CHECK(nx != x);
	CHECK_EQ(b.st_ino, 9);
	CHECK_EQ(stage_node_getattr(st, x, &a), 0);
	CHECK_EQ(a.st_ino, 5);
	stage_release(st, f);
	stage_close(st);
	index_unref(low);
	index_unref(other);
}

/* Discard in place: disc nodes stay, only what changed is queued. */
static void t_discard(void)
{
	struct index *low = lower(100, 5);
	struct stage *st = open_stage("discard", low);
	struct stage_entry root, e;
	struct stage_node *d, *x;
	struct seen s = { 0 };
	struct stat sb;
	struct stage_attr a = { .valid = STAGE_SET_MODE, .mode = 0600 };

	stage_root(st, &root);
	d = look(st, root.node, "d", NULL);
	x = look(st, d, "x", NULL);
	CHECK_EQ(stage_node_setattr(st, x, &a, NULL), 0);
	CHECK_EQ(stage_node_unlink(st, d, "y"), 0);
	CHECK_EQ(stage_node_mknod(st, d, "new", S_IFREG | 0644, 0, 0, 0, &e),
		 0);
	stage_take_invals(st, record, &s);
	CHECK_EQ(s.names + s.nodes + s.roots, 0);  /* the kernel asked */
	CHECK_EQ(stage_discard(st, NULL), 0);
	stage_take_invals(st, record, &s);
	/* "new" (gone) and "y" (back: may be cached as missing) */
	CHECK_EQ(s.names, 2);
	CHECK(s.nodes >= 2);  /* x reverted, d's entries changed */
	CHECK_EQ(s.roots, 0);
	CHECK(look(st, root.node, "d", NULL) == d);
	CHECK(look(st, d, "x", &sb) == x);
	CHECK_EQ(sb.st_mode & 07777, 0644);
	CHECK(look(st, d, "y", NULL) != NULL);
	CHECK(look(st, d, "new", NULL) == NULL);
	CHECK_EQ(stage_node_getattr(st, e.node, &sb), 0);
	CHECK_EQ(sb.st_nlink, 0);
	stage_close(st);
	index_unref(low);
}

/* Folders of 255-byte names far past PATH_MAX; the journal replays them. */
static void t_deep(void)
{
	struct index *low = lower(100, 5);
	struct stage *st = open_stage("deep", low);
	struct stage_entry root, e;
	struct stage_node *dir;
	char name[256];
	int depth = 40;

	memset(name, 'n', 255);
	name[255] = '\0';
	stage_root(st, &root);
	dir = root.node;
	for (int i = 0; i < depth; i++) {
		CHECK_EQ(stage_node_mkdir(st, dir, name, 0755, 0, 0, &e), 0);
		dir = e.node;
	}
	CHECK_EQ(stage_node_symlink(st, dir, "l", "t", 0, 0, &e), 0);
	CHECK_EQ(stage_node_mknod(st, dir, "f", S_IFREG | 0644, 0, 0, 0, &e), 0);
	struct stage_attr a = { .valid = STAGE_SET_SIZE, .size = 5 };
	CHECK_EQ(stage_node_setattr(st, e.node, &a, NULL), 0);
	stage_close(st);
	st = open_stage("deep", low);
	stage_root(st, &root);
	dir = root.node;
	for (int i = 0; i < depth && dir; i++)
		dir = look(st, dir, name, NULL);
	CHECK(dir != NULL);
	struct stat sb;
	CHECK(dir && look(st, dir, "f", &sb) != NULL);
	CHECK_EQ(sb.st_size, 5);
	char *text = NULL;
	CHECK_EQ(stage_pending_text(st, &text, NULL), 0);
	CHECK(text && strlen(text) > (size_t)depth * 256);
	free(text);
	stage_close(st);
	index_unref(low);
}

/* EFBIG past the format's limit; set-group-ID folders pass their group. */
static void t_limits(void)
{
	struct index *low = lower(100, 5);
	struct stage *st = open_stage("limits", low);
	struct stage_entry root, dir, e;
	struct stage_file *f;
	struct stat sb;
	struct stage_attr a = { .valid = STAGE_SET_SIZE,
				.size = (off_t)STAGE_FILE_SIZE_MAX + 1 };

	stage_root(st, &root);
	CHECK_EQ(stage_node_create(st, root.node, "f", 0644, 0, 0, O_RDWR, &e,
				   &f), 0);
	CHECK_EQ(stage_node_setattr(st, e.node, &a, NULL), -EFBIG);
	CHECK_EQ(stage_write(st, f, "x", 1, (off_t)STAGE_FILE_SIZE_MAX),
		 -EFBIG);
	CHECK_EQ(stage_ftruncate(st, f, (off_t)STAGE_FILE_SIZE_MAX + 1),
		 -EFBIG);
	stage_release(st, f);
	CHECK_EQ(stage_node_mkdir(st, root.node, "sg", 02775, 0, 1234, &dir),
		 0);
	CHECK_EQ(stage_node_mkdir(st, dir.node, "sub", 0755, 0, 0, &e), 0);
	CHECK_EQ(e.attr.st_gid, 1234);
	CHECK_EQ(e.attr.st_mode & 07777, 02755);
	CHECK_EQ(stage_node_mknod(st, dir.node, "file", S_IFREG | 0644, 0, 0, 0,
				  &e), 0);
	CHECK_EQ(e.attr.st_gid, 1234);
	CHECK_EQ(e.attr.st_mode & 07777, 0644);
	struct stage_list *l;
	CHECK_EQ(stage_node_list(st, dir.node, &l), 0);
	CHECK_EQ(stage_list_count(l), 2);
	CHECK_STR(stage_list_name(l, 0), "file");
	CHECK_EQ(stage_list_entry(st, l, 1, false, &e), 0);
	CHECK_EQ(e.attr.st_mode & 07777, 02755);
	stage_list_free(st, l);
	CHECK_EQ(stage_node_getattr(st, dir.node, &sb), 0);
	CHECK_EQ(sb.st_nlink, 3);
	stage_close(st);
	index_unref(low);
}

static off_t journal_size(const char *name)
{
	char path[600];
	struct stat sb;

	tmp_path(path, sizeof(path), name);
	strncat(path, "/journal", sizeof(path) - strlen(path) - 1);
	return stat(path, &sb) ? -1 : sb.st_size;
}

/* A short append (RLIMIT_FSIZE, as a full cache disk): every change by
 * inode fails at the journal before it shows, and leaves no trace. */
static void t_journal_first(void)
{
	struct index *low = lower(100, 5);
	struct stage *st = open_stage("jfirst", low);
	struct stage_attr a = { .valid = STAGE_SET_MODE, .mode = 0600 };
	struct stage_entry root, e;
	struct stage_node *d, *x;
	struct rlimit rl, old;
	char *before = NULL, *after = NULL;
	struct stat sb;

	stage_root(st, &root);
	d = look(st, root.node, "d", NULL);
	x = look(st, d, "x", NULL);
	CHECK_EQ(stage_pending_text(st, &before, NULL), 0);
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	rl = old;
	rl.rlim_cur = (rlim_t)journal_size("jfirst") + 20;
	setrlimit(RLIMIT_FSIZE, &rl);
	CHECK_EQ(stage_node_mkdir(st, root.node, "b", 0755, 0, 0, &e), -EFBIG);
	CHECK_EQ(stage_node_mknod(st, root.node, "n", S_IFIFO | 0644, 0, 0, 0,
				  &e), -EFBIG);
	CHECK_EQ(stage_node_symlink(st, root.node, "s", "t", 0, 0, &e), -EFBIG);
	CHECK_EQ(stage_node_link(st, x, root.node, "x2", &e), -EFBIG);
	CHECK_EQ(stage_node_rename(st, d, "y", root.node, "y2", 0), -EFBIG);
	CHECK_EQ(stage_node_unlink(st, d, "y"), -EFBIG);
	CHECK_EQ(stage_node_setattr(st, x, &a, NULL), -EFBIG);
	CHECK_EQ(stage_node_setxattr(st, x, "user.a", "1", 1, 0), -EFBIG);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, SIG_DFL);
	CHECK_EQ(stage_pending_text(st, &after, NULL), 0);
	CHECK_STR(after, before);
	CHECK(look(st, root.node, "b", NULL) == NULL);
	CHECK(look(st, d, "y", NULL) != NULL);
	CHECK_EQ(stage_node_getattr(st, x, &sb), 0);
	CHECK_EQ(sb.st_mode & 07777, 0644);
	CHECK_EQ(stage_node_getxattr(st, x, "user.a", NULL, 0), -ENODATA);
	free(before);
	free(after);
	stage_close(st);
	index_unref(low);
}

/* A change taken back after it was journalled (here a restore of a name
 * the session does not hold) must not take the owed THAW with it, which
 * settle() wrote just before: without it, a mount on a newer session
 * would take the failed commit for one that landed and drop everything
 * staged before it. */
static void t_cut_keeps_thaw(void)
{
	struct index *low = lower(100, 5), *newer = lower(200, 5);
	struct stage *st = open_stage("thaw", low);
	struct stage_snapshot *snap = NULL;
	struct stage_entry root, e;
	struct rlimit rl, old;
	char *before = NULL, *after = NULL;

	stage_root(st, &root);
	CHECK_EQ(stage_node_mkdir(st, root.node, "b", 0755, 0, 0, &e), 0);
	CHECK_EQ(stage_freeze(st, &snap), 0);
	/* the failed commit's THAW does not fit: it is owed */
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	rl = old;
	rl.rlim_cur = (rlim_t)journal_size("thaw") + 4;
	setrlimit(RLIMIT_FSIZE, &rl);
	stage_commit_failed(st, snap);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, SIG_DFL);
	CHECK_EQ(stage_restore(st, low, "/none", "/z", false), -ENOENT);
	CHECK_EQ(stage_pending_text(st, &before, NULL), 0);
	CHECK(strstr(before, "A /b") != NULL);
	stage_close(st);
	/* another program added a session meanwhile */
	st = open_stage("thaw", newer);
	CHECK_EQ(stage_pending_text(st, &after, NULL), 0);
	CHECK_STR(after, before);
	free(before);
	free(after);
	stage_close(st);
	index_unref(low);
	index_unref(newer);
}

/* What a disc cannot hold is refused by inode as by path; times are cut
 * to Rock Ridge's; an access ACL sets the mode (and the kernel is told),
 * chmod sets the ACL's mask. */
static void t_disc_limits(void)
{
	struct index *low = lower(100, 5);
	struct stage *st = open_stage("dlimits", low);
	struct stage_attr a = { .valid = STAGE_SET_MTIME,
				.mtime = { .tv_sec = -5000000000LL } };
	struct stage_entry root, e;
	struct seen s = { 0 };
	char target[1100], *acl_text = "user::rw-\nuser:5:rwx\ngroup::r--\n"
				       "mask::r-x\nother::---\n";
	void *acl;
	size_t alen;
	struct stat sb;

	stage_root(st, &root);
	memset(target, 't', sizeof(target) - 1);
	target[sizeof(target) - 1] = '\0';
	CHECK_EQ(stage_node_symlink(st, root.node, "l", target, 0, 0, &e),
		 -ENAMETOOLONG);
	CHECK_EQ(stage_node_symlink(st, root.node, "l", "dir/", 0, 0, &e),
		 -EINVAL);
	CHECK_EQ(stage_node_mknod(st, root.node, "f", S_IFREG | 0644, 0, 0, 0,
				  &e), 0);
	CHECK_EQ(stage_node_setattr(st, e.node, &a, &sb), 0);
	CHECK_EQ(sb.st_mtim.tv_sec, -2208988800LL);
	CHECK_EQ(stage_node_setxattr(st, e.node, "other.x", "1", 1, 0),
		 -ENOTSUP);
	CHECK_EQ(pacl_from_text(acl_text, &acl, &alen), 0);
	CHECK_EQ(stage_node_setxattr(st, e.node, PACL_XATTR_DEFAULT, acl, alen,
				     0), -EACCES);
	stage_take_invals(st, record, &s);
	s = (struct seen){ 0 };
	CHECK_EQ(stage_node_setxattr(st, e.node, PACL_XATTR_ACCESS, acl, alen,
				     0), 0);
	CHECK_EQ(stage_node_getattr(st, e.node, &sb), 0);
	CHECK_EQ(sb.st_mode & 0777, 0650);
	stage_take_invals(st, record, &s);
	CHECK_EQ(s.nodes, 1);
	a = (struct stage_attr){ .valid = STAGE_SET_MODE, .mode = 0640 };
	CHECK_EQ(stage_node_setattr(st, e.node, &a, NULL), 0);
	CHECK_EQ(stage_node_getxattr(st, e.node, PACL_XATTR_ACCESS, acl, alen),
		 (ssize_t)alen);
	CHECK_EQ(pacl_apply_to_mode(acl, alen, S_IFREG) & 0777, 0640);
	free(acl);
	stage_close(st);
	index_unref(low);
}

/* /a holds p (ino 11), q (12) and folder s with r (13); /b holds t (14). */
static struct index *trim_lower(void)
{
	struct index *idx = index_new(&reader);
	struct idx_info info = { .session = 1, .start_lba = 100 };
	struct idx_extent ext = { .block = 1, .size = 2 };
	struct idx_node dir = { .mode = S_IFDIR | 0755, .mtime = { 1000, 5 } };
	struct idx_node f = { .mode = S_IFREG | 0644, .size = 2, .n_extents = 1,
			      .extents = &ext, .mtime = { 2000, 7 } };
	int64_t a, s, b;

	memcpy(disc + 2048, "xx", 2);
	index_set_info(idx, &info);
	dir.name = "a";
	a = index_add(idx, IDX_ROOT, &dir);
	f.name = "p", f.ino = 11;
	index_add(idx, (uint32_t)a, &f);
	f.name = "q", f.ino = 12;
	index_add(idx, (uint32_t)a, &f);
	dir.name = "s";
	s = index_add(idx, (uint32_t)a, &dir);
	f.name = "r", f.ino = 13;
	index_add(idx, (uint32_t)s, &f);
	dir.name = "b";
	b = index_add(idx, IDX_ROOT, &dir);
	f.name = "t", f.ino = 14;
	index_add(idx, (uint32_t)b, &f);
	index_finish(idx);
	return idx;
}

/* Look up every entry of /a, as a walk does; forget them all again. */
static void walk_a(struct stage *st, struct stage_node *root, bool forget)
{
	static struct stage_node *a, *p, *q, *s, *r;

	if (!forget) {
		a = look(st, root, "a", NULL);
		p = look(st, a, "p", NULL);
		q = look(st, a, "q", NULL);
		s = look(st, a, "s", NULL);
		r = look(st, s, "r", NULL);
		CHECK(a && p && q && s && r);
		return;
	}
	/* the kernel's order: children before their folder */
	stage_forget(st, r, 1);
	stage_forget(st, s, 1);
	stage_forget(st, p, 1);
	stage_forget(st, q, 1);
	stage_forget(st, a, 1);
}

/* A folder the kernel forgot gives back the entries nobody changed; the
 * same lookups make them again with the same numbers and attributes; a
 * change of any kind, an open file or a name removed keeps the folder. */
static void t_trim(void)
{
	struct index *low = trim_lower();
	struct stage *st = open_stage("trim", low);
	struct stage_entry root;
	struct stage_node *a, *p, *q, *b, *t;
	struct stage_file *f;
	struct stat before = { 0 }, after = { 0 };
	size_t base;

	stage_root(st, &root);
	b = look(st, root.node, "b", NULL);   /* the root's entries: a, b */
	stage_forget(st, b, 1);
	base = stage_node_count(st);
	walk_a(st, root.node, false);
	a = look(st, root.node, "a", NULL);
	p = look(st, a, "p", &before);
	stage_forget(st, a, 1);
	stage_forget(st, p, 1);
	CHECK_EQ(stage_node_count(st), base + 4);   /* p, q, s, r */
	walk_a(st, root.node, true);
	CHECK_EQ(stage_node_count(st), base);       /* /a unlisted again */
	a = look(st, root.node, "a", NULL);
	p = look(st, a, "p", &after);
	CHECK_EQ(after.st_ino, 11);
	CHECK_EQ(after.st_ino, before.st_ino);
	CHECK_EQ(after.st_mtim.tv_sec, 2000);
	CHECK_EQ(after.st_mtim.tv_nsec, 7);
	CHECK_EQ(after.st_nlink, 1);
	stage_forget(st, p, 1);
	stage_forget(st, a, 1);

	/* a time set to another nanosecond of the same second: kept */
	walk_a(st, root.node, false);
	a = look(st, root.node, "a", NULL);
	q = look(st, a, "q", NULL);
	struct stage_attr at = { .valid = STAGE_SET_MTIME,
				 .mtime = { 2000, 8 } };
	CHECK_EQ(stage_node_setattr(st, q, &at, NULL), 0);
	stage_forget(st, q, 1);
	stage_forget(st, a, 1);
	walk_a(st, root.node, true);
	CHECK_EQ(stage_node_count(st), base + 3);   /* /a kept; s gave r back */
	a = look(st, root.node, "a", NULL);
	q = look(st, a, "q", &after);
	CHECK_EQ(after.st_mtim.tv_nsec, 8);
	stage_forget(st, q, 1);
	stage_forget(st, a, 1);

	/* a file open, then a name removed: /b is kept either way */
	b = look(st, root.node, "b", NULL);
	t = look(st, b, "t", NULL);
	CHECK_EQ(stage_node_open(st, t, O_RDONLY, &f), 0);
	stage_forget(st, t, 1);
	stage_forget(st, b, 1);
	CHECK_EQ(stage_node_count(st), base + 4);   /* and /b kept: its t */
	stage_release(st, f);
	b = look(st, root.node, "b", NULL);
	CHECK_EQ(stage_node_unlink(st, b, "t"), 0);
	stage_forget(st, b, 1);
	b = look(st, root.node, "b", NULL);
	CHECK(look(st, b, "t", NULL) == NULL);
	stage_forget(st, b, 1);
	stage_close(st);
	index_unref(low);
}

/* Enough entries given back that the hashes shrink to what is left: every
 * name and inode number is found again afterwards. */
static void t_trim_many(void)
{
	enum { N = 20000 };
	struct index *idx = index_new(&reader);
	struct idx_info info = { .session = 1, .start_lba = 100 };
	struct idx_node dir = { .mode = S_IFDIR | 0755, .name = "big" };
	struct idx_node f = { .mode = S_IFREG | 0644 };
	struct stage_node **v = calloc(N, sizeof(*v)), *big;
	struct stage_entry root;
	struct stat sb = { 0 };
	struct stage *st;
	char name[32];
	size_t base;
	int64_t d;

	index_set_info(idx, &info);
	d = index_add(idx, IDX_ROOT, &dir);
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		f.name = name;
		f.ino = 1000 + (uint64_t)i;
		index_add(idx, (uint32_t)d, &f);
	}
	index_finish(idx);
	st = open_stage("trim_many", idx);
	stage_root(st, &root);
	big = look(st, root.node, "big", NULL);
	base = stage_node_count(st);
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		v[i] = look(st, big, name, NULL);
		CHECK(v[i] != NULL);
	}
	CHECK_EQ(stage_node_count(st), base + N);
	for (int i = 0; i < N; i++)
		stage_forget(st, v[i], 1);
	stage_forget(st, big, 1);
	CHECK_EQ(stage_node_count(st), base);
	big = look(st, root.node, "big", NULL);
	for (int i = 0; i < N; i += 7) {
		snprintf(name, sizeof(name), "n%d", i);
		CHECK(look(st, big, name, &sb) != NULL);
		CHECK_EQ(sb.st_ino, 1000 + (uint64_t)i);
	}
	CHECK(look(st, big, "n20000", NULL) == NULL);
	stage_close(st);
	index_unref(idx);
	free(v);
}

/* Before a commit: the top-most folders the kernel knows with nothing
 * staged beneath are queued for the kernel to drop, their paths handed
 * back; a folder with a change keeps its name, its clean folders do not;
 * nor does a folder a process works in; below the threshold nothing is
 * queued. Once the kernel forgets, the entries go back to the index. */
static void t_release(void)
{
	struct index *low = trim_lower();
	struct stage *st = open_stage("release", low);
	struct stage_attr at = { .valid = STAGE_SET_MODE, .mode = 0600 };
	struct stage_node *a, *p, *q, *s, *r, *b, *t;
	struct stage_entry root;
	struct seen seen = { 0 };
	const char *const busy[] = { "/b" };
	char **paths = NULL;
	size_t base;

	stage_root(st, &root);
	a = look(st, root.node, "a", NULL);
	p = look(st, a, "p", NULL);
	q = look(st, a, "q", NULL);
	s = look(st, a, "s", NULL);
	r = look(st, s, "r", NULL);
	b = look(st, root.node, "b", NULL);
	t = look(st, b, "t", NULL);
	CHECK(a && p && q && s && r && b && t);
	CHECK_EQ(stage_node_setattr(st, q, &at, NULL), 0);
	base = stage_node_count(st);

	setenv("BURNFS_RELEASE_MIN", "1000", 1);
	CHECK_EQ(stage_release_cached(st, NULL, 0, &paths), 0);
	CHECK(paths == NULL);
	setenv("BURNFS_RELEASE_MIN", "1", 1);
	/* a process works in /b: only /a/s */
	CHECK_EQ(stage_release_cached(st, busy, 1, &paths), 1);
	CHECK(paths && !strcmp(paths[0], "/a/s"));
	free(paths[0]);
	free(paths);
	stage_take_invals(st, record, &seen);
	CHECK_EQ(seen.names, 1);
	seen.names = 0;
	CHECK_EQ(stage_release_cached(st, NULL, 0, &paths), 2);
	CHECK(paths != NULL);
	CHECK(!strcmp(paths[0], "/a/s") || !strcmp(paths[1], "/a/s"));
	CHECK(!strcmp(paths[0], "/b") || !strcmp(paths[1], "/b"));
	for (int i = 0; i < 2; i++)
		free(paths[i]);
	free(paths);
	stage_take_invals(st, record, &seen);
	CHECK_EQ(seen.names, 2);
	unsetenv("BURNFS_RELEASE_MIN");

	/* the kernel drops them: their entries go back, /a keeps p and q */
	stage_forget(st, r, 1);
	stage_forget(st, s, 1);
	stage_forget(st, t, 1);
	stage_forget(st, b, 1);
	CHECK_EQ(stage_node_count(st), base - 2);
	stage_close(st);
	index_unref(low);
}

int main(void)
{
	blog_init(0, 0);
	if (tmp_make("test_stage_nodes"))
		return 2;
	t_lookups();
	t_family();
	t_inos();
	t_discard();
	t_deep();
	t_limits();
	t_journal_first();
	t_cut_keeps_thaw();
	t_disc_limits();
	t_trim();
	t_trim_many();
	t_release();
	CHECK(tmp_remove() == 0);
	return CHECK_DONE();
}
