/* cescape.c — C escapes for text that must stay on one line. */
#include <stdlib.h>
#include <string.h>

#include "burnfs/cescape.h"

static bool needs(unsigned char c, bool quotes)
{
	return c == '\\' || c < 0x20 || c == 0x7f || (quotes && c == '"');
}

/* c as it is written, into out (at most 4 bytes, not ended); its length */
static size_t escape_one(unsigned char c, bool quotes, char out[4])
{
	static const char esc[] = "\"\\\a\b\t\n\v\f\r";
	static const char letter[] = "\"\\abtnvfr";
	const char *e = c ? strchr(esc, c) : NULL;

	if (!needs(c, quotes)) {
		out[0] = (char)c;
		return 1;
	}
	out[0] = '\\';
	if (e) {
		out[1] = letter[e - esc];
		return 2;
	}
	out[1] = (char)('0' + (c >> 6));
	out[2] = (char)('0' + ((c >> 3) & 7));
	out[3] = (char)('0' + (c & 7));
	return 4;
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
	char e[4];

	for (; *s; s++)
		fwrite(e, 1, escape_one((unsigned char)*s, quotes, e), out);
}

void cescape_buf(char *out, size_t size, const char *s)
{
	size_t o = 0, n;
	char e[4];

	if (!size)
		return;
	for (; *s; s++) {
		n = escape_one((unsigned char)*s, false, e);
		if (o + n >= size)
			break;
		memcpy(out + o, e, n);
		o += n;
	}
	/* cut before a character whose UTF-8 bytes did not all fit */
	if (*s && ((unsigned char)*s & 0xc0) == 0x80)
		while (o > 0 && ((unsigned char)out[--o] & 0xc0) == 0x80)
			;
	out[o] = '\0';
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
