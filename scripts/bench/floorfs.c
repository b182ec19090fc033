/* floorfs — the bench's FUSE floor: a low-level FUSE server that keeps
 * everything in memory, names, attributes and bytes, and nothing else.
 *
 * Whatever a small writer (tar -x, unzip, cpio -p, rsync -a, dd bs=512)
 * costs into floorfs is what the kernel's FUSE round trips cost with no disk
 * behind them, so burnfs/floorfs says how much of burnfs's time is its own,
 * and floorfs/local how near any FUSE file system with synchronous writes
 * (no write-back cache) can come to a local folder. The bytes are kept
 * because writers read some back (unzip reads a symlink's target from the
 * file it wrote first).
 *
 * It asks the kernel for what burnfs asks (default_permissions, a day's
 * timeouts, direct I/O for write-only handles, no HANDLE_KILLPRIV, no
 * ATOMIC_O_TRUNC), so both see the same requests. One thread serves them
 * and, like burnfs's loop, polls /dev/fuse for FLOOR_SPIN_US microseconds
 * (default 50) after each answer before it sleeps in read(2): a single
 * writer's next request comes sooner than a sleeping thread wakes on the
 * other CPU, and nothing here ever blocks. FLOOR_SPIN_US=0 does not poll;
 * FLOOR_SPIN_US=mt runs libfuse's multithreaded loop instead.
 *
 * Usage: floorfs [-f] MOUNTPOINT; unmount with fusermount3 -u. */
#define FUSE_USE_VERSION 34
#include <errno.h>
#include <fuse_lowlevel.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define DAY 86400.0
#define NBUCKETS (1u << 20)

struct name {
	struct name *next;
	fuse_ino_t parent, ino;
	char text[];
};

struct node {
	struct stat st;
	char *link;
	char *data;
	size_t alloc;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct name *bucket[NBUCKETS];
static struct node *nodes;
static size_t nnodes, cap;

static uint32_t hash(fuse_ino_t parent, const char *s)
{
	uint32_t h = 2166136261u ^ (uint32_t)parent;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h & (NBUCKETS - 1);
}

static struct name **slot(fuse_ino_t parent, const char *s)
{
	struct name **p = &bucket[hash(parent, s)];

