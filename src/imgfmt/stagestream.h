/* stagestream.h — the IsoStream that feeds a staged data file to libisofs
 * (stagestream.c). Used by apply.c for new file content. */
#ifndef BURNFS_STAGESTREAM_H
#define BURNFS_STAGESTREAM_H

#include <stdint.h>
#include <libisofs/libisofs.h>

/* A stream over the file at path (a frozen cache data file), its size
 * taken now. On success *out holds one reference (iso_image_add_new_file
 * takes it over). Returns 1 or a negative libisofs error code
 * (ISO_FILE_DOESNT_EXIST, ISO_FILE_ACCESS_DENIED, ISO_FILE_IS_DIR,
 * ISO_FILE_ERROR, ISO_OUT_OF_MEM), as iso_tree_add_new_node would. */
int imgfmt_stagestream_new(const char *path, IsoStream **out);

#endif
