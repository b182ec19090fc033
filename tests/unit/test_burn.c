/* test_burn.c — the burn part: applying a stage snapshot to an IsoImage
 * (hand-built snapshots, checked through libisofs), and commit, verify,
 * blank and cancel end to end on temporary image files, checked with the
 * real xorriso. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "jobs/jobs_priv.h"
#include "imgfmt/imgfmt_priv.h"
#include "burnfs/errmsg.h"
#include "idxview.h"
#include "burnfs/index.h"
#include "burnfs/log.h"
#include "burnfs/stage.h"
#include "check.h"
#include "testutil.h"

/* ---------------------------------------------------------------------
 * apply.c with hand-built snapshots
 * ------------------------------------------------------------------- */

static struct snap_node *sn_new(const char *name, mode_t mode, uint32_t origin)
{
	static uint64_t next_key = 1ULL << 50;
	struct snap_node *n = calloc(1, sizeof(*n));

	n->key = next_key++;    /* one file each, as in a stage snapshot */
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

static struct snap_node *sn_add_ret(struct snap_node *dir,
				    struct snap_node *child)
{
	sn_add(dir, child);
	return child;
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
	tmp_path(p, sizeof(p), "f1");
	iso_tree_add_new_node(img, d1, "f1", p, NULL);
	iso_image_add_new_dir(img, d1, "sub", &sub);
	tmp_path(p, sizeof(p), "f2");
	iso_tree_add_new_node(img, iso_image_get_root(img), "f2", p, NULL);
	iso_image_add_new_symlink(img, iso_image_get_root(img), "ln", "f2", &ln);
	iso_node_set_attrs((IsoNode *)d1, 1, &nm, &len, &val, 0);
	memset(m, 0, sizeof(*m));
	CHECK(imgfmt_walk_image(img, idmap_visit, m) == 0);
	return img;
}

static struct snap_node *file_node(const char *name, uint32_t origin,
				   uint64_t key, const char *data, uint64_t size)
{
	struct snap_node *n = sn_new(name, S_IFREG | 0640, origin);

	/* Far from the PX inode numbers lower_snap() uses as keys. */
	n->key = key + (1ULL << 40);
	n->size = size;
	if (data) {
		static char paths[8][512];
		static int next;
		char *p = paths[next++ % 8];

		tmp_path(p, 512, data);
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

	CHECK(imgfmt_apply_snapshot(img, NULL, m.by_id, m.n, &snap, true, &em) == 0);
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
	CHECK(imgfmt_apply_snapshot(img, NULL, m.by_id, m.n, &snap, false, &em) == 0);
	CHECK(node_at(img, "/f1") == f2 && node_at(img, "/f2") == f1);
	CHECK(!has_attr((IsoNode *)iso_image_get_root(img), DISC_CLOSED_XATTR, NULL));
	iso_image_unref(img);
	sn_free(root);

	img = old_image(&m);
	root = sn_new("", S_IFDIR | 0755, 0);
	snap.root = root;
	sn_add(root, file_node("same", id_of(&m, img, "/f2"), 2, NULL, 6));
	sn_add(root, file_node("same", IDX_NONE, 5, "new", 3));
	CHECK(imgfmt_apply_snapshot(img, NULL, m.by_id, m.n, &snap, false, &em) == -EEXIST);
	CHECK(strstr(em.text, "/same") != NULL);
	iso_image_unref(img);
	sn_free(root);

	/* A cache file whose size differs from the snapshot's is refused. */
	img = old_image(&m);
	root = sn_new("", S_IFDIR | 0755, 0);
	snap.root = root;
	sn_add(root, file_node("grown", IDX_NONE, 5, "new", 2));
	CHECK(imgfmt_apply_snapshot(img, NULL, m.by_id, m.n, &snap, false, &em) == -EIO);
	iso_image_unref(img);
	sn_free(root);
}


/* ---------------------------------------------------------------------
 * the write path on image files, with snapshots made from the lower index
 * ------------------------------------------------------------------- */

/* Mirror index node `id` (and below) as unchanged snapshot entries. */
static struct snap_node *snap_from_index(struct index *idx, uint32_t id)
{
	const struct idx_node *in = idx_view(idx, id);
	struct snap_node *n = sn_new(in->name, in->mode, id);

	n->uid = in->uid;
	n->gid = in->gid;
	n->atime = in->atime;
	n->mtime = in->mtime;
	n->ctime = in->ctime;
	n->size = in->size;
	n->rdev = in->rdev;
	n->link = in->link;
	n->key = in->ino ? in->ino : 1000000 + id;
	n->n_xattrs = in->n_xattrs;
	n->xattrs = (const struct snap_xattr *)in->xattrs;
	for (uint32_t c = in->first_child; c != IDX_NONE;
	     c = idx_view(idx, c)->next_sibling)
		sn_add(n, snap_from_index(idx, c));
	return n;
}

static struct snap_node *sn_child(struct snap_node *dir, const char *name)
{
	for (uint32_t i = 0; i < dir->n_children; i++)
		if (strcmp(dir->children[i]->name, name) == 0)
			return dir->children[i];
	return NULL;
}

/* Write `root` as the next session: what job_commit does between the
 * freeze and the hand-back. */
static int write_snap(struct disc *d, struct snap_node *root,
		      const struct job_settings *s, bool close, struct errmsg *em)
{
	struct index *lower = disc_lower(d);
	struct stage_snapshot snap = {
		.root = root, .pending_entries = 1,
		.base_lba = index_info(lower)->start_lba,
	};
	struct disc_facts f;
	int rc;

	index_unref(lower);
	rc = disc_job_begin(d, JOB_COMMITTING, em);
	if (rc)
		return rc;
	disc_get_facts(d, &f);
	disc_lock_lib(d);
	rc = imgfmt_write_snapshot_locked(d, &snap, s, close, f.free_bytes, em);
	disc_unlock_lib(d);
	disc_job_end(d);
	return rc;
}

/* The snapshot borrows the index's strings: unref *lower after use. */
static struct snap_node *lower_snap(struct disc *d, struct index **lower)
{
	*lower = disc_lower(d);
	return snap_from_index(*lower, IDX_ROOT);
}

static void make_pattern(const char *name, size_t size, unsigned seed)
{
	unsigned char *buf = malloc(size);

	for (size_t i = 0; i < size; i++)
		buf[i] = (unsigned char)((i * 2654435761u + seed) >> 13);
	write_file(name, buf, size);
	free(buf);
}

static off_t file_size(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 ? st.st_size : -1;
}

/* Count lines of a command's output that contain `needle`. */
static int count_lines(const char *cmd, const char *needle)
{
	char line[4096];
	FILE *f = popen(cmd, "r");
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *w = line;

		/* Squeeze runs of blanks: xorriso aligns its columns. */
		for (char *r = line; *r; r++)
			if (!(*r == ' ' && w > line && w[-1] == ' '))
				*w++ = *r;
		*w = '\0';
		if (strstr(line, needle))
			n++;
	}
	pclose(f);
	return n;
}

static int sessions_of(const char *img)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
		 "xorriso -indev stdio:'%s' -toc 2>/dev/null", img);
	return count_lines(cmd, "ISO session :");
}

