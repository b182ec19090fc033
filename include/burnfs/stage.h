/* stage.h — the staging overlay: the tree the disc will hold after the next
 * commit.
 *
 * Lower layer: an index of the newest session (read-only). Upper layer: the
 * pending changes, kept in the cache folder as
 *   CACHE/journal      append-only log of path-based operations (see below)
 *   CACHE/data/ID      one local file per staged file content
 *   CACHE/spare/ID     emptied data files kept for reuse
 *   CACHE/lock         flock'ed while mounted (a second stage_open fails EBUSY)
 * (CACHE/disc and CACHE/settings belong to the cache folder's owner,
 * cache.h.) In memory the stage keeps one merged tree (lower nodes with the
 * upper changes applied). Every change made through this API is written
 * ahead: checked, appended to the journal, and only then applied to the
 * tree, before the call returns; a call that fails (the cache disk full or
 * failing, the cache folder removed: -ENOSPC, -EIO) leaves no trace in the
 * tree or the journal. So a kill -9 of the daemon loses nothing that was
 * written and closed: stage_open() replays the journal on top of the lower
 * index. Journal records name paths in the merged view, never lower ids, so
 * the same records replay on top of a newer session too (that is how a
 * commit rebases the changes made during it). The cache folder and what is
 * in it must belong to the daemon's user and be writable by nobody else
 * (-EPERM otherwise).
 *
 * Renames of disc entries and metadata-only changes record where an entry
 * came from (its lower id) and copy no data; a disc file's content is copied
 * into CACHE/data only when it is opened for writing with data change
 * (write, truncate). Deleted disc entries simply vanish from the merged tree;
 * pending listings compare the tree with the lower index.
 *
 * Two ways in: by inode (struct stage_node, what the FUSE glue uses, below)
 * and by path (the unit tests, "staging paths" relative to staging/: "/" is
 * the staging root, "/a/b" an entry). Both end in the same records. Paths
 * have no length limit of their own.
 *
 * Every call returns 0 (or a count) or -errno. The stage lock guards the
 * tree, the journal and the statistics; every call takes it internally, so
 * callers hold no lock. The write-behind queue, the reaper's queue and the
 * spare files' list have locks of their own, taken under it or alone, never
 * around it (docs/ARCHITECTURE.md lists every lock and its order).
 *
 * Names: everything here starts with stage_; so do the helpers the stage's
 * own files share (src/stage/stage_priv.h), which are no API. Every call in
 * this header takes the stage lock itself. Two suffixes say more, here and
 * in the rest of burnfs: _locked, the caller holds the lock the function
 * needs; _dropping_lock, the caller holds it and the function lets go of it
 * for a while (to copy from the disc) and takes it back before it returns,
 * so whatever the caller looked up under the lock may have changed.
 * Names longer than 255 bytes fail with -ENAMETOOLONG. What a disc cannot
 * hold is refused by the call that would make it: symlink targets (see
 * stage_symlink), xattrs outside user.*, trusted.*, security.* and the two
 * POSIX ACL names (-ENOTSUP), xattr lists a disc could not load back
 * (-ENOSPC), a size beyond STAGE_FILE_SIZE_MAX (-EFBIG). Times are kept
 * within what Rock Ridge records (1900-2155).
 */
#ifndef BURNFS_STAGE_H
#define BURNFS_STAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

struct index;
struct stage;
struct stage_file;

/* The largest file a disc can ever hold. libburn addresses at most
 * 0x7ffffff0 blocks of 2048 bytes on any medium (4 TiB - 32 KiB: its cap
 * for image files and block devices, far above any optical disc), and a
 * session needs some of them besides the file: 32 blocks before the first
 * session, 16 of system area, its volume descriptors, path tables and
 * folders. ISO 9660 level 3 splits bigger files into extents below 4 GiB,
 * so the block count is the only limit. Bigger is -EFBIG, as a local file
 * system says for a size past its own limit; what fits the format but not
 * the medium is -ENOSPC (the glue's space check). */
#define STAGE_FILE_SIZE_MAX ((0x7ffffff0ULL - 64) * 2048)

