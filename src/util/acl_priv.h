/* acl_priv.h — the layout of a POSIX ACL xattr value, shared by acl.c and
 * acl_text.c: a little-endian version word, then 8-byte entries. */
#ifndef BURNFS_ACL_PRIV_H
#define BURNFS_ACL_PRIV_H

#include <endian.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ACL_VERSION 2u
#define ACL_HDR 4u
#define ACL_ENT 8u
#define ACL_NO_ID 0xffffffffu

/* Tags, as <linux/posix_acl.h> numbers them; also their required order. */
enum { T_USER_OBJ = 0x01, T_USER = 0x02, T_GROUP_OBJ = 0x04, T_GROUP = 0x08,
       T_MASK = 0x10, T_OTHER = 0x20 };

struct pacl_ent {
	uint32_t tag, perm, id;
};

/* Entries in a value of len bytes; 0 when the length is not an ACL's. */
static inline size_t pacl_count(size_t len)
{
	return len < ACL_HDR + ACL_ENT || (len - ACL_HDR) % ACL_ENT ? 0
	       : (len - ACL_HDR) / ACL_ENT;
}

static inline struct pacl_ent pacl_get(const void *val, size_t i)
{
	const unsigned char *p = (const unsigned char *)val + ACL_HDR + i * ACL_ENT;
	uint16_t t, pm;
	uint32_t id;
	struct pacl_ent e;

	memcpy(&t, p, 2);
	memcpy(&pm, p + 2, 2);
	memcpy(&id, p + 4, 4);
	e.tag = le16toh(t);
	e.perm = le16toh(pm);
	e.id = le32toh(id);
	return e;
}

static inline void pacl_put(void *val, size_t i, struct pacl_ent e)
{
	unsigned char *p = (unsigned char *)val + ACL_HDR + i * ACL_ENT;
	uint16_t t = htole16((uint16_t)e.tag), pm = htole16((uint16_t)e.perm);
	uint32_t id = htole32(e.id);

	memcpy(p, &t, 2);
	memcpy(p + 2, &pm, 2);
	memcpy(p + 4, &id, 4);
}

#endif
