/* loadable.c — may the libraries load this session? Asked before the
 * daemon loads a session of an image in-process, because libisofs and
 * libisoburn hang or crash on some damaged ones: the directory trees are
 * walked for loops first (treecheck.c, at once); then, while the mount is
 * being set up, the load runs under the watchdog of guard.c, and after
 * that a child process loads the session first with a deadline (probe.c).
 * The answer is remembered by where the session lies, so each session
 * costs at most one probe per mount; a session burnfs has just written is
 * taken as it is. sessions/N of an older session of an image is the
 * exception: there the probe is the load (it sends the daemon its index),
 * so a session known good is probed again each time it is loaded. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disc/disc_int.h"

struct disc_loadable {
	uint32_t start, blocks;
	int err;                   /* 0: loadable */
	char why[DISC_TEXT_LEN];
};

static struct disc_loadable *find(struct disc *d, uint32_t start,
				  uint32_t blocks)
{
	for (size_t i = 0; i < d->n_loadable; i++)
		if (d->loadable[i].start == start && d->loadable[i].blocks == blocks)
			return &d->loadable[i];
	return NULL;
}

void disc_loadable_note(struct disc *d, uint32_t start, uint32_t blocks,
			int err, const char *why)
{
	struct disc_loadable *n;

	n = realloc(d->loadable, (d->n_loadable + 1) * sizeof(*n));
	if (!n)
		return;   /* asked again next time */
	d->loadable = n;
	n += d->n_loadable++;
	n->start = start;
	n->blocks = blocks;
	n->err = err;
	snprintf(n->why, sizeof(n->why), "%.250s", why);
}

/* The newest session is read from the descriptors at block 16 (libisoburn's
 * copy of them), unless they are damaged (a free scan); an older one from
 * its own, 16 blocks into it. */
static int ask(struct disc *d, int n, int count, uint32_t start,
	       uint32_t blocks, struct index **out, struct errmsg *em)
{
	bool own = n < count || disc_sessions_scanned(d);
	uint32_t vd = own ? start + 16 : 16;
	char why[DISC_TEXT_LEN];
	uint64_t size = 0;
	int r;

	if (d->img_fd >= 0 && disc_medium_size(d->img_fd, &size) == 0) {
		r = disc_tree_check(d->img_fd, size, vd, why, sizeof(why));
		if (r < 0)
			return errmsg_set(em, r == -ELOOP ? -EIO : r,
					  "session %d cannot be read: %s", n, why);
	}
	/* During disc_open the watchdog bounds the load itself. */
	return d->guarded ? 0 : disc_probe_session(d, n, count, blocks, out, em);
}

int disc_check_loadable_locked(struct disc *d, int n, int count,
			       struct errmsg *em)
{
	uint32_t start = 0, blocks = 0;
	struct disc_loadable *known;
	int r;

	if (!d->is_image || n < 1 ||
	    disc_toc_session_locked(d, n, &start, &blocks, NULL) <= 0)
		return 0;
	/* the probe opens the path: not what another file there holds (and
	 * not remembered: the file may come back) */
	r = disc_check_image_path(d, em);
	if (r < 0)
		return r;
	known = find(d, start, blocks);
	if (known)
		return known->err ? errmsg_set(em, known->err, "%s", known->why) : 0;
	if (d->just_wrote && n == count)
		r = 0;   /* burnfs's own new session */
	else
		r = ask(d, n, count, start, blocks, NULL, em);
	if (r == 0 && d->guarded)
		/* the load comes next, watched: not remembered as good before
		 * it ended (a restart forgets everything anyway) */
		disc_guard_loading(d, n, start, blocks);
	else
		disc_loadable_note(d, start, blocks, r, r ? em->text : "");
	return r;
}

/* The probe of an older session of an image also indexes it and hands
 * the index over, so the daemon does not load the session again. A
 * session known good (probed before in this mount, its index since given
 * up by the sessions cache) is probed again for its index rather than
 * loaded here: about as fast (the child's acquire and the hand-over
 * against the daemon freeing the tree), and the daemon never holds a
 * session's libisofs tree, so opening sessions leaves its heap as it was.
 * A known refusal is answered by disc_check_loadable_locked. */
int disc_session_from_probe_locked(struct disc *d, int n,
				   struct index **out, struct errmsg *em)
{
	uint32_t start = 0, blocks = 0;
	struct disc_loadable *known;
	int count, r;

	*out = NULL;
	if (!d->is_image || d->guarded || n < 1)
		return 0;
	count = disc_toc_session_locked(d, n, &start, &blocks, NULL);
	known = count > n ? find(d, start, blocks) : NULL;
	if (count <= n || (known && known->err))
		return 0;
	r = disc_check_image_path(d, em);
	if (r < 0)
		return r;
	if (known)
		r = disc_probe_session(d, n, count, blocks, out, em);
	else
		r = ask(d, n, count, start, blocks, out, em);
	if (!known)
		disc_loadable_note(d, start, blocks, r, r ? em->text : "");
	return r < 0 ? r : *out != NULL;
}

void disc_loadable_free(struct disc *d)
{
	free(d->loadable);
	d->loadable = NULL;
	d->n_loadable = 0;
}
