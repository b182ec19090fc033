/* xattr.c — extended attributes: user.*, trusted.*, security.* and the
 * POSIX ACLs (system.posix_acl_access/_default, kept as Linux passes them).
 * A node shares its origin's xattrs until one changes; then it gets its own
 * sorted copy. What a disc cannot hold is refused here, at the call that
 * makes it (check_name, check_room, check_acl below). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "burnfs/acl.h"
#include "stage/stage_priv.h"

#define XATTR_VALUE_MAX 65536   /* Linux's XATTR_SIZE_MAX */
#define XATTR_LIST_MAX 65536    /* Linux's limit on a listxattr() answer */
/* libisofs decodes a node's attribute list within 1,000,000 bytes of
 * bookkeeping (each name and value plus 2 bytes, list slots of up to 36
 * bytes per pair, two work buffers up to 1.5 times the longest value) and
 * reads at most 1 MiB of continuation area per entry; a list longer than
 * that is written, but the node then loses its attributes on reading
 * (found by writing and re-reading images: 14 values of 64 KiB load, 15
 * do not). A pair is charged its name and value and XATTR_PAIR_COST, and a
 * node XATTR_NODE_BUDGET in all, which leaves room for the ACL pair,
 * libisofs's own isofs.* pairs and the work buffers. */
#define XATTR_PAIR_COST 64
#define XATTR_NODE_BUDGET (768 * 1024)

const struct idx_xattr *stage_lower_xattrs(const struct stage *st,
					   const struct snode *n, uint32_t *count)
{
	struct idx_node ln;

	*count = 0;
	if (n->origin == IDX_NONE || index_get(st->lower, n->origin, &ln))
		return NULL;
	*count = ln.n_xattrs;
	return ln.xattrs;
}

void stage_xattrs_free(struct xattrs *xa)
{
	uint32_t i;

	if (!xa)
		return;
	for (i = 0; i < xa->n; i++) {
		free(xa->v[i].name);
		free(xa->v[i].value);
	}
	free(xa->v);
	free(xa);
}

/* Do n's xattrs differ from its origin's? */
bool stage_xattrs_differ(const struct stage *st, const struct snode *n)
{
	const struct idx_xattr *lx;
	uint32_t ln, i;

	if (!n->xa)
		return false;
	lx = stage_lower_xattrs(st, n, &ln);
	if (ln != n->xa->n)
		return true;
	for (i = 0; i < ln; i++) {
		const struct sxattr *x = &n->xa->v[i];

		if (strcmp(x->name, lx[i].name) || x->len != lx[i].len ||
		    memcmp(x->value, lx[i].value, x->len))
			return true;
	}
	return false;
}

static int add_entry(struct xattrs *xa, uint32_t at, const char *name,
		     const void *value, uint32_t len)
{
	struct sxattr *v = realloc(xa->v, (xa->n + 1) * sizeof(*v));
	char *nm, *val;

	if (!v)
		return -ENOMEM;
	xa->v = v;
	nm = strdup(name);
	val = malloc(len ? len : 1);
	if (!nm || !val) {
		free(nm);
		free(val);
		return -ENOMEM;
	}
	memcpy(val, value, len);
	memmove(&v[at + 1], &v[at], (xa->n - at) * sizeof(*v));
	v[at] = (struct sxattr){ nm, val, len };
	xa->n++;
	return 0;
}

/* Give n its own copy of the origin's xattrs. */
static int own_xattrs(struct stage *st, struct snode *n)
{
	const struct idx_xattr *lx;
	uint32_t cnt, i;
	int ret = 0;

	if (n->xa)
		return 0;
	n->xa = calloc(1, sizeof(*n->xa));
	if (!n->xa)
		return -ENOMEM;
	lx = stage_lower_xattrs(st, n, &cnt);
	for (i = 0; i < cnt && !ret; i++)
		ret = add_entry(n->xa, i, lx[i].name, lx[i].value, lx[i].len);
	return ret;
}

/* Position of name in xa, or where it would go (*found false). */
static uint32_t find_pos(const struct xattrs *xa, const char *name,
			 bool *found)
{
	uint32_t i;

	for (i = 0; i < xa->n; i++) {
		int c = strcmp(xa->v[i].name, name);

		if (c >= 0) {
			*found = c == 0;
			return i;
		}
	}
	*found = false;
	return i;
}

