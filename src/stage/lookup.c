/* lookup.c — the kernel's references to nodes (FUSE lookup counts) and the
 * names it must forget when the tree changes without its asking.
 *
 * A node's lookups hold one reference on it, however many there are, and
 * put it on st->known; the last forget drops both. Whatever removes a name
 * outside a change the kernel asked for (discard, blank pruning the tree,
 * another disc, hard links joined after a commit) queues the name when its
 * node has lookups: only then can the kernel cache it. Discard also queues
 * the names it brings back and the nodes it reverts (revert.c), a restore
 * the name it fills and its folder (restore.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "burnfs/alloc.h"
#include "stage/stage_priv.h"

static void known_add(struct stage *st, struct snode *n)
{
	n->kprev = NULL;
	n->knext = st->known;
	if (st->known)
		st->known->kprev = n;
	st->known = n;
}

static void known_del(struct stage *st, struct snode *n)
{
	if (n->kprev)
		n->kprev->knext = n->knext;
	else
		st->known = n->knext;
	if (n->knext)
		n->knext->kprev = n->kprev;
	n->knext = n->kprev = NULL;
}

/* Count one lookup and fill out. Stage lock held. */
void stage_entry_fill(struct stage *st, struct snode *n, struct stage_entry *out)
{
	if (!n->nlookup++) {
		n->ref++;
		known_add(st, n);
	}
	out->node = (struct stage_node *)n;
	out->generation = n->ino;
	stage_node_stat(st, n, &out->attr);
}

/* The kernel forgets a folder only after its children (their dentries pin
 * it), but two threads may hand the forgets on in the other order: a
 * child forgotten after its folder tries the folder again. */
static void forget_one(struct stage *st, struct snode *n, uint64_t count)
{
	struct snode *parent;

	if (!n->nlookup)
		return;
	n->nlookup = count < n->nlookup ? n->nlookup - count : 0;
	if (n->nlookup)
		return;
	known_del(st, n);
	if (!n->aliases) {   /* no name holds it: this may be the last ref */
		stage_node_unref(st, n);
		return;
	}
	parent = n->aliases->parent;
	stage_node_unref(st, n);
	if (S_ISDIR(n->mode))
		stage_dir_trim(st, n);
	if (parent && !parent->nlookup)
		stage_dir_trim(st, parent);
}

/* Unmount: the kernel's references go with it. */
void stage_known_drop_all(struct stage *st)
{
	struct sinval *q;

	while (st->known)
		forget_one(st, st->known, st->known->nlookup);
	while ((q = st->inval_head)) {
		st->inval_head = q->next;
		if (q->node)
			stage_node_unref(st, q->node);
		free(q);
	}
	st->inval_tail = &st->inval_head;
}

int stage_root(struct stage *st, struct stage_entry *out)
{
	STAGE_LOCK_NODRAIN(st);
	stage_entry_fill(st, st->root->node, out);
	STAGE_UNLOCK(st);
	return 0;
}

int stage_lookup(struct stage *st, struct stage_node *dir, const char *name,
		 struct stage_entry *out)
{
	struct sdentry *de;
	int ret;

	if (strlen(name) > STAGE_NAME_MAX)
		return -ENAMETOOLONG;
	STAGE_LOCK_NODRAIN(st);
	ret = stage_dir_lookup(st, (struct snode *)dir, name, &de);
	if (!ret)
		stage_entry_fill(st, de->node, out);
	STAGE_UNLOCK(st);
	return ret;
}

void stage_forget(struct stage *st, struct stage_node *n, uint64_t nlookup)
{
	stage_forget_many(st, &(struct stage_forget){ n, nlookup }, 1);
}

void stage_forget_many(struct stage *st, const struct stage_forget *v,
		       size_t count)
{
	bool release;

	STAGE_LOCK_NODRAIN(st);
	for (size_t i = 0; i < count; i++)
		forget_one(st, (struct snode *)v[i].node, v[i].nlookup);
	release = stage_trim_take_release(st);
	STAGE_UNLOCK(st);
	if (release)
		alloc_release();
}

static void queue(struct stage *st, struct snode *n, const char *name,
		  bool whole)
{
	size_t len = strlen(name);
	struct sinval *q = malloc(sizeof(*q) + len + 1);

	if (!q)
		return;  /* the kernel keeps it until it forgets the node */
	q->next = NULL;
	q->node = n;
	q->whole = whole;
	if (n)
		n->ref++;
	memcpy(q->name, name, len + 1);
	if (!st->inval_tail)
		st->inval_tail = &st->inval_head;
	*st->inval_tail = q;
	st->inval_tail = &q->next;
	if (st->inval_wake)
		st->inval_wake(st->inval_ctx);
}

void stage_inval_name(struct stage *st, struct snode *dir, const char *name,
		      struct snode *was)
{
	if (!st->quiet && !st->closing && was->nlookup)
		queue(st, dir, name, false);
}

void stage_inval_dentry(struct stage *st, struct snode *dir, const char *name)
{
	if (!st->closing && dir->nlookup)
		queue(st, dir, name, false);
}

void stage_inval_node(struct stage *st, struct snode *n)
{
	if (!st->closing && n->nlookup)
		queue(st, n, "", true);
}

void stage_set_inval_wake(struct stage *st, void (*wake)(void *ctx),
			  void *ctx)
{
	STAGE_LOCK_NODRAIN(st);
	st->inval_wake = wake;
	st->inval_ctx = ctx;
	if (wake && st->inval_head)
		wake(ctx);
	STAGE_UNLOCK(st);
}

void stage_take_invals(struct stage *st, stage_inval_fn fn, void *ctx)
{
	struct sinval *list, *q;

	STAGE_LOCK_NODRAIN(st);
	list = st->inval_head;
	st->inval_head = NULL;
	st->inval_tail = &st->inval_head;
	STAGE_UNLOCK(st);
	for (q = list; q; q = q->next)
		fn(ctx, (struct stage_node *)q->node, q->whole ? NULL : q->name);
	STAGE_LOCK_NODRAIN(st);
	while ((q = list)) {
		list = q->next;
		if (q->node)
			stage_node_unref(st, q->node);
		free(q);
	}
	STAGE_UNLOCK(st);
}
