/* foreign.h — the sessions a snapshot restores or copies files from
 * (foreign.c, foreign_xinfo.c). lib_lock held for all of it. */
#ifndef BURNFS_IMGFMT_FOREIGN_H
#define BURNFS_IMGFMT_FOREIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imgfmt/imgfmt_priv.h"

struct snap_node;
struct stage_snapshot;

/* One load of a session. */
struct imgfmt_foreign {
	const struct index *idx;   /* the stage's index of the session */
	IsoImage *img;             /* that session, loaded for this commit */
	IsoNode **by_id;           /* its nodes by index id; NULL once taken */
	uint32_t n;
};

/* A session the snapshot takes files from: how many distinct files it
 * makes of each entry. */
struct imgfmt_source {
	const struct index *idx;
	uint32_t *uses;            /* by index id */
	uint32_t *twins;           /* by id: further names of a compressed
				      file, each a node of its own; or NULL */
	uint32_t loads;            /* loads it takes */
	unsigned char *clone;      /* by id: an entry used more than once
				      whose files are clones of one hidden
				      node; NULL: none is */
	IsoNode **held;            /* by id, that hidden node */
};

struct imgfmt_foreigns {
	struct index *lower;       /* the newest session's (held) */
	struct imgfmt_foreign *v;  /* the loads */
	size_t n;
	struct imgfmt_source *src;
	size_t n_src, cap_src;
	IsoDir *hidden;            /* in the tree being written: held nodes */
	uint64_t serial;           /* inode numbers and names handed out */
};

/* Load every session the snapshot's restored and copied files come from.
 * Call it before the newest session is taken for writing (a load
 * re-attaches the newest tree to the drive). 0 or -errno (em set); free
 * fs either way. */
int imgfmt_foreign_load(struct disc *d, const struct stage_snapshot *snap,
			struct imgfmt_foreigns *fs, struct errmsg *em);
void imgfmt_foreign_free(struct imgfmt_foreigns *fs);
/* A node for restored or copied file sn (sn->rsrc set) in img, the tree
 * being written, detached and ready to attach: libisofs writes it onto the
 * extents its data has, with its MD5, as a file of its own. The caller
 * owns the reference. 0 or -errno (em set). */
int imgfmt_foreign_take(struct imgfmt_foreigns *fs, IsoImage *img,
			const struct snap_node *sn, IsoNode **out,
			struct errmsg *em);

/* Whether a further name of file `first` needs a node of its own
 * (imgfmt_foreign_take_twin) instead of a clone: a compressed file of a
 * loaded session, whose clone libisofs would write without its ZF field
 * on the same extents. */
bool imgfmt_foreign_needs_twin(IsoNode *first);
/* That node for name sn of first's file: from a load of sn's session
 * (the newest one's for an unchanged disc file), with first's inode
 * number, so that libisofs writes both as one hard-linked file. */
int imgfmt_foreign_take_twin(struct imgfmt_foreigns *fs,
			     const struct snap_node *sn, IsoNode *first,
			     IsoNode **out, struct errmsg *em);

/* An inode number above 32 bits that no other node of this commit has:
 * libisofs replaces it by a fresh one of the new session. */
uint64_t imgfmt_foreign_fresh_ino(struct imgfmt_foreigns *fs);

/* foreign_xinfo.c: libisofs's unexported attachments. */
int imgfmt_foreign_learn(IsoImage *imported, struct errmsg *em);
/* n's Rock Ridge inode number; one above 32 bits is replaced by a fresh
 * one of the new session when libisofs writes. */
int imgfmt_foreign_set_ino(IsoNode *n, uint64_t ino);
/* The first node of a new hard-linked file (its other names will be
 * clones) gets inode number ino attached. libisofs 1.5.4 gives a group of
 * names without one the number of the first node it sorted (often a
 * folder's, or another new group's): two groups could end up one file.
 * Nothing is attached where the attachment is unknown (a blank disc,
 * where no node has a number yet). 0 or -errno. */
int imgfmt_foreign_mark_new_link(IsoImage *img, IsoNode *n, uint64_t ino);
/* n's inode number as attached; -ENOENT when it has none. */
int imgfmt_foreign_get_ino(IsoNode *n, uint64_t *ino);
/* n's MD5 in session from as its own, without a reference into that
 * session's MD5 array (libisofs would look it up in the newest one). */
int imgfmt_foreign_carry_md5(IsoImage *from, IsoNode *n);

/* Every filtered (zisofs) file of a loaded tree (by_id, n nodes) gets its
 * PX inode as its inode attachment, so that the writer tells it apart
 * from other files on the same extents. 0 or -errno. */
int imgfmt_pin_filtered_inos(IsoImage *img, IsoNode **by_id, uint32_t n);

#endif
