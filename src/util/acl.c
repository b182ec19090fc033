/* acl.c — POSIX ACL xattr values: check them, and keep them and the
 * permission bits in step as Linux does (see include/burnfs/acl.h). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "burnfs/acl.h"
#include "util/acl_priv.h"

bool pacl_is_xattr(const char *name)
{
	return strcmp(name, PACL_XATTR_ACCESS) == 0 ||
	       strcmp(name, PACL_XATTR_DEFAULT) == 0;
}

/* The kernel's posix_acl_valid(): the tags in order, each object entry
 * once, a mask exactly when there are named entries (or none at all). */
int pacl_check(const void *val, size_t len)
{
	size_t n = pacl_count(len), i;
	unsigned int seen = 0, last = 0;
	const unsigned int once = T_USER_OBJ | T_GROUP_OBJ | T_MASK | T_OTHER;
	uint32_t ver;

	if (!n)
		return -EINVAL;
	memcpy(&ver, val, 4);
	if (le32toh(ver) != ACL_VERSION)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		struct pacl_ent e = pacl_get(val, i);

		if (e.perm & ~7u || !e.tag || (e.tag & (e.tag - 1)) ||
		    e.tag > T_OTHER || e.tag < last || (e.tag & once & seen))
			return -EINVAL;
		seen |= e.tag;
		last = e.tag;
	}
	if ((seen & (T_USER_OBJ | T_GROUP_OBJ | T_OTHER)) !=
	    (T_USER_OBJ | T_GROUP_OBJ | T_OTHER))
		return -EINVAL;
	return (seen & (T_USER | T_GROUP)) && !(seen & T_MASK) ? -EINVAL : 0;
}

bool pacl_is_minimal(const void *val, size_t len)
{
	return pacl_count(len) == 3;
}

/* The entry the group bits of the mode stand for: the mask if there is
 * one, else the owning group's. */
static size_t group_slot(const void *val, size_t n)
{
	size_t i, grp = 0;

	for (i = 0; i < n; i++) {
		struct pacl_ent e = pacl_get(val, i);

		if (e.tag == T_MASK)
			return i;
		if (e.tag == T_GROUP_OBJ)
			grp = i;
	}
	return grp;
}

mode_t pacl_apply_to_mode(const void *val, size_t len, mode_t mode)
{
	size_t n = pacl_count(len), i;

	mode &= ~(mode_t)0777;
	for (i = 0; i < n; i++) {
		struct pacl_ent e = pacl_get(val, i);

		if (e.tag == T_USER_OBJ)
			mode |= (mode_t)e.perm << 6;
		else if (e.tag == T_OTHER)
			mode |= e.perm;
	}
	if (n)
		mode |= (mode_t)pacl_get(val, group_slot(val, n)).perm << 3;
	return mode;
}

void pacl_follow_mode(void *val, size_t len, mode_t mode)
{
	size_t n = pacl_count(len), i, g = n ? group_slot(val, n) : 0;

	for (i = 0; i < n; i++) {
		struct pacl_ent e = pacl_get(val, i);

		if (e.tag == T_USER_OBJ)
			e.perm = (mode >> 6) & 7;
		else if (i == g)
			e.perm = (mode >> 3) & 7;
		else if (e.tag == T_OTHER)
			e.perm = mode & 7;
		pacl_put(val, i, e);
	}
}

void pacl_text_of_mode(mode_t mode, char *buf, size_t size)
{
	static const char *const rwx[8] = { "---", "--x", "-w-", "-wx",
					    "r--", "r-x", "rw-", "rwx" };

	snprintf(buf, size, "user::%s\ngroup::%s\nother::%s\n",
		 rwx[(mode >> 6) & 7], rwx[(mode >> 3) & 7], rwx[mode & 7]);
}
