/* fs_stage.c — staging/ and below: the stage's nodes are the inodes. The
 * glue adds what the kernel's protocol asks and the stage does not know:
 * node ids, the mount-wide inode numbers, the medium's room (ENOSPC), and
 * how open files use the kernel's page cache. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "burnfs/control.h"
#include "burnfs/stage.h"
#include "fs/fs.h"

int fs_stage_entry(struct burnfs *b, const struct stage_entry *se,
		   struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->ino = (fuse_ino_t)(uintptr_t)se->node;
	e->generation = se->generation;
	e->attr = se->attr;
	e->attr.st_ino = fs_st_ino(1, se->attr.st_ino);
	e->attr_timeout = FS_TIMEOUT;
	e->entry_timeout = FS_TIMEOUT;
	return 0;
}

/* A missing name is cached too (rsync and cp look a new name up two or
 * three times): burnfs makes names appear only through the kernel's own
 * requests, or by rebuilding the tree (discard, another disc), which
 * invalidates every folder the kernel holds, and with it what it cached
 * below. */
int fs_stage_lookup(struct burnfs *b, fuse_ino_t dir, const char *name,
		    struct fuse_entry_param *e)
{
	struct stage_entry se;
	int ret = stage_lookup(b->stage, fs_stage_node(dir), name, &se);

	if (ret == -ENOENT) {
		memset(e, 0, sizeof(*e));
		e->entry_timeout = FS_TIMEOUT;
		return 0;
	}
	return ret ? ret : fs_stage_entry(b, &se, e);
}

int fs_check_space(struct burnfs *b, uint64_t now, uint64_t end)
{
	/* Overwriting bytes that exist takes no more room; a hole before
	 * them does: ISO 9660 stores zeros. */
	if (end <= now)
		return 0;
	return control_check_space(b->control, end - now);
}

static void attr_from_fuse(const struct stat *in, int to_set,
			   struct stage_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->mode = in->st_mode;
	a->uid = in->st_uid;
	a->gid = in->st_gid;
	a->size = in->st_size;
	a->atime = in->st_atim;
	a->mtime = in->st_mtim;
	if (to_set & FUSE_SET_ATTR_ATIME_NOW)
		a->atime.tv_nsec = UTIME_NOW;
	if (to_set & FUSE_SET_ATTR_MTIME_NOW)
		a->mtime.tv_nsec = UTIME_NOW;
	a->valid = (to_set & FUSE_SET_ATTR_MODE ? STAGE_SET_MODE : 0) |
		   (to_set & FUSE_SET_ATTR_UID ? STAGE_SET_UID : 0) |
		   (to_set & FUSE_SET_ATTR_GID ? STAGE_SET_GID : 0) |
		   (to_set & FUSE_SET_ATTR_SIZE ? STAGE_SET_SIZE : 0) |
		   (to_set & FUSE_SET_ATTR_ATIME ? STAGE_SET_ATIME : 0) |
		   (to_set & FUSE_SET_ATTR_MTIME ? STAGE_SET_MTIME : 0) |
		   (to_set & FUSE_SET_ATTR_CTIME ? STAGE_SET_CTIME : 0);
}

/* A size the format can never hold is EFBIG; one the medium cannot is
 * ENOSPC. Growing a disc file copies its head into the cache: that may
 * read the disc, so the reader of /dev/fuse hands its place over. */
static int check_size(struct burnfs *b, struct stage_node *n, off_t size)
{
	struct stat now;
	int ret;

	if (size < 0)
		return -EINVAL;
	if ((uint64_t)size > STAGE_FILE_SIZE_MAX)
		return -EFBIG;
	ret = stage_node_getattr(b->stage, n, &now);
	if (!ret && S_ISREG(now.st_mode))
		ret = fs_check_space(b, (uint64_t)now.st_size, (uint64_t)size);
	if (!ret && size > 0)
		fs_loop_yield();
	return ret;
}

/* Is the caller in group gid (its own or a supplementary one)? */
static bool caller_in_group(fuse_req_t req, gid_t gid)
{
	gid_t list[64];
	int n;

	if (fuse_req_ctx(req)->gid == gid)
		return true;
	n = fuse_req_getgroups(req, 64, list);
	for (int i = 0; i < n && i < 64; i++)
		if (list[i] == gid)
			return true;
	return false;
}

/* Has the caller CAP_FSETID? Asked only in the one case the kernel leaves
 * to the file system (sgid_kills); a caller gone by now counts by its
 * user. */
static bool caller_has_fsetid(fuse_req_t req)
{
	const struct fuse_ctx *cx = fuse_req_ctx(req);
	unsigned long long caps = cx->uid == 0 ? 1ULL << 4 : 0;
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)cx->pid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	if (f)
		fclose(f);
	return caps & (1ULL << 4);  /* CAP_FSETID */
}

/* ext4 drops set-group-ID of a file that is not group-executable when a
 * writer outside the file's group without CAP_FSETID writes, truncates or
 * chowns it. The kernel's FUSE code computes a kill's new mode only from
 * the bits it kills on its own (set-user-ID, set-group-ID with group
 * execute), so this one bit is burnfs's to drop: on a SETATTR that sets
 * nothing (the kernel's kill before a buffered write, when it found
 * nothing to compute), a size, an owner, or a mode still carrying the bit
 * for such a caller — a chmod by a caller outside the group arrives with
 * the bit cleared already, so a mode with it is a kill. */
