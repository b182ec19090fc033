/* replay.c — rebuild the pending changes from CACHE/journal at open.
 *
 * Which records replay depends on the BASE record (the lower session the
 * journal was written against) and the last FREEZE (start of a commit):
 *   BASE is the current lower            -> every record
 *   BASE differs, FREEZE not thawed      -> only the records after it: the
 *                                           commit landed, the daemon died
 *                                           before rewriting the journal
 *   BASE differs otherwise               -> every record, with a warning
 * A torn tail is cut off first. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "burnfs/grow.h"
#include "burnfs/log.h"
#include "stage/stage_priv.h"

struct jscan {
	size_t *off;        /* start of each good record */
	size_t n, good_len; /* records, bytes they cover */
	size_t last_freeze; /* index of the last FREEZE, or SIZE_MAX */
	bool thawed;        /* a THAW follows it */
};

static int scan(const char *buf, size_t len, struct jscan *js)
{
	struct jrec r;
	size_t pos = 0, used, cap = 0;

	js->last_freeze = SIZE_MAX;
	while (pos < len && (used = stage_journal_decode(buf + pos, len - pos, &r))) {
		if (GROW(&js->off, &cap, js->n + 1, 256))
			return -ENOMEM;
		if (r.op == J_FREEZE) {
			js->last_freeze = js->n;
			js->thawed = false;
		} else if (r.op == J_THAW) {
			js->thawed = true;
		}
		js->off[js->n++] = pos;
		pos += used;
	}
	js->good_len = pos;
	return 0;
}

static bool base_matches(struct stage *st, const char *buf, size_t len)
{
	const struct idx_info *info = index_info(st->lower);
	struct jrec r;

	if (!stage_journal_decode(buf, len, &r) || r.op != J_BASE)
		return false;
	return r.id == info->start_lba && r.flags == (uint32_t)info->session;
}

static void apply_range(struct stage *st, const char *buf, size_t len,
			size_t from)
{
	struct jrec r;
	size_t used;
	int ret;

	st->replaying = true;
	while (from < len && (used = stage_journal_decode(buf + from, len - from, &r))) {
		ret = stage_apply_record(st, &r, NULL);
		if (ret)
			blog_warn("stage: journal record %u on %s skipped: %s",
				  r.op, r.p1 ? r.p1 : "-", strerror(-ret));
		from += used;
	}
	st->replaying = false;
}

/* Which byte offset replay starts at; *rewrite: the journal must be
 * rewritten against the current lower afterwards. */
static size_t pick_start(struct stage *st, const char *buf,
			 const struct jscan *js, bool *rewrite)
{
	bool has_base = js->n && base_matches(st, buf, js->good_len);
	struct jrec r;

	*rewrite = false;
	if (has_base)
		return js->n > 1 ? js->off[1] : js->good_len;
	*rewrite = true;
	if (js->last_freeze != SIZE_MAX && !js->thawed) {
		blog_info("stage: the last commit landed; replaying the changes made during it");
		return js->last_freeze + 1 < js->n ? js->off[js->last_freeze + 1]
						   : js->good_len;
	}
	blog_warn("stage: staged changes were made against another session; replaying them on the current one");
	if (js->n && stage_journal_decode(buf, js->good_len, &r) && r.op == J_BASE)
		return js->n > 1 ? js->off[1] : js->good_len;
	return 0;
}

int stage_replay_journal(struct stage *st)
{
	struct jscan js = { 0 };
	size_t len, start;
	bool rewrite;
	char *buf;
	int ret = stage_journal_read(st, &buf, &len);

	if (ret)
		return ret;
	ret = scan(buf ? buf : "", len, &js);
	if (ret)
		goto out;
	if (js.good_len < len) {
		blog_warn("stage: journal: cutting %zu bytes of a torn record",
			  len - js.good_len);
		if (ftruncate(st->jfd, (off_t)js.good_len))
			ret = -errno;
	}
	if (ret || !js.n) {
		ret = ret ? ret : stage_journal_rewrite(st, NULL, 0);
		goto out;
	}
	start = pick_start(st, buf, &js, &rewrite);
	apply_range(st, buf, js.good_len, start);
	st->jsize = st->jreserved = js.good_len;
	if (rewrite)
		ret = stage_journal_rewrite(st, buf + start, js.good_len - start);
out:
	free(js.off);
	free(buf);
	return ret;
}

/* The whole of an open file; *buf malloc'ed (NULL when empty). */
static int read_fd(int fd, char **buf, size_t *len)
{
	size_t cap = 0;
	ssize_t r;

	*buf = NULL;
	*len = 0;
	for (;;) {
		if (*len == cap) {
			char *t = realloc(*buf, cap = cap * 2 + 65536);

			if (!t)
				return -ENOMEM;
			*buf = t;
		}
		r = read(fd, *buf + *len, cap - *len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return 0;
		*len += (size_t)r;
	}
}

int stage_cache_has_changes(const char *cache_dir)
{
	char path[STAGE_PATH_MAX];
	size_t len = 0, pos = 0, used;
	char *buf = NULL;
	struct jrec r;
	int fd, ret;

	snprintf(path, sizeof(path), "%s/journal", cache_dir);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	ret = read_fd(fd, &buf, &len);
	close(fd);
	while (!ret && pos < len &&
	       (used = stage_journal_decode(buf + pos, len - pos, &r))) {
		if (r.op != J_BASE && r.op != J_FREEZE && r.op != J_THAW)
			ret = 1;
		pos += used;
	}
	free(buf);
	return ret;
}
