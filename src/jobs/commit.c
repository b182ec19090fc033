/* commit.c — job_commit: freeze the stage, load the newest session, apply
 * the snapshot, write, activate, reload, and hand the result back to the
 * stage. Whatever fails after the freeze folds the frozen layer back
 * (stage_commit_failed), so nothing staged is ever lost. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/jobs_priv.h"
#include "burnfs/alloc.h"
#include "burnfs/log.h"
#include "burnfs/stage.h"

void job_settings_default(struct job_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->joliet = true;   /* Windows readers see long names */
}

/* What commit_locked() left for the stage. */
enum outcome { WRITTEN, NOTHING_WRITTEN };

/* f: a medium is in the drive (job_begin_medium checked). */
static int check_writable(const struct disc_facts *f,
			  const struct job_settings *s, struct errmsg *em)
{
	if (f->foreign && !s->foreign_overwrite && f->writable)
		return disc_foreign_refusal(f->origin + strlen("foreign: "), em);
	if (f->media == DISC_MEDIA_CLOSED)
		return errmsg_set(em, -EROFS, "the medium is closed%s%s",
				  f->closed_reason[0] ? ": " : "", f->closed_reason);
	if (!f->writable)
		return errmsg_set(em, -EROFS, "the medium is not writable%s%s",
				  f->closed_reason[0] ? ": " : "", f->closed_reason);
	return 0;
}

static bool volid_changes(const struct job_settings *s,
			  const struct disc_facts *f)
{
	return s->volid[0] && strcmp(s->volid, f->volid) != 0;
}

/* A medium closed by this commit (or full after it) takes no more
 * changes: staging/ turns read-only with the reason. */
static void follow_closed(struct disc *d, struct stage *st)
{
	struct disc_facts f;

	disc_get_facts(d, &f);
	if (f.media == DISC_MEDIA_CLOSED || !f.writable)
		stage_set_readonly(st, true, f.closed_reason[0] ? f.closed_reason
				   : "the medium takes no more sessions");
}

/* A staged file whose data file lost bytes in the cache is not burned
 * short or as zeros: the commit fails until it is removed or replaced. */
static int refuse_lost(struct stage *st, struct errmsg *em)
{
	char *first = NULL;
	size_t cnt = stage_lost_count(st, &first);
	int rc = 0;

	if (cnt)
		rc = errmsg_set(em, -EIO, "the cache lost bytes of %zu staged "
				"file(s) since they were written (%s%s): remove "
				"them or copy them again", cnt,
				first ? first : "see the log",
				first && cnt > 1 ? " and more; see the log" : "");
	free(first);
	return rc;
}

/* lib_lock held. On return *snap is the frozen snapshot (or NULL if the
 * freeze failed). Returns WRITTEN, NOTHING_WRITTEN or -errno. A reload
 * failure after a good write returns -errno too: the changes then stay
 * staged; the next commit meets ESTALE until the user discards or
 * remounts, and after a remount replay puts them on top of the new
 * session, whose commit writes them again (duplicated, never lost). */
static int commit_locked(struct disc *d, struct stage *st,
			 const struct job_settings *s, bool close,
			 const struct disc_facts *f,
			 struct stage_snapshot **snap, struct errmsg *em)
{
	int rc = refuse_lost(st, em);

	*snap = NULL;
	if (rc)
		return rc;
	rc = stage_freeze(st, snap);
	if (rc) {
		*snap = NULL;
		return errmsg_set(em, rc, "cannot freeze the staged changes");
	}
	if ((*snap)->pending_entries == 0 && !close && !volid_changes(s, f)) {
		blog_info("commit: nothing pending");
		return NOTHING_WRITTEN;
	}
	rc = disc_image_format(d)->write_snapshot(d, *snap, s, close,
						  f->free_bytes, em);
	if (rc)
		return rc;
	return s->simulate ? NOTHING_WRITTEN : WRITTEN;
}

int job_commit(struct disc *d, struct stage *st,
	       const struct job_settings *s, bool close, struct errmsg *em)
{
	struct stage_snapshot *snap = NULL;
	struct disc_facts f;
	int rc;

	rc = job_begin_medium(d, JOB_COMMITTING, &f, em);
	if (rc)
		return rc;
	rc = check_writable(&f, s, em);
	if (rc)
		goto out;
	disc_lock_lib(d);
	rc = commit_locked(d, st, s, close, &f, &snap, em);
	disc_unlock_lib(d);
	if (rc == WRITTEN) {
		struct index *lower = disc_lower(d);

		rc = stage_commit_done(st, snap, lower);
		index_unref(lower);
		if (rc)
			errmsg_set(em, rc, "the session was written, but the staging "
				   "area could not take it in (the next command "
				   "tries again)");
		else
			blog_info("commit: session written%s", close ? ", medium closed" : "");
		follow_closed(d, st);
	} else if (snap) {
		stage_commit_failed(st, snap);
	}
	/* The written tree, the snapshot and the old index are freed by now:
	 * hundreds of MiB on a big disc, which jemalloc would otherwise keep
	 * resident for its decay time. */
	alloc_release();
	if (rc == NOTHING_WRITTEN)
		rc = 0;
out:
	disc_job_end(d);
	return rc;
}
