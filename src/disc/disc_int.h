/* disc_int.h — helpers shared by the files of src/disc only. src/burn uses
 * the internals in disc_priv.h; nothing here is part of that contract. */
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

/* lib.c: whether libisofs queues its DEBUG (and ERRFILE) messages; with
 * debug logging on it always does. */
void disc_iso_debug_msgs(bool queue);
/* lib.c: while on, library messages are logged as information at most
 * (disc_open: its refusal or facts.damage sum them up). */
void disc_msgs_opening(bool on);
/* lib.c: libburn's 1/0/<0 results have no errno; this gives the sentence. */
int disc_lib_fail(struct errmsg *em, int err, const char *what,
		  const char *target);

/* facts.c: read the medium's facts from the libraries (lib_lock held). The
 * caller sets media/closed_reason from the closed marker afterwards. */
int disc_read_facts_locked(struct disc *d, struct disc_facts *f);
/* Session n (1-based) start and size from the TOC; volid may be NULL. */
int disc_toc_session_locked(struct disc *d, int n, uint32_t *start_lba,
			    uint32_t *blocks, char volid[33]);
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

/* reader.c: the idx_reader for this disc (pread or burn_read_data). */
void disc_reader_init(struct disc *d, struct idx_reader *r);
/* Take lib_lock unless a job runs (d->busy): -EBUSY then, without
 * waiting for it. While another non-job call holds the lock it retries
 * every millisecond. Used by the FUSE-facing paths, some with the stage
 * lock held: safe only because a job sets busy before it takes the stage
 * lock under lib_lock. On drives this means reads of disc files fail
 * with EBUSY during any job; image files are read with pread instead. */
int disc_lock_lib_nonbusy(struct disc *d);
/* Open img_fd once the image file exists; no-op when open. */
void disc_reopen_img_fd(struct disc *d);

/* load.c */
/* The newest session's tree, attached to the drive; the caller must have
 * re-assessed (or acquired) the drive since the last read. */
int imgfmt_read_newest_locked(struct disc *d, IsoImage **out,
			    struct errmsg *em);
/* An index with only the root, for a blank medium or no medium. */
int disc_empty_index(struct disc *d, struct index **out);
/* 1 when the root of img carries DISC_CLOSED_XATTR = "1". */
bool imgfmt_image_closed(IsoImage *img);

/* content.c: what an image holds before libburn reads it. */
enum disc_content {
	DISC_HOLDS_NOTHING,  /* size 0, or no data block at all (sparse) */
	DISC_HOLDS_ISO,      /* a primary volume descriptor at block 16 */
	DISC_HOLDS_ERASED,   /* libisoburn's erased marker (CDXX1) at 16 */
	DISC_HOLDS_OTHER,    /* anything else: never written by burnfs */
};
int disc_read_content(int fd, enum disc_content *out);
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
/* probe.c: load session n of count (count: the newest) of d's image in a
 * child process with a deadline (see disc_probe_enable). 0 when it loads
 * (or probes are off, or d is a drive), else -errno with why: -ETIMEDOUT,
 * -EIO. */
int disc_probe_session(struct disc *d, int n, int count, struct errmsg *em);

/* probe.c: the deadline of a load in ms (BURNFS_LOAD_TIMEOUT). */
int disc_load_timeout_ms(void);
/* probe.c: whether disc_probe_enable gave a binary and arguments, and
 * exec them (returns only when exec fails). */
bool disc_probe_can_reexec(void);
void disc_probe_reexec(void);

/* guard.c: the watchdog of the loads during disc_open. start: false when
 * there is none (no binary to start over with); sessions named in
 * BURNFS_UNREADABLE are noted unreadable first. loading/loaded bracket
 * one load of session n; a load that ended is noted loadable (it does not
 * hang). lib_lock held. */
bool disc_guard_start(struct disc *d);
void disc_guard_stop(void);
void disc_guard_loading(struct disc *d, int n, uint32_t start, uint32_t blocks);
void disc_guard_loaded(struct disc *d);

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

/* prepared.c: when the offered tree is the newest session (of `session`
 * sessions) of the TOC just assessed, attach it to the drive as
 * isoburn_read_image would and hand out it and its index (info set from
 * the TOC): 1. Else 0. The offer is gone either way. */
int imgfmt_take_prepared_locked(struct disc *d, int session, IsoImage **img,
			      struct index **idx);

/* sessions.c: disc_reload_locked() for a drive acquired or re-assessed
 * just now. -ENODATA: the image holds a volume descriptor at block 16 but
 * no session can be found from it (disc_open then scans for sessions). */
int disc_reload_fresh_locked(struct disc *d, struct errmsg *em);
/* loadable.c: whether session n of count (count = the newest) can be
 * loaded without the libraries hanging or crashing: no directory loop in
 * its trees, and a probe in a child process loaded it. Asked once per
 * session (by where it lies) and remembered. 0, or -errno with why
 * (-EIO, -ETIMEDOUT). lib_lock held. */
int disc_check_loadable_locked(struct disc *d, int n, int count,
			       struct errmsg *em);
/* Remember the answer for the session at start/blocks (err 0: loadable). */
void disc_loadable_note(struct disc *d, uint32_t start, uint32_t blocks,
			int err, const char *why);
void disc_loadable_free(struct disc *d);
/* sessions.c: drop the per-session cache (state_lock held). */
void disc_sessions_drop(struct disc *d);

#endif
