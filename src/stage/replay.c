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
#include <time.h>
#include <unistd.h>

#include "burnfs/grow.h"
#include "burnfs/log.h"
#include "stage/stage_priv.h"

struct jscan {
	size_t *off;        /* start of each good record */
	size_t n, good_len; /* records; where the bad bytes at the end start */
	size_t last_freeze; /* index of the last FREEZE, or SIZE_MAX */
	bool thawed;        /* a THAW follows it */
	bool changes;       /* a record other than BASE, FREEZE and THAW */
	uint64_t gap_bytes; /* unreadable bytes with good records after them */
};

/* Where the next good record after a bad one at pos starts, or len. A
 * record counts only when its lengths and its CRC agree, so a search byte
 * by byte is cheap and finds no record that is not one. */
static size_t resync(const char *buf, size_t len, size_t pos)
{
	struct jrec r;

	for (pos++; pos < len; pos++)
		if (stage_journal_decode(buf + pos, len - pos, &r))
			return pos;
	return len;
}

/* Whether the bad bytes from pos to the end are what a crash leaves: the
 * start of one record whose length reaches the end (an append cut short),
 * or zeros (appends the file system had not written yet). */
static bool torn(const char *buf, size_t len, size_t pos)
{
	uint32_t n;

	if (len - pos < sizeof(n) * 2)
		return true;
	memcpy(&n, buf + pos, sizeof(n));
	if ((uint64_t)n + sizeof(n) * 2 >= len - pos)
		return true;
	while (pos < len && !buf[pos])
		pos++;
	return pos == len;
}

/* Every good record. Bad bytes at the end that a crash leaves are a torn
 * tail, cut off; any other bad bytes are damage (a bad block, a bit
 * flipped on the cache disk): stepped over, counted in gap_bytes, and
 * the good records after them still count. */
