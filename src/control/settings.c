/* settings.c — session settings (set KEY=VALUE and -o KEY=VALUE) and
 * medium sizes for -o capacity=. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "burnfs/control.h"
#include "burnfs/errmsg.h"

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "on", "1", "yes", "true" };
	static const char *const no[] = { "off", "0", "no", "false" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return *out = true, 0;
		if (strcasecmp(v, no[i]) == 0)
			return *out = false, 0;
	}
	return -EINVAL;
}

static const char *const set_keys[] = { "volid", "joliet", "speed", "simulate",
					 "foreign", "compress" };

/* A word after a blank that starts with a known "KEY=": the writer meant a
 * second setting ("set volid=A joliet=off"), not a label with it in. */
static bool holds_second_setting(const char *v)
{
	for (const char *p = strchr(v, ' '); p; p = strchr(p + 1, ' '))
		for (size_t i = 0; i < sizeof(set_keys) / sizeof(set_keys[0]); i++) {
			size_t n = strlen(set_keys[i]);

			if (!strncmp(p + 1, set_keys[i], n) && p[1 + n] == '=')
				return true;
		}
	return false;
}

/* ISO 9660 volume ids are at most 32 characters, none a control
 * character (a newline would also break the status into a false line). */
static int set_volid(struct job_settings *s, const char *v, struct errmsg *em)
{
	if (holds_second_setting(v))
		return errmsg_set(em, -EINVAL, "volid: '%.40s' holds a second "
				  "KEY=VALUE: one setting per command", v);
	if (strlen(v) > 32)
		return errmsg_set(em, -EINVAL, "volid: at most 32 characters");
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return errmsg_set(em, -EINVAL, "volid: no control "
					  "characters (newline, tab, ...)");
	strcpy(s->volid, v);
	return 0;
}

static int set_speed(struct job_settings *s, const char *v, struct errmsg *em)
{
	char *end;
	long kbps;

	if (strcasecmp(v, "max") == 0 || strcmp(v, "0") == 0) {
		s->speed_kbps = 0;
		return 0;
	}
	errno = 0;
	kbps = strtol(v, &end, 10);
	if (errno || end == v || *end || kbps <= 0 || kbps > 1000000)
		return errmsg_set(em, -EINVAL,
				  "speed: 'max' or a rate in kB/s, not '%.32s'", v);
	s->speed_kbps = (int)kbps;
	return 0;
}

/* Whether a commit may hide another tool's session or break a UDF
 * bridge: an explicit word each way, no boolean that is easy to flip. */
static int set_foreign(struct job_settings *s, const char *v, struct errmsg *em)
{
	if (strcmp(v, "refuse") == 0 || strcmp(v, "overwrite") == 0) {
		s->foreign_overwrite = v[0] == 'o';
		return 0;
	}
	return errmsg_set(em, -EINVAL, "foreign: refuse or overwrite, not '%.32s'", v);
}

/* zisofs is what Linux and libisofs read back; no other method exists. */
static int set_compress(struct job_settings *s, const char *v, struct errmsg *em)
{
	if (strcmp(v, "zisofs") == 0 || strcmp(v, "none") == 0) {
		s->compress = v[0] == 'z';
		return 0;
	}
	return errmsg_set(em, -EINVAL, "compress: zisofs or none, not '%.32s'", v);
}

int control_settings_set(struct job_settings *s, const char *key, const char *value,
			 struct errmsg *em)
{
	bool b;

	if (strcmp(key, "volid") == 0)
		return set_volid(s, value, em);
	if (strcmp(key, "speed") == 0)
		return set_speed(s, value, em);
	if (strcmp(key, "joliet") == 0 || strcmp(key, "simulate") == 0) {
		if (parse_bool(value, &b) < 0)
			return errmsg_set(em, -EINVAL, "%s: on or off, not '%.32s'",
					  key, value);
		if (key[0] == 'j')
			s->joliet = b;
		else
			s->simulate = b;
		return 0;
	}
	if (strcmp(key, "foreign") == 0)
		return set_foreign(s, value, em);
	if (strcmp(key, "compress") == 0)
		return set_compress(s, value, em);
	return errmsg_set(em, -EINVAL, "unknown setting '%.32s' (settings: "
			  "volid, joliet, speed, simulate, foreign, compress)", key);
}

struct medium_size {
	const char *name;
	uint64_t bytes;
};

/* Data capacities of single-session media as libburn reports them. */
static const struct medium_size media[] = {
	{ "cd", 360000ull * 2048 },         /* 80 min CD-R: 737,280,000 */
	{ "dvd", 2295104ull * 2048 },       /* DVD±R: 4,700,372,992 */
	{ "dvd-dl", 4173824ull * 2048 },    /* DVD+R DL: 8,547,991,552 */
	{ "bd", 12219392ull * 2048 },       /* BD-R: 25,025,314,816 */
	{ "bd-dl", 24438784ull * 2048 },    /* BD-R DL: 50,050,629,632 */
	{ "bd-xl", 48878592ull * 2048 },    /* BD-R XL TL: 100,103,356,416 */
};

int control_parse_capacity(const char *text, uint64_t *bytes)
{
	uint64_t mult = 1;
	unsigned long long n;
	char *end;

	for (size_t i = 0; i < sizeof(media) / sizeof(media[0]); i++)
		if (strcasecmp(text, media[i].name) == 0)
			return *bytes = media[i].bytes, 0;
	if (!*text || *text == '-')
		return -EINVAL;
	errno = 0;
	n = strtoull(text, &end, 10);
	if (errno || end == text)
		return -EINVAL;
	switch (*end) {
	case 'T': case 't': mult <<= 10; /* fall through */
	case 'G': case 'g': mult <<= 10; /* fall through */
	case 'M': case 'm': mult <<= 10; /* fall through */
	case 'K': case 'k': mult <<= 10; end++; break;
	case 0: break;
	default: return -EINVAL;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || n == 0 || n > UINT64_MAX / mult)
		return -EINVAL;
	*bytes = n * mult;
	return 0;
}
