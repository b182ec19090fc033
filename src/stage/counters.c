/* counters.c — what the space check needs (entries, their directory
 * record cost, pending content), kept up to date by each change instead of
 * a walk of the whole tree every 200 ms while writes arrive. Each linked
 * name remembers the cost it added (acost), each node the content size it
 * added (asize); a change accounts again what it touched. Every full walk
 * (pending, status, statfs, a commit's freeze) sets all of them afresh, and
 * the rare changes of many entries at once (discard, restore, revert, a
 * commit's or a blank's rebase) ask for such a walk instead of counting. */
#include "stage/stage_priv.h"

static uint64_t blocks(uint64_t size)
{
	return (size + 2047) / 2048 * 2048;
}

/* The content n adds: a data file of its own and at least one name. */
static void count_content(struct stage *st, struct snode *n)
{
	uint64_t want = n->data_id && n->nlink ? n->size : 0;

	st->counts.pending_bytes += want - n->asize;
	st->counts.pending_blocks += blocks(want) - blocks(n->asize);
	n->asize = want;
}

static void count_cost(struct stage *st, struct sdentry *de)
{
	uint64_t c = stage_dentry_cost(st, de);

	st->counts.meta_bytes += c - de->acost;
	de->acost = c;
}

void stage_count_node(struct stage *st, struct snode *n)
{
	for (struct sdentry *de = n->aliases; de; de = de->alias_next)
		if (de->parent)  /* the root costs a fixed amount */
			count_cost(st, de);
	count_content(st, n);
}

void stage_count_added(struct stage *st, struct sdentry *de)
{
	st->counts.tree_entries++;
	de->acost = 0;
	stage_count_node(st, de->node);
}

void stage_count_removed(struct stage *st, struct sdentry *de)
{
	st->counts.tree_entries--;
	st->counts.meta_bytes -= de->acost;
	de->acost = 0;
}

/* A lower entry that gets a name was counted with the lower folder's
 * subtree already, at the same cost. */
void stage_count_materialized(struct stage *st, struct sdentry *de)
{
	st->counts.tree_entries--;
	st->counts.meta_bytes -= de->acost;
}

void stage_count_stale(struct stage *st)
{
	st->counts_stale = true;
}

void stage_count_walk_begin(struct stage *st)
{
	for (struct snode *n = st->data_nodes; n; n = n->dnext)
		n->asize = 0;
}

void stage_count_walk_end(struct stage *st, const struct stage_stats *s)
{
	st->counts = *s;
	st->counts_stale = false;
}
