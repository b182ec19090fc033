/* apply_attrs.c — give a node of the image the xattrs and ACLs of a stage
 * snapshot entry, in an order libisofs can read back.
 *
 * libisofs records a node's xattrs and ACLs as one AAIP list. Its decoder
 * loses the list when the last pair has an empty value (a list that ends
 * in user.e="" reads back empty, or fails to decode with more pairs before
 * it, and the write then fails where libisofs merges its own isofs.cx into
 * the list). Empty values anywhere else read back fine. So the list is
 * written whole, in one call that decodes nothing: the empty values,
 * then the others, then the ACL pair, then libisofs's own isofs.* pairs
 * (where libisofs appends them itself, so a list written here equals the
 * one it loads back); and when nothing but empty values would be left
 * before the isofs.* pairs, which libisofs may drop, the ACL pair of the
 * minimal ACL of the node's mode goes there (it says no more than the mode,
 * so every reader, burnfs included, shows the mode alone). The ACL pair's
 * bytes come from libisofs's own encoder, run on a scratch node. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "imgfmt/apply_int.h"
#include "burnfs/acl.h"
#include "burnfs/stage.h"

struct attr_list {
	size_t n;
	char **names;
	size_t *lens;
	char **vals;
};

static int list_init(struct attr_list *l, size_t cap)
{
	l->n = 0;
	l->names = calloc(cap + 1, sizeof(*l->names));
	l->lens = calloc(cap + 1, sizeof(*l->lens));
	l->vals = calloc(cap + 1, sizeof(*l->vals));
	return l->names && l->lens && l->vals ? 0 : -ENOMEM;
}

static void list_free(struct attr_list *l)
{
	free(l->names);
	free(l->lens);
	free(l->vals);
}

static void list_add(struct attr_list *l, const char *name, const char *val,
		     size_t len)
{
	l->names[l->n] = (char *)name;
	l->vals[l->n] = (char *)val;
	l->lens[l->n++] = len;
}

/* The snapshot's xattrs but its ACLs: empty values first (pass 0), the
 * others after (pass 1). */
static void add_snap_pairs(struct attr_list *l, const struct snap_node *sn,
			   int pass)
{
	for (uint32_t i = 0; i < sn->n_xattrs; i++) {
		const struct snap_xattr *x = &sn->xattrs[i];

		if (pacl_is_xattr(x->name) || (x->len != 0) != pass)
			continue;
		list_add(l, x->name, x->value, x->len);
	}
}

static const struct snap_xattr *snap_xattr(const struct snap_node *sn,
					   const char *name)
{
	for (uint32_t i = 0; i < sn->n_xattrs; i++)
		if (strcmp(sn->xattrs[i].name, name) == 0)
			return &sn->xattrs[i];
	return NULL;
}

/* Whether the pairs written after the empty values end in one with a
 * value; the closed marker ("1") counts. */
static bool ends_with_value(const struct snap_node *sn, bool closed)
{
	bool empty = false;

	for (uint32_t i = 0; i < sn->n_xattrs; i++) {
		if (pacl_is_xattr(sn->xattrs[i].name))
			continue;
		if (sn->xattrs[i].len)
			return true;
		empty = true;
	}
	return closed || !empty;
}

static int acl_text(const struct snap_node *sn, const char *name, char **text)
{
	const struct snap_xattr *x = snap_xattr(sn, name);

	*text = NULL;
	return x ? pacl_to_text(x->value, x->len, text) : 0;
}

/* The ACL pair (empty name) libisofs encodes for the access and default
 * texts, read off the scratch node into *out (num 0: no ACL). */
static int encode_acl(struct apply_ctx *c, const struct snap_node *sn,
		      bool sentinel, struct attr_list *out)
{
	char *acc = NULL, *def = NULL, minimal[64];
	int ret = acl_text(sn, PACL_XATTR_ACCESS, &acc);

	if (!ret)
		ret = acl_text(sn, PACL_XATTR_DEFAULT, &def);
	if (ret)
		goto out;
	if (!acc && sentinel) {
		pacl_text_of_mode(sn->mode, minimal, sizeof(minimal));
		acc = strdup(minimal);
	}
	/* From an empty list, so the bytes depend on the texts alone. */
	iso_node_set_attrs(c->scratch, 0, NULL, NULL, NULL, 1 | 8);
	ret = iso_node_set_acl_text(c->scratch, acc, def, 1);
	if (ret < 0)
		ret = imgfmt_apply_fail(c, ret, "encode the ACL of");
	else
		ret = iso_node_get_attrs(c->scratch, &out->n, &out->names,
					 &out->lens, &out->vals, 1 | 4) < 0 ? -EIO : 0;
out:
	free(acc);
	free(def);
	return ret;
}

/* libisofs's own pairs (isofs.*) of the node, to keep. A list libisofs
 * cannot decode (written by an older burnfs) has none to keep. */
static void old_isofs_pairs(IsoNode *node, struct attr_list *old)
{
	if (iso_node_get_attrs(node, &old->n, &old->names, &old->lens,
			       &old->vals, 0) < 0) {
		old->n = 0;
		old->names = NULL;
		old->vals = NULL;
		old->lens = NULL;
	}
}

static void free_iso_list(struct attr_list *l)
{
	if (l->names)
		iso_node_get_attrs(NULL, &l->n, &l->names, &l->lens, &l->vals,
				   1 << 15);
}

static int write_list(struct apply_ctx *c, IsoNode *node,
		      const struct snap_node *sn, bool closed,
		      const struct attr_list *old, const struct attr_list *acl)
{
	struct attr_list l;
	int ret = list_init(&l, old->n + sn->n_xattrs + acl->n + 1);

	if (!ret) {
		add_snap_pairs(&l, sn, 0);
		add_snap_pairs(&l, sn, 1);
		if (closed)
			list_add(&l, DISC_CLOSED_XATTR, "1", 1);
		for (size_t i = 0; i < acl->n; i++)
			list_add(&l, acl->names[i], acl->vals[i], acl->lens[i]);
		for (size_t i = 0; i < old->n; i++)
			if (strncmp(old->names[i], "isofs.", 6) == 0)
				list_add(&l, old->names[i], old->vals[i], old->lens[i]);
		/* bit0: the ACL comes from the pair with the empty name;
		 * bit3: every namespace; no merge: nothing is decoded. */
		ret = iso_node_set_attrs(node, l.n, l.names, l.lens, l.vals, 1 | 8);
		if (ret < 0)
			ret = imgfmt_apply_fail(c, ret, "set the xattrs of");
		else
			ret = 0;
	}
	list_free(&l);
	return ret;
}

int imgfmt_apply_attrs(struct apply_ctx *c, IsoNode *node, const struct snap_node *sn,
		       bool closed)
{
	struct attr_list old = { 0 }, acl = { 0 };
	bool sentinel = !ends_with_value(sn, closed);
	bool has_acl = snap_xattr(sn, PACL_XATTR_ACCESS) ||
		       snap_xattr(sn, PACL_XATTR_DEFAULT);
	int ret = 0;

	if (has_acl || sentinel)
		ret = encode_acl(c, sn, sentinel, &acl);
	if (!ret) {
		old_isofs_pairs(node, &old);
		ret = write_list(c, node, sn, closed, &old, &acl);
	}
	free_iso_list(&old);
	free_iso_list(&acl);
	return ret;
}
