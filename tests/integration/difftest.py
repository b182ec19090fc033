#!/usr/bin/env python3
"""difftest.py — drive two trees with the same random file system calls and
compare every result, errno included, then the final trees.

  difftest.py run A B --seed N --ops N      random calls, then compare
  difftest.py compare A B [--disc] [--extracted]   compare two trees only

--extracted: B's side is a tree an extractor made (xorriso does not give
symlinks their owner). --disc: B's side was read from a disc, whose index
keeps link counts of regular files only (src/imgfmt/build.c): fifos are
compared without theirs.

`run` has two phases. In the first, one master draws each call and hands it
to one of several worker processes (two as root, one as `nobody`), which
runs it on A and then on B and returns both results: workers keep files
open across calls, so one process writes, truncates or unlinks what another
holds open, and `nobody` writes to set-user-ID files of root's. In the
second, each worker runs its own calls at the same time as the others, in a
folder of its own, so the daemon serves several processes at once. Only the
calls' outcomes are compared, never times (two file systems write at two
instants), except mtimes the calls set explicitly: at the end every file
gets one.

Exit status 0 when everything agreed; 1 with the first differences on
stderr. The trees must be reachable by `nobody` (their parents traversable);
A and B are created (mode 0777) when missing.
"""
import argparse
import ctypes
import errno
import hashlib
import multiprocessing as mp
import os
import pwd
import random
import stat
import sys

NOBODY = pwd.getpwnam("nobody")
DIRS = ["", "d1", "d1/d2", "d3"]
NAMES = ["a", "b", "c", "e", "f"]
MODES = [0o644, 0o600, 0o755, 0o666, 0o777, 0o4755, 0o4777, 0o2777,
         0o6777, 0o2755, 0o2666, 0o1777, 0o4666]
OPEN_FLAGS = [os.O_RDONLY, os.O_WRONLY, os.O_RDWR, os.O_WRONLY | os.O_APPEND,
              os.O_RDWR | os.O_APPEND, os.O_WRONLY | os.O_TRUNC,
              os.O_RDWR | os.O_TRUNC]
UIDS = [0, NOBODY.pw_uid, 1234]
GIDS = [0, NOBODY.pw_gid, 1234]
HANDLES = 4
# A worker of the second phase works in pN/w, not pN: a symlink to ../d3/e
# at the top of its folder then lands in pN/d3, its own, instead of the
# first phase's d3/e, which all three workers could reach at once and
# change in a different order on each tree.
PARALLEL_BASE = "p%d/w"
LOG = None  # --log: every call of the first phase and its results
LIBC = ctypes.CDLL(None, use_errno=True)
LIBC.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_long,
                           ctypes.c_long]
# fallocate modes: 0, KEEP_SIZE, PUNCH_HOLE|KEEP_SIZE, ZERO_RANGE(|KEEP);
# run draws only those the reference tree's file system has (tmpfs has no
# ZERO_RANGE)
FALLOC_MODES = [0, 1, 3, 16, 17]


def data(seed, length):
    return random.Random(seed).randbytes(length)


def statkey(st):
    """What both file systems must agree on (no times, no folder sizes)."""
    size = None if stat.S_ISDIR(st.st_mode) else st.st_size
    return (stat.S_IFMT(st.st_mode), oct(stat.S_IMODE(st.st_mode)),
            st.st_nlink, st.st_uid, st.st_gid, size)


def errname(e):
    return errno.errorcode.get(e.errno, str(e.errno))


# --- one call on one tree ----------------------------------------------------

def do_open(root, fds, op):
    _, h, path, flags, mode = op
    old = fds.pop(h, None)
    if old is not None:
        os.close(old)
    fds[h] = os.open(os.path.join(root, path), flags | os.O_NONBLOCK, mode)
    return None


