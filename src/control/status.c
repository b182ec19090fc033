/* status.c — what reading the control file shows: one fact per line,
 * "key: value", stable keys. Never waits for a running command. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "burnfs/cescape.h"
#include "burnfs/disc.h"
#include "burnfs/index.h"
#include "control/control_priv.h"

static const char *const state_names[] = {
	[JOB_IDLE] = "idle", [JOB_COMMITTING] = "committing",
	[JOB_VERIFYING] = "verifying", [JOB_BLANKING] = "blanking",
	[JOB_FORMATTING] = "formatting",
};

static const char *const media_names[] = {
	[DISC_MEDIA_NONE] = "none", [DISC_MEDIA_BLANK] = "blank",
	[DISC_MEDIA_APPENDABLE] = "appendable", [DISC_MEDIA_CLOSED] = "closed",
};

/* One "key: value" line; the value's control characters and backslashes
 * are escaped (cescape.h), so that no name or message, a file's or a
 * foreign disc's, can add a line a script would take for a key. */
static __attribute__((format(printf, 3, 4)))
void put(FILE *out, const char *key, const char *fmt, ...)
{
	char *value = NULL;
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vasprintf(&value, fmt, ap);
	va_end(ap);
	fprintf(out, "%s: ", key);
	if (len >= 0)
		cescape_put(out, value, false);
	putc('\n', out);
	free(value);
}

/* Entries of the newest session the loader could not read whole. */
static uint32_t damaged_entries(struct disc *disc)
{
	struct index *lower = disc_lower(disc);
	uint32_t n = lower ? index_info(lower)->damaged : 0;

	index_unref(lower);
	return n;
}

static void put_media(FILE *out, const struct disc_facts *f, uint64_t est)
{
	put(out, "target", "%s", f->target);
	put(out, "media", "%s", f->media == DISC_MEDIA_NONE ? "none" : f->profile);
	put(out, "media_status", "%s", media_names[f->media]);
	if (f->media == DISC_MEDIA_CLOSED && f->closed_reason[0])
		put(out, "media_note", "%s", f->closed_reason);
	put(out, "sessions", "%d", f->sessions);
	put(out, "volume_id", "%s", f->volid);
	put(out, "capacity_bytes", "%" PRIu64, f->capacity_bytes);
	put(out, "used_bytes", "%" PRIu64, f->used_bytes);
	put(out, "free_bytes", "%" PRIu64,
		f->free_bytes > est ? f->free_bytes - est : 0);
	put(out, "media_origin", "%s", f->origin);
	put(out, "media_damage", "%s", f->damage[0] ? f->damage : "none");
}

static void put_progress(FILE *out, const struct progress *p)
{
	put(out, "progress_percent", "%d", p->percent);
	put(out, "bytes_done", "%" PRIu64, p->bytes_done);
	put(out, "bytes_total", "%" PRIu64, p->bytes_total);
	put(out, "eta_seconds", "%d", p->eta_seconds);
	put(out, "bytes_per_second", "%" PRIu64, p->bytes_per_second);
}

static void put_settings(FILE *out, const struct job_settings *s)
{
	put(out, "set_volid", "%s", s->volid);
	put(out, "set_joliet", "%s", s->joliet ? "on" : "off");
	if (s->speed_kbps)
		put(out, "set_speed", "%d", s->speed_kbps);
	else
		put(out, "set_speed", "max");
	put(out, "set_simulate", "%s", s->simulate ? "on" : "off");
	put(out, "set_foreign", "%s", s->foreign_overwrite ? "overwrite" : "refuse");
	put(out, "set_compress", "%s", s->compress ? "zisofs" : "none");
}

/* "0" or the errno's name ("ENOSPC"): stable words for scripts. */
static const char *errno_word(int ret)
{
	const char *name = ret ? strerrorname_np(-ret) : NULL;

	return ret == 0 ? "0" : name ? name : "EIO";
}

