/* fs_xattr.c — extended attributes: staged entries keep user.*, trusted.*,
 * security.* and POSIX ACLs (the stage checks the names);
 * sessions/ shows what the disc recorded; the mount's own entries have
 * none. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "burnfs/control.h"
#include "burnfs/acl.h"
#include "burnfs/index.h"
#include "burnfs/stage.h"
#include "fs/fs.h"

static int op_setxattr(const char *path, const char *name, const char *value,
		       size_t size, int flags)
{
	struct route r;
	int ret = fs_route(path, &r);

	if (ret < 0)
		return ret;
	if (r.area == AREA_STAGING) {
		ret = control_check_xattr(fs_ctx()->control, name, size);
		if (ret == 0)
			ret = stage_setxattr(fs_ctx()->stage, r.rest, name,
					     value, size, flags);
		if (ret == 0)
			fs_invalidate_aliases(r.rest);
		if (ret == 0 && pacl_is_xattr(name))
			fs_invalidate_entry(r.rest);
		return ret;
	}
	return r.area == AREA_SESSION ? -EROFS : -ENOTSUP;
}

static int op_removexattr(const char *path, const char *name)
{
	struct route r;
	int ret = fs_route(path, &r);

	if (ret < 0)
		return ret;
	if (r.area == AREA_STAGING)
		return stage_removexattr(fs_ctx()->stage, r.rest, name);
	return r.area == AREA_SESSION ? -EROFS : -ENOTSUP;
}

/* The recorded xattrs of a session entry: get one (name) or list all. */
static int session_xattr(const struct route *r, const char *name, char *out,
			 size_t size)
{
	const struct idx_node *n;
	struct index *idx;
	size_t need = 0;
	uint32_t id;
	int ret = fs_session_lookup(r, &idx, &id);

	if (ret < 0)
		return ret;
	n = index_node(idx, id);
	ret = name ? -ENODATA : 0;
	for (uint32_t i = 0; i < n->n_xattrs; i++) {
		const struct idx_xattr *x = &n->xattrs[i];
		size_t len = name ? x->len : strlen(x->name) + 1;

		if (name && strcmp(name, x->name) != 0)
			continue;
		if (size && need + len > size) {
			ret = -ERANGE;
			break;
		}
		if (size)
			memcpy(out + need, name ? x->value : x->name, len);
		need += len;
		ret = (int)need;
		if (name)
			break;
	}
	index_unref(idx);
	return ret;
}

static int op_getxattr(const char *path, const char *name, char *value,
		       size_t size)
{
	struct route r;
	int ret = fs_route(path, &r);

	if (ret < 0)
		return ret;
	if (r.area == AREA_STAGING)
		return (int)stage_getxattr(fs_ctx()->stage, r.rest, name, value,
					   size);
	if (r.area == AREA_SESSION)
		return session_xattr(&r, name, value, size);
	return -ENODATA;
}

static int op_listxattr(const char *path, char *list, size_t size)
{
	struct route r;
	int ret = fs_route(path, &r);

	if (ret < 0)
		return ret;
	if (r.area == AREA_STAGING)
		return (int)stage_listxattr(fs_ctx()->stage, r.rest, list, size);
	if (r.area == AREA_SESSION)
		return session_xattr(&r, NULL, list, size);
	return 0;
}

void fs_fill_xattr_ops(struct fuse_operations *ops)
{
	ops->setxattr = op_setxattr;
	ops->getxattr = op_getxattr;
	ops->listxattr = op_listxattr;
	ops->removexattr = op_removexattr;
}
