/* build_attrs.c — a loaded node's xattrs and ACLs as the index keeps them:
 * every namespace the disc recorded except libisofs's own isofs.*, and the
 * ACLs (an AAIP pair with an empty name, which libisofs hands out as text)
 * as the xattrs system.posix_acl_access/_default in Linux's binary form,
 * the form the stage and FUSE use. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "burnfs/acl.h"
#include "burnfs/log.h"
#include "imgfmt/build_int.h"

static int xattr_cmp(const void *a, const void *b)
{
	return strcmp(((const struct idx_xattr *)a)->name,
		      ((const struct idx_xattr *)b)->name);
}

void imgfmt_free_attrs(struct node_tmp *t)
{
	free(t->xa);
	free(t->acl[0]);
	free(t->acl[1]);
	if (t->names)
		iso_node_get_attrs(NULL, &t->n_attrs, &t->names, &t->lens,
				   &t->vals, 1 << 15);
	t->xa = NULL;
	t->acl[0] = t->acl[1] = NULL;
	t->names = NULL;
}

/* Names the index never shows: libisofs's bookkeeping, the closed marker
 * on the root, the ACL pair (shown as ACL xattrs instead) and literal ACL
 * names (the ACL pair is the one libisofs and xorriso honour). */
static bool hidden(const char *name, bool root)
{
	return !name[0] || strncmp(name, "isofs.", 6) == 0 ||
	       pacl_is_xattr(name) ||
	       (root && strcmp(name, DISC_CLOSED_XATTR) == 0);
}

/* One ACL text from libisofs into t->acl[which]; a minimal access ACL is
 * the mode alone, as on a local file system. false: unreadable. */
static bool take_acl(const char *text, int which, struct node_tmp *t)
{
	if (!text || !text[0])
		return true;
	if (pacl_from_text(text, &t->acl[which], &t->acl_len[which]))
		return false;
	if (which == 0 && pacl_is_minimal(t->acl[0], t->acl_len[0])) {
		free(t->acl[0]);
		t->acl[0] = NULL;
	}
	return true;
}

static bool load_acls(IsoNode *n, struct node_tmp *t)
{
	char *acc = NULL, *def = NULL;
	bool ok = iso_node_get_acl_text(n, &acc, &def, 16) >= 0 &&
		  take_acl(acc, 0, t) && take_acl(def, 1, t);

	/* Also after a failure: libisofs may have made one text of two. */
	iso_node_get_acl_text(n, &acc, &def, 1 << 15);
	return ok;
}

static void add_acl_xattrs(struct node_tmp *t, size_t *k)
{
	static const char *const names[2] = { PACL_XATTR_ACCESS,
					      PACL_XATTR_DEFAULT };

	for (int i = 0; i < 2; i++) {
		if (!t->acl[i])
			continue;
		t->xa[*k].name = names[i];
		t->xa[*k].value = t->acl[i];
		t->xa[*k].len = (uint32_t)t->acl_len[i];
		(*k)++;
	}
}

/* What a node's attribute list (AAIP) holds, told by its framing alone. */
enum aa_kind {
	AA_NONE,         /* no list, or only libisofs's own isofs.* names */
	AA_SOME,         /* names the index shows, or the ACL pair */
	AA_UNDECODABLE,
};

/* The short form libisofs gives a name in the "isofs." namespace: a first
 * byte 4 in place of the prefix. Every list libisofs writes for MD5s
 * (isofs.cx) or hard links (isofs.di) uses it. */
#define AA_NS_ISOFS 0x04

/* libisofs 1.5.4 cannot decode an attribute list whose last value is
 * empty: it drops the list or fails, and a failure keeps the memory of
 * the attempt (as it does for a list damaged otherwise). Such lists (made
 * by other tools, or by burnfs before it ordered them) and lists whose
 * framing is broken are told by the framing alone and not handed to the
 * decoder: SUSP AL fields of 5 header bytes, carrying component records
 * (a flags byte whose bit 0 says the component goes on, a length, data);
 * names and values alternate, so the components must pair up, and the
 * last record must be whole and carry bytes.
 * The first byte of each name is looked at too: a list of isofs.* names
 * only (the MD5 index every file of an MD5 session has) shows nothing, and
 * a mount of a million such files would otherwise spend a quarter of its
 * time decoding them. A name spelled out ("isofs.cx" in full) counts as
 * shown: the decoder then sorts it out. */
static enum aa_kind aa_scan(IsoNode *n)
{
	const unsigned char *f;
	unsigned char hdr[2] = { 0, 0 };
	size_t got = 0, skip = 0, comps = 0;
	bool starts = true, peek = false, some = false;
	void *x = NULL;

	if (iso_node_get_xinfo(n, aaip_xinfo_func, &x) != 1 || !x)
		return AA_NONE;
	for (f = x;; f += f[2]) {
		if (f[0] != 'A' || f[1] != 'L' || f[2] < 5)
			return AA_UNDECODABLE;
		for (size_t i = 5; i < f[2]; i++) {
			if (skip) {
				some |= peek && f[i] != AA_NS_ISOFS;
				peek = false;
				skip--;
				continue;
			}
			hdr[got++] = f[i];
			if (got < 2)
				continue;
			got = 0;
			skip = hdr[1];
			/* A name's first record: the empty name is the ACL pair. */
			if (starts && comps % 2 == 0) {
				some |= !skip;
				peek = skip > 0;
			}
			starts = !(hdr[0] & 1);
			comps += starts;
		}
		if (!(f[4] & 1))
			break;
	}
	if (got || skip || comps % 2 || hdr[1] == 0)
		return AA_UNDECODABLE;
	return some ? AA_SOME : AA_NONE;
}

bool imgfmt_attrs_undecodable(IsoNode *n)
{
	return aa_scan(n) == AA_UNDECODABLE;
}

int imgfmt_copy_attrs(IsoNode *n, bool root, struct idx_node *tmpl,
		      struct node_tmp *t, bool *damaged)
{
	bool has_acl = false;
	size_t i, k = 0;
	int r = ISO_AAIP_BAD_AASTRING;
	enum aa_kind kind = aa_scan(n);

	if (kind == AA_NONE)
		return 0;     /* tmpl came zeroed: no xattrs */
	/* bit0: the ACL pair too (empty name), so a node without ACLs
	 * costs no second decoding. */
	if (kind == AA_SOME)
		r = iso_node_get_attrs(n, &t->n_attrs, &t->names, &t->lens,
				       &t->vals, 1);
	if (r < 0) {
		t->names = NULL;
		blog_warn("the attributes of \"%s\" cannot be read (%s); shown without them",
			  iso_node_get_name(n), iso_error_to_msg(r));
		*damaged = true;
		tmpl->attrs_lost = 1;
		return 0;
	}
	t->xa = calloc(t->n_attrs + 2, sizeof(*t->xa));
	if (!t->xa)
		return -ENOMEM;
	for (i = 0; i < t->n_attrs; i++) {
		has_acl |= !t->names[i][0];
		if (hidden(t->names[i], root))
			continue;
		t->xa[k].name = t->names[i];
		t->xa[k].value = t->vals[i];
		t->xa[k++].len = (uint32_t)t->lens[i];
	}
	if (has_acl && !load_acls(n, t)) {
		blog_warn("the ACL of \"%s\" cannot be read; shown without it",
			  iso_node_get_name(n));
		*damaged = true;
	}
	add_acl_xattrs(t, &k);
	qsort(t->xa, k, sizeof(*t->xa), xattr_cmp);
	tmpl->n_xattrs = (uint32_t)k;
	tmpl->xattrs = t->xa;
	return 0;
}
