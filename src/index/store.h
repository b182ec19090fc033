/* store.h — how an index keeps its nodes: one 48-byte record per node in an
 * array (ids are positions), names in one unaligned string buffer, each
 * distinct (mode, uid, gid) once, and what few entries have (symlink
 * targets, device numbers, several extents, xattrs, times before 1970,
 * after 2106 or with nanoseconds, inode numbers above 32 bits, files of
 * 4 GiB or more) in a side table sorted by id. At 300,000 entries a node
 * costs about 64 bytes with its name and its share of the lookup hash,
 * instead of the 160-byte struct idx_node and its padding; the struct is
 * now only the view index_get() fills. Shared by the index's own files. */
#ifndef BURNFS_INDEX_STORE_H
#define BURNFS_INDEX_STORE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "burnfs/index.h"
#include "index/arena.h"

/* The high bits of cnode.attr; the low ones are the attrs[] position. */
#define CN_EXTRA  (1u << 31)  /* the side table holds this node's rare fields */
#define CN_LINKS  (1u << 30)  /* not a directory; nlink > 1 is in links[] */
#define CN_EXT0   (1u << 29)  /* a regular file whose one extent is ext0 */
#define CN_ZISOFS (1u << 28)
#define CN_LOST   (1u << 27)  /* idx_node.attrs_lost */
#define CN_ATTR_MASK (CN_LOST - 1)

struct cnode {
	uint32_t parent, first_child, next_sibling;
	uint32_t name;        /* offset into names; 0 is "" */
	uint32_t attr;        /* attrs[] position | CN_* flags */
	uint32_t ino;         /* without CN_EXTRA: the inode number */
	uint32_t size;        /* without CN_EXTRA: the size */
	uint32_t sec[3];      /* without CN_EXTRA: a/m/ctime in seconds */
	union {
		struct idx_extent ext0;  /* with CN_EXT0 */
		struct {
			uint32_t nlink; /* set by index_finish() */
			uint32_t last;  /* building: the last child */
		} dir;
	} u;
};
_Static_assert(sizeof(struct cnode) == 48, "a node is 48 bytes");

struct idx_attr {
	mode_t mode;
	uid_t uid;
	gid_t gid;
};

/* A node with CN_EXTRA: these fields are taken from here, not the node. */
struct idx_extra {
	uint32_t id;
	uint32_t n_extents, n_xattrs;
	uint64_t ino, size;
	dev_t rdev;
	const char *link;
	const struct idx_extent *extents;
	const struct idx_xattr *xattrs;
	struct timespec atime, mtime, ctime;
};

struct idx_nlink {
	uint32_t id, nlink;
};

struct index {
	atomic_int refs;
	uint64_t serial;        /* see index_serial() */
	struct idx_info info;
	struct idx_reader reader;
	struct cnode *nodes;
	uint32_t n, cap;
	char *names;
	uint32_t names_len, names_cap;
	struct idx_attr *attrs;
	uint32_t n_attrs, cap_attrs;
	uint32_t *attr_hash;    /* building only: attrs[] positions */
	uint32_t attr_mask;
	struct idx_extra *extras;  /* sorted by id */
	uint32_t n_extras, cap_extras;
	struct idx_nlink *links;   /* sorted by id */
	uint32_t n_links;
	uint32_t *hash;         /* (parent, name) -> id, IDX_NONE = empty */
	uint32_t hash_mask;
	struct arena arena;     /* link targets, extents, xattrs */
};

static inline const struct idx_attr *store_attr(const struct index *idx,
						 const struct cnode *c)
{
	return &idx->attrs[c->attr & CN_ATTR_MASK];
}

static inline bool store_is_dir(const struct index *idx, const struct cnode *c)
{
	return S_ISDIR(store_attr(idx, c)->mode);
}

/* extras.c: the side table. find: NULL when id has no record. put: insert
 * or replace *x (its pointers must already be the index's own) and flag
 * the node; 0 or -ENOMEM. drop: take id's record out, if any, and its
 * flag. */
struct idx_extra *index_extra_find(const struct index *idx, uint32_t id);
int index_extra_put(struct index *idx, const struct idx_extra *x);
void index_extra_drop(struct index *idx, uint32_t id);

/* nodes.c: give node id the attributes of *tmpl (tree fields and nlink
 * aside), copying its strings, extents and xattrs. 0 or -errno. */
int index_store_attrs(struct index *idx, uint32_t id,
		      const struct idx_node *tmpl);
/* nodes.c: the node array and names without the room left over. */
void index_store_shrink(struct index *idx);
/* links.c: every node's nlink (directories: 2 + subfolders; others: the
 * nodes sharing its inode number). 0 or -ENOMEM. */
int index_count_links(struct index *idx);

#endif
