/* write.c — turn a modified IsoImage into a session on the medium:
 * image options, isoburn_prepare_disc, the space check, the asynchronous
 * write and its poll loop (progress, messages, cancel), and activation.
 * The sequence follows xorriso's Xorriso_write_session (xorriso/write_run.c
 * in the libisoburn sources), the libraries' own reference user.
 * On stdio and overwritable media activation is the second phase of a
 * two-phase commit: until isoburn_activate_session rewrites LBA 0..31 the
 * old sessions are what a reader sees, so a failure, a cancel or a kill -9
 * before it leaves them intact. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "burnfs/alloc.h"
#include "imgfmt/imgfmt_priv.h"
#include "imgfmt/readback.h"
#include "burnfs/log.h"
#include "burnfs/md5.h"

#define GENERATOR_GRACE_US 5000000  /* after the drive went idle */
#define GENERATOR_GRACE_REFUSED_US 225000  /* when no writer thread ran */
#define THREAD_END_WAIT_US 30000000

static int make_igopts(struct isoburn_imgen_opts **o,
		       const struct job_settings *s, struct errmsg *em)
{
	int ext = isoburn_igopt_rockridge | isoburn_igopt_hardlinks |
		  isoburn_igopt_aaip | isoburn_igopt_session_md5 |
		  isoburn_igopt_file_md5;
	int relax = isoburn_igopt_allow_deep_paths |
		    isoburn_igopt_allow_longer_paths |
		    isoburn_igopt_joliet_longer_paths |
		    isoburn_igopt_joliet_long_names |
		    isoburn_igopt_joliet_utf16 | isoburn_igopt_always_gmt |
		    isoburn_igopt_dir_rec_mtime;

	if (s->joliet)
		ext |= isoburn_igopt_joliet;
	if (isoburn_igopt_new(o, 0) <= 0)
		return errmsg_set(em, -ENOMEM, "cannot create the image options");
	/* Level 3: files of 4 GiB and more get several extents. */
	isoburn_igopt_set_level(*o, 3);
	isoburn_igopt_set_extensions(*o, ext);
	isoburn_igopt_set_relaxed(*o, relax);
	isoburn_igopt_set_sort_files(*o, 1);
	isoburn_igopt_set_over_mode(*o, 0, 0, 0, 0);
	isoburn_igopt_set_over_ugid(*o, 0, 0, 0, 0);
	isoburn_igopt_set_out_charset(*o, NULL);
	isoburn_igopt_set_fifo_size(*o, 4 << 20);
	/* The default does not fsync the 64 KiB header update that
	 * publishes the session: a power loss could lose it. */
	isoburn_igopt_set_stdio_endsync(*o, 1);
	return 0;
}

static struct burn_write_opts *make_wopts(struct disc *d,
					  const struct job_settings *s,
					  bool close)
{
	struct burn_write_opts *wo = burn_write_opts_new(disc_drive(d));

	if (!wo)
		return NULL;
	burn_write_opts_set_simulate(wo, s->simulate ? 1 : 0);
	/* Closes real multi-session media; no effect on emulated ones,
	 * where apply.c records DISC_CLOSED_XATTR instead. */
	burn_write_opts_set_multi(wo, close ? 0 : 1);
	burn_write_opts_set_underrun_proof(wo, 1);
	return wo;
}

/* libburn does not check the space on stdio; without this the write runs
 * into ENOSPC half-way. free_limit carries -o capacity=. */
static int check_space(struct disc *d, struct burn_disc *disc,
		       struct burn_write_opts *wo, uint64_t free_limit,
		       struct errmsg *em)
{
	uint64_t need = (uint64_t)burn_disc_get_sectors(disc) * 2048;
	off_t avail = isoburn_disc_available_space(disc_drive(d), wo);
	uint64_t free_bytes = avail > 0 ? (uint64_t)avail : 0;

	if (free_limit < free_bytes)
		free_bytes = free_limit;
	blog_info("session needs %llu bytes, %llu free",
		  (unsigned long long)need, (unsigned long long)free_bytes);
	if (need > free_bytes)
		return errmsg_set(em, -ENOSPC, "the session needs %llu bytes, %llu free",
				  (unsigned long long)need,
				  (unsigned long long)free_bytes);
	return 0;
}

