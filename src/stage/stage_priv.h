/* stage_priv.h — the staging overlay's private structures, shared by the
 * files of src/stage only.
 *
 * The merged tree: an `snode` is a file object (inode); an `sdentry` names it
 * inside a directory. Hard links are one snode with several sdentries. Lower
 * directories are materialised lazily: their children get sdentries the first
 * time the directory is searched, so mounting a big disc costs nothing.
 * All fields are guarded by stage->lock unless said otherwise.
 *
 * The helpers declared here are global symbols, so they carry the stage's
 * prefix as its API does (stage_<part>_..., stage_node_... for snodes);
 * what only one file uses is static there. stage.h says what the _locked
 * and _dropping_lock suffixes mean.
 */
#ifndef BURNFS_STAGE_PRIV_H
#define BURNFS_STAGE_PRIV_H

#include <dirent.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "burnfs/index.h"
#include "burnfs/stage.h"

#define STAGE_NAME_MAX 255
/* The longest symlink target the kernel passes (PATH_MAX with its NUL).
 * Paths inside staging have no limit of their own: they are built in
 * buffers of their length (stage_node_path_dup). */
#define STAGE_PATH_MAX 4096
/* Inode numbers of new nodes live above any the disc gives (a Rock Ridge
 * number is 32-bit, an index id + 1 + 2^32 below 2^33) and below 2^40,
 * the room the FUSE glue leaves each tree of the mount. */
#define STAGE_INO_BASE (1ULL << 36)

struct sxattr {
	char *name;
	char *value;
	uint32_t len;
};

struct xattrs {
	uint32_t n;
	struct sxattr *v; /* sorted by name */
};

struct sdentry;

struct snode {
	uint32_t origin;       /* lower id of content/attributes, or IDX_NONE */
	uint32_t nlink;        /* sdentries naming it */
	uint64_t asize;        /* content size in st->counts (counters.c) */
	uint32_t ref;          /* sdentries + handles + snapshots + lookups
				  (one for all of them) + queued invals */
	uint64_t nlookup;      /* the kernel's lookups (stage_forget) */
	struct snode *knext, *kprev; /* list of nodes with lookups */
	uint32_t nopen;        /* open handles */
	mode_t mode;
	uid_t uid;
	gid_t gid;
	dev_t rdev;
	struct timespec atime, mtime, ctime;
	uint64_t size;
	uint64_t ino;          /* unique among live nodes (st->inos) */
	uint64_t data_id;      /* 0: content is the origin's extents */
	char *link;            /* symlink target */
	struct xattrs *xa;     /* NULL: the origin's xattrs (none if new) */
	struct sdentry *aliases;
	int fd;                /* data file, open while handles need it */
	int wb_error;          /* a write behind failed (atomic) */
	uint32_t mark;         /* walk generation */
	bool materialized;     /* dirs: lower children have sdentries */
	bool in_snap;          /* referenced by the current snapshot */
	bool md5_clear;        /* the data file has no stored MD5 for sure */
	bool hash_wanted;      /* content changed since queued for hashing */
	/* directories */
	struct sdentry *children;
	uint32_t nchild;
	uint32_t nsubdir;
	/* list of nodes holding a data file */
	struct snode *dnext, *dprev;
	/* list of nodes with open handles (found even when unlinked) */
	struct snode *onext, *oprev;
	uint32_t snap_lower;   /* commit: new lower id of its freeze path */
	uint32_t cgen;         /* content changes so far (hasher.c) */
	/* restored from an older session (restore.c): content, until it is
	 * written, is entry rid of rsrc (a reference); NULL otherwise */
	struct index *rsrc;
	uint32_t rid;
	bool hqueued;          /* in the hasher's queue (holds a ref) */
	/* listed dirs, at a freeze: all beneath is the lower's (snapshot.c).
	 * In the padding: 256 bytes is a size class of the allocator, 264
	 * costs 320. */
	bool snap_clean;
	/* its data file lost bytes it had (lost.c): reads and commits fail
	 * with EIO until the content is replaced or the node removed */
	bool lost_bytes;
	/* dirs: a call set its times (JA_TIMES), which pending then
	 * compares with the disc's; an entry made or removed in it since
	 * (stage_node_touch_dir) moved them again, and clears it */
	bool times_set;
};
/* One node per entry a walk looked up: the next size class is 25% more. */
_Static_assert(sizeof(struct snode) <= 256, "struct snode outgrew 256 bytes");

