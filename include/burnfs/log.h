/* log.h — the one place burnfs prints: stderr in the foreground, syslog when
 * daemonized. Thread-safe; never call printf/fprintf elsewhere in the core. */
#ifndef BURNFS_LOG_H
#define BURNFS_LOG_H

enum blog_level { BLOG_ERROR = 0, BLOG_WARN, BLOG_INFO, BLOG_DEBUG };

/* use_syslog: 0 = stderr, 1 = syslog. debug: 1 lets BLOG_DEBUG through. */
void blog_init(int use_syslog, int debug);
/* Switch to syslog after daemonizing (stderr is gone by then). */
void blog_use_syslog(void);
int blog_debug_enabled(void);
/* quiet: on stderr, only warnings and errors (syslog gets everything). */
void blog_set_quiet(int quiet);

void blog(enum blog_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define blog_error(...) blog(BLOG_ERROR, __VA_ARGS__)
#define blog_warn(...) blog(BLOG_WARN, __VA_ARGS__)
#define blog_info(...) blog(BLOG_INFO, __VA_ARGS__)
#define blog_debug(...) \
	do { if (blog_debug_enabled()) blog(BLOG_DEBUG, __VA_ARGS__); } while (0)

#endif
