/* lost.c — data files that lost bytes between mounts. Replay takes a
 * staged file's content from its data file as the file stands; a data
 * file removed or cut short on the cache disk (a cleaner emptying
 * ~/.cache, a bad block, a power loss before the file reached the disk)
 * used to come back empty or short without a word, and the next commit
 * burned that. Every J_ATTR about a file with a data file records the
 * size the file had; after replay a data file shorter than the last size
 * recorded for it has lost bytes: its node is marked and shows the size it
 * had, reads of it and commits fail with EIO (as a bad block on a local
 * disk does), the log and the status name it, until its content is
 * replaced (truncate, O_TRUNC) or it is removed. A data file longer than
 * recorded is not damage: writes after the last close land before their
 * size is journaled. Such a file, and one with no size recorded (written
 * but not closed before a crash, or its record lost to damage), gets a
 * record at the mount, so what the cache loses of it later is caught. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "burnfs/grow.h"
#include "burnfs/log.h"
#include "stage/stage_priv.h"

struct lost_note {
	uint64_t id, size;
	size_t seq;   /* later records win */
};

void stage_attr_size(const struct snode *n, struct jrec *r)
{
	if (S_ISREG(n->mode) && n->data_id) {
		r->flags |= JA_SIZE;
		r->id = n->size;
	}
}

void stage_lost_note(struct stage *st, const struct snode *n, const struct jrec *r)
{
	if (!(r->flags & JA_SIZE) || !n->data_id)
		return;
	if (GROW(&st->lnotes, &st->caplnotes, st->nlnotes + 1, 256))
		return;   /* out of memory: this one goes unchecked */
	st->lnotes[st->nlnotes] = (struct lost_note){ n->data_id, r->id, st->nlnotes };
	st->nlnotes++;
}

static int cmp_note(const void *a, const void *b)
{
	const struct lost_note *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The last size recorded for data file id, or NULL. */
static const struct lost_note *last_note(const struct stage *st, uint64_t id)
{
	size_t lo = 0, hi = st->nlnotes;

	while (lo < hi) {   /* the first note past id */
		size_t mid = lo + (hi - lo) / 2;

		if (st->lnotes[mid].id <= id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && st->lnotes[lo - 1].id == id ? &st->lnotes[lo - 1] : NULL;
}

/* n shows the size it had, so a reader meets EIO rather than a file
 * that looks shorter (or empty) and reads without an error. */
static void mark(struct stage *st, struct snode *n, uint64_t had)
{
	char *path = NULL;

	if (n->aliases)
		stage_node_path_dup(n->aliases, &path);
	blog_error("stage: %s: its data file in the cache holds %llu bytes of "
		   "the %llu it had: reads and commits fail with EIO until it "
		   "is removed or its content replaced", path ? path : "(unnamed)",
		   (unsigned long long)n->size, (unsigned long long)had);
	free(path);
	n->lost_bytes = st->lost_marked = true;
	n->size = had;
	stage_count_node(st, n);
}

static void record_size(struct stage *st, struct snode *n)
{
	int ret = stage_record_attr(st, n);

	if (ret)
		blog_warn("stage: cannot record the size of a staged file: %s",
			  strerror(-ret));
}

void stage_lost_check(struct stage *st)
{
	const struct lost_note *note;
	struct snode *n;

	if (st->nlnotes)
		qsort(st->lnotes, st->nlnotes, sizeof(*st->lnotes), cmp_note);
	for (n = st->data_nodes; n; n = n->dnext) {
		note = last_note(st, n->data_id);
		if (note && n->size < note->size)
			mark(st, n, note->size);
		else if (!note || n->size != note->size)
			record_size(st, n);
	}
	free(st->lnotes);
	st->lnotes = NULL;
	st->nlnotes = st->caplnotes = 0;
}

size_t stage_lost_count(struct stage *st, char **first)
{
	size_t cnt = 0;
	struct snode *n;

	/* every status read and commit asks: no walk of the staged files
	 * unless the mount found one */
	if (!st->lost_marked)
		return 0;
	STAGE_LOCK_NODRAIN(st);
	for (n = st->data_nodes; n; n = n->dnext) {
		/* a removed file kept alive by a handle or by the kernel's
		 * late forget is no longer in the tree: never burned */
		if (!n->lost_bytes || !n->nlink)
			continue;
		if (!cnt++ && first && n->aliases)
			stage_node_path_dup(n->aliases, first);
	}
	STAGE_UNLOCK(st);
	return cnt;
}
