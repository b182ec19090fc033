/* limits.c — what a disc can hold, checked where a change enters the stage
 * so that the call that asks for more fails (or, for times, is cut as a
 * local file system cuts them) instead of the commit. The limits were found
 * by writing images with libisofs and reading them back with its reader
 * (see tests/unit/test_disc.c, "limits"). */
#include <errno.h>
#include <string.h>

#include "stage/stage_priv.h"

/* libisofs writes targets up to 1024 bytes but reads only up to 1023. */
#define LINK_TARGET_MAX 1023
/* Rock Ridge times (7 bytes, GMT): 1900-01-01 to 2155-12-31 23:59:59;
 * libisofs clamps outside that. */
#define RR_TIME_MIN (-2208988800LL)
#define RR_TIME_MAX 5869583999LL

int stage_limit_symlink_target(const char *target)
{
	size_t len = strlen(target), comp = 0;

	if (len > LINK_TARGET_MAX)
		return -ENAMETOOLONG;
	for (const char *p = target; *p; p++) {
		comp = *p == '/' ? 0 : comp + 1;
		if (comp > STAGE_NAME_MAX)
			return -ENAMETOOLONG;
	}
	/* "dir/" is recorded as "dir" (the writer drops a last, empty
	 * component); "dir//" and "/" come back as they were. */
	if (len >= 2 && target[len - 1] == '/' && target[len - 2] != '/')
		return -EINVAL;
	return 0;
}

void stage_limit_time(struct timespec *ts)
{
	if (ts->tv_sec < RR_TIME_MIN) {
		ts->tv_sec = RR_TIME_MIN;
		ts->tv_nsec = 0;
	} else if (ts->tv_sec > RR_TIME_MAX) {
		ts->tv_sec = RR_TIME_MAX;
		ts->tv_nsec = 0;
	}
}
