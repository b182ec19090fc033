/* foreign.h — the sessions a snapshot restores files from (foreign.c).
 * lib_lock held for all of it. */
#ifndef BURNFS_IMGFMT_FOREIGN_H
#define BURNFS_IMGFMT_FOREIGN_H

#include <stddef.h>
#include <stdint.h>

#include "imgfmt/imgfmt_priv.h"

struct snap_node;
struct stage_snapshot;

struct imgfmt_foreign {
	const struct index *idx;   /* the stage's index of the session */
	IsoImage *img;             /* that session, loaded for this commit */
	IsoNode **by_id;           /* its nodes by index id; NULL once taken */
	uint32_t n;
};

struct imgfmt_foreigns {
	struct imgfmt_foreign *v;
	size_t n;
	uint64_t serial;           /* inode numbers handed out */
};

/* Load every session the snapshot's restored files come from. Call it
 * before the newest session is taken for writing (a load re-attaches the
 * newest tree to the drive). 0 or -errno (em set); free fs either way. */
int imgfmt_foreign_load(struct disc *d, const struct stage_snapshot *snap,
			struct imgfmt_foreigns *fs, struct errmsg *em);
void imgfmt_foreign_free(struct imgfmt_foreigns *fs);
/* The node of restored file sn (sn->rsrc set), detached from its session
 * and ready to attach: its MD5 carried, a fresh inode number to come. The
 * caller owns the reference. 0 or -errno (em set). */
int imgfmt_foreign_take(struct imgfmt_foreigns *fs, const struct snap_node *sn,
			IsoNode **out, struct errmsg *em);

#endif