/* Open (create if missing) the cache folder `cache_dir` and replay its
 * journal on top of `lower` (the stage takes its own reference).
 * `readonly`: every change fails with -EROFS (closed or unwritable medium).
 * Replay rules: records after the last FREEZE record whose base differs
 * from lower's session start are those of a commit that landed: see
 * stage_commit_done(). Records that no longer apply are skipped with a log
 * line. Returns 0, -EBUSY (cache locked by another mount) or -errno. */
int stage_open(struct stage **out, const char *cache_dir, struct index *lower);
void stage_close(struct stage *st);
void stage_set_readonly(struct stage *st, bool readonly, const char *why);

/* --- the cache folder --- */

/* Does the cache folder's journal hold staged changes (records other than
 * its base and commit marks)? 1, 0 (none, or no journal), or -errno. Reads
 * without opening a stage, so without its lock. */
int stage_cache_has_changes(const char *cache_dir);
/* The cache folder, absolute; valid until stage_close. */
const char *stage_cache_path(const struct stage *st);
/* The cache folder was removed under the mount: every change fails with
 * -EIO until the next mount. */
bool stage_cache_lost(struct stage *st);
/* Bytes of the journal found unreadable at open (0: none); *missing: the
 * journal was gone while data files were there; *rescued: how many data
 * files went to CACHE/lost+found then. */
uint64_t stage_journal_damage(struct stage *st, bool *missing, size_t *rescued);
/* Staged files whose data file lost bytes between mounts (reads and
 * commits of them fail with EIO); *first (malloc'ed, may stay NULL) names
 * one. */
size_t stage_lost_count(struct stage *st, char **first);
/* fn(ctx) is called after a commit landed (stage_commit_done) or the disc
 * was blanked (stage_rebase), without the stage lock, on their thread:
 * the owner of the cache folder records the disc's new identity there. */
typedef void (*stage_rebased_fn)(void *ctx);
void stage_on_rebase(struct stage *st, stage_rebased_fn fn, void *ctx);

/* --- the filesystem operations (FUSE glue calls these) --- */
int stage_getattr(struct stage *st, const char *path, struct stat *stbuf);
int stage_readlink(struct stage *st, const char *path, char *buf, size_t size);
int stage_mknod(struct stage *st, const char *path, mode_t mode, dev_t rdev,
		uid_t uid, gid_t gid);
int stage_mkdir(struct stage *st, const char *path, mode_t mode, uid_t uid,
		gid_t gid);
int stage_unlink(struct stage *st, const char *path);
int stage_rmdir(struct stage *st, const char *path);
/* -ENAMETOOLONG: a target of 1024 bytes or more, or with a component of
 * more than 255 (libisofs reads no longer ones back); -EINVAL: a target
 * ending in one '/' after a name (Rock Ridge drops that slash). */
int stage_symlink(struct stage *st, const char *target, const char *path,
		  uid_t uid, gid_t gid);
/* flags: 0, RENAME_NOREPLACE or RENAME_EXCHANGE (linux/fs.h values). */
int stage_rename(struct stage *st, const char *from, const char *to,
		 unsigned int flags);
int stage_link(struct stage *st, const char *from, const char *to);
int stage_chmod(struct stage *st, const char *path, mode_t mode);
/* (uid_t)-1 / (gid_t)-1 leave that id alone. */
int stage_chown(struct stage *st, const char *path, uid_t uid, gid_t gid);
/* tv[0] atime, tv[1] mtime; UTIME_NOW and UTIME_OMIT as in utimensat(). */
int stage_utimens(struct stage *st, const char *path,
		  const struct timespec tv[2]);
int stage_truncate(struct stage *st, const char *path, off_t size);

/* Open files. A handle stays valid when its path is renamed or unlinked
 * (operations then go to the same file). flags: the open(2) flags; O_TRUNC is
 * honoured. stage_create makes a regular file (O_EXCL honoured). */
int stage_open_file(struct stage *st, const char *path, int flags,
		    struct stage_file **out);
int stage_create(struct stage *st, const char *path, mode_t mode, uid_t uid,
		 gid_t gid, int flags, struct stage_file **out);
ssize_t stage_read(struct stage *st, struct stage_file *f, void *buf,
		   size_t size, off_t off);
