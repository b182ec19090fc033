/* errno.c — libisofs's error codes as errno: the one place that maps
 * them, keeping ENOSPC, ENAMETOOLONG, EFBIG, EEXIST, EINVAL distinct for
 * the syscall and the job that meet them. */
#include <errno.h>

#include "imgfmt/imgfmt_priv.h"

int imgfmt_iso_errno(int r)
{
	if (r >= 0)
		return 0;
	switch (r) {
	case ISO_OUT_OF_MEM: return -ENOMEM;
	case ISO_RR_NAME_TOO_LONG: case ISO_RR_PATH_TOO_LONG:
		return -ENAMETOOLONG;
	case ISO_NODE_NAME_NOT_UNIQUE: case ISO_NODE_ALREADY_ADDED:
		return -EEXIST;
	case ISO_RR_NAME_RESERVED: case ISO_NULL_POINTER:
	case ISO_WRONG_ARG_VALUE: case ISO_FILENAME_WRONG_CHARSET:
	case ISO_AAIP_BAD_ATTR_NAME:
		return -EINVAL;
	case ISO_FILE_TOO_BIG: case ISO_FILE_OFFSET_TOO_BIG:
		return -EFBIG;
	case ISO_FILE_DOESNT_EXIST: case ISO_NODE_DOESNT_EXIST:
	case ISO_FILE_BAD_PATH:
		return -ENOENT;
	case ISO_FILE_ACCESS_DENIED: return -EACCES;
	case ISO_FILE_IS_DIR: return -EISDIR;
	case ISO_FILE_IS_NOT_DIR: return -ENOTDIR;
	case ISO_CANCELED: case ISO_IMAGE_WRITE_CANCELED:
	case ISO_INTERRUPTED:
		return -ECANCELED;
	case ISO_AAIP_NON_USER_NAME: case ISO_ZLIB_NOT_ENABLED:
		return -ENOTSUP;
	case ISO_MANGLE_TOO_MUCH_FILES: case ISO_HFSPLUS_TOO_MANY_FILES:
		return -ENOSPC;
	default: return -EIO;
	}
}
