/* log.h — the one place burnfs prints: stderr in the foreground; in the
 * background held in memory until the daemon is up, then syslog, or a log
 * file in the cache folder where there is no syslog (/dev/log), or the file
 * -o log=FILE names. Thread-safe; never call printf/fprintf elsewhere in
 * the core. */
#ifndef BURNFS_LOG_H
#define BURNFS_LOG_H

enum blog_level { BLOG_ERROR = 0, BLOG_WARN, BLOG_INFO, BLOG_DEBUG };

/* use_syslog: 0 = stderr, 1 = syslog. debug: 1 lets BLOG_DEBUG through. */
void blog_init(int use_syslog, int debug);
/* Log to syslog from now on (held lines go there too). */
void blog_use_syslog(void);
int blog_debug_enabled(void);
/* quiet: on stderr, only warnings and errors. */
void blog_set_quiet(int quiet);

/* Background start: hold lines in memory (at most 200) until one of the
 * calls below says where they go. */
void blog_hold(void);
/* Log to the file at path (appended, created 0600; a file over 1 MiB is
 * moved to path.1 first), held lines first. 0 or -errno. */
int blog_to_file(const char *path);
/* The file to use once daemonized when there is no syslog: the cache
 * folder's log. */
void blog_set_fallback_file(const char *path);
/* After daemonizing: a file chosen with blog_to_file stays; else syslog
 * if /dev/log exists, else the fallback file. */
void blog_daemonized(void);
/* The mount was refused: held lines go to a chosen file or syslog; with
 * neither they are dropped (the refusal's one line says what matters;
 * -f shows everything). */
void blog_refused(void);

void blog(enum blog_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define blog_error(...) blog(BLOG_ERROR, __VA_ARGS__)
#define blog_warn(...) blog(BLOG_WARN, __VA_ARGS__)
#define blog_info(...) blog(BLOG_INFO, __VA_ARGS__)
#define blog_debug(...) \
	do { if (blog_debug_enabled()) blog(BLOG_DEBUG, __VA_ARGS__); } while (0)

#endif
