/* imgfmt_priv.h — what the files of src/imgfmt share: the ISO 9660
 * format's state per disc (the trees kept between commits), loading and
 * walking a session's tree, building an index from it, applying a stage
 * snapshot to it, and writing it. Nothing outside src/imgfmt includes this
 * (the unit tests of this part aside). Include order of the library headers
 * matters (libisoburn.h is not self-contained): always include this file. */
#ifndef BURNFS_IMGFMT_PRIV_H
#define BURNFS_IMGFMT_PRIV_H

#ifndef _FILE_OFFSET_BITS
#define _FILE_OFFSET_BITS 64
#endif
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <libburn/libburn.h>
#include <libisofs/libisofs.h>
#include <libisoburn/libisoburn.h>

#include "burnfs/disc.h"
#include "burnfs/errmsg.h"
#include "burnfs/imgfmt.h"
#include "burnfs/index.h"
#include "burnfs/jobs.h"
#include "burnfs/log.h"

struct stage_snapshot;
struct imgfmt_readback;

/* The format's state in each disc (disc_format_state), lib_lock. */
struct iso_trees {
	/* The tree the lower index was built from, exactly as it was loaded
	 * right after a re-assess and never modified since (or NULL). The
	 * next commit writes on it instead of loading the same session again
	 * (imgfmt_take_newest_locked). warm_* say what it is: the TOC's
	 * newest session then, and the attached start address. */
	IsoImage *warm;
	int warm_sessions;
	uint32_t warm_start, warm_blocks;
	int warm_attached_lba;
	/* The tree and index of a session written and read back but perhaps
	 * not published yet, for the reload after the commit (prepared.c),
	 * and its start block. */
	IsoImage *prepared;
	struct index *prepared_idx;
	uint32_t prepared_lba;
};

static inline struct iso_trees *iso_trees(struct disc *d)
{
	return disc_format_state(d);
}

/* --- load.c: sessions' trees (lib_lock held) --- */

/* Load the newest session (or session n > 0 via isoburn_set_msc1) as a
 * fresh IsoImage; the caller owns one reference. Re-assesses first, so no
 * reload leak. */
int imgfmt_load_image_locked(struct disc *d, int n, IsoImage **out,
			     struct errmsg *em);
/* Session n of an image, read from its own start block in the TOC the
 * drive was last assessed with (imgfmt_import_session), after checking it
 * is loadable: no re-assess, nothing attached, the newest session not read
 * again. For sessions/N; a drive loads through the msc1 override instead
 * (imgfmt_load_image_locked). *out: the caller's reference. */
int imgfmt_import_older_locked(struct disc *d, int n, IsoImage **out,
			       struct errmsg *em);
/* The newest session's tree, attached to the drive; the caller must have
 * re-assessed (or acquired) the drive since the last read. */
int imgfmt_read_newest_locked(struct disc *d, IsoImage **out,
			      struct errmsg *em);
/* The newest session's tree as the drive's attached image, for a commit
 * to modify and write; the caller owns one reference. Re-assesses first;
 * then reuses the warm tree if the TOC still shows the session it was
 * loaded from, else loads the session like imgfmt_load_image_locked(d, 0).
 * The warm tree is used up either way: the image handed out will be
 * modified. */
int imgfmt_take_newest_locked(struct disc *d, IsoImage **out,
			      struct errmsg *em);
/* Keep tree (a reference is taken over; NULL: none) as the warm tree of
 * the lower index idx; forget the warm tree. */
void imgfmt_keep_warm_locked(struct disc *d, IsoImage *tree,
			     const struct index *idx);
void imgfmt_warm_drop_locked(struct disc *d);
/* An empty image takes the place of the tree attached to the drive, which
 * thereby drops its reference (the tree lives on only if someone else
 * holds one). 0, or -ENOMEM: the drive still holds its tree. */
int imgfmt_detach_tree_locked(struct disc *d);
/* 1 when the root of img carries DISC_CLOSED_XATTR = "1". */
bool imgfmt_image_closed(IsoImage *img);
/* Depth-first walk in iso_dir_get_children() order, root first, calling
 * visit(ctx, id, node, parent_id) with ids 0, 1, 2, ... — the same ids
 * index_add() hands out when a builder adds every visited node in order. */
