/* remember.c — the settings a disc remembers between mounts: CACHE/settings,
 * one KEY=VALUE line each, in the syntax of -o and `set`. capacity, volid,
 * joliet, speed and compress are remembered; simulate is not: a dry run that outlived
 * its mount would make later commits succeed without writing anything. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "burnfs/control.h"
#include "burnfs/log.h"
#include "burnfs/smallfile.h"
#include "burnfs/stage.h"
#include "control/control_priv.h"

static const char *const keys[] = { "capacity", "volid", "joliet", "speed",
				     "compress" };

bool control_settings_remembered_key(const char *key)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(key, keys[i]))
			return true;
	return false;
}

/* dir/settings into *buf (NUL-terminated, "" when missing). */
static int read_settings(const char *dir, char *buf, size_t size)
{
	ssize_t n = smallfile_read(dir, "settings", buf, size);

	return n < 0 && n != -ENOENT ? (int)n : 0;
}

/* Replace dir/settings by text. */
static int write_settings(const char *dir, const char *text)
{
	return smallfile_replace(dir, "settings", text, strlen(text));
}

int control_settings_remember(const char *dir, const char *key, const char *value)
{
	char old[4096], new[4096 + 300], *line, *save = NULL;
	size_t klen = strlen(key), len = 0;
	int ret;

	if (!control_settings_remembered_key(key) || strchr(value, '\n'))
		return 0;
	ret = read_settings(dir, old, sizeof(old));
	if (ret)
		return ret;
	for (line = strtok_r(old, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, key, klen) || line[klen] != '=')
			len += (size_t)snprintf(new + len, sizeof(new) - len,
						"%s\n", line);
	snprintf(new + len, sizeof(new) - len, "%s=%s\n", key, value);
	return write_settings(dir, new);
}

int control_settings_recall(const char *dir, settings_recall_fn fn, void *ctx)
{
	char buf[4096], *line, *save = NULL, *eq;
	int ret = read_settings(dir, buf, sizeof(buf));

	for (line = strtok_r(buf, "\n", &save); !ret && line;
	     line = strtok_r(NULL, "\n", &save)) {
		eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		if (control_settings_remembered_key(line))
			fn(ctx, line, eq + 1);
	}
	return ret;
}

int control_settings_forget(const char *dir)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/settings", dir);
	return unlink(path) && errno != ENOENT ? -errno : 0;
}

void control_remember(struct control *c, const char *key, const char *value)
{
	const char *dir = c->stage ? stage_cache_path(c->stage) : NULL;
	int ret = dir ? control_settings_remember(dir, key, value) : 0;

	if (ret)
		blog_warn("cannot remember %s=%s for this disc: %s", key, value,
			  strerror(-ret));
}
