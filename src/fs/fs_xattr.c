/* fs_xattr.c — extended attributes: staged entries keep user.*, trusted.*,
 * security.* and POSIX ACLs in the stage (which checks the names, and
 * queues the inode's invalidation when an ACL changes its mode); sessions/
 * shows what the disc recorded; the mount's own entries have none. An
 * access ACL's change of the mode reaches the kernel before the reply. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "burnfs/acl.h"
#include "burnfs/control.h"
#include "burnfs/stage.h"
#include "fs/fs.h"

/* The answer to a get or list: the size asked for (size 0) or the bytes. */
static void reply(fuse_req_t req, ssize_t n, const char *buf, size_t size)
{
	if (n < 0)
		fuse_reply_err(req, (int)-n);
	else if (!size)
		fuse_reply_xattr(req, (size_t)n);
	else
		fuse_reply_buf(req, buf, (size_t)n);
}

void fs_xattr_get(fuse_req_t req, fuse_ino_t ino, const char *name,
		  size_t size)
{
	struct burnfs *b = fs_of(req);
	char *buf = size ? malloc(size) : NULL;
	ssize_t n = -ENODATA;

	if (size && !buf)
		n = -ENOMEM;
	else if (fs_kind(ino) == K_STAGE)
		n = stage_node_getxattr(b->stage, fs_stage_node(ino), name, buf,
					size);
	else if (fs_kind(ino) == K_SESSION)
		n = fs_session_xattr(b, ino, name, buf, size);
	reply(req, n, buf, size);
	free(buf);
}

void fs_xattr_list(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	struct burnfs *b = fs_of(req);
	char *buf = size ? malloc(size) : NULL;
	ssize_t n = 0;

	if (size && !buf)
		n = -ENOMEM;
	else if (fs_kind(ino) == K_STAGE)
		n = stage_node_listxattr(b->stage, fs_stage_node(ino), buf,
					 size);
	else if (fs_kind(ino) == K_SESSION)
		n = fs_session_xattr(b, ino, NULL, buf, size);
	reply(req, n, buf, size);
	free(buf);
}

/* An access ACL sets the group bits from its mask, which the kernel does
 * not expect of a setxattr: it must forget the mode it holds before the
 * caller's next stat, not whenever the notifier gets to it (a `stat`
 * right after `setfacl -m m::rwx` showed the old bits under load). With
 * no write-back cache this never blocks. */
static int forget_mode(struct burnfs *b, fuse_ino_t ino, const char *name,
		       int ret)
{
	if (ret == 0 && strcmp(name, PACL_XATTR_ACCESS) == 0)
		fuse_lowlevel_notify_inval_inode(b->se, ino, -1, 0);
	return ret;
}

int fs_xattr_set(struct burnfs *b, fuse_ino_t ino, const char *name,
		 const char *value, size_t size, int flags)
{
	int ret;

	if (fs_kind(ino) != K_STAGE)
		return fs_kind(ino) == K_SESSION ? -EROFS : -ENOTSUP;
	/* its AAIP fields: ENOSPC now, not at the commit */
	ret = control_check_xattr(b->control, name, size);
	if (!ret)
		ret = stage_node_setxattr(b->stage, fs_stage_node(ino), name,
					  value, size, flags);
	return forget_mode(b, ino, name, ret);
}

int fs_xattr_remove(struct burnfs *b, fuse_ino_t ino, const char *name)
{
	if (fs_kind(ino) == K_STAGE)
		return forget_mode(b, ino, name,
				   stage_node_removexattr(b->stage,
							  fs_stage_node(ino), name));
	return fs_kind(ino) == K_SESSION ? -EROFS : -ENOTSUP;
}
