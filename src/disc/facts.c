/* facts.c — what the medium is: profile, state, sessions, space. Read from
 * the libraries under lib_lock, published in d->facts under state_lock so
 * disc_get_facts() never waits for a burn. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "disc/disc_int.h"

void disc_toc_session_extent(struct isoburn_toc_session *s, uint32_t *start,
			     uint32_t *blocks, char volid[33])
{
	struct isoburn_toc_track **tr;
	struct burn_toc_entry e;
	int nt = 0, lba, nb;

	volid[0] = '\0';
	tr = isoburn_toc_session_get_tracks(s, &nt);
	if (nt > 0 && isoburn_toc_track_get_emul(tr[0], &lba, &nb, volid, 0) == 1) {
		*start = lba;
		*blocks = nb;
	} else if (nt > 0) {
		/* Real multi-session media: the session spans its tracks. */
		isoburn_toc_track_get_entry(tr[0], &e);
		*start = e.start_lba;
		*blocks = isoburn_toc_session_get_sectors(s);
	} else {
		*start = 0;
		*blocks = isoburn_toc_session_get_sectors(s);
	}
}

/* Session n (1 = oldest, 0 = newest) of the TOC. Returns the number of
 * sessions (0 on a blank medium: nothing is filled then) or -errno. */
int disc_toc_session_locked(struct disc *d, int n, uint32_t *start_lba,
			    uint32_t *blocks, char volid[33])
{
	struct isoburn_toc_disc *t = isoburn_toc_drive_get_disc(d->drive);
	struct isoburn_toc_session **ss;
	int count = 0;
	char vid[33] = "";

	if (!t)
		return 0;
	ss = isoburn_toc_disc_get_sessions(t, &count);
	if (count <= 0 || !ss)
		goto out;
	if (n == 0)
		n = count;
	if (n < 1 || n > count) {
		count = -ENOENT;
		goto out;
	}
	disc_toc_session_extent(ss[n - 1], start_lba, blocks, vid);
	if (volid)
		memcpy(volid, vid, 33);
out:
	isoburn_toc_disc_free(t);
	return count;
}

static enum disc_media media_of(enum burn_disc_status s, const char **why)
{
	*why = "";
	switch (s) {
	case BURN_DISC_BLANK: return DISC_MEDIA_BLANK;
	case BURN_DISC_APPENDABLE: return DISC_MEDIA_APPENDABLE;
	case BURN_DISC_FULL:
		*why = "the medium is closed or full";
		return DISC_MEDIA_CLOSED;
	case BURN_DISC_UNSUITABLE:
		*why = "the medium is not suitable for writing";
		return DISC_MEDIA_CLOSED;
	case BURN_DISC_EMPTY:
		*why = "no medium in the drive";
		return DISC_MEDIA_NONE;
	default:
		*why = "the medium is not ready";
		return DISC_MEDIA_NONE;
	}
}

/* Bytes taken by the recorded sessions: up to the next writable address on
 * appendable media (it includes the padding between sessions), else up to
 * the end of the newest session, else the image file's size. */
static uint64_t used_bytes(struct disc *d, const struct disc_facts *f)
{
	uint32_t start = 0, blocks = 0;
	int lba, nwa;
	struct stat st;

	if (f->sessions == 0)
		return 0;
	if (f->media == DISC_MEDIA_APPENDABLE &&
	    isoburn_disc_track_lba_nwa(d->drive, NULL, 0, &lba, &nwa) == 1 &&
	    nwa > 0)
		return (uint64_t)nwa * 2048;
	if (disc_toc_session_locked(d, 0, &start, &blocks, NULL) > 0 &&
	    start + blocks > 0)
		return ((uint64_t)start + blocks) * 2048;
	if (d->img_fd >= 0 && fstat(d->img_fd, &st) == 0)
		return st.st_size;
	return 0;
}

static void space_facts(struct disc *d, struct disc_facts *f)
{
	off_t avail = 0;

	f->used_bytes = used_bytes(d, f);
	if (d->capacity_opt) {
		f->capacity_bytes = d->capacity_opt;
	} else {
		if (f->media == DISC_MEDIA_BLANK ||
		    f->media == DISC_MEDIA_APPENDABLE)
			avail = isoburn_disc_available_space(d->drive, NULL);
		f->capacity_bytes = f->used_bytes + (avail > 0 ? avail : 0);
	}
	f->free_bytes = f->capacity_bytes > f->used_bytes ?
			f->capacity_bytes - f->used_bytes : 0;
	if (!f->writable)
		f->free_bytes = 0;
}

