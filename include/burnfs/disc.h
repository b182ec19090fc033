/* disc.h — the medium (src/disc): an image file through libburn's stdio:
 * pseudo-drive, or an optical drive; its facts and layout, its sessions as
 * indexes (built by the disc's image format, imgfmt.h), the library lock,
 * and the job state (one job at a time: busy, cancel, progress). The jobs
 * that change the medium are in jobs.h.
 *
 * The three libraries are not thread-safe: every call into them happens
 * under the disc's library lock. The calls in the first part take it
 * inside; callers hold no lock. The last part ("under the library lock")
 * is for the image format and the jobs, which hold it around a series of
 * calls. Reading disc file data goes through the index (index_read) and,
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
struct imgfmt;
struct idx_reader;
struct timespec;
struct burn_drive;     /* libburn's drive */

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
 * facts.damage says so). fmt: the image format that reads and writes its
 * sessions (imgfmt_iso9660). `em` says why in one sentence. */
int disc_open(struct disc **out, const char *target, uint64_t capacity,
	      const struct imgfmt *fmt, struct errmsg *em);
/* Releases the drive (cancelling a running burn first). */
void disc_close(struct disc *d);

/* Facts as of the last operation; never blocks on a running burn. */
void disc_get_facts(struct disc *d, struct disc_facts *out);
/* A new reference to the newest session's index (an empty tree on a blank
 * medium). Never NULL after a successful disc_open. */
struct index *disc_lower(struct disc *d);
/* A new reference to the index of session n (1 = oldest): the lower index
 * for its own session, else loaded on first use (an image's session by
 * itself, from its start block) and kept while it is one of the two older
 * sessions used last; one given up is loaded again when asked for (same
 * ids). -ENOENT: no such session; -EBUSY: the drive is writing and the
 * session is not in memory (try again after the burn). */
int disc_session_index(struct disc *d, int n, struct index **out);
/* The same without loading: -EAGAIN when session n is not in memory. */
int disc_session_index_cached(struct disc *d, int n, struct index **out);

/* Reread the medium's state (a real drive may have a new disc): facts,
 * sessions, and, if the newest session changed, the lower index.
 * Returns 1 when the lower index changed, 0 when not, or -errno
 * (-ESTALE: an image's path no longer names the file mounted). */
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
int disc_probe_main(int argc, char **argv, const struct imgfmt *fmt);

/* --list-drives: one line per optical drive, "ADDRESS  VENDOR MODEL  MEDIA"
 * ("no drives found" when none), malloc'ed into *out. 0 or -errno. */
int disc_list_drives(char **out);

/* --- the job state (jobstate.c): state_lock inside, never lib_lock, so
 * status readers and `abort` never wait for a burn --- */

enum job_state {
	JOB_IDLE = 0,
	JOB_COMMITTING,
	JOB_VERIFYING,
	JOB_BLANKING,
	JOB_FORMATTING,
};

struct progress {
	enum job_state state;
	uint64_t bytes_done;
	uint64_t bytes_total;
	int percent;
	int eta_seconds;     /* -1 unknown */
	uint64_t bytes_per_second; /* average since the start; 0 unknown */
};


/* Any thread: ask the running operation to stop (-ECANCELED). A request
 * made before the operation claims the disc stops it too; the flag clears
 * when an operation ends, or by disc_cancel_reset (a new job starts). */
void disc_cancel(struct disc *d);
void disc_cancel_reset(struct disc *d);
void disc_get_progress(struct disc *d, struct progress *out);

/* Claim the disc for one job: -EBUSY when another runs. Keeps the cancel
 * request (an abort may precede the claim; disc_job_end clears it) and
 * publishes `state` with nothing done yet. */
int disc_job_begin(struct disc *d, enum job_state state, struct errmsg *em);
/* Publish progress; the ETA is extrapolated from the rate since `t0`
 * (CLOCK_MONOTONIC). total 0 = unknown. */
void disc_job_progress(struct disc *d, uint64_t done, uint64_t total,
		       const struct timespec *t0);
/* Release the disc: progress back to JOB_IDLE, busy and cancel cleared. */
void disc_job_end(struct disc *d);
/* An image's path still names the file mounted: -ESTALE with the
 * sentence when it was moved, replaced or deleted since (libburn opens
 * the path for every re-read of the medium and every job). No lock. */
