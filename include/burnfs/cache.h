/* cache.h — the cache folder of a disc: which folder holds a disc's staged
 * changes and remembered settings, whether it may serve this disc and this
 * user, and the record in it that says whose it is.
 *
 * A disc's identity (disc_identity) keys its default folder,
 * $XDG_CACHE_HOME/burnfs/disc-ID (~/.cache when unset), so the staged
 * changes follow the disc when its image is moved or renamed. A blank
 * medium has no identity yet: its folder is keyed by the target's path
 * (NAME-HASH, as before identities) and takes the identity's name at the
 * first mount after its first commit. CACHE/disc records the identity, the
 * target and the image file (device and inode) after every mount, commit
 * and blank; a cache that holds staged changes refuses another disc, a
 * copy of its image while the original is still there, and another blank
 * image. CACHE/settings holds the remembered settings (remember.c).
 * The folder, its parts and every folder above it must be safe: owned by
 * the daemon's user (parents: or root) and writable by nobody else
 * (parents: unless sticky, as /tmp).
 */
#ifndef BURNFS_CACHE_H
#define BURNFS_CACHE_H

struct job_settings;
struct cache;
struct disc;
struct errmsg;
struct stage;

/* What the user gave at this mount (NULL: not given). A given setting is
 * used and remembered; one not given comes from what the disc remembers. */
struct cache_opts {
	const char *dir;       /* -o cache= */
	const char *capacity;  /* -o capacity=, already checked */
	const char *volid, *joliet, *speed;
};

/* Choose, create and check the cache folder of the disc in d (opened,
 * before the stage), apply the settings the disc remembers that o does not
 * give (capacity with disc_set_capacity, the rest into *s) and remember the
 * given ones. 0, or -errno with one sentence in em (why the folder is
 * refused, and what to do). Free with cache_free after stage_close. */
int cache_open(struct cache **out, struct disc *d, const struct cache_opts *o,
	       struct job_settings *s, struct errmsg *em);
/* The chosen folder, absolute. */
const char *cache_dir(const struct cache *c);
/* After stage_open on cache_dir: write the record and keep it up to date
 * after every commit and blank (stage_on_rebase). */
void cache_bind(struct cache *c, struct stage *st);
void cache_free(struct cache *c);

#endif
