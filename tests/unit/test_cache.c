/* test_cache.c — which cache folder serves which disc (no FUSE, no disc):
 * the record file, the claim rules for a folder that holds staged changes,
 * and finding a moved image's folder by its record. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "burnfs/errmsg.h"
#include "burnfs/index.h"
#include "burnfs/log.h"
#include "burnfs/stage.h"
#include "cache/cache_priv.h"
#include "check.h"
#include "testutil.h"

static ssize_t no_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
	(void)ctx;
	(void)buf;
	(void)len;
	(void)off;
	return 0;
}

/* A cache folder at tmp/name; with a staged change when staged. */
static void make_cache(const char *name, bool staged)
{
	static const struct idx_reader reader = { .pread = no_pread };
	struct index *lo = index_new(&reader);
	struct stage *st = NULL;
	char dir[512];

	tmp_path(dir, sizeof(dir), name);
	CHECK_EQ(index_finish(lo), 0);
	CHECK_EQ(stage_open(&st, dir, lo), 0);
	if (st && staged)
		CHECK_EQ(stage_mkdir(st, "/staged", 0755, 0, 0), 0);
	stage_close(st);
	index_unref(lo);
}

static struct cache_record rec(const char *id, const char *target,
			       unsigned long long ino)
{
	struct cache_record r = { .found = true, .dev = ino ? 7 : 0, .ino = ino };

	snprintf(r.id, sizeof(r.id), "%s", id);
	snprintf(r.target, sizeof(r.target), "%s", target);
	return r;
}

static int claim(const char *name, struct cache_record r,
		 struct cache_record me, bool *other)
{
	struct errmsg em = { "" };
	char dir[512];
	int ret;

	tmp_path(dir, sizeof(dir), name);
	ret = cache_record_claim(dir, &r, &me, other, &em);
	CHECK(ret == 0 || strstr(em.text, "-o cache=DIR"));
	return ret;
}

static void t_record_file(void)
{
	struct cache_record w = rec("00ff00ff00ff00ff", "/x/disc image.iso", 42), r;
	char dir[512];

	make_cache("rec", false);
	tmp_path(dir, sizeof(dir), "rec");
	CHECK_EQ(cache_record_read(dir, &r), 0);
	CHECK(!r.found);
	CHECK_EQ(cache_record_write(dir, &w), 0);
	CHECK_EQ(cache_record_read(dir, &r), 0);
	CHECK(r.found);
	CHECK_STR(r.id, w.id);
	CHECK_STR(r.target, w.target);
	CHECK_EQ(r.dev, 7);
	CHECK_EQ(r.ino, 42);
}

static void t_claim(void)
{
	char orig[512];
	struct stat sb;
	bool other;

	make_cache("empty", false);
	make_cache("busy", true);
	/* nothing staged: any disc; another disc's settings are not ours */
	CHECK_EQ(claim("empty", rec("aa", "/a", 1), rec("bb", "/b", 2), &other), 0);
	CHECK(other);
	CHECK_EQ(claim("empty", rec("aa", "/a", 1), rec("aa", "/b", 2), &other), 0);
	CHECK(!other);
	/* staged: another disc, another blank image, a file reused for
	 * another disc: refused */
	CHECK_EQ(claim("busy", rec("aa", "/a", 1), rec("bb", "/a", 1), &other), -EBUSY);
	CHECK_EQ(claim("busy", rec("", "/a", 1), rec("", "/b", 2), &other), -EBUSY);
	CHECK_EQ(claim("busy", rec("", "/a", 0), rec("", "/b", 0), &other), -EBUSY);
	/* the same disc moved, the same blank image moved, a drive */
	CHECK_EQ(claim("busy", rec("aa", "/gone", 1), rec("aa", "/b", 2), &other), 0);
	CHECK_EQ(claim("busy", rec("", "/gone", 5), rec("", "/b", 5), &other), 0);
	CHECK_EQ(claim("busy", rec("aa", "/dev/sr0", 0), rec("aa", "/dev/sr1", 0), &other), 0);
	/* blank then: its first commit landed; blank now: blanked elsewhere */
	CHECK_EQ(claim("busy", rec("", "/a", 5), rec("cc", "/a", 5), &other), 0);
	CHECK_EQ(claim("busy", rec("cc", "/a", 5), rec("", "/a", 5), &other), 0);
	/* a copy while the original is still there */
	tmp_path(orig, sizeof(orig), "orig.iso");
	write_file("orig.iso", "x", 1);
	CHECK_EQ(stat(orig, &sb), 0);
	struct cache_record o = rec("aa", orig, (unsigned long long)sb.st_ino);

	o.dev = (unsigned long long)sb.st_dev;
	CHECK_EQ(claim("busy", o, rec("aa", "/copy.iso", 9), &other), -EBUSY);
	unlink(orig);
	CHECK_EQ(claim("busy", o, rec("aa", "/copy.iso", 9), &other), 0);
}

/* A moved image's folder is found by its record and renamed to the
 * disc's key; a blank image's by its file. */
static void t_default_folder(void)
{
	struct cache_record me = rec("1234567890abcdef", "/new/place.iso", 77);
	struct errmsg em = { "" };
	char xdg[512], dir[1024], old[1100];
	struct stat sb;

	tmp_path(xdg, sizeof(xdg), "xdg");
	setenv("XDG_CACHE_HOME", xdg, 1);
	snprintf(old, sizeof(old), "%s/burnfs/somename-0011", xdg);
	CHECK_EQ(cache_folder_make(old), 0);
	struct cache_record was = rec("1234567890abcdef", "/old/place.iso", 70);

	CHECK_EQ(cache_record_write(old, &was), 0);
	CHECK_EQ(cache_folder_default(&me, dir, sizeof(dir), &em), 0);
	CHECK(strstr(dir, "/burnfs/disc-1234567890abcdef") != NULL);
	CHECK_EQ(stat(old, &sb), -1);
	snprintf(old, sizeof(old), "%s/disc", dir);
	CHECK_EQ(stat(old, &sb), 0);
	/* a blank image moved: same file, another path */
	me = rec("", "/moved/blank.iso", 88);
	was = rec("", "/blank.iso", 88);
	snprintf(old, sizeof(old), "%s/burnfs/blank.iso-0022", xdg);
	CHECK_EQ(cache_folder_make(old), 0);
	CHECK_EQ(cache_record_write(old, &was), 0);
	CHECK_EQ(cache_folder_default(&me, dir, sizeof(dir), &em), 0);
	CHECK(strstr(dir, "/burnfs/blank.iso-") != NULL && strcmp(dir, old));
	CHECK_EQ(stat(old, &sb), -1);
	/* another disc's folder is never taken */
	me = rec("fedcba0987654321", "/new/place.iso", 77);
	CHECK_EQ(cache_folder_default(&me, dir, sizeof(dir), &em), 0);
	CHECK(strstr(dir, "/burnfs/disc-fedcba0987654321") != NULL);
	snprintf(old, sizeof(old), "%s/burnfs/disc-1234567890abcdef", xdg);
	CHECK_EQ(stat(old, &sb), 0);
}

int main(void)
{
	blog_init(0, 0);
	if (tmp_make("test_cache"))
		return 2;
	t_record_file();
	t_claim();
	t_default_folder();
	CHECK(tmp_remove() == 0);
	return CHECK_DONE();
}
