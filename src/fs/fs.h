/* fs.h — the FUSE glue: the only part that includes FUSE headers. It is
 * built on libfuse's low-level (inode) API: every inode the kernel knows is
 * one of three kinds, told apart by its node id —
 *   the mount's own entries (the root, control, pending, abort, wait,
 *     sessions/): small fixed ids, a table in fs_virtual.c;
 *   staging/ and below: the stage's nodes, the node id being the node's
 *     address (the stage keeps a node while the kernel has lookups on it);
 *   sessions/N/ and below: an entry of session N's index, the node id
 *     holding N, the index id and the epoch of the sessions list (bumped
 *     when a session N is no longer the one it was: blank, another disc).
 * Each tree numbers its inodes (st_ino) apart: two entries of the mount
 * share a number only when they are hard links in one tree. The glue turns
 * nothing into policy of its own. */
#ifndef BURNFS_FS_H
#define BURNFS_FS_H

#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct disc;
struct stage;
struct stage_file;
struct stage_entry;
struct stage_node;
struct stage_list;
struct control;
struct index;
struct fs_notify;
struct cache;

struct burnfs {
	struct disc *disc;
	struct cache *cache;
	struct stage *stage;
	struct control *control;
	struct fuse_session *se;
	struct timespec mount_time;
	struct fs_notify *notify;
	const char *mountpoint;    /* absolute (libfuse's parser made it so) */
	struct fs_release *release; /* the job thread's own (fs_release.c) */
};

/* The kernel may keep entries and attributes this long: burnfs is the only
 * writer, and tells the kernel itself what changes without its asking. */
#define FS_TIMEOUT 86400.0

#define FS_STAGING_NAME "staging"   /* the staging folder in the mount's root */

/* --- node ids and inode numbers --- */

#define FS_INO_CONTROL 2
#define FS_INO_PENDING 3
#define FS_INO_SESSIONS 4
#define FS_INO_ABORT 5
#define FS_INO_WAIT 6
#define FS_INO_VIRTUAL_MAX 4096     /* ids below are the mount's own */
#define FS_SESSION_BIT (1ULL << 63)
#define FS_EPOCH_MASK 0x3ffULL
#define FS_SESSION_MAX 0xfffff      /* sessions/N above: -ENOENT */
#define FS_TREE_SHIFT 40            /* st_ino: tree << 40 | number */

enum fs_kind { K_VIRTUAL, K_STAGE, K_SESSION };

static inline enum fs_kind fs_kind(fuse_ino_t ino)
{
	if (ino & FS_SESSION_BIT)
		return K_SESSION;
	return ino < FS_INO_VIRTUAL_MAX ? K_VIRTUAL : K_STAGE;
}

static inline struct stage_node *fs_stage_node(fuse_ino_t ino)
{
	return (struct stage_node *)(uintptr_t)ino;
}

/* st_ino of number `local` of tree `tree` (0 the mount's own entries,
 * 1 staging, N + 1 session N). */
static inline uint64_t fs_st_ino(uint64_t tree, uint64_t local)
{
	return tree << FS_TREE_SHIFT | (local & ((1ULL << FS_TREE_SHIFT) - 1));
}

static inline fuse_ino_t fs_session_ino(unsigned epoch, int session,
					uint32_t id)
{
	return FS_SESSION_BIT | ((uint64_t)epoch & FS_EPOCH_MASK) << 52 |
	       (uint64_t)session << 32 | id;
}

static inline int fs_ino_session(fuse_ino_t ino)
{
	return (int)(ino >> 32 & FS_SESSION_MAX);
}

static inline unsigned fs_ino_epoch(fuse_ino_t ino)
{
	return (unsigned)(ino >> 52 & FS_EPOCH_MASK);
}

static inline struct burnfs *fs_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

/* Reply to an entry request: e on success, else the error. */
void fs_reply_entry(fuse_req_t req, int err, const struct fuse_entry_param *e);
void fs_reply_attr(fuse_req_t req, int err, const struct stat *st);

/* --- open files and folders (what fi->fh points to) --- */

enum handle_kind { H_STAGE, H_TEXT, H_CONTROL, H_DISC, H_DIR };

struct fs_dir;

/* A request that interrupts its caller's syscall can still be in flight
 * when the kernel sends the RELEASE of its file: each request holds a
 * reference (fs_handle_get/put), the RELEASE drops the first one. */