static bool iso_file_equals(const char *img, const char *iso_path,
			    const char *local)
{
	char out[512];

	tmp_path(out, sizeof(out), "extracted");
	unlink(out);
	if (sh("xorriso -osirrox on -indev stdio:'%s' -extract '%s' '%s' >/dev/null 2>&1",
	       img, iso_path, out) != 0)
		return false;
	return sh("cmp -s '%s' '%s'", out, local) == 0;
}


static void copy_file(const char *from, const char *to)
{
	CHECK(sh("cp '%s' '%s'", from, to) == 0);
}

static bool same_file(const char *a, const char *b)
{
	return sh("cmp -s '%s' '%s'", a, b) == 0;
}

static int lines_of_find(const char *img, const char *needle)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "xorriso -indev stdio:'%s' -find / -exec lsdl -- 2>/dev/null", img);
	return count_lines(cmd, needle);
}

/* First commit into a missing image file: a folder with a 5 MB file. */
static void first_session(struct disc *d, const char *img,
			  const struct job_settings *s)
{
	struct index *lower;
	struct snap_node *root = lower_snap(d, &lower), *docs;
	struct errmsg em = { "" };

	make_pattern("big5", 5 * 1024 * 1024 + 7, 1);
	write_file("hello", "hello\n", 6);
	sn_add(root, file_node("hello.txt", IDX_NONE, 1, "hello", 6));
	docs = sn_new("docs", S_IFDIR | 0755, IDX_NONE);
	sn_add(docs, file_node("big.bin", IDX_NONE, 2, "big5", 5 * 1024 * 1024 + 7));
	sn_add(root, docs);
	CHECK(write_snap(d, root, s, false, &em) == 0);
	sn_free(root);
	index_unref(lower);
	CHECK(sessions_of(img) == 1);
	tmp_path(em.text, sizeof(em.text), "big5");
	CHECK(iso_file_equals(img, "/docs/big.bin", em.text));
	CHECK(lines_of_find(img, "-rw-r----- 1 1000 100") == 2);
}

/* Rename the folder, chmod a file, add one: no 5 MB rewritten. */
static void second_session(struct disc *d, const char *img,
			   const struct job_settings *s)
{
	struct index *lower;
	struct snap_node *root = lower_snap(d, &lower);
	struct errmsg em = { "" };
	off_t before = file_size(img);
	char local[512];

	sn_child(root, "docs")->name = "papers";
	sn_child(root, "hello.txt")->mode = S_IFREG | 0600;
	sn_add(root, file_node("new.txt", IDX_NONE, 99, "hello", 6));
	CHECK(write_snap(d, root, s, false, &em) == 0);
	sn_free(root);
	index_unref(lower);
	CHECK(sessions_of(img) == 2);
	CHECK(file_size(img) - before < 1024 * 1024);
	tmp_path(local, sizeof(local), "big5");
	CHECK(iso_file_equals(img, "/papers/big.bin", local));
	CHECK(lines_of_find(img, "'/docs") == 0);
	CHECK(lines_of_find(img, "-rw------- 1 1000 100") == 1);
	CHECK(lines_of_find(img, "'/new.txt'") == 1);
}

