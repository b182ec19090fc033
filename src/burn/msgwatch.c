/* msgwatch.c — drain libburn's and libisofs's message queues during a job,
 * log every message, and remember the worst severity. libisofs reports a
 * staged file whose size changed during the write only as ERRFILE + MISHAP
 * while libburn still says the write went well, so the writer must look at
 * the messages itself before it activates a session. */
#include <string.h>
#include <stdio.h>

#include "burn/burn_priv.h"
#include "burnfs/log.h"

static int sev_number(const char *text)
{
	int n = 0;

	if (burn_text_to_sev((char *)text, &n, 0) <= 0)
		return 0;
	return n;
}

void msgwatch_init(struct msgwatch *w)
{
	memset(w, 0, sizeof(*w));
}

static void note(struct msgwatch *w, const char *lib, int code,
		 const char *text, const char *sev)
{
	int n = sev_number(sev);
	enum blog_level lvl = BLOG_DEBUG;

	if (strcmp(sev, "ERRFILE") == 0) {
		snprintf(w->errfile, sizeof(w->errfile), "%s", text);
		return;
	}
	if (n >= sev_number("MISHAP")) {
		lvl = BLOG_ERROR;
		if (!w->first_bad[0])
			snprintf(w->first_bad, sizeof(w->first_bad), "%s", text);
	} else if (n >= sev_number("WARNING")) {
		lvl = BLOG_WARN;
	} else if (n >= sev_number("NOTE")) {
		lvl = BLOG_INFO;
	}
	/* libburn's writer thread says so right before it leaves the worker
	 * list; until then a new burn_disc_write is refused. */
	if (code == 0x00020178)
		w->write_thread_ended = true;
	if (n > w->worst)
		w->worst = n;
	/* Joliet cannot hold symlinks or device files (README says so);
	 * one warning per symlink and commit would only be noise. */
	if (code == 0x3ff75)
		lvl = BLOG_DEBUG;
	if (lvl != BLOG_DEBUG || blog_debug_enabled())
		blog(lvl, "%s %s: %s (0x%x)", lib, sev, text, (unsigned)code);
}

void msgwatch_drain(struct msgwatch *w)
{
	char text[BURN_MSGS_MESSAGE_LEN + ISO_MSGS_MESSAGE_LEN];
	char sev[80];
	int code, os_errno, imgid;

	while (burn_msgs_obtain("ALL", &code, text, &os_errno, sev) == 1)
		note(w, "libburn", code, text, sev);
	while (iso_obtain_msgs("ALL", &code, &imgid, text, sev) == 1)
		note(w, "libisofs", code, text, sev);
}

bool msgwatch_failed(const struct msgwatch *w)
{
	return w->worst >= sev_number("MISHAP");
}
