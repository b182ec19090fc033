/* route.c — which part of the mount a path belongs to. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/fs.h"

static int prefix(const char *path, const char *top, const char **rest)
{
	size_t n = strlen(top);

	if (strncmp(path, top, n) != 0 || (path[n] && path[n] != '/'))
		return 0;
	*rest = path[n] ? path + n : "/";
	return 1;
}

static int route_session(const char *rest, struct route *r)
{
	char *end;
	long n;

	if (strcmp(rest, "/") == 0) {
		r->area = AREA_SESSIONS;
		return 0;
	}
	n = strtol(rest + 1, &end, 10);
	if (end == rest + 1 || (*end && *end != '/') || n < 1 || n > 1000000 ||
	    rest[1] == '0')
		return -ENOENT;
	r->area = AREA_SESSION;
	r->session = (int)n;
	r->rest = *end ? end : "/";
	return 0;
}

int fs_route(const char *path, struct route *r)
{
	const char *rest;

	memset(r, 0, sizeof(*r));
	r->rest = "/";
	if (!path || strcmp(path, "/") == 0) {
		r->area = AREA_ROOT;
		return 0;
	}
	if (prefix(path, "/staging", &rest)) {
		r->area = AREA_STAGING;
		r->rest = rest;
		return 0;
	}
	if (strcmp(path, "/control") == 0) {
		r->area = AREA_CONTROL;
		return 0;
	}
	if (strcmp(path, "/pending") == 0) {
		r->area = AREA_PENDING;
		return 0;
	}
	if (strcmp(path, "/abort") == 0 || strcmp(path, "/wait") == 0) {
		r->area = path[1] == 'a' ? AREA_ABORT : AREA_WAIT;
		return 0;
	}
	if (prefix(path, "/sessions", &rest))
		return route_session(rest, r);
	return -ENOENT;
}

int fs_staged(const char *path, bool allow_top, const char **rest)
{
	struct route r;
	int ret = fs_route(path, &r);

	if (ret < 0)
		return ret;
	if (r.area == AREA_SESSION || r.area == AREA_SESSIONS)
		return -EROFS;
	if (r.area != AREA_STAGING)
		return -EPERM;
	if (!allow_top && strcmp(r.rest, "/") == 0)
		return -EBUSY;  /* the staging folder itself stays put */
	*rest = r.rest;
	return 0;
}
