/* test_disc.c — the disc module against image files made by the real
 * xorriso: blank, two sessions, older sessions, refusals, capacity, the
 * closed marker, reload after an append, and walk ids == index ids. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "burnfs/errmsg.h"
#include "idxview.h"
#include "burnfs/index.h"
#include "burnfs/log.h"
#include "disc/disc_int.h"
#include "imgfmt/imgfmt_priv.h"
#include "check.h"
#include "testutil.h"

/* 3 MB of deterministic bytes, so reads can be compared at any offset. */
#define BIG_SIZE (3 * 1024 * 1024 + 123)
static unsigned char *big;

static void make_big(void)
{
	uint32_t x = 12345;
	size_t i;

	big = malloc(BIG_SIZE);
	for (i = 0; i < BIG_SIZE; i++) {
		x = x * 1103515245 + 12345;
		big[i] = x >> 16;
	}
}

static bool have_xattr;

/* s1: the first session's tree; s2: what the second session adds. */
static void make_sources(void)
{
	char p[512];

	sh("mkdir -p %s/s1/dir/sub %s/s2 %s/s3", tmp, tmp, tmp);
	write_file("s1/a.txt", "hello\n", 6);
	write_file("s1/gone.txt", "soon gone\n", 10);
	write_file("s1/dir/sub/deep.txt", "deep\n", 5);
	write_file("s1/gr\xc3\xbc\xc3\x9f" "e.txt", "umlaut\n", 7);
	write_file("s1/big.bin", big, BIG_SIZE);
	write_file("s1/hard1", "linked\n", 7);
	sh("ln %s/s1/hard1 %s/s1/hard2 && ln -s a.txt %s/s1/link", tmp, tmp,
	   tmp);
	tmp_path(p, sizeof(p), "s1/a.txt");
	have_xattr = setxattr(p, "user.color", "blue", 4, 0) == 0;
	write_file("s2/new.txt", "new in 2\n", 9);
	write_file("s3/closed.txt", "last\n", 5);
}

#define XORRISO "xorriso -abort_on NEVER -report_about NEVER " \
		"-return_with FAILURE 32 -hardlinks on -xattr on "

static void make_two_sessions(const char *img)
{
	CHECK(sh(XORRISO "-dev stdio:%s/%s -volid VOL1 -map %s/s1 / -commit "
		 ">/dev/null 2>&1", tmp, img, tmp) == 0);
	CHECK(sh(XORRISO "-dev stdio:%s/%s -volid VOL2 -rm /gone.txt -- "
		 "-map %s/s2/new.txt /new.txt -map %s/%s /inner.iso -commit "
		 ">/dev/null 2>&1", tmp, img, tmp, tmp, "lba0.iso") == 0);
}

static int open_img(struct disc **d, const char *name, uint64_t cap)
{
	struct errmsg em = { "" };
	char p[512];
	int r;

	tmp_path(p, sizeof(p), name);
	r = disc_open(d, p, cap, &imgfmt_iso9660, &em);
	if (r < 0)
		fprintf(stderr, "  disc_open(%s) = %d: %s\n", name, r, em.text);
	return r;
}

static void test_blank(void)
{
	struct disc_facts f;
	struct index *idx;
	struct disc *d;
	struct stat st;
	char p[512];

	CHECK(open_img(&d, "blank.iso", 0) == 0);
	if (!d)
		return;
	disc_get_facts(d, &f);
	CHECK(f.is_image && f.writable);
	CHECK(f.media == DISC_MEDIA_BLANK);
	CHECK(f.sessions == 0);
	CHECK(strcmp(f.profile, "stdio file") == 0);
	CHECK(f.used_bytes == 0 && f.capacity_bytes > 0);
	CHECK(f.free_bytes == f.capacity_bytes);
	idx = disc_lower(d);
	CHECK(idx && index_count(idx) == 1 && index_info(idx)->session == 0);
	CHECK(index_info(idx)->start_lba == 0);
	index_unref(idx);
	CHECK(disc_session_index(d, 1, &idx) == -ENOENT);
	tmp_path(p, sizeof(p), "blank.iso");
	CHECK(stat(p, &st) == 0 && st.st_size == 0);
	disc_close(d);
}

static void test_refusals(void)
{
	struct disc *d = NULL, *d2 = NULL;
	unsigned char junk[65536];
	struct disc_facts f;
	size_t i;

	CHECK(open_img(&d, "s1", 0) == -EISDIR);
	CHECK(open_img(&d, "nope/x.iso", 0) == -ENOENT);
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (i * 7919) >> 3;
	write_file("junk.bin", junk, sizeof(junk));
	CHECK(open_img(&d, "junk.bin", 0) == -EINVAL);
	CHECK(d == NULL);
	write_file("note.txt", "hello world\n", 12);
	CHECK(open_img(&d, "note.txt", 0) == -EINVAL);
	{
		struct stat st;
		char p[512];

		tmp_path(p, sizeof(p), "note.txt");
		CHECK(stat(p, &st) == 0 && st.st_size == 12);  /* untouched */
	}
	CHECK(open_img(&d, "two.iso", 0) == 0);
	CHECK(open_img(&d2, "two.iso", 0) == -EBUSY);
	disc_close(d);
	/* A relative target is made absolute. */
	CHECK(chdir(tmp) == 0);
	{
		struct errmsg em;
		char want[512];

		CHECK(disc_open(&d, "rel.iso", 0, &imgfmt_iso9660, &em) == 0);
		disc_get_facts(d, &f);
		tmp_path(want, sizeof(want), "rel.iso");
		CHECK(strcmp(f.target, want) == 0);
		disc_close(d);
	}
}

