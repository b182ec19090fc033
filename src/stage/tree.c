/* tree.c — the merged tree's nodes and names: allocation, the global
 * (parent, name) hash, unique inode numbers, lazy materialisation of lower
 * directories. A node's names are a doubly linked list, so adding or
 * removing one costs the same in a family of 4,000 hard links as alone. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stage/stage_priv.h"

static uint32_t name_hash(const char *name)
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

/* --- inode numbers: an open hash (linear probing) of the live nodes.
 * A disc entry keeps the number the disc gives it, so numbers stay the
 * same across remounts; only when that number is taken — a node kept
 * across a commit still shows the one the older session gave it — does
 * the entry get a fresh one. */

static size_t ino_slot(const struct stage *st, uint64_t ino)
{
	return (size_t)((ino * 0x9E3779B97F4A7C15ULL) >> 24) & (st->isize - 1);
}

/* The slot holding ino, or the empty slot where it would go. */
static struct snode **ino_find(const struct stage *st, uint64_t ino)
{
	size_t i = ino_slot(st, ino);

	while (st->inos[i] && st->inos[i]->ino != ino)
		i = (i + 1) & (st->isize - 1);
	return &st->inos[i];
}

static int ino_resize(struct stage *st, size_t nsize)
{
	struct snode **old = st->inos;
	size_t osize = st->isize, i;

	st->inos = calloc(nsize, sizeof(*st->inos));
	if (!st->inos) {
		st->inos = old;
		return -ENOMEM;
	}
	st->isize = nsize;
	for (i = 0; i < osize; i++)
		if (old[i])
			*ino_find(st, old[i]->ino) = old[i];
	free(old);
	return 0;
}

static int ino_grow(struct stage *st)
{
	return ino_resize(st, st->isize ? st->isize * 2 : 1024);
}

/* Give n a unique inode number: want when free (0: a fresh one). */
static void ino_claim(struct stage *st, struct snode *n, uint64_t want)
{
	struct snode **slot = NULL;

	/* Without room the number stays unchecked: memory is short. */
	if ((st->icount + 1) * 2 > st->isize && ino_grow(st) &&
	    st->icount + 1 >= st->isize) {
		n->ino = want ? want : st->next_ino++;
		return;
	}
	if (want)
		slot = ino_find(st, want);
	while (!slot || *slot) {
		want = st->next_ino++;
		slot = ino_find(st, want);
	}
	n->ino = want;
	*slot = n;
	st->icount++;
}

struct snode *stage_node_new(struct stage *st, mode_t mode)
{
	struct snode *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->origin = IDX_NONE;
	n->mode = mode;
	n->fd = -1;
	ino_claim(st, n, 0);
	n->materialized = true;
	stage_now_ts(&n->mtime);
	n->atime = n->ctime = n->mtime;
	return n;
}

void stage_node_take_lower_attrs(struct snode *n, const struct idx_node *ln)
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

static struct snode *node_from_lower(struct stage *st, uint32_t id)
{
	struct idx_node view, *ln = &view;
	struct snode *n;

