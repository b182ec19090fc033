/* testutil.h — what the unit tests that work on real files share: one
 * temporary folder per test program (tmp), paths and files inside it, and
 * sh(), system() with a printf format. Helpers exit on a setup failure;
 * the checks themselves are in check.h. */
#ifndef BURNFS_TEST_TESTUTIL_H
#define BURNFS_TEST_TESTUTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* The test's temporary folder, set by tmp_make(). */
static char tmp[256];

/* Create /tmp/<prog>.XXXXXX into tmp. 0, or -1 when it cannot be made. */
static inline int tmp_make(const char *prog)
{
	snprintf(tmp, sizeof(tmp), "/tmp/%s.XXXXXX", prog);
	return mkdtemp(tmp) ? 0 : -1;
}

/* buf = tmp/name. */
static inline void tmp_path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", tmp, name);
}

/* Write len bytes to tmp/name, replacing it; exits on failure. */
static inline void write_file(const char *name, const void *data, size_t len)
{
	char p[512];
	FILE *f;

	tmp_path(p, sizeof(p), name);
	f = fopen(p, "wb");
	if (!f || fwrite(data, 1, len, f) != len) {
		perror(p);
		exit(1);
	}
	fclose(f);
}

/* system() of a printf-formatted command; its status. */
static inline int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* Remove tmp and everything in it; the shell's status. */
static inline int tmp_remove(void)
{
	return sh("rm -rf '%s'", tmp);
}

#endif
