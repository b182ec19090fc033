/* mount.c — is this a burnfs mount? Writing `commit` into the control file
 * of a plain folder would create a file and succeed, so every command first
 * checks both what the kernel says of the path (a FUSE file system) and
 * what /proc/self/mountinfo says of its mount (type fuse.burnfs). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>

#include "burnfs/cli.h"
#include "cli/cli_priv.h"

#define FUSE_MAGIC 0x65735546

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
				      (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

static bool under(const char *path, const char *root)
{
	size_t n = strlen(root);

	if (strcmp(root, "/") == 0)
		return true;
	return strncmp(path, root, n) == 0 && (path[n] == '/' || !path[n]);
}

/* One mountinfo line: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS ... - TYPE
 * SOURCE SUPEROPTS". The deepest mount over `path` wins (a later line
 * covers an earlier one at the same point). */
static void match_line(char *line, const char *path, char *point,
		       char *type, size_t size)
{
	char *save = NULL, *f, *mp = NULL;
	int i = 0;

	for (f = strtok_r(line, " ", &save); f; f = strtok_r(NULL, " ", &save))
		if (++i == 5)
			mp = f;
		else if (i > 5 && strcmp(f, "-") == 0)
			break;
	f = strtok_r(NULL, " ", &save);
	if (!mp || !f)
		return;
	unescape(mp);
	if (under(path, mp) && strlen(mp) >= strlen(point)) {
		snprintf(point, size, "%s", mp);
		snprintf(type, 64, "%s", f);
	}
}

static int find_mount(const char *path, char *point, size_t size, char *type)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char *line = NULL;
	size_t cap = 0;

	if (!f)
		return -errno;
	point[0] = type[0] = '\0';
	while (getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = '\0';
		match_line(line, path, point, type, size);
	}
	free(line);
	fclose(f);
	return point[0] ? 0 : -ENOENT;
}

/* 0: real is in a burnfs mount whose root is put in root; -ENOENT: not;
 * else -errno of the path. */
static int burnfs_root(const char *path, char *root, size_t size)
{
	char real[PATH_MAX], type[64];
	struct statfs sf;

	if (!realpath(path, real) || statfs(real, &sf) != 0)
		return -errno;
	if (sf.f_type != FUSE_MAGIC || find_mount(real, root, size, type) < 0 ||
	    strcmp(type, "fuse.burnfs") != 0)
		return -ENOENT;
	return 0;
}

bool cli_in_burnfs_mount(const char *path)
{
	char root[PATH_MAX];

	return burnfs_root(path, root, sizeof(root)) == 0;
}

int cli_mnt_open(const char *path, struct mnt *m)
{
	int ret = burnfs_root(path, m->root, sizeof(m->root));

	if (ret < 0 && ret != -ENOENT) {
		fprintf(stderr, "burnfs: %s: %s\n", path, strerror(-ret));
		return -1;
	}
	if (ret < 0) {
		fprintf(stderr, "burnfs: %s is not a burnfs mount (mount one "
			"with: burnfs TARGET %s)\n", path, path);
		return -1;
	}
	return 0;
}

void cli_mnt_path(const struct mnt *m, const char *name, char *out, size_t size)
{
	snprintf(out, size, "%s%s%s", m->root,
		 strcmp(m->root, "/") == 0 ? "" : "/", name);
}