struct sdentry {
	struct sdentry *hnext;              /* global (parent, name) hash */
	struct sdentry *sib_next, *sib_prev;
	struct sdentry *alias_next, *alias_prev; /* names of one node */
	struct snode *parent;               /* NULL for the root */
	struct snode *node;
	char *name;
	uint32_t hash;
	uint32_t lower;      /* lower entry this name came from, or IDX_NONE */
	uint32_t ref;        /* 1 while in the tree, +1 per snapshot */
	uint32_t snap_lower; /* commit: new lower id of its freeze path */
	bool dead;
	bool in_snap;
	char *rfrom;         /* root of a restore: "N:/path" it came from */
	uint64_t acost;      /* its cost in st->counts (counters.c) */
};

struct stage_file {
	struct snode *node;
	int flags;
	bool written;
};

struct reaper;
struct behind;
struct hasher;

/* What the kernel may cache that changed without its asking: name in
 * folder `node` (NULL: the staging root itself was replaced), or, with
 * `whole`, node's own attributes and content. */
struct sinval {
	struct sinval *next;
	struct snode *node;    /* holds a reference */
	bool whole;
	char name[];
};

/* spare.c: emptied data files kept for reuse (names only) */
struct spares {
	pthread_mutex_t lock;
	int dirfd;
	uint64_t *ids;
	size_t n, cap;
};

struct stage {
	pthread_mutex_t lock;
	struct reaper *reaper; /* deletes freed data files in the background */
	struct spares spares;
	struct behind *behind; /* big writes finished on a thread */
	struct hasher *hasher; /* MD5s of closed files (hasher.c), or NULL */
	struct index *lower;
	char *cache;           /* absolute path of the cache folder */
	int cache_fd, data_dir_fd, lock_fd, jfd;
	int alive_fd;          /* inotify watch of the cache folder (alive.c) */
	uint64_t jsize;        /* journal bytes */
	uint64_t jreserved;    /* journal bytes allocated ahead (fallocate) */
	bool jno_reserve;      /* the cache's file system cannot allocate ahead */
	bool jcut;             /* a failed append left bytes past jsize */
	bool jthaw;            /* a THAW record is owed (its append failed) */
	bool jrewrite;         /* the journal rewrite after a commit is owed */
	bool lost;             /* the cache folder was removed under the mount */
	uint64_t freeze_off;   /* journal offset after the FREEZE record */
	uint64_t jdamaged;     /* unreadable journal bytes found at open */
	bool jmissing;         /* there was no journal at open */
	struct lost_note *lnotes; /* replay: sizes J_ATTR recorded (lost.c) */
	size_t nlnotes, caplnotes;
	size_t jrescued;       /* data files moved to lost+found then */
	bool lost_marked;      /* a node got lost_bytes at open (lost.c) */
	bool frozen;
	bool test_clean_lax;   /* BURNFS_TEST_CLEAN_LAX=1: clean.c judges by
				  names only (tests of digest.c's guard) */
	bool test_no_falloc;   /* BURNFS_TEST_NO_FALLOCATE=1: the cache's file
				  system has no fallocate (falloc.c's
				  fallbacks) */
	uint64_t *frozen_ids;  /* sorted; data files the burn may read */
	size_t n_frozen;
	uint64_t next_id;
	uint64_t next_ino;
	bool readonly;
	bool replaying;        /* apply without journaling */
	bool closing;          /* freeing the tree keeps the data files */
	struct sdentry *root;
	struct sdentry **htab;
	size_t hsize, hcount;
	struct snode **inos;   /* open hash: ino -> live node */
	size_t isize, icount;
	struct snode *known;   /* nodes the kernel has looked up */
	size_t trimmed;        /* nodes given back since the last release */
	/* names the kernel may cache that changed without its request
	 * (discard, blank, restore, a changed disc): stage_take_invals */
	struct sinval *inval_head, **inval_tail;
	void (*inval_wake)(void *ctx);
	void *inval_ctx;
	bool quiet;            /* names removed now need no invalidation: the
				  kernel asked for the change, or they come
				  back as they were */
	struct snode **reuse;  /* stage_tree_revert: lower id -> node to take back */
	uint32_t nreuse;
	struct snode *data_nodes;
	struct snode *open_nodes;
	struct stage_snapshot *snap; /* the frozen snapshot, while a burn runs */
	struct index *owed_lower;    /* a landed session whose rebase ran out
					of memory: stage_take_owed tries again */
	int test_rebase_enomem;      /* BURNFS_TEST_REBASE_ENOMEM: rebases to fail */
	stage_rebased_fn rebased;    /* told after a commit or a blank */
	void *rebased_ctx;
	uint32_t markgen;
	uint64_t gen;          /* bumped on every change */
	uint64_t stats_gen;
	struct stage_stats stats;
	struct stage_stats counts; /* kept by each change (counters.c) */
	bool counts_stale;     /* a walk must set counts first */
};

