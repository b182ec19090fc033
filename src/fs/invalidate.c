/* invalidate.c — after a change through one name of a hard-linked file,
 * tell the kernel to forget what it cached for the other names. High-level
 * libfuse gives every path its own kernel inode, so without this a chmod
 * or a write through one name leaves the others' attributes stale for the
 * attribute timeout; and after discard or blank, forget what the whole
 * view cached. Notifications go out from a thread of their own:
 * sending one from inside a request could wait on the very request. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "burnfs/control.h"
#include "burnfs/disc.h"
#include "burnfs/index.h"
#include "burnfs/stage.h"
#include "fs/fs.h"

struct inval {
	struct inval *next;
	char path[];
};

static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_cond = PTHREAD_COND_INITIALIZER;
static struct inval *q_head;
static struct fuse *q_fuse;
static pthread_t q_thread;
static bool q_running, q_stop;

static void *inval_thread(void *arg)
{
	pthread_mutex_lock(&q_lock);
	while (!q_stop) {
		struct inval *it = q_head;

		if (!it) {
			pthread_cond_wait(&q_cond, &q_lock);
			continue;
		}
		q_head = it->next;
		pthread_mutex_unlock(&q_lock);
		fuse_invalidate_path(q_fuse, it->path);
		free(it);
		pthread_mutex_lock(&q_lock);
	}
	pthread_mutex_unlock(&q_lock);
	return arg;
}

void fs_invalidate_start(struct fuse *fuse)
{
	pthread_mutex_lock(&q_lock);
	q_fuse = fuse;
	q_stop = false;
	q_running = pthread_create(&q_thread, NULL, inval_thread, NULL) == 0;
	pthread_mutex_unlock(&q_lock);
}

void fs_invalidate_stop(void)
{
	pthread_mutex_lock(&q_lock);
	q_stop = true;
	pthread_cond_signal(&q_cond);
	pthread_mutex_unlock(&q_lock);
	if (q_running)
		pthread_join(q_thread, NULL);
	q_running = false;
	while (q_head) {
		struct inval *it = q_head;

		q_head = it->next;
		free(it);
	}
}

static void enqueue(const char *stage_path)
{
	size_t len = strlen(stage_path);
	struct inval *it = malloc(sizeof(*it) + len + sizeof("/staging"));

	if (!it)
		return;  /* only a cache goes stale for a second */
	memcpy(it->path, "/staging", 8);
	memcpy(it->path + 8, stage_path, len + 1);
	pthread_mutex_lock(&q_lock);
	if (q_running && !q_stop) {
		it->next = q_head;
		q_head = it;
		it = NULL;
		pthread_cond_signal(&q_cond);
	}
	pthread_mutex_unlock(&q_lock);
	free(it);
}

void fs_invalidate_aliases(const char *stage_path)
{
	char *list = NULL, *p;
	int n = stage_alias_paths(fs_ctx()->stage, stage_path, &list);

	for (p = list; n > 0; n--, p += strlen(p) + 1)
		enqueue(p);
	free(list);
}

void fs_invalidate_entry(const char *stage_path)
{
	enqueue(stage_path);
}

/* The paths of `pending` lines ("X path" or "R old -> new") and their
 * folders: what a discard changes. */
static void enqueue_with_parent(char *path)
{
	char *slash;

	enqueue(path);
	slash = strrchr(path, '/');
	if (slash && slash != path) {
		*slash = '\0';
		enqueue(path);
		*slash = '/';
	}
}

static void invalidate_pending(char *text)
{
	char *line, *save = NULL, *arrow;

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		/* Quoted paths (control characters) are left to time out. */
		if (strlen(line) < 3 || line[2] == '"')
			continue;
		arrow = strstr(line + 2, " -> ");
		if (arrow) {
			*arrow = '\0';
			enqueue_with_parent(arrow + 4);
		}
		enqueue_with_parent(line + 2);
	}
	enqueue("");
}

/* Every disc entry: what blanking removes. */
static void invalidate_index(struct index *idx)
{
	char path[4096];

	for (uint32_t id = 1; id < index_count(idx); id++)
		if (index_path(idx, id, path, sizeof(path)) > 0)
			enqueue(path);
}

int fs_invalidate_run(struct burnfs *b, const char *buf, size_t len)
{
	struct control *c = b->control;
	struct index *lower = NULL;
	struct command cmd;
	char *text = NULL;
	size_t tlen;
	int ret;

	if (command_parse(buf, len, &cmd, NULL) < 0 ||
	    (cmd.kind != CMD_DISCARD && cmd.kind != CMD_BLANK))
		return control_execute(c, buf, len);
	/* What the view shows changes wholesale: note it before. */
	if (stage_pending_text(b->stage, &text, &tlen) < 0)
		text = NULL;
	if (cmd.kind == CMD_BLANK)
		lower = disc_lower(b->disc);
	ret = control_execute(c, buf, len);
	if (ret == 0 && text)
		invalidate_pending(text);
	if (ret == 0 && lower)
		invalidate_index(lower);
	index_unref(lower);
	free(text);
	return ret;
}
