/* record.c — CACHE/disc, whose cache a folder is: the disc's identity, the
 * target it was last mounted from and that image file's device and inode,
 * as KEY=VALUE lines. And the rule for when a folder holding staged
 * changes may serve a disc: the same disc (not a copy whose original is
 * still there), or the same medium (path or image file) when one side is
 * blank. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "burnfs/errmsg.h"
#include "burnfs/log.h"
#include "burnfs/smallfile.h"
#include "burnfs/stage.h"
#include "cache/cache_priv.h"

static void parse_line(struct cache_record *r, char *line)
{
	char *eq = strchr(line, '=');

	if (!eq)
		return;
	*eq++ = '\0';
	if (!strcmp(line, "id"))
		snprintf(r->id, sizeof(r->id), "%s", eq);
	else if (!strcmp(line, "target"))
		snprintf(r->target, sizeof(r->target), "%s", eq);
	else if (!strcmp(line, "file") &&
		 sscanf(eq, "%llu:%llu", &r->dev, &r->ino) != 2)
		r->dev = r->ino = 0;
}

int cache_record_read(const char *dir, struct cache_record *r)
{
	char buf[PATH_MAX + 256], *line, *save = NULL;
	ssize_t n;

	memset(r, 0, sizeof(*r));
	n = smallfile_read(dir, "disc", buf, sizeof(buf));
	if (n < 0)
		return n == -ENOENT ? 0 : (int)n;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		parse_line(r, line);
	r->found = true;
	/* every record written names its target: one that does not was
	 * damaged on the cache disk (a bad block, a flipped bit) */
	r->damaged = !r->target[0];
	return 0;
}

int cache_record_write(const char *dir, const struct cache_record *r)
{
	char *text = NULL;
	int len, ret;

	len = asprintf(&text, "id=%s\ntarget=%s\nfile=%llu:%llu\n", r->id,
		       r->target, r->dev, r->ino);
	if (len < 0)
		return -ENOMEM;
	ret = smallfile_replace(dir, "disc", text, (size_t)len);
	free(text);
	return ret;
}

/* The image file r names is still at r->target. */
static bool original_there(const struct cache_record *r)
{
	struct stat sb;

	return r->ino && !stat(r->target, &sb) &&
	       (unsigned long long)sb.st_dev == r->dev &&
	       (unsigned long long)sb.st_ino == r->ino;
}

bool cache_record_same_medium(const struct cache_record *r,
			      const struct cache_record *me)
{
	if (r->ino && me->ino)
		return r->dev == me->dev && r->ino == me->ino;
	return !strcmp(r->target, me->target);
}

static int refuse(struct errmsg *em, const char *dir, const char *what,
		  const struct cache_record *r)
{
	return errmsg_set(em, -EBUSY, "%s holds staged changes of %s, last "
			  "mounted from %s: mount that, or use another cache "
			  "folder (-o cache=DIR)", dir, what, r->target);
}

int cache_record_claim(const char *dir, const struct cache_record *r,
		       const struct cache_record *me, bool *other_disc,
		       struct errmsg *em)
{
	bool ids = r->id[0] && me->id[0], differ = strcmp(r->id, me->id);
	int staged;

	*other_disc = false;
	if (!r->found)
		return 0;
	staged = stage_cache_has_changes(dir);
	if (staged < 0)
		return errmsg_set(em, staged, "%s: cannot read its journal: %s",
				  dir, strerror(-staged));
	if (!staged) {
		*other_disc = ids && differ;
		return 0;
	}
	if (r->damaged)
		return errmsg_set(em, -EBUSY, "%s/disc is damaged: which disc "
				  "the changes staged there belong to cannot be "
				  "told; if they belong to %s, remove %s/disc and "
				  "mount again", dir, me->target, dir);
	if (ids && differ)
		return refuse(em, dir, "another disc", r);
	if (ids && strcmp(r->target, me->target) && original_there(r))
		return errmsg_set(em, -EBUSY, "%s holds staged changes of %s, "
				  "of which %s is a copy: mount the original, "
				  "or give the copy a cache folder of its own "
				  "(-o cache=DIR)", dir, r->target, me->target);
	if (ids || cache_record_same_medium(r, me)) {
		if (r->id[0] && !me->id[0])
			blog_warn("cache: %s was blanked by another program; "
				  "its staged changes stay where they apply",
				  me->target);
		return 0;
	}
	return refuse(em, dir, "another medium", r);
}
