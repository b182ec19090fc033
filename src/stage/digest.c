/* digest.c — a second guard on clean.c. A listed folder the snapshot
 * leaves out is kept from the disc, and the read-back compares the kept
 * copy with the old session, which clean.c judged equal to what the stage
 * shows. Should that judgement ever be wrong, a change would be dropped
 * without a word; so the snapshot also carries a digest of what the stage
 * showed beneath such a folder, and the read-back computes the same
 * digest over what the new session holds there: a mismatch refuses the
 * session. The digest covers what a session records of an entry (times
 * to the second, as Rock Ridge keeps them), each entry hashed with FNV-1a
 * and the entries summed, so their order does not count. */
#include <string.h>
#include <sys/stat.h>

#include "burnfs/fnv.h"
#include "stage/stage_priv.h"

struct entry_view {
	const char *name;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	dev_t rdev;
	uint64_t size;
	int64_t atime, mtime, ctime;
	const char *link;
};

static void put(uint64_t *h, const void *p, size_t n)
{
	*h = fnv1a(*h, p, n);
}

static void put_u64(uint64_t *h, uint64_t v)
{
	put(h, &v, sizeof(v));
}

static void put_str(uint64_t *h, const char *s)
{
	put(h, s ? s : "", strlen(s ? s : "") + 1);
}

static void put_xattr(uint64_t *h, const char *name, const void *v, uint32_t len)
{
	put_str(h, name);
	put_u64(h, len);
	put(h, v, len);
}

/* splitmix64's finaliser: spreads a folder's sum over all bits */
static uint64_t mix(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t entry_hash(const struct entry_view *e)
{
	uint64_t h = FNV1A_OFFSET;

	put_str(&h, e->name);
	put_u64(&h, e->mode);
	put_u64(&h, e->uid);
	put_u64(&h, e->gid);
	put_u64(&h, S_ISCHR(e->mode) || S_ISBLK(e->mode) ? e->rdev : 0);
	put_u64(&h, S_ISDIR(e->mode) ? 0 : e->size);
	put_u64(&h, (uint64_t)e->atime);
	put_u64(&h, (uint64_t)e->mtime);
	put_u64(&h, (uint64_t)e->ctime);
	put_str(&h, e->link);
	return h;
}

/* One entry's share of its folder's digest; sub: its own folder's. */
static uint64_t share(uint64_t h, bool dir, uint64_t sub)
{
	return mix(dir ? h ^ mix(sub + 1) : h);
}

uint64_t stage_digest_index(const struct index *idx, uint32_t dir)
{
	uint64_t sum = 0;

	for (uint32_t id = index_first_child(idx, dir); id != IDX_NONE;
	     id = index_next_sibling(idx, id)) {
		struct idx_node v;
		uint64_t h;

		if (index_get(idx, id, &v))
			return 0;
		h = entry_hash(&(struct entry_view){ v.name, v.mode, v.uid, v.gid,
			v.rdev, v.size, v.atime.tv_sec, v.mtime.tv_sec,
			v.ctime.tv_sec, v.link });
		for (uint32_t i = 0; i < v.n_xattrs; i++)
			put_xattr(&h, v.xattrs[i].name, v.xattrs[i].value,
				  v.xattrs[i].len);
		sum += share(h, S_ISDIR(v.mode),
			     S_ISDIR(v.mode) ? stage_digest_index(idx, id) : 0);
	}
	return sum;
}

uint64_t stage_digest_dir(const struct stage *st, const struct snode *dir)
{
	uint64_t sum = 0;

	if (!dir->materialized)
		return stage_digest_index(st->lower, dir->origin);
	for (const struct sdentry *de = dir->children; de; de = de->sib_next) {
		const struct snode *n = de->node;
		const struct idx_xattr *lx = NULL;
		uint32_t cnt = 0;
		uint64_t h;

		h = entry_hash(&(struct entry_view){ de->name, n->mode, n->uid,
			n->gid, n->rdev, n->size, n->atime.tv_sec, n->mtime.tv_sec,
			n->ctime.tv_sec, n->link });
		if (n->xa) {
			for (uint32_t i = 0; i < n->xa->n; i++)
				put_xattr(&h, n->xa->v[i].name, n->xa->v[i].value,
					  n->xa->v[i].len);
		} else {
			lx = stage_lower_xattrs(st, n, &cnt);
			for (uint32_t i = 0; i < cnt; i++)
				put_xattr(&h, lx[i].name, lx[i].value, lx[i].len);
		}
		sum += share(h, S_ISDIR(n->mode),
			     S_ISDIR(n->mode) ? stage_digest_dir(st, n) : 0);
	}
	return sum;
}
