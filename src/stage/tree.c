/* tree.c — the merged tree's nodes and names: allocation, the global
 * (parent, name) hash, lazy materialisation of lower directories. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stage/stage_priv.h"

uint32_t name_hash(const char *name)
{
	uint32_t h = 2166136261u;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return h;
}

static size_t slot_of(const struct stage *st, const struct snode *dir,
		      uint32_t h)
{
	uint64_t p = (uint64_t)(uintptr_t)dir;

	p = (p >> 4) * 0x9E3779B97F4A7C15ULL;
	return (size_t)((p >> 32) ^ h) & (st->hsize - 1);
}

struct snode *node_new(struct stage *st, mode_t mode)
{
	struct snode *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->origin = IDX_NONE;
	n->mode = mode;
	n->fd = -1;
	n->ino = st->next_ino++;
	n->materialized = true;
	now_ts(&n->mtime);
	n->atime = n->ctime = n->mtime;
	return n;
}

void node_take_attrs(struct snode *n, const struct idx_node *ln)
{
	n->mode = ln->mode;
	n->uid = ln->uid;
	n->gid = ln->gid;
	n->rdev = ln->rdev;
	n->atime = ln->atime;
	n->mtime = ln->mtime;
	n->ctime = ln->ctime;
	n->size = ln->size;
}

struct snode *node_from_lower(struct stage *st, uint32_t id)
{
	const struct idx_node *ln = index_node(st->lower, id);
	struct snode *n;

	if (!ln)
		return NULL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->origin = id;
	node_take_attrs(n, ln);
	n->ino = ln->ino ? ln->ino : (uint64_t)id + 1 + (1ULL << 32);
	n->fd = -1;
	n->materialized = !S_ISDIR(ln->mode);
	if (ln->link) {
		n->link = strdup(ln->link);
		if (!n->link) {
			free(n);
			return NULL;
		}
	}
	return n;
}

void node_unref(struct stage *st, struct snode *n)
{
	if (--n->ref)
		return;
	node_drop_data(st, n);
	restored_forget(n);
	free(n->link);
	xattrs_free(n->xa);
	free(n);
}

static int htab_grow(struct stage *st)
{
	size_t nsize = st->hsize ? st->hsize * 2 : 1024, old = st->hsize, i;
	struct sdentry **nt = calloc(nsize, sizeof(*nt)), **ot = st->htab;

	if (!nt)
		return -ENOMEM;
	st->htab = nt;
	st->hsize = nsize;
	for (i = 0; i < old; i++) {
		struct sdentry *de = ot[i], *next;

		for (; de; de = next) {
			size_t s = slot_of(st, de->parent, de->hash);

			next = de->hnext;
			de->hnext = nt[s];
			nt[s] = de;
		}
	}
	free(ot);
	return 0;
}

static void hash_insert(struct stage *st, struct sdentry *de)
{
	size_t s = slot_of(st, de->parent, de->hash);

	de->hnext = st->htab[s];
	st->htab[s] = de;
	st->hcount++;
}

static void hash_remove(struct stage *st, struct sdentry *de)
{
	struct sdentry **pp = &st->htab[slot_of(st, de->parent, de->hash)];

	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp == de) {
			*pp = de->hnext;
			st->hcount--;
			return;
		}
	}
}

/* Insert into the parent's sibling list and the hash; counts links. */
static void dentry_link(struct stage *st, struct sdentry *de)
{
	struct snode *dir = de->parent;

	hash_insert(st, de);
	de->sib_prev = NULL;
	de->sib_next = dir->children;
	if (dir->children)
		dir->children->sib_prev = de;
	dir->children = de;
	dir->nchild++;
	if (S_ISDIR(de->node->mode))
		dir->nsubdir++;
}

static void dentry_unlink(struct stage *st, struct sdentry *de)
{
	struct snode *dir = de->parent;

	hash_remove(st, de);
	if (de->sib_prev)
		de->sib_prev->sib_next = de->sib_next;
	else
		dir->children = de->sib_next;
	if (de->sib_next)
		de->sib_next->sib_prev = de->sib_prev;
	dir->nchild--;
	if (S_ISDIR(de->node->mode))
		dir->nsubdir--;
}

int dentry_add(struct stage *st, struct snode *dir, const char *name,
	       struct snode *n, uint32_t lower, struct sdentry **out)
{
	struct sdentry *de;

	if (st->hcount >= st->hsize && htab_grow(st))
		return -ENOMEM;
	de = calloc(1, sizeof(*de));
	if (!de || !(de->name = strdup(name))) {
		free(de);
		return -ENOMEM;
	}
	de->parent = dir;
	de->node = n;
	de->hash = name_hash(name);
	de->lower = lower;
	de->ref = 1;
	de->alias_next = n->aliases;
	n->aliases = de;
	n->nlink++;
	n->ref++;
	dentry_link(st, de);
	if (out)
		*out = de;
	return 0;
}

void dentry_unref(struct sdentry *de)
{
	if (--de->ref)
		return;
	free(de->rfrom);
	free(de->name);
	free(de);
}

