/* notify.c — a desktop notice when a long job ends, for a person who went
 * on with other work: only where notify-send is installed and a desktop
 * session is there, only after BURNFS_NOTIFY_SECONDS (default 10). */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli_priv.h"

extern char **environ;

static bool on_path(const char *prog)
{
	const char *path = getenv("PATH");
	char dir[PATH_MAX], full[PATH_MAX + 64];

	while (path && *path) {
		size_t n = strcspn(path, ":");

		snprintf(dir, sizeof(dir), "%.*s", (int)n, path);
		snprintf(full, sizeof(full), "%s/%s", n ? dir : ".", prog);
		if (access(full, X_OK) == 0)
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

static bool has_desktop(void)
{
	return getenv("DISPLAY") || getenv("WAYLAND_DISPLAY") ||
	       getenv("DBUS_SESSION_BUS_ADDRESS");
}

void cli_notify_job_end(const char *mnt, const char *command, int err,
			const char *reason, double seconds)
{
	const char *env = getenv("BURNFS_NOTIFY_SECONDS");
	double after = env && *env ? strtod(env, NULL) : 10.0;
	char title[128], body[700];
	char *argv[] = { "notify-send", "-a", "burnfs", title, body, NULL };
	pid_t pid;

	if (seconds < after || !has_desktop() || !on_path("notify-send"))
		return;
	snprintf(title, sizeof(title), "burnfs: %s %s", command,
		 err ? "failed" : "done");
	snprintf(body, sizeof(body), "%s: %s", mnt,
		 err ? (reason && reason[0] ? reason : strerror(err)) : "ok");
	if (posix_spawnp(&pid, "notify-send", NULL, NULL, argv, environ) == 0)
		waitpid(pid, NULL, 0);
}
