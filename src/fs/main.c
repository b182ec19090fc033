/* main.c — burnfs: open the target and the stage, then serve the mount.
 * Everything that can be refused (bad target, second mount, locked cache)
 * is checked before daemonizing, so the command fails with one line and a
 * non-zero exit instead of a daemon dying in the background. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fuse_lowlevel.h>

#include "burnfs/cache.h"
#include "burnfs/cli.h"
#include "burnfs/control.h"
#include "burnfs/disc.h"
#include "burnfs/errmsg.h"
#include "burnfs/imgfmt.h"
#include "burnfs/index.h"
#include "burnfs/log.h"
#include "burnfs/stage.h"
#include "fs/fs.h"
#include "fs/options.h"
#include "fs/startup.h"

static int list_drives(void)
{
	struct errmsg em = { "" };
	char *text = NULL;
	int ret;

	if (disc_lib_init(&em) < 0) {
		fprintf(stderr, "burnfs: %s\n", em.text);
		return 1;
	}
	ret = disc_list_drives(&text);
	if (ret == 0)
		fputs(text, stdout);
	else
		fprintf(stderr, "burnfs: cannot list drives: %s\n", strerror(-ret));
	free(text);
	disc_lib_finish();
	return ret ? 1 : 0;
}

/* Without syslog the daemon logs into the cache folder. */
static void log_beside(const char *cache)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/burnfs.log", cache);
	blog_set_fallback_file(path);
}

/* The cache folder of the disc, and the settings it remembers. */
static int open_cache(struct burnfs *b, const struct options *o,
		      struct job_settings *s)
{
	struct cache_opts co = {
		.dir = o->cache, .capacity = o->capacity_text,
		.volid = o->volid, .joliet = o->joliet, .speed = o->speed,
	};
	struct errmsg em = { "" };
	int ret = cache_open(&b->cache, b->disc, &co, s, &em);

	if (ret < 0)
		fprintf(stderr, "burnfs: %s\n", em.text);
	return ret;
}

/* Restores recorded in the journal name sessions of the disc. */
static int session_index(void *disc, int n, struct index **out)
{
	return disc_session_index(disc, n, out);
}

/* Open disc, stage and control; on failure say why in one line. */
static int open_parts(struct burnfs *b, const struct options *o)
{
	struct job_settings settings = o->settings;
	struct errmsg em = { "" };
	struct disc_facts f;
	struct index *lower;
	const char *cache;
	int ret;

	ret = disc_lib_init(&em);
	if (ret == 0)
		ret = disc_open(&b->disc, o->target, o->capacity,
				&imgfmt_iso9660, &em);
	if (ret < 0) {
		const char *why = em.text[0] ? em.text : strerror(-ret);

		/* A disc message that names the target starts with its
		 * absolute path: do not name it twice. */
		if (why[0] == '/')
			fprintf(stderr, "burnfs: %s\n", why);
		else
			fprintf(stderr, "burnfs: %s: %s\n", o->target, why);
		return ret;
	}
	ret = open_cache(b, o, &settings);
	if (ret < 0)
		return ret;
	cache = cache_dir(b->cache);
	log_beside(cache);
	lower = disc_lower(b->disc);
	stage_set_session_provider(session_index, b->disc);
	ret = stage_open(&b->stage, cache, lower);
	index_unref(lower);
	if (ret < 0) {
		fprintf(stderr, "burnfs: %s: %s\n", cache, ret == -EBUSY ?
			"staged data is in use by another burnfs mount" :
			strerror(-ret));
		return ret;
	}
	cache_bind(b->cache, b->stage);
	disc_get_facts(b->disc, &f);
	if (f.media == DISC_MEDIA_CLOSED)
		stage_set_readonly(b->stage, true, f.closed_reason);
	blog_info("%s: %s, %s, %d session(s), cache %s", f.target, f.profile,
		  f.media == DISC_MEDIA_CLOSED ? "closed" : "writable",
		  f.sessions, cache);
	return control_new(&b->control, b->disc, b->stage, &settings);
}

static void close_parts(struct burnfs *b)
{
	control_free(b->control);
	if (b->stage)
		stage_close(b->stage);
	cache_free(b->cache);
	if (b->disc)
		disc_close(b->disc);
	disc_lib_finish();
}

/* df and mount show the target, as they show the device of a disc. */
static void add_fsname(struct fuse_args *args, struct burnfs *b)
{
	struct disc_facts f;
	char opt[2 * PATH_MAX + 32], *o;

	disc_get_facts(b->disc, &f);
	o = opt + sprintf(opt, "-osubtype=burnfs,fsname=");
	for (const char *p = f.target; *p; p++) {
		if (*p == ',' || *p == '\\')
			*o++ = '\\';  /* fuse_opt's escape for its separators */
		*o++ = *p;
	}
	*o = '\0';
	fuse_opt_add_arg(args, opt);
}

