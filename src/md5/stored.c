/* stored.c — a data file's MD5 kept with the file, as the extended
 * attribute user.burnfs.md5 of the cache's data file: the size it covers
 * and the boot it was taken in. Within one boot every reader sees the
 * syscalls in the order they were made, so a record stored after the bytes
 * and removed before any other change is exact even after a kill -9; after
 * a reboot the bytes may not have reached the disk, so older records are
 * ignored. BURNFS_TEST_SPOIL_STORED_MD5 (tests only) stores a wrong digest,
 * to prove that the digest recorded on the disc is the stored one. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "burnfs/md5.h"

#define XATTR_NAME "user.burnfs.md5"
#define MAGIC "BFM1"
#define BOOT_LEN 36   /* /proc/sys/kernel/random/boot_id without its newline */

struct record {
	char magic[4];
	char boot[BOOT_LEN];
	unsigned char size[8];   /* little-endian */
	unsigned char md5[16];
};

static char boot_id[BOOT_LEN];
static bool have_boot;
static pthread_once_t boot_once = PTHREAD_ONCE_INIT;

static void read_boot_id(void)
{
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	have_boot = read(fd, boot_id, BOOT_LEN) == BOOT_LEN;
	close(fd);
}

/* The record for (size, md5) in this boot; false without a boot id. */
static bool make_record(struct record *r, uint64_t size,
			const unsigned char md5[16])
{
	pthread_once(&boot_once, read_boot_id);
	if (!have_boot)
		return false;
	memcpy(r->magic, MAGIC, 4);
	memcpy(r->boot, boot_id, BOOT_LEN);
	for (int i = 0; i < 8; i++)
		r->size[i] = (unsigned char)(size >> (8 * i));
	memcpy(r->md5, md5, 16);
	return true;
}

int md5_stored_put(int fd, uint64_t size, const unsigned char md5[16])
{
	struct record r;
	const char *spoil = getenv("BURNFS_TEST_SPOIL_STORED_MD5");

	if (!make_record(&r, size, md5))
		return -ENOTSUP;
	if (spoil && *spoil)
		r.md5[0] ^= 0x01;
	return fsetxattr(fd, XATTR_NAME, &r, sizeof(r), 0) ? -errno : 0;
}

int md5_stored_clear(int fd)
{
	if (!fremovexattr(fd, XATTR_NAME))
		return 1;
	/* none there, or none possible on this file system */
	return errno == ENODATA || errno == ENOTSUP ? 0 : -errno;
}

int md5_stored_get(int fd, uint64_t size, unsigned char md5[16])
{
	struct record r, want;
	ssize_t n = fgetxattr(fd, XATTR_NAME, &r, sizeof(r));

	if (n != (ssize_t)sizeof(r) || !make_record(&want, size, r.md5))
		return 0;
	if (memcmp(&r, &want, sizeof(r)) != 0)
		return 0;   /* another size, another boot, not ours */
	memcpy(md5, r.md5, 16);
	return 1;
}
