/* xattr.c — user.* extended attributes. A node shares its origin's xattrs
 * until one changes; then it gets its own sorted copy. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "stage/stage_priv.h"

#define XATTR_VALUE_MAX 65536

const struct idx_xattr *lower_xattrs(const struct stage *st,
				     const struct snode *n, uint32_t *count)
{
	const struct idx_node *ln;

	*count = 0;
	if (n->origin == IDX_NONE)
		return NULL;
	ln = index_node(st->lower, n->origin);
	if (!ln)
		return NULL;
	*count = ln->n_xattrs;
	return ln->xattrs;
}

void xattrs_free(struct xattrs *xa)
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
bool xattrs_differ(const struct stage *st, const struct snode *n)
{
	const struct idx_xattr *lx;
	uint32_t ln, i;

	if (!n->xa)
		return false;
	lx = lower_xattrs(st, n, &ln);
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
	lx = lower_xattrs(st, n, &cnt);
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

static int check_name(const char *name)
{
	if (strncmp(name, "user.", 5))
		return -ENOTSUP;
	return strlen(name) > 255 || !name[5] ? -ERANGE : 0;
}

int xattr_set(struct stage *st, struct snode *n, const char *name,
	      const void *value, size_t size, int flags)
{
	struct sxattr *x;
	uint32_t at;
	bool found;
	int ret = check_name(name);

	if (ret)
		return ret;
	if (size > XATTR_VALUE_MAX)
		return -E2BIG;
	if ((ret = own_xattrs(st, n)))
		return ret;
	at = find_pos(n->xa, name, &found);
	if (found && (flags & XATTR_CREATE))
		return -EEXIST;
	if (!found && (flags & XATTR_REPLACE))
		return -ENODATA;
	if (!found)
		return add_entry(n->xa, at, name, value, (uint32_t)size);
	x = &n->xa->v[at];
	char *val = malloc(size ? size : 1);
	if (!val)
		return -ENOMEM;
	memcpy(val, value, size);
	free(x->value);
	x->value = val;
	x->len = (uint32_t)size;
	return 0;
}

int xattr_remove(struct stage *st, struct snode *n, const char *name)
{
	struct xattrs *xa;
	uint32_t at;
	bool found;
	int ret = check_name(name);

	if (ret)
		return ret;
	if ((ret = own_xattrs(st, n)))
		return ret;
	xa = n->xa;
	at = find_pos(xa, name, &found);
	if (!found)
		return -ENODATA;
	free(xa->v[at].name);
	free(xa->v[at].value);
	memmove(&xa->v[at], &xa->v[at + 1], (xa->n - at - 1) * sizeof(*xa->v));
	xa->n--;
	return 0;
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

static ssize_t get_value(const char *v, uint32_t len, void *value, size_t size)
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
	const struct idx_xattr *lx;
	uint32_t cnt, i;
	bool found;

	if (n->xa) {
		i = find_pos(n->xa, name, &found);
		return found ? get_value(n->xa->v[i].value, n->xa->v[i].len,
					 value, size) : -ENODATA;
	}
	lx = lower_xattrs(st, n, &cnt);
	for (i = 0; i < cnt; i++)
		if (!strcmp(lx[i].name, name))
			return get_value(lx[i].value, lx[i].len, value, size);
	return -ENODATA;
}

ssize_t stage_getxattr(struct stage *st, const char *path, const char *name,
		       void *value, size_t size)
{
	struct sdentry *de;
	ssize_t ret;

	STAGE_LOCK(st);
	ret = path_resolve(st, path, &de);
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
		lx = lower_xattrs(st, n, &cnt);
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
	ret = path_resolve(st, path, &de);
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
	char *path;
	int ret;

	if (st->readonly)
		return -EROFS;
	if (!n->aliases) {
		ret = r->op == J_RMXATTR ? xattr_remove(st, n, r->name) :
		      xattr_set(st, n, r->name, r->val, r->vlen, (int)r->flags);
		if (!ret) {
			now_ts(&n->ctime);
			st->gen++;
		}
		return ret;
	}
	ret = node_path_dup(n->aliases, &path);
	if (ret < 0)
		return ret;
	r->p1 = path;
	ret = change_api(st, r, NULL);
	free(path);
	return ret;
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
