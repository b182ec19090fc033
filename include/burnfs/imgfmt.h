/* imgfmt.h — the image format of a disc's sessions: how a session is read
 * into an index, how a stage snapshot becomes a new session, and what a
 * verify reads. The medium (disc.h) calls it to index its sessions; the
 * jobs (jobs.h) call it to write and to plan a verify. One operations table
 * per format; ISO 9660 with Rock Ridge and AAIP through libisofs and
 * libisoburn (src/imgfmt) is the only one. Another format, or a session
 * that spans several discs, is another table (or a planner in front of
 * this one), not an edit of the medium or the jobs.
 *
 * Every operation runs with the disc's library lock held by the caller
 * (disc_lock_lib) and returns 0 or -errno with a sentence in `em`.
 */
#ifndef BURNFS_IMGFMT_H
#define BURNFS_IMGFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct disc;
struct errmsg;
struct index;
struct idx_extent;
struct job_settings;
struct stage_snapshot;

/* What a verify reads and which MD5 it expects (plan_verify). */
struct imgfmt_plan_file {
	char *path;
	uint64_t size;                 /* bytes the MD5 was recorded over */
	int n_sec;
	struct idx_extent *sec;        /* absolute blocks, free() */
	char md5[16];
};

struct imgfmt_plan {
	bool has_session;
	uint32_t start, end;           /* session MD5 covers [start, end) */
	char session_md5[16];
	struct imgfmt_plan_file *files;
	size_t n, cap;
	uint64_t total_bytes;          /* all bytes to read */
};

struct imgfmt {
	const char *name;
	/* Bytes of per-disc state the disc allocates (zeroed) for the
	 * format (disc_format_state). */
	size_t state_size;
	/* Session n (1 = the oldest) as an index, for sessions/N: re-assess
	 * the drive, check that n can be loaded, load it, index it. The index
	 * is the caller's reference. Returns 0 (loaded here), 1 (the index
	 * the probe child built: loaded once, in the child) or -errno. */
	int (*index_session)(struct disc *d, int n, struct index **out,
			     struct errmsg *em);
	/* Session n of count (n == count: the newest, read as the drive was
	 * just assessed) as the disc's lower index; *closed: it carries
	 * DISC_CLOSED_XATTR = "1". The format may keep the session's tree for
	 * the next write (dropped by forget_lower or release). */
	int (*index_lower)(struct disc *d, int n, int count, struct index **out,
			   bool *closed, struct errmsg *em);
	/* Only load session n (0 = the newest), checking nothing else: the
	 * probe in a child process (disc_probe_main). idx: when not NULL and
	 * n is an older session of an image (the case index_session loads by
	 * its own start block), also index it as index_session would; *idx
	 * is the caller's reference, NULL for any other session. With an
	 * index the tree is not freed: the probe exits right after. */
	int (*load_session)(struct disc *d, int n, struct index **idx,
			    struct errmsg *em);
	/* Write snap as a new session on top of the newest one (simulated
	 * when s->simulate), read it back and compare it before publishing
	 * it, and reload the medium. close: the medium takes no more
	 * sessions. free_bytes: the most the session may take. The stage is
	 * not touched (job_commit freezes before and hands back after). */
	int (*write_snapshot)(struct disc *d, const struct stage_snapshot *snap,
			      const struct job_settings *s, bool close,
			      uint64_t free_bytes, struct errmsg *em);
	/* Fill *plan for the newest session; plan_free releases it. */
	int (*plan_verify)(struct disc *d, struct imgfmt_plan *plan,
			   struct errmsg *em);
	void (*plan_free)(struct imgfmt_plan *plan);
	/* The lower index is replaced: a tree kept from it is stale. */
	void (*forget_lower)(struct disc *d);
	/* The drive is about to be released (eject, close): drop every tree
	 * (their data sources read through the drive). */
	void (*release)(struct disc *d);
};

/* ISO 9660 (src/imgfmt). */
extern const struct imgfmt imgfmt_iso9660;

#endif
