/* probe.c — load a session in a child process first, under a watch.
 *
 * libisofs and libisoburn can spin on a damaged image (they recurse into a
 * directory loop, rebuild a session table that never ends) or crash, and a
 * library call cannot be interrupted. So before the daemon loads a session
 * of an image it has not read yet, it runs its own binary again in a
 * hidden probe mode (posix_spawn: safe in a threaded daemon, unlike fork
 * alone), which acquires the image and loads that session exactly as the
 * daemon would, then reports. A probe whose load reads nothing for
 * BURNFS_LOAD_TIMEOUT, reads over four times the session, or runs past
 * that deadline plus a second per MiB of session (loadwatch.c) is killed
 * and the session counts as unreadable; the daemon never makes the call
 * that hung. At mount (the newest session) that
 * costs one more load. For sessions/N of an older session of an image
 * the child also indexes the session and writes the index to a memfd the
 * parent gave it (index_wire.h), and the daemon takes that index instead
 * of loading the session a second time. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "burnfs/index_wire.h"
#include "burnfs/log.h"
#include "disc/disc_int.h"

#define DEFAULT_TIMEOUT_S 20
/* How often the child's read counter is looked at. */
#define WATCH_TICK_MS 50
#define REPLY_MAX 512
/* Log lines of a child whose index is taken, passed on to the daemon's log
 * (what the load dropped or renamed); the rest are counted. */
#define KEPT_LINES 16
/* Where the child finds the memfd for the index (after stdin, stdout,
 * stderr), and the argument that asks for it. */
#define INDEX_FD 3
#define INDEX_ARG "index"

extern char **environ;

/* Set once at start-up, then read-only. */
static char probe_exe[PATH_MAX];
static char *const *daemon_argv;

void disc_probe_enable(const char *exe, char *const argv[])
{
	snprintf(probe_exe, sizeof(probe_exe), "%s", exe ? exe : "");
	daemon_argv = argv;
}

bool disc_probe_can_reexec(void)
{
	return probe_exe[0] && daemon_argv;
}

void disc_probe_reexec(void)
{
	if (disc_probe_can_reexec())
		execv(probe_exe, (char **)daemon_argv);
}

int disc_load_timeout_ms(void)
{
	const char *v = getenv("BURNFS_LOAD_TIMEOUT");
	long s = v ? strtol(v, NULL, 10) : 0;

	return (int)(s > 0 && s < 3600 ? s : DEFAULT_TIMEOUT_S) * 1000;
}

/* For tests only: spoil the index the child wrote to fd, the way a
 * child killed while writing ("kill") or a broken one ("cut", "garbage")
 * would leave it. */
static void spoil_for_test(int fd)
{
	const char *how = getenv("BURNFS_TEST_PROBE_INDEX");
	off_t len = lseek(fd, 0, SEEK_CUR);
	char junk[512];

	if (!how || len <= 0)
		return;
	memset(junk, 0xff, sizeof(junk));
	if (strcmp(how, "garbage") == 0 &&
	    pwrite(fd, junk, sizeof(junk), len / 2) < 0)
		return;
	if ((strcmp(how, "cut") == 0 || strcmp(how, "kill") == 0) &&
	    ftruncate(fd, len / 2) < 0)
		return;
	if (strcmp(how, "kill") == 0)
		raise(SIGKILL);
}

/* The index the child built, to the parent's memfd. */
static int ship(struct index *idx, struct errmsg *em)
{
	int r = index_wire_write(idx, INDEX_FD);

	if (r < 0)
		return errmsg_set(em, r, "cannot hand the index over: %s",
				  strerror(-r));
	spoil_for_test(INDEX_FD);
	return 0;
}