/* Simulation and a session that does not fit leave the image as it was. */
static void unchanged_cases(struct disc **d, const char *img)
{
	struct job_settings s;
	struct index *lower;
	struct snap_node *root;
	struct errmsg em = { "" };
	char copy[512];

	job_settings_default(&s);
	tmp_path(copy, sizeof(copy), "copy.iso");
	copy_file(img, copy);
	s.simulate = true;
	root = lower_snap(*d, &lower);
	sn_add(root, file_node("sim.txt", IDX_NONE, 77, "hello", 6));
	CHECK(write_snap(*d, root, &s, false, &em) == 0);
	sn_free(root);
	index_unref(lower);
	CHECK(same_file(img, copy));

	disc_close(*d);
	CHECK(disc_open(d, img, (uint64_t)file_size(img) + 1024 * 1024, &imgfmt_iso9660, &em) == 0);
	s.simulate = false;
	root = lower_snap(*d, &lower);
	sn_add(root, file_node("big2.bin", IDX_NONE, 78, "big5", 5 * 1024 * 1024 + 7));
	CHECK(write_snap(*d, root, &s, false, &em) == -ENOSPC);
	CHECK(strstr(em.text, "needs") != NULL);
	sn_free(root);
	index_unref(lower);
	CHECK(same_file(img, copy));
}

/* The LBA of a file's first extent, from xorriso's report_lba. */
static long lba_of(const char *img, const char *iso_path)
{
	char cmd[1024], line[4096];
	long lba = -1;
	FILE *f;

	snprintf(cmd, sizeof(cmd),
		 "xorriso -indev stdio:'%s' -find '%s' -exec report_lba -- 2>/dev/null",
		 img, iso_path);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "File data lba:", 14) == 0)
			sscanf(line + 14, " %*d , %ld", &lba);
	pclose(f);
	return lba;
}

static bool xorriso_md5_ok(const char *img)
{
	return sh("xorriso -md5 on -indev stdio:'%s' -check_md5 FAILURE -- "
		  "-check_md5_r FAILURE / -- >/dev/null 2>&1", img) == 0;
}

static void verify_cases(struct disc *d, const char *img)
{
	struct errmsg em = { "" };
	long lba = lba_of(img, "/papers/big.bin");
	int fd;

	CHECK(job_verify(d, &em) == 0);
	CHECK(xorriso_md5_ok(img));
	CHECK(lba > 0);
	fd = open(img, O_WRONLY);
	CHECK(fd >= 0 && pwrite(fd, "DAMAGE", 6, lba * 2048 + 4096) == 6);
	close(fd);
	CHECK(job_verify(d, &em) == -EIO);
	CHECK(strstr(em.text, "damaged: /papers/big.bin") != NULL);
	CHECK(strstr(em.text, "hello.txt") == NULL);
	CHECK(!xorriso_md5_ok(img));
}

static void test_write_path(void)
{
	struct job_settings s;
	struct disc *d = NULL;
	struct errmsg em = { "" };
	char img[512];

	job_settings_default(&s);
	tmp_path(img, sizeof(img), "w.iso");
	CHECK(disc_open(&d, img, 0, &imgfmt_iso9660, &em) == 0);
	if (!d)
		return;
	first_session(d, img, &s);
	second_session(d, img, &s);
	unchanged_cases(&d, img);
	verify_cases(d, img);
	disc_close(d);
}

/* A session over 4 GiB (every full single-layer DVD's) was called damaged:
 * its size was squeezed into an extent's 32 bits, so verify hashed only
 * what was left above 4 GiB. The session here is 4 GiB + 64 KiB of a
 * sparse image (zeros, nothing written); its MD5 was computed elsewhere
 * (python's hashlib). This is the code job_verify runs once libisofs has
 * named the session's range; writing a real 4.5 GiB session and checking
 * it took minutes here (done by hand: ok). */
static void test_verify_big_session(void)
{
	static const char zeros_md5[] = "61b5f7854c370657779f0d26ae97138c";
	const uint32_t start = 32, blocks = 2097184;
	struct imgfmt_plan plan = { .has_session = true, .start = start,
			      .end = start + blocks };
	struct disc *d = NULL;
	struct errmsg em = { "" };
	char img[512];
	int fd;

	plan.total_bytes = (uint64_t)blocks * 2048;
	for (int i = 0; i < 16; i++)
		sscanf(zeros_md5 + 2 * i, "%2hhx", (unsigned char *)&plan.session_md5[i]);
	tmp_path(img, sizeof(img), "big-session.iso");
	fd = open(img, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && ftruncate(fd, (off_t)(start + blocks) * 2048) == 0);
	close(fd);
	CHECK(disc_open(&d, img, 0, &imgfmt_iso9660, &em) == 0);
	if (!d)
		return;
	CHECK_EQ(job_verify_plan(d, &plan, &em), 0);
	disc_close(d);
	unlink(img);
}

struct canceller {
	struct disc *d;
	uint64_t seen_done;
	int seen_state;
	int seen_percent;
};

