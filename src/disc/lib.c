/* lib.c — library init and shutdown, message routing into the log, and the
 * one translation of libisofs error codes into errno. */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "burnfs/log.h"
#include "disc/disc_int.h"

static int lib_ready;
/* Set while disc_open reads a target: what the libraries say about a
 * damaged one is summed up in the one-line refusal or in facts.damage, so
 * their messages go to the log as information, not onto the terminal of
 * a mount that is refused or starts in the background. */
static int opening;
/* Entries libisofs dropped or renamed while loading a tree, until
 * build.c takes the count for the index it builds. */
static unsigned int dropped_entries;
/* Looked up once by disc_lib_init: a load drains a message per node. */
static int sev_warning, sev_note, sev_failure;

int disc_sev_number(const char *sev)
{
	int n = 0;

	if (burn_text_to_sev((char *)sev, &n, 0) <= 0)
		return 0;
	return n;
}

/* libburn's order: ABORT > FATAL > FAILURE > MISHAP > SORRY > WARNING >
 * HINT > NOTE > UPDATE > DEBUG > ERRFILE > ALL. */
enum blog_level disc_sev_level(int n, int error_from)
{
	if (n >= error_from)
		return BLOG_ERROR;
	if (n >= (sev_warning ? sev_warning : disc_sev_number("WARNING")))
		return BLOG_WARN;
	if (n >= (sev_note ? sev_note : disc_sev_number("NOTE")))
		return BLOG_INFO;
	return BLOG_DEBUG;
}

/* Entries a load could not show as the disc names them: dropped ("Error
 * when adding file"), or renamed because two names clashed (libisofs
 * sums those up in one message at the end of a load). */
static void count_dropped(int code, const char *text)
{
	static const char sum[] = "Sum of resolved file name collisions: ";
	unsigned int n = 0;

	if (code == iso_error_get_code(ISO_FILE_CANT_ADD))
		n = 1;
	else if (code == iso_error_get_code(ISO_IMPORT_COLLISION) &&
		 strncmp(text, sum, sizeof(sum) - 1) == 0)
		n = (unsigned int)strtoul(text + sizeof(sum) - 1, NULL, 10);
	if (n)
		__atomic_add_fetch(&dropped_entries, n, __ATOMIC_RELAXED);
}

/* A disc_msg_fn: outside a write a MISHAP is only a warning. Loading a
 * tree queues a DEBUG message per node: those go without a lookup. */
static void log_msg(void *ctx, const char *src, int code, const char *text,
		    int os_errno, const char *sev)
{
	enum blog_level lv;

	if (!blog_debug_enabled() &&
	    (strcmp(sev, "DEBUG") == 0 || strcmp(sev, "ERRFILE") == 0))
		return;
	if (strcmp(src, "libisofs") == 0)
		count_dropped(code, text);
	lv = disc_sev_level(disc_sev_number(sev), sev_failure ? sev_failure
			    : disc_sev_number("FAILURE"));
	if (opening && lv < BLOG_INFO)
		lv = BLOG_INFO;
	if (lv == BLOG_DEBUG && !blog_debug_enabled())
		return;
	if (os_errno)
		blog(lv, "%s %s 0x%x: %s (%s)", src, sev, (unsigned)code, text,
		     strerror(os_errno));
	else
		blog(lv, "%s %s 0x%x: %s", src, sev, (unsigned)code, text);
}

/* libisoburn delivers its own messages here at once, from whatever thread
 * produced them (writer threads too); blog() is thread-safe. */
static int isoburn_msg_cb(void *handle, int code, char text[], int os_errno,
			  char sev[], int flag)
{
	log_msg(NULL, "libisoburn", code, text, os_errno, sev);
	return 1;
}

void disc_take_msgs(disc_msg_fn visit, void *ctx)
{
	char text[BURN_MSGS_MESSAGE_LEN > ISO_MSGS_MESSAGE_LEN ?
		  BURN_MSGS_MESSAGE_LEN : ISO_MSGS_MESSAGE_LEN];
	char sev[80];
	int code, os_errno, imgid;

	while (burn_msgs_obtain("ALL", &code, text, &os_errno, sev) == 1)
		visit(ctx, "libburn", code, text, os_errno, sev);
	while (iso_obtain_msgs("ALL", &code, &imgid, text, sev) == 1)
		visit(ctx, "libisofs", code, text, 0, sev);
}

void disc_iso_debug_msgs(bool queue)
{
	iso_set_msgs_severities(queue || blog_debug_enabled() ? "ALL" : "UPDATE",
				"NEVER", "burnfs: ");
}

void disc_msgs_opening(bool on)
{
	opening = on;
}

unsigned int disc_take_dropped(void)
{
	return __atomic_exchange_n(&dropped_entries, 0, __ATOMIC_RELAXED);
}

void disc_drain_msgs(void)
{
	if (lib_ready)
		disc_take_msgs(log_msg, NULL);
}

/* zisofs as Linux reads it: format version 1 ('pz'), 32 KiB blocks, level 6;
 * never zisofs2, which kernels show as garbage. zlib allocates and frees
 * some 270 KB of deflate state per block: with glibc's default trimming
 * every free returned it to the system, which made compressing a source
 * tree five times slower than with 1 MiB of headroom kept. */
static void zisofs_init(void)
{
	struct iso_zisofs_ctrl z = { .version = 0, .compression_level = 6,
				     .block_size_log2 = 15 };

	if (iso_zisofs_set_params(&z, 0) < 0)
		blog_warn("libisofs refused the zisofs settings");
	mallopt(M_TOP_PAD, 1 << 20);
}

int disc_lib_init(struct errmsg *em)
{
	char msg[1024] = "";

	if (lib_ready)
		return 0;
	if (isoburn_initialize(msg, 0) != 1)
		return errmsg_set(em, -EIO, "libisoburn failed to start: %s",
				  msg);
	if (!isoburn_is_compatible(isoburn_header_version_major,
				   isoburn_header_version_minor,
				   isoburn_header_version_micro, 0)) {
		isoburn_finish();
		return errmsg_set(em, -EIO, "libisoburn at runtime is older "
				  "than the one burnfs was built with");
	}
	/* Queue everything, print nothing: the daemon's log is the only
	 * output. libburn must not install its signal handlers either
	 * (burn_set_signal_handling is never called): FUSE owns the signals. */
	burn_msgs_set_severities("ALL", "NEVER", "burnfs: ");
	iso_set_msgs_severities("ALL", "NEVER", "burnfs: ");
	isoburn_set_msgs_submit(isoburn_msg_cb, NULL, 0, 0);
	/* An image file the user may not write becomes role 4 (read-only,
	 * status FULL) instead of failing at the first write. */
	burn_allow_drive_role_4(1 | 2);
	/* Under LC_ALL=C non-ASCII names would become '_' in Joliet. */
	iso_set_local_charset("UTF-8", 0);
	zisofs_init();
	sev_warning = disc_sev_number("WARNING");
	sev_note = disc_sev_number("NOTE");
	sev_failure = disc_sev_number("FAILURE");
	lib_ready = 1;
	blog_debug("libisoburn %d.%d.%d started",
		   isoburn_header_version_major, isoburn_header_version_minor,
		   isoburn_header_version_micro);
	return 0;
}

void disc_lib_finish(void)
{
	if (!lib_ready)
		return;
	disc_drain_msgs();
	isoburn_finish();
	lib_ready = 0;
}

int disc_lib_fail(struct errmsg *em, int err, const char *what,
		  const char *target)
{
	disc_drain_msgs();
	return errmsg_set(em, err, "%s failed on %s (see the log)", what,
			  target);
}