/* Where the session goes and what lies there: nothing that neither
 * burnfs nor libisoburn wrote may be written over or cut off (see
 * disc_layout_check_write_locked). *size_before: the image file's size,
 * for restore_size. */
static int check_layout(struct disc *d, struct isoburn_imgen_opts *o,
			const struct job_settings *s, off_t *size_before,
			struct errmsg *em)
{
	int lba = -1;

	*size_before = disc_image_size_locked(d);
	if (isoburn_igopt_get_effective_lba(o, &lba) != 1 || lba < 0)
		return errmsg_set(em, -EIO, "the medium gives no address to write "
				  "the session at. Nothing was written");
	return disc_layout_check_write_locked(d, (uint32_t)lba,
					      s->foreign_overwrite, em);
}

/* A write that failed or was cancelled left its blocks behind the end of
 * the image file (never part of a session): give the space back, which
 * after ENOSPC is what the user needs first. */
static void restore_size(struct disc *d, off_t size_before)
{
	struct stat st;
	int fd;

	if (size_before < 0)
		return;
	fd = open(disc_target(d), O_WRONLY | O_CLOEXEC);   /* as libburn did */
	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size != size_before && ftruncate(fd, size_before) == 0)
		blog_info("the failed write's blocks were cut off again "
			  "(%lld bytes)", (long long)size_before);
	close(fd);
}

struct poll_state {
	struct disc_msgwatch mw;
	struct timespec t0;
	bool cancel_sent;
	bool user_cancel;
	bool saw_active;     /* the drive left IDLE: a writer thread ran */
};

/* Stop the burn when the user asked, or as soon as a MISHAP shows that the
 * session is bad anyway (its result would not be activated). */
static void maybe_cancel(struct disc *d, struct poll_state *ps)
{
	if (ps->cancel_sent)
		return;
	if (disc_job_cancelled(d))
		ps->user_cancel = ps->mw.user_cancel = true;
	else if (!disc_msgwatch_failed(&ps->mw))
		return;
	blog_info("cancelling the burn");
	burn_drive_cancel(disc_drive(d));
	ps->cancel_sent = true;
}

static void poll_write(struct disc *d, IsoImage *img, uint64_t total,
		       struct poll_state *ps)
{
	struct disc_backoff b = { 0 };
	uint64_t idle_since = 0;

	/* libburn marks the drive SPAWNING before it starts the thread; a
	 * refused burn leaves it IDLE. */
	if (burn_drive_get_status(disc_drive(d), NULL) != BURN_DRIVE_IDLE)
		ps->saw_active = true;
	while (burn_drive_get_status(disc_drive(d), NULL) == BURN_DRIVE_SPAWNING) {
		disc_msgwatch_drain(&ps->mw);
		maybe_cancel(d, ps);
		disc_backoff_sleep(&b);
	}
	for (;;) {
		struct burn_progress p = { 0 };
		enum burn_drive_status st = burn_drive_get_status(disc_drive(d), &p);

		if (st == BURN_DRIVE_IDLE) {
			if (!iso_image_generator_is_running(img))
				break;
			/* xorriso's pacifier does the same: a generator
			 * outliving the drive is stuck on a full fifo. */
			if (!idle_since)
				idle_since = disc_now_us();
			if (disc_now_us() - idle_since > (ps->saw_active ? GENERATOR_GRACE_US
						     : GENERATOR_GRACE_REFUSED_US)) {
				blog_warn("image generator still running after the burn; cancelling it");
				isoburn_cancel_prepared_write(disc_drive(d), NULL, 0);
				break;
			}
		} else {
			ps->saw_active = true;
			idle_since = 0;
		}
		if (st == BURN_DRIVE_WRITING && p.sectors > 0) {
			disc_job_progress(d, (uint64_t)p.sector * 2048, total, &ps->t0);
		}
		disc_msgwatch_drain(&ps->mw);
		maybe_cancel(d, ps);
		disc_backoff_sleep(&b);
	}
	disc_msgwatch_drain(&ps->mw);
}

/* Why the write is not to be activated, or 0. A cancel that arrives after
 * the last poll still wins: nothing is published before activation. */
