/* cescape.c — C escapes for text that must stay on one line. */
#include <stdlib.h>
#include <string.h>

#include "burnfs/cescape.h"

static bool needs(unsigned char c, bool quotes)
{
	return c == '\\' || c < 0x20 || c == 0x7f || (quotes && c == '"');
}

bool cescape_needed(const char *s, bool quotes)
{
	for (; *s; s++)
		if (needs((unsigned char)*s, quotes))
			return true;
	return false;
}

void cescape_put(FILE *out, const char *s, bool quotes)
{
	static const char esc[] = "\"\\\a\b\t\n\v\f\r";
	static const char letter[] = "\"\\abtnvfr";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		const char *e = strchr(esc, c);

		if (!needs(c, quotes))
			putc(c, out);
		else if (e)
			fprintf(out, "\\%c", letter[e - esc]);
		else
			fprintf(out, "\\%03o", c);
	}
}

char *cescape_quote_path(const char *p)
{
	char *q = NULL;
	size_t len = 0;
	FILE *out;

	if (!cescape_needed(p, true))
		return strdup(p);
	out = open_memstream(&q, &len);
	if (!out)
		return NULL;
	putc('"', out);
	cescape_put(out, p, true);
	putc('"', out);
	if (fclose(out) != 0) {
		free(q);
		return NULL;
	}
	return q;
}
