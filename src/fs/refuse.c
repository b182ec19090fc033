/* refuse.c — what the daemon refuses before it opens the target and the
 * cache folder, so that a refused mount prints one line and leaves nothing
 * behind (no empty image, no cache folder): libfuse options that break
 * burnfs, options libfuse does not know, a missing /dev/fuse, a mountpoint
 * the user may not mount on or that is a burnfs mount already. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "burnfs/cli.h"
#include "fs/startup.h"

enum { R_MODULES, R_SUBTYPE, R_NOPATH, R_INTR, R_KERNEL_CACHE };

static const struct fuse_opt refused[] = {
	FUSE_OPT_KEY("modules=", R_MODULES),
	FUSE_OPT_KEY("subdir=", R_MODULES),
	FUSE_OPT_KEY("from_code=", R_MODULES),
	FUSE_OPT_KEY("to_code=", R_MODULES),
	FUSE_OPT_KEY("subtype=", R_SUBTYPE),
	FUSE_OPT_KEY("nopath", R_NOPATH),
	FUSE_OPT_KEY("intr", R_INTR),
	FUSE_OPT_KEY("intr_signal=", R_INTR),
	FUSE_OPT_KEY("kernel_cache", R_KERNEL_CACHE),
	FUSE_OPT_END
};

static const char *const why[] = {
	[R_MODULES] = "libfuse's modules (subdir, iconv) change the paths "
		      "burnfs serves",
	[R_SUBTYPE] = "a burnfs mount is of type fuse.burnfs (the burnfs "
		      "command finds its mounts by it)",
	[R_NOPATH] = "burnfs serves inodes, not libfuse's paths",
	[R_INTR] = "a signal to a waiting writer must not interrupt burnfs "
		   "(a job ends only by abort)",
	[R_KERNEL_CACHE] = "the kernel would keep showing files that discard "
			   "or blank removed",
};

static int refuse_proc(void *data, const char *arg, int key,
		       struct fuse_args *out)
{
	if (key < 0 || key > R_KERNEL_CACHE)
		return 1;  /* not ours to judge: libfuse checks it */
	/* fuse_parse_cmdline adds the program's own name (data: a copy of
	 * the binary under another name, as a benchmark makes); the daemon
	 * sets subtype=burnfs after it, and the last one counts. */
	if (key == R_SUBTYPE && (strcmp(arg, "subtype=burnfs") == 0 ||
				 strcmp(arg + 8, (const char *)data) == 0))
		return 1;
	fprintf(stderr, "burnfs: -o %s: %s; not supported\n", arg, why[key]);
	return -1;
}

/* Parse a copy: the options stay in args for libfuse. */
static int refused_options(const struct fuse_args *args)
{
	struct fuse_args copy = FUSE_ARGS_INIT(args->argc, args->argv);
	const char *prog = args->argc > 0 ? strrchr(args->argv[0], '/') : NULL;
	int ret;

	prog = prog ? prog + 1 : args->argc > 0 ? args->argv[0] : "burnfs";
	ret = fuse_opt_parse(&copy, (void *)prog, refused, refuse_proc);

	if (copy.argv != args->argv)
		fuse_opt_free_args(&copy);
	return ret < 0 ? -1 : 0;
}

/* Options libfuse does not know fail here, with libfuse's one line
 * ("fuse: unknown option(s): ..."), rather than after the target was
 * opened. */
static int libfuse_accepts(const struct fuse_args *args)
{
	struct fuse_args copy = FUSE_ARGS_INIT(0, NULL);
	struct fuse_lowlevel_ops ops;
	struct fuse_session *se;
	int ret = 0;

	memset(&ops, 0, sizeof(ops));
	for (int i = 0; i < args->argc && ret == 0; i++)
		ret = fuse_opt_add_arg(&copy, args->argv[i]);
	se = ret == 0 ? fuse_session_new(&copy, &ops, sizeof(ops), NULL) : NULL;
	fuse_opt_free_args(&copy);
	if (!se)
		return -1;
	fuse_session_destroy(se);
	return 0;
}

static int mountpoint_ok(const char *mnt)
{
	if (cli_in_burnfs_mount(mnt)) {
		fprintf(stderr, "burnfs: %s is a burnfs mount already (a command? "
			"see burnfs help)\n", mnt);
		return -1;
	}
	/* fusermount3 mounts for users only where they may write. */
	if (geteuid() != 0 && access(mnt, W_OK) != 0) {
		fprintf(stderr, "burnfs: %s: you may not write to this folder, so "
			"you may not mount on it\n", mnt);
		return -1;
	}
	return 0;
}

int fs_refuse_early(struct fuse_args *args, const struct fuse_cmdline_opts *co)
{
	if (co->singlethread) {
		fprintf(stderr, "burnfs: -s: burnfs needs several threads (a "
			"command waits while the mount keeps answering)\n");
		return -1;
	}
	if (refused_options(args) < 0 || libfuse_accepts(args) < 0)
		return -1;
	if (access("/dev/fuse", R_OK | W_OK) != 0) {
		if (errno == ENOENT)
			fprintf(stderr, "burnfs: /dev/fuse is missing: load the "
				"fuse module (modprobe fuse)\n");
		else
			fprintf(stderr, "burnfs: /dev/fuse: %s: this user may not "
				"mount FUSE file systems\n", strerror(errno));
		return -1;
	}
	return mountpoint_ok(co->mountpoint);
}

bool fs_target_missing(const char *target)
{
	struct stat st;

	return lstat(target, &st) != 0 && errno == ENOENT;
}

void fs_undo_created_target(const char *target)
{
	struct stat st;

	if (stat(target, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0)
		unlink(target);
}
