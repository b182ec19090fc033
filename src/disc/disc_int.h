/* disc_int.h — helpers shared by the files of src/disc only; what the
 * image format and the jobs use is in include/burnfs/disc.h. */
#ifndef BURNFS_DISC_INT_H
#define BURNFS_DISC_INT_H

#include "disc/disc_priv.h"

/* Acquire flags. bit5/bit6: local files added by the burn bring no
 * ACL/xattr of their own: a staged file's xattrs come from the stage
 * snapshot, never from the cache file. Not bit2 (truncate the image to the
 * write start when a write begins): it also fires for a simulated or
 * cancelled write, which then resizes the image (seen: +16 KiB); a burn that
 * wants a stale tail dropped calls isoburn_set_truncate() itself. */
#define DISC_ACQ_IMAGE (32 | 64)
/* bit0: load the tray of a real drive. */
#define DISC_ACQ_DRIVE (1 | 32 | 64)
#define DISC_ACQ_REASSESS 256

static inline int disc_acq_flags(const struct disc *d)
{
	return (d->is_image ? DISC_ACQ_IMAGE : DISC_ACQ_DRIVE) | d->acq_extra;
}
/* bit4: no table of sessions on emulated media: the image is one session,
 * the one its header at block 16 describes. */
#define DISC_ACQ_NO_TOC 16
/* bit7|bit9: read-only, and the sessions found by scanning for their
 * headers from block 32 on, the header at block 16 not needed (it is
 * damaged). */
#define DISC_ACQ_SCAN (128 | 512)

/* lib.c: while on, library messages are logged as information at most
 * (disc_open: its refusal or facts.damage sum them up). */
void disc_msgs_opening(bool on);

/* facts.c: read the medium's facts from the libraries (lib_lock held). The
 * caller sets media/closed_reason from the closed marker afterwards. */
int disc_read_facts_locked(struct disc *d, struct disc_facts *f);
/* Apply a damaged layout (facts.damage), a damaged session table or the
 * note of why an older session is shown to freshly read facts: CLOSED
 * with the reason. */
void disc_facts_apply_damage(struct disc_facts *f, const char *scan_note,
			     const char *load_note);
/* facts.c: where a session of the TOC starts and how long it is (the
 * emulated track of an image, else the session's tracks). */
void disc_toc_session_extent(struct isoburn_toc_session *s, uint32_t *start,
			     uint32_t *blocks, char volid[33]);
/* Apply the closed marker of the newest session to freshly read facts. */
void disc_facts_apply_closed(struct disc_facts *f, bool closed_marker);

/* Take lib_lock unless a job runs (d->busy): -EBUSY then, without
 * waiting for it. While another non-job call holds the lock it retries
 * every millisecond. Used by the FUSE-facing paths, some with the stage
 * lock held: safe only because a job sets busy before it takes the stage
 * lock under lib_lock. On drives this means reads of disc files fail
 * with EBUSY during any job; image files are read with pread instead. */
int disc_lock_lib_nonbusy(struct disc *d);
/* Open img_fd once the image file exists; no-op when open. */
void disc_reopen_img_fd(struct disc *d);


/* content.c: what an image holds before libburn reads it. */
enum disc_content {
	DISC_HOLDS_NOTHING,  /* size 0, or no data block at all (sparse) */
	DISC_HOLDS_ISO,      /* a primary volume descriptor at block 16 */
	DISC_HOLDS_ERASED,   /* libisoburn's erased marker (CDXX1) at 16 */
	DISC_HOLDS_HEADLESS, /* no descriptor at block 16 (the head zeros or
				damaged), an ISO 9660 session at block 32
				behind it: the head was lost or damaged, or
				never written (a first burn of an older
				burnfs cut short) */
	DISC_HOLDS_OTHER,    /* anything else: never written by burnfs */
};
int disc_read_content(int fd, enum disc_content *out);
/* A primary volume descriptor ("CD001", type 1) at block lba. */
bool disc_is_pvd(int fd, uint32_t lba);
/* Whether [off, end) reads as zeros, looking at no more than `budget`
 * bytes of data (holes of a sparse file cost nothing): 1, 0, or -1 when
 * the budget ran out before the end. */
