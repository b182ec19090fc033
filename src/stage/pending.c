/* pending.c — what the next session changes, by comparing the merged tree
 * with the lower index: A (new name), M (content or attributes), R (a lower
 * entry's own name or folder changed), D (topmost lower entry no name refers
 * to any more). A new entry that took the place of a disc entry nothing
 * else refers to (an editor's or rsync's temp file renamed over it) is M,
 * like `git status`, not A plus D. A folder whose times a call set (touch,
 * rsync -a) is M, and so is staging/ itself ("M /"), but not one whose
 * mtime moved with its entries; times compare in whole seconds: that is
 * what the disc records, so rsync -a of an unchanged source leaves
 * nothing pending. A restore shows as one line for its root, S (N:/path
 * in session N -> where it now stands); below it only what changed since
 * (M) or was added (A). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "burnfs/cescape.h"
#include "burnfs/grow.h"
#include "stage/stage_priv.h"

struct replaced {
	size_t line;    /* index in lines (text mode) */
	uint32_t lower; /* the disc entry at the same path */
};

struct pwalk {
	struct stage *st;
	uint8_t *ref;         /* lower ids some name still refers to */
	bool text;
	char **lines;
	size_t n, cap;
	struct stage_stats s;
	struct replaced *cand;  /* new entries standing where a disc entry was */
	size_t ncand, capcand;
	uint32_t mark;
	bool in_restore;      /* walking below an S line */
	char *path, *lpath;   /* grown as deep paths need */
	size_t pcap, lcap;
};

/* Room for a path of len bytes (NUL included) in *buf of *cap bytes. */
static int room(char **buf, size_t *cap, size_t len)
{
	char *p;

	if (len <= *cap)
		return 0;
	p = realloc(*buf, len * 2 + 64);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*cap = len * 2 + 64;
	return 0;
}

/* The path of lower entry id in w->lpath. */
static int lower_path(struct pwalk *w, uint32_t id)
{
	int ret;

	while ((ret = index_path(w->st->lower, id, w->lpath, w->lcap)) ==
	       -ENAMETOOLONG && w->lcap < (1u << 24))
		if (room(&w->lpath, &w->lcap, w->lcap + 1))
			return -ENOMEM;
	return ret < 0 ? ret : 0;
}

/* In whole seconds: what the disc records. */
static bool same_times(const struct snode *n, const struct idx_node *ln)
{
	return n->mtime.tv_sec == ln->mtime.tv_sec &&
	       n->atime.tv_sec == ln->atime.tv_sec;
}

bool stage_node_changed(const struct stage *st, const struct snode *n)
{
	struct idx_node view, *ln = &view;

	if (n->origin == IDX_NONE)
		return false;
	if (index_get(st->lower, n->origin, ln))
		return true;
	if (n->mode != ln->mode || n->uid != ln->uid || n->gid != ln->gid ||
	    stage_xattrs_differ(st, n))
		return true;
	/* A folder's times move with every entry made in it: they count
	 * when a call set them (touch, rsync -a, tar -x), or a commit with
	 * nothing else to write would leave staging/ showing times the
	 * disc lacks. A file's atime moves only by such a call too. */
	if (S_ISDIR(n->mode))
		return n->times_set && !same_times(n, ln);
	return n->data_id || !same_times(n, ln);
}

static int add_line(struct pwalk *w, char kind, const char *a, const char *b)
{
	char *line, *qa, *qb = NULL;
	int r;

	w->s.pending_entries++;
	if (!w->text)
		return 0;
	if (GROW(&w->lines, &w->cap, w->n + 1, 64))
		return -ENOMEM;
	qa = cescape_quote_path(a);
	if (b)
		qb = cescape_quote_path(b);
	if (!qa || (b && !qb))
		r = -1;
	else
		r = b ? asprintf(&line, "%c %s -> %s", kind, qa, qb)
		      : asprintf(&line, "%c %s", kind, qa);
	free(qa);
	free(qb);
	if (r < 0)
		return -ENOMEM;
	w->lines[w->n++] = line;
	return 0;
}

