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
	return d->is_image ? DISC_ACQ_IMAGE : DISC_ACQ_DRIVE;
}

/* lib.c: whether libisofs queues its DEBUG (and ERRFILE) messages; with
 * debug logging on it always does. */
void disc_iso_debug_msgs(bool queue);
/* lib.c: libburn's 1/0/<0 results have no errno; this gives the sentence. */
int disc_lib_fail(struct errmsg *em, int err, const char *what,
		  const char *target);

/* facts.c: read the medium's facts from the libraries (lib_lock held). The
 * caller sets media/closed_reason from the closed marker afterwards. */
int disc_read_facts_locked(struct disc *d, struct disc_facts *f);
/* Session n (1-based) start and size from the TOC; volid may be NULL. */
int disc_toc_session_locked(struct disc *d, int n, uint32_t *start_lba,
			    uint32_t *blocks, char volid[33]);
/* Apply the closed marker of the newest session to freshly read facts. */
void disc_facts_apply_closed(struct disc_facts *f, bool closed_marker);

/* reader.c: the idx_reader for this disc (pread or burn_read_data). */
void disc_reader_init(struct disc *d, struct idx_reader *r);
/* Take lib_lock unless a burn runs (d->busy): -EBUSY then, without
 * waiting for it. Used by the FUSE-facing paths. */
int disc_lock_lib_nonbusy(struct disc *d);
/* Open img_fd once the image file exists; no-op when open. */
void disc_reopen_img_fd(struct disc *d);

/* load.c */
/* The newest session's tree, attached to the drive; the caller must have
 * re-assessed (or acquired) the drive since the last read. */
int disc_read_newest_locked(struct disc *d, IsoImage **out,
			    struct errmsg *em);
/* An index with only the root, for a blank medium or no medium. */
int disc_empty_index(struct disc *d, struct index **out);
/* 1 when the root of img carries DISC_CLOSED_XATTR = "1". */
bool disc_image_closed(IsoImage *img);

/* prepared.c: when the offered tree is the newest session (of `session`
 * sessions) of the TOC just assessed, attach it to the drive as
 * isoburn_read_image would and hand out it and its index (info set from
 * the TOC): 1. Else 0. The offer is gone either way. */
int disc_take_prepared_locked(struct disc *d, int session, IsoImage **img,
			      struct index **idx);

/* sessions.c: disc_reload_locked() for a drive acquired or re-assessed
 * just now. */
int disc_reload_fresh_locked(struct disc *d, struct errmsg *em);
/* sessions.c: drop the per-session cache (state_lock held). */
void disc_sessions_drop(struct disc *d);

#endif