ssize_t stage_write(struct stage *st, struct stage_file *f, const void *buf,
		    size_t size, off_t off);
/* stage_write of bytes inside a buffer the stage takes over: release(base)
 * once they are written, perhaps later, perhaps on another thread. */
ssize_t stage_write_owned(struct stage *st, struct stage_file *f,
			  const void *buf, size_t size, off_t off,
			  void (*release)(void *base), void *base);
int stage_ftruncate(struct stage *st, struct stage_file *f, off_t size);
/* fallocate(2) with mode 0, FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE or
 * FALLOC_FL_ZERO_RANGE (others: -EOPNOTSUPP), as ext4 does it; the
 * medium's room is the caller's to check. */
int stage_fallocate(struct stage *st, struct stage_file *f, int mode,
		    off_t off, off_t len);
/* copy_file_range of all of in (a file whose bytes are the disc's) into
 * out (a new, empty file), both from offset 0: out then refers to the
 * same disc entry, as a restored file does, and no byte is copied.
 * Returns the bytes "copied" (in's size); -EOPNOTSUPP for any other copy
 * (the caller copies the bytes itself); -errno. */
ssize_t stage_share(struct stage *st, struct stage_file *in, off_t off_in,
		    struct stage_file *out, off_t off_out, size_t len);
/* stage_share from entry id of a session's index (a file of sessions/N):
 * out then refers to it, as a restored file does. */
ssize_t stage_share_entry(struct stage *st, struct index *src, uint32_t id,
			  off_t off_in, struct stage_file *out, off_t off_out,
			  size_t len);
/* What stage_fallocate refuses before it looks at the file: -EOPNOTSUPP
 * (a mode ext4 refuses or burnfs does not do), -EINVAL, -EFBIG (past what
 * a disc holds); 0 otherwise. */
int stage_fallocate_check(int mode, off_t off, off_t len);
int stage_fgetattr(struct stage *st, struct stage_file *f, struct stat *stbuf);
int stage_fsync(struct stage *st, struct stage_file *f, int datasync);
/* True while the file's bytes are still read from the disc: reading it,
 * or the first write (which copies it into the cache), touches the disc. */
bool stage_file_on_disc(struct stage *st, const struct stage_file *f);
/* At close(2) (FUSE's flush, which close waits for, unlike release): the
 * writes still queued behind reach the cache file and the file's size and
 * times the journal, so a daemon killed right after a close loses
 * nothing of what was closed. */
int stage_flush(struct stage *st, struct stage_file *f);
/* Records the file's final size and times in the journal if it was
 * written since the last flush, then frees the handle. */
int stage_release(struct stage *st, struct stage_file *f);

/* Calls fill for every entry (not "." and "..") until it returns non-zero. */
typedef int (*stage_fill_fn)(void *ctx, const char *name,
			     const struct stat *stbuf);
int stage_readdir(struct stage *st, const char *path, stage_fill_fn fill,
		  void *ctx);

/* xattrs: flags XATTR_CREATE / XATTR_REPLACE; get/list follow getxattr(2)
 * (size 0 asks for the needed size; -ERANGE when too small). ACLs come and
 * go as the values of system.posix_acl_access/_default (Linux's xattr
 * form); setting an access ACL sets the group bits from its mask, chmod
 * sets the ACL's bits, and an ACL that says no more than the mode is kept
 * as the mode alone, as on a local file system. set: -ENOTSUP (namespace,
 * or an ACL on a symlink), -EINVAL (a malformed ACL), -EACCES (a default
 * ACL on a non-folder), -E2BIG (value over 64 KiB), -ENOSPC (the entry's
 * xattrs would no longer load from a disc, or list in 64 KiB). */
int stage_setxattr(struct stage *st, const char *path, const char *name,
		   const void *value, size_t size, int flags);
ssize_t stage_getxattr(struct stage *st, const char *path, const char *name,
		       void *value, size_t size);
ssize_t stage_listxattr(struct stage *st, const char *path, char *list,
			size_t size);
int stage_removexattr(struct stage *st, const char *path, const char *name);