static int scan(const char *buf, size_t len, struct jscan *js)
{
	struct jrec r;
	size_t pos = 0, used, cap = 0, next;

	js->last_freeze = SIZE_MAX;
	while (pos < len) {
		used = stage_journal_decode(buf + pos, len - pos, &r);
		if (!used) {
			next = resync(buf, len, pos);
			if (next == len && torn(buf, len, pos))
				break;
			js->gap_bytes += next - pos;
			if (next == len)
				break;
			pos = next;
			continue;
		}
		if (GROW(&js->off, &cap, js->n + 1, 256))
			return -ENOMEM;
		if (r.op == J_FREEZE) {
			js->last_freeze = js->n;
			js->thawed = false;
		} else if (r.op == J_THAW) {
			js->thawed = true;
		} else if (r.op != J_BASE) {
			js->changes = true;
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

static void apply_from(struct stage *st, const char *buf, const struct jscan *js,
		       size_t from)
{
	struct jrec r;
	int ret;

	st->replaying = true;
	for (size_t i = from; i < js->n; i++) {
		stage_journal_decode(buf + js->off[i], js->good_len - js->off[i], &r);
		ret = stage_apply_record(st, &r, NULL);
		if (ret)
			blog_warn("stage: journal record %u on %s skipped: %s",
				  r.op, r.p1 ? r.p1 : "-", strerror(-ret));
	}
	st->replaying = false;
}

/* The index of the first record to replay; *rewrite: the journal must be
 * rewritten against the current lower afterwards. */
static size_t pick_start(struct stage *st, const char *buf,
			 const struct jscan *js, bool *rewrite)
{
	bool has_base = js->n && base_matches(st, buf + js->off[0],
					      js->good_len - js->off[0]);
	struct jrec r;

	*rewrite = js->gap_bytes > 0;
	if (has_base)
		return 1;
	*rewrite = true;
	if (js->last_freeze != SIZE_MAX && !js->thawed) {
		blog_info("stage: the last commit landed; replaying the changes made during it");
		return js->last_freeze + 1;
	}
	blog_warn("stage: staged changes were made against another session; replaying them on the current one");
	if (js->n && stage_journal_decode(buf + js->off[0],
					  js->good_len - js->off[0], &r) &&
	    r.op == J_BASE)
		return 1;
	return 0;
}

/* The whole size of record i, from its header: scan() checked it. */
static size_t rec_len(const char *buf, const struct jscan *js, size_t i)
{
	uint32_t body;

	memcpy(&body, buf + js->off[i], sizeof(body));
	return sizeof(uint32_t) * 2 + body;
}

/* The records from index `from` on, back to back: the new journal's tail
 * (a damaged journal's records have gaps between them). */
static int join_records(const char *buf, const struct jscan *js, size_t from,
			char **out, size_t *olen)
{
	size_t len = 0, used;
	char *p;

	*out = NULL;
	*olen = 0;
	for (size_t i = from; i < js->n; i++)
		len += rec_len(buf, js, i);
	if (!len)
		return 0;
	p = *out = malloc(len);
	if (!p)
		return -ENOMEM;
	for (size_t i = from; i < js->n; i++) {
		used = rec_len(buf, js, i);
		memcpy(p, buf + js->off[i], used);
		p += used;
	}
	*olen = len;
	return 0;
}

/* A damaged journal as it was, beside the new one: the changes in its
 * unreadable part are not lost beyond what the damage took. */
static void keep_damaged(struct stage *st, const char *buf, size_t len)
{
	long long now = (long long)time(NULL);
	char name[64];
	int fd = -1;

	/* a second damaged mount in the same second gets a name of its own */
	for (int i = 0; fd < 0 && i < 100; i++) {
		snprintf(name, sizeof(name), i ? "journal.damaged-%lld.%d" :
			 "journal.damaged-%lld", now, i);
		fd = openat(st->cache_fd, name, O_WRONLY | O_CREAT | O_EXCL |
			    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0 || stage_write_all(fd, buf, len) || fsync(fd))
		blog_error("stage: cannot keep a copy of the damaged journal as "
			   "%s: %s", name, strerror(errno));
	if (fd >= 0)
		close(fd);
}

static int rewrite_from(struct stage *st, const char *buf, const struct jscan *js,
			size_t from)
{
	char *tail;
	size_t tlen;
	int ret = join_records(buf, js, from, &tail, &tlen);

	if (!ret)
		ret = stage_journal_rewrite(st, tail, tlen);
	free(tail);
	return ret;
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
	if (js.gap_bytes) {
		st->jdamaged = js.gap_bytes;
		blog_error("stage: the journal is damaged: %llu bytes of it cannot "
			   "be read; the changes recorded there are missing from "
			   "staging/ (the journal is kept as %s/journal.damaged-*)",
			   (unsigned long long)js.gap_bytes, stage_cache_path(st));
		keep_damaged(st, buf, len);
	}
	/* a damaged journal is rewritten whole below; until that has worked
	 * it stays as it is */
	if (js.good_len < len && !js.gap_bytes) {
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
	apply_from(st, buf, &js, start);
	st->jsize = st->jreserved = js.good_len;
	if (rewrite)
		ret = rewrite_from(st, buf, &js, start);
	stage_lost_check(st);
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

/* A damaged journal counts as holding changes: what its damage hides
 * may be some, and another disc must not take the folder over. */
int stage_cache_has_changes(const char *cache_dir)
{
	char path[STAGE_PATH_MAX];
	struct jscan js = { 0 };
	size_t len = 0;
	char *buf = NULL;
	int fd, ret;

	snprintf(path, sizeof(path), "%s/journal", cache_dir);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	ret = read_fd(fd, &buf, &len);
	close(fd);
	if (!ret)
		ret = scan(buf ? buf : "", len, &js);
	if (!ret)
		ret = js.changes || js.gap_bytes;
	free(js.off);
	free(buf);
	return ret;
}