/* Wait until the burn has written something, then abort it. */
static void *cancel_thread(void *arg)
{
	struct canceller *c = arg;
	struct progress p;

	for (int i = 0; i < 6000; i++) {
		disc_get_progress(c->d, &p);
		if (p.state == JOB_COMMITTING && p.bytes_done > 0) {
			c->seen_done = p.bytes_done;
			c->seen_state = p.state;
			c->seen_percent = p.percent;
			disc_cancel(c->d);
			break;
		}
		usleep(5000);
	}
	return NULL;
}

/* The write ended although a cancel was asked for: on a machine that
 * writes 200 MiB faster than the canceller can see progress, or sees it
 * only near the end, that is no fault, and the cancel checks are skipped
 * with a note. A cancel sent before half way must win. */
static bool cancel_came_too_late(const struct canceller *c, int rc)
{
	if (rc != 0 || (c->seen_done > 0 && c->seen_percent < 50))
		return false;
	fprintf(stderr, "note: cancel: the write ended before a cancel could "
		"land (%s); cancel checks skipped\n",
		c->seen_done ? "sent past half way" : "no progress seen");
	return true;
}

static void test_cancel(void)
{
	struct canceller c = { 0 };
	struct job_settings s;
	struct index *lower;
	struct snap_node *root;
	struct errmsg em = { "" };
	struct progress p;
	char img[512], copy[512];
	pthread_t th;
	size_t big = 200u * 1024 * 1024;
	int rc;

	job_settings_default(&s);
	tmp_path(img, sizeof(img), "c.iso");
	tmp_path(copy, sizeof(copy), "c-copy.iso");
	make_pattern("big200", big, 3);
	write_file("hello", "hello\n", 6);
	CHECK(disc_open(&c.d, img, 0, &imgfmt_iso9660, &em) == 0);
	if (!c.d)
		return;
	root = lower_snap(c.d, &lower);
	sn_add(root, file_node("small", IDX_NONE, 1, "hello", 6));
	CHECK(write_snap(c.d, root, &s, false, &em) == 0);
	sn_free(root);
	index_unref(lower);
	copy_file(img, copy);

	root = lower_snap(c.d, &lower);
	sn_add(root, file_node("big", IDX_NONE, 2, "big200", big));
	pthread_create(&th, NULL, cancel_thread, &c);
	rc = write_snap(c.d, root, &s, false, &em);
	pthread_join(th, NULL);
	sn_free(root);
	index_unref(lower);
	if (cancel_came_too_late(&c, rc))
		goto out;
	CHECK(rc == -ECANCELED);
	CHECK(c.seen_done > 0 && c.seen_state == JOB_COMMITTING);
	disc_get_progress(c.d, &p);
	CHECK(p.state == JOB_IDLE);
	CHECK(sessions_of(img) == 1 && lines_of_find(img, "'/big'") == 0);
	CHECK(xorriso_md5_ok(img));
	/* A stale tail may remain after the old end; the sessions do not
	 * change: the first bytes up to the copy's size are identical. */
	CHECK(sh("cmp -s -n %lld '%s' '%s'", (long long)file_size(copy), img, copy) == 0);
	/* The drive is usable again right after the cancel. */
	root = lower_snap(c.d, &lower);
	sn_add(root, file_node("after", IDX_NONE, 3, "hello", 6));
	CHECK(write_snap(c.d, root, &s, false, &em) == 0);
	sn_free(root);
	index_unref(lower);
	CHECK(sessions_of(img) == 2 && lines_of_find(img, "'/after'") == 1);
out:
	disc_close(c.d);
	tmp_path(copy, sizeof(copy), "big200");
	unlink(copy);
}

/* commit close on an image: the reopened image is closed. */
static void test_close(void)
{
	struct job_settings s;
	struct disc *d = NULL;
	struct index *lower;
	struct snap_node *root;
	struct disc_facts f;
	struct errmsg em = { "" };
	char img[512];

	job_settings_default(&s);
	tmp_path(img, sizeof(img), "closed.iso");
	write_file("hello", "hello\n", 6);
	CHECK(disc_open(&d, img, 0, &imgfmt_iso9660, &em) == 0);
	if (!d)
		return;
	root = lower_snap(d, &lower);
	sn_add(root, file_node("last", IDX_NONE, 1, "hello", 6));
	CHECK(write_snap(d, root, &s, true, &em) == 0);
	sn_free(root);
	index_unref(lower);
	disc_get_facts(d, &f);
	CHECK(f.media == DISC_MEDIA_CLOSED);
	disc_close(d);
	CHECK(disc_open(&d, img, 0, &imgfmt_iso9660, &em) == 0);
	disc_get_facts(d, &f);
	CHECK(f.media == DISC_MEDIA_CLOSED && !f.writable);
	CHECK(lines_of_find(img, "'/last'") == 1);
	disc_close(d);
}

