/* log.c — the one log. In the foreground: stderr. In the background:
 * lines are held in memory until the daemon knows where they go (so that a
 * refused mount prints its one line and nothing else), then syslog when
 * there is one (/dev/log), else a log file in the cache folder; -o log=FILE
 * chooses the file in every case. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "burnfs/cescape.h"
#include "burnfs/log.h"

enum dest { TO_STDERR, TO_HOLD, TO_SYSLOG, TO_FILE };

#define HOLD_MAX 200           /* lines kept before the destination is known */
#define FILE_ROTATE (1 << 20)  /* a log file this big is moved to FILE.1 */

static struct {
	pthread_mutex_t lock;
	enum dest dest;
	int debug;
	int quiet;                 /* stderr: warnings and errors only */
	int fd;                    /* TO_FILE */
	char fallback[4096];       /* the cache folder's log file */
	char *held[HOLD_MAX];
	int nheld;
	int held_prio[HOLD_MAX];
} lg = { .lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1 };

static const char *const level_names[] = { "error", "warning", "info", "debug" };
static const int syslog_prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

void blog_init(int use_syslog, int debug)
{
	lg.debug = debug;
	if (use_syslog)
		blog_use_syslog();
}

int blog_debug_enabled(void)
{
	return lg.debug;
}

void blog_set_quiet(int quiet)
{
	lg.quiet = quiet;
}

/* lg.lock held. */
static void emit_locked(int level, const char *line)
{
	char stamp[32], buf[2200];
	time_t now = time(NULL);
	struct tm tm;
	int n;

	switch (lg.dest) {
	case TO_SYSLOG:
		syslog(syslog_prio[level], "%s", line);
		break;
	case TO_FILE:
		localtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
		n = snprintf(buf, sizeof(buf), "%s burnfs[%d]: %s: %s\n", stamp,
			     (int)getpid(), level_names[level], line);
		/* One write per line: appends from threads never interleave. */
		if (write(lg.fd, buf, (size_t)n < sizeof(buf) ? (size_t)n
				  : sizeof(buf) - 1) < 0)
			break;
		break;
	case TO_HOLD:
		if (lg.nheld < HOLD_MAX && (lg.held[lg.nheld] = strdup(line)))
			lg.held_prio[lg.nheld++] = level;
		break;
	default:
		if (!lg.quiet || level <= BLOG_WARN)
			fprintf(stderr, "burnfs: %s: %s\n", level_names[level], line);
	}
}

/* A line stays one line (a file name may hold a newline, a library's
 * message too): control characters and backslashes as C escapes, cut at
 * the buffer's end. */
static const char *one_line(const char *line, char *esc, size_t size)
{
	if (!cescape_needed(line, false))
		return line;
	cescape_buf(esc, size, line);
	return esc;
}

void blog(enum blog_level level, const char *fmt, ...)
{
	char line[2048], esc[2048];
	const char *shown;
	va_list ap;

	if (level > BLOG_DEBUG)
		level = BLOG_DEBUG;
	if (level == BLOG_DEBUG && !lg.debug)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	shown = one_line(line, esc, sizeof(esc));
	pthread_mutex_lock(&lg.lock);
	emit_locked(level, shown);
	pthread_mutex_unlock(&lg.lock);
}

/* Switch to `dest` and hand it the held lines (lg.lock held). */
static void settle_locked(enum dest dest)
{
	lg.dest = dest;
	for (int i = 0; i < lg.nheld; i++) {
		if (dest != TO_HOLD && dest != TO_STDERR)
			emit_locked(lg.held_prio[i], lg.held[i]);
		free(lg.held[i]);
	}
	lg.nheld = 0;
}

void blog_hold(void)
{
	pthread_mutex_lock(&lg.lock);
	lg.dest = TO_HOLD;
	pthread_mutex_unlock(&lg.lock);
}

void blog_use_syslog(void)
{
	pthread_mutex_lock(&lg.lock);
	if (lg.dest != TO_SYSLOG)
		openlog("burnfs", LOG_PID, LOG_DAEMON);
	settle_locked(TO_SYSLOG);
	pthread_mutex_unlock(&lg.lock);
}

static int open_log(const char *path)
{
	struct stat st;
	char old[4200];

	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > FILE_ROTATE) {
		snprintf(old, sizeof(old), "%s.1", path);
		rename(path, old);
	}
	return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY,
		    0600);
}

int blog_to_file(const char *path)
{
	int fd = open_log(path);

	if (fd < 0)
		return -errno;
	pthread_mutex_lock(&lg.lock);
	if (lg.fd >= 0)
		close(lg.fd);
	lg.fd = fd;
	settle_locked(TO_FILE);
	pthread_mutex_unlock(&lg.lock);
	return 0;
}

void blog_set_fallback_file(const char *path)
{
	pthread_mutex_lock(&lg.lock);
	snprintf(lg.fallback, sizeof(lg.fallback), "%s", path);
	pthread_mutex_unlock(&lg.lock);
}

static bool have_syslog(void)
{
	return access("/dev/log", F_OK) == 0;
}

void blog_daemonized(void)
{
	char path[sizeof(lg.fallback)];

	if (lg.dest == TO_FILE)
		return;
	if (have_syslog() || !lg.fallback[0]) {
		blog_use_syslog();
		return;
	}
	snprintf(path, sizeof(path), "%s", lg.fallback);
	if (blog_to_file(path) < 0)
		blog_use_syslog();
}

void blog_refused(void)
{
	pthread_mutex_lock(&lg.lock);
	if (lg.dest == TO_HOLD && have_syslog()) {
		openlog("burnfs", LOG_PID, LOG_DAEMON);
		settle_locked(TO_SYSLOG);
	} else if (lg.dest == TO_HOLD) {
		settle_locked(TO_STDERR);  /* nowhere to keep them: dropped */
		lg.dest = TO_HOLD;
	}
	pthread_mutex_unlock(&lg.lock);
}
