/* restore.c — the restore command: bring a file or tree of an older
 * session back into staging without copying its bytes (the stage records
 * it; the next commit points at the old extents). Runs at once on the
 * writer's thread, like set. */
#include <errno.h>
#include <string.h>

#include "burnfs/disc.h"
#include "burnfs/index.h"
#include "control/control_priv.h"

static int restore_refused(const struct command *cmd, int ret,
			   struct errmsg *em)
{
	switch (ret) {
	case -ENOENT:
		return errmsg_set(em, ret, "restore: %s is not in session %d, or "
				  "the folder of %s is missing", cmd->path,
				  cmd->session, cmd->newpath);
	case -EEXIST:
		return errmsg_set(em, ret, "restore: %s exists already (restore "
				  "without AS replaces it)", cmd->newpath);
	case -EINVAL:
		return errmsg_set(em, ret, "restore: cannot replace the staging "
				  "root: restore / AS a folder");
	case -EROFS:
		return errmsg_set(em, ret, "restore: the disc takes no more sessions");
	}
	return errmsg_set(em, ret, "restore %d %s as %s: %s", cmd->session,
			  cmd->path, cmd->newpath, strerror(-ret));
}

int control_restore(struct control *c, const struct command *cmd,
		    struct errmsg *em)
{
	struct index *idx = NULL;
	int ret = disc_session_index(c->disc, cmd->session, &idx);

	if (ret == -ENOENT)
		return errmsg_set(em, ret, "restore: there is no session %d",
				  cmd->session);
	if (ret == -EBUSY || ret == -EAGAIN)
		return errmsg_set(em, -EBUSY, "restore: session %d is read after "
				  "the running burn", cmd->session);
	if (ret < 0)
		return errmsg_set(em, ret, "restore: cannot read session %d: %s",
				  cmd->session, strerror(-ret));
	ret = stage_restore(c->stage, idx, cmd->path, cmd->newpath, cmd->as_new);
	index_unref(idx);
	return ret < 0 ? restore_refused(cmd, ret, em) : 0;
}
