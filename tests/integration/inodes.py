#!/usr/bin/env python3
"""inodes.py MNT — every entry of a burnfs mount (staging/ and every
session) and the inode number stat shows: two entries share a number only
when they are hard links of one file in one tree (staging/ or sessions/N/),
and then they agree on the link count and content. Prints a summary line;
exit 1 with the offending entries otherwise."""
import hashlib
import os
import stat
import sys


def tree_of(rel):
    parts = rel.split(os.sep)
    if parts[0] == "sessions" and len(parts) > 1:
        return "sessions/" + parts[1]
    return parts[0]


def main():
    m = sys.argv[1]
    seen = {}
    for dirpath, dirnames, filenames in os.walk(m):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            seen.setdefault(st.st_ino, []).append((os.path.relpath(p, m), st))
    seen.setdefault(os.lstat(m).st_ino, []).append((".", os.lstat(m)))
    bad = []
    for ino, names in seen.items():
        if len(names) == 1:
            continue
        trees = {tree_of(r) for r, _ in names}
        kinds = {stat.S_IFMT(s.st_mode) for _, s in names}
        links = {s.st_nlink for _, s in names}
        if len(trees) > 1 or stat.S_IFDIR in kinds or len(kinds) > 1 or \
                min(links) < len(names):
            bad.append((ino, [r for r, _ in names]))
            continue
        sums = set()
        for r, s in names:
            if stat.S_ISREG(s.st_mode):
                with open(os.path.join(m, r), "rb") as f:
                    sums.add(hashlib.sha256(f.read()).hexdigest())
        if len(sums) > 1:
            bad.append((ino, [r for r, _ in names]))
    if bad:
        for ino, names in bad[:10]:
            print("inode %d shared by %s" % (ino, names), file=sys.stderr)
        return 1
    print("# %d inode numbers, %d entries, shared only by hard links" % (
        len(seen), sum(len(v) for v in seen.values())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
