/* verify.h — the plan job_verify builds under the library lock (what to
 * read and which MD5 to expect) and then checks with plain reads. */
#ifndef BURNFS_VERIFY_H
#define BURNFS_VERIFY_H

#include <stdbool.h>
#include <stdint.h>

struct disc;
struct errmsg;

struct imgfmt_plan_file {
	char *path;
	uint64_t size;
	int n_sec;
	struct iso_file_section *sec;  /* absolute blocks, free() */
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

/* lib_lock held: load the newest session and fill *plan. 0 or -errno. */
int imgfmt_verify_plan_locked(struct disc *d, struct imgfmt_plan *plan, struct errmsg *em);
void imgfmt_verify_plan_free(struct imgfmt_plan *plan);
/* Read what the plan names (no library lock for image files) and compare
 * the MD5 sums. Damage: -EIO, em names the damaged files; -ECANCELED when
 * disc_cancel() stopped it. The caller owns the job (busy flag). */
int job_verify_plan(struct disc *d, const struct imgfmt_plan *plan,
		      struct errmsg *em);

#endif
