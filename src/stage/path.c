/* path.c — turn staging paths ("/a/b") into names of the merged tree. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "stage/stage_priv.h"

/* Copy the next component of *p into name; advances *p. Returns its length,
 * 0 at the end, or -ENAMETOOLONG. */
static int next_component(const char **p, char name[STAGE_NAME_MAX + 1])
{
	const char *s = *p, *e;
	size_t len;

	while (*s == '/')
		s++;
	e = strchrnul(s, '/');
	len = (size_t)(e - s);
	*p = e;
	if (len > STAGE_NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(name, s, len);
	name[len] = '\0';
	return (int)len;
}

static bool at_end(const char *p)
{
	while (*p == '/')
		p++;
	return *p == '\0';
}

int stage_path_resolve(struct stage *st, const char *path, struct sdentry **out)
{
	char name[STAGE_NAME_MAX + 1];
	struct sdentry *de = st->root;
	int len, ret;

	if (!path)
		return -EINVAL;
	while ((len = next_component(&path, name)) != 0) {
		if (len < 0)
			return len;
		ret = stage_dir_lookup(st, de->node, name, &de);
		if (ret)
			return ret;
	}
	*out = de;
	return 0;
}

/* The directory that holds the last component of path, and that component.
 * The directory exists (else -ENOENT/-ENOTDIR); the root has no parent
 * (-EBUSY, as the kernel says for the mount root). */
int stage_path_parent(struct stage *st, const char *path, struct snode **dir,
		      char name[STAGE_NAME_MAX + 1])
{
	struct sdentry *de = st->root;
	int len, ret;

	if (!path)
		return -EINVAL;
	len = next_component(&path, name);
	if (len < 0)
		return len;
	if (len == 0)
		return -EBUSY;
	while (!at_end(path)) {
		ret = stage_dir_lookup(st, de->node, name, &de);
		if (ret)
			return ret;
		len = next_component(&path, name);
		if (len < 0)
			return len;
	}
	if (!S_ISDIR(de->node->mode))
		return -ENOTDIR;
	ret = stage_dir_materialize(st, de->node);
	if (ret)
		return ret;
	*dir = de->node;
	return 0;
}
