/* msgwatch.c — drain libburn's and libisofs's message queues during a job,
 * log every message, and remember the worst severity. libisofs reports a
 * staged file whose size changed during the write only as ERRFILE + MISHAP
 * while libburn still says the write went well, so the writer must look at
 * the messages itself before it activates a session. */
#include <string.h>
#include <stdio.h>

#include "disc/disc_int.h"
#include "burnfs/log.h"

void disc_msgwatch_init(struct disc_msgwatch *w)
{
	memset(w, 0, sizeof(*w));
}

/* A disc_msg_fn; ctx is the msgwatch. */
static void note(void *ctx, const char *lib, int code, const char *text,
		 int os_errno, const char *sev)
{
	struct disc_msgwatch *w = ctx;
	int n = disc_sev_number(sev);
	enum blog_level lvl = disc_sev_level(n, disc_sev_number("MISHAP"));

	if (strcmp(sev, "ERRFILE") == 0) {
		snprintf(w->errfile, sizeof(w->errfile), "%s", text);
		return;
	}
	if (lvl == BLOG_ERROR && !w->first_bad[0])
		snprintf(w->first_bad, sizeof(w->first_bad), "%s", text);
	/* libburn's "Cannot write desired amount" is only a SORRY, but its
	 * errno tells a full file system (ENOSPC) from a failing disk. */
	if (os_errno && !w->os_errno && lvl <= BLOG_WARN) {
		w->os_errno = os_errno;
		snprintf(w->os_text, sizeof(w->os_text), "%s", text);
	}
	/* libburn's writer thread says so right before it leaves the worker
	 * list; until then a new burn_disc_write is refused. */
	if (code == 0x00020178)
		w->write_thread_ended = true;
	/* libisofs 1.5.4 counts the padding of a Rock Ridge continuation
	 * area that must start on a new block twice when it lays a folder
	 * out, and then finds its tree shorter than laid out: folders of
	 * many long names (xorriso -map of 200 files with 250-byte names
	 * fails the same way). Named in the job's result. */
	if (strstr(text, "tree end differ"))
		w->tree_miscount = true;
	if (n > w->worst)
		w->worst = n;
	/* Joliet cannot hold symlinks or device files (README says so);
	 * one warning per symlink and commit would only be noise. */
	if (code == 0x3ff75)
		lvl = BLOG_DEBUG;
	/* After an abort libburn ends the burn with a FATAL ("Burn run
	 * failed"): what the user asked for, not an error to alarm a log
	 * reader; the job's result says it was cancelled. */
	if (w->user_cancel && lvl < BLOG_INFO)
		lvl = BLOG_INFO;
	if (lvl != BLOG_DEBUG || blog_debug_enabled())
		blog(lvl, "%s %s%s: %s (0x%x)", lib, sev,
		     w->user_cancel ? " after the abort" : "", text,
		     (unsigned)code);
}

void disc_msgwatch_drain(struct disc_msgwatch *w)
{
	disc_take_msgs(note, w);
}

bool disc_msgwatch_failed(const struct disc_msgwatch *w)
{
	return w->worst >= disc_sev_number("MISHAP");
}