/* counters.c: keep st->counts. added/removed: a name linked into or
 * taken out of the tree (removed before the node loses the link);
 * materialized: a lower entry given a name (counted already); node: after
 * n's size, content, xattrs or names changed; stale: after a change of
 * many entries, the next stage_get_space walks. The walk calls begin
 * before and end with its totals. Stage lock held. */
void stage_count_added(struct stage *st, struct sdentry *de);
void stage_count_removed(struct stage *st, struct sdentry *de);
void stage_count_materialized(struct stage *st, struct sdentry *de);
void stage_count_node(struct stage *st, struct snode *n);
void stage_count_stale(struct stage *st);
void stage_count_walk_begin(struct stage *st);
void stage_count_walk_end(struct stage *st, const struct stage_stats *s);

/* stage.c: call the stage_on_rebase function (stage lock not held). */
void stage_tell_rebased(struct stage *st);
/* The daemon's environment sets `name` to "1" (switches for tests and
 * measurements). */
bool stage_env_on(const char *name);

/* tree.c */
struct snode *stage_node_new(struct stage *st, mode_t mode);
/* Mode, owner, device, times and size of index entry ln onto n. */
void stage_node_take_lower_attrs(struct snode *n, const struct idx_node *ln);
void stage_node_unref(struct stage *st, struct snode *n);
int stage_tree_init(struct stage *st);
void stage_tree_free(struct stage *st);
int stage_dir_materialize(struct stage *st, struct snode *dir);
struct sdentry *stage_dir_find(struct stage *st, struct snode *dir, const char *name);
int stage_dir_lookup(struct stage *st, struct snode *dir, const char *name,
		     struct sdentry **out);
int stage_dentry_add(struct stage *st, struct snode *dir, const char *name,
		     struct snode *n, uint32_t lower, struct sdentry **out);
void stage_dentry_remove(struct stage *st, struct sdentry *de);
void stage_dentry_unmaterialize(struct stage *st, struct sdentry *de);
/* The inode-number and name hashes made smaller when mostly empty (after
 * trim.c gave many entries back); a failed allocation keeps them. */
void stage_tables_fit(struct stage *st);
/* The inode number stage_dir_materialize gives lower entry id. */
uint64_t stage_lower_ino(uint32_t id, const struct idx_node *ln);
/* trim.c: give dir's lower children back to the index when every one is
 * exactly as materializing made it and nothing holds it. Stage lock held. */
void stage_dir_trim(struct stage *st, struct snode *dir);
/* Whether enough nodes were given back since the last time to hand the
 * allocator's free pages back (after the stage lock is let go); if so,
 * the hashes are fitted to what is left first. */