/* Every lower entry below an untouched folder is still there. */
static void mark_lower_subtree(struct pwalk *w, uint32_t dir)
{
	const struct index *lower = w->st->lower;
	struct idx_node ln;
	uint32_t id;

	for (id = index_first_child(lower, dir); id != IDX_NONE;
	     id = index_next_sibling(lower, id)) {
		index_get(lower, id, &ln);
		w->ref[id] = 1;
		w->s.tree_entries++;
		w->s.meta_bytes += stage_lower_entry_cost(&ln);
		if (S_ISDIR(ln.mode))
			mark_lower_subtree(w, id);
	}
}

bool stage_dentry_moved(const struct stage *st, const struct sdentry *de)
{
	uint32_t parent = index_parent(st->lower, de->lower);

	return parent == IDX_NONE || parent != de->parent->origin ||
	       strcmp(index_name(st->lower, de->lower), de->name);
}

/* Remember a new entry whose path a disc entry had. */
static int note_replacement(struct pwalk *w, const struct sdentry *de)
{
	const struct snode *parent = de->parent;
	int64_t lid;

	if (parent->origin == IDX_NONE)
		return 0;
	lid = index_lookup(w->st->lower, parent->origin, de->name);
	if (lid < 0)
		return 0;
	if (GROW(&w->cand, &w->capcand, w->ncand + 1, 16))
		return -ENOMEM;
	w->cand[w->ncand++] = (struct replaced){ w->n, (uint32_t)lid };
	return 0;
}

/* Replaced disc entries nothing else refers to: the A line becomes M (an
 * S line stays) and the entry counts as referenced, so no D line follows. */
static void fold_replacements(struct pwalk *w)
{
	for (size_t i = 0; i < w->ncand; i++) {
		struct replaced *c = &w->cand[i];

		if (w->ref[c->lower])
			continue;
		w->ref[c->lower] = 1;
		if (w->text && w->lines[c->line][0] == 'A')
			w->lines[c->line][0] = 'M';
	}
}

static int visit(struct pwalk *w, struct sdentry *de)
{
	struct snode *n = de->node;
	int ret = 0;

	w->s.tree_entries++;
	de->acost = stage_dentry_cost(w->st, de);
	w->s.meta_bytes += de->acost;
	if (n->data_id && n->mark != w->mark) {
		n->mark = w->mark;
		n->asize = n->size;
		w->s.pending_bytes += n->size;
		w->s.pending_blocks += (n->size + 2047) / 2048 * 2048;
	}
	if (de->rfrom) {   /* replacing a disc entry: no D line for it */
		ret = note_replacement(w, de);
		if (!ret)
			ret = add_line(w, 'S', de->rfrom, w->path);
		/* changed since it was restored: it is not the session's */
		if (!ret && n->rsrc && stage_restored_changed(n))
			ret = add_line(w, 'M', w->path, NULL);
		return ret;
	}
	if (de->lower == IDX_NONE && n->rsrc && w->in_restore)
		return stage_restored_changed(n) ? add_line(w, 'M', w->path, NULL) : 0;
	if (de->lower == IDX_NONE) {
		ret = note_replacement(w, de);
		return ret ? ret : add_line(w, 'A', w->path, NULL);
	}
	w->ref[de->lower] = 1;
	if (stage_dentry_moved(w->st, de)) {
		ret = lower_path(w, de->lower);
		if (ret)
			return ret;
		ret = add_line(w, 'R', w->lpath, w->path);
	}
	if (!ret && stage_node_changed(w->st, n))
		ret = add_line(w, 'M', w->path, NULL);
	return ret;
}

static int walk_dir(struct pwalk *w, const struct snode *dir, size_t plen)
{
	struct sdentry *de;
	int ret = 0;

	if (!dir->materialized) {
		mark_lower_subtree(w, dir->origin);
		return 0;
	}
	for (de = dir->children; de && !ret; de = de->sib_next) {
		size_t l = strlen(de->name);

		if (room(&w->path, &w->pcap, plen + l + 2))
			return -ENOMEM;
		w->path[plen] = '/';
		memcpy(w->path + plen + 1, de->name, l + 1);
		ret = visit(w, de);
		if (!ret && S_ISDIR(de->node->mode)) {
			bool was = w->in_restore;

			w->in_restore = was || de->rfrom;
			ret = walk_dir(w, de->node, plen + 1 + l);
			w->in_restore = was;
		}
	}
	w->path[plen] = '\0';
	return ret;
}

