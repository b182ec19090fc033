/* command.c — the words a user may write to the control file. A long
 * command may start with `detach`: its write then returns once the job is
 * accepted instead of when it ends. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

#include "burnfs/control.h"
#include "burnfs/errmsg.h"

struct word {
	const char *text;
	enum cmd_kind kind;
	const char *flag_word;  /* optional second word that sets ->flag */
};

static const struct word words[] = {
	{ "commit", CMD_COMMIT, "close" },
	{ "discard", CMD_DISCARD, NULL },
	{ "verify", CMD_VERIFY, NULL },
	{ "blank", CMD_BLANK, "full" },
	{ "format", CMD_FORMAT, NULL },
	{ "eject", CMD_EJECT, NULL },
	{ "abort", CMD_ABORT, NULL },
	{ "set", CMD_SET, NULL },
};

static bool is_job(enum cmd_kind kind)
{
	return kind != CMD_ABORT && kind != CMD_SET && kind != CMD_RESTORE;
}

/* "restore N PATH [AS NEWPATH]": rest is what follows "restore". Paths may
 * hold spaces: the line is split at its last " AS ". Paths are made
 * absolute ("docs" is "/docs"). */
static int copy_path(char *out, const char *in, size_t len, struct errmsg *em)
{
	size_t slash = in[0] != '/';

	if (!len)
		return errmsg_set(em, -EINVAL, "restore: a path is missing");
	if (len + slash >= CMD_PATH_MAX)
		return errmsg_set(em, -ENAMETOOLONG, "restore: path too long");
	out[0] = '/';
	memcpy(out + slash, in, len);
	out[len + slash] = 0;
	return 0;
}

static int parse_restore(const char *rest, struct command *out,
			 struct errmsg *em)
{
	const char *p, *as = NULL, *end;
	char *num_end;
	long n;
	int ret;

	while (*rest == ' ' || *rest == '\t')
		rest++;
	errno = 0;
	n = strtol(rest, &num_end, 10);
	if (errno || num_end == rest || n <= 0 || n > 1000000 ||
	    (*num_end != ' ' && *num_end != '\t'))
		return errmsg_set(em, -EINVAL, "restore N PATH [AS NEWPATH]: N is a "
				  "session number (1 = oldest)");
	out->session = (int)n;
	for (p = num_end; *p == ' ' || *p == '\t'; p++)
		;
	for (end = p; (end = strstr(end, " AS ")); end++)
		as = end;
	end = as ? as : p + strlen(p);
	out->as_new = as != NULL;
	ret = copy_path(out->path, p, (size_t)(end - p), em);
	if (ret)
		return ret;
	return copy_path(out->newpath, as ? as + 4 : out->path,
			 strlen(as ? as + 4 : out->path), em);
}

#define CMD_MAX (2 * CMD_PATH_MAX + 32)

/* A newline or another control character inside a command (a tab
 * separates words): one command per write, and no value may carry a line
 * break into the status or the disc. */
static bool has_control_char(const char *s)
{
	for (; *s; s++)
		if ((*s != '\t' && (unsigned char)*s < 0x20) || *s == 0x7f)
			return true;
	return false;
}

/* Copy buf without leading/trailing white space; NUL bytes are refused. */
static int trim(const char *buf, size_t len, char *out)
{
	while (len && isspace((unsigned char)*buf)) {
		buf++;
		len--;
	}
	while (len && isspace((unsigned char)buf[len - 1]))
		len--;
	if (len >= CMD_MAX || memchr(buf, 0, len))
		return -EINVAL;
	memcpy(out, buf, len);
	out[len] = 0;
	return 0;
}

static int parse_set(char *arg, struct command *out, struct errmsg *em)
{
	char *eq = arg ? strchr(arg, '=') : NULL;

	if (!eq || eq == arg)
		return errmsg_set(em, -EINVAL, "set needs KEY=VALUE");
	*eq = 0;
	if (strlen(arg) >= sizeof(out->key) || strlen(eq + 1) >= sizeof(out->value))
		return errmsg_set(em, -EINVAL, "set: key or value too long");
	strcpy(out->key, arg);
	strcpy(out->value, eq + 1);
	return 0;
}

int control_command_parse(const char *buf, size_t len, struct command *out,
			  struct errmsg *em)
{
	char line[CMD_MAX], *arg, *rest, *save = NULL, *verb;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (trim(buf, len, line) < 0)
		return errmsg_set(em, -EINVAL, "command too long or not text");
	if (has_control_char(line))
		return errmsg_set(em, -EINVAL, "a newline or another control "
				  "character inside a command: write one command "
				  "per write");
	verb = strtok_r(line, " \t", &save);
	if (verb && strcmp(verb, "detach") == 0) {
		out->detach = true;
		verb = strtok_r(NULL, " \t", &save);
	}
	if (!verb)
		return errmsg_set(em, -EINVAL, "empty command");
	if (strcmp(verb, "restore") == 0) {
		out->kind = CMD_RESTORE;
		if (out->detach)
			return errmsg_set(em, -EINVAL, "detach: restore is not a long command");
		return parse_restore(save ? save : "", out, em);
	}
	rest = save ? save + strspn(save, " \t") : "";
	arg = strcmp(verb, "set") ? strtok_r(NULL, " \t", &save) : NULL;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		const struct word *w = &words[i];

		if (strcmp(verb, w->text) != 0)
			continue;
		out->kind = w->kind;
		if (out->detach && !is_job(w->kind))
			return errmsg_set(em, -EINVAL, "detach: %s is not a long "
					  "command", verb);
		/* The value runs to the end of the line: a volume id may
		 * hold spaces ("My Backup"); other keys refuse them. */
		if (w->kind == CMD_SET)
			return parse_set(*rest ? rest : NULL, out, em);
		if (arg && (!w->flag_word || strcmp(arg, w->flag_word) != 0))
			return errmsg_set(em, -EINVAL, "%s: unknown argument '%.64s'",
					  verb, arg);
		out->flag = arg != NULL;
		if (strtok_r(NULL, " \t", &save))
			return errmsg_set(em, -EINVAL, "%s: too many arguments", verb);
		return 0;
	}
	return errmsg_set(em, -EINVAL, "unknown command '%.64s' (commands: "
			  "[detach] commit [close], discard, verify, blank [full], "
			  "format, eject; abort, set KEY=VALUE, restore N PATH [AS NEWPATH])", verb);
}