static int judge_write(struct disc *d, struct poll_state *ps, struct errmsg *em)
{
	const struct disc_msgwatch *mw = &ps->mw;
	bool failed;

	if (ps->user_cancel || disc_job_cancelled(d))
		return errmsg_set(em, -ECANCELED, "the burn was cancelled; the medium keeps its earlier sessions");
	if (mw->os_errno == ENOSPC || mw->os_errno == EDQUOT)
		return errmsg_set(em, -ENOSPC, "the burn failed: %s ran out of space "
				  "(%s); the medium keeps its earlier sessions",
				  disc_is_image(d) ? "the image's file system" : "the medium",
				  strerror(mw->os_errno));
	failed = disc_msgwatch_failed(mw);
	if (!failed && isoburn_drive_wrote_well(disc_drive(d)))
		return 0;
	if (mw->tree_miscount)
		return errmsg_set(em, -EIO, "the burn failed: libisofs miscounted "
				  "the Rock Ridge records of a folder with many "
				  "long names (a bug of libisofs 1.5.4; names "
				  "over about 120 bytes trigger it); nothing was "
				  "published: shorten the longest names and "
				  "commit again");
	if (failed && mw->errfile[0])
		return errmsg_set(em, -EIO, "the burn failed: %s %s", mw->first_bad,
				  mw->errfile);
	/* A medium that fails to take the bytes: libburn's SORRY names the
	 * system call and its errno; libisofs only says "cancelled" after. */
	if (mw->os_text[0])
		return errmsg_set(em, -EIO, "the burn failed: writing to %s: %s (%s)",
				  disc_target(d), mw->os_text, strerror(mw->os_errno));
	return errmsg_set(em, -EIO, "the burn failed%s%s",
			  mw->first_bad[0] ? ": " : "", mw->first_bad);
}

/* libburn reports the drive idle before its writer thread has left the
 * worker list, and refuses the next burn_disc_write on that drive until it
 * has ("A drive operation is still going on"): after a cancel that took
 * seconds. Wait for the thread's farewell message. */
static void wait_write_thread(struct poll_state *ps)
{
	/* A burn refused up front has no thread to wait for. */
	uint64_t limit = ps->saw_active ? THREAD_END_WAIT_US : 1000000;
	uint64_t t0 = disc_now_us();
	struct disc_backoff b = { 0 };

	do {
		disc_msgwatch_drain(&ps->mw);
		if (ps->mw.write_thread_ended)
			return;
		disc_backoff_sleep(&b);
	} while (disc_now_us() - t0 < limit);
	blog_warn("libburn's writer thread did not report its end");
}

static int run_write(struct disc *d, IsoImage *img, struct burn_disc *disc,
		     struct burn_write_opts *wo, const struct job_settings *s,
		     struct poll_state *ps, struct errmsg *em)
{
	uint64_t total = (uint64_t)burn_disc_get_sectors(disc) * 2048;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &ps->t0);
	disc_job_progress(d, 0, total, &ps->t0);
	/* On a stdio target libburn only emulates a speed, sleeping between
	 * writes without looking at a cancel: at speed=5 an abort waited
	 * close to an hour. An image file has no speed to choose. */
	burn_drive_set_speed(disc_drive(d), 0,
			     disc_is_image(d) ? 0 : s->speed_kbps);
	/* A real write on an image drops the stale tail a cancelled or
	 * killed write left behind the old end (never part of a published
	 * session). Not in a dummy burn: truncation pads the file up to the
	 * next write address, and a simulation must change no byte. The
	 * reload after the write re-acquires with disc's own flags. */
	if (disc_is_image(d))
		isoburn_set_truncate(disc_drive(d), s->simulate ? 2 : 1 | 2);
	isoburn_disc_write(wo, disc);
	poll_write(d, img, total, ps);
	rc = judge_write(d, ps, em);
	if (rc)
		return rc;
	disc_job_progress(d, total, total, &ps->t0);
	if (s->simulate)
		blog_info("simulated burn of %llu bytes went well; nothing written",
			  (unsigned long long)total);
	return 0;
}

/* Only once every thread of the write is gone: libburn's drive object has
 * no lock, and a libisofs or libburn thread still finishing touched its
 * buffer while the activation wrote with it (seen: a crash in
 * burn_random_access_write when the end of a write was noticed within a
 * millisecond). */
