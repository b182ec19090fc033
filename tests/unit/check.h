/* check.h — the unit tests' one assertion: report and count, keep going. */
#ifndef BURNFS_TEST_CHECK_H
#define BURNFS_TEST_CHECK_H

#include <stdio.h>

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

#define CHECK_DONE() \
	(fprintf(stderr, "%s\n", check_failures ? "FAILED" : "ok"), \
	 check_failures ? 1 : 0)

#endif
