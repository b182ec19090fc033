/* snapshot.c — freeze: an immutable deep copy of the merged tree for the
 * burn to walk without the stage lock. Strings live in an arena owned by the
 * snapshot; entries that have a live name hold a reference on it (and on its
 * node), so commit_done can find them again however they moved since.
 * A folder the stage never listed (not materialised) holds nothing the
 * stage changed: all beneath it is the lower index's, so the snapshot
 * marks it clean and copies none of it (on a big disc most of the tree; a
 * commit then keeps such a folder's libisofs subtree as loaded). A listed
 * folder is clean too when every entry beneath it would be copied exactly
 * as the lower index holds it (clean.c); it carries a digest of what the
 * stage showed beneath it for the read-back to check (digest.c). Whoever
 * needs a clean folder's entries makes them from the lower index
 * (stage_snap_expand), one folder at a time. Not on a damaged disc: there
 * every entry is rebuilt as shown, which repairs the damage in the new
 * session. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "burnfs/log.h"
#include "stage/stage_priv.h"

struct chunk {
	struct chunk *next;
	size_t used, cap;
	char data[];
};

struct snap_priv {
	struct snap_node pub;
	struct sdentry *de;   /* live name, NULL for lower-only entries */
	struct snap_priv *all_next;
};

struct snap_full {
	struct stage_snapshot pub;
	struct stage *st;
	struct index *lower;   /* the reference pub.lower stands for */
	size_t chunk_min;      /* 0: 1 MiB */
	bool full;             /* copy clean folders too */
	struct chunk *chunks;
	struct snap_priv *all; /* entries holding references */
	int err;
};

static void *snap_alloc(struct snap_full *sf, size_t size)
{
	struct chunk *c = sf->chunks;
	void *p;

	size = (size + 15) & ~(size_t)15;
	if (!c || c->used + size > c->cap) {
		size_t min = sf->chunk_min ? sf->chunk_min : 1 << 20;
		size_t cap = size > min ? size : min;

		c = malloc(sizeof(*c) + cap);
		if (!c) {
			sf->err = -ENOMEM;
			return NULL;
		}
		c->next = sf->chunks;
		c->used = 0;
		c->cap = cap;
		sf->chunks = c;
	}
	p = c->data + c->used;
	c->used += size;
	memset(p, 0, size);
	return p;
}

static const char *snap_str(struct snap_full *sf, const char *s, size_t len)
{
	char *p = snap_alloc(sf, len + 1);

	if (p)
		memcpy(p, s, len);
	return p;
}

struct stage *stage_snapshot_owner(const struct stage_snapshot *snap)
{
	return ((const struct snap_full *)snap)->st;
}

struct sdentry *stage_snap_dentry(const struct snap_node *sn)
{
	return ((const struct snap_priv *)sn)->de;
}

static void copy_xattrs(struct snap_full *sf, struct snap_node *sn,
			const struct snode *n)
{
	const struct idx_xattr *lx = NULL;
	struct snap_xattr *v;
	uint32_t cnt, i;

	if (n->xa)
		cnt = n->xa->n;
	else
		lx = stage_lower_xattrs(sf->st, n, &cnt);
	if (!cnt || !(v = snap_alloc(sf, cnt * sizeof(*v))))
		return;
	for (i = 0; i < cnt; i++) {
		const char *name = n->xa ? n->xa->v[i].name : lx[i].name;
		const char *val = n->xa ? n->xa->v[i].value : lx[i].value;
		uint32_t len = n->xa ? n->xa->v[i].len : lx[i].len;

		v[i].name = snap_str(sf, name, strlen(name));
		v[i].value = snap_str(sf, val, len);
		v[i].len = len;
	}
	sn->xattrs = v;
	sn->n_xattrs = cnt;
}

/* A field added here must be compared in clean.c's same_as_lower. */
static void fill_from_node(struct snap_full *sf, struct snap_priv *sp,
			   struct sdentry *de)
{
	struct snode *n = de->node;
	struct snap_node *sn = &sp->pub;
	char path[STAGE_PATH_MAX];

	sn->name = snap_str(sf, de->name, strlen(de->name));
	sn->mode = n->mode;
	sn->uid = n->uid;
	sn->gid = n->gid;
	sn->rdev = n->rdev;
	sn->atime = n->atime;
	sn->mtime = n->mtime;
	sn->ctime = n->ctime;
	sn->size = S_ISDIR(n->mode) ? 0 : n->size;
	sn->key = (uint64_t)(uintptr_t)n;
	sn->nlink = n->nlink;
	sn->origin = n->origin;
	sn->data_changed = S_ISREG(n->mode) && n->data_id;
	if (sn->data_changed && stage_data_path(sf->st, n->data_id, path,
						sizeof(path)) > 0)
		sn->data_path = snap_str(sf, path, strlen(path));
	if (n->link)
		sn->link = snap_str(sf, n->link, strlen(n->link));
	if (S_ISREG(n->mode) && n->rsrc && !n->data_id) {
		sn->rsrc = n->rsrc;
		sn->rid = n->rid;
	}
	copy_xattrs(sf, sn, n);
	sp->de = de;
	de->ref++;
	n->ref++;
	de->in_snap = true;
	n->in_snap = true;
	sp->all_next = sf->all;
	sf->all = sp;
}

