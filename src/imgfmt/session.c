/* session.c — one new session from a stage snapshot: load the newest
 * session's tree, map the lower index's ids to its nodes, apply the
 * snapshot, write, and read the medium afresh. Knows nothing of the stage
 * object itself (job_commit freezes before and hands back after), so the
 * tests drive it with hand-built snapshots. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "burnfs/grow.h"
#include "imgfmt/imgfmt_priv.h"
#include "imgfmt/foreign.h"
#include "imgfmt/readback.h"
#include "burnfs/log.h"
#include "burnfs/stage.h"


int imgfmt_collect_node(void *ctx, uint32_t id, IsoNode *node, uint32_t parent)
{
	struct imgfmt_id_map *m = ctx;

	if (id >= m->cap) {
		uint32_t old = m->cap;
		int r = GROW(&m->by_id, &m->cap, (size_t)id + 1, 1024);

		if (r)
			return r;
		memset(m->by_id + old, 0, (m->cap - old) * sizeof(*m->by_id));
	}
	m->by_id[id] = node;
	if (id >= m->n)
		m->n = id + 1;
	return 0;
}

/* The snapshot's origin ids are ids of the stage's lower index; they name
 * nodes of the tree just loaded only if that is the same session. */
static int check_same_session(const struct index *lower,
			      const struct imgfmt_id_map *m,
			      const struct stage_snapshot *snap,
			      struct errmsg *em)
{
	uint32_t count = index_count(lower);
	uint32_t start = index_info(lower)->start_lba;

	if (count != m->n || start != snap->base_lba)
		return errmsg_set(em, -EIO, "the medium changed under the staged changes "
				  "(session at %u with %u entries, staged against %u)",
				  start, m->n, snap->base_lba);
	return 0;
}

static int load_tree(struct disc *d, IsoImage **img, struct imgfmt_id_map *m,
		     struct errmsg *em)
{
	int rc = imgfmt_take_newest_locked(d, img, em);

	if (rc)
		return rc;
	rc = imgfmt_walk_image(*img, imgfmt_collect_node, m);
	if (rc)
		return errmsg_set(em, rc, "cannot walk the newest session's tree");
	rc = imgfmt_pin_filtered_inos(*img, m->by_id, m->n);
	if (rc)
		return errmsg_set(em, rc, "cannot mark the inodes of compressed files");
	return 0;
}

int imgfmt_write_snapshot_locked(struct disc *d,
				 const struct stage_snapshot *snap,
				 const struct job_settings *s, bool close,
				 uint64_t free_bytes, struct errmsg *em)
{
	struct index *lower = disc_lower(d);
	struct imgfmt_readback rb = { .snap = snap };
	struct imgfmt_id_map m = { 0 };
	struct imgfmt_foreigns fs;
	IsoImage *img = NULL;
	struct errmsg rem = { "" };
	int rc, r2;

	/* Sessions restored from first: each load attaches the newest tree
	 * to the drive again, and the write grows from the tree loaded last. */
	rc = imgfmt_foreign_load(d, snap, &fs, em);
	if (!rc)
		rc = load_tree(d, &img, &m, em);
	if (!rc)
		rc = check_same_session(lower, &m, snap, em);
	if (!rc && s->volid[0])
		iso_image_set_volume_id(img, s->volid);
	if (!rc)
		rc = imgfmt_apply_snapshot_from(img, lower, m.by_id, m.n, snap,
					      close && disc_emulated_locked(d), &fs,
					      s->compress, em);
	if (!rc)
		rc = imgfmt_write_session(d, &img, s, close, free_bytes, &rb, em);
	if (img)
		iso_image_unref(img);
	imgfmt_foreign_free(&fs);
	index_unref(lower);
	free(m.by_id);
	/* The drive's attached image holds the modified tree, and after a
	 * write the medium has a new session: read the medium afresh. */
	r2 = disc_reload_locked(d, &rem);
	imgfmt_drop_prepared_locked(d);   /* used by the reload, or stale */
	if (r2 < 0) {
		blog_error("reloading the medium after the commit failed: %s", rem.text);
		if (!rc)
			rc = errmsg_set(em, r2, "%s, but reloading the medium failed: %s",
					s->simulate ? "simulated" : "the session was written",
					rem.text);
	}
	return rc;
}

