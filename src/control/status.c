/* status.c — what reading the control file shows: one fact per line,
 * "key: value", stable keys. Never waits for a running command. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	fprintf(out, "target: %s\n", f->target);
	fprintf(out, "media: %s\n", f->media == DISC_MEDIA_NONE ? "none" : f->profile);
	fprintf(out, "media_status: %s\n", media_names[f->media]);
	if (f->media == DISC_MEDIA_CLOSED && f->closed_reason[0])
		fprintf(out, "media_note: %s\n", f->closed_reason);
	fprintf(out, "sessions: %d\n", f->sessions);
	fprintf(out, "volume_id: %s\n", f->volid);
	fprintf(out, "capacity_bytes: %" PRIu64 "\n", f->capacity_bytes);
	fprintf(out, "used_bytes: %" PRIu64 "\n", f->used_bytes);
	fprintf(out, "free_bytes: %" PRIu64 "\n",
		f->free_bytes > est ? f->free_bytes - est : 0);
	fprintf(out, "media_origin: %s\n", f->origin);
	fprintf(out, "media_damage: %s\n", f->damage[0] ? f->damage : "none");
}

static void put_progress(FILE *out, const struct progress *p)
{
	fprintf(out, "progress_percent: %d\n", p->percent);
	fprintf(out, "bytes_done: %" PRIu64 "\n", p->bytes_done);
	fprintf(out, "bytes_total: %" PRIu64 "\n", p->bytes_total);
	fprintf(out, "eta_seconds: %d\n", p->eta_seconds);
	fprintf(out, "bytes_per_second: %" PRIu64 "\n", p->bytes_per_second);
}

static void put_settings(FILE *out, const struct job_settings *s)
{
	fprintf(out, "set_volid: %s\n", s->volid);
	fprintf(out, "set_joliet: %s\n", s->joliet ? "on" : "off");
	if (s->speed_kbps)
		fprintf(out, "set_speed: %d\n", s->speed_kbps);
	else
		fprintf(out, "set_speed: max\n");
	fprintf(out, "set_simulate: %s\n", s->simulate ? "on" : "off");
	fprintf(out, "set_foreign: %s\n", s->foreign_overwrite ? "overwrite" : "refuse");
	fprintf(out, "set_compress: %s\n", s->compress ? "zisofs" : "none");
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
	fprintf(out, "job_id: %llu\n", (unsigned long long)j->id);
	fprintf(out, "job_command: %s\n", j->id ? j->name : "none");
	fprintf(out, "job_state: %s\n", !j->id ? "none" :
		j->running ? "running" : "ended");
	fprintf(out, "job_detached: %s\n", j->detached ? "yes" : "no");
	fprintf(out, "job_errno: %s\n", j->running ? "0" : errno_word(j->ret));
	fprintf(out, "job_result: %s\n", !j->id ? "none" : j->result);
}

/* Where the staged changes are, and whether they can still be kept. */
static void put_cache(FILE *out, struct stage *st, bool lost)
{
	size_t rescued, short_files;
	bool missing;
	uint64_t damaged = stage_journal_damage(st, &missing, &rescued);
	char *first = NULL;

	short_files = stage_lost_count(st, &first);
	fprintf(out, "cache_dir: %s\n", stage_cache_path(st));
	fprintf(out, "hashing: %zu\n", stage_hash_queued(st));
	fprintf(out, "stage_nodes: %zu\n", stage_node_count(st));
	if (lost)
		fputs("cache_state: error: the cache folder was removed while "
		      "mounted; every change fails with EIO until burnfs is "
		      "remounted\n", out);
	else if (missing)
		fprintf(out, "cache_state: damaged: the journal was missing at "
			"the mount; the changes it held are missing from staging/ "
			"(in cache_dir: %zu data file(s) no change refers to, "
			"lost+found/)\n", rescued);
	else if (damaged)
		fprintf(out, "cache_state: damaged: %llu bytes of the journal "
			"could not be read at the mount; the changes recorded "
			"there are missing from staging/ (in cache_dir: the "
			"journal as it was, journal.damaged-*%s%.0zu%s)\n",
			(unsigned long long)damaged,
			rescued ? "; " : "", rescued,
			rescued ? " data file(s) no change refers to, lost+found/" : "");
	else if (short_files)
		fprintf(out, "cache_state: damaged: the cache lost bytes of %zu "
			"staged file(s) since they were written (%s): reading "
			"them and commits fail with EIO until they are removed "
			"or copied again\n", short_files,
			first ? first : "see the log");
	else
		fputs("cache_state: ok\n", out);
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
	fprintf(out, "state: %s\n", state_names[p.state]);
	put_media(out, f, est);
	fprintf(out, "damaged_entries: %" PRIu32 "\n", damaged);
	fprintf(out, "pending_bytes: %" PRIu64 "\n",
		c->stats.pending_bytes + c->grown_since_stats);
	fprintf(out, "pending_entries: %" PRIu64 "\n", c->stats.pending_entries);
	put_cache(out, c->stage, lost);
	put_progress(out, &p);
	put_settings(out, &c->settings);
	fprintf(out, "last_command: %s\n", c->last_command[0] ? c->last_command : "none");
	fprintf(out, "last_result: %s\n", c->last_result);
	fprintf(out, "last_errno: %s\n", errno_word(c->last_ret));
	put_job(out, &c->job);
	pthread_mutex_unlock(&c->lock);
	free(f);
	return fclose(out) == 0 ? 0 : -ENOMEM;
}