/* A lower-only entry: strings point into the lower index, which the
 * snapshot holds. */
static void fill_from_lower(struct snap_full *sf, struct snap_node *sn,
			    uint32_t id)
{
	struct idx_node view, *ln = &view;
	struct snap_xattr *v;

	index_get(sf->lower, id, ln);
	sn->name = ln->name;
	sn->mode = ln->mode;
	sn->uid = ln->uid;
	sn->gid = ln->gid;
	sn->rdev = ln->rdev;
	sn->atime = ln->atime;
	sn->mtime = ln->mtime;
	sn->ctime = ln->ctime;
	sn->size = S_ISDIR(ln->mode) ? 0 : ln->size;
	sn->key = (1ULL << 63) | id;
	sn->nlink = ln->nlink;
	sn->origin = id;
	sn->link = ln->link;
	sn->clean = S_ISDIR(ln->mode);
	if (!ln->n_xattrs || !(v = snap_alloc(sf, ln->n_xattrs * sizeof(*v))))
		return;
	for (uint32_t i = 0; i < ln->n_xattrs; i++) {
		v[i].name = ln->xattrs[i].name;
		v[i].value = ln->xattrs[i].value;
		v[i].len = ln->xattrs[i].len;
	}
	sn->xattrs = v;
	sn->n_xattrs = ln->n_xattrs;
}

static int cmp_snap(const void *a, const void *b)
{
	return strcmp((*(struct snap_node *const *)a)->name,
		      (*(struct snap_node *const *)b)->name);
}

/* The lower folder dir's entries as sn's children, their folders clean. */
static void lower_children(struct snap_full *sf, struct snap_node *sn,
			   uint32_t dir)
{
	const struct index *lower = sf->lower;
	uint32_t id, i = 0, cnt = 0;

	for (id = index_first_child(lower, dir); id != IDX_NONE;
	     id = index_next_sibling(lower, id))
		cnt++;
	sn->children = snap_alloc(sf, (cnt + 1) * sizeof(*sn->children));
	if (!sn->children)
		return;
	for (id = index_first_child(lower, dir); id != IDX_NONE && !sf->err;
	     id = index_next_sibling(lower, id)) {
		struct snap_priv *c = snap_alloc(sf, sizeof(*c));

		if (!c)
			return;
		fill_from_lower(sf, &c->pub, id);
		sn->children[i++] = &c->pub;
	}
	sn->n_children = i;
	qsort(sn->children, i, sizeof(*sn->children), cmp_snap);
}

int stage_snap_expand(const struct stage_snapshot *snap,
		      const struct snap_node *dir, struct snap_node ***kids,
		      uint32_t *n, void **mem)
{
	const struct snap_full *owner = (const struct snap_full *)snap;
	struct snap_full tmp = { .lower = owner->lower, .chunk_min = 64 << 10 };
	struct snap_node sn = { 0 };

	*kids = NULL;
	*n = 0;
	*mem = NULL;
	if (!dir->clean || dir->origin == IDX_NONE)
		return 0;
	lower_children(&tmp, &sn, dir->origin);
	*mem = tmp.chunks;
	if (tmp.err)
		return tmp.err;
	*kids = sn.children;
	*n = sn.n_children;
	return 0;
}

void stage_snap_expand_free(void *mem)
{
	struct chunk *c = mem;

	while (c) {
		struct chunk *next = c->next;

		free(c);
		c = next;
	}
}

static void build_lower_dir(struct snap_full *sf, struct snap_node *sn,
			    uint32_t dir)
{
	lower_children(sf, sn, dir);
	for (uint32_t i = 0; i < sn->n_children && !sf->err; i++) {
		struct snap_node *c = sn->children[i];

		if (c->clean) {
			c->clean = false;
			build_lower_dir(sf, c, c->origin);
		}
	}
}

static void build_dir(struct snap_full *sf, struct snap_node *sn,
		      struct snode *dir)
{
	struct sdentry *de;
	uint32_t i = 0;

