/* cescape.h — text that must stay on one line: C escapes for control
 * characters, so that a name holding a newline (a file's, or a foreign
 * disc's volume id) cannot split a line of `pending` or add a line to the
 * status that a script would read as a key of its own. */
#ifndef BURNFS_CESCAPE_H
#define BURNFS_CESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Whether s holds a byte cescape_put would escape (quotes: a double
 * quote counts too). */
bool cescape_needed(const char *s, bool quotes);
/* s onto out with a backslash, a control character (\n, \t, ... or
 * \ooo) and, with quotes, a double quote escaped. */
void cescape_put(FILE *out, const char *s, bool quotes);
/* s escaped as cescape_put does (no quotes) into out (size bytes, always
 * ended), cut before the first escape or UTF-8 character that does not
 * fit whole. */
void cescape_buf(char *out, size_t size, const char *s);
/* A path as `git status` shows one: as it is, or, when
 * cescape_needed(p, true), in double quotes with C escapes. malloc'ed,
 * or NULL. */
char *cescape_quote_path(const char *p);

#endif
