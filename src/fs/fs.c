/* fs.c — the FUSE session's settings and the operations table. */
#include <string.h>

#include "fs/fs.h"

static void *op_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	/* st_ino comes from the disc (Rock Ridge) or the stage: stable. */
	cfg->use_ino = 1;
	/* An unlinked open file keeps working through its handle (libfuse
	 * then passes a NULL path), so no .fuse_hidden files appear — they
	 * would be committed. Not nullpath_ok: with it libfuse passes NULL
	 * for every call that has a handle, fchmod and readdir included. */
	cfg->hard_remove = 1;
	/* Only this daemon changes staging/, but discard and blank change
	 * what a path shows: let the kernel recheck size and mtime at open. */
	cfg->auto_cache = 1;
	cfg->entry_timeout = 1.0;
	cfg->attr_timeout = 1.0;
	cfg->negative_timeout = 0.0;
	fs_control_init(fuse_get_context()->private_data);
	return fuse_get_context()->private_data;
}

void fs_fill_ops(struct fuse_operations *ops)
{
	memset(ops, 0, sizeof(*ops));
	ops->init = op_init;
	fs_fill_names_ops(ops);
	fs_fill_io_ops(ops);
	fs_fill_xattr_ops(ops);
}