/* A snapshot made against another session is refused, nothing written. */
static void test_stale_snapshot(void)
{
	struct job_settings s;
	struct disc *d = NULL;
	struct index *lower;
	struct snap_node *root;
	struct stage_snapshot snap = { .pending_entries = 1, .base_lba = 12345 };
	struct disc_facts f;
	struct errmsg em = { "" };
	char img[512];

	job_settings_default(&s);
	tmp_path(img, sizeof(img), "w.iso");   /* two sessions by now */
	CHECK(disc_open(&d, img, 0, &imgfmt_iso9660, &em) == 0);
	if (!d)
		return;
	root = lower_snap(d, &lower);
	snap.root = root;
	disc_get_facts(d, &f);
	disc_lock_lib(d);
	CHECK(imgfmt_write_snapshot_locked(d, &snap, &s, false, f.free_bytes, &em) == -EIO);
	disc_unlock_lib(d);
	CHECK(strstr(em.text, "changed") != NULL);
	sn_free(root);
	index_unref(lower);
	disc_close(d);
}

/* Every field of every node, xattrs and extents too. */
static bool same_node(const struct idx_node *a, const struct idx_node *b)
{
	bool same = strcmp(a->name, b->name) == 0 && a->parent == b->parent &&
		    a->mode == b->mode && a->uid == b->uid && a->gid == b->gid &&
		    a->rdev == b->rdev && a->nlink == b->nlink && a->ino == b->ino &&
		    a->size == b->size && a->mtime.tv_sec == b->mtime.tv_sec &&
		    a->atime.tv_sec == b->atime.tv_sec &&
		    a->ctime.tv_sec == b->ctime.tv_sec &&
		    !a->link == !b->link && (!a->link || !strcmp(a->link, b->link)) &&
		    a->n_extents == b->n_extents && a->n_xattrs == b->n_xattrs;

	for (uint32_t i = 0; same && i < a->n_extents; i++)
		same = a->extents[i].block == b->extents[i].block &&
		       a->extents[i].size == b->extents[i].size;
	for (uint32_t i = 0; same && i < a->n_xattrs; i++)
		same = !strcmp(a->xattrs[i].name, b->xattrs[i].name) &&
		       a->xattrs[i].len == b->xattrs[i].len &&
		       !memcmp(a->xattrs[i].value, b->xattrs[i].value, a->xattrs[i].len);
	return same;
}

static bool same_index(const struct index *a, const struct index *b)
{
	const struct idx_info *x = index_info(a), *y = index_info(b);

	if (index_count(a) != index_count(b) || x->session != y->session ||
	    x->start_lba != y->start_lba || x->blocks != y->blocks ||
	    strcmp(x->volid, y->volid) != 0)
		return false;
	for (uint32_t id = 0; id < index_count(a); id++)
		if (!same_node(idx_view(a, id), idx_view(b, id))) {
			fprintf(stderr, "index differs at id %u (%s)\n", id,
				idx_view(a, id)->name);
			return false;
		}
	return true;
}

/* The index's xattrs of `path` are exactly `want` ("name=value", sorted). */
static bool xattrs_are(struct index *idx, const char *path, int n,
		       const char *const *want)
{
	int64_t id = index_resolve(idx, path);
	const struct idx_node *in = id < 0 ? NULL : idx_view(idx, (uint32_t)id);
	char buf[256];

	if (!in || in->n_xattrs != (uint32_t)n)
		return false;
	for (int i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), "%s=%.*s", in->xattrs[i].name,
			 (int)in->xattrs[i].len, in->xattrs[i].value);
		if (strcmp(buf, want[i]) != 0)
			return false;
	}
	return true;
}

static struct snap_xattr xa_k[] = { { "user.k", "v", 1 } };
static struct snap_xattr xa_k2[] = { { "user.k", "w", 1 } };
static struct snap_xattr xa_kj[] = { { "user.j", "x", 1 }, { "user.k", "v", 1 } };
static struct snap_xattr xa_mark[] = { { DISC_CLOSED_XATTR, "1", 1 } };

static void set_xattrs(struct snap_node *n, struct snap_xattr *xa, uint32_t cnt)
{
	n->xattrs = xa;
	n->n_xattrs = cnt;
}

/* Session 1 of test_xattrs: xattrs on files and a folder; the closed
 * marker's name on a file is only the user's own xattr. */
static void xattrs_first(struct disc *d)
{
	struct index *lower;
	struct snap_node *root = lower_snap(d, &lower), *dir;
	struct errmsg em = { "" };
	static const char *const k[] = { "user.k=v" }, *const mark[] = { DISC_CLOSED_XATTR "=1" };

	/* One data file each: libisofs takes nodes added from one local
	 * file with the same attributes for hard links. */
	for (int i = 1; i <= 5; i++)
		write_file((const char *[]){ "h1", "h2", "h3", "h4", "h5" }[i - 1], "hello\n", 6);
	set_xattrs(sn_add_ret(root, file_node("keep", IDX_NONE, 1, "h1", 6)), xa_k, 1);
	set_xattrs(sn_add_ret(root, file_node("change", IDX_NONE, 2, "h2", 6)), xa_k, 1);
	sn_add(root, file_node("add", IDX_NONE, 3, "h3", 6));
	set_xattrs(sn_add_ret(root, file_node("drop", IDX_NONE, 4, "h4", 6)), xa_kj, 2);
	set_xattrs(sn_add_ret(root, file_node("mark", IDX_NONE, 5, "h5", 6)), xa_mark, 1);
	dir = sn_add_ret(root, sn_new("dir", S_IFDIR | 0755, IDX_NONE));
	set_xattrs(dir, xa_k, 1);
	CHECK(write_snap(d, root, &(struct job_settings){ .joliet = true }, false, &em) == 0);
	sn_free(root);
	index_unref(lower);
	lower = disc_lower(d);
	CHECK(xattrs_are(lower, "/keep", 1, k) && xattrs_are(lower, "/dir", 1, k));
	CHECK(xattrs_are(lower, "/mark", 1, mark));
	index_unref(lower);
}

