/* readback_cmp.c — does a session read back from the medium hold what the
 * snapshot it was written from holds? Entry by entry, in name order: type,
 * permission bits, owner, the three times (to the second: Rock Ridge keeps
 * no more), size, symlink target, device number, xattrs and ACLs, and which
 * names are hard links of each other. Pure: an index against a snapshot.
 * A clean folder of the snapshot is checked against what the lower index
 * held beneath it, made one folder at a time (stage_snap_expand), and a
 * listed one also against the digest of what the stage showed there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "imgfmt/keymap.h"
#include "imgfmt/readback.h"
#include "burnfs/index.h"
#include "burnfs/stage.h"

struct cmp {
	const struct index *idx;
	const struct stage_snapshot *snap;
	struct imgfmt_keymap key_to_file;  /* snapshot key -> index identity + 1 */
	struct imgfmt_keymap file_to_key;  /* index identity -> snapshot key + 1 */
	unsigned int bad;
	char *report;
	size_t size, used;
	char path[4096];
};

static void bad(struct cmp *c, const char *what)
{
	c->bad++;
	if (c->bad > 8 || c->used + 2 >= c->size)
		return;
	c->used += (size_t)snprintf(c->report + c->used, c->size - c->used,
				    "%s%s (%s)", c->bad > 1 ? ", " : "",
				    c->path[0] ? c->path : "/", what);
	if (c->used >= c->size)
		c->used = c->size - 1;
}

static bool same_xattrs(const struct idx_node *n, const struct snap_node *sn)
{
	if (n->n_xattrs != sn->n_xattrs)
		return false;
	for (uint32_t i = 0; i < n->n_xattrs; i++) {
		const struct idx_xattr *a = &n->xattrs[i];
		const struct snap_xattr *b = &sn->xattrs[i];

		if (strcmp(a->name, b->name) || a->len != b->len ||
		    memcmp(a->value, b->value, a->len))
			return false;
	}
	return true;
}

/* One identity per index file: its inode number, or its id when it has
 * none (then it is nobody's hard link). */
static uint64_t identity(const struct idx_node *n, uint32_t id)
{
	return n->ino ? n->ino : (1ull << 63) | id;
}

/* The names of one snapshot file must be the names of one index file,
 * and the other way round. */
static void check_links(struct cmp *c, const struct idx_node *n, uint32_t id,
			const struct snap_node *sn)
{
	uint64_t ident = identity(n, id);
	uintptr_t f = (uintptr_t)imgfmt_keymap_get(&c->key_to_file, sn->key);
	uintptr_t k = (uintptr_t)imgfmt_keymap_get(&c->file_to_key, ident);

	if (!f && !k) {
		if (imgfmt_keymap_put(&c->key_to_file, sn->key, (void *)(uintptr_t)(ident + 1)) ||
		    imgfmt_keymap_put(&c->file_to_key, ident, (void *)(uintptr_t)(sn->key + 1)))
			bad(c, "out of memory");
		return;
	}
	if (f != ident + 1 || k != sn->key + 1)
		bad(c, "hard links");
}

static void check_entry(struct cmp *c, const struct idx_node *n, uint32_t id,
			const struct snap_node *sn)
{
	if ((n->mode & S_IFMT) != (sn->mode & S_IFMT)) {
		bad(c, "type");
		return;
	}
	if ((n->mode & 07777) != (sn->mode & 07777))
		bad(c, "mode");
	if (n->uid != sn->uid || n->gid != sn->gid)
		bad(c, "owner");
	if (n->mtime.tv_sec != sn->mtime.tv_sec ||
	    n->atime.tv_sec != sn->atime.tv_sec ||
	    n->ctime.tv_sec != sn->ctime.tv_sec)
		bad(c, "times");
	if (S_ISREG(sn->mode) && n->size != sn->size)
		bad(c, "size");
	if (S_ISLNK(sn->mode) && strcmp(n->link ? n->link : "",
					sn->link ? sn->link : ""))
		bad(c, "symlink target");
	if ((S_ISCHR(sn->mode) || S_ISBLK(sn->mode)) && n->rdev != sn->rdev)
		bad(c, "device number");
	if (!same_xattrs(n, sn))
		bad(c, "xattrs");
	if (!S_ISDIR(sn->mode))
		check_links(c, n, id, sn);
}

