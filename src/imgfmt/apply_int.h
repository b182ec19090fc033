/* apply_int.h — what the files that apply a stage snapshot to an image
 * (apply.c, apply_attrs.c, apply_local.c) share. lib_lock held, or the
 * image private to the caller. */
#ifndef BURNFS_APPLY_INT_H
#define BURNFS_APPLY_INT_H

#include <limits.h>
#include <stdbool.h>

#include "imgfmt/imgfmt_priv.h"

struct snap_node;

struct apply_ctx {
	IsoImage *img;
	IsoNode *scratch;      /* a detached folder to encode ACLs on */
	char *local_dir;       /* scratch local files (apply_local.c), or NULL */
	unsigned int n_local;
	struct errmsg *em;
	char *path;            /* the entry being placed, for messages; */
	size_t path_cap;       /* grown as deep as staging/ goes */
};

/* em says "cannot <what> <path>: <libisofs's words>"; returns -errno. */
int imgfmt_apply_fail(struct apply_ctx *c, int iso_ret, const char *what);

/* apply_attrs.c: replace node's xattrs and ACLs with sn's (and the closed
 * marker when closed). 0 or -errno (em set). */
int imgfmt_apply_attrs(struct apply_ctx *c, IsoNode *node, const struct snap_node *sn,
		       bool closed);

/* apply_local.c: a new symlink or special for sn in dir, made from a local
 * scratch file so that libisofs gives it an inode identity its clones
 * share (how new hard links of symlinks and specials reach the disc).
 * 0 or -errno (em set). */
int imgfmt_local_node(struct apply_ctx *c, IsoDir *dir,
		      const struct snap_node *sn, IsoNode **out);
/* Remove the scratch files (once no more nodes are added). */
void imgfmt_local_cleanup(struct apply_ctx *c);

/* bootcat.c: a boot catalog left in the tree (its folder kept) gives its
 * place to an empty file with its name and attributes, as burnfs shows
 * it. 0 or -errno (em set). */
int imgfmt_bootcat_stand_in(struct apply_ctx *c);

#endif