static int child_open(struct disc *d, char **argv, struct errmsg *em)
{
	int r;

	snprintf(d->adr, sizeof(d->adr), "%s", argv[2]);
	d->is_image = strncmp(d->adr, "stdio:", 6) == 0;
	snprintf(d->target, sizeof(d->target), "%s", d->adr + (d->is_image ? 6 : 0));
	d->acq_extra = atoi(argv[3]);
	dup2(STDOUT_FILENO, STDERR_FILENO);
	blog_init(0, 0);
	blog_set_quiet(1);
	r = disc_lib_init(em);
	if (r == 0 && isoburn_drive_aquire(&d->dinfo, d->adr, disc_acq_flags(d)) <= 0)
		r = errmsg_set(em, -EIO, "cannot acquire the medium");
	disc_drain_msgs();
	if (r == 0)
		d->drive = d->dinfo[0].drive;
	return r;
}

/* The child: argv = exe, DISC_PROBE_ARG, address, acquire flags, session
 * [, INDEX_ARG: index the session too and write it to INDEX_FD].
 * Its log (warnings and worse) and then one verdict line, "ok" or "fail
 * WHY", go to stdout, which is the parent's pipe. */
int disc_probe_main(int argc, char **argv, const struct imgfmt *fmt)
{
	struct disc d = { .img_fd = -1, .lock_fd = -1, .backing_fd = -1,
			  .no_reattach = true,
			  .fmt = fmt };
	struct errmsg em = { "" };
	struct index *idx = NULL;
	bool want = argc == 6 && strcmp(argv[5], INDEX_ARG) == 0;
	int r;

	if (argc != 5 && !want)
		return 2;
	d.fmt_state = calloc(1, fmt->state_size ? fmt->state_size : 1);
	pthread_mutex_init(&d.lib_lock, NULL);
	pthread_mutex_init(&d.state_lock, NULL);
	pthread_mutex_init(&d.img_check.lock, NULL);
	r = child_open(&d, argv, &em);
	if (r == 0)
		r = d.fmt_state ? fmt->load_session(&d, atoi(argv[4]),
						    want ? &idx : NULL, &em)
				: errmsg_set(&em, -ENOMEM, "out of memory");
	if (r == 0 && idx)
		r = ship(idx, &em);
	fflush(stderr);
	printf("\n%s %s\n", r == 0 ? "ok" : "fail", em.text);
	fflush(stdout);
	_exit(r == 0 ? 0 : 1);   /* no clean-up: the library may be in a mess */
}

/* The child's environment: the daemon's, and unless the user set
 * MALLOC_CONF, jemalloc's transparent huge pages (other allocators ignore
 * it). The child fills a fresh heap with a whole session's tree and
 * index; with 2 MiB pages it takes far fewer page faults than with 4 KiB
 * ones: 2.5 -> 1.5 s of CPU for a 300,000-file session (3 alternated
 * runs on a loaded machine). NULL on ENOMEM: free() it. */
static char **child_env(void)
{
	static char thp[] = "MALLOC_CONF=thp:always,metadata_thp:always";
	size_t n = 0;
	char **env;

	while (environ[n])
		n++;
	env = malloc((n + 2) * sizeof(*env));
	if (!env)
		return NULL;
	memcpy(env, environ, n * sizeof(*env));
	env[n] = getenv("MALLOC_CONF") ? NULL : thp;
	env[n + 1] = NULL;
	return env;
}

