/* sessions.c — the lower index (newest session), the indexes of
 * sessions/N/ (the lower serves its own session; older ones are loaded on
 * first use and a few kept, sesscache.c), and reloading after the medium
 * changed. */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "burnfs/log.h"
#include "disc/disc_int.h"

void disc_sessions_drop(struct disc *d)
{
	disc_sesscache_clear(&d->sessions);
	d->n_sessions = 0;
}

struct index *disc_lower(struct disc *d)
{
	struct index *idx;

	pthread_mutex_lock(&d->state_lock);
	idx = d->lower ? index_ref(d->lower) : NULL;
	pthread_mutex_unlock(&d->state_lock);
	return idx;
}

/* Session n's index in memory with a new ref, or NULL: the lower index
 * for its own session (one copy serves staging/ and sessions/N), else a
 * kept one. state_lock held. */
static struct index *cached(struct disc *d, int n)
{
	if (n < 1 || n > d->n_sessions)
		return NULL;
	if (d->lower && index_info(d->lower)->session == n)
		return index_ref(d->lower);
	return disc_sesscache_get(&d->sessions, n);
}

/* A new index, not shared yet, learns which medium it came from. */
static void stamp_ident(struct index *idx, uint64_t ident)
{
	struct idx_info info = *index_info(idx);

	info.disc_ident = ident;
	index_set_info(idx, &info);
}

/* lib_lock held. The index learns the medium as the last look found it,
 * so its reads answer ESTALE once another disc is there. */
static int load_session(struct disc *d, int n, struct index **out)
{
	uint64_t t0 = disc_now_us();
	struct errmsg em = { "" };
	int r = d->fmt->index_session(d, n, out, &em);

	disc_drain_msgs();
	if (r < 0) {
		blog_warn("session %d of %s: %s", n, d->target, em.text);
		return r == -ETIMEDOUT ? -EIO : r;
	}
	stamp_ident(*out, __atomic_load_n(&d->medium_ident, __ATOMIC_ACQUIRE));
	/* Tests count the loads done here: the probe's index must be used. */
	blog_info("session %d of %s: %u entries loaded in %.0f ms (%s)", n,
		  d->target, index_count(*out),
		  (double)(disc_now_us() - t0) / 1e3,
		  r == 1 ? "by the probe" : "in the daemon");
	return 0;
}

int disc_empty_index(struct disc *d, struct index **out)
{
	struct idx_info info = { 0 };
	struct idx_reader rd;
	int r;

	disc_reader_init(d, &rd);
	*out = index_new(&rd);
	if (!*out)
		return -ENOMEM;
	index_set_info(*out, &info);
	r = index_finish(*out);
	if (r < 0) {
		index_unref(*out);
		*out = NULL;
	}
	return r;
}

int disc_session_index_cached(struct disc *d, int n, struct index **out)
{
	pthread_mutex_lock(&d->state_lock);
	*out = cached(d, n);
	pthread_mutex_unlock(&d->state_lock);
	return *out ? 0 : -EAGAIN;
}

int disc_session_index(struct disc *d, int n, struct index **out)
{
	struct index *gone = NULL;
	int r, count;

	*out = NULL;
	pthread_mutex_lock(&d->state_lock);
	count = d->n_sessions;
	*out = cached(d, n);
	pthread_mutex_unlock(&d->state_lock);
	if (n < 1 || n > count)
		return -ENOENT;
	if (*out)
		return 0;
	r = disc_lock_lib_nonbusy(d);
	if (r < 0)
		return r;
	/* Stored before lib_lock is dropped, so no reload can slip in
	 * between loading and caching and leave a stale entry. */
	pthread_mutex_lock(&d->state_lock);
	*out = cached(d, n);
	count = d->n_sessions;
	pthread_mutex_unlock(&d->state_lock);
	if (!*out && n <= count)
		r = load_session(d, n, out);
	else if (!*out)
		r = -ENOENT;
	pthread_mutex_lock(&d->state_lock);
	if (r == 0 && n <= d->n_sessions)
		gone = disc_sesscache_put(&d->sessions, n, *out);
	pthread_mutex_unlock(&d->state_lock);
	pthread_mutex_unlock(&d->lib_lock);
	/* Freed outside the locks, unless someone still reads it. */
	index_unref(gone);
	return r;
}

static enum disc_content holds(struct disc *d)
{
	enum disc_content what;

