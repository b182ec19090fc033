/* options.h — the command line: burnfs [-o OPTIONS] TARGET MOUNTPOINT. */
#ifndef BURNFS_OPTIONS_H
#define BURNFS_OPTIONS_H

#include <fuse_opt.h>
#include <stdint.h>

#include "burnfs/jobs.h"

struct options {
	char *target;
	char *cache;           /* -o cache= */
	char *capacity_text;   /* -o capacity= */
	uint64_t capacity;
	char *volid, *joliet, *speed, *simulate, *compress;
	char *log_file;        /* -o log= */
	int list_drives;
	int show_help;
	int show_version;
	struct job_settings settings;
};

/* Take burnfs's own options out of args (the FUSE ones stay). Returns 0,
 * or -1 after printing one line on stderr. */
int fs_options_parse(struct fuse_args *args, struct options *o);
void fs_options_free(struct options *o);

#endif
