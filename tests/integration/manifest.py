#!/usr/bin/env python3
"""manifest.py DIR [NO_LINK_MTIME] — one line per entry below DIR, sorted by
path, with everything a round trip must keep: type, permission bits (with
setuid/setgid/sticky), owner, mtime in seconds (NO_LINK_MTIME=1: not for
symlinks, whose times extractors do not restore), size and SHA-256 of files,
symlink targets, device numbers, link counts of non-folders and which
entries are hard links of one another (the first path of their inode), and
every xattr in every namespace with its value in hex (ACLs show as
system.posix_acl_access/_default). Used by lib.sh's full_manifest."""
import hashlib
import os
import stat
import sys

KINDS = {stat.S_IFCHR: 'c', stat.S_IFBLK: 'b', stat.S_IFIFO: 'fifo',
         stat.S_IFSOCK: 'socket'}


def xattrs(p):
    names = os.listxattr(p, follow_symlinks=False)
    return ';'.join(sorted('%s=0x%s' % (n, os.getxattr(p, n, follow_symlinks=False).hex())
                           for n in names))


def describe(p, st, no_link_mtime):
    head = '%o %d:%d' % (stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid)
    mtime = str(int(st.st_mtime // 1))
    if stat.S_ISDIR(st.st_mode):
        return 'd %s %s' % (head, mtime)
    if stat.S_ISREG(st.st_mode):
        with open(p, 'rb') as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        rest = 'f %s %s %d %s' % (head, mtime, st.st_size, digest)
    elif stat.S_ISLNK(st.st_mode):
        rest = 'l %s %s -> %s' % (head, '-' if no_link_mtime else mtime, os.readlink(p))
    else:
        rest = '%s %s %s' % (KINDS[stat.S_IFMT(st.st_mode)], head, mtime)
        if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
            rest += ' %x:%x' % (os.major(st.st_rdev), os.minor(st.st_rdev))
    return rest + ' nlink=%d' % st.st_nlink


def main():
    root = sys.argv[1]
    no_link_mtime = len(sys.argv) > 2 and sys.argv[2] == '1'
    entries = []
    for d, dirs, files in os.walk(root):
        for name in dirs + files:
            p = os.path.join(d, name)
            rel = './' + os.path.relpath(p, root)
            st = os.lstat(p)
            entries.append((os.fsencode(rel), rel, p, st))
    entries.sort()
    first = {}
    for _, rel, p, st in entries:
        line = '%s %s' % (rel, describe(p, st, no_link_mtime))
        if not stat.S_ISDIR(st.st_mode) and st.st_nlink > 1:
            line += ' same-as=' + first.setdefault(st.st_ino, rel)
        sys.stdout.buffer.write(os.fsencode('%s xattrs=%s\n' % (line, xattrs(p))))


main()
