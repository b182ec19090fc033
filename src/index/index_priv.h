/* index_priv.h — what the index's own files share. */
#ifndef BURNFS_INDEX_PRIV_H
#define BURNFS_INDEX_PRIV_H

#include <stdint.h>
#include <sys/types.h>

struct index;
struct idx_node;

/* Read medium bytes through the index's reader. */
ssize_t index_pread(const struct index *idx, void *buf, size_t len,
		    uint64_t offset);
/* Bytes of node n as the medium stores them (through its extents): len
 * must lie within them. Bytes read or -errno. index_read.c */
ssize_t index_read_stored(const struct index *idx, const struct idx_node *n,
			  void *buf, size_t len, uint64_t off);
/* Content bytes [off, off+len) of a zisofs-compressed file id (whose view
 * is *n), len cut to its size already. index_zisofs.c */
ssize_t index_zisofs_read(const struct index *idx, uint32_t id,
			  const struct idx_node *n, void *buf, size_t len,
			  uint64_t off);
/* A number no other index of this process has had: a key that outlives
 * the index's address. */
uint64_t index_serial(const struct index *idx);

#endif