	if (dir->materialized && dir->snap_clean && !sf->full &&
	    dir != sf->st->root->node) {
		sn->clean = true;
		sn->has_digest = true;
		sn->digest = stage_digest_dir(sf->st, dir);
		return;
	}
	if (!dir->materialized) {
		if (dir->origin == IDX_NONE || sf->full)
			build_lower_dir(sf, sn, dir->origin);
		else if (dir == sf->st->root->node)   /* the root is never clean */
			lower_children(sf, sn, dir->origin);
		else
			sn->clean = true;
		return;
	}
	sn->children = snap_alloc(sf, (dir->nchild + 1) * sizeof(*sn->children));
	if (!sn->children)
		return;
	for (de = dir->children; de && !sf->err; de = de->sib_next) {
		struct snap_priv *c = snap_alloc(sf, sizeof(*c));

		if (!c)
			return;
		fill_from_node(sf, c, de);
		if (S_ISDIR(de->node->mode))
			build_dir(sf, &c->pub, de->node);
		sn->children[i++] = &c->pub;
	}
	sn->n_children = i;
	qsort(sn->children, i, sizeof(*sn->children), cmp_snap);
}

/* Drop the snapshot's references (stage lock held) and free it. */
void stage_snapshot_release(struct stage *st, struct stage_snapshot *snap)
{
	struct snap_full *sf = (struct snap_full *)snap;
	struct snap_priv *sp;

	if (!snap)
		return;
	for (sp = sf->all; sp; sp = sp->all_next) {
		sp->de->in_snap = false;
		sp->de->node->in_snap = false;
		stage_node_unref(st, sp->de->node);
		stage_dentry_unref(sp->de);
	}
	stage_snap_expand_free(sf->chunks);
	index_unref(sf->lower);
	free(sf);
}

static int cmp_id(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Every data file in use now belongs to the burn until it is over. */
static int freeze_data(struct stage *st)
{
	struct snode *n;
	size_t cnt = 0;

	for (n = st->data_nodes; n; n = n->dnext)
		cnt++;
	free(st->frozen_ids);
	st->frozen_ids = malloc((cnt + 1) * sizeof(*st->frozen_ids));
	if (!st->frozen_ids)
		return -ENOMEM;
	cnt = 0;
	for (n = st->data_nodes; n; n = n->dnext) {
		if (n->fd >= 0)
			fdatasync(n->fd);
		st->frozen_ids[cnt++] = n->data_id;
	}
	if (cnt)
		qsort(st->frozen_ids, cnt, sizeof(*st->frozen_ids), cmp_id);
	st->n_frozen = cnt;
	return 0;
}

static int build(struct stage *st, struct snap_full *sf)
{
	struct snap_priv *root = snap_alloc(sf, sizeof(*root));

	if (!root)
		return -ENOMEM;
	fill_from_node(sf, root, st->root);
	if (!sf->full)
		stage_mark_clean(st, st->root->node);
	build_dir(sf, &root->pub, st->root->node);
	if (sf->err)
		return sf->err;
	stage_compute_stats(st);
	sf->pub.root = &root->pub;
	sf->pub.pending_entries = st->stats.pending_entries;
	sf->pub.pending_bytes = st->stats.pending_bytes;
	sf->pub.base_lba = index_info(st->lower)->start_lba;
	return 0;
}

int stage_freeze(struct stage *st, struct stage_snapshot **out)
{
	struct snap_full *sf = calloc(1, sizeof(*sf));
	struct jrec r = { .op = J_FREEZE };
	int ret;

	if (!sf)
		return -ENOMEM;
	sf->st = st;
	/* for measurements: the whole tree copied, as before folders were
	 * left clean */
	sf->full = stage_env_on("BURNFS_FULL_SNAPSHOT");
	STAGE_LOCK(st);
	sf->lower = index_ref(st->lower);
	sf->pub.lower = sf->lower;
	/* A damaged disc's entries are shown renamed or without what could
	 * not be read; the commit rebuilds every folder, so the new session
	 * holds what is shown instead of the damage again. */
	if (index_info(sf->lower)->damaged)
		sf->full = true;
	ret = st->frozen ? -EBUSY : build(st, sf);
	if (!ret)
		ret = freeze_data(st);
	if (!ret) {
		stage_now_ts(&r.ts);
		/* the way out of a full cache disk: the reserve is for it */
		ret = stage_journal_append_reserved(st, &r);
	}
	if (!ret)
		ret = stage_journal_sync(st);
	if (ret) {
		if (!st->frozen) {
			free(st->frozen_ids);
			st->frozen_ids = NULL;
			st->n_frozen = 0;
		}
		stage_snapshot_release(st, &sf->pub);
		goto out;
	}
	st->freeze_off = st->jsize;
	st->frozen = true;
	st->snap = &sf->pub;
	*out = &sf->pub;
	stage_hash_hurry(st);
out:
	STAGE_UNLOCK(st);
	return ret;
}
