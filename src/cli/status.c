/* status.c — read the control file's "key: value" lines. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_priv.h"

/* The status is made when the file is opened and is a few hundred bytes:
 * read it to its end. */
static int read_all(int fd, char **out)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	while ((n = read(fd, buf + len, cap - len - 1)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return -errno;
		}
		len += (size_t)n;
		if (cap - len < 2) {
			char *more = realloc(buf, cap *= 2);

			if (!more) {
				free(buf);
				return -ENOMEM;
			}
			buf = more;
		}
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

int cli_status_read(const struct mnt *m, struct status *s)
{
	char path[PATH_MAX + 16];
	int fd, ret;

	cli_mnt_path(m, "control", path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = read_all(fd, &s->text);
	close(fd);
	return ret;
}

void cli_status_free(struct status *s)
{
	free(s->text);
	s->text = NULL;
}

bool cli_status_get(const struct status *s, const char *key, char *out,
		    size_t size)
{
	size_t klen = strlen(key);
	const char *p = s->text;

	out[0] = '\0';
	for (; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, key, klen) != 0 || p[klen] != ':' ||
		    p[klen + 1] != ' ')
			continue;
		p += klen + 2;
		snprintf(out, size, "%.*s", (int)strcspn(p, "\n"), p);
		return true;
	}
	return false;
}

uint64_t cli_status_num(const struct status *s, const char *key)
{
	char v[32];

	cli_status_get(s, key, v, sizeof(v));
	return strtoull(v, NULL, 10);
}
