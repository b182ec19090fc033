/* safe.c — a cache folder only this user can change. Whatever is in it is
 * burned by the next commit, as this user: a folder (or a folder above it)
 * that another user may write into would let them swap a staged file. So
 * the folder and its parts must belong to this user and be writable by
 * nobody else, and every folder above it must belong to this user or root
 * and be writable by nobody else unless sticky (as /tmp and /var/tmp are:
 * there others cannot rename what is not theirs). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "burnfs/errmsg.h"
#include "cache/cache_priv.h"

static const char *const parts[] = {
	"data", "spare", "journal", "lock", "settings", "disc",
};

/* path (the folder, one of its parts, or a folder above it) is safe. */
static int check(const char *path, const struct stat *sb, bool above,
		 struct errmsg *em)
{
	uid_t me = geteuid();
	bool writable = sb->st_mode & (S_IWGRP | S_IWOTH);

	if (sb->st_uid != me && !(above && sb->st_uid == 0))
		return errmsg_set(em, -EPERM, "%s%s belongs to user %u, not to "
				  "you (%u): use a cache folder of your own "
				  "(-o cache=DIR)", path,
				  above ? " (above the cache folder)" : "",
				  (unsigned)sb->st_uid, (unsigned)me);
	if (writable && !(above && (sb->st_mode & S_ISVTX)))
		return errmsg_set(em, -EPERM, "%s%s is writable by group or others "
				  "(mode %04o): chmod go-w it, or use another "
				  "cache folder", path,
				  above ? " (above the cache folder)" : "",
				  (unsigned)(sb->st_mode & 07777));
	return 0;
}

/* The data files and the spare ones: regular files of this user's. */
static int check_files(const char *dir, const char *sub, struct errmsg *em)
{
	char path[PATH_MAX + 300];
	struct dirent *e;
	struct stat sb;
	int ret = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	d = opendir(path);
	while (d && !ret && (e = readdir(d))) {
		if (e->d_name[0] == '.' ||
		    fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW))
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, e->d_name);
		if (!S_ISREG(sb.st_mode))
			ret = errmsg_set(em, -EPERM, "%s is not a regular file: "
					 "the cache folder is not burnfs's", path);
		else
			ret = check(path, &sb, false, em);
	}
	if (d)
		closedir(d);
	return ret;
}

static int check_parts(const char *dir, struct errmsg *em)
{
	char path[PATH_MAX + 16];
	struct stat sb;
	int ret = 0;

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]) && !ret; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, parts[i]);
		if (lstat(path, &sb))
			continue;
		if (S_ISLNK(sb.st_mode))
			return errmsg_set(em, -EPERM, "%s is a symbolic link: "
					  "the cache folder is not burnfs's", path);
		ret = check(path, &sb, false, em);
	}
	if (!ret)
		ret = check_files(dir, "data", em);
	return ret ? ret : check_files(dir, "spare", em);
}

int cache_folder_safe(const char *dir, struct errmsg *em)
{
	char real[PATH_MAX], *slash;
	struct stat sb;
	int ret;

	if (!realpath(dir, real) || stat(real, &sb))
		return errmsg_set(em, -errno, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return errmsg_set(em, -ENOTDIR, "%s: not a folder", dir);
	ret = check(real, &sb, false, em);
	if (!ret)
		ret = check_parts(real, em);
	while (!ret && (slash = strrchr(real, '/'))) {
		slash[slash == real] = '\0';  /* "/a" -> "/", "/" -> stop */
		if (stat(real, &sb))
			return errmsg_set(em, -errno, "%s: %s", real,
					  strerror(errno));
		ret = check(real, &sb, true, em);
		if (slash == real)
			break;
	}
	return ret;
}