struct fs_handle {
	enum handle_kind kind;
	unsigned refs;           /* atomic */
	pthread_mutex_t lock;    /* text: one read makes it at a time */
	struct stage_file *sf;   /* H_STAGE */
	char *text;              /* H_TEXT, H_CONTROL: what reads return */
	size_t len;
	struct index *idx;       /* H_DISC */
	uint32_t id;
	struct fs_dir *dir;      /* H_DIR */
	struct fs_handle *live_prev, *live_next;  /* fs_io.c's list */
};

static inline struct fs_handle *fs_handle(const struct fuse_file_info *fi)
{
	return (struct fs_handle *)(uintptr_t)fi->fh;
}

struct fs_handle *fs_handle_new(enum handle_kind kind);
struct fs_handle *fs_handle_get(const struct fuse_file_info *fi);
void fs_handle_put(struct burnfs *b, struct fs_handle *h);
/* The RELEASE's (or a failed open's) reference. */
#define fs_handle_free fs_handle_put
/* After the session loop ended: free the handles the kernel never
 * released. It drops RELEASE requests still queued when the file system
 * is unmounted (a `find` closing its folders just before the unmount);
 * their files are closed as a RELEASE would have. */
void fs_handles_drop_all(struct burnfs *b);

/* --- the areas: each returns 0 or -errno and fills what it is given --- */

/* fs_stage.c: staging/ and below */
int fs_stage_entry(struct burnfs *b, const struct stage_entry *se,
		   struct fuse_entry_param *e);
int fs_stage_lookup(struct burnfs *b, fuse_ino_t dir, const char *name,
		    struct fuse_entry_param *e);
int fs_stage_setattr(fuse_req_t req, fuse_ino_t ino, const struct stat *in,
		     int to_set, struct stat *out);
int fs_stage_open(struct burnfs *b, fuse_ino_t ino, struct fuse_file_info *fi);
/* Direct I/O or the page cache for a handle just opened (fi->flags) on a
 * file of this mode (only read for a write-only handle). */
void fs_stage_cache_mode(struct fuse_file_info *fi, mode_t mode);
/* Kill n's set-user-ID bits for the caller, who has no CAP_FSETID (the
 * kernel asked: a write's flags or an empty SETATTR). */
void fs_stage_kill_privs(fuse_req_t req, struct burnfs *b,
			 struct stage_node *n);
/* A write drops the file's capabilities (security.capability), whoever
 * writes, as ext4 does: the kernel asks for it only on buffered writes,
 * and staged files are written through direct I/O too. 0 or -errno (the
 * removal could not be journalled: the write must not go ahead). */
int fs_stage_kill_caps(struct burnfs *b, struct stage_node *n);
int fs_stage_rename(struct burnfs *b, fuse_ino_t dir, const char *name,
		    fuse_ino_t newdir, const char *newname, unsigned flags);

/* fs_session.c: sessions/N/ and below */
int fs_session_index(struct burnfs *b, int session, struct index **out);
int fs_session_node(struct burnfs *b, fuse_ino_t ino, struct index **idx,
		    uint32_t *id);
void fs_session_attr(const struct index *idx, int session, uint32_t id,
		     struct stat *st);
void fs_session_entry(const struct index *idx, unsigned epoch, int session,
		      uint32_t id, struct fuse_entry_param *e);
int fs_session_lookup(struct burnfs *b, fuse_ino_t dir, const char *name,
		      struct fuse_entry_param *e);
int fs_session_open(struct burnfs *b, fuse_ino_t ino,
		    struct fuse_file_info *fi);
int fs_session_xattr(struct burnfs *b, fuse_ino_t ino, const char *name,
		     char *out, size_t size);
unsigned fs_sessions_epoch(struct burnfs *b);

/* fs_virtual.c: the root, control, pending, abort, wait, sessions/ */
int fs_virtual_lookup(struct burnfs *b, fuse_ino_t dir, const char *name,
		      struct fuse_entry_param *e);
int fs_virtual_getattr(struct burnfs *b, fuse_ino_t ino, struct stat *st);
int fs_virtual_open(struct burnfs *b, fuse_ino_t ino,
		    struct fuse_file_info *fi);
/* A read, write or truncate of an open file of the mount's own. */
int fs_virtual_read(fuse_req_t req, struct fs_handle *h, size_t size,
		    off_t off, const char **out);
int fs_virtual_write(fuse_req_t req, struct fs_handle *h, const char *buf,
		     size_t size);
int fs_virtual_truncate(fuse_ino_t ino);
/* What a change of name in folder dir (not staging/) gets: -EACCES in the
 * root, -EROFS in sessions/; 0 in staging/. */