/* --- the inode API (the FUSE glue's) ---
 *
 * A stage_node is one file object of the merged tree, an inode: hard links
 * are one node with several names. Every call that fills a struct
 * stage_entry counts one lookup on its node — the kernel's reference, as
 * FUSE counts them — and stage_forget drops lookups. A node stays valid
 * while it has lookups, names or open files, also after unlink, discard or
 * blank took its last name: calls on it then work as on an unlinked open
 * file (nlink 0, changes not journaled: nothing would replay them), and
 * creating in a removed folder fails with -ENOENT. Every call costs the
 * same whatever the size of the folder or of the hard-link family. The
 * calls check and journal exactly as their path counterparts above do
 * (same limits, same errors; a change is journalled before it shows). */
struct stage_node;

struct stage_entry {
	struct stage_node *node;
	uint64_t generation;   /* with the node's address: unique per mount */
	struct stat attr;      /* st_ino is unique among the stage's nodes;
				  a disc entry keeps the disc's number */
};

/* The staging root; counts a lookup. */
int stage_root(struct stage *st, struct stage_entry *out);
int stage_lookup(struct stage *st, struct stage_node *dir, const char *name,
		 struct stage_entry *out);
/* Drop nlookup lookups; a node without lookups, names and open files
 * goes. A folder forgotten so gives its disc entries back to the lower
 * index when nobody changed them (they are made again, the same, at the
 * next lookup). */
void stage_forget(struct stage *st, struct stage_node *n, uint64_t nlookup);
struct stage_forget {
	struct stage_node *node;
	uint64_t nlookup;
};
void stage_forget_many(struct stage *st, const struct stage_forget *v,
		       size_t count);

int stage_node_getattr(struct stage *st, struct stage_node *n,
		       struct stat *out);
/* What stage_node_setattr changes: a size (truncate) and attributes, in
 * one call as FUSE's setattr brings them. Times with tv_nsec UTIME_NOW
 * take the current time. */
enum {
	STAGE_SET_MODE = 1 << 0, STAGE_SET_UID = 1 << 1, STAGE_SET_GID = 1 << 2,
	STAGE_SET_SIZE = 1 << 3, STAGE_SET_ATIME = 1 << 4,
	STAGE_SET_MTIME = 1 << 5, STAGE_SET_CTIME = 1 << 6, /* alone: ctime */
};
struct stage_attr {
	unsigned int valid;    /* STAGE_SET_* */
	mode_t mode;           /* permission bits only */
	uid_t uid;
	gid_t gid;
	off_t size;
	struct timespec atime, mtime;
};
/* *out: the attributes afterwards. */
int stage_node_setattr(struct stage *st, struct stage_node *n,
		       const struct stage_attr *a, struct stat *out);
/* The symlink target, cut to size - 1 bytes and NUL-terminated. */
int stage_node_readlink(struct stage *st, struct stage_node *n, char *buf,
			size_t size);
/* New entries in a set-group-ID folder take its group (and folders its
 * set-group-ID bit), as on ext4. */
int stage_node_mknod(struct stage *st, struct stage_node *dir,
		     const char *name, mode_t mode, dev_t rdev, uid_t uid,
		     gid_t gid, struct stage_entry *out);
int stage_node_mkdir(struct stage *st, struct stage_node *dir,
		     const char *name, mode_t mode, uid_t uid, gid_t gid,
		     struct stage_entry *out);
int stage_node_symlink(struct stage *st, struct stage_node *dir,
		       const char *name, const char *target, uid_t uid,
		       gid_t gid, struct stage_entry *out);
/* A new name for n; *out is n with its new link count. */
int stage_node_link(struct stage *st, struct stage_node *n,
		    struct stage_node *dir, const char *name,
		    struct stage_entry *out);
int stage_node_unlink(struct stage *st, struct stage_node *dir,
		      const char *name);
int stage_node_rmdir(struct stage *st, struct stage_node *dir,
		     const char *name);
/* flags: 0, RENAME_NOREPLACE or RENAME_EXCHANGE. */
int stage_node_rename(struct stage *st, struct stage_node *dir,
		      const char *name, struct stage_node *newdir,
		      const char *newname, unsigned int flags);
/* Open n (flags as open(2); O_TRUNC empties it). */
int stage_node_open(struct stage *st, struct stage_node *n, int flags,
		    struct stage_file **out);
