/* info.c — the commands that only read or set: status, pending, sessions,
 * set. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_priv.h"

static int print_status(const struct mnt *m, bool clear)
{
	struct status s = { 0 };
	int ret = cli_status_read(m, &s);

	if (ret < 0)
		return cli_fail("status", -ret, NULL);
	if (clear)
		fputs("\033[H\033[2J", stdout);
	fputs(s.text, stdout);
	fflush(stdout);
	cli_status_free(&s);
	return EXIT_OK;
}

/* --watch: the status again every second until Ctrl-C; on a terminal the
 * screen is redrawn, elsewhere each status follows the last after a blank
 * line. */
int cli_status(const struct mnt *m, bool watch)
{
	bool tty = isatty(STDOUT_FILENO);
	int ret = print_status(m, watch && tty);

	if (!watch)
		return ret;
	cli_catch_interrupt();
	while (ret == EXIT_OK) {
		bool stop = false;

		for (int i = 0; i < 10 && !stop; i++) {
			usleep(100000);
			stop = cli_interrupted();
		}
		if (stop)
			break;
		if (!tty)
			putchar('\n');
		ret = print_status(m, tty);
	}
	return ret;
}

static int copy_out(const struct mnt *m, const char *name)
{
	char path[PATH_MAX + 16], buf[65536];
	ssize_t n;
	int fd;

	cli_mnt_path(m, name, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cli_fail(name, errno, NULL);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	close(fd);
	return n < 0 ? cli_fail(name, errno, NULL) : EXIT_OK;
}

int cli_pending(const struct mnt *m)
{
	return copy_out(m, "pending");
}

static int by_number(const struct dirent **a, const struct dirent **b)
{
	long x = atol((*a)->d_name), y = atol((*b)->d_name);

	return (x > y) - (x < y);
}

static int numbered(const struct dirent *e)
{
	return e->d_name[0] >= '1' && e->d_name[0] <= '9';
}

/* One line per recorded session: its number and the folder holding it. */
int cli_sessions(const struct mnt *m)
{
	char path[PATH_MAX + 16];
	struct dirent **list;
	int n;

	cli_mnt_path(m, "sessions", path, sizeof(path));
	n = scandir(path, &list, numbered, by_number);
	if (n < 0)
		return cli_fail("sessions", errno, NULL);
	for (int i = 0; i < n; i++) {
		printf("%s\t%s/%s\n", list[i]->d_name, path, list[i]->d_name);
		free(list[i]);
	}
	free(list);
	return EXIT_OK;
}

/* Write one quick command (set, restore) to control: its errno and
 * last_result become the exit status and the reason. */
static int quick_command(const struct mnt *m, const char *name,
			 const char *text)
{
	char path[PATH_MAX + 16];
	struct status s = { 0 };
	char why[600] = "";
	int fd, err = 0;

	cli_mnt_path(m, "control", path, sizeof(path));
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, strlen(text)) < 0)
		err = errno;
	if (fd >= 0)
		close(fd);
	if (!err)
		return EXIT_OK;
	if (cli_status_read(m, &s) == 0)
		cli_status_get(&s, "last_result", why, sizeof(why));
	cli_status_free(&s);
	/* a job that ended meanwhile may have written over last_result */
	return cli_fail(name, err, strncmp(why, "error: ", 7) == 0 ? why + 7
								  : "");
}

static int set_one(const struct mnt *m, const char *pair)
{
	char text[400];

	snprintf(text, sizeof(text), "set %s\n", pair);
	return quick_command(m, "set", text);
}

int cli_restore(const struct mnt *m, char **args, int n)
{
	char *text = NULL;
	int ret;

	if (n == 4)
		ret = asprintf(&text, "restore %s %s AS %s\n", args[0], args[1],
			       args[3]);
	else
		ret = asprintf(&text, "restore %s %s\n", args[0], args[1]);
	if (ret < 0)
		return cli_fail("restore", ENOMEM, NULL);
	ret = quick_command(m, "restore", text);
	free(text);
	return ret;
}

int cli_set(const struct mnt *m, char **pairs, int n)
{
	int ret = EXIT_OK;
	char why[300];

	/* Every word a pair before any is sent: `set MNT volid=My Backup`
	 * unquoted would otherwise set the label "My", then fail. */
	for (int i = 0; i < n; i++) {
		const char *eq = strchr(pairs[i], '=');

		if (eq && eq != pairs[i] && !memchr(pairs[i], ' ', (size_t)(eq - pairs[i])))
			continue;
		snprintf(why, sizeof(why), "'%.64s' is not one KEY=VALUE "
			 "(quote a value with blanks: volid='My Backup'); "
			 "nothing was set", pairs[i]);
		return cli_fail("set", EINVAL, why);
	}
	for (int i = 0; i < n && ret == EXIT_OK; i++)
		ret = set_one(m, pairs[i]);
	return ret;
}
