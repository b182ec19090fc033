/* dump.c — rewrite the journal as the records that rebuild the current tree
 * from scratch (after a blank, where the old records name a lost disc).
 * Three passes: create every folder, file and symlink; add the extra hard
 * links; then set attributes and xattrs, folders after their content so the
 * recorded folder times are the final ones. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "stage/stage_priv.h"

struct dump {
	struct stage *st;
	char *buf;
	size_t len, cap;
	uint32_t mark;
	int err;
	char *path;         /* the entry being written, grown as needed */
	size_t pcap;
};

static void emit(struct dump *d, struct jrec *r)
{
	size_t len;
	char *rec;

	if (d->err)
		return;
	d->err = stage_journal_encode(r, &rec, &len);
	if (d->err)
		return;
	if (d->len + len > d->cap) {
		size_t cap = (d->len + len) * 2;
		char *t = realloc(d->buf, cap);

		if (!t) {
			d->err = -ENOMEM;
			free(rec);
			return;
		}
		d->buf = t;
		d->cap = cap;
	}
	memcpy(d->buf + d->len, rec, len);
	d->len += len;
	free(rec);
}

static void emit_create(struct dump *d, const struct sdentry *de)
{
	const struct snode *n = de->node;
	struct jrec r = { .p1 = d->path, .uid = n->uid, .gid = n->gid,
			  .ts = n->mtime, .mode = n->mode, .rdev = n->rdev,
			  .id = n->data_id };

	if (S_ISDIR(n->mode))
		r.op = J_MKDIR;
	else if (S_ISLNK(n->mode))
		r.op = J_SYMLINK, r.p2 = n->link;
	else
		r.op = J_MKNOD;
	emit(d, &r);
}

static void emit_links(struct dump *d, const struct sdentry *de)
{
	const struct sdentry *a;
	char *other;

	if (de->node->mark == d->mark)
		return;
	de->node->mark = d->mark;
	for (a = de->node->aliases; a; a = a->alias_next) {
		struct jrec r = { .op = J_LINK, .p1 = d->path };

		if (a == de || stage_node_path_dup(a, &other) < 0)
			continue;
		r.p2 = other;
		stage_now_ts(&r.ts);
		emit(d, &r);
		free(other);
	}
}

/* Room in d->path for a path of len bytes (its NUL included). */
static int path_room(struct dump *d, size_t len)
{
	char *p;

	if (len < d->pcap)
		return 0;
	p = realloc(d->path, len * 2 + 64);
	if (!p)
		return -ENOMEM;
	d->path = p;
	d->pcap = len * 2 + 64;
	return 0;
}

static void emit_attrs(struct dump *d, const struct snode *n)
{
	struct jrec r = { .op = J_ATTR, .p1 = d->path, .mode = n->mode & 07777,
			  .uid = n->uid, .gid = n->gid, .atime = n->atime,
			  .mtime = n->mtime, .ctime = n->ctime, .ts = n->ctime };
	uint32_t i;

	stage_attr_size(n, &r);
	for (i = 0; n->xa && i < n->xa->n; i++) {
		struct jrec x = { .op = J_SETXATTR, .p1 = d->path, .ts = n->ctime,
				  .name = n->xa->v[i].name,
				  .val = n->xa->v[i].value, .vlen = n->xa->v[i].len };

		emit(d, &x);
	}
	emit(d, &r);
}

/* pass 1: create (first name of each node), 2: links, 3: attributes */
static void walk(struct dump *d, const struct snode *dir, size_t plen, int pass)
{
	const struct sdentry *de;

	for (de = dir->children; de && !d->err; de = de->sib_next) {
		size_t l = strlen(de->name);
		bool first = de->node->mark != d->mark;

		if ((d->err = path_room(d, plen + l + 2)))
			return;
		d->path[plen] = '/';
		memcpy(d->path + plen + 1, de->name, l + 1);
		if (pass == 1 && first) {
			de->node->mark = d->mark;
			emit_create(d, de);
		} else if (pass == 2 && de->node->nlink > 1) {
			emit_links(d, de);
		}
		if (S_ISDIR(de->node->mode))
			walk(d, de->node, plen + 1 + l, pass);
		if (pass == 3 && de->node->mark != d->mark) {
			de->node->mark = d->mark;
			emit_attrs(d, de->node);
		}
	}
	d->path[plen] = '\0';
}

int stage_tree_dump_journal(struct stage *st)
{
	struct dump d = { .st = st };
	int pass, ret;

	d.err = path_room(&d, 2);
	if (!d.err)
		d.path[0] = '\0';
	for (pass = 1; pass <= 3 && !d.err; pass++) {
		d.mark = ++st->markgen;
		walk(&d, st->root->node, 0, pass);
	}
	if (!d.err) {
		strcpy(d.path, "/");
		emit_attrs(&d, st->root->node);
	}
	ret = d.err ? d.err : stage_journal_rewrite(st, d.buf, d.len);
	free(d.buf);
	free(d.path);
	return ret;
}