static const struct idx_node *node_at(struct index *idx, const char *p)
{
	int64_t id = index_resolve(idx, p);

	return id < 0 ? NULL : idx_view(idx, (uint32_t)id);
}

static bool read_equals(struct index *idx, const char *p, uint64_t off,
			const void *want, size_t len)
{
	int64_t id = index_resolve(idx, p);
	char *buf = malloc(len + 1);
	ssize_t got;
	bool ok;

	if (id < 0 || !buf)
		return false;
	got = index_read(idx, (uint32_t)id, buf, len, off);
	ok = got == (ssize_t)len && memcmp(buf, want, len) == 0;
	free(buf);
	return ok;
}

static bool has_xattr(const struct idx_node *n, const char *name,
		      const char *val)
{
	uint32_t i;

	for (i = 0; i < n->n_xattrs; i++)
		if (strcmp(n->xattrs[i].name, name) == 0)
			return !val || (n->xattrs[i].len == strlen(val) &&
					memcmp(n->xattrs[i].value, val,
					       strlen(val)) == 0);
	return false;
}

static void check_no_internal_xattrs(struct index *idx)
{
	uint32_t id, i;

	for (id = 0; id < index_count(idx); id++) {
		const struct idx_node *n = idx_view(idx, id);

		for (i = 0; i < n->n_xattrs; i++)
			CHECK(strncmp(n->xattrs[i].name, "user.", 5) == 0 &&
			      strcmp(n->xattrs[i].name, DISC_CLOSED_XATTR));
	}
}

static void check_newest_tree(struct index *idx)
{
	const struct idx_node *n, *h1, *h2;
	struct stat st;
	char p[512];
	uint64_t offs[] = { 0, 2047, 2048, 1000001, BIG_SIZE - 100 };
	size_t i;

	n = node_at(idx, "/a.txt");
	tmp_path(p, sizeof(p), "s1/a.txt");
	CHECK(n && stat(p, &st) == 0);
	if (n) {
		CHECK(S_ISREG(n->mode) && (n->mode & 07777) == (st.st_mode & 07777));
		CHECK(n->size == 6 && n->mtime.tv_sec == st.st_mtime);
		CHECK(n->uid == getuid());
		CHECK(!have_xattr || has_xattr(n, "user.color", "blue"));
	}
	CHECK(read_equals(idx, "/a.txt", 0, "hello\n", 6));
	CHECK(read_equals(idx, "/a.txt", 2, "llo\n", 4));
	CHECK(node_at(idx, "/gone.txt") == NULL);
	CHECK(read_equals(idx, "/new.txt", 0, "new in 2\n", 9));
	CHECK(read_equals(idx, "/dir/sub/deep.txt", 0, "deep\n", 5));
	CHECK(read_equals(idx, "/gr\xc3\xbc\xc3\x9f" "e.txt", 0, "umlaut\n", 7));
	n = node_at(idx, "/link");
	CHECK(n && S_ISLNK(n->mode) && n->link && strcmp(n->link, "a.txt") == 0);
	n = node_at(idx, "/dir");
	CHECK(n && S_ISDIR(n->mode));
	h1 = node_at(idx, "/hard1");
	h2 = node_at(idx, "/hard2");
	CHECK(h1 && h2 && h1->ino && h1->ino == h2->ino && h1->nlink == 2);
	n = node_at(idx, "/big.bin");
	CHECK(n && n->size == BIG_SIZE && n->n_extents >= 1);
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++)
		CHECK(read_equals(idx, "/big.bin", offs[i], big + offs[i],
				  offs[i] + 100 <= BIG_SIZE ? 100 : 50));
	CHECK(read_equals(idx, "/big.bin", 0, big, BIG_SIZE));
	check_no_internal_xattrs(idx);
}

static void test_two_sessions(void)
{
	struct disc_facts f;
	struct index *idx, *s1 = NULL, *s2 = NULL;
	struct disc *d = NULL;

	CHECK(open_img(&d, "two.iso", 0) == 0);
	if (!d)
		return;
	disc_get_facts(d, &f);
	CHECK(f.sessions == 2 && f.media == DISC_MEDIA_APPENDABLE);
	CHECK(f.writable && strcmp(f.profile, "stdio file") == 0);
	CHECK(strcmp(f.volid, "VOL2") == 0);
	CHECK(f.used_bytes > BIG_SIZE && f.used_bytes % 2048 == 0);
	CHECK(f.capacity_bytes > f.used_bytes);
	CHECK(f.free_bytes == f.capacity_bytes - f.used_bytes);
	idx = disc_lower(d);
	CHECK(idx && index_info(idx)->session == 2);
	CHECK(strcmp(index_info(idx)->volid, "VOL2") == 0);
	if (idx)
		check_newest_tree(idx);
	CHECK(disc_session_index(d, 1, &s1) == 0);
	if (s1) {
		CHECK(index_info(s1)->session == 1);
		CHECK(index_info(s1)->start_lba == 32);
		CHECK(strcmp(index_info(s1)->volid, "VOL1") == 0);
		CHECK(read_equals(s1, "/gone.txt", 0, "soon gone\n", 10));
		CHECK(node_at(s1, "/new.txt") == NULL);
		CHECK(read_equals(s1, "/big.bin", 3000, big + 3000, 5000));
	}
	CHECK(disc_session_index(d, 2, &s2) == 0 && s2 == idx);
	index_unref(s2);
	CHECK(disc_session_index(d, 3, &s2) == -ENOENT);
	CHECK(disc_session_index(d, 0, &s2) == -ENOENT);
	index_unref(s1);
	index_unref(idx);
	disc_close(d);
}