bool stage_trim_take_release(struct stage *st);
void stage_alias_add(struct snode *n, struct sdentry *de);
void stage_alias_del(struct snode *n, struct sdentry *de);
void stage_dentry_unref(struct sdentry *de);
int stage_dentry_move(struct stage *st, struct sdentry *de, struct snode *dir,
		      const char *name);
bool stage_dentry_is_ancestor(const struct sdentry *anc, const struct snode *dir);
/* The staging path of a name ("/" for the root), malloc'ed in *out;
 * returns its length or -ENOMEM / -ENOENT (a name of a removed folder). */
int stage_node_path_dup(const struct sdentry *de, char **out);
/* The path of name in dir, malloc'ed; -ENOENT when dir was removed. */
int stage_child_path_dup(const struct stage *st, const struct snode *dir,
			 const char *name, char **out);
uint32_t stage_dir_nlink(const struct stage *st, const struct snode *n);
void stage_node_touch_dir(struct snode *dir, const struct timespec *ts);
int stage_link_lower_hardlinks(struct stage *st);

/* lookup.c: the kernel's references and what it must forget */
void stage_entry_fill(struct stage *st, struct snode *n, struct stage_entry *out);
void stage_known_drop_all(struct stage *st);
/* The kernel may cache name in dir for a node that no longer has it:
 * queue an invalidation (unless the kernel asked for the change). */
void stage_inval_name(struct stage *st, struct snode *dir, const char *name,
		      struct snode *was);
/* Whatever the kernel caches of name in dir it must drop: a name cached
 * as missing that now exists, or a name it need not keep (release.c: it
 * gives the inodes beneath back). Queued when the kernel knows dir. */
void stage_inval_dentry(struct stage *st, struct snode *dir, const char *name);
/* n's attributes or content changed without the kernel's asking. */
void stage_inval_node(struct stage *st, struct snode *n);

/* revert.c: discard in place (same lower): nodes from the disc stay */
int stage_tree_revert(struct stage *st);

/* path.c */
int stage_path_resolve(struct stage *st, const char *path, struct sdentry **out);
int stage_path_parent(struct stage *st, const char *path, struct snode **dir,
		      char name[STAGE_NAME_MAX + 1]);

/* data.c */
int stage_data_init(struct stage *st);
int stage_data_create(struct stage *st, uint64_t *id);
int stage_data_open(struct stage *st, uint64_t id, int flags);
void stage_data_delete(struct stage *st, uint64_t id);
int stage_data_path(const struct stage *st, uint64_t id, char *buf, size_t size);
bool stage_data_is_frozen(const struct stage *st, uint64_t id);
void stage_node_set_data(struct stage *st, struct snode *n, uint64_t id);
void stage_node_drop_data(struct stage *st, struct snode *n);
int stage_node_data_fd(struct stage *st, struct snode *n);
int stage_node_copy_up(struct stage *st, struct snode *n, bool keep_content);
/* n's bytes are still the disc's: reading it or its first write reads
 * the disc. */
static inline bool stage_node_on_disc(const struct snode *n)
{
	return !n->data_id && (n->origin != IDX_NONE || n->rsrc) && n->size > 0;
}
/* The index and id n's disc content is read from (the lower layer, or a
 * restored session's), or NULL when it has none. */
static inline struct index *stage_node_src(const struct stage *st,
					   const struct snode *n, uint32_t *id)
{
	*id = n->rsrc ? n->rid : n->origin;
	return n->rsrc ? n->rsrc : n->origin != IDX_NONE ? st->lower : NULL;
}
/* stage_node_copy_up of a disc file: the stage lock is held when it is
 * called and when it returns, but let go of while the bytes are copied. */
void stage_node_copy_up_dropping_lock(struct stage *st, struct snode *n);
void stage_data_gc(struct stage *st);
/* stage_data_gc, but the deleting is left to the reaper (commits). */
void stage_data_gc_later(struct stage *st);
/* After a damaged journal's replay: what no node refers to goes to
 * CACHE/lost+found instead (st->jrescued counts it). */
void stage_data_rescue(struct stage *st);

