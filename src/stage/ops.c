/* ops.c — the namespace operations of the API: each builds one record,
 * applies it and journals it under the stage lock. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stage/stage_priv.h"

static int change(struct stage *st, struct jrec *r)
{
	int ret;

	STAGE_LOCK(st);
	ret = stage_change(st, r, NULL);
	STAGE_UNLOCK(st);
	return ret;
}

/* A regular file gets its (empty) data file before the record names it. */
int stage_mknod(struct stage *st, const char *path, mode_t mode, dev_t rdev,
		uid_t uid, gid_t gid)
{
	struct jrec r = { .op = J_MKNOD, .p1 = path, .uid = uid, .gid = gid,
			  .rdev = rdev };
	int ret = 0, fd = -1;

	if (!(mode & S_IFMT))
		mode |= S_IFREG;
	if (S_ISDIR(mode) || S_ISLNK(mode))
		return -EINVAL;
	r.mode = mode;
	STAGE_LOCK(st);
	if (st->readonly) {
		ret = -EROFS;
		goto out;
	}
	if (S_ISREG(mode) && (fd = data_create(st, &r.id)) < 0) {
		ret = fd;
		goto out;
	}
	ret = stage_change(st, &r, NULL);
	if (ret && r.id)
		data_delete(st, r.id);
out:
	if (fd >= 0)
		close(fd);
	STAGE_UNLOCK(st);
	return ret;
}

int stage_mkdir(struct stage *st, const char *path, mode_t mode, uid_t uid,
		gid_t gid)
{
	struct jrec r = { .op = J_MKDIR, .p1 = path, .mode = mode & 07777,
			  .uid = uid, .gid = gid };

	return change(st, &r);
}

int stage_unlink(struct stage *st, const char *path)
{
	struct jrec r = { .op = J_UNLINK, .p1 = path };

	return change(st, &r);
}

int stage_rmdir(struct stage *st, const char *path)
{
	struct jrec r = { .op = J_RMDIR, .p1 = path };

	return change(st, &r);
}

int stage_symlink(struct stage *st, const char *target, const char *path,
		  uid_t uid, gid_t gid)
{
	struct jrec r = { .op = J_SYMLINK, .p1 = path, .p2 = target,
			  .uid = uid, .gid = gid };
	int ret;

	if (!target || !*target)
		return -ENOENT;
	ret = limit_symlink_target(target);
	return ret ? ret : change(st, &r);
}

int stage_rename(struct stage *st, const char *from, const char *to,
		 unsigned int flags)
{
	struct jrec r = { .op = J_RENAME, .p1 = from, .p2 = to, .flags = flags };

	return change(st, &r);
}

int stage_link(struct stage *st, const char *from, const char *to)
{
	struct jrec r = { .op = J_LINK, .p1 = from, .p2 = to };

	return change(st, &r);
}