def do_fd(fds, op):
    kind, h = op[0], op[1]
    fd = fds.get(h)
    if fd is None:
        return "nohandle"
    if kind == "close":
        os.close(fds.pop(h))
        return None
    if kind == "pwrite":
        return os.pwrite(fd, data(op[3], op[4]), op[2])
    if kind == "write":
        return os.write(fd, data(op[2], op[3]))
    if kind == "pread":
        return hashlib.sha256(os.pread(fd, op[3], op[2])).hexdigest()
    if kind == "ftruncate":
        os.ftruncate(fd, op[2])
        return None
    if kind == "fstat":
        return statkey(os.fstat(fd))
    if kind == "fchmod":
        os.fchmod(fd, op[2])
        return None
    if kind == "fchown":
        os.fchown(fd, op[2], op[3])
        return None
    if kind == "fallocate":
        if LIBC.fallocate(fd, op[2], op[3], op[4]):
            e = ctypes.get_errno()
            raise OSError(e, os.strerror(e))
        return None
    raise ValueError(kind)


def do_path(root, op):
    kind = op[0]
    p = os.path.join(root, op[1])
    if kind == "stat":
        return statkey(os.stat(p))
    if kind == "lstat":
        return statkey(os.lstat(p))
    if kind == "truncate":
        os.truncate(p, op[2])
    elif kind == "unlink":
        os.unlink(p)
    elif kind == "rmdir":
        os.rmdir(p)
    elif kind == "mkdir":
        os.mkdir(p, op[2])
    elif kind == "mkfifo":
        os.mkfifo(p, op[2])
    elif kind == "chmod":
        os.chmod(p, op[2])
    elif kind == "chown":
        os.chown(p, op[2], op[3], follow_symlinks=False)
    elif kind == "utime":
        os.utime(p, ns=(op[2], op[3]))
    elif kind == "link":
        os.link(p, os.path.join(root, op[2]))
    elif kind == "rename":
        os.rename(p, os.path.join(root, op[2]))
    elif kind == "symlink":
        os.symlink(op[2], p)
    elif kind == "readlink":
        return os.readlink(p)
    elif kind == "listdir":
        return sorted(os.listdir(p))
    elif kind == "setxattr":
        os.setxattr(p, "user.t", data(op[2], op[3]))
    elif kind == "getxattr":
        return hashlib.sha256(os.getxattr(p, "user.t")).hexdigest()
    else:
        raise ValueError(kind)
    return None


def run_op(root, fds, op):
    try:
        if op[0] == "open":
            return ("ok", do_open(root, fds, op))
        if op[0] in ("close", "pwrite", "write", "pread", "ftruncate",
                     "fstat", "fchmod", "fchown", "fallocate"):
            return ("ok", do_fd(fds, op))
        return ("ok", do_path(root, op))
    except OSError as e:
        return ("err", errname(e))


# --- drawing calls ----------------------------------------------------------

def rpath(r, base):
    d = r.choice(DIRS)
    p = os.path.join(d, r.choice(NAMES)) if d else r.choice(NAMES)
    return os.path.join(base, p) if base else p