/* Take the name out of the tree; the node loses one link. */
void dentry_remove(struct stage *st, struct sdentry *de)
{
	struct snode *n = de->node;
	struct sdentry **pp;

	dentry_unlink(st, de);
	for (pp = &n->aliases; *pp; pp = &(*pp)->alias_next) {
		if (*pp == de) {
			*pp = de->alias_next;
			break;
		}
	}
	de->dead = true;
	n->nlink--;
	node_unref(st, n);
	dentry_unref(de);
}

int dentry_move(struct stage *st, struct sdentry *de, struct snode *dir,
		const char *name)
{
	char *nn = strdup(name);

	if (!nn)
		return -ENOMEM;
	dentry_unlink(st, de);
	free(de->name);
	de->name = nn;
	de->hash = name_hash(nn);
	de->parent = dir;
	dentry_link(st, de);
	return 0;
}

/* Is `anc` (a directory's name) `dir` itself or one of its ancestors? */
bool dentry_is_ancestor(const struct sdentry *anc, const struct snode *dir)
{
	while (dir) {
		if (anc->node == dir)
			return true;
		dir = dir->aliases ? dir->aliases->parent : NULL;
	}
	return false;
}

struct sdentry *dir_find(struct stage *st, struct snode *dir, const char *name)
{
	uint32_t h = name_hash(name);
	struct sdentry *de = st->htab[slot_of(st, dir, h)];

	for (; de; de = de->hnext)
		if (de->parent == dir && de->hash == h && !strcmp(de->name, name))
			return de;
	return NULL;
}

/* Give every lower child of `dir` a name in the merged tree. */
int dir_materialize(struct stage *st, struct snode *dir)
{
	const struct idx_node *ln;
	uint32_t id;
	int ret = 0;

	if (dir->materialized)
		return 0;
	ln = index_node(st->lower, dir->origin);
	for (id = ln ? ln->first_child : IDX_NONE; id != IDX_NONE;
	     id = ln->next_sibling) {
		struct snode *n = node_from_lower(st, id);

		ln = index_node(st->lower, id);
		if (!n) {
			ret = -ENOMEM;
			goto out;
		}
		ret = dentry_add(st, dir, ln->name, n, id, NULL);
		if (ret) {
			node_unref(st, n);
			goto out;
		}
	}
	dir->materialized = true;
out:
	return ret;
}

int dir_lookup(struct stage *st, struct snode *dir, const char *name,
	       struct sdentry **out)
{
	int ret;

	if (!S_ISDIR(dir->mode))
		return -ENOTDIR;
	ret = dir_materialize(st, dir);
	if (ret)
		return ret;
	*out = dir_find(st, dir, name);
	return *out ? 0 : -ENOENT;
}

int node_path(const struct sdentry *de, char *buf, size_t size)
{
	const struct sdentry *d;
	size_t len = 0, pos;

	if (!de->parent) {
		if (size < 2)
			return -ENAMETOOLONG;
		strcpy(buf, "/");
		return 1;
	}
	for (d = de; d && d->parent; d = d->parent->aliases)
		len += strlen(d->name) + 1;
	if (len + 1 > size)
		return -ENAMETOOLONG;
	buf[len] = '\0';
	pos = len;
	for (d = de; d && d->parent; d = d->parent->aliases) {
		size_t l = strlen(d->name);

		pos -= l;
		memcpy(buf + pos, d->name, l);
		buf[--pos] = '/';
	}
	return (int)len;
}

uint32_t dir_nlink(const struct stage *st, const struct snode *n)
{
	const struct idx_node *ln;

	if (n->materialized)
		return 2 + n->nsubdir;
	ln = index_node(st->lower, n->origin);
	return ln && ln->nlink >= 2 ? ln->nlink : 2;
}

void node_touch_dir(struct snode *dir, const struct timespec *ts)
{
	dir->mtime = *ts;
	dir->ctime = *ts;
}

int tree_init(struct stage *st)
{
	struct snode *rn = node_from_lower(st, IDX_ROOT);
	struct sdentry *de;

	if (!rn || (!st->htab && htab_grow(st)))
		goto fail;
	de = calloc(1, sizeof(*de));
	if (!de || !(de->name = strdup(""))) {
		free(de);
		goto fail;
	}
	de->node = rn;
	de->lower = IDX_ROOT;
	de->ref = 1;
	rn->aliases = de;
	rn->nlink = 1;
	rn->ref = 1;
	st->root = de;
	return 0;
fail:
	if (rn)
		node_unref(st, (rn->ref = 1, rn));
	return -ENOMEM;
}

/* Free every name below dir, depth first (nodes go with their last ref). */
static void dir_free(struct stage *st, struct snode *dir)
{
	while (dir->children) {
		struct sdentry *de = dir->children;

		if (S_ISDIR(de->node->mode))
			dir_free(st, de->node);
		dentry_remove(st, de);
	}
}

void tree_free(struct stage *st)
{
	struct sdentry *rde = st->root;

	if (!rde)
		return;
	dir_free(st, rde->node);
	rde->node->aliases = NULL;
	rde->dead = true;
	node_unref(st, rde->node);
	dentry_unref(rde);
	st->root = NULL;
}
