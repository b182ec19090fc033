/* startup.h — what the daemon says and refuses before it serves a mount:
 * its help (help.c) and the checks that let a refused mount print one line
 * and leave nothing behind (refuse.c). */
#ifndef BURNFS_STARTUP_H
#define BURNFS_STARTUP_H

#include <stdbool.h>
#include <fuse_lowlevel.h>

/* burnfs --help: the mount, its options, the files, the commands. */
void fs_help(void);
/* The one usage line, on stderr. */
void fs_usage(void);

/* Everything that can be refused before the target and the cache are
 * opened: libfuse options that break burnfs (modules=, subdir=, subtype=,
 * nopath, intr, kernel_cache, -s), options libfuse does not know, a missing
 * /dev/fuse, a mountpoint the user may not mount on or that already holds
 * a burnfs mount. -1 after one line on stderr. */
int fs_refuse_early(struct fuse_args *args, const struct fuse_cmdline_opts *co);
/* The target does not exist yet (a refused mount must not leave the empty
 * image it created). */
bool fs_target_missing(const char *target);
/* A refused mount: remove the target if this run created it and it is
 * still empty. */
void fs_undo_created_target(const char *target);

#endif
