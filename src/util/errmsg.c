/* errmsg.c — a sentence to go with a -errno. */
#include <stdarg.h>
#include <stdio.h>

#include "burnfs/errmsg.h"

int errmsg_set(struct errmsg *em, int err, const char *fmt, ...)
{
	va_list ap;

	if (!em)
		return err;
	va_start(ap, fmt);
	vsnprintf(em->text, sizeof(em->text), fmt, ap);
	va_end(ap);
	return err;
}
