/* utf8.h — a name that is nothing but the start of a UTF-8 character cut
 * short (a lead byte C2-FD and fewer continuation bytes than it
 * announces: C3 alone, E4 B8, F0 9F 98). libisofs 1.5.4 converts such a
 * name to no Joliet name at all and fails the whole write ("Memory
 * allocation error"), while Rock Ridge records it as it is; such entries
 * are left out of the Joliet tree, as symlinks are. */
#ifndef BURNFS_UTF8_H
#define BURNFS_UTF8_H

#include <stdbool.h>
#include <string.h>

static inline bool utf8_cut_short(const char *name)
{
	const unsigned char *b = (const unsigned char *)name;
	size_t len = strlen(name), want;

	if (len == 0 || b[0] < 0xc2 || b[0] > 0xfd)
		return false;
	want = b[0] < 0xe0 ? 2 : b[0] < 0xf0 ? 3 : b[0] < 0xf8 ? 4 :
	       b[0] < 0xfc ? 5 : 6;
	if (len >= want)
		return false;
	for (size_t i = 1; i < len; i++)
		if (b[i] < 0x80 || b[i] > 0xbf)
			return false;
	return true;
}

#endif