/* A commit sets exactly the snapshot's xattrs on the nodes it keeps
 * (whether it reads them back or trusts the lower index), and the index
 * after it is what a fresh load of the image gives. */
static void test_xattrs(void)
{
	static const char *const k[] = { "user.k=v" }, *const k2[] = { "user.k=w" },
		*const mark[] = { DISC_CLOSED_XATTR "=1" };
	struct disc *d = NULL, *d2 = NULL;
	struct index *lower, *fresh;
	struct snap_node *root;
	struct errmsg em = { "" };
	char img[512];

	tmp_path(img, sizeof(img), "xattrs.iso");
	CHECK(disc_open(&d, img, 0, &imgfmt_iso9660, &em) == 0);
	if (!d)
		return;
	xattrs_first(d);
	root = lower_snap(d, &lower);
	set_xattrs(sn_child(root, "change"), xa_k2, 1);
	set_xattrs(sn_child(root, "add"), xa_k, 1);
	set_xattrs(sn_child(root, "drop"), xa_k, 1);
	CHECK(write_snap(d, root, &(struct job_settings){ .joliet = true }, false, &em) == 0);
	sn_free(root);
	index_unref(lower);
	lower = disc_lower(d);
	CHECK(xattrs_are(lower, "/keep", 1, k) && xattrs_are(lower, "/dir", 1, k));
	CHECK(xattrs_are(lower, "/change", 1, k2) && xattrs_are(lower, "/add", 1, k));
	CHECK(xattrs_are(lower, "/drop", 1, k) && xattrs_are(lower, "/mark", 1, mark));
	disc_close(d);
	CHECK(disc_open(&d2, img, 0, &imgfmt_iso9660, &em) == 0);
	if (d2) {
		fresh = disc_lower(d2);
		CHECK(same_index(lower, fresh));
		index_unref(fresh);
		disc_close(d2);
	}
	index_unref(lower);
}

static int cmp_sn(const void *a, const void *b)
{
	return strcmp((*(struct snap_node *const *)a)->name,
		      (*(struct snap_node *const *)b)->name);
}

/* A second name for the disc file old/f in folder `dir`, which sorts
 * before or after "old". */
static void link_case(const char *dir)
{
	struct job_settings s;
	struct disc *d = NULL;
	struct index *lower;
	struct snap_node *root, *f, *nd;
	struct errmsg em = { "" };
	char img[512], path[64];
	off_t before;
	int64_t id;

	job_settings_default(&s);
	snprintf(path, sizeof(path), "links-%s.iso", dir);
	tmp_path(img, sizeof(img), path);
	CHECK(disc_open(&d, img, 0, &imgfmt_iso9660, &em) == 0);
	if (!d)
		return;
	root = lower_snap(d, &lower);
	sn_add(sn_add_ret(root, sn_new("old", S_IFDIR | 0755, IDX_NONE)),
	       file_node("f", IDX_NONE, 1, "big1", 1024 * 1024));
	CHECK(write_snap(d, root, &s, false, &em) == 0);
	sn_free(root);
	index_unref(lower);

	before = file_size(img);
	root = lower_snap(d, &lower);
	f = sn_child(sn_child(root, "old"), "f");
	nd = sn_add_ret(root, sn_new(dir, S_IFDIR | 0755, IDX_NONE));
	sn_add(nd, snap_from_index(lower, f->origin));
	nd->children[0]->name = "link";
	/* The stage's snapshots list children by name. */
	qsort(root->children, root->n_children, sizeof(*root->children), cmp_sn);
	CHECK(write_snap(d, root, &s, false, &em) == 0);
	sn_free(root);
	index_unref(lower);
	CHECK(file_size(img) - before < 512 * 1024);
	lower = disc_lower(d);
	snprintf(path, sizeof(path), "/%s/link", dir);
	id = index_resolve(lower, path);
	CHECK(id > 0 && idx_view(lower, (uint32_t)id)->nlink == 2);
	index_unref(lower);
	disc_close(d);
}

/* A new name for a disc file keeps its data where it is, in whichever
 * order libisofs meets the names: the old node must be placed at the name
 * it meets first, as a clone met before the old node makes libisofs copy
 * the data, reading the drive while it writes ("Drive is busy"). */
static void test_link_order(void)
{
	make_pattern("big1", 1024 * 1024, 3);
	link_case("a-before");
	link_case("z-after");
}

/* The tree kept from the last load is only reused while the medium still
 * holds that session: after another program appended one, the commit loads
 * the new newest session, finds the snapshot stale and writes nothing. A
 * reused old tree would have written a session without /ext. */
