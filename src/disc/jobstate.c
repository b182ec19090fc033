/* jobstate.c — one job at a time per disc: the busy flag, the published
 * progress and the cancel request. Everything here takes only state_lock, so
 * status readers and `abort` never wait for the library lock that a burn
 * holds for minutes. */
#include <errno.h>
#include <string.h>

#include "disc/disc_int.h"
#include "burnfs/log.h"

int disc_job_begin(struct disc *d, enum job_state state, struct errmsg *em)
{
	int rc = 0;

	pthread_mutex_lock(&d->state_lock);
	if (d->busy) {
		rc = errmsg_set(em, -EBUSY, "another operation is running on the medium");
		goto out;
	}
	d->busy = true;
	/* The cancel flag is not cleared here: an abort that came while the
	 * caller prepared this job (control accepted it, then checked the
	 * medium) must stop it. Cleared by disc_job_end and disc_cancel_reset. */
	memset(&d->prog, 0, sizeof(d->prog));
	d->prog.state = state;
	d->prog.eta_seconds = -1;
out:
	pthread_mutex_unlock(&d->state_lock);
	return rc;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) +
	       (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

void disc_job_progress(struct disc *d, uint64_t done, uint64_t total,
		       const struct timespec *t0)
{
	double elapsed = seconds_since(t0);
	uint64_t rate = 0;
	int eta = -1;

	if (total && done > total)
		done = total;
	/* Extrapolate only after a little data, or the first block's rate
	 * (mostly setup time) gives absurd figures. */
	if (total && done >= 65536 && elapsed > 0.2) {
		eta = (int)(elapsed * (double)(total - done) / (double)done + 0.5);
		rate = (uint64_t)((double)done / elapsed);
	}
	pthread_mutex_lock(&d->state_lock);
	d->prog.bytes_done = done;
	d->prog.bytes_total = total;
	d->prog.percent = total ? (int)(done * 100 / total) : 0;
	d->prog.eta_seconds = eta;
	d->prog.bytes_per_second = rate;
	pthread_mutex_unlock(&d->state_lock);
}

void disc_job_end(struct disc *d)
{
	pthread_mutex_lock(&d->state_lock);
	memset(&d->prog, 0, sizeof(d->prog));
	d->prog.state = JOB_IDLE;
	d->prog.eta_seconds = -1;
	d->busy = false;
	__atomic_store_n(&d->cancel, 0, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&d->state_lock);
}

bool disc_job_cancelled(struct disc *d)
{
	return __atomic_load_n(&d->cancel, __ATOMIC_SEQ_CST) != 0;
}

/* Only the flag: the job's poll loop forwards it to burn_drive_cancel()
 * within 100 ms. Calling libburn from here would touch the drive object
 * without the library lock, and the drive pointer itself is lib_lock state
 * (eject and re-acquire change it). */
void disc_cancel_quiet(struct disc *d)
{
	__atomic_store_n(&d->cancel, 1, __ATOMIC_SEQ_CST);
}

void disc_cancel(struct disc *d)
{
	disc_cancel_quiet(d);
	blog_info("cancel requested");
}

void disc_cancel_reset(struct disc *d)
{
	__atomic_store_n(&d->cancel, 0, __ATOMIC_SEQ_CST);
}

void disc_get_progress(struct disc *d, struct progress *out)
{
	pthread_mutex_lock(&d->state_lock);
	*out = d->prog;
	pthread_mutex_unlock(&d->state_lock);
}