/* The burn maps lower ids to IsoNodes with imgfmt_walk_image on an image from
 * imgfmt_load_image_locked: every id must name the same path in the index. */
struct idcheck {
	struct index *idx;
	char **paths;  /* by walk id */
	uint32_t n, bad;
};

static int idcheck_visit(void *ctx, uint32_t id, IsoNode *node, uint32_t parent)
{
	struct idcheck *c = ctx;
	char want[4096], got[4096];

	if (id != c->n) {
		c->bad++;
		return -EIO;
	}
	if (id == 0)
		snprintf(want, sizeof(want), "/");
	else
		snprintf(want, sizeof(want), "%s/%s",
			 parent ? c->paths[parent] : "", iso_node_get_name(node));
	c->paths = realloc(c->paths, (c->n + 1) * sizeof(*c->paths));
	c->paths[c->n++] = strdup(want);
	if (index_path(c->idx, id, got, sizeof(got)) < 0 || strcmp(got, want))
		c->bad++;
	return 0;
}

static void check_ids(struct disc *d, int session, struct index *idx)
{
	struct idcheck c = { idx, NULL, 0, 0 };
	struct errmsg em;
	IsoImage *img = NULL;
	uint32_t i;

	pthread_mutex_lock(&d->lib_lock);
	CHECK(imgfmt_load_image_locked(d, session, &img, &em) == 0);
	if (img) {
		CHECK(imgfmt_walk_image(img, idcheck_visit, &c) == 0);
		iso_image_unref(img);
	}
	pthread_mutex_unlock(&d->lib_lock);
	CHECK(c.bad == 0 && c.n == index_count(idx));
	for (i = 0; i < c.n; i++)
		free(c.paths[i]);
	free(c.paths);
}

static void test_ids(void)
{
	struct index *low, *s1 = NULL;
	struct disc *d = NULL;
	IsoImage *att;
	IsoNode *n;

	CHECK(open_img(&d, "two.iso", 0) == 0);
	if (!d)
		return;
	low = disc_lower(d);
	check_ids(d, 0, low);
	CHECK(disc_session_index(d, 1, &s1) == 0);
	check_ids(d, 1, s1);
	/* Loading an older session leaves the newest attached for the burn. */
	pthread_mutex_lock(&d->lib_lock);
	att = isoburn_get_attached_image(d->drive);
	CHECK(att && iso_image_path_to_node(att, "/new.txt", &n) == 1);
	if (att)
		iso_image_unref(att);
	pthread_mutex_unlock(&d->lib_lock);
	index_unref(s1);
	index_unref(low);
	disc_close(d);
}

static void test_capacity(void)
{
	const uint64_t cap = 700ull * 1024 * 1024;
	struct disc_facts f;
	struct disc *d = NULL;

	CHECK(open_img(&d, "two.iso", cap) == 0);
	if (!d)
		return;
	disc_get_facts(d, &f);
	CHECK(f.capacity_bytes == cap);
	CHECK(f.free_bytes == cap - f.used_bytes);
	disc_close(d);
}

static void test_closed(void)
{
	struct disc_facts f;
	struct index *idx;
	struct disc *d = NULL;

	CHECK(sh(XORRISO "-dev stdio:%s/closed.iso -map %s/s3 / "
		 "-setfattr " DISC_CLOSED_XATTR " 1 / -- -commit "
		 ">/dev/null 2>&1", tmp, tmp) == 0);
	CHECK(open_img(&d, "closed.iso", 0) == 0);
	if (!d)
		return;
	disc_get_facts(d, &f);
	CHECK(f.media == DISC_MEDIA_CLOSED && !f.writable);
	CHECK(strcmp(f.closed_reason, "closed by commit close") == 0);
	CHECK(f.free_bytes == 0 && f.sessions == 1);
	idx = disc_lower(d);
	CHECK(idx && idx_view(idx, 0)->n_xattrs == 0);
	CHECK(read_equals(idx, "/closed.txt", 0, "last\n", 5));
	index_unref(idx);
	disc_close(d);
}

/* An image its user may not write. Mode 0444 stops anyone but root; root
 * (how CI runs) is stopped by the immutable flag instead, where the file
 * system has one (ext4, tmpfs, xfs, btrfs). */
