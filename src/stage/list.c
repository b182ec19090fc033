/* list.c — folder listings: by path through a callback, by inode as a
 * list the FUSE glue pages through (readdir with offsets). Both are sorted
 * by name, so listings are stable and look like the snapshot. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "stage/stage_priv.h"

struct stage_list {
	uint64_t parent_ino;   /* 0: the staging root, whose parent is not ours */
	size_t n;
	struct snode **nodes;  /* each holds a reference */
	char **names;
};

static int cmp_dentry(const void *a, const void *b)
{
	return strcmp((*(struct sdentry *const *)a)->name,
		      (*(struct sdentry *const *)b)->name);
}

/* dir's names, sorted, in a malloc'ed array (*count of them). */
static int sorted_children(struct stage *st, struct snode *dir,
			   struct sdentry ***out, uint32_t *count)
{
	struct sdentry *c, **v;
	uint32_t i = 0;
	int ret;

	if (!S_ISDIR(dir->mode))
		return -ENOTDIR;
	ret = stage_dir_materialize(st, dir);
	if (ret)
		return ret;
	v = malloc((dir->nchild + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (c = dir->children; c; c = c->sib_next)
		v[i++] = c;
	qsort(v, i, sizeof(*v), cmp_dentry);
	*out = v;
	*count = i;
	return 0;
}

int stage_readdir(struct stage *st, const char *path, stage_fill_fn fill,
		  void *ctx)
{
	struct sdentry *de, **v = NULL;
	struct stat sb;
	uint32_t n = 0;
	int ret;

	STAGE_LOCK(st);
	ret = stage_path_resolve(st, path, &de);
	if (!ret)
		ret = sorted_children(st, de->node, &v, &n);
	for (uint32_t k = 0; !ret && k < n; k++) {
		stage_node_stat(st, v[k]->node, &sb);
		if (fill(ctx, v[k]->name, &sb))
			break;
	}
	free(v);
	STAGE_UNLOCK(st);
	return ret;
}

static void list_free_locked(struct stage *st, struct stage_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		stage_node_unref(st, l->nodes[i]);
		free(l->names[i]);
	}
	free(l->nodes);
	free(l->names);
	free(l);
}

static int list_fill(struct stage_list *l, struct sdentry **v, uint32_t n)
{
	l->nodes = malloc((n + 1) * sizeof(*l->nodes));
	l->names = malloc((n + 1) * sizeof(*l->names));
	if (!l->nodes || !l->names)
		return -ENOMEM;
	for (l->n = 0; l->n < n; l->n++) {
		l->names[l->n] = strdup(v[l->n]->name);
		if (!l->names[l->n])
			return -ENOMEM;
		l->nodes[l->n] = v[l->n]->node;
		l->nodes[l->n]->ref++;
	}
	return 0;
}

int stage_node_list(struct stage *st, struct stage_node *dir,
		    struct stage_list **out)
{
	struct stage_list *l = calloc(1, sizeof(*l));
	struct sdentry **v = NULL;
	uint32_t n = 0;
	int ret;

	if (!l)
		return -ENOMEM;
	STAGE_LOCK_NODRAIN(st);
	ret = sorted_children(st, (struct snode *)dir, &v, &n);
	if (!ret)
		ret = list_fill(l, v, n);
	if (!ret && ((struct snode *)dir)->aliases &&
	    ((struct snode *)dir)->aliases->parent)
		l->parent_ino = ((struct snode *)dir)->aliases->parent->ino;
	if (ret)
		list_free_locked(st, l);
	else
		*out = l;
	STAGE_UNLOCK(st);
	free(v);
	return ret;
}

size_t stage_list_count(const struct stage_list *l)
{
	return l->n;
}

uint64_t stage_list_parent_ino(const struct stage_list *l)
{
	return l->parent_ino;
}

const char *stage_list_name(const struct stage_list *l, size_t i)
{
	return i < l->n ? l->names[i] : NULL;
}

int stage_list_entry(struct stage *st, const struct stage_list *l, size_t i,
		     bool lookup, struct stage_entry *out)
{
	struct snode *n;

	if (i >= l->n)
		return -ENOENT;
	n = l->nodes[i];
	STAGE_LOCK_NODRAIN(st);
	if (lookup) {
		stage_entry_fill(st, n, out);
	} else {
		out->node = (struct stage_node *)n;
		out->generation = n->ino;
		stage_node_stat(st, n, &out->attr);
	}
	STAGE_UNLOCK(st);
	return 0;
}

void stage_list_free(struct stage *st, struct stage_list *l)
{
	if (!l)
		return;
	STAGE_LOCK_NODRAIN(st);
	list_free_locked(st, l);
	STAGE_UNLOCK(st);
}
