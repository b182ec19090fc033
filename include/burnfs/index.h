/* index.h — burnfs's own read-only copy of one recorded session's tree.
 *
 * The disc module builds an index under the library lock right after it loads
 * a session with libisoburn; from then on the index is immutable and needs no
 * lock: lookups, listings and reads (pread on the extents) work from any
 * thread, also while a commit is writing to an image file (a drive's
 * reads go through the library and get EBUSY during a job). This file knows nothing of FUSE or
 * libisofs, so the unit tests link it alone.
 *
 * Node ids are dense: 0 is the root, and a builder that walks a libisofs tree
 * depth-first in iso_dir_get_children() order and adds every node it meets
 * gets the same ids each time it walks the same session (the commit relies on
 * that to find an index node's IsoNode again).
 */
#ifndef BURNFS_INDEX_H
#define BURNFS_INDEX_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define IDX_NONE UINT32_MAX
#define IDX_ROOT 0u

struct idx_extent {
	uint32_t block; /* absolute 2048-byte block on the medium */
	uint32_t size;  /* bytes in this extent */
};

struct idx_xattr {
	const char *name; /* full name, "user.foo" */
	const char *value;
	uint32_t len;
};

struct idx_node {
	uint32_t parent;       /* parent directory id; the root is its own parent */
	uint32_t first_child;  /* directories: first entry, or IDX_NONE */
	uint32_t next_sibling; /* next entry in the same directory, or IDX_NONE */
	const char *name;      /* Rock Ridge name; "" for the root */
	mode_t mode;           /* with type bits */
	uid_t uid;
	gid_t gid;
	dev_t rdev;
	uint32_t nlink;        /* filled by index_finish() */
	uint64_t ino;          /* RR PX inode for files (shared by hard links) */
	uint64_t size;
	struct timespec atime, mtime, ctime;
	const char *link;      /* symlink target, else NULL */
	uint32_t n_extents;
	const struct idx_extent *extents;
	uint32_t n_xattrs;
	const struct idx_xattr *xattrs; /* sorted by name; ACLs as
					   system.posix_acl_* (Linux's form) */
	uint8_t zisofs;        /* files: the extents hold the content
				  zisofs-compressed (size is the real size) */
	uint8_t attrs_lost;    /* the disc's attribute list could not be
				  decoded: xattrs shows none */
};

/* How bytes on the medium are read: pread on the image file, or a locked
 * burn_read_data for a real drive. Returns bytes read or -errno. */
struct idx_reader {
	ssize_t (*pread)(void *ctx, void *buf, size_t len, uint64_t offset);
	void *ctx;
	/* Optional: whether the medium is still the one of identity
	 * `ident` (idx_info.disc_ident, when known): a read of another
	 * disc's blocks is ESTALE instead of that disc's bytes. */
	bool (*still)(void *ctx, uint64_t ident);
};

struct idx_info {
	int session;        /* 1 = oldest; 0 = blank medium (empty tree) */
	uint32_t start_lba; /* where the session starts */
	uint32_t blocks;    /* session size in blocks */
	char volid[33];
	uint32_t damaged;   /* entries the loader could not read whole:
			       dropped, shown without an attribute, or
			       under a safe name */
	uint64_t disc_ident; /* the medium's identity when the disc loaded
				it as its newest (disc_identity's number), 0:
				not known; tells a swapped disc whose
				sessions lie where the old one's did */
};

/* Whether two medium identities (idx_info.disc_ident) may be one medium:
 * equal, or one of them not known. */
static inline bool idx_same_medium(uint64_t a, uint64_t b)
{
	return !a || !b || a == b;
}

struct index;
struct stat;

/* --- building (one thread, before the index is shared) --- */

/* A new index holding only the root (id 0, mode S_IFDIR|0755). The reader is
 * copied. Returns NULL on ENOMEM. */
struct index *index_new(const struct idx_reader *reader);
/* Room for n nodes in all (the root included), so that a builder that
 * knows the count adds them without the array doubling and copying.
 * Returns 0 or -ENOMEM. index_finish() gives up room not used either way. */
int index_reserve(struct index *idx, uint32_t n);
/* Copy the attributes of *tmpl onto the root (links and extents ignored). */
void index_set_root(struct index *idx, const struct idx_node *tmpl);
/* Append a child to directory `parent`; strings, extents and xattrs of *tmpl
 * are copied; tree fields and nlink of *tmpl are ignored (index_finish
 * counts links). Ids follow the order of the calls, and a directory's
 * children keep the order they were added in. Returns the new id or
 * -errno (-EOVERFLOW past 2^32 - 2 nodes, 4 GiB of names or 2^27
 * distinct (mode, uid, gid)). */
int64_t index_add(struct index *idx, uint32_t parent, const struct idx_node *tmpl);
void index_set_info(struct index *idx, const struct idx_info *info);
/* Give node id an inode number (hard links share one). Returns 0, or
 * -ENOMEM when a number above 32 bits found no room. */
int index_set_ino(struct index *idx, uint32_t id, uint64_t ino);
/* Build the lookup tables, count links. After this the index is immutable.
 * Returns 0 or -ENOMEM. */
int index_finish(struct index *idx);

/* --- sharing: the last unref frees it --- */
struct index *index_ref(struct index *idx);
void index_unref(struct index *idx);

/* --- reading (any thread, no lock) --- */
const struct idx_info *index_info(const struct index *idx);
uint32_t index_count(const struct index *idx);
/* A view of node id in *out: every field as index_add was given it (tree
 * fields, nlink and ino as the index set them). Its pointers (name, link,
 * extents, xattrs) point into the index and stay valid as long as the
 * index lives; *out itself is the caller's copy. Returns 0, or -ENOENT
 * when id is out of range (then *out is zeroed, name "", the tree fields
 * IDX_NONE). */
int index_get(const struct index *idx, uint32_t id, struct idx_node *out);
/* The hot fields alone, cheaper than a whole view. Out of range: IDX_NONE
 * for the tree fields, "" for the name, 0 for the others. */
uint32_t index_parent(const struct index *idx, uint32_t id);
uint32_t index_first_child(const struct index *idx, uint32_t id);
uint32_t index_next_sibling(const struct index *idx, uint32_t id);
const char *index_name(const struct index *idx, uint32_t id);
mode_t index_mode(const struct index *idx, uint32_t id);
uint64_t index_ino(const struct index *idx, uint32_t id);
uint32_t index_nlink(const struct index *idx, uint32_t id);
/* Entry `name` in directory `dir`: id, -ENOENT, or -ENOTDIR. O(1). */
int64_t index_lookup(const struct index *idx, uint32_t dir, const char *name);
/* "/" or "" is the root; "/a/b" walks components. id or -errno. */
int64_t index_resolve(const struct index *idx, const char *path);
/* Write the absolute path of id ("/" for the root) into buf.
 * Returns the length or -ENAMETOOLONG. */
int index_path(const struct index *idx, uint32_t id, char *buf, size_t size);
/* Read file content at `off` through the extents and the reader. Returns
 * bytes read (0 at or past EOF) or -errno (-EISDIR for non-files). */
ssize_t index_read(const struct index *idx, uint32_t id, void *buf, size_t len,
		   uint64_t off);
/* A struct stat for id: st_ino is node->ino when set, else id + 1 + 2^32. */
void index_stat(const struct index *idx, uint32_t id, struct stat *st);

#endif