static void test_readonly(void)
{
	struct disc_facts f;
	struct disc *d = NULL;
	char p[512];
	bool immutable = geteuid() == 0;

	CHECK(sh("cp %s/two.iso %s/ro.iso && chmod 0444 %s/ro.iso", tmp, tmp,
		 tmp) == 0);
	if (immutable && sh("chattr +i %s/ro.iso 2>/dev/null", tmp) != 0) {
		fprintf(stderr, "note: readonly: chattr +i failed (a file "
			"system without the flag?): skipped under root\n");
		return;
	}
	CHECK(open_img(&d, "ro.iso", 0) == 0);
	if (d) {
		disc_get_facts(d, &f);
		CHECK(f.media == DISC_MEDIA_CLOSED && !f.writable &&
		      f.sessions == 2);
		CHECK(strstr(f.closed_reason, "not writable") != NULL);
		disc_close(d);
	}
	if (immutable)
		CHECK(sh("chattr -i %s/ro.iso", tmp) == 0);
	tmp_path(p, sizeof(p), "ro.iso");
	chmod(p, 0644);
}

/* Another writer appends a session (as a commit would): refresh picks it
 * up; the older sessions did not change, so their cached indexes stay and
 * sessions/N keeps working during the next burn. */
static void test_refresh(void)
{
	struct disc_facts f;
	struct index *idx, *s1 = NULL;
	struct errmsg em;
	struct disc *d = NULL;

	CHECK(sh("cp %s/two.iso %s/grow.iso", tmp, tmp) == 0);
	CHECK(open_img(&d, "grow.iso", 0) == 0);
	if (!d)
		return;
	CHECK(disc_session_index(d, 1, &s1) == 0);
	CHECK(disc_refresh(d, &em) == 0);
	CHECK(sh(XORRISO "-dev stdio:%s/grow.iso -volid VOL3 -map %s/s3 /three "
		 "-commit >/dev/null 2>&1", tmp, tmp) == 0);
	CHECK(disc_refresh(d, &em) == 1);
	disc_get_facts(d, &f);
	CHECK(f.sessions == 3 && strcmp(f.volid, "VOL3") == 0);
	idx = disc_lower(d);
	CHECK(read_equals(idx, "/three/closed.txt", 0, "last\n", 5));
	CHECK(read_equals(idx, "/new.txt", 0, "new in 2\n", 9));
	index_unref(idx);
	/* The old session-1 index stays usable for whoever holds it, and it
	 * is still the cached one: no library call needed, even while busy. */
	CHECK(read_equals(s1, "/gone.txt", 0, "soon gone\n", 10));
	pthread_mutex_lock(&d->state_lock);
	d->busy = true;
	pthread_mutex_unlock(&d->state_lock);
	CHECK(disc_session_index(d, 1, &idx) == 0 && idx == s1);
	if (idx == s1)
		index_unref(idx);
	/* The old lower index is not kept for its session (nobody opened
	 * it through sessions/): loaded again once the burn is over. */
	CHECK(disc_session_index(d, 2, &idx) == -EBUSY);
	pthread_mutex_lock(&d->state_lock);
	d->busy = false;
	pthread_mutex_unlock(&d->state_lock);
	CHECK(disc_session_index(d, 2, &idx) == 0);
	CHECK(idx && index_info(idx)->session == 2);
	CHECK(read_equals(idx, "/new.txt", 0, "new in 2\n", 9));
	index_unref(idx);
	index_unref(s1);
	CHECK(disc_session_index(d, 3, &idx) == 0);
	CHECK(idx && index_info(idx)->session == 3);
	index_unref(idx);
	disc_close(d);
}

/* The cache of sessions/N by itself: at most DISC_SESSIONS_CACHED
 * indexes, the least recently used given up first, and one given up stays
 * usable for whoever holds it. */
static void test_sesscache(void)
{
	struct idx_reader rd = { 0 };
	struct disc_sesscache c = { 0 };
	struct index *idx[4], *got, *gone;
	struct idx_info info = { 0 };

	for (int i = 0; i < 4; i++) {
		idx[i] = index_new(&rd);
		info.session = i + 1;
		index_set_info(idx[i], &info);
		CHECK(index_finish(idx[i]) == 0);
	}
	CHECK(DISC_SESSIONS_CACHED == 2);
	CHECK(disc_sesscache_put(&c, 1, idx[0]) == NULL);
	CHECK(disc_sesscache_put(&c, 2, idx[1]) == NULL);
	got = disc_sesscache_get(&c, 1);            /* 1 used last */
	CHECK(got == idx[0]);
	index_unref(got);
	gone = disc_sesscache_put(&c, 3, idx[2]);   /* 2 goes */
	CHECK(gone == idx[1] && disc_sesscache_count(&c) == 2);
	index_unref(gone);
	CHECK(disc_sesscache_get(&c, 2) == NULL);
	index_unref(idx[1]);                        /* freed: nobody held it */
	got = disc_sesscache_get(&c, 3);
	CHECK(got == idx[2]);
	index_unref(got);
	/* 1 goes now; our own reference keeps it readable */
	gone = disc_sesscache_put(&c, 4, idx[3]);
	CHECK(gone == idx[0]);
	index_unref(gone);
	CHECK(index_info(idx[0])->session == 1);
	/* put again for a kept session replaces it, evicting nothing else */
	gone = disc_sesscache_put(&c, 4, idx[3]);
	CHECK(gone == idx[3] && disc_sesscache_count(&c) == 2);
	index_unref(gone);
	disc_sesscache_clear(&c);
	CHECK(disc_sesscache_count(&c) == 0);
	for (int i = 0; i < 4; i++)
		if (i != 1)
			index_unref(idx[i]);
}