	if (d->img_fd < 0 || disc_read_content(d->img_fd, &what) < 0)
		return DISC_HOLDS_OTHER;
	return what;
}

/* A volume descriptor at block 16 (or at 48 behind a head of zeros) of
 * an image with no session to show: a damaged disc, never a blank one. */
static bool holds_iso(struct disc *d)
{
	enum disc_content what = holds(d);

	return what == DISC_HOLDS_ISO || what == DISC_HOLDS_HEADLESS;
}

/* The newest readable session as the lower index (empty on a blank
 * medium), trying older ones when the newest cannot be read; *shown is
 * the one loaded. No readable session: -EIO with the newest's reason. */
static int load_lower(struct disc *d, int sessions, struct index **out,
		      bool *closed, int *shown, struct errmsg *em)
{
	struct errmsg first = { "" }, why = { "" };
	int n, r = 0;

	*closed = false;
	*shown = sessions;
	if (sessions == 0 && holds_iso(d))
		return errmsg_set(em, -ENODATA, "%s holds an ISO 9660 volume "
				  "descriptor, but no session of it can be found",
				  d->target);
	if (sessions == 0)
		return disc_empty_index(d, out);
	/* read-only: nothing grows from the newest tree */
	d->no_reattach = (d->acq_extra & DISC_ACQ_NO_TOC) != 0 ||
			 disc_sessions_scanned(d);
	for (n = sessions; n >= 1; n--) {
		r = d->fmt->index_lower(d, n, sessions, out, closed, &why);
		if (r == 0)
			break;
		blog_info("%s: %s", d->target, why.text);
		if (!first.text[0])
			first = why;
		/* The newest is not readable: nothing will be written, and
		 * an older session stays attached once loaded. */
		d->no_reattach = true;
	}
	*shown = n;
	d->just_wrote = false;
	/* Nothing readable is lost by emptying such a file */
	if (r < 0 && holds(d) == DISC_HOLDS_HEADLESS)
		return errmsg_set(em, -EIO, "no session of %s can be read (%s); "
				  "its head (blocks 0-31) is zeros, as a first "
				  "burn of an older burnfs left it when cut short: "
				  "truncate -s 0 %s makes it blank", d->target,
				  first.text, d->target);
	if (r < 0)
		return errmsg_set(em, -EIO, "no session of %s can be read (%s)",
				  d->target, first.text);
	return 0;
}

static bool had_lower(struct disc *d)
{
	bool had;

	pthread_mutex_lock(&d->state_lock);
	had = d->lower != NULL;
	pthread_mutex_unlock(&d->state_lock);
	return had;
}

/* The medium's identity now; 0 when there is none or its first session
 * cannot be read (then the sessions' places alone tell). lib_lock held. */
static uint64_t ident_now(struct disc *d, const struct disc_facts *f)
{
	uint64_t h = 0;

	if (f->sessions > 0 && f->media != DISC_MEDIA_NONE &&
	    disc_identity_hash_locked(d, &h) < 0)
		h = 0;
	return h;
}

/* Whether the lower index still shows the session it should: the
 * newest of the TOC, or the older one shown because the newest of this
 * very TOC cannot be read. */
static bool lower_is_current(struct disc *d, int sessions, uint64_t ident)
{
	uint32_t start = 0, blocks = 0;
	const struct idx_info *info;
	int want = sessions;
	bool same;

	pthread_mutex_lock(&d->state_lock);
	if (d->lower && d->fallback_from && d->fallback_from == sessions)
		want = index_info(d->lower)->session;
	pthread_mutex_unlock(&d->state_lock);
	if (want > 0 &&
	    disc_toc_session_locked(d, want, &start, &blocks, NULL) < 0)
		return false;
	pthread_mutex_lock(&d->state_lock);
	info = d->lower ? index_info(d->lower) : NULL;
	/* A disc put in the place of another, its sessions where the other's
	 * lay, is another disc all the same. */
	same = info && info->session == want && info->start_lba == start &&
	       info->blocks == blocks &&
	       idx_same_medium(info->disc_ident, ident);
	pthread_mutex_unlock(&d->state_lock);
	return same;
}

/* Whether the medium only grew: the session the old lower index showed is
 * still where it was, so every session up to it is unchanged and its
 * cached index stays good (a blank or another disc fails this). lib_lock
 * held; reads the TOC already assessed. */