static void walk(struct cmp *c, uint32_t dir, const struct snap_node *sdir);

/* Set c->path to the entry's path for messages; returns the old length. */
static size_t enter(struct cmp *c, const char *name)
{
	size_t len = strlen(c->path);

	snprintf(c->path + len, sizeof(c->path) - len, "/%s", name);
	return len;
}

static void visit(struct cmp *c, uint32_t id, const struct snap_node *sn)
{
	struct idx_node view, *n = &view;
	size_t len = enter(c, sn->name);

	index_get(c->idx, id, n);
	check_entry(c, n, id, sn);
	if (S_ISDIR(sn->mode) && S_ISDIR(n->mode))
		walk(c, id, sn);
	c->path[len] = '\0';
}

static void missing(struct cmp *c, const char *name, const char *what)
{
	size_t len = enter(c, name);

	bad(c, what);
	c->path[len] = '\0';
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp((*(struct snap_node *const *)a)->name,
		      (*(struct snap_node *const *)b)->name);
}

/* sdir's children in name order: the snapshot's own array when it is (a
 * stage snapshot sorts them), else a sorted copy in *copy. */
static struct snap_node **sorted_children(const struct snap_node *sdir,
					  struct snap_node ***copy)
{
	uint32_t i;

	*copy = NULL;
	for (i = 1; i < sdir->n_children; i++)
		if (cmp_name(&sdir->children[i - 1], &sdir->children[i]) > 0)
			break;
	if (i >= sdir->n_children)
		return sdir->children;
	*copy = malloc(sdir->n_children * sizeof(**copy));
	if (!*copy)
		return NULL;
	memcpy(*copy, sdir->children, sdir->n_children * sizeof(**copy));
	qsort(*copy, sdir->n_children, sizeof(**copy), cmp_name);
	return *copy;
}

/* Both lists in name order (libisofs keeps a folder's children sorted),
 * so one pass pairs them up. */
static void walk(struct cmp *c, uint32_t dir, const struct snap_node *sdir)
{
	uint32_t id = index_first_child(c->idx, dir), i = 0, nk;
	struct snap_node **copy = NULL, **kids;
	void *mem = NULL;

	if (sdir->clean) {   /* made sorted */
		if (sdir->has_digest &&
		    stage_digest_index(c->idx, dir) != sdir->digest)
			bad(c, "a kept folder is not what was staged");
		if (stage_snap_expand(c->snap, sdir, &kids, &nk, &mem))
			bad(c, "out of memory");
	} else {
		kids = sorted_children(sdir, &copy);
		nk = kids ? sdir->n_children : 0;
		if (!kids && sdir->n_children)
			bad(c, "out of memory");
	}
	while (id != IDX_NONE || i < nk) {
		const char *name = id != IDX_NONE ? index_name(c->idx, id) : NULL;
		const struct snap_node *sn = i < nk ? kids[i] : NULL;
		int d = !name ? 1 : !sn ? -1 : strcmp(name, sn->name);

		if (d == 0)
			visit(c, id, sn);
		else if (d < 0)
			missing(c, name, "not staged");
		else
			missing(c, sn->name, "missing");
		if (d <= 0)
			id = index_next_sibling(c->idx, id);
		if (d >= 0)
			i++;
	}
	free(copy);
	stage_snap_expand_free(mem);
}

unsigned int imgfmt_readback_compare(const struct index *idx,
				     const struct stage_snapshot *snap, char *report,
				     size_t size)
{
	struct cmp c = { .idx = idx, .snap = snap, .report = report,
			 .size = size };
	struct idx_node root;

	if (size)
		report[0] = '\0';
	index_get(idx, IDX_ROOT, &root);
	check_entry(&c, &root, IDX_ROOT, snap->root);
	walk(&c, IDX_ROOT, snap->root);
	if (index_info(idx)->damaged)
		c.bad++;
	imgfmt_keymap_free(&c.key_to_file);
	imgfmt_keymap_free(&c.file_to_key);
	return c.bad;
}
