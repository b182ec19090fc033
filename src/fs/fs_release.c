/* fs_release.c — before a commit on a big tree, the kernel lets go of the
 * clean folders a walk left it holding (stage/release.c says which and
 * why). The kernel's part, freeing an inode and a dentry per entry, costs
 * about a second of CPU at 300,000 entries, so it runs on a thread of its
 * own beside the commit, which meanwhile loads the disc's tree on the
 * other CPU; its memory peak comes later, while libisofs lays the session
 * out. The job's runner joins the thread when the job ends.
 *
 * The kernel drops a name even while a process works in that folder, whose
 * getcwd would then fail with ENOENT until the name is looked up again. So
 * the folders processes work in are found in /proc and kept, and the
 * thread, once it has had the notifier send the names (fs_notify_sync) and
 * the forgets are in (stage_release_settle), looks each dropped folder up
 * again through the mount, for a process the daemon could not see.
 * It holds no lock while it looks names up, and the loop's readers answer
 * them. After an unmount the lookups meet the folder beneath, or the ended
 * session's ENOTCONN, and the join in the job ends. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "burnfs/log.h"
#include "burnfs/stage.h"
#include "fs/fs.h"

struct fs_release {
	pthread_t thread;
	struct burnfs *b;
	char **paths;        /* staging paths of the folders dropped */
	size_t n;
};

/* The mount point field of a mountinfo line at p, as the kernel escapes
 * it (a space, tab, newline or backslash as \ooo), decoded into out. */
static void mount_point(const char *p, char *out, size_t size)
{
	size_t o = 0;

	while (*p && *p != ' ' && *p != '\n' && o + 1 < size) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' &&
		    p[2] >= '0' && p[2] <= '7' && p[3] >= '0' && p[3] <= '7') {
			out[o++] = (char)((p[1] - '0') << 6 | (p[2] - '0') << 3 |
					  (p[3] - '0'));
			p += 4;
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
}

/* Whether anything is mounted beneath the mount: the kernel detaches a
 * mount beneath a name it is told to drop, so then none is dropped. When
 * in doubt (no mountinfo), there is one. */
static bool has_submounts(const char *mp)
{
	size_t len = strlen(mp), cap = 0;
	char *line = NULL, *at, point[PATH_MAX];
	bool found = false;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return true;
	while (!found && getline(&line, &cap, f) > 0) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT ... */
		at = line;
		for (int field = 0; field < 4 && at; field++)
			at = strchr(at + 1, ' ');
		if (!at)
			continue;
		mount_point(at + 1, point, sizeof(point));
		found = !strncmp(point, mp, len) && point[len] == '/';
	}
	free(line);
	fclose(f);
	return found;
}

/* At most this many working folders are looked for: more would be a
 * machine of shells inside staging/, where dropping anything saves
 * little. */
#define WORKING_MAX 256

/* The folders beneath staging/ that processes work in (their cwd), as
 * staging paths: the kernel would unhash such a folder's name, and the
 * process's getcwd would fail until it was looked up again. Processes
 * the daemon may not look at are not found; the lookup again covers
 * them. malloc'ed, NULL and 0 when none. */
static size_t working_folders(struct burnfs *b, char ***out)
{
	char link[32], cwd[PATH_MAX], *top = NULL;
	size_t n = 0, len;
	struct dirent *e;
	ssize_t got;
	DIR *d;

	*out = NULL;
	if (asprintf(&top, "%s/%s", b->mountpoint, FS_STAGING_NAME) < 0)
		return 0;
	len = strlen(top);
	d = opendir("/proc");
	while (d && (e = readdir(d)) && n < WORKING_MAX) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(link, sizeof(link), "/proc/%.16s/cwd", e->d_name);
		got = readlink(link, cwd, sizeof(cwd) - 1);
		if (got <= 0)
			continue;
		cwd[got] = '\0';
		if (strncmp(cwd, top, len) || cwd[len] != '/')
			continue;
		if (!*out && !(*out = calloc(WORKING_MAX, sizeof(**out))))
			break;
		if (((*out)[n] = strdup(cwd + len)))
			n++;
	}
	if (d)
		closedir(d);
	free(top);
	return n;
}

static void free_paths(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

static void look_up_again(struct burnfs *b, const char *path)
{
	char *full;
	struct stat st;

	if (asprintf(&full, "%s/%s%s", b->mountpoint, FS_STAGING_NAME, path) < 0)
		return;
	if (lstat(full, &st) != 0 && errno != ENOENT)
		blog_debug("fs: looking %s up again: %s", path, strerror(errno));
	free(full);
}

static void *release_main(void *arg)
{
	struct fs_release *r = arg;

	fs_notify_sync(r->b);
	stage_release_settle(r->b->stage);
	for (size_t i = 0; i < r->n; i++)
		look_up_again(r->b, r->paths[i]);
	return NULL;
}

static void release_free(struct fs_release *r)
{
	free_paths(r->paths, r->n);
	free(r);
}

void fs_release_start(void *arg)
{
	struct burnfs *b = arg;
	struct fs_release *r;
	char **busy = NULL;
	size_t nbusy;

	if (b->release || !b->mountpoint || !stage_release_wanted(b->stage) ||
	    has_submounts(b->mountpoint))
		return;
	r = calloc(1, sizeof(*r));
	if (!r)
		return;
	r->b = b;
	/* tests only: no scan, so that the lookup again is what helps */
	nbusy = getenv("BURNFS_TEST_NO_CWD_SCAN") ? 0 : working_folders(b, &busy);
	r->n = stage_release_cached(b->stage, (const char *const *)busy, nbusy,
				    &r->paths);
	free_paths(busy, nbusy);
	if (!r->n) {
		release_free(r);
		return;
	}
	/* No thread: the same work on the job's thread, before the commit. */
	if (pthread_create(&r->thread, NULL, release_main, r) != 0) {
		release_main(r);
		release_free(r);
		return;
	}
	b->release = r;
}

void fs_release_join(struct burnfs *b)
{
	struct fs_release *r = b->release;

	if (!r)
		return;
	pthread_join(r->thread, NULL);
	b->release = NULL;
	release_free(r);
}