static void sgid_kills(fuse_req_t req, struct burnfs *b, struct stage_node *n,
		       int to_set, struct stage_attr *a)
{
	const int kills = FUSE_SET_ATTR_SIZE | FUSE_SET_ATTR_MODE |
			  FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID;
	struct stat st;
	mode_t mode;

	if ((to_set && !(to_set & kills)) ||
	    stage_node_getattr(b->stage, n, &st) || !S_ISREG(st.st_mode))
		return;
	mode = a->valid & STAGE_SET_MODE ? a->mode : st.st_mode;
	if ((mode & (S_ISGID | S_IXGRP)) != S_ISGID ||
	    caller_in_group(req, st.st_gid) || caller_has_fsetid(req))
		return;
	a->valid |= STAGE_SET_MODE;
	a->mode = mode & ~(mode_t)S_ISGID;
}

int fs_stage_setattr(fuse_req_t req, fuse_ino_t ino, const struct stat *in,
		     int to_set, struct stat *out)
{
	struct stage_node *n = fs_stage_node(ino);
	struct burnfs *b = fs_of(req);
	struct stage_attr a;
	int ret = 0;

	attr_from_fuse(in, to_set, &a);
	/* chown(f, -1, -1) arrives as a SETATTR that sets nothing (the kernel
	 * passes a ctime only with a write-back cache); ext4 moves ctime */
	if (!to_set)
		a.valid = STAGE_SET_CTIME;
	if (a.valid & STAGE_SET_SIZE)
		ret = check_size(b, n, a.size);
	if (!ret)
		sgid_kills(req, b, n, to_set, &a);
	if (!ret)
		ret = stage_node_setattr(b->stage, n, &a, out);
	if (!ret)
		out->st_ino = fs_st_ino(1, out->st_ino);
	return ret;
}

int fs_stage_open(struct burnfs *b, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs_handle *h = fs_handle_new(H_STAGE);
	struct stat st = { 0 };
	int ret;

	if (!h)
		return -ENOMEM;
	ret = stage_node_open(b->stage, fs_stage_node(ino), fi->flags, &h->sf);
	if (ret) {
		fs_handle_free(b, h);
		return ret;
	}
	fi->fh = (uintptr_t)h;
	/* only a write-only handle asks for the mode (a failed getattr: as
	 * if set-ID, the buffered way) */
	if ((fi->flags & O_ACCMODE) == O_WRONLY &&
	    stage_node_getattr(b->stage, fs_stage_node(ino), &st))
		st.st_mode = S_ISUID;
	fs_stage_cache_mode(fi, st.st_mode);
	return 0;
}

void fs_stage_cache_mode(struct fuse_file_info *fi, mode_t mode)
{
	/* A write-only handle can neither read nor be mapped, so the
	 * kernel's page cache gains it nothing: with direct I/O the data
	 * goes from the writer's buffer to the cache file in one copy
	 * instead of two (cp and most file managers write this way; rsync's
	 * temporary files are read-write and stay buffered).
	 * Writes stay synchronous, so ENOSPC still comes from write().
	 * Not for a set-ID file: a direct write has burnfs drop the bits
	 * (FUSE_WRITE_KILL_SUIDGID) behind the kernel's copy of the mode,
	 * on which link(2) decides (protected_hardlinks: EPERM for the
	 * writer); a buffered write has the kernel drop them by a setattr,
	 * whose answer it keeps, as on ext4. */
	fi->direct_io = (fi->flags & O_ACCMODE) == O_WRONLY &&
			!(mode & (S_ISUID | S_ISGID));
	/* Only burnfs changes the files, always through the kernel or with
	 * a notification, and every write moves mtime, which makes the
	 * kernel drop pages a direct write made stale: the cache may stay
	 * across opens. */
	fi->keep_cache = 1;
}

/* What ext4 does for a writer without CAP_FSETID: set-user-ID goes;
 * set-group-ID goes too when the file is group-executable or the writer
 * is not in its group. */
void fs_stage_kill_privs(fuse_req_t req, struct burnfs *b,
			 struct stage_node *n)
{
	struct stage_attr a = { .valid = STAGE_SET_MODE };
	struct stat st;

	if (stage_node_getattr(b->stage, n, &st) ||
	    !(st.st_mode & (S_ISUID | S_ISGID)) || !S_ISREG(st.st_mode))
		return;
	a.mode = st.st_mode & ~(mode_t)S_ISUID;
	if ((st.st_mode & S_IXGRP) || !caller_in_group(req, st.st_gid))
		a.mode &= ~(mode_t)S_ISGID;
	if (a.mode != st.st_mode)
		stage_node_setattr(b->stage, n, &a, NULL);
}

int fs_stage_kill_caps(struct burnfs *b, struct stage_node *n)
{
	static const char caps[] = "security.capability";

	if (stage_node_getxattr(b->stage, n, caps, NULL, 0) < 0)
		return 0;
	return stage_node_removexattr(b->stage, n, caps);
}

/* Renames stay inside staging/. Into sessions/ is EROFS; from sessions/
 * into staging/ EXDEV (mv copies); the mount's own entries stay put. */
int fs_stage_rename(struct burnfs *b, fuse_ino_t dir, const char *name,
		    fuse_ino_t newdir, const char *newname, unsigned flags)
{
	if (fs_kind(newdir) == K_SESSION || newdir == FS_INO_SESSIONS)
		return -EROFS;
	if (dir == FUSE_ROOT_ID && !strcmp(name, FS_STAGING_NAME))
		return -EBUSY;
	if (fs_kind(dir) != K_STAGE || fs_kind(newdir) != K_STAGE)
		return -EXDEV;
	return stage_node_rename(b->stage, fs_stage_node(dir), name,
				 fs_stage_node(newdir), newname, flags);
}