/* Open name in dir, made as an empty regular file when missing (O_EXCL
 * honoured); *out names what was opened. */
int stage_node_create(struct stage *st, struct stage_node *dir,
		      const char *name, mode_t mode, uid_t uid, gid_t gid,
		      int flags, struct stage_entry *out,
		      struct stage_file **file);
/* The node an open file belongs to (valid while the file is open). */
struct stage_node *stage_file_node(const struct stage_file *f);
/* Flush the journal to the disk (fsync of a folder). */
int stage_sync(struct stage *st);

/* A folder's entries, sorted by name, as they were when listed. */
struct stage_list;
int stage_node_list(struct stage *st, struct stage_node *dir,
		    struct stage_list **out);
size_t stage_list_count(const struct stage_list *l);
/* st_ino of the folder's parent; 0 for the staging root. */
uint64_t stage_list_parent_ino(const struct stage_list *l);
const char *stage_list_name(const struct stage_list *l, size_t i);
/* Entry i's node and attributes; counts a lookup only when `lookup`
 * (out->node is valid while the list is). */
int stage_list_entry(struct stage *st, const struct stage_list *l, size_t i,
		     bool lookup, struct stage_entry *out);
void stage_list_free(struct stage *st, struct stage_list *l);

int stage_node_setxattr(struct stage *st, struct stage_node *n,
			const char *name, const void *value, size_t size,
			int flags);
ssize_t stage_node_getxattr(struct stage *st, struct stage_node *n,
			    const char *name, void *value, size_t size);
ssize_t stage_node_listxattr(struct stage *st, struct stage_node *n,
			     char *list, size_t size);
int stage_node_removexattr(struct stage *st, struct stage_node *n,
			   const char *name);

/* What the kernel may cache that changed without its asking (discard,
 * blank, restore, a commit that found another disc): the stage queues each
 * name that no longer stands for the node it had (or for no node) in a
 * folder the kernel knows, and each node the kernel knows whose attributes or
 * content changed, and calls wake (under the stage lock: it must only
 * signal). Changes made through this API are not queued: the kernel made
 * them and knows. */
void stage_set_inval_wake(struct stage *st, void (*wake)(void *ctx),
			  void *ctx);
/* name in folder node; node NULL: the staging root itself was replaced;
 * name NULL: node's own attributes and content changed. */
typedef void (*stage_inval_fn)(void *ctx, struct stage_node *node,
			       const char *name);
/* Hand every queued name to fn, without the stage lock held. */
void stage_take_invals(struct stage *st, stage_inval_fn fn, void *ctx);

/* Before a commit (release.c): when the stage holds at least
 * BURNFS_RELEASE_MIN nodes (100,000), queue the names of the top-most
 * folders the kernel knows that hold nothing staged, so that the kernel
 * drops them and their entries go back to the index as it forgets them;
 * busy (nbusy staging paths, "/a/b") are folders processes work in: not
 * dropped, their clean folders beneath are. Returns how many names were
 * queued; *paths (malloc'ed, each path too; NULL when none) says which.
 * The caller has them sent, calls stage_release_settle, then looks each
 * path up again through the mount (a process that moved into one
 * meanwhile needs its name back). */
size_t stage_release_cached(struct stage *st, const char *const *busy,
			    size_t nbusy, char ***paths);
/* Whether the stage holds enough nodes for stage_release_cached to do
 * anything: the caller need not look for working folders otherwise. */
bool stage_release_wanted(struct stage *st);
/* Wait (at most 2 s) until the kernel's forgets stop coming. */
void stage_release_settle(struct stage *st);

/* --- restoring from older sessions (restore.c) --- */

/* The index of session n (1 = oldest) for replaying restores recorded in
 * the journal: 0 and a new reference in *out, or -errno. */
typedef int (*stage_session_fn)(void *ctx, int n, struct index **out);
/* Process-wide; set before stage_open so that its replay finds the
 * sessions. Without one, recorded restores are skipped with a log line. */