/* The newest job, for a waiter: its number rises with every job, so one
 * that saw job N running knows N has ended when job_state says so. */
static void put_job(FILE *out, const struct job *j)
{
	put(out, "job_id", "%llu", (unsigned long long)j->id);
	put(out, "job_command", "%s", j->id ? j->name : "none");
	put(out, "job_state", "%s", !j->id ? "none" :
		j->running ? "running" : "ended");
	put(out, "job_detached", "%s", j->detached ? "yes" : "no");
	put(out, "job_errno", "%s", j->running ? "0" : errno_word(j->ret));
	put(out, "job_result", "%s", !j->id ? "none" : j->result);
}

/* Where the staged changes are, and whether they can still be kept. */
static void put_cache(FILE *out, struct stage *st, bool lost)
{
	size_t rescued, short_files;
	bool missing;
	uint64_t damaged = stage_journal_damage(st, &missing, &rescued);
	char *first = NULL;

	short_files = stage_lost_count(st, &first);
	put(out, "cache_dir", "%s", stage_cache_path(st));
	put(out, "hashing", "%zu", stage_hash_queued(st));
	put(out, "stage_nodes", "%zu", stage_node_count(st));
	if (lost)
		put(out, "cache_state", "error: the cache folder was removed "
		    "while mounted; every change fails with EIO until burnfs "
		    "is remounted");
	else if (missing)
		put(out, "cache_state", "damaged: the journal was missing at "
			"the mount; the changes it held are missing from staging/ "
			"(in cache_dir: %zu data file(s) no change refers to, "
			"lost+found)", rescued);
	else if (damaged)
		put(out, "cache_state", "damaged: %llu bytes of the journal "
			"could not be read at the mount; the changes recorded "
			"there are missing from staging/ (in cache_dir: the "
			"journal as it was, journal.damaged-*%s%.0zu%s)",
			(unsigned long long)damaged,
			rescued ? "; " : "", rescued,
			rescued ? " data file(s) no change refers to, lost+found" : "");
	else if (short_files)
		put(out, "cache_state", "damaged: the cache lost bytes of %zu "
			"staged file(s) since they were written (%s): reading "
			"them and commits fail with EIO until they are removed "
			"or copied again", short_files,
			first ? first : "see the log");
	else
		put(out, "cache_state", "ok");
	free(first);
}

int control_status(struct control *c, char **outp, size_t *lenp)
{
	struct disc_facts *f = malloc(sizeof(*f));
	struct progress p;
	FILE *out;
	uint64_t est;
	bool lost;
	uint32_t damaged;

	if (!f)
		return -ENOMEM;
	out = open_memstream(outp, lenp);
	if (!out) {
		free(f);
		return -ENOMEM;
	}
	disc_get_facts(c->disc, f);
	disc_get_progress(c->disc, &p);
	lost = stage_cache_lost(c->stage);
	damaged = damaged_entries(c->disc);
	pthread_mutex_lock(&c->lock);
	control_refresh_stats_locked(c, true);
	est = control_estimate_locked(c);
	put(out, "state", "%s", state_names[p.state]);
	put_media(out, f, est);
	put(out, "damaged_entries", "%" PRIu32, damaged);
	put(out, "pending_bytes", "%" PRIu64,
		c->stats.pending_bytes + c->grown_since_stats);
	put(out, "pending_entries", "%" PRIu64, c->stats.pending_entries);
	put_cache(out, c->stage, lost);
	put_progress(out, &p);
	put_settings(out, &c->settings);
	put(out, "last_command", "%s", c->last_command[0] ? c->last_command : "none");
	put(out, "last_result", "%s", c->last_result);
	put(out, "last_errno", "%s", errno_word(c->last_ret));
	put_job(out, &c->job);
	pthread_mutex_unlock(&c->lock);
	free(f);
	return fclose(out) == 0 ? 0 : -ENOMEM;
}
