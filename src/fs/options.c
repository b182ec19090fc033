/* options.c — parse burnfs's options with fuse_opt; FUSE's stay in args. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "burnfs/control.h"
#include "burnfs/errmsg.h"
#include "fs/options.h"

enum { KEY_HELP, KEY_VERSION, KEY_LIST_DRIVES, KEY_LOOP };

#define OPT(t, f) { t, offsetof(struct options, f), 0 }
static const struct fuse_opt opt_spec[] = {
	OPT("cache=%s", cache),
	OPT("capacity=%s", capacity_text),
	OPT("volid=%s", volid),
	OPT("joliet=%s", joliet),
	OPT("speed=%s", speed),
	OPT("simulate=%s", simulate),
	OPT("compress=%s", compress),
	OPT("log=%s", log_file),
	FUSE_OPT_KEY("-h", KEY_HELP),
	FUSE_OPT_KEY("--help", KEY_HELP),
	FUSE_OPT_KEY("-V", KEY_VERSION),
	FUSE_OPT_KEY("--version", KEY_VERSION),
	FUSE_OPT_KEY("--list-drives", KEY_LIST_DRIVES),
	/* libfuse's loop options: burnfs runs its own loop (src/fs/loop.c) */
	FUSE_OPT_KEY("max_threads=", KEY_LOOP),
	FUSE_OPT_KEY("max_idle_threads=", KEY_LOOP),
	FUSE_OPT_KEY("clone_fd", KEY_LOOP),
	FUSE_OPT_END
};

static int opt_proc(void *data, const char *arg, int key,
		    struct fuse_args *out)
{
	struct options *o = data;

	switch (key) {
	case KEY_HELP:
		o->show_help = 1;
		return 0;
	case KEY_VERSION:
		o->show_version = 1;
		return 0;
	case KEY_LIST_DRIVES:
		o->list_drives = 1;
		return 0;
	case KEY_LOOP:
		fprintf(stderr, "burnfs: -o %s: not supported: burnfs serves "
			"requests with threads of its own (-s: one)\n", arg);
		return -1;
	case FUSE_OPT_KEY_NONOPT:
		/* The first plain word is the target; the mountpoint stays. */
		if (!o->target) {
			o->target = strdup(arg);
			return 0;
		}
		return 1;
	default:
		return 1;
	}
}

static int apply_setting(struct options *o, const char *key, const char *val)
{
	struct errmsg em = { "" };

	if (!val)
		return 0;
	if (control_settings_set(&o->settings, key, val, &em) == 0)
		return 0;
	fprintf(stderr, "burnfs: -o %s=%s: %s\n", key, val, em.text);
	return -1;
}

int fs_options_parse(struct fuse_args *args, struct options *o)
{
	memset(o, 0, sizeof(*o));
	job_settings_default(&o->settings);
	if (fuse_opt_parse(args, o, opt_spec, opt_proc) < 0)
		return -1;
	if (o->capacity_text && control_parse_capacity(o->capacity_text, &o->capacity)) {
		fprintf(stderr, "burnfs: -o capacity=%s: not a size (cd, dvd, "
			"dvd-dl, bd, bd-dl, bd-xl, or a number like 20M or 25G)\n",
			o->capacity_text);
		return -1;
	}
	if (apply_setting(o, "volid", o->volid) ||
	    apply_setting(o, "joliet", o->joliet) ||
	    apply_setting(o, "speed", o->speed) ||
	    apply_setting(o, "simulate", o->simulate) ||
	    apply_setting(o, "compress", o->compress))
		return -1;
	return 0;
}

void fs_options_free(struct options *o)
{
	free(o->target);
	free(o->cache);
	free(o->capacity_text);
	free(o->volid);
	free(o->joliet);
	free(o->speed);
	free(o->simulate);
	free(o->compress);
	free(o->log_file);
}