static int activate(struct disc *d, struct disc_msgwatch *mw, struct errmsg *em)
{
	if (isoburn_activate_session(disc_drive(d)) > 0) {
		disc_note_written_locked(d);   /* the reload needs no probe */
		return 0;
	}
	disc_msgwatch_drain(mw);
	return errmsg_set(em, -EIO, "the session was written but could not be activated%s%s",
			  mw->first_bad[0] ? ": " : "", mw->first_bad);
}

/* The written tree is not needed to activate the session (libisoburn
 * kept the head it will write), and the read-back loads the new session's
 * tree beside it: giving it up first keeps two trees of the disc from
 * being in memory at once. The drive holds it too, so it is detached
 * there. */
static void release_written(struct disc *d, IsoImage **img)
{
	if (imgfmt_detach_tree_locked(d) < 0)
		return;   /* kept until the reload: more memory, nothing worse */
	iso_image_unref(*img);
	*img = NULL;
	alloc_release();
}

/* The new session is read back before it is published (readback.c). */
static int check_before_activate(struct disc *d,
				 struct isoburn_imgen_opts *o,
				 const struct imgfmt_readback *rb,
				 struct errmsg *em)
{
	int lba = 0;

	if (!rb)
		return 0;
	if (isoburn_igopt_get_effective_lba(o, &lba) <= 0 || lba < 0)
		return errmsg_set(em, -EIO, "the session was written, but its start is unknown; it was not published");
	return imgfmt_readback_check(d, (uint32_t)lba, rb, em);
}

int imgfmt_write_session(struct disc *d, IsoImage **img,
			 const struct job_settings *s, bool close,
			 uint64_t free_limit, const struct imgfmt_readback *rb,
			 struct errmsg *em)
{
	struct isoburn_imgen_opts *o = NULL;
	struct burn_disc *disc = NULL;
	struct burn_write_opts *wo = NULL;
	struct poll_state ps = { 0 };
	struct disc_msgwatch *mw = &ps.mw;
	bool started = false;
	off_t size_before = -1;
	unsigned long stored_md5s = md5_claims_used();
	int rc;

	disc_msgwatch_init(mw);
	/* Before the writer thread starts: its MD5 contexts hash beside it
	 * once the self-test has passed (the first commit runs it). */
	md5_offload_ready();
	rc = make_igopts(&o, s, em);
	if (rc)
		return rc;
	if (isoburn_prepare_disc(disc_drive(d), &disc, o) <= 0) {
		disc_msgwatch_drain(mw);
		disc = NULL;
		rc = errmsg_set(em, -EIO, "cannot prepare the session%s%s",
				mw->first_bad[0] ? ": " : "", mw->first_bad);
		goto out;
	}
	/* From here on the libisofs writer thread runs: either write, or
	 * isoburn_cancel_prepared_write. */
	wo = make_wopts(d, s, close);
	if (!wo) {
		rc = errmsg_set(em, -ENOMEM, "cannot create the write options");
		goto out;
	}
	rc = check_layout(d, o, s, &size_before, em);
	if (!rc)
		rc = check_space(d, disc, wo, free_limit, em);
	if (!rc && !s->simulate)
		rc = disc_prepare_image_write_locked(d, em);
	if (!rc) {
		started = true;
		rc = run_write(d, *img, disc, wo, s, &ps, em);
	}
out:
	if (rc && disc)
		isoburn_cancel_prepared_write(disc_drive(d), NULL, 0);
	if (started)
		wait_write_thread(&ps);
	if (rc && started && !s->simulate)
		restore_size(d, size_before);
	if (wo)
		burn_write_opts_free(wo);
	if (disc)
		burn_disc_free(disc);
	if (!rc)
		isoburn_sync_after_write(disc_drive(d), NULL, 0);
	if (!rc && !s->simulate) {
		release_written(d, img);
		rc = check_before_activate(d, o, rb, em);
	}
	if (!rc && !s->simulate)
		rc = activate(d, mw, em);
	if (!rc && md5_claims_used() > stored_md5s)
		blog_info("commit: %lu file MD5s recorded as taken when written",
			  md5_claims_used() - stored_md5s);
	isoburn_igopt_destroy(&o, 0);
	disc_msgwatch_drain(mw);
	return rc;
}