/* Who laid the medium out, and whether burnfs may write to it. */
static void layout_facts(struct disc *d, struct disc_facts *f)
{
	struct disc_layout L;
	char what[DISC_TEXT_LEN];

	disc_layout_read_locked(d, &L);
	if (f->media == DISC_MEDIA_BLANK || f->media == DISC_MEDIA_NONE) {
		snprintf(f->origin, sizeof(f->origin), "blank");
		return;
	}
	snprintf(f->damage, sizeof(f->damage), "%s", L.damage);
	f->foreign = L.at_zero || L.udf || L.tail_foreign;
	disc_layout_foreign_text(&L, what, sizeof(what));
	snprintf(f->origin, sizeof(f->origin), "%s%.200s",
		 f->foreign ? "foreign: " : "multisession", f->foreign ? what : "");
}

int disc_read_facts_locked(struct disc *d, struct disc_facts *f)
{
	const char *why;
	int pno = 0, n;

	memset(f, 0, sizeof(*f));
	memcpy(f->target, d->target, sizeof(f->target));
	f->is_image = d->is_image;
	if (burn_disc_get_profile(d->drive, &pno, f->profile) <= 0 ||
	    !f->profile[0])
		strcpy(f->profile, "none");
	f->media = media_of(isoburn_disc_get_status(d->drive), &why);
	snprintf(f->closed_reason, sizeof(f->closed_reason), "%s", why);
	if (d->is_image && burn_drive_get_drive_role(d->drive) == 4) {
		f->media = DISC_MEDIA_CLOSED;
		snprintf(f->closed_reason, sizeof(f->closed_reason),
			 "the image file is not writable");
	}
	f->writable = f->media == DISC_MEDIA_BLANK ||
		      f->media == DISC_MEDIA_APPENDABLE;
	n = disc_toc_session_locked(d, 0, &(uint32_t){0}, &(uint32_t){0},
				    f->volid);
	f->sessions = n > 0 ? n : 0;
	if (f->media == DISC_MEDIA_BLANK)
		f->sessions = 0;
	layout_facts(d, f);
	space_facts(d, f);
	disc_drain_msgs();
	return 0;
}

/* A damaged layout, a damaged session table (scan_note) or an unreadable
 * newest session (load_note): nothing is written, staging/ is read-only,
 * and media_note says why. */
void disc_facts_apply_damage(struct disc_facts *f, const char *scan_note,
			     const char *load_note)
{
	if (!f->damage[0])
		snprintf(f->damage, sizeof(f->damage), "%.160s%s%.90s",
			 scan_note, scan_note[0] && load_note[0] ? "; " : "",
			 load_note);
	if (!f->damage[0] || f->media == DISC_MEDIA_NONE)
		return;
	f->media = DISC_MEDIA_CLOSED;
	f->writable = false;
	f->free_bytes = 0;
	snprintf(f->closed_reason, sizeof(f->closed_reason),
		 "damaged: %.200s; burnfs will not write to it", f->damage);
}

void disc_facts_apply_closed(struct disc_facts *f, bool closed_marker)
{
	if (!closed_marker || f->media == DISC_MEDIA_NONE)
		return;
	f->media = DISC_MEDIA_CLOSED;
	f->writable = false;
	f->free_bytes = 0;
	snprintf(f->closed_reason, sizeof(f->closed_reason),
		 "closed by commit close");
}

void disc_get_facts(struct disc *d, struct disc_facts *out)
{
	pthread_mutex_lock(&d->state_lock);
	*out = d->facts;
	pthread_mutex_unlock(&d->state_lock);
}

void disc_set_capacity(struct disc *d, uint64_t capacity)
{
	pthread_mutex_lock(&d->state_lock);
	d->capacity_opt = capacity;
	d->facts.capacity_bytes = capacity;
	d->facts.free_bytes = capacity > d->facts.used_bytes && d->facts.writable
			      ? capacity - d->facts.used_bytes : 0;
	pthread_mutex_unlock(&d->state_lock);
}