	while (*p && ((*p)->parent != parent || strcmp((*p)->text, s)))
		p = &(*p)->next;
	return p;
}

static int link_name(fuse_ino_t parent, const char *s, fuse_ino_t ino)
{
	size_t len = strlen(s) + 1;
	struct name *n = malloc(sizeof(*n) + len);

	if (!n)
		return -ENOMEM;
	n->parent = parent;
	n->ino = ino;
	memcpy(n->text, s, len);
	n->next = bucket[hash(parent, s)];
	bucket[hash(parent, s)] = n;
	return 0;
}

static void unlink_name(struct name **p)
{
	struct name *n = *p;

	*p = n->next;
	free(n);
}

static fuse_ino_t new_node(fuse_req_t req, mode_t mode, dev_t rdev)
{
	const struct fuse_ctx *c = fuse_req_ctx(req);
	struct node *n;
	struct timespec now;

	if (nnodes == cap) {
		size_t ncap = cap ? cap * 2 : 4096;
		struct node *m = realloc(nodes, ncap * sizeof(*m));

		if (!m)
			return 0;
		nodes = m;
		cap = ncap;
	}
	n = &nodes[nnodes];
	memset(n, 0, sizeof(*n));
	clock_gettime(CLOCK_REALTIME, &now);
	n->st.st_ino = nnodes;
	n->st.st_mode = mode;
	n->st.st_nlink = S_ISDIR(mode) ? 2 : 1;
	n->st.st_uid = c->uid;
	n->st.st_gid = c->gid;
	n->st.st_rdev = rdev;
	n->st.st_blksize = 4096;
	n->st.st_atim = n->st.st_mtim = n->st.st_ctim = now;
	return nnodes++;
}

static void fill_entry(struct fuse_entry_param *e, fuse_ino_t ino)
{
	memset(e, 0, sizeof(*e));
	e->ino = ino;
	e->attr = nodes[ino].st;
	e->attr_timeout = e->entry_timeout = DAY;
}

static void floor_lookup(fuse_req_t req, fuse_ino_t parent, const char *s)
{
	struct fuse_entry_param e;
	struct name **p;

	pthread_mutex_lock(&lock);
	p = slot(parent, s);
	if (*p) {
		fill_entry(&e, (*p)->ino);
	} else {
		memset(&e, 0, sizeof(e));
		e.entry_timeout = DAY;
	}
	pthread_mutex_unlock(&lock);
	fuse_reply_entry(req, &e);
}

static void floor_getattr(fuse_req_t req, fuse_ino_t ino,
			 struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	pthread_mutex_lock(&lock);
	st = nodes[ino].st;
	pthread_mutex_unlock(&lock);
	fuse_reply_attr(req, &st, DAY);
}

/* resize: the bytes of N to SIZE, zeros where they grow. */
static int resize(struct node *n, off_t size)
{
	size_t want = n->alloc ? n->alloc : 4096;
	char *d;

	while ((off_t)want < size)
		want *= 2;
	if (want > n->alloc) {
		d = realloc(n->data, want);
		if (!d)
			return -ENOMEM;
		n->data = d;
		n->alloc = want;
	}
	if (size > n->st.st_size)
		memset(n->data + n->st.st_size, 0, size - n->st.st_size);
	n->st.st_size = size;
	n->st.st_blocks = (size + 511) / 512;
	return 0;
}

static void floor_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *a,
			 int set, struct fuse_file_info *fi)
{
	struct stat *st;
	struct stat out;

	(void)fi;
	pthread_mutex_lock(&lock);
	st = &nodes[ino].st;
	if (set & FUSE_SET_ATTR_MODE)
		st->st_mode = (st->st_mode & S_IFMT) | (a->st_mode & 07777);
	if (set & FUSE_SET_ATTR_UID)
		st->st_uid = a->st_uid;
	if (set & FUSE_SET_ATTR_GID)
		st->st_gid = a->st_gid;
	if ((set & FUSE_SET_ATTR_SIZE) && resize(&nodes[ino], a->st_size)) {
		pthread_mutex_unlock(&lock);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (set & FUSE_SET_ATTR_ATIME)
		st->st_atim = a->st_atim;
	if (set & FUSE_SET_ATTR_MTIME)
		st->st_mtim = a->st_mtim;
	if (set & (FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_MTIME_NOW))
		clock_gettime(CLOCK_REALTIME, &st->st_mtim);
	clock_gettime(CLOCK_REALTIME, &st->st_ctim);
	out = *st;
	pthread_mutex_unlock(&lock);
	fuse_reply_attr(req, &out, DAY);
}

/* make: a new node named NAME in PARENT; EEXIST as a local folder says. */
static void make(fuse_req_t req, fuse_ino_t parent, const char *s, mode_t mode,
		 dev_t rdev, const char *target, struct fuse_file_info *fi)
{
	struct fuse_entry_param e;
	fuse_ino_t ino;
	int err = 0;

	pthread_mutex_lock(&lock);
	if (*slot(parent, s)) {
		err = EEXIST;
	} else if (!(ino = new_node(req, mode, rdev))) {
		err = ENOMEM;
	} else if (link_name(parent, s, ino)) {
		err = ENOMEM;
	} else {
		if (target)
			nodes[ino].link = strdup(target);
		if (S_ISDIR(mode))
			nodes[parent].st.st_nlink++;
		fill_entry(&e, ino);
	}
	pthread_mutex_unlock(&lock);
	if (err)
		fuse_reply_err(req, err);
	else if (fi)
		fuse_reply_create(req, &e, fi);
	else
		fuse_reply_entry(req, &e);
}

static void floor_mknod(fuse_req_t req, fuse_ino_t parent, const char *s,
		       mode_t mode, dev_t rdev)
{
	make(req, parent, s, mode, rdev, NULL, NULL);
}

static void floor_mkdir(fuse_req_t req, fuse_ino_t parent, const char *s,
		       mode_t mode)
{
	make(req, parent, s, S_IFDIR | (mode & 07777), 0, NULL, NULL);
}

static void floor_symlink(fuse_req_t req, const char *target, fuse_ino_t parent,
			 const char *s)
{
	make(req, parent, s, S_IFLNK | 0777, 0, target, NULL);
}

/* As burnfs: a write-only handle is served with direct I/O. */
static void set_direct_io(struct fuse_file_info *fi)
{
	fi->direct_io = (fi->flags & O_ACCMODE) == O_WRONLY;
}

static void floor_create(fuse_req_t req, fuse_ino_t parent, const char *s,
			mode_t mode, struct fuse_file_info *fi)
{
	set_direct_io(fi);
	make(req, parent, s, S_IFREG | (mode & 07777), 0, NULL, fi);
}

static void floor_readlink(fuse_req_t req, fuse_ino_t ino)
{
	const char *t;

	pthread_mutex_lock(&lock);
	t = nodes[ino].link;
	pthread_mutex_unlock(&lock);
	if (t)
		fuse_reply_readlink(req, t);
	else
		fuse_reply_err(req, EINVAL);
}

/* unlink and rmdir alike: a name goes */
static void floor_unlink(fuse_req_t req, fuse_ino_t parent, const char *s)
{
	struct name **p;
	int err = 0;

	pthread_mutex_lock(&lock);
	p = slot(parent, s);
	if (*p) {
		nodes[(*p)->ino].st.st_nlink--;
		unlink_name(p);
	} else {
		err = ENOENT;
	}
	pthread_mutex_unlock(&lock);
	fuse_reply_err(req, err);
}

static void floor_rename(fuse_req_t req, fuse_ino_t parent, const char *s,
			 fuse_ino_t np, const char *ns, unsigned int flags)
{
	struct name **p, **q;
	fuse_ino_t ino;
	int err = 0;

	pthread_mutex_lock(&lock);
	p = slot(parent, s);
	if (flags) {
		err = EINVAL;
	} else if (!*p) {
		err = ENOENT;
	} else {
		ino = (*p)->ino;
		unlink_name(p);
		q = slot(np, ns);
		if (*q)
			unlink_name(q);
		err = -link_name(np, ns, ino);
	}
	pthread_mutex_unlock(&lock);
	fuse_reply_err(req, err);
}

static void floor_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t parent,
		       const char *s)
{
	struct fuse_entry_param e;
	int err = 0;

	pthread_mutex_lock(&lock);
	if (*slot(parent, s)) {
		err = EEXIST;
	} else if (link_name(parent, s, ino)) {
		err = ENOMEM;
	} else {
		nodes[ino].st.st_nlink++;
		fill_entry(&e, ino);
	}
	pthread_mutex_unlock(&lock);
	if (err)
		fuse_reply_err(req, err);
	else
		fuse_reply_entry(req, &e);
}