/* A load that keeps reading is never cut off, however long it takes; one
 * that reads nothing for the limit is, and so is one that reads far more
 * than its session holds (a loop the library's cache does not absorb). */
static void test_loadwatch(void)
{
	const uint64_t mib = 1 << 20, session = 1000 * mib;
	struct disc_loadwatch w;
	uint64_t t = 1000, rd = 5 * mib;
	char why[128];

	disc_loadwatch_begin(&w, t, rd, session);
	for (int i = 0; i < 10000; i++) {          /* 500 s, reading slowly */
		t += 50;
		rd += i % 10 == 9 ? 2048 : 0;   /* the last tick reads */
		CHECK_EQ(disc_loadwatch_tick(&w, t, rd, 1000), 0);
	}
	CHECK_EQ(disc_loadwatch_tick(&w, t + 1000, rd, 1000), 0);
	CHECK_EQ(disc_loadwatch_tick(&w, t + 1001, rd, 1000), -ETIMEDOUT);

	disc_loadwatch_begin(&w, t, rd, session);  /* a loop that reads */
	rd += 4 * session + 64 * mib;
	CHECK_EQ(disc_loadwatch_tick(&w, t + 50, rd, 1000), 0);
	CHECK_EQ(disc_loadwatch_tick(&w, t + 100, rd + 1, 1000), -ELOOP);

	disc_loadwatch_begin(&w, t, 0, 0);         /* no counter: the limit */
	CHECK_EQ(disc_loadwatch_tick(&w, t + 1000, 0, 1000), 0);
	CHECK_EQ(disc_loadwatch_tick(&w, t + 1001, 0, 1000), -ETIMEDOUT);

	/* a loop that reads ever slower: past the limit and a second per
	 * MiB of its 10 MiB session, however much it still reads */
	disc_loadwatch_begin(&w, t, rd, 10 * mib);
	for (uint64_t ms = 50; ms <= 1000 + 10 * 1000; ms += 50)
		CHECK_EQ(disc_loadwatch_tick(&w, t + ms, rd += 2048, 1000), 0);
	CHECK_EQ(disc_loadwatch_tick(&w, t + 12000, rd += 2048, 1000), -ETIME);
	CHECK(strstr(disc_loadwatch_why(-ETIME, 1, why, sizeof(why)), "loop"));
	CHECK(strstr(disc_loadwatch_why(-ETIMEDOUT, 5, why, sizeof(why)),
		     "nothing for 5 s"));
}

/* Through the disc: opening more older sessions than are kept gives the
 * least recently used up, loads it again when asked (same tree), and an
 * appended session publishes a new lower index without keeping the old
 * one. */
static void test_sessions_kept(void)
{
	struct index *s1 = NULL, *idx = NULL;
	struct errmsg em;
	struct disc *d = NULL;

	CHECK(sh("cp %s/two.iso %s/four.iso", tmp, tmp) == 0);
	for (int i = 3; i <= 4; i++)
		CHECK(sh(XORRISO "-dev stdio:%s/four.iso -map %s/s3 /s%d "
			 "-commit >/dev/null 2>&1", tmp, tmp, i) == 0);
	CHECK(open_img(&d, "four.iso", 0) == 0);
	if (!d)
		return;
	CHECK(disc_session_index(d, 1, &s1) == 0);
	for (int n = 1; n <= 4; n++) {
		CHECK(disc_session_index(d, n, &idx) == 0);
		CHECK(idx && index_info(idx)->session == n);
		CHECK(n < 4 || idx == d->lower);   /* the lower serves its own */
		index_unref(idx);
	}
	CHECK(disc_sesscache_count(&d->sessions) == DISC_SESSIONS_CACHED);
	/* 1 was given up for 3; the copy we hold still reads */
	CHECK(disc_session_index_cached(d, 1, &idx) == -EAGAIN);
	CHECK(read_equals(s1, "/gone.txt", 0, "soon gone\n", 10));
	CHECK(disc_session_index(d, 1, &idx) == 0 && idx != s1);
	CHECK(idx && index_count(idx) == index_count(s1));
	CHECK(read_equals(idx, "/big.bin", 5000, big + 5000, 3000));
	index_unref(idx);
	index_unref(s1);
	CHECK(sh(XORRISO "-dev stdio:%s/four.iso -map %s/s3 /s5 -commit "
		 ">/dev/null 2>&1", tmp, tmp) == 0);
	CHECK(disc_refresh(d, &em) == 1);
	CHECK(disc_sesscache_count(&d->sessions) == DISC_SESSIONS_CACHED);
	CHECK(disc_session_index_cached(d, 4, &idx) == -EAGAIN);
	CHECK(disc_session_index_cached(d, 5, &idx) == 0 && idx == d->lower);
	index_unref(idx);
	disc_close(d);
}

/* Images made by other tools: one session at LBA 0 (mkisofs style), and
 * an image file that is itself a file inside another image. */
