/* log.c — the one log: stderr in the foreground, syslog once daemonized. */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <pthread.h>

#include "burnfs/log.h"

static int log_to_syslog;
static int log_debug;
static int log_quiet;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = { "error", "warning", "info", "debug" };
static const int syslog_prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

void blog_init(int use_syslog, int debug)
{
	log_debug = debug;
	if (use_syslog)
		blog_use_syslog();
}

void blog_use_syslog(void)
{
	if (!log_to_syslog)
		openlog("burnfs", LOG_PID, LOG_DAEMON);
	log_to_syslog = 1;
}

void blog_set_quiet(int quiet)
{
	log_quiet = quiet;
}

int blog_debug_enabled(void)
{
	return log_debug;
}

void blog(enum blog_level level, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	if (level > BLOG_DEBUG)
		level = BLOG_DEBUG;
	if (level == BLOG_DEBUG && !log_debug)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (log_to_syslog) {
		syslog(syslog_prio[level], "%s", line);
		return;
	}
	if (log_quiet && level > BLOG_WARN)
		return;
	/* One locked fputs per line so threads never interleave mid-line. */
	pthread_mutex_lock(&log_lock);
	fprintf(stderr, "burnfs: %s: %s\n", level_names[level], line);
	pthread_mutex_unlock(&log_lock);
}
