/* disc_priv.h — the disc object, shared by src/disc (acquire, facts, index
 * loading) and src/burn (the operations that write). Nothing outside those
 * two folders includes this. Include order of the library headers matters
 * (libisoburn.h is not self-contained): always include this file instead. */
#ifndef BURNFS_DISC_PRIV_H
#define BURNFS_DISC_PRIV_H

#ifndef _FILE_OFFSET_BITS
#define _FILE_OFFSET_BITS 64
#endif
#include <stdint.h>
#include <sys/types.h>
#include <pthread.h>
#include <libburn/libburn.h>
#include <libisofs/libisofs.h>
#include <libisoburn/libisoburn.h>

#include "burnfs/jobs.h"
#include "burnfs/disc.h"
#include "burnfs/errmsg.h"
#include "burnfs/index.h"
#include "burnfs/log.h"

struct disc {
	/* Held around every call into libburn, libisofs, libisoburn. Taken
	 * before state_lock when both are needed, and before the stage lock
	 * in a commit (the freeze); a thread that holds it and then waits
	 * for the stage lock must have set busy first, so that a stage-side
	 * reader's disc_lock_lib_nonbusy gives up instead of spinning (see
	 * docs/ARCHITECTURE.md, Locks). */
	pthread_mutex_t lib_lock;
	/* Guards facts, prog, lower, sessions, busy. Never held across a
	 * library call that can block. */
	pthread_mutex_t state_lock;

	char target[PATH_MAX];       /* absolute */
	char adr[PATH_MAX + 8];      /* libburn address: "stdio:/abs" or "/dev/sr0" */
	bool is_image;
	bool is_blockdev;            /* an image on a block device */
	int img_fd;                  /* image file: O_RDONLY fd for pread and the
					flock (-1 until the file exists) */
	int lock_fd;                 /* fd holding the flock on the target */
	uint64_t capacity_opt;       /* -o capacity=, 0 = none */

	struct burn_drive_info *dinfo;  /* lib_lock */
	struct burn_drive *drive;       /* lib_lock */

	struct disc_facts facts;     /* state_lock */
	struct progress prog;        /* state_lock */
	struct index *lower;         /* state_lock: newest session */
	struct index **sessions;     /* state_lock: [0..n_sessions) cache, NULL = not loaded */
	int n_sessions;              /* state_lock */
	bool busy;                   /* state_lock: a job runs (commit, verify,
					blank, format, eject) */
	bool closed_marker;          /* state_lock: the newest session's root
					carries DISC_CLOSED_XATTR = "1" */
	volatile int cancel;         /* atomic: set by disc_cancel() and
					stop_running_burn() */

	/* lib_lock: acquire flags added to disc_acq_flags(): 16 (no table of
	 * sessions) when libisoburn's session scan would never end. */
	int acq_extra;
	/* lib_lock: set by a burn that activated its session; the next load
	 * of the newest session (the reload after the write) is of what
	 * burnfs just wrote and needs no probe. */
	bool just_wrote;
	/* lib_lock: loading an older session leaves it attached instead of
	 * loading the newest again (the newest cannot be read, or this is a
	 * probe: nothing is written either way). */
	bool no_reattach;
	/* lib_lock, set once by disc_open: why libisoburn's session scan is
	 * not used (acq_extra), or "". Goes into facts.damage. */
	char scan_note[DISC_TEXT_LEN];
	/* state_lock: why a session other than the newest is the lower
	 * index, or ""; fallback_from: the table's session count then (0 =
	 * the newest is shown). Goes into facts.damage. */
	char load_note[DISC_TEXT_LEN];
	int fallback_from;
	/* The load under way while disc_open runs (loading_n 0: none), for
	 * the watchdog of guard.c, which reads it without a lock. */
	int loading_n;
	uint32_t loading_start, loading_blocks;
	uint64_t loading_since;      /* CLOCK_MONOTONIC ms */
	bool guarded;                /* lib_lock: that watchdog runs */
	/* lib_lock: the sessions asked about by disc_check_loadable_locked,
	 * by where they lie, with the answer (loadable.c). */
	struct disc_loadable *loadable;
	size_t n_loadable;

	/* lib_lock: the tree the lower index was built from, exactly as it
	 * was loaded right after a re-assess and never modified since (or
	 * NULL). The next commit writes on it instead of loading the same
	 * session again (imgfmt_take_newest_locked). warm_* say what it is:
	 * the TOC's newest session then, and the attached start address. */
	IsoImage *warm;
	int warm_sessions;
	uint32_t warm_start, warm_blocks;
	int warm_attached_lba;

	/* lib_lock: the tree and index of a session written and read back
	 * but perhaps not published yet, for the reload after the commit
	 * (prepared.c), and its start block. */
	IsoImage *prepared;
	struct index *prepared_idx;
	uint32_t prepared_lba;
};

/* --- src/disc internals that src/burn uses (lib_lock held by the caller) --- */