void stage_set_session_provider(stage_session_fn fn, void *ctx);
/* Bring `from` of session `src` (its index; the stage takes references)
 * back as `to`, with everything below it: attributes and xattrs as the
 * session recorded them, content read from the session's extents and
 * never copied into the cache (the commit reuses the extents). Without
 * as_new, what stands at `to` is replaced (as rm -r would); with as_new
 * `to` must be free. Journaled as one record: pending shows
 * "S N:/from -> /to". -ENOENT: `from` not in the session, or the folder of
 * `to` missing; -EEXIST: as_new and `to` exists; -ENOTDIR; -EINVAL: `to`
 * is "/"; -EROFS. */
int stage_restore(struct stage *st, struct index *src, const char *from,
		  const char *to, bool as_new);

/* --- pending changes --- */
struct stage_stats {
	uint64_t pending_bytes;   /* content bytes the next session must write */
	uint64_t pending_entries; /* lines of stage_pending_text() */
	uint64_t tree_entries;    /* entries in the merged tree */
	uint64_t pending_blocks;  /* pending_bytes, each file rounded up to
				     2048-byte blocks, in bytes */
	uint64_t meta_bytes;      /* the tree's directory records and the
				     like: stage_entry_cost of every entry */
};
/* What one entry costs every session in directory records, Rock Ridge and
 * AAIP fields, Joliet records, path tables and the MD5 array (a session
 * rewrites the records of the whole tree): a conservative estimate from
 * sessions libisofs wrote for trees of many entries. namelen: the name's
 * bytes; linklen: a symlink's target; xattr_bytes: names and values of
 * its n_xattrs xattrs. */
uint64_t stage_entry_cost(mode_t mode, size_t namelen, size_t linklen,
			  size_t xattr_bytes, uint32_t n_xattrs);
/* Exact, by a walk of the whole tree (cached until the next change). */
void stage_get_stats(struct stage *st, struct stage_stats *out);
/* The same without a walk: pending_bytes, pending_blocks, tree_entries
 * and meta_bytes as each change left them; pending_entries as the last
 * walk counted it. For checks that run while writes arrive. Takes the
 * stage lock (without waiting for writes finishing in the background). */
void stage_get_space(struct stage *st, struct stage_stats *out);
/* Start the stage's background thread that hashes closed files (the
 * others start at their first use). Call once the process is what it
 * stays: threads do not survive a daemon's fork. 0 or -errno (then the
 * commit hashes those files itself). */
int stage_start_threads(struct stage *st);
/* Closed files whose MD5 is still to be taken in the background (the
 * commit hashes those itself). Takes the stage lock. */
size_t stage_hash_queued(struct stage *st);
/* Nodes the merged tree holds in memory: what the kernel has looked up,
 * what changed, and the entries of folders listed and not forgotten yet
 * (trim.c). Takes the stage lock. */
size_t stage_node_count(struct stage *st);
/* Sorted by path, one per line: "A path", "M path", "D path",
 * "R old -> new", "S N:/path -> new" (restored from session N). *out is malloc'ed, NUL-terminated; caller frees. */
int stage_pending_text(struct stage *st, char **out, size_t *len);
/* Drop every pending change (journal emptied, data files removed). With
 * `lower` non-NULL the stage then shows that session (the disc changed
 * under the stage); NULL keeps the current lower layer. */
int stage_discard(struct stage *st, struct index *lower);
/* A new reference to the lower index the stage's changes apply to. */
struct index *stage_lower(struct stage *st);
/* Before a blank: 0 when stage_rebase would keep every staged change, else
 * -EBUSY and a sentence in why naming the disc files whose staged changes
 * (rename, chmod, chown, touch, xattrs, another hard link) a blank would
 * drop, because their content is only on the disc. Deep paths are looked
 * at too (-ENOMEM, with a sentence, when there is no memory for one). */
int stage_blank_check(struct stage *st, char *why, size_t size);
/* The disc was blanked: the lower layer becomes `lower` (empty). What has
 * its whole content in the stage stays pending as new entries, with the
 * folders that hold it: entries created in staging/, disc files whose
 * content was copied into the cache (written, truncated), edited disc
 * folders, symlinks, devices and empty files. Unchanged disc entries
 * vanish, and so do (with a log line) the staged changes that
 * stage_blank_check names. */