static int serve(struct fuse_args *args, const struct fuse_cmdline_opts *co,
		 struct burnfs *b)
{
	struct fuse_session *se;
	int ret = 1;

	/* Kernel-side permission checks make staging/ behave like a local
	 * folder for every user the mount admits. */
	fuse_opt_add_arg(args, "-odefault_permissions");
	add_fsname(args, b);
	se = fuse_session_new(args, &fs_ops, sizeof(fs_ops), b);
	if (!se)
		return 1;
	b->se = se;
	b->mountpoint = co->mountpoint;
	if (fuse_set_signal_handlers(se) != 0)
		goto out;
	if (fuse_session_mount(se, co->mountpoint) != 0)
		goto out_signals;
	if (!co->foreground)
		blog_daemonized();
	if (fuse_daemonize(co->foreground) != 0)
		goto out_unmount;
	clock_gettime(CLOCK_REALTIME, &b->mount_time);
	/* After daemonizing: threads do not survive the fork. */
	stage_start_threads(b->stage);
	if (fs_notify_start(b) == 0) {
		ret = fs_loop_run(se) != 0;
		fs_notify_stop(b);
		fs_handles_drop_all(b);
	}
out_unmount:
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out:
	fuse_session_destroy(se);
	b->se = NULL;
	return ret;
}

/* The FUSE half of the command line: -f, -d, -s and the mountpoint. */
static int parse_fuse_cmdline(struct fuse_args *args, struct fuse_cmdline_opts *co)
{
	struct stat st;

	if (fuse_parse_cmdline(args, co) != 0)
		return -1;
	if (!co->mountpoint) {
		fs_usage();
		return -1;
	}
	if (stat(co->mountpoint, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "burnfs: %s: the mountpoint must be a folder\n",
			co->mountpoint);
		return -1;
	}
	return 0;
}

/* -f: everything on stderr. In the background nothing but a refusal's one
 * line: the log is held until the daemon is up. -o log=FILE: that file. */
static int start_log(const struct options *o, const struct fuse_cmdline_opts *co)
{
	int ret;

	blog_init(0, co->debug);
	if (!co->foreground)
		blog_hold();
	if (!o->log_file)
		return 0;
	ret = blog_to_file(o->log_file);
	if (ret < 0)
		fprintf(stderr, "burnfs: -o log=%s: %s\n", o->log_file,
			strerror(-ret));
	return ret;
}

/* Mount, serve until unmounted. A refused mount leaves no image it
 * created, and its held log lines go where the log would. */
static int mount_and_serve(struct fuse_args *args,
			   const struct fuse_cmdline_opts *co,
			   const struct options *o)
{
	struct burnfs b = { 0 };
	bool created = fs_target_missing(o->target);
	int ret = 1;

	if (open_parts(&b, o) == 0)
		ret = serve(args, co, &b);
	close_parts(&b);
	if (ret != 0 && b.mount_time.tv_sec == 0) {
		if (created)
			fs_undo_created_target(o->target);
		blog_refused();
	}
	return ret;
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts co = { 0 };
	struct options o;
	int ret = 1;

	/* burnfs run again by itself to load a session with a deadline */
	if (argc > 1 && strcmp(argv[1], DISC_PROBE_ARG) == 0)
		return disc_probe_main(argc, argv, &imgfmt_iso9660);
	if (argc > 1 && cli_is_command(argv[1]))
		return cli_main(argc, argv);
	disc_probe_enable("/proc/self/exe", argv);
	if (fs_options_parse(&args, &o) < 0)
		goto out;
	if (o.show_help) {
		fs_help();
		ret = 0;
		goto out;
	}
	if (o.show_version) {
		printf("burnfs %s (libfuse %s)\n", BURNFS_VERSION, fuse_pkgversion());
		ret = 0;
		goto out;
	}
	if (o.list_drives) {
		ret = list_drives();
		goto out;
	}
	if (!o.target) {
		fs_usage();
		goto out;
	}
	if (parse_fuse_cmdline(&args, &co) < 0 ||
	    fs_refuse_early(&args, &co) < 0 || start_log(&o, &co) < 0)
		goto out;
	ret = mount_and_serve(&args, &co, &o);
out:
	free(co.mountpoint);
	fs_options_free(&o);
	fuse_opt_free_args(&args);
	return ret;
}
