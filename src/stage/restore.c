/* restore.c — bring a file or tree of an older session back into staging
 * without copying its bytes: every restored entry becomes a new node whose
 * attributes are the session's and whose content, until it is written,
 * stays the session's extents (snode->rsrc/rid). The commit then points at
 * those extents again. One J_RESTORE record journals the whole restore:
 * p1 the destination, p2 the path in session `id`, flags that session's
 * start block (replay skips the record when the disc no longer has that
 * session there), mode bit 0 "AS" (the destination must be free). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "burnfs/grow.h"
#include "burnfs/log.h"
#include "stage/stage_priv.h"

#define RESTORE_AS 1u

static stage_session_fn provider;
static void *provider_ctx;

void stage_set_session_provider(stage_session_fn fn, void *ctx)
{
	provider = fn;
	provider_ctx = ctx;
}

struct rlink {
	uint64_t ino;
	struct snode *n;
};

struct rctx {
	struct stage *st;
	struct index *src;
	struct rlink *links;    /* hard-linked files met so far */
	size_t nlinks, caplinks;
};

/* The node of a file, symlink, fifo, socket or device whose other name
 * was restored already, or NULL. */
static struct snode *linked(struct rctx *c, const struct idx_node *ln)
{
	if (S_ISDIR(ln->mode) || ln->nlink < 2 || !ln->ino)
		return NULL;
	for (size_t i = 0; i < c->nlinks; i++)
		if (c->links[i].ino == ln->ino)
			return c->links[i].n;
	return NULL;
}

static int remember_link(struct rctx *c, const struct idx_node *ln,
			 struct snode *n)
{
	int r;

	if (S_ISDIR(ln->mode) || ln->nlink < 2 || !ln->ino)
		return 0;
	r = GROW(&c->links, &c->caplinks, c->nlinks + 1, 16);
	if (r)
		return r;
	c->links[c->nlinks++] = (struct rlink){ ln->ino, n };
	return 0;
}

/* A new node with session entry ln's attributes and xattrs. */
static int make_node(struct rctx *c, uint32_t id, const struct idx_node *ln,
		     struct snode **out)
{
	struct snode *n = stage_node_new(c->st, ln->mode);
	int ret = 0;

	if (!n)
		return -ENOMEM;
	stage_node_take_lower_attrs(n, ln);
	if (S_ISDIR(ln->mode))
		n->size = 4096;
	n->rsrc = index_ref(c->src);
	n->rid = id;
	if (ln->link && !(n->link = strdup(ln->link)))
		ret = -ENOMEM;
	for (uint32_t i = 0; i < ln->n_xattrs && !ret; i++)
		ret = stage_xattr_set(c->st, n, ln->xattrs[i].name, ln->xattrs[i].value,
				      ln->xattrs[i].len, 0);
	if (ret) {
		n->ref = 1;
		stage_node_unref(c->st, n);
		return ret;
	}
	*out = n;
	return 0;
}

/* Session entry id as `name` in dir, without what is below it. */
static int restore_one(struct rctx *c, struct snode *dir, const char *name,
		       uint32_t id, struct snode **np, struct sdentry **out)
{
	struct idx_node view, *ln = &view;
	struct snode *n;
	struct sdentry *de;
	int ret;

	index_get(c->src, id, ln);
	n = linked(c, ln);
	if (!n && (ret = make_node(c, id, ln, &n)))
		return ret;
	ret = stage_dentry_add(c->st, dir, name, n, IDX_NONE, &de);
	if (!ret && n->nlink == 1)
		ret = remember_link(c, ln, n);
	if (ret) {
		if (!n->nlink) {
			n->ref = 1;
			stage_node_unref(c->st, n);
		}
		return ret;
	}
	if (out)
		*out = de;
	*np = n;
	return 0;
}

/* Session entry id as `name` in dir, with everything below it. */
static int restore_entry(struct rctx *c, struct snode *dir, const char *name,
			 uint32_t id, struct sdentry **out)
{
	struct snode *n;
	int ret = restore_one(c, dir, name, id, &n, out);

	if (ret || !S_ISDIR(index_mode(c->src, id)))
		return ret;
	for (uint32_t k = index_first_child(c->src, id); k != IDX_NONE;
	     k = index_next_sibling(c->src, k)) {
		ret = restore_entry(c, n, index_name(c->src, k), k, NULL);
		if (ret)
			return ret;
	}
	return 0;
}

/* Take de and everything below it out of the tree, as rm -r would. */
static void remove_tree(struct stage *st, struct sdentry *de)
{
	struct snode *n = de->node;

	if (S_ISDIR(n->mode) && n->materialized) {
		while (n->children) {
			struct sdentry *c = n->children;

			if (S_ISDIR(c->node->mode) && !c->node->materialized)
				c->node->materialized = true;  /* nothing below */
			remove_tree(st, c);
		}
	}
	stage_dentry_remove(st, de);
}

int stage_restore_source(const struct jrec *r, struct index **out)
{
	int ret;

	if (!provider)
		return -ENOENT;
	ret = provider(provider_ctx, (int)r->id, out);
	if (ret)
		return ret;
	if (index_info(*out)->start_lba != r->flags) {
		index_unref(*out);
		return -ESTALE;
	}
	return 0;
}

