/* empty_file.c — a new empty file in a libisofs tree. libisofs has no
 * call for one: the file needs a stream, and a memory stream takes a
 * buffer it frees itself, which must not be NULL even for 0 bytes. */
#include <stdlib.h>

#include "imgfmt/imgfmt_priv.h"

int imgfmt_add_empty_file(IsoImage *img, IsoDir *dir, const char *name,
			  IsoFile **out)
{
	unsigned char *buf = calloc(1, 1);
	IsoStream *stream = NULL;
	int r;

	*out = NULL;
	if (!buf)
		return ISO_OUT_OF_MEM;
	r = iso_memory_stream_new(buf, 0, &stream);
	if (r < 0) {
		free(buf);
		return r;
	}
	/* On success the file takes over our stream reference. */
	r = iso_image_add_new_file(img, dir, name, stream, out);
	if (r < 0)
		iso_stream_unref(stream);
	return r;
}