bool stage_data_parse_id(const char *s, uint64_t *id);
/* This user's alone (owner, not writable by group or others); a regular
 * file for stage_entry_owned (missing: fine). 0, or -EPERM with a log line. */
int stage_fd_owned(int fd, const char *what);
int stage_entry_owned(int dirfd, const char *what, const char *name);
/* CACHE/name, made if missing and opened: fd, or -errno. */
int stage_cache_subdir(struct stage *st, const char *name);
/* A DIR from the start of the folder open as dirfd (on a dup of it);
 * NULL with errno set. */
DIR *stage_dir_scan(int dirfd);

/* spare.c */
int stage_spare_init(struct stage *st, uint64_t *max);
void stage_spare_free(struct stage *st);
void stage_spare_retire(struct stage *st, int data_dirfd, uint64_t id);
int stage_spare_take(struct stage *st, uint64_t id);

/* behind.c */
/* A write's bytes; base (if set) is a buffer the write may keep, freed
 * with release; stage_behind_write sets base to NULL when it takes it. */
struct wsrc {
	const void *mem;
	void (*release)(void *base);
	void *base;
};
void stage_lock(struct stage *st);
int stage_behind_write(struct stage *st, struct snode *n, struct wsrc *src,
		       size_t len, off_t off);
void stage_behind_stop(struct stage *st);
/* A write of n that failed behind, once (0: none). */
int stage_behind_take_error(struct snode *n);

/* hasher.c: MD5s of written files taken after they are closed.
 * stage_hash_changed: n's content is about to change (n->fd open): bump
 * its cgen, remove a stored MD5; 0 or -errno (fail the change then).
 * stage_hash_closed: n's last handle is gone: queue it if it changed.
 * stage_hash_hurry: a commit froze the stage: hash what is queued at
 * normal priority too; stage_hash_calm: the commit ended. All with the
 * stage lock held; new and stop (stage_open/close) without it. */
int stage_hasher_new(struct stage *st);
void stage_hasher_stop(struct stage *st);
int stage_hash_changed(struct stage *st, struct snode *n);
void stage_hash_closed(struct stage *st, struct snode *n);
void stage_hash_hurry(struct stage *st);
void stage_hash_calm(struct stage *st);

/* reaper.c */
void stage_reaper_stop(struct stage *st);
void stage_reaper_add(struct stage *st, uint64_t id);

/* journal.c */
enum jop {
	J_BASE = 1, J_FREEZE, J_THAW, J_MKNOD, J_MKDIR, J_SYMLINK, J_LINK,
	J_UNLINK, J_RMDIR, J_RENAME, J_ATTR, J_SETDATA, J_SETXATTR,
	J_RMXATTR, J_RESTORE, J_SHARE,
};

/* J_ATTR flags: JA_SIZE, id holds the size of the node's data file then
 * (replay tells a data file that lost bytes from one that grew). */
#define JA_SIZE 1u
/* J_ATTR flags: JA_TIMES, a call set the times (utimensat), not only the
 * other attributes; a folder's times then count as a pending change. */
#define JA_TIMES 2u

struct jrec {
	uint32_t op;
	uint32_t mode, uid, gid, flags;
	uint64_t rdev, id;
	struct timespec ts, atime, mtime, ctime;
	const char *p1, *p2, *name;
	const void *val;
	uint32_t vlen;
};

int stage_journal_encode(const struct jrec *r, char **buf, size_t *len);
/* Decodes one record at buf[off..len): bytes used, 0 at a torn/bad tail. */
size_t stage_journal_decode(const char *buf, size_t len, struct jrec *r);
/* Append r at the journal's end (st->jsize). A failed append leaves no
 * bytes behind: they are cut off before anything else is appended, so a
 * torn record can only ever be the last one. stage_journal_append keeps
 * JOURNAL_KEEP bytes of allocated room free for what follows a data
 * change; stage_journal_append_reserved (those records, and FREEZE/THAW) may
 * use it. *start (when not NULL): where r begins, for a stage_journal_cut
 * that takes it back. -ENOSPC, -EIO (the cache folder is gone), -errno. */