int disc_check_image_path(struct disc *d, struct errmsg *em);
/* Whether disc_cancel() asked the running job to stop. Any thread. */
bool disc_job_cancelled(struct disc *d);

/* --- under the library lock: for the image format and the jobs --- */

/* Take and drop the library lock. A job takes it after disc_job_begin
 * (busy set first: see docs/ARCHITECTURE.md, Locks). */
void disc_lock_lib(struct disc *d);
void disc_unlock_lib(struct disc *d);

/* What the disc was opened on. Fixed after disc_open; no lock. */
bool disc_is_image(const struct disc *d);
const char *disc_target(const struct disc *d);
/* The image format disc_open was given, and its state for this disc (a
 * zeroed block of fmt->state_size bytes, lib_lock). */
const struct imgfmt *disc_image_format(const struct disc *d);
void *disc_format_state(struct disc *d);

/* The rest: lib_lock held by the caller. */
/* libburn's drive; NULL after an eject. */
struct burn_drive *disc_drive(struct disc *d);
/* Whether the medium is emulated multisession (an image file, DVD+RW,
 * BD-RE, ...): sessions are published by rewriting its first blocks, a
 * written session can be read back before that, and libburn cannot close
 * it (burnfs records DISC_CLOSED_XATTR instead). */
bool disc_emulated_locked(struct disc *d);
/* The image file's size now, or -1 (not a regular file, not created). */
int64_t disc_image_size_locked(struct disc *d);
/* A descriptor of its own on the image file mounted, which its path may
 * no longer name (moved or replaced: disc_check_image_path); in a probe
 * child, which holds none, the path opened. -errno when there is none.
 * The caller closes it. */
int disc_image_dup_fd(struct disc *d);
/* Re-assess the acquired drive after a write or erase. 0 or -errno. */
int disc_reassess_locked(struct disc *d, struct errmsg *em);
/* Refresh facts, sessions and the lower index after the medium changed
 * (through the image format). 1 when the lower index changed, 0 or -errno. */
int disc_reload_locked(struct disc *d, struct errmsg *em);
/* Session n (1-based; 0 = the newest) start and size from the TOC; volid
 * may be NULL. Returns the number of sessions, or -errno. */
int disc_toc_session_locked(struct disc *d, int n, uint32_t *start_lba,
			    uint32_t *blocks, char volid[33]);
/* Whether session n of count (count = the newest) can be loaded without
 * the libraries hanging or crashing (no directory loop, a probe in a child
 * process loaded it). 0, or -errno with why (-EIO, -ETIMEDOUT). */
int disc_check_loadable_locked(struct disc *d, int n, int count,
			       struct errmsg *em);
/* sessions/N of an older session n of an image: disc_check_loadable_locked's
 * checks (the first time in this mount), with the probe child also
 * indexing the session; a session known good is probed again for its
 * index. 1 with *out (the caller's reference): loaded once, in the child;
 * 0: load it in-process after disc_check_loadable_locked (a drive, the
 * newest, a session known unreadable, whose refusal that call answers,
 * probes off); -errno with why (-EIO, -ETIMEDOUT). lib_lock held. */
int disc_session_from_probe_locked(struct disc *d, int n,
				   struct index **out, struct errmsg *em);
/* A load of a session tree ended (the load watchdog of disc_open). */
void disc_guard_loaded(struct disc *d);
/* Whether an older session, once loaded, stays attached to the drive
 * instead of the newest being attached again: the newest cannot be read,
 * or this is a probe; nothing will be written either way. */
bool disc_keeps_older_attached(const struct disc *d);
/* The sessions were found by scanning for their own headers (the head
 * at blocks 0-31 names none): each, the newest too, is read from its own
 * start, and the medium is read-only. */
bool disc_sessions_scanned(const struct disc *d);
/* A session was just activated: the reload of the newest session is of
 * what burnfs wrote and needs no probe. */
void disc_note_written_locked(struct disc *d);
/* The idx_reader for an index of this disc (pread, or burn_read_data). */
void disc_reader_init(struct disc *d, struct idx_reader *r);
/* Read len bytes (whole 2048-byte blocks) from a drive at byte offset off:
 * 0 or -EIO. Takes lib_lock itself (not to be held); for the job that owns
 * the disc, which disc_lock_lib_nonbusy would refuse. */