static void test_foreign(void)
{
	struct disc_facts f;
	struct index *idx;
	struct disc *d = NULL;
	char p[512], *inner;
	struct stat st;
	FILE *fp;

	CHECK(open_img(&d, "lba0.iso", 0) == 0);
	if (!d)
		return;
	disc_get_facts(d, &f);
	CHECK(f.sessions == 1 && f.media == DISC_MEDIA_APPENDABLE);
	idx = disc_lower(d);
	CHECK(read_equals(idx, "/gone.txt", 0, "soon gone\n", 10));
	CHECK(read_equals(idx, "/big.bin", 777777, big + 777777, 4096));
	index_unref(idx);
	disc_close(d);
	/* inner.iso inside two.iso reads back as the same bytes. */
	tmp_path(p, sizeof(p), "lba0.iso");
	CHECK(stat(p, &st) == 0);
	inner = malloc(st.st_size);
	fp = fopen(p, "rb");
	CHECK(fp && fread(inner, 1, st.st_size, fp) == (size_t)st.st_size);
	if (fp)
		fclose(fp);
	CHECK(open_img(&d, "two.iso", 0) == 0);
	idx = d ? disc_lower(d) : NULL;
	CHECK(idx && read_equals(idx, "/inner.iso", 0, inner, st.st_size));
	index_unref(idx);
	disc_close(d);
	free(inner);
}

/* job_blank empties an image file by truncating it under the acquired
 * drive; the reload must then show a blank medium and forget the sessions. */
static void test_truncated(void)
{
	struct disc_facts f;
	struct index *idx = NULL;
	struct errmsg em;
	struct disc *d = NULL;
	char p[512];

	CHECK(sh("cp %s/two.iso %s/trunc.iso", tmp, tmp) == 0);
	CHECK(open_img(&d, "trunc.iso", 0) == 0);
	if (!d)
		return;
	CHECK(disc_session_index(d, 1, &idx) == 0);
	index_unref(idx);
	tmp_path(p, sizeof(p), "trunc.iso");
	CHECK(truncate(p, 0) == 0);
	pthread_mutex_lock(&d->lib_lock);
	CHECK(disc_reload_locked(d, &em) == 1);
	pthread_mutex_unlock(&d->lib_lock);
	disc_get_facts(d, &f);
	CHECK(f.media == DISC_MEDIA_BLANK && f.sessions == 0 && f.writable);
	CHECK(f.used_bytes == 0);
	idx = disc_lower(d);
	CHECK(idx && index_count(idx) == 1 && index_info(idx)->session == 0);
	index_unref(idx);
	CHECK(disc_session_index(d, 1, &idx) == -ENOENT);
	disc_close(d);
}

/* While a burn runs (busy), nothing uncached waits for the library lock. */
static void test_busy(void)
{
	struct index *idx = NULL;
	struct errmsg em;
	struct disc *d = NULL;

	CHECK(open_img(&d, "two.iso", 0) == 0);
	if (!d)
		return;
	pthread_mutex_lock(&d->state_lock);
	d->busy = true;
	pthread_mutex_unlock(&d->state_lock);
	pthread_mutex_lock(&d->lib_lock);  /* as the burn holds it */
	CHECK(disc_session_index(d, 1, &idx) == -EBUSY);
	CHECK(disc_session_index(d, 2, &idx) == 0);  /* the lower: cached */
	index_unref(idx);
	CHECK(disc_refresh(d, &em) == -EBUSY);
	idx = disc_lower(d);
	CHECK(read_equals(idx, "/a.txt", 0, "hello\n", 6));  /* pread: no lock */
	index_unref(idx);
	pthread_mutex_unlock(&d->lib_lock);
	pthread_mutex_lock(&d->state_lock);
	d->busy = false;
	pthread_mutex_unlock(&d->state_lock);
	CHECK(disc_session_index(d, 1, &idx) == 0);
	index_unref(idx);
	disc_close(d);
}

#ifdef __SANITIZE_ADDRESS__
/* ASan's quarantine keeps freed memory, so RSS says nothing under it; its
 * allocator counts the bytes still allocated instead (libasan). */
size_t __sanitizer_get_current_allocated_bytes(void);

static long rss_kb(void)
{
	return (long)(__sanitizer_get_current_allocated_bytes() / 1024);
}
#else
static long rss_kb(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}
#endif

/* libisoburn re-imports a second load on a drive not re-assessed into the
 * same IsoImage and leaks ~1.5 MiB of block cache each time; the loader
 * re-assesses first, so 100 loads of each kind must keep the process about
 * the same size (its RSS; under ASan, the bytes allocated). */
static void test_reload_leak(void)
{
	struct disc *d = NULL;
	struct errmsg em;
	IsoImage *img;
	long before;
	int i;

	CHECK(open_img(&d, "two.iso", 0) == 0);
	if (!d)
		return;
	before = rss_kb();
	pthread_mutex_lock(&d->lib_lock);
	for (i = 0; i < 100; i++) {
		img = NULL;
		CHECK(imgfmt_load_image_locked(d, 1 + i % 2, &img, &em) == 0);
		if (img)
			iso_image_unref(img);
	}
	pthread_mutex_unlock(&d->lib_lock);
	CHECK(rss_kb() - before < 40 * 1024);
	disc_close(d);
}

/* ---------------------------------------------------------------------
 * what an image holds, the session scan, directory loops, the layout
 * check before a write
 * ------------------------------------------------------------------- */

