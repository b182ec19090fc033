/* disc.h — everything libisoburn: the medium (an image file through libburn's
 * stdio: pseudo-drive, or an optical drive), its facts, its sessions as
 * indexes, and the operations that write it (burn.h).
 *
 * The three libraries are not thread-safe: every call into them happens
 * under the disc's library lock, taken inside these functions. Callers hold
 * no lock. Reading disc file data goes through the index (index_read) and,
 * for image files, needs no library lock at all.
 */
#ifndef BURNFS_DISC_H
#define BURNFS_DISC_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct disc;
struct index;
struct errmsg;

enum disc_media {
	DISC_MEDIA_NONE = 0,    /* no medium in the drive */
	DISC_MEDIA_BLANK,
	DISC_MEDIA_APPENDABLE,
	DISC_MEDIA_CLOSED,      /* closed, full, or not writable */
};

/* Room for one sentence of the facts below. */
#define DISC_TEXT_LEN 256

struct disc_facts {
	char target[PATH_MAX];   /* as the user named it, made absolute */
	bool is_image;           /* stdio: pseudo-drive */
	bool writable;
	char profile[80];        /* libburn's profile name: "stdio file", "BD-R" */
	enum disc_media media;
	char closed_reason[DISC_TEXT_LEN]; /* why media is CLOSED, or "" */
	int sessions;            /* recorded sessions; 0 when blank */
	uint64_t capacity_bytes; /* the whole medium (or -o capacity=) */
	uint64_t used_bytes;     /* taken by recorded sessions */
	uint64_t free_bytes;     /* capacity - used, before pending changes */
	char volid[33];          /* volume id of the newest session */
	/* Who laid the medium out: "blank", "multisession" (libisoburn's
	 * layout: burnfs, xorriso; or a real multi-session disc), or
	 * "foreign: ..." naming what a new session would make unreachable
	 * (another tool's session at block 0, a UDF bridge, data after the
	 * last session). */
	char origin[DISC_TEXT_LEN];
	bool foreign;            /* a commit needs foreign=overwrite */
	/* "" or why burnfs will not write to this medium (a damaged layout,
	 * an unreadable newest session); media is then CLOSED with it. */
	char damage[DISC_TEXT_LEN];
};

/* Initialise the libraries once per process (UTF-8 names whatever the
 * locale, messages routed to the log, no signal handlers). 0 or -errno. */
int disc_lib_init(struct errmsg *em);
void disc_lib_finish(void);

/* Acquire `target`: an image file (created by the first commit when missing)
 * or a drive such as /dev/sr0. Refuses: a directory (-EISDIR), a file whose
 * folder does not exist (-ENOENT), an existing file or block device that is
 * not empty and holds no ISO 9660 volume (-EINVAL), an ISO volume of which
 * no session can be read (-EIO), a target another burnfs holds (-EBUSY: an
 * flock on the image file), no drive (-ENODEV). capacity: 0 = what libburn
 * says (free space of the image's filesystem plus the image size), else the
 * size of the medium in bytes. On success the newest readable session is
 * loaded as the lower index (an older one when the newest cannot be read:
 * facts.damage says so). `em` says why in one sentence. */
int disc_open(struct disc **out, const char *target, uint64_t capacity,
	      struct errmsg *em);
/* Releases the drive (cancelling a running burn first). */
void disc_close(struct disc *d);

/* Facts as of the last operation; never blocks on a running burn. */
void disc_get_facts(struct disc *d, struct disc_facts *out);
/* A new reference to the newest session's index (an empty tree on a blank
 * medium). Never NULL after a successful disc_open. */
struct index *disc_lower(struct disc *d);
/* A new reference to the index of session n (1 = oldest), loaded on first
 * use and cached. -ENOENT: no such session; -EBUSY: the drive is writing and
 * the session is not loaded yet (try again after the burn). */
int disc_session_index(struct disc *d, int n, struct index **out);
/* The same without loading: -EAGAIN when session n is not in memory. */
int disc_session_index_cached(struct disc *d, int n, struct index **out);

/* Reread the medium's state (a real drive may have a new disc): facts,
 * sessions, and, if the newest session changed, the lower index.
 * Returns 1 when the lower index changed, 0 when not, or -errno. */
int disc_refresh(struct disc *d, struct errmsg *em);

/* The disc's identity as 16 hex digits in out (size >= 17): a hash of its
 * first session's volume descriptor and start, the same whatever path the
 * image has and however many sessions follow; "" for a blank medium. Takes
 * the library lock (not to be held). 0 or -errno. */
int disc_identity(struct disc *d, char *out, size_t size);
/* Give the medium a capacity (bytes) as -o capacity= does, after
 * disc_open: a capacity remembered for this disc. Call before serving. */
void disc_set_capacity(struct disc *d, uint64_t capacity);

/* Closed image files: libburn cannot close an image, so `commit close`
 * records this xattr (value "1") on the root of the image's newest session;
 * disc_open() reports such an image as DISC_MEDIA_CLOSED and the index never
 * shows the xattr. */
#define DISC_CLOSED_XATTR "user.burnfs.closed"

/* The daemon's binary and its arguments (main's argv, kept), for the
 * deadline on loading an image's sessions (libisofs can hang or crash on a
 * damaged image): during disc_open a load that does not end in time makes
 * the daemon start over with exe and argv, that session taken for
 * unreadable; after it, a session is first loaded by exe in a hidden probe
 * mode, in a child process. exe NULL or "" (the default, and in the unit
 * tests): no deadline. Call once, before disc_open. The deadline is
 * BURNFS_LOAD_TIMEOUT seconds (20). */
void disc_probe_enable(const char *exe, char *const argv[]);
/* The first argument that makes main() hand over to disc_probe_main. */
#define DISC_PROBE_ARG "--burnfs-probe-session"
int disc_probe_main(int argc, char **argv);

/* --list-drives: one line per optical drive, "ADDRESS  VENDOR MODEL  MEDIA"
 * ("no drives found" when none), malloc'ed into *out. 0 or -errno. */
int disc_list_drives(char **out);

#endif