int stage_journal_append(struct stage *st, const struct jrec *r,
			 uint64_t *start);
int stage_journal_append_reserved(struct stage *st, const struct jrec *r);
/* Take back what was appended from `end` on (an apply failed after all). */
void stage_journal_cut(struct stage *st, uint64_t end);
/* BASE names the lower it applies to: start lba and session number. */
int stage_journal_rewrite(struct stage *st, const char *tail, size_t tlen);
/* After a commit: BASE + the records made since the freeze. On failure
 * the rewrite is owed (st->jrewrite) and the old journal, which replays
 * the same, stays until an append manages it. */
int stage_journal_rewrite_tail(struct stage *st);
/* Empty the journal in place (discard): BASE of `lower` only. Works on a
 * full cache disk; a crash in between leaves an empty journal, which means
 * the same (nothing staged). */
int stage_journal_reset(struct stage *st, const struct index *lower);
int stage_journal_read(struct stage *st, char **buf, size_t *len);
/* write(2) until all of buf is written: 0 or -errno. */
int stage_write_all(int fd, const char *buf, size_t len);
int stage_journal_sync(struct stage *st);
/* 0 while the cache folder is there; -EIO (and a log line, once) when it
 * was removed under the mount: then every change fails. */
int stage_cache_alive(struct stage *st);
/* alive.c: the watch that makes stage_cache_alive cheap; without one
 * (inotify refused) every call looks at the descriptors. */
void stage_alive_watch(struct stage *st);
void stage_alive_unwatch(struct stage *st);
/* An error of the cache's file system as the staging call reports it:
 * -EROFS (it went read-only after I/O errors) is -EIO. */
int stage_cache_errno(int err);

/* change.c: the operations on the tree, shared by the API and replay */
int stage_apply_record(struct stage *st, const struct jrec *r,
		       struct sdentry **out);
/* r's attributes (J_ATTR) onto n, its access ACL following the mode; for
 * a node without names, which has nothing to journal. */
int stage_node_take_attrs(struct stage *st, struct snode *n, const struct jrec *r);
/* API side: check readonly, stamp, check, journal, apply (write-ahead). */
int stage_change(struct stage *st, struct jrec *r, struct sdentry **out);
/* ops.c: stage_change of r about n (which has a name), under n's first
 * name, as the kernel asked for it (its names need no invalidation);
 * stage_make_entry creates r's entry as name in dir. */
int stage_change_node(struct stage *st, struct snode *n, struct jrec *r);
int stage_make_entry(struct stage *st, struct snode *dir, const char *name,
		     struct jrec *r, struct sdentry **out);
/* Journal n's full attribute state (J_ATTR) under its first name. */
int stage_record_attr(struct stage *st, struct snode *n);
/* A J_ATTR about n carries n's content size when a data file holds it. */
void stage_attr_size(const struct snode *n, struct jrec *r);
/* Replay: remember a J_ATTR's size; at its end, mark the nodes whose data
 * file is shorter than last recorded (lost_bytes). */
void stage_lost_note(struct stage *st, const struct snode *n, const struct jrec *r);
void stage_lost_check(struct stage *st);
/* Journal that n's content is data file id from now on (J_SETDATA); the
 * caller makes it so only when this succeeds. */
int stage_record_setdata(struct stage *st, struct snode *n, uint64_t id);

/* restore.c: a J_RESTORE record (live with src given, replay with NULL:
 * the session comes from the provider) */
int stage_restore_apply(struct stage *st, const struct jrec *r, struct index *src,
			struct sdentry **out);
/* Whether a restored node differs from the session entry it came from. */
bool stage_restored_changed(const struct snode *n);
/* A commit wrote it: n no longer refers to its session. */
void stage_restored_forget(struct snode *n);
/* The session a replayed J_RESTORE or J_SHARE names (r->id, at start
 * block r->flags), referenced in *out: 0, -ENOENT, -ESTALE (the disc no
 * longer has it there). */
