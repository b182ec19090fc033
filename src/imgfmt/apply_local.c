/* apply_local.c — new hard links of symlinks and specials. libisofs writes
 * nodes as one inode (one Rock Ridge PX inode number, nlink > 1) when they
 * share an identity: the inode of the local file they were added from, or
 * of the disc entry they were loaded from; clones keep it. A node made with
 * iso_image_add_new_symlink/_special has none, so the first name of a new
 * linked symlink or special is added from a scratch local file of the same
 * kind (its target, device number, type), and its other names are clones.
 * The scratch files stay until no more nodes are added: a file removed
 * earlier could hand its inode number to the next one, and libisofs would
 * then take two groups for one. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imgfmt/apply_int.h"
#include "burnfs/stage.h"

static int make_dir(struct apply_ctx *c)
{
	const char *tmp = getenv("TMPDIR");
	char path[PATH_MAX];

	if (c->local_dir)
		return 0;
	snprintf(path, sizeof(path), "%s/burnfs-links.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(path))
		return errmsg_set(c->em, -errno, "cannot make a scratch folder for %s: %s",
				  c->path, strerror(errno));
	c->local_dir = strdup(path);
	return c->local_dir ? 0 : -ENOMEM;
}

static int make_local(struct apply_ctx *c, const struct snap_node *sn,
		      char *path, size_t size)
{
	int ret;

	snprintf(path, size, "%s/%u", c->local_dir, c->n_local);
	if (S_ISLNK(sn->mode))
		ret = symlink(sn->link ? sn->link : "", path);
	else
		ret = mknod(path, (sn->mode & S_IFMT) | 0600, sn->rdev);
	if (ret)
		return errmsg_set(c->em, -errno, "cannot write %s as a hard link (%s)",
				  c->path, strerror(errno));
	c->n_local++;
	return 0;
}

int imgfmt_local_node(struct apply_ctx *c, IsoDir *dir,
		      const struct snap_node *sn, IsoNode **out)
{
	char path[PATH_MAX];
	int ret = make_dir(c);

	if (!ret)
		ret = make_local(c, sn, path, sizeof(path));
	if (ret)
		return ret;
	ret = iso_tree_add_new_node(c->img, dir, sn->name, path, out);
	return ret < 0 ? imgfmt_apply_fail(c, ret, "add") : 0;
}

void imgfmt_local_cleanup(struct apply_ctx *c)
{
	char path[PATH_MAX];

	if (!c->local_dir)
		return;
	for (unsigned int i = 0; i < c->n_local; i++) {
		snprintf(path, sizeof(path), "%s/%u", c->local_dir, i);
		unlink(path);
	}
	rmdir(c->local_dir);
	free(c->local_dir);
	c->local_dir = NULL;
	c->n_local = 0;
}
