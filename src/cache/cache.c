/* cache.c — a mount's cache folder from start to end: choose it, check it
 * may serve this disc and this user, recall and remember the disc's
 * settings, and keep its record up to date (see cache.h). */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "burnfs/jobs.h"
#include "burnfs/cache.h"
#include "burnfs/control.h"
#include "burnfs/disc.h"
#include "burnfs/errmsg.h"
#include "burnfs/log.h"
#include "burnfs/stage.h"
#include "cache/cache_priv.h"

struct cache {
	struct disc *disc;
	char dir[PATH_MAX];
	struct cache_record me;   /* the disc as mounted now */
	const struct cache_opts *opts;  /* during cache_open only */
	struct job_settings *settings; /* during cache_open only */
};

/* me: the disc's identity, its target and image file. */
static int who_am_i(struct cache *c, struct errmsg *em)
{
	struct disc_facts f;
	struct stat sb;
	int ret;

	disc_get_facts(c->disc, &f);
	snprintf(c->me.target, sizeof(c->me.target), "%s", f.target);
	c->me.dev = c->me.ino = 0;
	if (f.is_image && !stat(f.target, &sb)) {
		c->me.dev = (unsigned long long)sb.st_dev;
		c->me.ino = (unsigned long long)sb.st_ino;
	}
	ret = disc_identity(c->disc, c->me.id, sizeof(c->me.id));
	if (ret)
		return errmsg_set(em, ret, "%s: cannot read the disc's first "
				  "session: %s", f.target, strerror(-ret));
	return 0;
}

static const char *given(const struct cache_opts *o, const char *key)
{
	if (!strcmp(key, "capacity"))
		return o->capacity;
	if (!strcmp(key, "volid"))
		return o->volid;
	if (!strcmp(key, "joliet"))
		return o->joliet;
	return !strcmp(key, "speed") ? o->speed : NULL;
}

/* A remembered setting the user did not give now. */
static void recall_one(void *ctx, const char *key, const char *value)
{
	struct cache *c = ctx;
	struct errmsg em = { "" };
	uint64_t bytes;
	bool ok;

	if (given(c->opts, key))
		return;
	if (!strcmp(key, "capacity")) {
		ok = !control_parse_capacity(value, &bytes);
		if (ok)
			disc_set_capacity(c->disc, bytes);
	} else {
		ok = !control_settings_set(c->settings, key, value, &em);
	}
	if (ok)
		blog_info("cache: remembered for this disc: %s=%s", key, value);
	else
		blog_warn("cache: ignoring the remembered %s=%s", key, value);
}

static void settings_sync(struct cache *c)
{
	static const char *const keys[] = { "capacity", "volid", "joliet",
					    "speed" };
	int ret = control_settings_recall(c->dir, recall_one, c);

	if (ret)
		blog_warn("cache: cannot read %s/settings: %s", c->dir,
			  strerror(-ret));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = given(c->opts, keys[i]);

		if (v && (ret = control_settings_remember(c->dir, keys[i], v)))
			blog_warn("cache: cannot remember %s=%s: %s", keys[i],
				  v, strerror(-ret));
	}
}

/* The folder: -o cache= as given, else the disc's default one. */
static int choose(struct cache *c, struct errmsg *em)
{
	char real[PATH_MAX];
	int ret;

	if (c->opts->dir) {
		snprintf(c->dir, sizeof(c->dir), "%s", c->opts->dir);
		ret = cache_folder_make(c->dir);
		if (ret)
			return errmsg_set(em, ret, "%s: %s", c->dir,
					  strerror(-ret));
	} else {
		ret = cache_folder_default(&c->me, c->dir, sizeof(c->dir), em);
		if (ret)
			return ret;
	}
	if (!realpath(c->dir, real))
		return errmsg_set(em, -errno, "%s: %s", c->dir, strerror(errno));
	snprintf(c->dir, sizeof(c->dir), "%s", real);
	return 0;
}

int cache_open(struct cache **out, struct disc *d, const struct cache_opts *o,
	       struct job_settings *s, struct errmsg *em)
{
	struct cache *c = calloc(1, sizeof(*c));
	struct cache_record r;
	bool other = false;
	int ret;

	*out = NULL;
	if (!c)
		return errmsg_set(em, -ENOMEM, "out of memory");
	c->disc = d;
	c->opts = o;
	c->settings = s;
	ret = who_am_i(c, em);
	if (!ret)
		ret = choose(c, em);
	if (!ret)
		ret = cache_folder_safe(c->dir, em);
	if (!ret && (ret = cache_record_read(c->dir, &r)))
		errmsg_set(em, ret, "%s/disc: %s", c->dir, strerror(-ret));
	if (!ret)
		ret = cache_record_claim(c->dir, &r, &c->me, &other, em);
	if (!ret && other && !control_settings_forget(c->dir))
		blog_info("cache: %s served another disc; its settings are "
			  "forgotten", c->dir);
	if (!ret)
		settings_sync(c);
	c->opts = NULL;
	c->settings = NULL;
	if (ret) {
		free(c);
		return ret;
	}
	*out = c;
	return 0;
}

const char *cache_dir(const struct cache *c)
{
	return c->dir;
}

static void write_record(struct cache *c)
{
	int ret = cache_record_write(c->dir, &c->me);

	if (ret)
		blog_warn("cache: cannot record the disc in %s: %s", c->dir,
			  strerror(-ret));
}

/* After a commit or a blank: the disc may have (another) identity now,
 * and a first commit creates the image file. Most commits change neither:
 * then the record stays as it is (no fsync before the job ends). */
static void rebased(void *ctx)
{
	struct cache *c = ctx;
	struct cache_record before = c->me;
	struct errmsg em = { "" };

	if (who_am_i(c, &em)) {
		blog_warn("cache: %s", em.text);
		return;
	}
	if (strcmp(before.id, c->me.id))
		blog_info("cache: %s is now disc %s", c->me.target,
			  c->me.id[0] ? c->me.id : "(blank)");
	if (strcmp(before.id, c->me.id) || before.dev != c->me.dev ||
	    before.ino != c->me.ino)
		write_record(c);
}

void cache_bind(struct cache *c, struct stage *st)
{
	write_record(c);
	stage_on_rebase(st, rebased, c);
}

void cache_free(struct cache *c)
{
	free(c);
}