int stage_restore_source(const struct jrec *r, struct index **out);
/* prefix + the absolute path of idx's entry id, malloc'ed in *out: 0 or
 * -errno. */
int stage_index_path_dup(const struct index *idx, uint32_t id,
			 const char *prefix, char **out);

/* share.c: a J_SHARE record, replayed (the session from the provider) */
int stage_share_apply(struct stage *st, const struct jrec *r);

/* replay.c */
int stage_replay_journal(struct stage *st);

/* xattr.c */
const struct idx_xattr *stage_lower_xattrs(const struct stage *st,
					   const struct snode *n, uint32_t *count);
bool stage_xattrs_differ(const struct stage *st, const struct snode *n);
void stage_xattrs_free(struct xattrs *xa);
int stage_xattr_set(struct stage *st, struct snode *n, const char *name,
		    const void *value, size_t size, int flags);
int stage_xattr_remove(struct stage *st, struct snode *n, const char *name);
/* Would stage_xattr_set / stage_xattr_remove (remove) succeed? 0 or their -errno. */
int stage_xattr_check(const struct stage *st, const struct snode *n,
		      const char *name, size_t size, int flags, bool remove);

/* After n->mode changed: its access ACL takes the new owner, group (mask)
 * and other bits, as chmod does on Linux. 0 or -ENOMEM. */
int stage_xattr_follow_mode(struct stage *st, struct snode *n);

/* limits.c: what a disc holds, checked where changes enter */
/* 0, -ENAMETOOLONG or -EINVAL (see stage_symlink). */
int stage_limit_symlink_target(const char *target);
/* Clamp a time into what Rock Ridge records. */
void stage_limit_time(struct timespec *ts);

/* fileops.c */
int stage_node_truncate(struct stage *st, struct snode *n, uint64_t size);
/* n's content in a data file of its own, open in n->fd (a copy-up if it
 * is the disc's, with its bytes when keep): 0 or -errno. */
int stage_node_writable(struct stage *st, struct snode *n, bool keep);
/* No handle needs the data file any more: close n->fd. */
void stage_node_fd_idle(struct snode *n);

/* attr.c */
void stage_node_stat(const struct stage *st, const struct snode *n,
		     struct stat *sb);
void stage_now_ts(struct timespec *ts);

/* cost.c: stage_entry_cost of a lower entry, of a name in the tree */
uint64_t stage_lower_entry_cost(const struct idx_node *ln);
uint64_t stage_dentry_cost(const struct stage *st, const struct sdentry *de);

/* pending.c */
void stage_compute_stats(struct stage *st);
bool stage_node_changed(const struct stage *st, const struct snode *n);
/* A name from the lower layer (de->lower set) that is now elsewhere. */
bool stage_dentry_moved(const struct stage *st, const struct sdentry *de);

/* clean.c: mark dir and each listed folder beneath it clean (snap_clean)
 * when all beneath is the lower's, its folders clean in turn (bottom up,
 * every listed folder once); whether dir is. Stage lock held. */
bool stage_mark_clean(struct stage *st, struct snode *dir);
/* digest.c: stage_digest_index of what the stage shows beneath dir. */
uint64_t stage_digest_dir(const struct stage *st, const struct snode *dir);
/* snapshot.c */
void stage_snapshot_release(struct stage *st, struct stage_snapshot *snap);
/* Walk a snapshot: its node's live name (NULL for lower-only entries). */
struct sdentry *stage_snap_dentry(const struct snap_node *sn);
struct stage *stage_snapshot_owner(const struct stage_snapshot *snap);

/* dump.c: rewrite the journal as records that rebuild the current tree */
int stage_tree_dump_journal(struct stage *st);

/* Waits for the writes behind first (behind.c): all but stage_write and
 * the getattr family want the data files complete. */
#define STAGE_LOCK(st) stage_lock(st)
#define STAGE_LOCK_NODRAIN(st) pthread_mutex_lock(&(st)->lock)
#define STAGE_UNLOCK(st) pthread_mutex_unlock(&(st)->lock)

#endif