static int deleted(struct pwalk *w)
{
	uint32_t id, cnt = index_count(w->st->lower);
	int ret = 0;

	for (id = 1; id < cnt && !ret; id++) {
		if (w->ref[id] || !w->ref[index_parent(w->st->lower, id)])
			continue;
		ret = lower_path(w, id);
		if (!ret)
			ret = add_line(w, 'D', w->lpath, NULL);
	}
	return ret;
}

static int pwalk_run(struct stage *st, struct pwalk *w)
{
	int ret;

	w->st = st;
	w->mark = ++st->markgen;
	w->ref = calloc(index_count(st->lower) + 1, 1);
	if (!w->ref)
		return -ENOMEM;
	w->ref[IDX_ROOT] = 1;
	ret = room(&w->path, &w->pcap, 256);
	if (!ret)
		ret = room(&w->lpath, &w->lcap, 256);
	if (!ret) {
		stage_count_walk_begin(st);
		w->path[0] = '\0';
		w->s.meta_bytes = stage_entry_cost(S_IFDIR, 1, 0, 0, 0);
		ret = walk_dir(w, st->root->node, 0);
	}
	/* staging/ itself: its mode, owner, times and xattrs (a blank
	 * medium records none: its root's times are the mount's) */
	if (!ret && index_info(st->lower)->session != 0 &&
	    stage_node_changed(st, st->root->node))
		ret = add_line(w, 'M', "/", NULL);
	if (!ret) {
		fold_replacements(w);
		ret = deleted(w);
	}
	if (!ret)
		stage_count_walk_end(st, &w->s);
	else
		stage_count_stale(st);
	free(w->ref);
	free(w->cand);
	free(w->path);
	free(w->lpath);
	w->path = w->lpath = NULL;
	return ret;
}

/* Stats are cached until the next change. */
void stage_compute_stats(struct stage *st)
{
	struct pwalk *w;

	if (st->stats_gen == st->gen)
		return;
	w = calloc(1, sizeof(*w));
	if (!w || pwalk_run(st, w)) {
		free(w);
		return;
	}
	st->stats = w->s;
	st->stats_gen = st->gen;
	free(w);
}

void stage_get_stats(struct stage *st, struct stage_stats *out)
{
	STAGE_LOCK(st);
	stage_compute_stats(st);
	*out = st->stats;
	STAGE_UNLOCK(st);
}

void stage_get_space(struct stage *st, struct stage_stats *out)
{
	STAGE_LOCK_NODRAIN(st);
	if (st->counts_stale) {
		st->stats_gen = st->gen - 1;  /* walk even if nothing changed */
		stage_compute_stats(st);
	}
	*out = st->counts;
	out->pending_entries = st->stats.pending_entries;
	STAGE_UNLOCK(st);
}

/* By path: after "X ", and inside the quotes of a quoted one; an S line
 * by where the restored entry stands, after its " -> ". */
static const char *sort_key(const char *line)
{
	const char *to = line[0] == 'S' ? strstr(line, " -> ") : NULL;

	if (to)
		line = to + 2;
	return line[2] == '"' ? line + 3 : line + 2;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(sort_key(*(char *const *)a), sort_key(*(char *const *)b));
}

static int join_lines(struct pwalk *w, char **out, size_t *len)
{
	size_t total = 1, i, pos = 0;
	char *buf;

	if (w->n)
		qsort(w->lines, w->n, sizeof(*w->lines), cmp_line);
	for (i = 0; i < w->n; i++)
		total += strlen(w->lines[i]) + 1;
	buf = malloc(total);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < w->n; i++) {
		size_t l = strlen(w->lines[i]);

		memcpy(buf + pos, w->lines[i], l);
		buf[pos + l] = '\n';
		pos += l + 1;
	}
	buf[pos] = '\0';
	*out = buf;
	if (len)
		*len = pos;
	return 0;
}

int stage_pending_text(struct stage *st, char **out, size_t *len)
{
	struct pwalk *w;
	int ret = stage_take_owed(st);  /* else the burned changes show again */
	size_t i;

	if (ret)
		return ret;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->text = true;
	STAGE_LOCK(st);
	ret = pwalk_run(st, w);
	if (!ret) {
		st->stats = w->s;
		st->stats_gen = st->gen;
	}
	STAGE_UNLOCK(st);
	if (!ret)
		ret = join_lines(w, out, len);
	for (i = 0; i < w->n; i++)
		free(w->lines[i]);
	free(w->lines);
	free(w);
	return ret;
}