def draw(r, base, root_worker):
    p, q = rpath(r, base), rpath(r, base)
    h = r.randrange(HANDLES)
    k = r.choices(
        ["open", "create", "close", "pwrite", "write", "pread", "ftruncate",
         "fstat", "fchmod", "fchown", "truncate", "stat", "lstat", "unlink",
         "rmdir", "mkdir", "mkfifo", "chmod", "chown", "utime", "link",
         "rename", "symlink", "readlink", "listdir", "setxattr", "getxattr",
         "fallocate"],
        [8, 10, 4, 10, 5, 6, 3, 5, 2, 1, 3, 4, 2, 5, 2, 4, 1, 4, 2, 2, 5, 6,
         2, 1, 2, 1, 1, 3])[0]
    seed = r.getrandbits(32)
    if k == "create":
        flags = os.O_CREAT | r.choice([os.O_WRONLY, os.O_RDWR]) | r.choice(
            [0, 0, os.O_EXCL, os.O_TRUNC, os.O_APPEND])
        return ("open", h, p, flags, r.choice(MODES))
    if k == "open":
        return ("open", h, p, r.choice(OPEN_FLAGS), 0)
    if k == "close" or k == "fstat":
        return (k, h)
    if k == "pwrite":
        return (k, h, r.choice([0, 1, 4095, 4096, 70000, 1 << 20]) +
                r.randrange(3000), seed, r.choice([1, 100, 5000, 70000]))
    if k == "write":
        return (k, h, seed, r.choice([1, 300, 9000, 130000]))
    if k == "pread":
        return (k, h, r.randrange(80000), r.choice([1, 4096, 200000]))
    if k in ("ftruncate", "truncate"):
        size = r.choice([0, 1, 4096, 5000, 100000, 1 << 21])
        return (k, h, size) if k == "ftruncate" else (k, p, size)
    if k == "fallocate" and not FALLOC_MODES:
        return ("fstat", h)
    if k == "fallocate":
        return (k, h, r.choice(FALLOC_MODES),
                r.choice([0, 1, 4095, 4096, 70000]) + r.randrange(3000),
                r.choice([1, 100, 5000, 70000]))
    if k == "fchmod":
        return (k, h, r.choice(MODES))
    if k == "fchown":
        return (k, h, r.choice(UIDS), r.choice(GIDS))
    if k in ("chmod", "mkdir", "mkfifo"):
        return (k, p, r.choice(MODES) if k == "chmod" else
                r.choice([0o755, 0o777, 0o2777, 0o1777, 0o700]))
    if k == "chown":
        return (k, p, r.choice(UIDS), r.choice(GIDS))
    if k == "utime":
        t = 1_000_000_000 * r.randrange(1, 1_500_000_000)
        return (k, p, t, t + r.randrange(10**9))
    if k in ("link", "rename"):
        return (k, p, q)
    if k == "symlink":
        return (k, p, r.choice(["a", "../d3/e", "nowhere", "d1/d2"]))
    if k == "listdir":
        d = r.choice(DIRS)
        return (k, os.path.join(base, d) if base else d or ".")
    if k == "setxattr":
        return (k, p, seed, r.choice([0, 5, 300]))
    return (k, p)


# --- workers ---------------------------------------------------------------

def become(as_nobody):
    os.umask(0o022)
    if as_nobody:
        os.setgroups([])
        os.setgid(NOBODY.pw_gid)
        os.setuid(NOBODY.pw_uid)


def serial_worker(conn, roots, as_nobody):
    become(as_nobody)
    fds = [{}, {}]
    while True:
        op = conn.recv()
        if op is None:
            break
        conn.send([run_op(roots[i], fds[i], op) for i in (0, 1)])
    for f in fds:
        for fd in f.values():
            os.close(fd)


def parallel_worker(roots, as_nobody, seed, ops, base, out):
    become(as_nobody)
    r = random.Random(seed)
    fds = [{}, {}]
    bad = []
    for i in range(ops):
        op = draw(r, base, not as_nobody)
        res = [run_op(roots[j], fds[j], op) for j in (0, 1)]
        if res[0] != res[1]:
            bad.append((i, op, res))
    for f in fds:
        for fd in f.values():
            os.close(fd)
    out.put((base, bad))


def setup(roots, bases):
    for root in roots:
        os.makedirs(root, exist_ok=True)
        os.chmod(root, 0o777)
        for b in bases:
            # DIRS in b; b/../d3 too, where a link to ../d3/e lands
            for d in DIRS + ([os.path.join("..", "d3")] if b else []):
                p = os.path.normpath(os.path.join(root, b, d))
                os.makedirs(p, exist_ok=True)
                os.chmod(p, 0o777)


def serial_phase(roots, seed, ops):
    r = random.Random(seed)
    workers = []
    for as_nobody in (False, False, True):
        a, b = mp.Pipe()
        pr = mp.Process(target=serial_worker, args=(b, roots, as_nobody))
        pr.start()
        workers.append((a, pr, as_nobody))
    bad = []
    for i in range(ops):
        conn, _, as_nobody = r.choice(workers)
        op = draw(r, "", not as_nobody)
        conn.send(op)
        res = conn.recv()
        if LOG:
            print(i, "nobody" if as_nobody else "root", op, res, file=LOG)
        if res[0] != res[1]:
            bad.append((i, op, res))
    for conn, pr, _ in workers:
        conn.send(None)
        pr.join()
    return bad