/* index_fd >= 0: the child indexes the session and writes it there. */
static int spawn(struct disc *d, int n, int out_fd, int index_fd, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	char flags[16], sess[16];
	char *argv[] = { probe_exe, DISC_PROBE_ARG, d->adr, flags, sess,
			 index_fd >= 0 ? INDEX_ARG : NULL, NULL };
	char **env = child_env();
	int r;

	if (!env)
		return -ENOMEM;
	snprintf(flags, sizeof(flags), "%d", d->acq_extra);
	snprintf(sess, sizeof(sess), "%d", n);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
	if (index_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, index_fd, INDEX_FD);
	r = posix_spawn(pid, probe_exe, &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	free(env);
	return -r;
}

/* What the parent keeps of the child's output: the first library error
 * (the reason a load failed), the last line (the verdict) and the first
 * log lines ("burnfs: LEVEL: text"). */
struct reply {
	char first_bad[REPLY_MAX];
	char last[REPLY_MAX];
	char line[REPLY_MAX];
	size_t len;
	char kept[KEPT_LINES][REPLY_MAX];
	int n_log;                 /* log lines seen, kept or not */
};

static void reply_line(struct reply *rp)
{
	const char *sev, *text;

	rp->line[rp->len] = '\0';
	rp->len = 0;
	if (!rp->line[0])
		return;
	sev = strstr(rp->line, " FAILURE ");
	if (!sev)
		sev = strstr(rp->line, " FATAL ");
	text = sev ? strstr(sev, ": ") : NULL;
	if (!rp->first_bad[0] && text)
		snprintf(rp->first_bad, sizeof(rp->first_bad), "%s", text + 2);
	text = strstr(rp->line, ": ");   /* after "burnfs: LEVEL" */
	text = text ? strstr(text + 2, ": ") : NULL;
	if (strncmp(rp->line, "burnfs: ", 8) == 0 && text &&
	    rp->n_log++ < KEPT_LINES)
		snprintf(rp->kept[rp->n_log - 1], REPLY_MAX, "%s", text + 2);
	memcpy(rp->last, rp->line, sizeof(rp->last));
}

static void reply_add(struct reply *rp, const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n')
			reply_line(rp);
		else if (rp->len < sizeof(rp->line) - 1)
			rp->line[rp->len++] = buf[i];
	}
}

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* Read the child's output until it closes it (it exited), for as long as
 * its load gets somewhere (loadwatch.c, fed the child's read counter: a
 * big session on a busy machine takes as long as it takes, a loop is cut
 * off); then reap it, killed if need be. Its status, or -ETIMEDOUT (it
 * read nothing for limit_ms) or -ELOOP (it read over four times the
 * session's session_bytes) or -ETIME (it ran past the time the session's
 * size allows). */
static int wait_child(pid_t pid, int fd, uint64_t session_bytes,
		      uint64_t limit_ms, struct reply *rp)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct disc_loadwatch w;
	char buf[4096], io_path[64];
	int io, status = 0, r = 0;
	uint64_t rd = 0;
	ssize_t n = 1;

	snprintf(io_path, sizeof(io_path), "/proc/%d/io", (int)pid);
	io = open(io_path, O_RDONLY | O_CLOEXEC);   /* -1: nothing counts as read */
	disc_loadwatch_rchar(io, &rd);
	disc_loadwatch_begin(&w, now_ms(), rd, session_bytes);
	while (n > 0 && r == 0) {
		if (poll(&p, 1, WATCH_TICK_MS) > 0) {
			n = read(fd, buf, sizeof(buf));
			if (n > 0)
				reply_add(rp, buf, (size_t)n);
			else if (n < 0 && errno == EINTR)
				n = 1;
		}
		disc_loadwatch_rchar(io, &rd);
		r = n > 0 ? disc_loadwatch_tick(&w, now_ms(), rd, limit_ms) : 0;
	}
	if (io >= 0)
		close(io);
	if (n != 0)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return r ? r : n < 0 ? -EIO : status;
}

static int judge(int status, const struct reply *rp, int n, int limit_ms,
		 struct errmsg *em)
{
	char why[128];

	if (status == -ETIMEDOUT || status == -ELOOP || status == -ETIME)
		return errmsg_set(em, status == -ETIMEDOUT ? -ETIMEDOUT : -EIO,
				  "session %d cannot be read: the libraries %s", n,
				  disc_loadwatch_why(status, limit_ms / 1000, why,
						     sizeof(why)));
	if (status < 0)
		return errmsg_set(em, status, "cannot hear the probe of session "
				  "%d: %s", n, strerror(-status));
	if (WIFSIGNALED(status))
		return errmsg_set(em, -EIO, "the libraries crashed reading "
				  "session %d (signal %d)", n, WTERMSIG(status));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	    strncmp(rp->last, "ok", 2) == 0)
		return 0;
	return errmsg_set(em, -EIO, "session %d cannot be read: %s", n,
			  rp->first_bad[0] ? rp->first_bad :
			  strncmp(rp->last, "fail ", 5) == 0 ? rp->last + 5 :
			  "the libraries refused it");
}

