/* acl.h — POSIX ACLs in the two forms burnfs meets them.
 *
 * Linux hands a FUSE daemon that did not ask for FUSE_POSIX_ACL an ACL as
 * the value of the xattr system.posix_acl_access or system.posix_acl_default:
 * a 4-byte version (2) and 8-byte entries {tag, perm, id}, little-endian,
 * checked and sorted by the kernel before it reaches the daemon. burnfs keeps
 * ACLs in that form everywhere (stage, snapshot, index), like a local file
 * system keeps them in its xattrs. libisofs records them on the disc (AAIP)
 * and speaks the long text form of acl(5) ("user::rwx\nuser:1000:r-x\n...");
 * pacl_to_text() and pacl_from_text() convert at the disc's edge.
 *
 * Every call is pure (no lock, no state) except the two text calls, which
 * look user and group names up with the reentrant getpw*_r calls.
 */
#ifndef BURNFS_ACL_H
#define BURNFS_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define PACL_XATTR_ACCESS "system.posix_acl_access"
#define PACL_XATTR_DEFAULT "system.posix_acl_default"

/* The two names above. */
bool pacl_is_xattr(const char *name);
/* 0 when val is an ACL the kernel would accept (version 2, entries in
 * tag order, one owner, group and other entry, a mask when there are
 * named entries, rwx bits only), else -EINVAL. */
int pacl_check(const void *val, size_t len);
/* True when the ACL says no more than the permission bits do (owner,
 * group and other entries only): a local file system then keeps only the
 * mode. */
bool pacl_is_minimal(const void *val, size_t len);
/* The permission bits an access ACL gives the file: owner from the owner
 * entry, group from the mask (or the group entry without a mask), other
 * from the other entry; type and the setuid/setgid/sticky bits of mode
 * are kept. val must have passed pacl_check. */
mode_t pacl_apply_to_mode(const void *val, size_t len, mode_t mode);
/* chmod of a file with an access ACL, as Linux does it: the owner, mask
 * (or group, without a mask) and other entries take the bits of mode.
 * In place; val must have passed pacl_check. */
void pacl_follow_mode(void *val, size_t len, mode_t mode);

/* The long text form of val (one entry per line, each ending in '\n'),
 * malloc'ed into *text. A named entry carries the user or group name when
 * that name maps back to the same id, else the number. 0, -EINVAL or
 * -ENOMEM. */
int pacl_to_text(const void *val, size_t len, char **text);
/* The xattr value for a long text form (as pacl_to_text writes it or
 * libisofs returns it; names or numbers), entries sorted, malloc'ed into
 * *val. 0, -EINVAL (unknown name, bad line, an ACL pacl_check refuses) or
 * -ENOMEM. */
int pacl_from_text(const char *text, void **val, size_t *len);
/* The text of the minimal access ACL of mode ("user::rw-\ngroup::r--\n
 * other::r--\n") into buf (at least 48 bytes). */
void pacl_text_of_mode(mode_t mode, char *buf, size_t size);

#endif
