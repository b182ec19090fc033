/* folder.c — where a disc's cache folder is by default, and finding it
 * again: under $XDG_CACHE_HOME/burnfs (or ~/.cache/burnfs), disc-ID for a
 * disc, NAME-HASH of the target's path for a blank medium. When that
 * folder does not exist, a folder whose record names the same disc or the
 * same image file (moved or renamed), or the path-keyed folder of this
 * target (a blank disc's before its first commit, or one made before discs
 * had identities), is renamed to it: the staged changes and settings come
 * along. A folder another mount holds is left alone. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "burnfs/errmsg.h"
#include "burnfs/log.h"
#include "cache/cache_priv.h"

int cache_folder_make(const char *dir)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(path, 0700) && errno != EEXIST ? -errno : 0;
}

static int base_dir(char *out, size_t size, struct errmsg *em)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	if (xdg && *xdg == '/')
		snprintf(out, size, "%s/burnfs", xdg);
	else if (home && *home == '/')
		snprintf(out, size, "%s/.cache/burnfs", home);
	else
		return errmsg_set(em, -ENOENT, "no folder for staged changes: "
				  "set HOME or give -o cache=DIR");
	return 0;
}

/* A name per target path: its base name for people, a hash of the whole
 * path so that two images with one name never share a folder. */
static void path_key(const char *target, char *out, size_t size)
{
	char copy[PATH_MAX];
	uint64_t h = 14695981039346656037ull;

	for (const char *p = target; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	snprintf(copy, sizeof(copy), "%s", target);
	snprintf(out, size, "%.100s-%016" PRIx64, basename(copy), h);
}

/* Does the folder's record name me: my disc, else (one side blank) my
 * image file or my path? */
static bool names_me(const struct cache_record *r,
		     const struct cache_record *me)
{
	if (me->id[0] && r->id[0])
		return !strcmp(r->id, me->id);
	return cache_record_same_medium(r, me);
}

/* Is another burnfs mount using the folder? */
static bool in_use(const char *dir)
{
	char path[PATH_MAX + 8];
	bool busy = false;
	int fd;

	snprintf(path, sizeof(path), "%s/lock", dir);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (flock(fd, LOCK_EX | LOCK_NB))
		busy = errno == EWOULDBLOCK;
	close(fd);
	return busy;
}

/* A folder under base whose record names me, into out. */
static bool scan(const char *base, const struct cache_record *me,
		 char *out, size_t size)
{
	struct cache_record r;
	struct dirent *e;
	bool found = false;
	DIR *d = opendir(base);

	while (d && !found && (e = readdir(d))) {
		if (e->d_name[0] == '.' ||
		    snprintf(out, size, "%s/%s", base, e->d_name) >= (int)size)
			continue;
		found = !cache_record_read(out, &r) && r.found && names_me(&r, me) &&
			!in_use(out);
	}
	if (d)
		closedir(d);
	return found;
}

/* The folder to move to `want`: the path-keyed one, or one found by its
 * record. */
static bool find_moved(const char *base, const struct cache_record *me,
		       char *out, size_t size)
{
	char key[160];
	struct stat sb;

	path_key(me->target, key, sizeof(key));
	snprintf(out, size, "%s/%s", base, key);
	if (me->id[0] && !stat(out, &sb) && S_ISDIR(sb.st_mode) &&
	    !in_use(out))
		return true;
	return scan(base, me, out, size);
}

int cache_folder_default(const struct cache_record *me, char *out, size_t size,
			 struct errmsg *em)
{
	char base[PATH_MAX], key[160], from[PATH_MAX + 200];
	struct stat sb;
	int ret = base_dir(base, sizeof(base), em);

	if (ret)
		return ret;
	if (me->id[0])
		snprintf(key, sizeof(key), "disc-%s", me->id);
	else
		path_key(me->target, key, sizeof(key));
	if (snprintf(out, size, "%s/%s", base, key) >= (int)size)
		return errmsg_set(em, -ENAMETOOLONG, "%s: name too long", base);
	if (!stat(out, &sb))
		return 0;
	if (find_moved(base, me, from, sizeof(from)) && strcmp(from, out)) {
		if (!rename(from, out))
			blog_info("cache: staged changes of %s moved from %s to %s",
				  me->target, from, out);
		else
			blog_warn("cache: cannot move %s to %s: %s", from, out,
				  strerror(errno));
	}
	ret = cache_folder_make(out);
	return ret ? errmsg_set(em, ret, "%s: %s", out, strerror(-ret)) : 0;
}