/* The index a child that said "ok" wrote to fd, read with the daemon's
 * reader. Nothing written (the child found no older session to index):
 * *out stays NULL and the session is loaded here. */
static int take_index(struct disc *d, int fd, int n, struct index **out,
		      struct errmsg *em)
{
	struct idx_reader rd;
	struct stat st;
	void *p;
	int r;

	if (fstat(fd, &st) < 0)
		return errmsg_set(em, -errno, "cannot read the probe's index: %s",
				  strerror(errno));
	if (st.st_size == 0)
		return 0;
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return errmsg_set(em, -errno, "cannot read the probe's index: %s",
				  strerror(errno));
	disc_reader_init(d, &rd);
	r = index_wire_read(p, (size_t)st.st_size, &rd, out);
	munmap(p, (size_t)st.st_size);
	if (r == -EIO)
		return errmsg_set(em, -EIO, "session %d: the probe's index of it "
				  "is truncated or damaged", n);
	return r < 0 ? errmsg_set(em, r, "cannot read the probe's index: %s",
				  strerror(-r)) : 0;
}

/* The child loaded the session in the daemon's stead: what it logged
 * about the session (entries dropped, renamed) goes to the daemon's log,
 * as the daemon's own load would have put it there. */
static void pass_on_log(struct disc *d, int n, const struct reply *rp)
{
	for (int i = 0; i < rp->n_log && i < KEPT_LINES; i++)
		blog_warn("session %d of %s, read by the probe: %s", n, d->target,
			  rp->kept[i]);
	if (rp->n_log > KEPT_LINES)
		blog_warn("session %d of %s, read by the probe: %d more messages",
			  n, d->target, rp->n_log - KEPT_LINES);
}

/* Spawn the child and wait for its verdict into *rp; index_fd as for
 * spawn. */
static int run_probe(struct disc *d, int n, int count, uint32_t blocks,
		     int index_fd, struct reply *rp, struct errmsg *em)
{
	int fds[2], status, limit = disc_load_timeout_ms();
	pid_t pid;
	int r;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return errmsg_set(em, -errno, "cannot start the probe: %s",
				  strerror(errno));
	r = spawn(d, n < count ? n : 0, fds[1], index_fd, &pid);
	close(fds[1]);
	if (r < 0) {
		close(fds[0]);
		return errmsg_set(em, r, "cannot start the probe: %s", strerror(-r));
	}
	status = wait_child(pid, fds[0], (uint64_t)blocks * 2048,
			    (uint64_t)limit, rp);
	close(fds[0]);
	return judge(status, rp, n, limit, em);
}

int disc_probe_session(struct disc *d, int n, int count, uint32_t blocks,
		       struct index **out, struct errmsg *em)
{
	struct reply *rp = NULL;
	int fd = -1, r;

	if (out)
		*out = NULL;
	if (!probe_exe[0] || !d->is_image)
		return 0;
	rp = calloc(1, sizeof(*rp));
	if (!rp)
		return errmsg_set(em, -ENOMEM, "cannot start the probe: %s",
				  strerror(ENOMEM));
	if (out && (fd = memfd_create("burnfs-probe-index", MFD_CLOEXEC)) < 0) {
		r = errmsg_set(em, -errno, "cannot start the probe: %s",
			       strerror(errno));
		goto out;
	}
	r = run_probe(d, n, count, blocks, fd, rp, em);
	if (r == 0 && out)
		r = take_index(d, fd, n, out, em);
	if (r == 0 && out && *out)
		pass_on_log(d, n, rp);
out:
	if (fd >= 0)
		close(fd);
	free(rp);
	return r;
}