def parallel_phase(roots, seed, ops):
    out = mp.Queue()
    procs = []
    for i, as_nobody in enumerate((False, False, True)):
        pr = mp.Process(target=parallel_worker,
                        args=(roots, as_nobody, seed + i + 1, ops,
                              PARALLEL_BASE % i, out))
        pr.start()
        procs.append(pr)
    bad = []
    for _ in procs:
        base, b = out.get()
        bad += [(base, i, op, res) for i, op, res in b]
    for pr in procs:
        pr.join()
    return bad


# --- trees -------------------------------------------------------------------

def manifest(root, extracted=False, disc=False):
    entries, inodes = {}, {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            rel = os.path.relpath(p, root)
            st = os.lstat(p)
            key = list(statkey(st))
            if stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    key.append(hashlib.sha256(f.read()).hexdigest())
                key.append(st.st_mtime_ns // 10**9)
                if st.st_nlink > 1:
                    inodes.setdefault(st.st_ino, []).append(rel)
            elif disc and not stat.S_ISDIR(st.st_mode):
                key[2] = None
            if stat.S_ISLNK(st.st_mode):
                key[1] = None  # a symlink's own mode means nothing
                if extracted:
                    key[3] = key[4] = None
                key.append(os.readlink(p))
            entries[rel] = tuple(key)
    groups = sorted(tuple(sorted(v)) for v in inodes.values())
    return entries, groups


def compare(a, b, extracted=False, disc=False):
    ea, ga = manifest(a, extracted, disc)
    eb, gb = manifest(b, extracted, disc)
    diffs = []
    for k in sorted(set(ea) | set(eb)):
        if ea.get(k) != eb.get(k):
            diffs.append("%s: %s != %s" % (k, ea.get(k), eb.get(k)))
    if ga != gb:
        diffs.append("hard-link groups: %s != %s" % (ga, gb))
    return diffs, len(ea)


def settle_mtimes(roots):
    """One explicit mtime for every file and folder, deepest first."""
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root, topdown=False):
            for name in filenames + dirnames:
                p = os.path.join(dirpath, name)
                if not os.path.islink(p):
                    os.utime(p, ns=(1_600_000_000 * 10**9,
                                    1_500_000_000 * 10**9 + len(name)))


def report(title, bad):
    print("%s: %d difference(s)" % (title, len(bad)), file=sys.stderr)
    for b in bad[:20]:
        print("  %s" % (b,), file=sys.stderr)


def falloc_modes(root):
    """The fallocate modes root's file system has."""
    p = os.path.join(root, ".falloc-probe")
    fd = os.open(p, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, b"x" * 8192)
        return [m for m in FALLOC_MODES if LIBC.fallocate(fd, m, 100, 100) == 0]
    finally:
        os.close(fd)
        os.unlink(p)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["run", "compare"])
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ops", type=int, default=2000)
    ap.add_argument("--extracted", action="store_true")
    ap.add_argument("--disc", action="store_true")
    ap.add_argument("--log")
    args = ap.parse_args()
    global LOG
    if args.log:
        LOG = open(args.log, "w")
    roots = [args.a, args.b]
    if args.mode == "run":
        global FALLOC_MODES
        setup(roots, [""] + [PARALLEL_BASE % i for i in range(3)])
        FALLOC_MODES = falloc_modes(args.b)
        print("# fallocate modes drawn: %s" % FALLOC_MODES)
        bad = serial_phase(roots, args.seed, args.ops)
        if bad:
            report("calls from several processes, one at a time", bad)
            return 1
        bad = parallel_phase(roots, args.seed, args.ops // 2)
        if bad:
            report("calls from several processes at once", bad)
            return 1
        settle_mtimes(roots)
    diffs, n = compare(args.a, args.b, args.extracted, args.disc)
    if diffs:
        report("final trees (%d entries)" % n, diffs)
        return 1
    print("# %d entries agree" % n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
