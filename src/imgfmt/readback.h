/* readback.h — never publish a session the loader cannot read: the check
 * between a write and its activation (readback.c) and the comparison it
 * rests on (readback_cmp.c). */
#ifndef BURNFS_READBACK_H
#define BURNFS_READBACK_H

#include <stddef.h>
#include <stdint.h>

struct disc;
struct errmsg;
struct index;
struct stage_snapshot;

/* What imgfmt_write_session checks before it activates a session: the
 * snapshot the session was written from. */
struct imgfmt_readback {
	const struct stage_snapshot *snap;
};

/* Load the session written at start_lba back from the medium with
 * libisofs's reader (the new session is not active yet: it is read from
 * its own start), index it as a mount would, and compare it with rb->snap.
 * 0 when they agree; -EIO with em naming the first entries that differ;
 * 0 without looking on media whose sessions cannot be read before they
 * are published (write-once media: the syscall checks have to suffice).
 * lib_lock held, the write's threads ended. */
int imgfmt_readback_check(struct disc *d, uint32_t start_lba,
			  const struct imgfmt_readback *rb, struct errmsg *em);

/* How many entries of idx differ from snap (see readback_cmp.c); report
 * gets the first few as "path (what)", comma-separated. */
unsigned int imgfmt_readback_compare(const struct index *idx,
				     const struct stage_snapshot *snap, char *report,
				     size_t size);

#endif