static int open_tmp(const char *name, int flags)
{
	char p[512];

	tmp_path(p, sizeof(p), name);
	return open(p, flags | O_CLOEXEC, 0644);
}

/* Write len bytes at off of tmp/name. */
static void poke(const char *name, off_t off, const void *data, size_t len)
{
	int fd = open_tmp(name, O_WRONLY);

	CHECK(fd >= 0 && pwrite(fd, data, len, off) == (ssize_t)len);
	if (fd >= 0)
		close(fd);
}

static void poke32(const char *name, off_t off, uint32_t v)
{
	unsigned char b[8];

	for (int i = 0; i < 4; i++) {
		b[i] = (unsigned char)(v >> (8 * i));
		b[7 - i] = (unsigned char)(v >> (8 * i));
	}
	poke(name, off, b, sizeof(b));
}

static uint32_t peek32(const char *name, off_t off)
{
	unsigned char b[4] = { 0 };
	int fd = open_tmp(name, O_RDONLY);

	CHECK(fd >= 0 && pread(fd, b, 4, off) == 4);
	if (fd >= 0)
		close(fd);
	return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
}

static enum disc_content content_of(const char *name)
{
	enum disc_content c = DISC_HOLDS_OTHER;
	int fd = open_tmp(name, O_RDONLY);

	CHECK(fd >= 0 && disc_read_content(fd, &c) == 0);
	if (fd >= 0)
		close(fd);
	return c;
}

static void test_content(void)
{
	static char zeros[65536];

	write_file("c-empty", "", 0);
	CHECK(content_of("c-empty") == DISC_HOLDS_NOTHING);
	CHECK(sh("truncate -s 10M %s/c-sparse", tmp) == 0);
	CHECK(content_of("c-sparse") == DISC_HOLDS_NOTHING);
	write_file("c-zeros", zeros, sizeof(zeros));
	CHECK(content_of("c-zeros") == DISC_HOLDS_OTHER);   /* written zeros */
	poke("c-zeros", sizeof(zeros), "data", 4);
	CHECK(content_of("c-zeros") == DISC_HOLDS_OTHER);
	CHECK(content_of("two.iso") == DISC_HOLDS_ISO);
	CHECK(sh("cp %s/two.iso %s/c-erased.iso", tmp, tmp) == 0);
	poke("c-erased.iso", 16 * 2048 + 1, "CDXX1", 5);
	CHECK(content_of("c-erased.iso") == DISC_HOLDS_ERASED);
}

static int scan(const char *name, int *found, char *why, size_t len)
{
	struct stat st;
	int fd = open_tmp(name, O_RDONLY), r = -EIO;

	if (fd >= 0 && fstat(fd, &st) == 0)
		r = disc_toc_scan_check(fd, st.st_size, false, found, why, len);
	if (fd >= 0)
		close(fd);
	return r;
}

/* A session whose header says 0 blocks would make libisoburn's scan go
 * round for ever (xorriso hangs on it); the replay says so. */
static void test_toc_scan(void)
{
	char why[256] = "";
	int found = -1;

	CHECK(scan("two.iso", &found, why, sizeof(why)) == 0 && found == 2);
	CHECK(sh("cp %s/two.iso %s/scan0.iso", tmp, tmp) == 0);
	poke32("scan0.iso", (32 + 16) * 2048 + 80, 0);
	CHECK(scan("scan0.iso", &found, why, sizeof(why)) == -ELOOP);
	CHECK(found == 0 && strstr(why, "session 1") != NULL);
	poke32("scan0.iso", (32 + 16) * 2048 + 80, 0x80000010);  /* < 0 as int */
	CHECK(scan("scan0.iso", &found, why, sizeof(why)) == -ELOOP);
	CHECK(scan("lba0.iso", &found, why, sizeof(why)) == 0);
}

static int tree_check(const char *name, char *why, size_t len)
{
	struct stat st;
	int fd = open_tmp(name, O_RDONLY), r = -EIO;

	if (fd >= 0 && fstat(fd, &st) == 0)
		r = disc_tree_check(fd, st.st_size, 16, why, len);
	if (fd >= 0)
		close(fd);
	return r;
}

/* The first folder record in the root folder of the descriptor at 16. */
static off_t first_folder(const char *name, uint32_t root)
{
	unsigned char b[2048];
	int fd = open_tmp(name, O_RDONLY);
	unsigned pos = 0;
	off_t at = -1;

	if (fd >= 0 && pread(fd, b, sizeof(b), (off_t)root * 2048) == sizeof(b))
		for (unsigned k = 0; pos < sizeof(b) && b[pos]; k++, pos += b[pos])
			if (k >= 2 && (b[pos + 25] & 2)) {
				at = (off_t)root * 2048 + pos;
				break;
			}
	if (fd >= 0)
		close(fd);
	return at;
}

