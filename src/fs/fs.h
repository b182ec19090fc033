/* fs.h — the FUSE glue: the only part that includes FUSE headers. It routes
 * each path of the mount to staging/ (the stage), control and pending
 * (control), or sessions/N/ (read-only indexes) and turns nothing into
 * policy of its own. */
#ifndef BURNFS_FS_H
#define BURNFS_FS_H

#include <fuse.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct disc;
struct stage;
struct control;
struct index;
struct stage_file;

struct cache;

struct burnfs {
	struct disc *disc;
	struct cache *cache;
	struct stage *stage;
	struct control *control;
	struct timespec mount_time;
};

enum area {
	AREA_ROOT,      /* "/" */
	AREA_STAGING,   /* "/staging" and below; rest is the staged path */
	AREA_CONTROL,   /* "/control" */
	AREA_PENDING,   /* "/pending" */
	AREA_ABORT,     /* "/abort": write-only, aborts the running job */
	AREA_WAIT,      /* "/wait": read-only, blocks until no job runs */
	AREA_SESSIONS,  /* "/sessions" */
	AREA_SESSION,   /* "/sessions/N" and below; rest is the path in it */
};

struct route {
	enum area area;
	const char *rest; /* "/" for the top of staging or of a session */
	int session;
};

/* Split a mount path. -ENOENT for names the mount does not have. */
int fs_route(const char *path, struct route *r);
/* A path that must be in staging/ because it is about to change: its
 * staged path in *rest, or -EROFS (sessions/), -EPERM (the mount's own
 * entries), -EBUSY (staging/ itself, unless allow_top). */
int fs_staged(const char *path, bool allow_top, const char **rest);

enum handle_kind { H_STAGE, H_TEXT, H_CONTROL, H_DISC, H_ABORT, H_WAIT };

/* What fi->fh points to. */
struct fs_handle {
	enum handle_kind kind;
	struct stage_file *sf;   /* H_STAGE */
	char *text;              /* H_TEXT, H_CONTROL: what reads return */
	size_t len;
	struct index *idx;       /* H_DISC */
	uint32_t id;
	bool written;            /* H_STAGE: written since open */
};

static inline struct burnfs *fs_ctx(void)
{
	return fuse_get_context()->private_data;
}

static inline struct fs_handle *fs_handle(const struct fuse_file_info *fi)
{
	return fi ? (struct fs_handle *)(uintptr_t)fi->fh : NULL;
}

/* loop.c: serve requests until unmount; 0 or -1. A handler about to
 * block hands the reading of /dev/fuse to another thread first. */
int fs_loop_run(struct fuse *fuse);
void fs_loop_yield(void);
/* The request buffer `inside` points into, given away by the reading
 * thread (which takes another): base to hand to fs_loop_give_back once
 * done with, NULL if `inside` is not in this thread's buffer. Saves
 * copying big writes that are finished later. */
void *fs_loop_take_buffer(const void *inside);
void fs_loop_give_back(void *base);

/* The operations table, filled by the fs_*.c files. */
void fs_fill_ops(struct fuse_operations *ops);
void fs_fill_names_ops(struct fuse_operations *ops);  /* fs_ops.c */
void fs_fill_io_ops(struct fuse_operations *ops);     /* fs_io.c */
void fs_fill_xattr_ops(struct fuse_operations *ops);  /* fs_xattr.c */

/* fs_virtual.c: the root, control, pending and sessions/. */
int fs_virtual_getattr(const struct route *r, struct stat *st);
int fs_virtual_readdir(const struct route *r, void *buf, fuse_fill_dir_t fill);
int fs_virtual_open(const struct route *r, struct fuse_file_info *fi);
int fs_session_index(int session, struct index **out);
/* The index of r's session (a new reference in *idx) and the id of r's
 * path in it. -EAGAIN while a burn keeps the session from loading. */
int fs_session_lookup(const struct route *r, struct index **idx, uint32_t *id);

/* invalidate.c: drop the kernel's cached attributes of the other names of
 * a hard-linked staged file (path relative to staging/). */
void fs_invalidate_start(struct fuse *fuse);
void fs_invalidate_stop(void);
/* Forget what the kernel cached of this one staging path: setting an ACL
 * changes the mode, which the kernel does not expect of a setxattr. */
void fs_invalidate_entry(const char *stage_path);
void fs_invalidate_aliases(const char *stage_path);
/* control_execute (on a job's thread), and when the command changes the
 * whole view (discard, blank), the invalidations that go with it. */
int fs_invalidate_run(struct burnfs *b, const char *buf, size_t len);

/* fs_control.c: the jobs' runner goes through fs_invalidate_run (call
 * once control exists). */
void fs_control_init(struct burnfs *b);
/* Run a command written to control; a long one's write waits for its job
 * unless detached. Signals to the writer are ignored. */
int fs_control_write(struct burnfs *b, const char *buf, size_t len);
/* Opening control for writing while a job's writer waits: -EBUSY. */
int fs_control_open_check(struct burnfs *b, int flags);
/* A write to abort: cancel the running job; returns at once. */
int fs_abort_write(struct burnfs *b);
/* A read of wait: block until no job runs, then h->text is the newest
 * job's result line; its errno when it failed; -EINTR when interrupted. */
int fs_wait_read(struct burnfs *b, struct fs_handle *h);

#endif