/* The namespaces a disc records (AAIP): Linux's file systems refuse
 * other system.* names and unknown prefixes with EOPNOTSUPP too. */
static int check_name(const char *name)
{
	static const char *const ns[] = { "user.", "trusted.", "security." };
	size_t len = strlen(name);

	if (len > 255)
		return -ERANGE;
	if (pacl_is_xattr(name))
		return 0;
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		size_t pl = strlen(ns[i]);

		if (!strncmp(name, ns[i], pl))
			return len > pl ? 0 : -EINVAL;
	}
	return -ENOTSUP;
}

/* Would n's list, with `name` set to a value of `size` bytes, still load
 * from a disc and fit a listxattr() answer? */
static int check_room(const struct xattrs *xa, const char *name,
		      size_t size)
{
	size_t cost = strlen(name) + size + XATTR_PAIR_COST;
	size_t names = strlen(name) + 1;

	for (uint32_t i = 0; i < xa->n; i++) {
		if (!strcmp(xa->v[i].name, name))
			continue;
		cost += strlen(xa->v[i].name) + xa->v[i].len + XATTR_PAIR_COST;
		names += strlen(xa->v[i].name) + 1;
	}
	return cost > XATTR_NODE_BUDGET || names > XATTR_LIST_MAX ? -ENOSPC : 0;
}

/* An ACL as Linux's own file systems take it: a default ACL only on a
 * folder, none on a symlink. */
static int check_acl(const struct snode *n, const char *name,
		     const void *value, size_t size)
{
	if (S_ISLNK(n->mode))
		return -ENOTSUP;
	if (pacl_check(value, size))
		return -EINVAL;
	if (strcmp(name, PACL_XATTR_DEFAULT) == 0 && !S_ISDIR(n->mode))
		return -EACCES;
	return 0;
}

static void drop_entry(struct xattrs *xa, uint32_t at)
{
	free(xa->v[at].name);
	free(xa->v[at].value);
	memmove(&xa->v[at], &xa->v[at + 1], (xa->n - at - 1) * sizeof(*xa->v));
	xa->n--;
}

static int replace_value(struct sxattr *x, const void *value, size_t size)
{
	char *val = malloc(size ? size : 1);

	if (!val)
		return -ENOMEM;
	memcpy(val, value, size);
	free(x->value);
	x->value = val;
	x->len = (uint32_t)size;
	return 0;
}

/* Setting an access ACL sets the group bits from its mask, as chmod does
 * the other way round; one that says no more than the mode is kept as
 * the mode alone (a local file system stores no xattr for it). The kernel
 * does not expect a setxattr to change the mode: it is told to forget
 * the attributes it holds. */
static bool take_access_acl(struct stage *st, struct snode *n,
			    const char *name, const void *value, size_t size)
{
	mode_t mode;

	if (strcmp(name, PACL_XATTR_ACCESS) != 0)
		return false;
	mode = pacl_apply_to_mode(value, size, n->mode);
	if (mode != n->mode) {
		n->mode = mode;
		stage_inval_node(st, n);
	}
	return pacl_is_minimal(value, size);
}

static int check_set(const struct snode *n, const char *name,
		     const void *value, size_t size)
{
	int ret = check_name(name);

	if (!ret && size > XATTR_VALUE_MAX)
		ret = -E2BIG;
	if (!ret && pacl_is_xattr(name))
		ret = check_acl(n, name, value, size);
	return ret;
}

int stage_xattr_set(struct stage *st, struct snode *n, const char *name,
		    const void *value, size_t size, int flags)
{
	uint32_t at;
	bool found;
	int ret = check_set(n, name, value, size);

	if (ret || (ret = own_xattrs(st, n)))
		return ret;
	at = find_pos(n->xa, name, &found);
	if (found && (flags & XATTR_CREATE))
		return -EEXIST;
	if (!found && (flags & XATTR_REPLACE))
		return -ENODATA;
	ret = check_room(n->xa, name, size);
	if (ret)
		return ret;
	if (take_access_acl(st, n, name, value, size)) {
		if (found)
			drop_entry(n->xa, at);
		return 0;
	}
	if (!found)
		return add_entry(n->xa, at, name, value, (uint32_t)size);
	return replace_value(&n->xa->v[at], value, size);
}

