/* build_int.h — what the files that build an index from a loaded tree
 * (build.c, build_attrs.c) share. lib_lock held throughout. */
#ifndef BURNFS_BUILD_INT_H
#define BURNFS_BUILD_INT_H

#include "imgfmt/imgfmt_priv.h"

/* What one node lends to its index template until index_add copied it. */
struct node_tmp {
	struct iso_file_section *secs;
	struct idx_extent *ext;
	struct idx_xattr *xa;
	size_t n_attrs;
	char **names, **vals;
	size_t *lens;
	void *acl[2];          /* access and default ACL, xattr form */
	size_t acl_len[2];
	char safe_name[3 * 256 + 1];
};

/* build_attrs.c: the node's xattrs and ACLs as the index shows them
 * (every namespace but libisofs's isofs.*, ACLs in Linux's xattr form,
 * minimal access ACLs as the mode alone, not the root's closed marker).
 * An attribute list libisofs cannot decode leaves the node without
 * attributes: *damaged is then set and the reason logged. 0 or -ENOMEM. */
int imgfmt_copy_attrs(IsoNode *n, bool root, struct idx_node *tmpl,
		      struct node_tmp *t, bool *damaged);
/* Release what imgfmt_copy_attrs lent. */
void imgfmt_free_attrs(struct node_tmp *t);

#endif