static void test_warm_tree_stale(void)
{
	struct job_settings s;
	struct disc *d = NULL;
	struct index *lower;
	struct snap_node *root;
	struct errmsg em = { "" };
	char img[512], copy[512];

	job_settings_default(&s);
	tmp_path(img, sizeof(img), "warm.iso");
	tmp_path(copy, sizeof(copy), "warm-copy.iso");
	write_file("hello", "hello\n", 6);
	CHECK(disc_open(&d, img, 0, &imgfmt_iso9660, &em) == 0);
	if (!d)
		return;
	root = lower_snap(d, &lower);
	sn_add(root, file_node("one", IDX_NONE, 1, "hello", 6));
	CHECK(write_snap(d, root, &s, false, &em) == 0);
	sn_free(root);
	index_unref(lower);
	CHECK(iso_trees(d)->warm != NULL);   /* kept from the reload after the write */

	tmp_path(em.text, sizeof(em.text), "hello");
	CHECK(sh("xorriso -dev stdio:'%s' -map '%s' /ext -commit >/dev/null 2>&1",
		 img, em.text) == 0);
	copy_file(img, copy);
	root = lower_snap(d, &lower);   /* still session 1: no refresh */
	sn_add(root, file_node("two", IDX_NONE, 2, "hello", 6));
	CHECK(write_snap(d, root, &s, false, &em) == -EIO);
	CHECK(strstr(em.text, "changed") != NULL);
	sn_free(root);
	index_unref(lower);
	CHECK(same_file(img, copy));
	CHECK(sessions_of(img) == 2 && lines_of_find(img, "'/ext'") == 1);
	disc_close(d);
}

/* ---------------------------------------------------------------------
 * end to end: stage + disc + job_commit/verify/blank
 * ------------------------------------------------------------------- */

static int put_file(struct stage *st, const char *p, const void *data,
		    size_t len)
{
	struct stage_file *f = NULL;
	int rc = stage_create(st, p, 0644, 1000, 100, O_WRONLY | O_TRUNC, &f);

	if (rc)
		return rc;
	for (size_t off = 0; off < len;) {
		size_t n = len - off > 1 << 20 ? 1 << 20 : len - off;
		ssize_t w = stage_write(st, f, (const char *)data + off, n, off);

		if (w <= 0) {
			stage_release(st, f);
			return w < 0 ? (int)w : -EIO;
		}
		off += (size_t)w;
	}
	return stage_release(st, f);
}

static uint64_t pending(struct stage *st)
{
	struct stage_stats ss;

	stage_get_stats(st, &ss);
	return ss.pending_entries;
}

struct e2e {
	struct disc *d;
	struct stage *st;
	struct job_settings s;
	char img[512], cache[512];
	unsigned char *big;
	size_t big_len;
};

static int e2e_open(struct e2e *e, uint64_t capacity)
{
	struct errmsg em = { "" };
	struct index *lower;
	int rc = disc_open(&e->d, e->img, capacity, &imgfmt_iso9660, &em);

	if (rc) {
		e->d = NULL;
		return rc;
	}
	lower = disc_lower(e->d);
	rc = stage_open(&e->st, e->cache, lower);
	index_unref(lower);
	if (rc)
		e->st = NULL;
	return rc;
}

static void e2e_close(struct e2e *e)
{
	if (e->st)
		stage_close(e->st);
	if (e->d)
		disc_close(e->d);
	e->st = NULL;
	e->d = NULL;
}

/* Session 1: /dir/big (5 MB) and /a.txt; then a no-op commit. */
static void e2e_first(struct e2e *e)
{
	struct errmsg em = { "" };
	char copy[512], local[512];

	CHECK(stage_mkdir(e->st, "/dir", 0755, 1000, 100) == 0);
	CHECK(put_file(e->st, "/dir/big", e->big, e->big_len) == 0);
	CHECK(put_file(e->st, "/a.txt", "alpha\n", 6) == 0);
	CHECK(pending(e->st) > 0);
	CHECK(job_commit(e->d, e->st, &e->s, false, &em) == 0);
	CHECK(pending(e->st) == 0);
	CHECK(sessions_of(e->img) == 1);
	tmp_path(local, sizeof(local), "big5");
	CHECK(iso_file_equals(e->img, "/dir/big", local));
	CHECK(lines_of_find(e->img, "-rw-r--r-- 1 1000 100 6") == 1);

	tmp_path(copy, sizeof(copy), "e-copy.iso");
	copy_file(e->img, copy);
	CHECK(job_commit(e->d, e->st, &e->s, false, &em) == 0);
	CHECK(same_file(e->img, copy));
	e->s.simulate = true;
	CHECK(put_file(e->st, "/sim", "x", 1) == 0);
	CHECK(job_commit(e->d, e->st, &e->s, false, &em) == 0);
	CHECK(same_file(e->img, copy));
	CHECK(pending(e->st) == 1);
	e->s.simulate = false;
	CHECK(stage_unlink(e->st, "/sim") == 0);
}

