/* burn_priv.h — what the files of src/burn share: job bookkeeping
 * (progress.c, job.c), message watching (msgwatch.c), applying a stage snapshot to
 * an IsoImage (apply.c) and writing a prepared session (write.c).
 * Nothing outside src/burn includes this. */
#ifndef BURNFS_BURN_PRIV_H
#define BURNFS_BURN_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "disc/disc_priv.h"

struct stage_snapshot;
struct imgfmt_readback;

/* --- progress.c: the busy flag and d->prog (state_lock inside) --- */

/* Claim the disc for one job: -EBUSY when another runs. Keeps d->cancel
 * (an abort may precede the claim; disc_job_end clears it) and sets d->prog to `state` with nothing done yet. */
int disc_job_begin(struct disc *d, enum job_state state, struct errmsg *em);
/* Publish progress; the ETA is extrapolated from the rate since `t0`
 * (CLOCK_MONOTONIC). total 0 = unknown. */
void disc_job_progress(struct disc *d, uint64_t done, uint64_t total,
		  const struct timespec *t0);
/* Release the disc: prog back to JOB_IDLE, busy cleared. */
void disc_job_end(struct disc *d);
bool disc_job_cancelled(struct disc *d);

/* --- job.c: the frame of an operation on the medium --- */

/* disc_job_begin(), then *f = the disc's facts. -EBUSY as disc_job_begin;
 * -ENOMEDIUM when the drive is empty (the job is then already ended).
 * On 0 the caller owns the job and must disc_job_end() it. */
int job_begin_medium(struct disc *d, enum job_state state,
		     struct disc_facts *f, struct errmsg *em);
/* After an operation that changed the medium, whose result is rc: read
 * the medium afresh (disc_reload_locked). Returns rc when it is an error;
 * otherwise 0, or the reload's -errno with em saying "<done>, but
 * reloading the medium failed: ...". lib_lock held. */
int job_reload_medium_locked(struct disc *d, int rc, const char *done,
			     struct errmsg *em);

/* --- msgwatch.c: drain the libraries' queues, remember the worst --- */

struct disc_msgwatch {
	int worst;            /* highest severity number seen, 0 none */
	char first_bad[256];  /* text of the first MISHAP-or-worse message */
	char errfile[256];    /* path of the last ERRFILE pseudo-message */
	bool write_thread_ended; /* libburn 0x20178 "Write thread ... ended" */
	int os_errno;         /* first errno a SORRY-or-worse message carried */
};

void disc_msgwatch_init(struct disc_msgwatch *w);
/* Drain libburn's and libisofs's queues into the log and into *w. */
void disc_msgwatch_drain(struct disc_msgwatch *w);
/* True when a MISHAP or worse was seen: the write is not trustworthy (a
 * staged file changed size, a read failed) even if libburn says it went
 * well. */
bool disc_msgwatch_failed(const struct disc_msgwatch *w);

/* --- apply.c: make img's tree equal the snapshot --- */

/* by_id[i] is the IsoNode with lower index id i (imgfmt_walk_image order),
 * n entries, by_id[0] the root. lower: the index built from that very tree
 * (its xattrs spare reading the nodes' own back), or NULL. Every other node
 * is detached and then put back where the snapshot wants it; nodes that are
 * not wanted any more are unreffed. Files without changed data keep their
 * old extents. closed: put DISC_CLOSED_XATTR on the root. 0 or -errno; on
 * error img is unusable and must be dropped. lib_lock held (or img private
 * to the caller). */
/* A map from walk ids to nodes, filled by imgfmt_collect_node as the
 * imgfmt_walk_fn of imgfmt_walk_image (session.c). */
struct imgfmt_id_map {
	IsoNode **by_id;
	uint32_t n, cap;
};
int imgfmt_collect_node(void *map, uint32_t id, IsoNode *node, uint32_t parent);

struct imgfmt_foreigns;
/* imgfmt_apply_snapshot, with the sessions restored files come from (see
 * foreign.h; NULL: none), and zisofs: new and changed files compressed
 * where they shrink. */
int imgfmt_apply_snapshot_from(IsoImage *img, const struct index *lower,
			     IsoNode **by_id, uint32_t n,
			     const struct stage_snapshot *snap, bool closed,
			     struct imgfmt_foreigns *foreign, bool zisofs,
			     struct errmsg *em);
int imgfmt_apply_snapshot(IsoImage *img, const struct index *lower,
			IsoNode **by_id, uint32_t n,
			const struct stage_snapshot *snap, bool closed,
			struct errmsg *em);

/* --- session.c --- */

/* Load the newest session, apply snap, write it (simulated or not) and
 * reload the medium. The stage is not touched: job_commit freezes before
 * and hands back after. f: the facts checked before (free_bytes). lib_lock
 * held. 0 or -errno. */
int imgfmt_write_snapshot_locked(struct disc *d,
				const struct stage_snapshot *snap,
				const struct job_settings *s, bool close,
				const struct disc_facts *f, struct errmsg *em);

/* --- write.c: options, prepare, space check, write, poll, activate --- */

/* Write img (the drive's attached image, already modified) as a new
 * session. free_limit: the most bytes the session may take (the disc
 * facts' free_bytes, which honour -o capacity=). Activates the session
 * unless s->simulate, after reading it back and comparing it with rb's
 * snapshot (rb NULL: no check; see readback.h). lib_lock held. 0 or -errno
 * (ENOSPC, ECANCELED, EIO). */
int imgfmt_write_session(struct disc *d, IsoImage *img,
		       const struct job_settings *s, bool close,
		       uint64_t free_limit, const struct imgfmt_readback *rb,
		       struct errmsg *em);

/* Poll a running libburn operation (erase, format) until the drive is
 * idle, publishing progress as a fraction of its sectors. lib_lock held. */
void disc_poll_drive_idle(struct disc *d);

#endif
