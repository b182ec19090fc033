/* acl_text.c — POSIX ACL xattr values to and from the long text form of
 * acl(5), the form libisofs reads and writes (see include/burnfs/acl.h).
 * libisofs turns a qualifier into an id by trying it as a name first and
 * as a number second, and turns ids into names where the system knows
 * them; names are looked up the same way here so both agree. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "burnfs/acl.h"
#include "util/acl_priv.h"

#define MAX_ENTRIES 8192  /* far beyond what an xattr value can carry */

/* The id of a user (grp false) or group name; -1 when unknown. */
static int64_t id_of_name(const char *name, bool grp)
{
	char buf[4096];
	struct passwd pw, *pwr = NULL;
	struct group gr, *grr = NULL;

	if (grp) {
		getgrnam_r(name, &gr, buf, sizeof(buf), &grr);
		return grr ? (int64_t)grr->gr_gid : -1;
	}
	getpwnam_r(name, &pw, buf, sizeof(buf), &pwr);
	return pwr ? (int64_t)pwr->pw_uid : -1;
}

/* The name of an id, or its number, into out; never a string that reads
 * back as another id. */
static void name_of_id(uint32_t id, bool grp, char *out, size_t size)
{
	char buf[4096];
	struct passwd pw, *pwr = NULL;
	struct group gr, *grr = NULL;
	const char *name = NULL;

	if (grp && getgrgid_r(id, &gr, buf, sizeof(buf), &grr) == 0 && grr)
		name = grr->gr_name;
	if (!grp && getpwuid_r(id, &pw, buf, sizeof(buf), &pwr) == 0 && pwr)
		name = pwr->pw_name;
	if (name && id_of_name(name, grp) == (int64_t)id &&
	    strlen(name) < size) {
		snprintf(out, size, "%s", name);
		return;
	}
	snprintf(out, size, "%u", id);
}

static const char *tag_word(uint32_t tag)
{
	switch (tag) {
	case T_USER_OBJ: case T_USER: return "user";
	case T_GROUP_OBJ: case T_GROUP: return "group";
	case T_MASK: return "mask";
	default: return "other";
	}
}

int pacl_to_text(const void *val, size_t len, char **text)
{
	size_t n, i, used = 0;
	char qual[256], *out;

	*text = NULL;
	if (pacl_check(val, len))
		return -EINVAL;
	n = pacl_count(len);
	out = malloc(n * (sizeof(qual) + 16) + 1);
	if (!out)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct pacl_ent e = pacl_get(val, i);

		qual[0] = '\0';
		if (e.tag == T_USER || e.tag == T_GROUP)
			name_of_id(e.id, e.tag == T_GROUP, qual, sizeof(qual));
		used += (size_t)sprintf(out + used, "%s:%s:%c%c%c\n",
				tag_word(e.tag), qual, e.perm & 4 ? 'r' : '-',
				e.perm & 2 ? 'w' : '-', e.perm & 1 ? 'x' : '-');
	}
	*text = out;
	return 0;
}

/* "rwx", "r-x", ...: the bits, or -1. */
static int parse_perm(const char *s)
{
	static const char want[3] = { 'r', 'w', 'x' };
	int perm = 0;

	if (strlen(s) != 3)
		return -1;
	for (int i = 0; i < 3; i++) {
		if (s[i] == want[i])
			perm |= 4 >> i;
		else if (s[i] != '-')
			return -1;
	}
	return perm;
}

static int parse_qualifier(const char *q, bool grp, uint32_t *id)
{
	int64_t v = id_of_name(q, grp);
	char *end;
	unsigned long long num;

	if (v >= 0) {
		*id = (uint32_t)v;
		return 0;
	}
	errno = 0;
	num = strtoull(q, &end, 10);
	if (!*q || *end || errno || num >= ACL_NO_ID)
		return -EINVAL;
	*id = (uint32_t)num;
	return 0;
}

/* One line "tag:qualifier:perm" (line is modified). */
static int parse_line(char *line, struct pacl_ent *e)
{
	char *q = strchr(line, ':'), *p;
	int perm;

	if (!q || !(p = strchr(q + 1, ':')))
		return -EINVAL;
	*q++ = '\0';
	*p++ = '\0';
	perm = parse_perm(p);
	if (perm < 0)
		return -EINVAL;
	e->perm = (uint32_t)perm;
	e->id = ACL_NO_ID;
	if (!strcmp(line, "user") || !strcmp(line, "group")) {
		bool grp = line[0] == 'g';

		if (!*q) {
			e->tag = grp ? T_GROUP_OBJ : T_USER_OBJ;
			return 0;
		}
		e->tag = grp ? T_GROUP : T_USER;
		return parse_qualifier(q, grp, &e->id);
	}
	if (*q)
		return -EINVAL;
	if (!strcmp(line, "mask"))
		e->tag = T_MASK;
	else if (!strcmp(line, "other"))
		e->tag = T_OTHER;
	else
		return -EINVAL;
	return 0;
}

static int cmp_ent(const void *a, const void *b)
{
	const struct pacl_ent *x = a, *y = b;

	if (x->tag != y->tag)
		return x->tag < y->tag ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int encode(const struct pacl_ent *v, size_t n, void **val, size_t *len)
{
	unsigned char *out = malloc(ACL_HDR + n * ACL_ENT);
	uint32_t ver = htole32(ACL_VERSION);

	if (!out)
		return -ENOMEM;
	memcpy(out, &ver, 4);
	for (size_t i = 0; i < n; i++)
		pacl_put(out, i, v[i]);
	*val = out;
	*len = ACL_HDR + n * ACL_ENT;
	if (pacl_check(out, *len) == 0)
		return 0;
	free(out);
	*val = NULL;
	return -EINVAL;
}

int pacl_from_text(const char *text, void **val, size_t *len)
{
	struct pacl_ent *v = calloc(MAX_ENTRIES, sizeof(*v));
	char *copy = strdup(text), *line, *save = NULL;
	size_t n = 0;
	int ret = v && copy ? 0 : -ENOMEM;

	*val = NULL;
	for (line = copy ? strtok_r(copy, "\n", &save) : NULL; line && !ret;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!*line || *line == '#')
			continue;
		ret = n < MAX_ENTRIES ? parse_line(line, &v[n++]) : -EINVAL;
	}
	if (!ret) {
		qsort(v, n, sizeof(*v), cmp_ent);
		ret = encode(v, n, val, len);
	}
	free(copy);
	free(v);
	return ret;
}