/* Where the restored tree goes: its folder and name, and what stands there
 * now (NULL when nothing). */
static int destination(struct stage *st, const struct jrec *r,
		       struct snode **dir, char name[STAGE_NAME_MAX + 1],
		       struct sdentry **there)
{
	int ret = stage_path_parent(st, r->p1, dir, name);

	if (ret == -EBUSY)
		return -EINVAL;     /* "/": the staging root itself */
	if (ret)
		return ret;
	ret = stage_dir_lookup(st, *dir, name, there);
	if (ret == -ENOENT) {
		*there = NULL;
		return 0;
	}
	if (ret)
		return ret;
	return (r->mode & RESTORE_AS) ? -EEXIST : 0;
}

/* The buffer grows with the path, which has no limit of its own. */
int stage_index_path_dup(const struct index *idx, uint32_t id,
			 const char *prefix, char **out)
{
	size_t pre = strlen(prefix), cap = 256;
	char *buf = NULL, *t;
	int ret;

	do {
		cap *= 2;
		t = realloc(buf, cap + pre);
		if (!t) {
			free(buf);
			return -ENOMEM;
		}
		buf = t;
		memcpy(buf, prefix, pre);
		ret = index_path(idx, id, buf + pre, cap);
	} while (ret == -ENAMETOOLONG && cap < (1u << 24));
	if (ret < 0) {
		free(buf);
		return ret;
	}
	*out = buf;
	return 0;
}

/* "N:/path" of session entry id, malloc'ed in *out: the root of an S
 * line. */
static int restored_from(const struct jrec *r, struct index *src,
			 uint32_t id, char **out)
{
	char pre[24];

	snprintf(pre, sizeof(pre), "%d:", (int)r->id);
	return stage_index_path_dup(src, id, pre, out);
}

/* The kernel did not ask for a restore: it must forget what it may cache
 * at the destination (its entry, missing or the replaced node's), the
 * replaced node's attributes (its link count drops) and the folder's. */
static void restore_inval(struct stage *st, struct snode *dir,
			  const char *name, struct sdentry *there)
{
	if (there)
		stage_inval_node(st, there->node);
	stage_inval_dentry(st, dir, name);
	stage_inval_node(st, dir);
}

static int restore_into(struct stage *st, const struct jrec *r,
			struct index *src, struct sdentry **out)
{
	char name[STAGE_NAME_MAX + 1], *from = NULL;
	struct rctx c = { .st = st, .src = src };
	struct sdentry *there, *de = NULL;
	struct snode *dir;
	int64_t sid = index_resolve(src, r->p2);
	int ret;

	if (sid < 0)
		return -ENOENT;
	ret = destination(st, r, &dir, name, &there);
	if (!ret)
		ret = restored_from(r, src, (uint32_t)sid, &from);
	if (ret)
		return ret;
	restore_inval(st, dir, name, there);
	if (there)
		remove_tree(st, there);
	ret = restore_entry(&c, dir, name, (uint32_t)sid, &de);
	if (!ret) {
		de->rfrom = from;
		from = NULL;
	} else if (de) {
		remove_tree(st, de);
	}
	free(from);
	free(c.links);
	stage_count_stale(st);
	if (!ret) {
		stage_node_touch_dir(dir, &r->ts);
		st->gen++;
		if (out)
			*out = de;
	}
	return ret;
}

int stage_restore_apply(struct stage *st, const struct jrec *r, struct index *src,
			struct sdentry **out)
{
	struct index *own = NULL;
	int ret = 0;

	if (!src) {
		ret = stage_restore_source(r, &own);
		if (ret)
			return ret;
		src = own;
	}
	ret = restore_into(st, r, src, out);
	if (own)
		index_unref(own);
	return ret;
}

int stage_restore(struct stage *st, struct index *src, const char *from,
		  const char *to, bool as_new)
{
	const struct idx_info *info = index_info(src);
	struct jrec r = { .op = J_RESTORE, .p1 = to, .p2 = from,
			  .id = (uint64_t)info->session, .flags = info->start_lba,
			  .mode = as_new ? RESTORE_AS : 0 };
	uint64_t end = 0;
	int ret;

	/* Write-ahead, as every change: journalled before it shows, and the
	 * record cut back when the restore itself fails. */
	STAGE_LOCK(st);
	ret = st->readonly ? -EROFS : 0;
	if (!ret) {
		stage_now_ts(&r.ts);
		ret = stage_journal_append(st, &r, &end);
	}
	if (!ret) {
		ret = restore_into(st, &r, src, NULL);
		if (ret)
			stage_journal_cut(st, end);
	}
	STAGE_UNLOCK(st);
	if (!ret)
		blog_info("stage: restored %d:%s as %s", info->session, from, to);
	return ret;
}

bool stage_restored_changed(const struct snode *n)
{
	struct idx_node view, *ln = &view;

	if (index_get(n->rsrc, n->rid, ln) || n->mode != ln->mode || n->uid != ln->uid || n->gid != ln->gid)
		return true;
	if (S_ISDIR(n->mode))
		return false;
	return n->data_id || n->mtime.tv_sec != ln->mtime.tv_sec;
}

void stage_restored_forget(struct snode *n)
{
	if (!n->rsrc)
		return;
	index_unref(n->rsrc);
	n->rsrc = NULL;
	n->rid = IDX_NONE;
}
