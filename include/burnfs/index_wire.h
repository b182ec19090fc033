/* index_wire.h — an index as a stream of bytes and back: how the probe
 * child (src/disc/probe.c), which loads and indexes a session anyway,
 * hands its index to the daemon so that the daemon does not load the same
 * session a second time. Built on index.h's public calls only, so the
 * index's memory layout may change without changing the stream.
 *
 * The stream: a header (magic, version, node count, the idx_info), every
 * node in id order (the root first; a node's parent always comes before
 * it), then an end mark. Integers are little-endian; strings carry their
 * length and a NUL. nlink is not sent: index_finish counts it again from
 * the inode numbers. */
#ifndef BURNFS_INDEX_WIRE_H
#define BURNFS_INDEX_WIRE_H

#include <stddef.h>

#include "burnfs/index.h"

/* Write the finished index idx to fd (a file, memfd or pipe; written from
 * where it stands, short writes retried). Returns 0, or -errno of the
 * write (-EIO for a write that wrote nothing). No lock: the index is
 * immutable. */
int index_wire_write(const struct index *idx, int fd);

/* Read a stream of len bytes at buf into a new finished index that reads
 * the medium through *reader (copied; the writer's reader is not in the
 * stream). The bytes are untrusted: every length is checked against what
 * is left, names must be single path components, xattrs sorted. Returns 0
 * with *out the caller's reference, -EIO for a truncated or malformed
 * stream (*out NULL, nothing leaked), -ENOMEM. */
int index_wire_read(const void *buf, size_t len,
		    const struct idx_reader *reader, struct index **out);

#endif