static void floor_open(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	(void)ino;
	set_direct_io(fi);
	fuse_reply_open(req, fi);
}

static void floor_read(fuse_req_t req, fuse_ino_t ino, size_t size,
		       off_t off, struct fuse_file_info *fi)
{
	struct node *n;
	off_t len;

	(void)fi;
	pthread_mutex_lock(&lock);
	n = &nodes[ino];
	len = n->st.st_size - off;
	if (len < 0)
		len = 0;
	if ((size_t)len > size)
		len = size;
	/* under the lock: a write may move the buffer */
	fuse_reply_buf(req, len ? n->data + off : NULL, len);
	pthread_mutex_unlock(&lock);
}

static void floor_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
			size_t size, off_t off, struct fuse_file_info *fi)
{
	struct node *n;
	int err = 0;

	(void)fi;
	pthread_mutex_lock(&lock);
	n = &nodes[ino];
	if (off + (off_t)size > n->st.st_size)
		err = resize(n, off + size);
	if (!err) {
		memcpy(n->data + off, buf, size);
		clock_gettime(CLOCK_REALTIME, &n->st.st_mtim);
		n->st.st_ctim = n->st.st_mtim;
	}
	pthread_mutex_unlock(&lock);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_write(req, size);
}

static void floor_ok(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	fuse_reply_err(req, 0);
}

static void floor_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		       struct fuse_file_info *fi)
{
	(void)datasync;
	floor_ok(req, ino, fi);
}

/* Lists the folder by walking every name: slow, but writers into an empty
 * folder do not list it. */
static void floor_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			 struct fuse_file_info *fi)
{
	char *buf = malloc(size);
	size_t used = 0, n;
	off_t i = 0;
	struct stat st = { 0 };

	(void)fi;
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	pthread_mutex_lock(&lock);
	for (size_t b = 0; b < NBUCKETS; b++) {
		for (struct name *p = bucket[b]; p; p = p->next) {
			if (p->parent != ino || ++i <= off)
				continue;
			st.st_ino = p->ino;
			st.st_mode = nodes[p->ino].st.st_mode;
			n = fuse_add_direntry(req, buf + used, size - used,
					      p->text, &st, i);
			if (n > size - used)
				goto full;
			used += n;
		}
	}
full:
	pthread_mutex_unlock(&lock);
	fuse_reply_buf(req, buf, used);
	free(buf);
}