int fs_write_denied(fuse_ino_t dir);
size_t fs_virtual_count(void);
const char *fs_virtual_name(size_t i);
/* Row i of the root folder: its name and entry (a lookup for staging/). */
int fs_virtual_row(struct burnfs *b, size_t i, bool lookup, const char **name,
		   struct fuse_entry_param *e);

/* fs_dir.c: folder listings, paged by offset (readdir, readdirplus) */
int fs_dir_open(struct burnfs *b, fuse_ino_t ino, struct fuse_file_info *fi);
void fs_dir_read(fuse_req_t req, struct fs_handle *h, size_t size, off_t off,
		 bool plus);
void fs_dir_free(struct burnfs *b, struct fs_dir *d);

/* fs_io.c: reads, writes, fsync, statfs */
void fs_io_read(fuse_req_t req, struct fs_handle *h, size_t size, off_t off);
void fs_io_write(fuse_req_t req, fuse_ino_t ino, struct fs_handle *h,
		 const char *buf, size_t size, off_t off);
int fs_io_fsync(struct burnfs *b, struct fs_handle *h, int datasync);
int fs_io_fallocate(struct burnfs *b, struct fs_handle *h, int mode,
		    off_t off, off_t len);
ssize_t fs_io_copy_range(struct burnfs *b, struct fs_handle *in, off_t off_in,
			 struct fs_handle *out, off_t off_out, size_t len,
			 int flags);
void fs_io_statfs(fuse_req_t req);
/* ENOSPC when growing a file of size `now` to `end` would not fit. */
int fs_check_space(struct burnfs *b, uint64_t now, uint64_t end);

/* fs_xattr.c */
void fs_xattr_get(fuse_req_t req, fuse_ino_t ino, const char *name,
		  size_t size);
void fs_xattr_list(fuse_req_t req, fuse_ino_t ino, size_t size);
int fs_xattr_set(struct burnfs *b, fuse_ino_t ino, const char *name,
		 const char *value, size_t size, int flags);
int fs_xattr_remove(struct burnfs *b, fuse_ino_t ino, const char *name);

/* fs_notify.c: a thread that tells the kernel what changed without its
 * asking — the names the stage queued, and sessions/ after a command. The
 * kernel may wait for inode locks that requests in flight hold, so no
 * request handler sends a name's invalidation itself (an inode's
 * attributes alone take no such lock: fs_xattr.c). */
int fs_notify_start(struct burnfs *b);
void fs_notify_stop(struct burnfs *b);
/* A command ended: look at the sessions list again and tell the kernel
 * what the stage queued; wait (at most FS_NOTIFY_SYNC_MAX_S) until it was
 * told all that was queued before the call. Holding no lock. */
#define FS_NOTIFY_SYNC_MAX_S 10
void fs_notify_sync(struct burnfs *b);

/* fs_release.c: before a commit (control's release hook, on the job's
 * thread; arg is the struct burnfs) the kernel is told to drop the clean
 * folders it holds, on a thread beside the commit; nothing on a small
 * tree or with a mount beneath. fs_release_join waits for that thread
 * (the job's runner, when the job ended). */
void fs_release_start(void *arg);
void fs_release_join(struct burnfs *b);

/* fs_control.c: the jobs' runner goes through the notifier (call once
 * control exists: the init request). */
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
int fs_wait_read(fuse_req_t req, struct burnfs *b, struct fs_handle *h);

/* loop.c: serve requests until unmount; 0 or -1. A few threads read
 * /dev/fuse; a handler about to block hands the reading to another thread
 * first (fs_loop_yield). */
int fs_loop_run(struct fuse_session *se);
void fs_loop_yield(void);
/* The request buffer `inside` points into, given away by the reading
 * thread (which takes another): base to hand to fs_loop_give_back once
 * done with, NULL if `inside` is not in this thread's buffer. Saves
 * copying big writes that are finished later. */
void *fs_loop_take_buffer(const void *inside);
void fs_loop_give_back(void *base);
/* The WRITE being served carries FUSE_WRITE_KILL_SUIDGID: the writer has
 * no CAP_FSETID and wrote through a direct-I/O handle, where the kernel
 * leaves killing the set-user-ID bits to the file system. libfuse 3.14
 * does not pass the write's flags on, so the loop reads them. */
bool fs_loop_write_kills(void);

/* The operations table (fs_ops.c). */
extern const struct fuse_lowlevel_ops fs_ops;

#endif