int disc_read_drive(struct disc *d, void *buf, size_t len, uint64_t off);
/* Right before a write at block lba (the drive assessed since the medium
 * last changed): 0 when the write starts behind every recorded block and
 * overwrites or cuts nothing that burnfs or libisoburn did not write.
 * -EIO: the layout is damaged, or lba lies inside recorded data; -EPERM:
 * another tool's session, a UDF bridge or foreign data would be lost, and
 * foreign_ok is false. Media with a real table of sessions (CD-R, DVD-R,
 * BD-R) pass. em says what in one sentence. */
int disc_layout_check_write_locked(struct disc *d, uint32_t lba,
				   bool foreign_ok, struct errmsg *em);
/* -EPERM and the sentence for a commit refused because the medium holds
 * `what` (facts.origin after "foreign: "). No lock. */
int disc_foreign_refusal(const char *what, struct errmsg *em);
/* libburn's 1/0/<0 results have no errno; this gives the sentence. */
int disc_lib_fail(struct errmsg *em, int err, const char *what,
		  const char *target);

/* The medium itself (media.c). Blank: an image file is emptied, a drive's
 * medium erased (full or fast). Format: DVD-RAM, DVD+RW, DVD-RW, BD-RE.
 * Both wait for the drive, publishing progress. 0 or -errno (-EROFS,
 * -EINVAL unsuitable medium, -EIO). The caller reloads the medium. */
int disc_blank_locked(struct disc *d, bool full, struct errmsg *em);
/* Before a session is written to an image: -errno with the reason when
 * the image cannot be opened for writing. Before the first session of an
 * image file that holds nothing: libisoburn's mark of an erased medium in
 * its head, so that a burn cut short (kill -9, power loss) leaves a blank
 * disc, not data behind a zero head that no mount would take. Nothing to
 * do for a drive. 0 or -errno. */
int disc_prepare_image_write_locked(struct disc *d, struct errmsg *em);
int disc_format_medium_locked(struct disc *d, struct errmsg *em);
/* Release the drive and open the tray (the image format forgets its
 * trees first); facts show no medium. Takes both locks itself. */
void disc_eject(struct disc *d);

/* --- the libraries' messages (lib.c, msgwatch.c): any lock --- */

/* Drain libburn's and libisofs's message queues into the log. */
void disc_drain_msgs(void);
/* Whether libisofs queues its DEBUG (and ERRFILE) messages; with debug
 * logging on it always does. */
void disc_iso_debug_msgs(bool queue);
/* Entries libisofs dropped ("Error when adding file") or renamed (name
 * collisions) while loading a tree, as reported through disc_drain_msgs
 * since the last call; the count restarts at 0. */
unsigned int disc_take_dropped(void);

/* Drain the queues into the log and remember the worst of a job. */
struct disc_msgwatch {
	int worst;            /* highest severity number seen, 0 none */
	char first_bad[256];  /* text of the first MISHAP-or-worse message */
	char errfile[256];    /* path of the last ERRFILE pseudo-message */
	bool write_thread_ended; /* libburn 0x20178 "Write thread ... ended" */
	int os_errno;         /* first errno a SORRY-or-worse message carried */
	char os_text[256];    /* that message's text: the root of a failed
				 write, before libisofs's "cancelled" */
	bool user_cancel;     /* the user aborted: failures that follow are
				 the abort's echo, logged as info */
	bool tree_miscount;   /* libisofs wrote a tree of another size than
				 it laid out ("tree end differ") */
};
void disc_msgwatch_init(struct disc_msgwatch *w);
void disc_msgwatch_drain(struct disc_msgwatch *w);
/* True when a MISHAP or worse was seen: the write is not trustworthy (a
 * staged file changed size, a read failed) even if libburn says it went
 * well. */
bool disc_msgwatch_failed(const struct disc_msgwatch *w);

/* Waiting for a running libburn operation: each sleep an eighth of the
 * time waited so far, between 0.25 and 75 ms, so its end is noticed at most
 * ~12% late and a long burn still wakes only every 75 ms. */
struct disc_backoff {
	uint64_t t0;     /* when the wait began, 0 = not yet */
};
void disc_backoff_sleep(struct disc_backoff *b);
/* CLOCK_MONOTONIC in microseconds. */
uint64_t disc_now_us(void);

#endif