int disc_zeros_only(int fd, uint64_t off, uint64_t end, uint64_t budget);
/* The size of an image file or block device. 0 or -errno. */
int disc_medium_size(int fd, uint64_t *bytes);

/* tocscan.c: whether libisoburn's scan for sessions (acquiring the image;
 * free_scan: with DISC_ACQ_SCAN) would end. 0, or -ELOOP with why
 * (sessions: those found before). */
int disc_toc_scan_check(int fd, uint64_t size, bool free_scan, int *sessions,
			char *why, size_t why_len);
/* treecheck.c: whether the directory trees of the volume descriptors from
 * block vd_lba on reach a directory twice (a loop libisofs would follow
 * forever). 0, -ELOOP with why, or -ENOMEM. */
int disc_tree_check(int fd, uint64_t size, uint32_t vd_lba, char *why,
		    size_t why_len);
/* probe.c: load session n of count (count: the newest) of d's image, of
 * blocks blocks (what the load is watched against, loadwatch.c), in a
 * child process (see disc_probe_enable). 0 when it loads
 * (or probes are off, or d is a drive), else -errno with why: -ETIMEDOUT,
 * -EIO (also for an index the child sent that cannot be read). out: when
 * not NULL, the child also indexes an older session (load_session's idx)
 * and *out is that index, read with d's reader (the caller's reference),
 * or NULL when the child sent none (probes off, the newest session). */
int disc_probe_session(struct disc *d, int n, int count, uint32_t blocks,
		       struct index **out, struct errmsg *em);

/* probe.c: the deadline of a load in ms (BURNFS_LOAD_TIMEOUT). */
int disc_load_timeout_ms(void);
/* probe.c: whether disc_probe_enable gave a binary and arguments, and
 * exec them (returns only when exec fails). */
bool disc_probe_can_reexec(void);
void disc_probe_reexec(void);

/* loadwatch.c: whether a load still gets somewhere, judged by the bytes
 * the process has read (read_bytes: a counter that only grows). begin at
 * the load's start; tick: 0 (going on), -ETIMEDOUT (nothing read for
 * limit_ms), -ELOOP (read far more than a session of session_bytes
 * needs) or -ETIME (ran past limit_ms and the time its size allows). */
struct disc_loadwatch {
	uint64_t start_ms, budget_ms;
	uint64_t last_ms;      /* when something was last read */
	uint64_t first_read, last_read;
	uint64_t cap;          /* bytes beyond which a load is looping */
};
void disc_loadwatch_begin(struct disc_loadwatch *w, uint64_t now_ms,
			  uint64_t read_bytes, uint64_t session_bytes);
int disc_loadwatch_tick(struct disc_loadwatch *w, uint64_t now_ms,
			uint64_t read_bytes, uint64_t limit_ms);
/* The rchar line of a /proc/PID/io file open as fd (read from its start)
 * into *rchar, left as it was when the kernel does not give it; the bytes
 * this read of the file took (the reader's own rchar grows by them), or a
 * negative errno. */
int disc_loadwatch_rchar(int fd, uint64_t *rchar);
/* What a non-zero tick means, as words after "the libraries", into buf. */
const char *disc_loadwatch_why(int r, int limit_s, char *buf, size_t len);

/* guard.c: the watchdog of the loads during disc_open. start: false when
 * there is none (no binary to start over with); sessions named in
 * BURNFS_UNREADABLE are noted unreadable first. loading/loaded bracket
 * one load of session n; a load that ended is noted loadable (it does not
 * hang). lib_lock held. */
bool disc_guard_start(struct disc *d);
void disc_guard_stop(void);
void disc_guard_loading(struct disc *d, int n, uint32_t start, uint32_t blocks);