	if (index_get(st->lower, id, ln))
		return NULL;
	if (st->reuse && id < st->nreuse && st->reuse[id]) {
		n = st->reuse[id];   /* discard takes its old node back: */
		st->reuse[id] = NULL;
		n->ref--;            /* the caller's name holds it now */
		return n;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->origin = id;
	stage_node_take_lower_attrs(n, ln);
	n->fd = -1;
	n->materialized = !S_ISDIR(ln->mode);
	if (ln->link) {
		n->link = strdup(ln->link);
		if (!n->link) {
			free(n);
			return NULL;
		}
	}
	ino_claim(st, n, stage_lower_ino(id, ln));
	return n;
}

uint64_t stage_lower_ino(uint32_t id, const struct idx_node *ln)
{
	return ln->ino ? ln->ino : (uint64_t)id + 1 + (1ULL << 32);
}

/* Take n out of the hash; the entries after it move back into the gap. */
static void ino_release(struct stage *st, struct snode *n)
{
	size_t mask = st->isize - 1, i, j, k;

	if (!st->isize)
		return;
	for (i = ino_slot(st, n->ino); st->inos[i] != n; i = (i + 1) & mask)
		if (!st->inos[i])
			return;
	st->inos[i] = NULL;
	st->icount--;
	for (j = (i + 1) & mask; st->inos[j]; j = (j + 1) & mask) {
		k = ino_slot(st, st->inos[j]->ino);
		/* j may move to i unless its home k lies in (i, j] */
		if (i < j ? (k <= i || k > j) : (k <= i && k > j)) {
			st->inos[i] = st->inos[j];
			st->inos[j] = NULL;
			i = j;
		}
	}
}

void stage_node_unref(struct stage *st, struct snode *n)
{
	if (--n->ref)
		return;
	ino_release(st, n);
	stage_node_drop_data(st, n);
	stage_restored_forget(n);
	free(n->link);
	stage_xattrs_free(n->xa);
	free(n);
}

static int htab_resize(struct stage *st, size_t nsize)
{
	size_t old = st->hsize, i;
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

static int htab_grow(struct stage *st)
{
	return htab_resize(st, st->hsize ? st->hsize * 2 : 1024);
}

/* The smallest power of two from 1024 that holds want. */
static size_t table_size(size_t want)
{
	size_t n = 1024;

	while (n < want)
		n *= 2;
	return n;
}

void stage_tables_fit(struct stage *st)
{
	/* shrunk to a quarter full: far from the next growth (half full for
	 * the inode numbers, full for the names) */
	if (st->isize > 1024 && st->icount * 8 < st->isize)
		ino_resize(st, table_size(st->icount * 4));
	if (st->hsize > 1024 && st->hcount * 8 < st->hsize)
		htab_resize(st, table_size(st->hcount * 4));
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

int stage_dentry_add(struct stage *st, struct snode *dir, const char *name,
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
	de->hash = name_hash(name);
	de->lower = lower;
	de->ref = 1;
	stage_alias_add(n, de);
	dentry_link(st, de);
	stage_count_added(st, de);
	if (out)
		*out = de;
	return 0;
}

void stage_dentry_unref(struct sdentry *de)
{
	if (--de->ref)
		return;
	free(de->rfrom);
	free(de->name);
	free(de);
}

/* Make de one more name of n (a link and a reference). */
void stage_alias_add(struct snode *n, struct sdentry *de)
{
	de->node = n;
	de->alias_prev = NULL;
	de->alias_next = n->aliases;
	if (n->aliases)
		n->aliases->alias_prev = de;
	n->aliases = de;
	n->nlink++;
	n->ref++;
}

/* Take de out of its node's list of names. */
void stage_alias_del(struct snode *n, struct sdentry *de)
{
	if (de->alias_prev)
		de->alias_prev->alias_next = de->alias_next;
	else if (n->aliases == de)
		n->aliases = de->alias_next;
	if (de->alias_next)
		de->alias_next->alias_prev = de->alias_prev;
	de->alias_next = de->alias_prev = NULL;
}

/* Take the name out of the tree; the node loses one link. */
void stage_dentry_remove(struct stage *st, struct sdentry *de)
{
	struct snode *n = de->node;

	stage_count_removed(st, de);
	dentry_unlink(st, de);
	stage_alias_del(n, de);
	stage_inval_name(st, de->parent, de->name, n);
	de->dead = true;
	n->nlink--;
	stage_count_node(st, n);
	stage_node_unref(st, n);
	stage_dentry_unref(de);
}

/* The inverse of one step of stage_dir_materialize: nothing is counted
 * (the lower folder's totals held the entry all along) and nothing is told
 * to the kernel (the caller made sure it holds neither). */
void stage_dentry_unmaterialize(struct stage *st, struct sdentry *de)
{
	struct snode *n = de->node;

	dentry_unlink(st, de);
	stage_alias_del(n, de);
	de->dead = true;
	n->nlink--;
	stage_node_unref(st, n);
	stage_dentry_unref(de);
}

int stage_dentry_move(struct stage *st, struct sdentry *de, struct snode *dir,
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
	stage_count_node(st, de->node);
	return 0;
}

/* Is `anc` (a directory's name) `dir` itself or one of its ancestors? */
bool stage_dentry_is_ancestor(const struct sdentry *anc, const struct snode *dir)
{
	while (dir) {
		if (anc->node == dir)
			return true;
		dir = dir->aliases ? dir->aliases->parent : NULL;
	}
	return false;
}

struct sdentry *stage_dir_find(struct stage *st, struct snode *dir, const char *name)
{
	uint32_t h = name_hash(name);
	struct sdentry *de = st->htab[slot_of(st, dir, h)];

	for (; de; de = de->hnext)
		if (de->parent == dir && de->hash == h && !strcmp(de->name, name))
			return de;
	return NULL;
}

/* Give every lower child of `dir` a name in the merged tree. */
int stage_dir_materialize(struct stage *st, struct snode *dir)
{
	struct sdentry *de;
	uint32_t id;
	int ret = 0;

	if (dir->materialized)
		return 0;
	for (id = index_first_child(st->lower, dir->origin); id != IDX_NONE;
	     id = index_next_sibling(st->lower, id)) {
		struct snode *n = node_from_lower(st, id);

		if (!n) {
			ret = -ENOMEM;
			goto out;
		}
		ret = stage_dentry_add(st, dir, index_name(st->lower, id), n,
				       id, &de);
		if (ret) {
			stage_node_unref(st, n);
			goto out;
		}
		stage_count_materialized(st, de);
	}
	dir->materialized = true;
out:
	return ret;
}

int stage_dir_lookup(struct stage *st, struct snode *dir, const char *name,
		     struct sdentry **out)
{
	int ret;

	if (!S_ISDIR(dir->mode))
		return -ENOTDIR;
	ret = stage_dir_materialize(st, dir);
	if (ret)
		return ret;
	*out = stage_dir_find(st, dir, name);
	return *out ? 0 : -ENOENT;
}

/* Length of the path of de; -ENOENT when a folder on the way was removed. */
static ssize_t path_len(const struct sdentry *de)
{
	const struct sdentry *d;
	size_t len = 0;

	for (d = de; d->parent; d = d->parent->aliases) {
		len += strlen(d->name) + 1;
		if (!d->parent->aliases)
			return -ENOENT;
	}
	return d->dead ? -ENOENT : (ssize_t)len;
}

int stage_node_path_dup(const struct sdentry *de, char **out)
{
	const struct sdentry *d;
	ssize_t len = path_len(de);
	size_t pos;
	char *buf;

	if (len < 0)
		return (int)len;
	buf = malloc((size_t)len + 2);
	if (!buf)
		return -ENOMEM;
	strcpy(buf, "/");
	pos = (size_t)len;
	if (len)
		buf[pos] = '\0';
	for (d = de; d->parent; d = d->parent->aliases) {
		size_t l = strlen(d->name);

		pos -= l;
		memcpy(buf + pos, d->name, l);
		buf[--pos] = '/';
	}
	*out = buf;
	return len ? (int)len : 1;
}

int stage_child_path_dup(const struct stage *st, const struct snode *dir,
			 const char *name, char **out)
{
	char *dpath, *p;
	int len;

	if (!dir->aliases)
		return -ENOENT;
	if (!S_ISDIR(dir->mode))
		return -ENOTDIR;
	len = stage_node_path_dup(dir->aliases, &dpath);
	if (len < 0)
		return len;
	if (strchr(name, '/')) {
		free(dpath);
		return -EINVAL;
	}
	len = asprintf(&p, "%s/%s", len == 1 ? "" : dpath, name);
	free(dpath);
	if (len < 0)
		return -ENOMEM;
	*out = p;
	return len;
}

uint32_t stage_dir_nlink(const struct stage *st, const struct snode *n)
{
	uint32_t nlink;

	if (n->materialized)
		return 2 + n->nsubdir;
	nlink = index_nlink(st->lower, n->origin);
	return nlink >= 2 ? nlink : 2;
}

void stage_node_touch_dir(struct snode *dir, const struct timespec *ts)
{
	dir->mtime = *ts;
	dir->ctime = *ts;
	/* its times are its entries' doing again, not a call's */
	dir->times_set = false;
}

int stage_tree_init(struct stage *st)
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
		stage_node_unref(st, (rn->ref = 1, rn));
	return -ENOMEM;
}

/* Free every name below dir, depth first (nodes go with their last ref). */
static void dir_free(struct stage *st, struct snode *dir)
{
	while (dir->children) {
		struct sdentry *de = dir->children;

		if (S_ISDIR(de->node->mode))
			dir_free(st, de->node);
		stage_dentry_remove(st, de);
	}
}

void stage_tree_free(struct stage *st)
{
	struct sdentry *rde = st->root;

	if (!rde)
		return;
	dir_free(st, rde->node);
	rde->node->aliases = NULL;
	rde->dead = true;
	stage_inval_name(st, NULL, "", rde->node);
	stage_node_unref(st, rde->node);
	stage_dentry_unref(rde);
	st->root = NULL;
	if (st->closing) {  /* the kernel's references end with the mount */
		stage_known_drop_all(st);
		free(st->inos);
		st->inos = NULL;
		st->isize = st->icount = 0;
	}
}