static bool only_appended(struct disc *d, int sessions, uint64_t ident)
{
	uint32_t start = 0, blocks = 0, now_start = 0, now_blocks = 0;
	int n;

	pthread_mutex_lock(&d->state_lock);
	n = d->lower && idx_same_medium(index_info(d->lower)->disc_ident, ident) ?
	    index_info(d->lower)->session : 0;
	if (n > 0) {
		start = index_info(d->lower)->start_lba;
		blocks = index_info(d->lower)->blocks;
	}
	pthread_mutex_unlock(&d->state_lock);
	if (n < 1 || sessions < n ||
	    disc_toc_session_locked(d, n, &now_start, &now_blocks, NULL) < 0)
		return false;
	return now_start == start && now_blocks == blocks;
}

/* Why staging/ shows session `shown` and not the newest (state_lock). */
static void note_fallback(struct disc *d, int sessions, int shown)
{
	d->fallback_from = shown < sessions ? sessions : 0;
	d->load_note[0] = '\0';
	if (shown + 1 == sessions)
		snprintf(d->load_note, sizeof(d->load_note), "session %d cannot "
			 "be read; staging/ shows session %d", sessions, shown);
	else if (shown < sessions)
		snprintf(d->load_note, sizeof(d->load_note), "sessions %d to %d "
			 "cannot be read; staging/ shows session %d", shown + 1,
			 sessions, shown);
}

/* Publish new facts, and a new lower index. The sessions kept for
 * sessions/N stay when the medium only grew (they did not change); the
 * old lower index is not kept for its session: nobody may ever open it,
 * and a commit would otherwise hold one more index each time. */
static void publish(struct disc *d, struct disc_facts *f, struct index *idx,
		    bool closed, bool appended, int shown)
{
	struct index *old = NULL;

	pthread_mutex_lock(&d->state_lock);
	if (idx) {
		old = d->lower;
		d->lower = idx;
		d->closed_marker = closed;
		note_fallback(d, f->sessions, shown);
		if (!appended)
			disc_sesscache_clear(&d->sessions);
	}
	d->n_sessions = f->sessions;
	disc_facts_apply_closed(f, d->closed_marker);
	disc_facts_apply_damage(f, d->scan_note, d->load_note);
	snprintf(f->volid, sizeof(f->volid), "%s",
		 index_info(d->lower)->volid);
	d->facts = *f;
	pthread_mutex_unlock(&d->state_lock);
	if (old)
		index_unref(old);
}

int disc_reload_locked(struct disc *d, struct errmsg *em)
{
	int r = disc_reassess_locked(d, em);

	if (r == 0)
		r = disc_reload_fresh_locked(d, em);
	return r == -ENODATA ? -EIO : r;
}

int disc_reload_fresh_locked(struct disc *d, struct errmsg *em)
{
	struct disc_facts f;
	struct index *idx = NULL;
	bool closed = false, appended = false;
	uint64_t ident;
	int r, shown = 0;

	disc_reopen_img_fd(d);
	disc_read_facts_locked(d, &f);
	ident = ident_now(d, &f);
	__atomic_store_n(&d->medium_ident, ident, __ATOMIC_RELEASE);
	if (!lower_is_current(d, f.sessions, ident)) {
		appended = only_appended(d, f.sessions, ident);
		d->fmt->forget_lower(d);
		/* Another disc, or a blanked one: what was found about the
		 * sessions at these places is no longer true. (Not at the first
		 * load: that keeps what a restart of the mount found.) */
		if (!appended && had_lower(d))
			disc_loadable_free(d);
		r = load_lower(d, f.sessions, &idx, &closed, &shown, em);
		if (r < 0)
			return r;
		stamp_ident(idx, ident);
	}
	publish(d, &f, idx, closed, appended, shown);
	return idx ? 1 : 0;
}

int disc_refresh(struct disc *d, struct errmsg *em)
{
	/* libburn would re-read what the path names now, and the stage
	 * would show that file's tree over the bytes of the one mounted */
	int r = disc_check_image_path(d, em);

	if (r < 0)
		return r;
	r = disc_lock_lib_nonbusy(d);
	if (r < 0)
		return errmsg_set(em, r, "the medium is busy with a burn");
	r = disc_reload_locked(d, em);
	pthread_mutex_unlock(&d->lib_lock);
	disc_drain_msgs();
	return r;
}