static void test_tree_check(void)
{
	char why[256] = "";
	uint32_t root;
	off_t dir;

	CHECK(tree_check("two.iso", why, sizeof(why)) == 0);
	CHECK(tree_check("lba0.iso", why, sizeof(why)) == 0);
	CHECK(sh("cp %s/two.iso %s/loop.iso", tmp, tmp) == 0);
	root = peek32("loop.iso", 16 * 2048 + 156 + 2);
	dir = first_folder("loop.iso", root);
	CHECK(dir > 0);
	poke32("loop.iso", dir + 2, root);   /* /dir holds the root again */
	CHECK(tree_check("loop.iso", why, sizeof(why)) == -ELOOP);
	CHECK(strstr(why, "loop") != NULL);
}

static int guard(struct disc *d, uint32_t lba, bool foreign_ok,
		 struct errmsg *em)
{
	int r;

	pthread_mutex_lock(&d->lib_lock);
	r = disc_layout_check_write_locked(d, lba, foreign_ok, em);
	pthread_mutex_unlock(&d->lib_lock);
	return r;
}

/* The last check before a write: the address, the layout, other data. */
static void test_write_guard(void)
{
	struct disc_facts f;
	struct errmsg em;
	struct disc *d = NULL;
	uint32_t nwa;

	CHECK(sh("cp %s/two.iso %s/guard.iso", tmp, tmp) == 0);
	CHECK(open_img(&d, "guard.iso", 0) == 0);
	if (!d)
		return;
	disc_get_facts(d, &f);
	nwa = (uint32_t)(f.used_bytes / 2048);
	CHECK(strcmp(f.origin, "multisession") == 0 && !f.foreign);
	CHECK(guard(d, nwa, false, &em) == 0);
	CHECK(guard(d, 40, false, &em) == -EIO);      /* inside session 1 */
	CHECK(strstr(em.text, "Nothing was written") != NULL);
	CHECK(guard(d, 0, true, &em) == -EIO);
	/* what a write killed before its activation leaves: a session with
	 * its descriptor, never published: burnfs's to write over */
	poke("guard.iso", ((off_t)nwa + 16) * 2048, "\x01" "CD001", 6);
	poke("guard.iso", ((off_t)nwa + 40) * 2048, "stale data", 10);
	CHECK(guard(d, nwa, false, &em) == 0);
	pthread_mutex_lock(&d->lib_lock);
	CHECK(disc_reload_locked(d, &em) >= 0);
	pthread_mutex_unlock(&d->lib_lock);
	disc_get_facts(d, &f);
	CHECK(strcmp(f.origin, "multisession") == 0 && !f.damage[0]);
	poke("guard.iso", ((off_t)nwa + 16) * 2048, "\0\0\0\0\0\0", 6);
	/* someone else's data behind the last session */
	poke("guard.iso", (off_t)nwa * 2048 + 5000, "not yours", 9);
	CHECK(guard(d, nwa, false, &em) == -EPERM);
	CHECK(strstr(em.text, "foreign=overwrite") != NULL);
	CHECK(guard(d, nwa, true, &em) == 0);
	/* the header now claims far more than the file holds */
	poke32("guard.iso", 16 * 2048 + 80, 0x7fffffff);
	pthread_mutex_lock(&d->lib_lock);
	CHECK(disc_reload_locked(d, &em) >= 0);
	pthread_mutex_unlock(&d->lib_lock);
	CHECK(guard(d, nwa, true, &em) == -EIO);
	CHECK(strstr(em.text, "damaged") != NULL);
	disc_get_facts(d, &f);
	CHECK(f.damage[0] && f.media == DISC_MEDIA_CLOSED && !f.writable);
	disc_close(d);
	/* a session at block 0: another tool's */
	CHECK(open_img(&d, "lba0.iso", 0) == 0);
	if (!d)
		return;
	disc_get_facts(d, &f);
	CHECK(f.foreign && strstr(f.origin, "block 0") != NULL);
	nwa = (uint32_t)(f.used_bytes / 2048);
	CHECK(guard(d, nwa, false, &em) == -EPERM);
	CHECK(guard(d, nwa, true, &em) == 0);
	disc_close(d);
}

static void test_list_drives(void)
{
	char *text = NULL;

	CHECK(disc_list_drives(&text) == 0);
	CHECK(text && strlen(text) > 0);
	free(text);
}

int main(void)
{
	struct errmsg em;

	if (system("command -v xorriso >/dev/null 2>&1") != 0) {
		fprintf(stderr, "xorriso not found: skipped\n");
		return 77;
	}
	blog_init(0, getenv("BURNFS_DEBUG") != NULL);
	if (tmp_make("test_disc"))
		return 1;
	make_big();
	make_sources();
	CHECK(sh(XORRISO "-as mkisofs -quiet -R -o %s/lba0.iso %s/s1 "
		 ">/dev/null 2>&1", tmp, tmp) == 0);
	make_two_sessions("two.iso");
	CHECK(disc_lib_init(&em) == 0);
	CHECK(disc_lib_init(&em) == 0);
	test_blank();
	test_refusals();
	test_two_sessions();
	test_ids();
	test_capacity();
	test_closed();
	test_readonly();
	test_refresh();
	test_sesscache();
	test_loadwatch();
	test_sessions_kept();
	test_foreign();
	test_truncated();
	test_content();
	test_toc_scan();
	test_tree_check();
	test_write_guard();
	test_busy();
	test_reload_leak();
	test_list_drives();
	disc_lib_finish();
	if (!getenv("KEEP_TMP"))
		tmp_remove();
	free(big);
	return CHECK_DONE();
}