typedef int (*imgfmt_walk_fn)(void *ctx, uint32_t id, IsoNode *node,
			      uint32_t parent_id);
int imgfmt_walk_image(IsoImage *img, imgfmt_walk_fn visit, void *ctx);

/* --- import.c: one session's tree from its own start block --- */

/* Session tree at block lba, read by libisofs through a pread data source
 * on the image file or block device (burn_read_data on a drive: lib_lock
 * held, drive idle), with the options a mount loads the newest session
 * with (AAIP, MD5 array and tag check, no ISO 9660:1999). Nothing is
 * attached to the drive. *img: the caller's reference. 0 or -errno. */
int imgfmt_import_session(struct disc *d, uint32_t lba, IsoImage **img);

/* --- build.c, build_attrs.c: an index from a loaded tree --- */

/* Build an index from a loaded image (session info from the TOC). */
int imgfmt_build_index_locked(struct disc *d, IsoImage *img, int session,
			      struct index **out);
/* True for an attribute list (AAIP) libisofs 1.5.4 cannot decode: its
 * last value is empty. Decoding one loses it and keeps the memory of the
 * attempt, so callers leave it alone or replace it whole. */
bool imgfmt_attrs_undecodable(IsoNode *n);
/* Turn a libisofs error code into -errno (ISO_RR_NAME_TOO_LONG ->
 * -ENAMETOOLONG, ISO_NODE_NAME_NOT_UNIQUE -> -EEXIST, ISO_OUT_OF_MEM ->
 * -ENOMEM, ...; everything else -EIO). */
int imgfmt_iso_errno(int iso_ret);

/* --- prepared.c: a written session's tree, for the reload --- */

/* Offer the tree and index of a session just written and read back (new
 * references are taken; image files only) for the reload after the
 * commit; drop an offer. */
void imgfmt_offer_prepared_locked(struct disc *d, IsoImage *img,
				  struct index *idx, uint32_t start_lba);
void imgfmt_drop_prepared_locked(struct disc *d);
/* When the offered tree is the newest session (of `session` sessions) of
 * the TOC just assessed, attach it to the drive as isoburn_read_image
 * would and hand out it and its index (info set from the TOC): 1. Else 0.
 * The offer is gone either way. */
int imgfmt_take_prepared_locked(struct disc *d, int session, IsoImage **img,
				struct index **idx);

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

/* --- session.c: one new session from a snapshot (the write_snapshot
 * operation) --- */

int imgfmt_write_snapshot_locked(struct disc *d,
				 const struct stage_snapshot *snap,
				 const struct job_settings *s, bool close,
				 uint64_t free_bytes, struct errmsg *em);

/* --- write.c: options, prepare, space check, write, poll, activate --- */

/* Write *img (the drive's attached image, already modified) as a new
 * session. free_limit: the most bytes the session may take (the disc
 * facts' free_bytes, which honour -o capacity=). Activates the session
 * unless s->simulate, after reading it back and comparing it with rb's
 * snapshot (rb NULL: no check; see readback.h); before the read-back the
 * written tree is given up: the caller's reference is dropped and *img set
 * to NULL. lib_lock held. 0 or -errno (ENOSPC, ECANCELED, EIO). */
int imgfmt_write_session(struct disc *d, IsoImage **img,
			 const struct job_settings *s, bool close,
			 uint64_t free_limit, const struct imgfmt_readback *rb,
			 struct errmsg *em);

/* --- verify_plan.c: the plan_verify operation --- */

int imgfmt_verify_plan_locked(struct disc *d, struct imgfmt_plan *plan,
			      struct errmsg *em);
void imgfmt_verify_plan_free(struct imgfmt_plan *plan);

/* A new empty file `name` in dir: iso_image_add_new_file's result
 * (< 0: a libisofs error, nothing left behind). */
int imgfmt_add_empty_file(IsoImage *img, IsoDir *dir, const char *name,
			  IsoFile **out);

#endif
