/* disc_priv.h — the disc object. Private to src/disc: the image format and
 * the jobs reach it through include/burnfs/disc.h only. Include order of
 * the library headers matters (libisoburn.h is not self-contained): always
 * include this file instead. */
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

#include "burnfs/disc.h"
#include "burnfs/imgfmt.h"
#include "burnfs/errmsg.h"
#include "burnfs/index.h"
#include "burnfs/log.h"

/* The indexes of older sessions opened through sessions/N (sesscache.c).
 * Two: a user comparing two sessions keeps both; a third gives up the
 * one used least recently. */
#define DISC_SESSIONS_CACHED 2
struct disc_sesscache {
	struct disc_sesscache_slot {
		int n;                   /* session number */
		struct index *idx;       /* one reference; NULL: free */
		uint64_t used;           /* c->tick at the last get or put */
	} slot[DISC_SESSIONS_CACHED];
	uint64_t tick;
};

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
	int backing_fd;              /* a loop device's backing file, flocked
					too (-1: none) */
	uint64_t capacity_opt;       /* -o capacity=, 0 = none */

	struct burn_drive_info *dinfo;  /* lib_lock */
	struct burn_drive *drive;       /* lib_lock */

	struct disc_facts facts;     /* state_lock */
	struct progress prog;        /* state_lock */
	struct index *lower;         /* state_lock: newest session */
	struct disc_sesscache sessions; /* state_lock: sessions/N opened */
	int n_sessions;              /* state_lock: sessions in the TOC */
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
	/* atomic, written under lib_lock by each look at the medium: its
	 * identity then (0: blank, none, or unreadable); readers of an index
	 * of another medium answer ESTALE (reader.c). */
	uint64_t medium_ident;
	/* An image file rewritten in place between commands (another disc
	 * "swapped in"): its identity as a read last found it, looked at again
	 * whenever the file changed (identity.c, disc_image_ident_now). */
	struct disc_img_check {
		pthread_mutex_t lock;
		bool start_known;        /* the first session's start, from */
		uint32_t start;          /* the last look at the medium */
		bool valid;
		uint32_t hashed_start;
		ino_t ino;
		off_t size;
		struct timespec mtime, ctime;
		uint64_t ident;
	} img_check;
	uint64_t loading_since;      /* CLOCK_MONOTONIC ms */
	bool guarded;                /* lib_lock: that watchdog runs */
	/* lib_lock: the sessions asked about by disc_check_loadable_locked,
	 * by where they lie, with the answer (loadable.c). */
	struct disc_loadable *loadable;
	size_t n_loadable;

	/* The image format that reads and writes the sessions, fixed by
	 * disc_open, and its state for this disc (fmt->state_size bytes,
	 * lib_lock): the ISO 9660 format keeps trees between commits there. */
	const struct imgfmt *fmt;
	void *fmt_state;
};

#endif