int stage_rebase(struct stage *st, struct index *lower);

/* --- commit support (called by the burn worker) --- */

/* An immutable copy of the merged tree for the burn to walk without the
 * stage lock. Node `key`s are equal exactly for hard links of one file. */
struct snap_xattr {
	const char *name;
	const char *value;
	uint32_t len;
};

struct snap_node {
	const char *name;       /* "" for the root */
	mode_t mode;            /* with type bits */
	uid_t uid;
	gid_t gid;
	dev_t rdev;
	struct timespec atime, mtime, ctime;
	uint64_t size;
	uint64_t key;           /* same key = same file (hard links) */
	uint32_t origin;        /* lower index id this entry came from, or
				   IDX_NONE for a new entry */
	bool data_changed;      /* regular files: content is in data_path, not
				   in the origin's extents */
	const char *data_path;  /* absolute path of the frozen cache file */
	/* regular files restored from an older session and not written
	 * since: their content is entry rid of that session's index (held
	 * by the stage while the snapshot lives); else NULL */
	const struct index *rsrc;
	uint32_t rid;
	uint32_t nlink;         /* names of this file (same key) */
	const char *link;       /* symlink target */
	uint32_t n_xattrs;
	const struct snap_xattr *xattrs;
	uint32_t n_children;
	struct snap_node **children;  /* sorted by name */
	/* a folder nothing beneath was changed or even looked at: its whole
	 * subtree is its origin's on the snapshot's lower index, and it has
	 * no children here (stage_snap_expand makes them when asked) */
	bool clean;
	/* a clean folder the stage had listed: digest is what the stage
	 * showed beneath it (stage_digest_index of the written session must
	 * give the same) */
	bool has_digest;
	uint64_t digest;
};

struct stage_snapshot {
	struct snap_node *root;
	uint64_t pending_entries;  /* 0: nothing to burn */
	uint64_t pending_bytes;
	uint32_t base_lba;         /* lower session start it applies to */
	const struct index *lower; /* what origins name (held while it lives) */
};

/* Freeze the upper layer: append FREEZE to the journal, mark every data file
 * frozen (a later write to it copies it to a new data file first; a later
 * unlink only forgets it) and return a deep copy of the merged tree.
 * Changes made after this belong to the next session. */
int stage_freeze(struct stage *st, struct stage_snapshot **out);
/* The burn landed: `new_lower` is the index of the session just written.
 * The stage rebuilds its tree as new_lower + the journal records made after
 * the freeze, rewrites the journal with only those (atomically, tmp+rename),
 * deletes frozen data files nothing refers to any more, and frees snap. */
int stage_commit_done(struct stage *st, struct stage_snapshot *snap,
		      struct index *new_lower);
/* Out of memory, stage_commit_done leaves the stage frozen and its rebase
 * owed; every command calls this first to finish it. 0 when nothing is
 * owed any more, else the error again (-ENOMEM). */
int stage_take_owed(struct stage *st);
/* The burn failed or was cancelled: unfreeze; every change stays pending. */
void stage_commit_failed(struct stage *st, struct stage_snapshot *snap);
void stage_snapshot_free(struct stage_snapshot *snap);
/* The children of a clean folder of snap, made from its lower index as
 * the snapshot would have held them (sorted by name; their folders clean
 * in turn), in memory *mem owns: free it with stage_snap_expand_free once
 * *kids is no longer used. Strings point into the lower index. Needs no
 * lock. 0 or -ENOMEM. */
int stage_snap_expand(const struct stage_snapshot *snap,
		      const struct snap_node *dir, struct snap_node ***kids,
		      uint32_t *n, void **mem);
void stage_snap_expand_free(void *mem);
/* A digest of all beneath folder dir of idx: names, types, modes, owners,
 * devices, sizes, times (seconds), symlink targets, xattrs; the order of
 * entries does not count. What a snapshot's has_digest folder held. */
uint64_t stage_digest_index(const struct index *idx, uint32_t dir);
/* The data files a commit freed are deleted in the background (a burst of
 * deletes is slow on ext4 and slows the creates after it); this waits until
 * they are gone. stage_close waits too. */
void stage_settle(struct stage *st);

#endif
