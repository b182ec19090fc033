/* cache_priv.h — shared by the files of src/cache only. */
#ifndef BURNFS_CACHE_PRIV_H
#define BURNFS_CACHE_PRIV_H

#include <limits.h>
#include <stdbool.h>

struct errmsg;

/* Whose cache a folder is (CACHE/disc), or who mounts now. */
struct cache_record {
	bool found;               /* read: the folder had a record */
	bool damaged;             /* read: one that names no target */
	char id[32];              /* disc_identity; "" for a blank medium */
	char target[PATH_MAX];    /* absolute */
	unsigned long long dev, ino; /* the image file; 0 when none */
};

/* record.c */
int cache_record_read(const char *dir, struct cache_record *r);
int cache_record_write(const char *dir, const struct cache_record *r);
/* One medium: the same image file when both are known, else one path. */
bool cache_record_same_medium(const struct cache_record *r,
			      const struct cache_record *me);
/* May the folder holding record r serve `me`? 0, or -EBUSY with the
 * sentence why not in em. *other_disc: it was another disc's, nothing
 * was staged there (its remembered settings are not ours). */
int cache_record_claim(const char *dir, const struct cache_record *r,
		       const struct cache_record *me, bool *other_disc,
		       struct errmsg *em);

/* folder.c: the default folder for me, found (a moved image's, a blank
 * disc's from before its first commit) or made. 0 or -errno + em. */
int cache_folder_default(const struct cache_record *me, char *out, size_t size,
			 struct errmsg *em);
/* mkdir -p, mode 0700 for what it makes. */
int cache_folder_make(const char *dir);

/* safe.c: dir, its parts and its parents are safe for this user (see
 * cache.h). 0, or -EPERM with the sentence in em. */
int cache_folder_safe(const char *dir, struct errmsg *em);

#endif