static void floor_setxattr(fuse_req_t req, fuse_ino_t ino, const char *s,
			  const char *v, size_t size, int flags)
{
	(void)ino, (void)s, (void)v, (void)size, (void)flags;
	fuse_reply_err(req, 0);
}

static void floor_getxattr(fuse_req_t req, fuse_ino_t ino, const char *s,
			  size_t size)
{
	(void)ino, (void)s, (void)size;
	fuse_reply_err(req, ENODATA);
}

static void floor_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	(void)ino;
	if (size)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_xattr(req, 0);
}

static void floor_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs s = { .f_bsize = 4096, .f_frsize = 4096,
			     .f_blocks = 1u << 30, .f_bfree = 1u << 30,
			     .f_bavail = 1u << 30, .f_files = 1u << 30,
			     .f_ffree = 1u << 30, .f_namemax = 255 };

	(void)ino;
	fuse_reply_statfs(req, &s);
}

static void floor_init(void *data, struct fuse_conn_info *conn)
{
	(void)data;
	conn->want &= ~(FUSE_CAP_HANDLE_KILLPRIV | FUSE_CAP_ATOMIC_O_TRUNC);
}

static const struct fuse_lowlevel_ops ops = {
	.init = floor_init,
	.lookup = floor_lookup,
	.getattr = floor_getattr,
	.setattr = floor_setattr,
	.readlink = floor_readlink,
	.mknod = floor_mknod,
	.mkdir = floor_mkdir,
	.unlink = floor_unlink,
	.rmdir = floor_unlink,
	.symlink = floor_symlink,
	.rename = floor_rename,
	.link = floor_link,
	.open = floor_open,
	.read = floor_read,
	.write = floor_write,
	.flush = floor_ok,
	.release = floor_ok,
	.fsync = floor_fsync,
	.readdir = floor_readdir,
	.statfs = floor_statfs,
	.setxattr = floor_setxattr,
	.getxattr = floor_getxattr,
	.listxattr = floor_listxattr,
	.create = floor_create,
};

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

/* One thread: poll for spin_us after each answer, then sleep in read. */
static int serve(struct fuse_session *se, double spin_us)
{
	struct pollfd p = { .fd = fuse_session_fd(se), .events = POLLIN };
	struct fuse_buf buf = { 0 };
	double end;
	int res = 0;

	while (!fuse_session_exited(se)) {
		end = now_us() + spin_us;
		while (spin_us > 0 && poll(&p, 1, 0) == 0 && now_us() < end)
			sched_yield();
		res = fuse_session_receive_buf(se, &buf);
		if (res == -EINTR || res == -EAGAIN)
			continue;
		if (res <= 0)
			break;
		fuse_session_process_buf(se, &buf);
	}
	free(buf.mem);
	return res < 0 && res != -ENODEV ? 1 : 0;
}

static int run(struct fuse_session *se)
{
	const char *spin = getenv("FLOOR_SPIN_US");

	if (spin && !strcmp(spin, "mt"))
		return fuse_session_loop_mt(se, NULL) ? 1 : 0;
	return serve(se, spin ? atof(spin) : 50);
}

int main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts o;
	struct fuse_session *se;
	fuse_ino_t root;
	int ret = 1;

	if (fuse_parse_cmdline(&args, &o) || !o.mountpoint)
		return 2;
	/* node 0 is never handed out (0 is no inode to the kernel); 1 is
	 * the root */
	nodes = calloc(cap = 4096, sizeof(*nodes));
	if (!nodes)
		return 1;
	nnodes = 1;
	root = nnodes++;
	nodes[root].st.st_ino = root;
	nodes[root].st.st_mode = S_IFDIR | 0755;
	nodes[root].st.st_nlink = 2;
	fuse_opt_add_arg(&args, "-odefault_permissions");
	se = fuse_session_new(&args, &ops, sizeof(ops), NULL);
	if (!se)
		return 1;
	if (fuse_set_signal_handlers(se) == 0 &&
	    fuse_session_mount(se, o.mountpoint) == 0) {
		fuse_daemonize(o.foreground);
		ret = run(se);
		fuse_session_unmount(se);
	}
	fuse_remove_signal_handlers(se);
	fuse_session_destroy(se);
	return ret;
}
