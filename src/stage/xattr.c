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

/* Would xattr_set (remove: xattr_remove) of name on n succeed? Changes
 * nothing: the live path asks before the change goes to the journal. */
int xattr_check(const struct stage *st, const struct snode *n,
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
		lx = lower_xattrs(st, n, &cnt);
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

static ssize_t get_value(const char *v, uint32_t len, void *value, size_t size)
{
	if (!size)
		return len;
	if (size < len)
		return -ERANGE;
	memcpy(value, v, len);
	return len;
}

ssize_t stage_getxattr(struct stage *st, const char *path, const char *name,
		       void *value, size_t size)
{
	const struct idx_xattr *lx;
	struct sdentry *de;
	uint32_t cnt, i;
	ssize_t ret;
	bool found;

	STAGE_LOCK(st);
	ret = path_resolve(st, path, &de);
	if (ret)
		goto out;
	ret = -ENODATA;
	if (de->node->xa) {
		i = find_pos(de->node->xa, name, &found);
		if (found)
			ret = get_value(de->node->xa->v[i].value,
					de->node->xa->v[i].len, value, size);
		goto out;
	}
	lx = lower_xattrs(st, de->node, &cnt);
	for (i = 0; i < cnt; i++)
		if (!strcmp(lx[i].name, name))
			ret = get_value(lx[i].value, lx[i].len, value, size);
out:
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

ssize_t stage_listxattr(struct stage *st, const char *path, char *list,
			size_t size)
{
	const struct idx_xattr *lx;
	struct sdentry *de;
	uint32_t cnt, i;
	size_t pos = 0;
	ssize_t ret;

	STAGE_LOCK(st);
	ret = path_resolve(st, path, &de);
	if (ret)
		goto out;
	if (de->node->xa) {
		for (i = 0; i < de->node->xa->n && !ret; i++)
			ret = list_add(list, size, &pos, de->node->xa->v[i].name);
	} else {
		lx = lower_xattrs(st, de->node, &cnt);
		for (i = 0; i < cnt && !ret; i++)
			ret = list_add(list, size, &pos, lx[i].name);
	}
	if (!ret)
		ret = (ssize_t)pos;
out:
	STAGE_UNLOCK(st);
	return ret;
}
