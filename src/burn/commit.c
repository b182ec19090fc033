/* commit.c — burn_commit: freeze the stage, load the newest session, apply
 * the snapshot, write, activate, reload, and hand the result back to the
 * stage. Whatever fails after the freeze folds the frozen layer back
 * (stage_commit_failed), so nothing staged is ever lost. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "burn/burn_priv.h"
#include "burnfs/log.h"
#include "burnfs/stage.h"

/* What commit_locked() left for the stage. */
enum outcome { WRITTEN, NOTHING_WRITTEN };

struct id_map {
	IsoNode **by_id;
	uint32_t n, cap;
};

void burn_settings_default(struct burn_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->joliet = true;
}

static int collect_node(void *ctx, uint32_t id, IsoNode *node, uint32_t parent)
{
	struct id_map *m = ctx;

	if (id >= m->cap) {
		uint32_t cap = m->cap ? m->cap * 2 : 1024;
		IsoNode **nb;

		while (cap <= id)
			cap *= 2;
		nb = realloc(m->by_id, cap * sizeof(*nb));
		if (!nb)
			return -ENOMEM;
		memset(nb + m->cap, 0, (cap - m->cap) * sizeof(*nb));
		m->by_id = nb;
		m->cap = cap;
	}
	m->by_id[id] = node;
	if (id >= m->n)
		m->n = id + 1;
	return 0;
}

static int check_writable(const struct disc_facts *f, struct errmsg *em)
{
	if (f->media == DISC_MEDIA_NONE)
		return errmsg_set(em, -ENOMEDIUM, "no medium in the drive");
	if (f->media == DISC_MEDIA_CLOSED)
		return errmsg_set(em, -EROFS, "the medium is closed%s%s",
				  f->closed_reason[0] ? ": " : "", f->closed_reason);
	if (!f->writable)
		return errmsg_set(em, -EROFS, "the medium is not writable%s%s",
				  f->closed_reason[0] ? ": " : "", f->closed_reason);
	return 0;
}

/* The snapshot's origin ids are ids of the stage's lower index; they name
 * nodes of the tree just loaded only if that is the same session. */
static int check_same_session(struct disc *d, const struct id_map *m,
			      const struct stage_snapshot *snap,
			      struct errmsg *em)
{
	struct index *lower = disc_lower(d);
	uint32_t count = index_count(lower);
	uint32_t start = index_info(lower)->start_lba;
	int rc = 0;

	if (count != m->n || start != snap->base_lba)
		rc = errmsg_set(em, -EIO, "the medium changed under the staged changes "
				"(session at %u with %u entries, staged against %u)",
				start, m->n, snap->base_lba);
	index_unref(lower);
	return rc;
}

static bool volid_changes(const struct burn_settings *s,
			  const struct disc_facts *f)
{
	return s->volid[0] && strcmp(s->volid, f->volid) != 0;
}

/* Emulated media (image files, DVD+RW, BD-RE, ...) cannot be closed by
 * libburn: burnfs records the closed state on the root instead. */
static bool needs_closed_mark(struct disc *d)
{
	return d->is_image || isoburn_needs_emulation(d->drive) == 1;
}

static int load_tree(struct disc *d, IsoImage **img, struct id_map *m,
		     struct errmsg *em)
{
	int rc = disc_load_image_locked(d, 0, img, em);

	if (rc)
		return rc;
	rc = disc_walk_image(*img, collect_node, m);
	if (rc)
		return errmsg_set(em, rc, "cannot walk the newest session's tree");
	return 0;
}

/* lib_lock held. On return *snap is the frozen snapshot (or NULL if the
 * freeze did not happen). Returns WRITTEN, NOTHING_WRITTEN or -errno. */
static int commit_locked(struct disc *d, struct stage *st,
			 const struct burn_settings *s, bool close,
			 const struct disc_facts *f,
			 struct stage_snapshot **snap, struct errmsg *em)
{
	struct id_map m = { 0 };
	IsoImage *img = NULL;
	bool touched = false;
	int rc;

	rc = load_tree(d, &img, &m, em);
	if (rc)
		goto out;
	rc = stage_freeze(st, snap);
	if (rc) {
		*snap = NULL;
		errmsg_set(em, rc, "cannot freeze the staged changes");
		goto out;
	}
	if ((*snap)->pending_entries == 0 && !close && !volid_changes(s, f)) {
		blog_info("commit: nothing pending");
		rc = NOTHING_WRITTEN;
		goto out;
	}
	rc = check_same_session(d, &m, *snap, em);
	if (rc)
		goto out;
	touched = true;
	if (s->volid[0])
		iso_image_set_volume_id(img, s->volid);
	rc = burn_apply_snapshot(img, m.by_id, m.n, *snap,
				 close && needs_closed_mark(d), em);
	if (!rc)
		rc = burn_write_session(d, img, s, close, f->free_bytes, em);
	if (!rc)
		rc = s->simulate ? NOTHING_WRITTEN : WRITTEN;
out:
	if (img)
		iso_image_unref(img);
	free(m.by_id);
	/* The drive's attached image holds the modified tree, and after a
	 * write the medium has a new session: load the medium afresh. A
	 * failure here after a good write keeps the changes staged (burned
	 * again next time: duplicated, never lost). */
	if (touched) {
		struct errmsg rem;
		int r2 = disc_reload_locked(d, &rem);

		if (r2 < 0) {
			blog_error("reloading the medium after the commit failed: %s", rem.text);
			if (rc == WRITTEN)
				rc = errmsg_set(em, r2, "the session was written, but reloading the medium failed: %s",
						rem.text);
		}
	}
	return rc;
}

int burn_commit(struct disc *d, struct stage *st,
		const struct burn_settings *s, bool close, struct errmsg *em)
{
	struct stage_snapshot *snap = NULL;
	struct disc_facts f;
	int rc;

	rc = job_begin(d, JOB_COMMITTING, em);
	if (rc)
		return rc;
	disc_get_facts(d, &f);
	rc = check_writable(&f, em);
	if (rc)
		goto out;
	pthread_mutex_lock(&d->lib_lock);
	rc = commit_locked(d, st, s, close, &f, &snap, em);
	pthread_mutex_unlock(&d->lib_lock);
	if (rc == WRITTEN) {
		struct index *lower = disc_lower(d);

		rc = stage_commit_done(st, snap, lower);
		index_unref(lower);
		if (rc)
			errmsg_set(em, rc, "the session was written, but the stage could not be updated");
		else
			blog_info("commit: session written%s", close ? ", medium closed" : "");
	} else if (snap) {
		stage_commit_failed(st, snap);
	}
	if (rc == NOTHING_WRITTEN)
		rc = 0;
out:
	job_end(d);
	return rc;
}
