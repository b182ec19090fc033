/* codes.c — one exit status per kind of failure, so a script can tell a
 * full disc from a busy drive without parsing words. */
#include <errno.h>
#include <string.h>

#include "cli/cli_priv.h"

int cli_exit_for_errno(int err, const char *command)
{
	switch (err) {
	case 0:
		return EXIT_OK;
	case EINVAL:
		return EXIT_USAGE;
	case EBUSY:
		return EXIT_BUSY;
	case ENOSPC:
		return EXIT_NOSPACE;
	case EROFS:
		return EXIT_CLOSED;
	case ENOMEDIUM:
		return EXIT_NOMEDIUM;
	case ECANCELED:
		return EXIT_ABORTED;
	case EIO:
		return command && strcmp(command, "verify") == 0 ? EXIT_DAMAGED
								 : EXIT_IO;
	case ESTALE:
		return EXIT_CHANGED;
	default:
		return EXIT_OTHER;
	}
}

int cli_fail(const char *command, int err, const char *reason)
{
	fprintf(stderr, "burnfs: %s: %s\n", command,
		reason && reason[0] ? reason : strerror(err));
	return cli_exit_for_errno(err, command);
}
