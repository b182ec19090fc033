/* errmsg.h — a fixed buffer that carries a human sentence beside a -errno,
 * so that control can put the reason into `last_result`. */
#ifndef BURNFS_ERRMSG_H
#define BURNFS_ERRMSG_H

#include <stddef.h>

#define ERRMSG_LEN 512

struct errmsg {
	char text[ERRMSG_LEN];
};

/* Set the text (printf style); returns `err` so callers can write
 * `return errmsg_set(em, -ENOSPC, "...")`. em may be NULL. */
int errmsg_set(struct errmsg *em, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