/* layout.c: the sessions of an emulated medium against its real size. */
struct disc_layout {
	bool emulated;           /* image file, DVD+RW, BD-RE, ...; else
				    nothing below is filled */
	int sessions;
	uint32_t end;            /* first block after every session */
	uint64_t medium_blocks;  /* the medium's size, 0 = unknown */
	bool at_zero;            /* session 1 starts at block 0 */
	bool udf;                /* a UDF bridge in blocks 16..31 */
	bool tail_foreign;       /* data after `end` burnfs did not write */
	char damage[DISC_TEXT_LEN]; /* "" or what does not add up */
};
int disc_layout_read_locked(struct disc *d, struct disc_layout *L);
/* Whether an image holds data from block `from` on that is neither zeros
 * nor a session written but never activated (its descriptor 16 blocks
 * after the next 32-block boundary, where libisoburn puts a session). */
bool disc_layout_tail_foreign(struct disc *d, uint32_t from);
/* "another tool's session at block 0 with a UDF bridge", ... */
void disc_layout_foreign_text(const struct disc_layout *L, char *out,
			      size_t size);


/* sessions.c: disc_reload_locked() for a drive acquired or re-assessed
 * just now. -ENODATA: the image holds a volume descriptor at block 16 but
 * no session can be found from it (disc_open then scans for sessions). */
int disc_reload_fresh_locked(struct disc *d, struct errmsg *em);
/* Remember the answer for the session at start/blocks (err 0: loadable). */
void disc_loadable_note(struct disc *d, uint32_t start, uint32_t blocks,
			int err, const char *why);
void disc_loadable_free(struct disc *d);
/* sesscache.c (state_lock held by the caller for a disc's cache): get:
 * a new reference to session n's index, marked used, or NULL. put: keep
 * idx (a new reference is taken) as session n's, giving up n's old one
 * or, when full, the least recently used; returns the index given up
 * (its cache reference, for the caller to index_unref after unlocking),
 * or NULL. clear: give up every index. count: indexes kept. */
struct index *disc_sesscache_get(struct disc_sesscache *c, int n);
struct index *disc_sesscache_put(struct disc_sesscache *c, int n,
				 struct index *idx);
void disc_sesscache_clear(struct disc_sesscache *c);
unsigned int disc_sesscache_count(const struct disc_sesscache *c);
/* sessions.c: drop the per-session cache (state_lock held). */
void disc_sessions_drop(struct disc *d);
/* identity.c: the medium's identity (disc_identity) as a number, into
 * *out; 0 for a blank medium or none. lib_lock held. 0 or -errno (its
 * first session's descriptor cannot be read). */
int disc_identity_hash_locked(struct disc *d, uint64_t *out);
/* The image file's identity now, read again only when the file changed
 * since the last call (one fstat otherwise); 0: unknown. No lock needed. */
uint64_t disc_image_ident_now(struct disc *d);

/* lib.c: one message taken from a library queue: lib is "libburn" or
 * "libisofs", os_errno 0 when none (libisofs never has one). */
typedef void (*disc_msg_fn)(void *ctx, const char *lib, int code,
			    const char *text, int os_errno, const char *sev);
/* Take every queued message, libburn's queue before libisofs's, and hand
 * each to visit. What disc_drain_msgs and msgwatch.c both do with their
 * own visit. */
void disc_take_msgs(disc_msg_fn visit, void *ctx);
/* A severity name ("MISHAP") as libburn's number; 0 when unknown. */
int disc_sev_number(const char *sev);
/* The log level of a message of severity number n: BLOG_ERROR from
 * error_from up, BLOG_WARN from WARNING (SORRY too), BLOG_INFO from NOTE
 * (HINT too), BLOG_DEBUG below. error_from is FAILURE for plain routing,
 * MISHAP while writing (a MISHAP makes a write untrustworthy). */
enum blog_level disc_sev_level(int n, int error_from);
/* sessions.c: an index with only the root, for a blank medium or no
 * medium. */
int disc_empty_index(struct disc *d, struct index **out);
/* acquire.c: the image format forgets its trees, then the drive is
 * released (eject: and its tray opened). */
void disc_release_drive_locked(struct disc *d, bool eject);
/* jobstate.c: disc_cancel without its log line (disc_close repeats it
 * while it waits for a running job to stop). */
void disc_cancel_quiet(struct disc *d);
/* media.c: wait for a running erase or format, publishing progress. */
void disc_poll_drive_idle(struct disc *d);

#endif
