/* check.h — the unit tests' assertions: report file:line and the
 * expression, count the failure, keep going. CHECK_DONE() at the end of
 * main prints the verdict and gives the exit status. */
#ifndef BURNFS_TEST_CHECK_H
#define BURNFS_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;

#define CHECK(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond); \
			check_failures++; \
		} \
	} while (0)

#define CHECK_EQ(a, b) \
	do { \
		long long _a = (long long)(a), _b = (long long)(b); \
		if (_a != _b) { \
			fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", \
				__FILE__, __LINE__, #a, _a, _b); \
			check_failures++; \
		} \
	} while (0)

/* A string check whose caller supplies the place: helpers that check on
 * behalf of a test pass their caller's file and line. got may be NULL
 * (always a failure). */
static inline void check_str_at(const char *file, int line, const char *what,
				const char *got, const char *want)
{
	if (got && strcmp(got, want) == 0)
		return;
	fprintf(stderr, "%s:%d: %s is\n[%s]\nexpected\n[%s]\n", file, line,
		what, got ? got : "(null)", want);
	check_failures++;
}

#define CHECK_STR(a, b) check_str_at(__FILE__, __LINE__, #a, (a), (b))

/* The exit status for main: 0 when every check passed, else 1. */
static inline int check_done(void)
{
	if (check_failures)
		fprintf(stderr, "FAILED: %d check(s)\n", check_failures);
	else
		fprintf(stderr, "ok\n");
	return check_failures ? 1 : 0;
}

#define CHECK_DONE() check_done()

#endif