/* Drain libburn's and libisofs's message queues into the log. Any lock. */
void disc_drain_msgs(void);
/* One message taken from a library queue: lib is "libburn" or
 * "libisofs", os_errno 0 when none (libisofs never has one). */
typedef void (*disc_msg_fn)(void *ctx, const char *lib, int code,
			    const char *text, int os_errno, const char *sev);
/* Take every queued message, libburn's queue before libisofs's, and hand
 * each to visit. What disc_drain_msgs and the burn's msgwatch both do with
 * their own visit. */
void disc_take_msgs(disc_msg_fn visit, void *ctx);
/* A severity name ("MISHAP") as libburn's number; 0 when unknown. */
int disc_sev_number(const char *sev);
/* The log level of a message of severity number n: BLOG_ERROR from
 * error_from up, BLOG_WARN from WARNING (SORRY too), BLOG_INFO from NOTE
 * (HINT too), BLOG_DEBUG below. error_from is FAILURE for plain routing,
 * MISHAP while writing (a MISHAP makes a write untrustworthy). */
enum blog_level disc_sev_level(int n, int error_from);
/* Entries libisofs dropped ("Error when adding file") or renamed (name
 * collisions) while loading a tree, as reported through disc_drain_msgs
 * since the last call; the count restarts at 0. */
unsigned int disc_take_dropped(void);
/* True for an attribute list (AAIP) libisofs 1.5.4 cannot decode: its
 * last value is empty. Decoding one loses it and keeps the memory of the
 * attempt, so callers leave it alone or replace it whole. build_attrs.c */
bool imgfmt_attrs_undecodable(IsoNode *n);
/* Turn a libisofs error code into -errno (ISO_RR_NAME_TOO_LONG ->
 * -ENAMETOOLONG, ISO_NODE_NAME_NOT_UNIQUE -> -EEXIST, ISO_OUT_OF_MEM ->
 * -ENOMEM, ...; everything else -EIO). */
int imgfmt_iso_errno(int iso_ret);
/* Re-assess the acquired drive after a write or erase (flag bit8). */
int disc_reassess_locked(struct disc *d, struct errmsg *em);
/* Load the newest session (or session n > 0 via isoburn_set_msc1) as a
 * fresh IsoImage; the caller owns one reference. Re-assesses first, so no
 * reload leak. */
int imgfmt_load_image_locked(struct disc *d, int n, IsoImage **out,
			   struct errmsg *em);
/* The newest session's tree as the drive's attached image, for a commit
 * to modify and write; the caller owns one reference. Re-assesses first;
 * then reuses d->warm if the TOC still shows the session it was loaded
 * from, else loads the session like imgfmt_load_image_locked(d, 0). d->warm
 * is used up either way: the image handed out will be modified. */
int imgfmt_take_newest_locked(struct disc *d, IsoImage **out,
			    struct errmsg *em);
/* Forget d->warm (the medium is going away, or is not what it showed). */
void imgfmt_warm_drop_locked(struct disc *d);
/* Depth-first walk in iso_dir_get_children() order, root first, calling
 * visit(ctx, id, node, parent_id) with ids 0, 1, 2, ... — the same ids
 * index_add() hands out when a builder adds every visited node in order. */
typedef int (*imgfmt_walk_fn)(void *ctx, uint32_t id, IsoNode *node,
			    uint32_t parent_id);
int imgfmt_walk_image(IsoImage *img, imgfmt_walk_fn visit, void *ctx);
/* Build an index from a loaded image (session info from the TOC). */
int imgfmt_build_index_locked(struct disc *d, IsoImage *img, int session,
			    struct index **out);
/* Right before a write at block lba (the drive assessed since the medium
 * last changed): 0 when the write starts behind every recorded block and
 * overwrites or cuts nothing that burnfs or libisoburn did not write.
 * -EIO: the layout is damaged, or lba lies inside recorded data; -EPERM:
 * another tool's session, a UDF bridge or foreign data would be lost, and
 * foreign_ok is false. Media with a real table of sessions (CD-R, DVD-R,
 * BD-R) pass. em says what in one sentence. */
int disc_layout_check_write_locked(struct disc *d, uint32_t lba,
				   bool foreign_ok, struct errmsg *em);
/* -EPERM and the sentence for a commit refused because the medium holds
 * `what` (facts.origin after "foreign: "). */
int disc_foreign_refusal(const char *what, struct errmsg *em);
/* prepared.c: offer the tree and index of a session just written and read
 * back (new references are taken; image files only) for the reload after
 * the commit; drop an offer. */
void imgfmt_offer_prepared_locked(struct disc *d, IsoImage *img,
				struct index *idx, uint32_t start_lba);
void imgfmt_drop_prepared_locked(struct disc *d);
/* Refresh facts, sessions and the lower index after the medium changed. */
int disc_reload_locked(struct disc *d, struct errmsg *em);

#endif