/* Session 2: rename the folder, replace a.txt: no 5 MB rewritten. */
static void e2e_second(struct e2e *e)
{
	struct errmsg em = { "" };
	off_t before = file_size(e->img);
	char local[512];

	CHECK(stage_rename(e->st, "/dir", "/moved", 0) == 0);
	CHECK(put_file(e->st, "/a.txt", "beta!!\n", 7) == 0);
	CHECK(stage_chmod(e->st, "/moved/big", 0600) == 0);
	CHECK(job_commit(e->d, e->st, &e->s, false, &em) == 0);
	CHECK(sessions_of(e->img) == 2);
	CHECK(file_size(e->img) - before < 1024 * 1024);
	tmp_path(local, sizeof(local), "big5");
	CHECK(iso_file_equals(e->img, "/moved/big", local));
	CHECK(lines_of_find(e->img, "'/dir") == 0);
	CHECK(lines_of_find(e->img, "-rw------- 1 1000 100") == 1);
	CHECK(lines_of_find(e->img, " 7 ") == 1);
	CHECK(job_verify(e->d, &em) == 0);
}

/* Too big for the capacity: -ENOSPC, image and stage unchanged. */
static void e2e_nospace(struct e2e *e)
{
	struct errmsg em = { "" };
	char copy[512];

	e2e_close(e);
	CHECK(e2e_open(e, (uint64_t)file_size(e->img) + 512 * 1024) == 0);
	if (!e->d || !e->st)
		return;
	tmp_path(copy, sizeof(copy), "e-copy.iso");
	copy_file(e->img, copy);
	CHECK(put_file(e->st, "/toolarge", e->big, e->big_len) == 0);
	CHECK(job_commit(e->d, e->st, &e->s, false, &em) == -ENOSPC);
	CHECK(same_file(e->img, copy));
	CHECK(pending(e->st) == 1);
	CHECK(stage_unlink(e->st, "/toolarge") == 0);
	e2e_close(e);
	CHECK(e2e_open(e, 0) == 0);
}

/* Blank: empty image, the disc's entries vanish, new ones stay pending. */
static void e2e_blank(struct e2e *e)
{
	struct errmsg em = { "" };
	struct disc_facts f;
	struct stat stb;

	CHECK(put_file(e->st, "/fresh", "new\n", 4) == 0);
	CHECK(job_blank(e->d, e->st, false, &em) == 0);
	CHECK(file_size(e->img) == 0);
	disc_get_facts(e->d, &f);
	CHECK(f.media == DISC_MEDIA_BLANK && f.sessions == 0);
	CHECK(stage_getattr(e->st, "/moved", &stb) == -ENOENT);
	CHECK(stage_getattr(e->st, "/fresh", &stb) == 0);
	CHECK(job_commit(e->d, e->st, &e->s, false, &em) == 0);
	CHECK(sessions_of(e->img) == 1 && lines_of_find(e->img, "'/fresh'") == 1);
}

/* commit close: closed after a reopen, and later commits are refused. */
static void e2e_close_disc(struct e2e *e)
{
	struct errmsg em = { "" };
	struct disc_facts f;

	CHECK(job_commit(e->d, e->st, &e->s, true, &em) == 0);
	e2e_close(e);
	CHECK(e2e_open(e, 0) == 0);
	if (!e->d || !e->st)
		return;
	disc_get_facts(e->d, &f);
	CHECK(f.media == DISC_MEDIA_CLOSED);
	CHECK(job_commit(e->d, e->st, &e->s, false, &em) == -EROFS);
	CHECK(lines_of_find(e->img, "burnfs") == 0);
}

static void test_end_to_end(void)
{
	struct e2e e = { 0 };

	job_settings_default(&e.s);
	tmp_path(e.img, sizeof(e.img), "e.iso");
	tmp_path(e.cache, sizeof(e.cache), "cache");
	e.big_len = 5 * 1024 * 1024 + 7;
	e.big = malloc(e.big_len);
	for (size_t i = 0; i < e.big_len; i++)
		e.big[i] = (unsigned char)((i * 2654435761u + 1) >> 13);
	write_file("big5", e.big, e.big_len);
	CHECK(e2e_open(&e, 0) == 0);
	void (*steps[])(struct e2e *) = {
		e2e_first, e2e_second, e2e_nospace, e2e_blank, e2e_close_disc,
	};

	/* A step that cannot reopen leaves d/st NULL: stop there. */
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (e.d && e.st)
			steps[i](&e);
	e2e_close(&e);
	free(e.big);
}

/* TEST=name runs one test (they share the temp folder, so write_path
 * goes before stale). */
static void run(const char *name, void (*fn)(void))
{
	const char *only = getenv("TEST");

	if (!only || strcmp(only, name) == 0)
		fn();
}

int main(void)
{
	struct errmsg em = { "" };

	blog_init(0, getenv("BURNFS_DEBUG") != NULL);
	if (tmp_make("test_burn") || disc_lib_init(&em) < 0) {
		fprintf(stderr, "setup failed: %s\n", em.text);
		return 1;
	}
	run("apply_tree", test_apply_tree);
	run("apply_swap", test_apply_swap_and_errors);
	run("write_path", test_write_path);
	run("stale", test_stale_snapshot);
	run("warm_stale", test_warm_tree_stale);
	run("xattrs", test_xattrs);
	run("link_order", test_link_order);
	run("close", test_close);
	run("cancel", test_cancel);
	run("verify_big", test_verify_big_session);
	run("e2e", test_end_to_end);
	disc_lib_finish();
	if (!getenv("KEEP"))
		tmp_remove();
	return CHECK_DONE();
}