int stage_xattr_remove(struct stage *st, struct snode *n, const char *name)
{
	uint32_t at;
	bool found;
	int ret = check_name(name);

	if (ret)
		return ret;
	if ((ret = own_xattrs(st, n)))
		return ret;
	at = find_pos(n->xa, name, &found);
	if (!found)
		return -ENODATA;
	drop_entry(n->xa, at);
	return 0;
}

/* The value of name among n's xattrs (own or the origin's), or NULL. */
static const void *find_value(const struct stage *st, const struct snode *n,
			      const char *name, uint32_t *len)
{
	const struct idx_xattr *lx;
	uint32_t cnt, i;
	bool found;

	if (n->xa) {
		i = find_pos(n->xa, name, &found);
		*len = found ? n->xa->v[i].len : 0;
		return found ? n->xa->v[i].value : NULL;
	}
	lx = stage_lower_xattrs(st, n, &cnt);
	for (i = 0; i < cnt; i++) {
		if (!strcmp(lx[i].name, name)) {
			*len = lx[i].len;
			return lx[i].value;
		}
	}
	return NULL;
}

int stage_xattr_follow_mode(struct stage *st, struct snode *n)
{
	const void *acl;
	uint32_t len, at;
	bool found;
	int ret;

	acl = find_value(st, n, PACL_XATTR_ACCESS, &len);
	if (!acl || pacl_apply_to_mode(acl, len, n->mode) == n->mode)
		return 0;
	ret = own_xattrs(st, n);
	if (ret)
		return ret;
	at = find_pos(n->xa, PACL_XATTR_ACCESS, &found);
	if (found)
		pacl_follow_mode(n->xa->v[at].value, n->xa->v[at].len, n->mode);
	return 0;
}

/* Would stage_xattr_set (remove: stage_xattr_remove) of name on n succeed? Changes
 * nothing: the live path asks before the change goes to the journal. */
int stage_xattr_check(const struct stage *st, const struct snode *n,
		      const char *name, size_t size, int flags, bool remove)
{
	const struct idx_xattr *lx;
	bool found = false;
	uint32_t cnt, i;
	int ret = check_name(name);

	if (ret)
		return ret;
	if (!remove && size > XATTR_VALUE_MAX)
		return -E2BIG;
	if (n->xa) {
		find_pos(n->xa, name, &found);
	} else {
		lx = stage_lower_xattrs(st, n, &cnt);
		for (i = 0; i < cnt && !found; i++)
			found = !strcmp(lx[i].name, name);
	}
	if (remove)
		return found ? 0 : -ENODATA;
	if (found && (flags & XATTR_CREATE))
		return -EEXIST;
	return !found && (flags & XATTR_REPLACE) ? -ENODATA : 0;
}

/* --- the API --- */

int stage_setxattr(struct stage *st, const char *path, const char *name,
		   const void *value, size_t size, int flags)
{
	struct jrec r = { .op = J_SETXATTR, .p1 = path, .name = name,
			  .val = value, .vlen = (uint32_t)size,
			  .flags = (uint32_t)flags };
	int ret;

	if (size > XATTR_VALUE_MAX)
		return -E2BIG;
	STAGE_LOCK(st);
	ret = stage_change(st, &r, NULL);
	STAGE_UNLOCK(st);
	return ret;
}

int stage_removexattr(struct stage *st, const char *path, const char *name)
{
	struct jrec r = { .op = J_RMXATTR, .p1 = path, .name = name };
	int ret;

	STAGE_LOCK(st);
	ret = stage_change(st, &r, NULL);
	STAGE_UNLOCK(st);
	return ret;
}

static ssize_t get_value(const void *v, uint32_t len, void *value, size_t size)
{
	if (!size)
		return len;
	if (size < len)
		return -ERANGE;
	memcpy(value, v, len);
	return len;
}

