/* smallfile.h — the cache folder's small text files (CACHE/disc,
 * CACHE/settings): read whole, and replaced so that a crash or a power
 * loss leaves the old text or the new one, never a mix or nothing. */
#ifndef BURNFS_SMALLFILE_H
#define BURNFS_SMALLFILE_H

#include <stddef.h>
#include <sys/types.h>

/* dir/name into buf, NUL-terminated (at most size - 1 bytes): the bytes
 * read, -ENOENT when there is no such file, or -errno. A symlink is not
 * followed (-ELOOP). */
ssize_t smallfile_read(const char *dir, const char *name, char *buf,
		       size_t size);
/* Replace dir/name by len bytes of text: dir/name.tmp written and
 * fsync'ed, renamed over dir/name, then dir fsync'ed so that the rename
 * lasts. 0 or -errno: dir/name is as it was, unless only the folder's
 * fsync failed (then the new text is there, and may not outlast a power
 * loss). */
int smallfile_replace(const char *dir, const char *name, const char *text,
		      size_t len);

#endif