static ssize_t node_getxattr(struct stage *st, struct snode *n,
			     const char *name, void *value, size_t size)
{
	uint32_t len;
	const void *v = find_value(st, n, name, &len);

	return v ? get_value(v, len, value, size) : -ENODATA;
}

ssize_t stage_getxattr(struct stage *st, const char *path, const char *name,
		       void *value, size_t size)
{
	struct sdentry *de;
	ssize_t ret;

	STAGE_LOCK(st);
	ret = stage_path_resolve(st, path, &de);
	if (!ret)
		ret = node_getxattr(st, de->node, name, value, size);
	STAGE_UNLOCK(st);
	return ret;
}

static ssize_t list_add(char *list, size_t size, size_t *pos, const char *name)
{
	size_t l = strlen(name) + 1;

	if (size && *pos + l > size)
		return -ERANGE;
	if (size)
		memcpy(list + *pos, name, l);
	*pos += l;
	return 0;
}

static ssize_t node_listxattr(struct stage *st, struct snode *n, char *list,
			      size_t size)
{
	const struct idx_xattr *lx;
	uint32_t cnt, i;
	size_t pos = 0;
	ssize_t ret = 0;

	if (n->xa) {
		for (i = 0; i < n->xa->n && !ret; i++)
			ret = list_add(list, size, &pos, n->xa->v[i].name);
	} else {
		lx = stage_lower_xattrs(st, n, &cnt);
		for (i = 0; i < cnt && !ret; i++)
			ret = list_add(list, size, &pos, lx[i].name);
	}
	return ret ? ret : (ssize_t)pos;
}

ssize_t stage_listxattr(struct stage *st, const char *path, char *list,
			size_t size)
{
	struct sdentry *de;
	ssize_t ret;

	STAGE_LOCK(st);
	ret = stage_path_resolve(st, path, &de);
	if (!ret)
		ret = node_listxattr(st, de->node, list, size);
	STAGE_UNLOCK(st);
	return ret;
}

/* --- by inode --- */

/* r about n: journaled under n's first name; a node without names
 * changes alone. */
static int node_xattr_change(struct stage *st, struct snode *n,
			     struct jrec *r)
{
	int ret;

	if (st->readonly)
		return -EROFS;
	if (!n->aliases) {
		ret = r->op == J_RMXATTR ? stage_xattr_remove(st, n, r->name) :
		      stage_xattr_set(st, n, r->name, r->val, r->vlen, (int)r->flags);
		if (!ret) {
			stage_now_ts(&n->ctime);
			st->gen++;
		}
		return ret;
	}
	return stage_change_node(st, n, r);
}

int stage_node_setxattr(struct stage *st, struct stage_node *n,
			const char *name, const void *value, size_t size,
			int flags)
{
	struct jrec r = { .op = J_SETXATTR, .name = name, .val = value,
			  .vlen = (uint32_t)size, .flags = (uint32_t)flags };
	int ret;

	if (size > XATTR_VALUE_MAX)
		return -E2BIG;
	STAGE_LOCK(st);
	ret = node_xattr_change(st, (struct snode *)n, &r);
	STAGE_UNLOCK(st);
	return ret;
}

int stage_node_removexattr(struct stage *st, struct stage_node *n,
			   const char *name)
{
	struct jrec r = { .op = J_RMXATTR, .name = name };
	int ret;

	STAGE_LOCK(st);
	ret = node_xattr_change(st, (struct snode *)n, &r);
	STAGE_UNLOCK(st);
	return ret;
}

ssize_t stage_node_getxattr(struct stage *st, struct stage_node *n,
			    const char *name, void *value, size_t size)
{
	ssize_t ret;

	STAGE_LOCK_NODRAIN(st);
	ret = node_getxattr(st, (struct snode *)n, name, value, size);
	STAGE_UNLOCK(st);
	return ret;
}

ssize_t stage_node_listxattr(struct stage *st, struct stage_node *n,
			     char *list, size_t size)
{
	ssize_t ret;

	STAGE_LOCK_NODRAIN(st);
	ret = node_listxattr(st, (struct snode *)n, list, size);
	STAGE_UNLOCK(st);
	return ret;
}
