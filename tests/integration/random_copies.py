#!/usr/bin/env python3
"""random_copies.py — random copies (cp, cp -a, cp out of sessions/N),
restores, hard links, symlinks, fifos, xattrs, owners, set-ID modes, empty
files, edits, renames and removals on a burnfs mount, mirrored on a local model folder, with commits, fresh mounts
and toggled compression between rounds, a discard of what was staged in
some rounds (RC_DISCARDS; staging/ must then equal the newest session's
model), a detached commit aborted at a random moment in some (RC_ABORTS;
it lands whole or not at all, and nothing staged is lost), the image's
head zeroed in some (RC_HEADLESS; a mount finds every session by its own
header, read-only, the same trees), and a kill -9 of the daemon (during a commit or not) in some
rounds (RC_CRASHES). After each commit, kill and
mount staging/ must equal the model (types, contents, modes, owners, link
counts, user xattrs, symlink targets), and every second round a random sessions/N the model
of that session;
every fourth round xorriso's extraction must too, and -check_md5 and
burnfs's verify pass.

usage: random_copies.py BURNFS WORKDIR SEED ROUNDS
Exit status 0 with "OK ..." on stdout; else the reason on stdout and the
operations done so far in WORKDIR/trace."""
import os, random, shutil, subprocess, sys, time, filecmp, stat

B, W, seed, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
CRASHES = float(os.environ.get("RC_CRASHES", "0.25"))   # rounds with a kill -9
DISCARDS = float(os.environ.get("RC_DISCARDS", "0.15"))  # rounds with a discard
ABORTS = float(os.environ.get("RC_ABORTS", "0.15"))      # ... an aborted commit
HEADLESS = float(os.environ.get("RC_HEADLESS", "0.1"))   # ... the image's head zeroed
rng = random.Random(seed)
shutil.rmtree(W, ignore_errors=True)
os.makedirs(W)
IMG, MNT, CACHE, M = W + "/img.iso", W + "/mnt", W + "/cache", W + "/model"
os.makedirs(MNT); os.makedirs(M)
S = MNT + "/staging"
log = open(W + "/daemon.log", "a")
snaps = []   # model after each session
proc = None

def sh(*a, **k):
    return subprocess.run(a, check=k.get("check", True), capture_output=True, text=True)

def mount(extra=(), cache=None):
    global proc
    proc = subprocess.Popen([B, "-f", "-o", "cache=" + (cache or CACHE), *extra, IMG, MNT],
                            stdout=log, stderr=log)
    for _ in range(200):
        if os.path.exists(MNT + "/control"):
            return
        time.sleep(0.05)
    raise SystemExit("no mount")

def umount():
    sh("fusermount3", "-u", MNT)
    proc.wait(timeout=60)
    if proc.returncode != 0:
        raise SystemExit("daemon exit %d" % proc.returncode)

def ctl(cmd):
    try:
        with open(MNT + "/control", "w") as f:
            f.write(cmd + "\n")
    except OSError as e:
        st = open(MNT + "/control").read()
        res = [l for l in st.splitlines() if l.startswith(("last_result", "job_result"))]
        raise SystemExit("control %r: %s %s" % (cmd, e, res))

def walk(root, want_dirs):
    """Paths under root, relative: the folders', or the other entries'."""
    out = []
    for d, ds, fs in os.walk(root):
        out += [os.path.relpath(os.path.join(d, x), root) for x in (ds if want_dirs else fs)]
    return sorted(out)

def files(root):
    return walk(root, False)

def dirs(root):
    return walk(root, True)

def content(n):
    if rng.random() < 0.08:
        return os.urandom(rng.randrange(300000, 3000000))
    if rng.random() < 0.5:
        return ("\n".join(str(rng.randrange(100)) for _ in range(rng.randrange(1, 30000)))).encode()
    return os.urandom(rng.randrange(1, 200000))

def newname():
    return "n%d" % rng.randrange(10**9)

def both(fn):
    fn(S); fn(M)

def other_op(f, dl, k):
    """A symlink's or fifo's turn: what cannot block or follow it."""
    if k < 0.4:
        both(lambda r: os.unlink(os.path.join(r, f)))
        return "rm " + f
    if k < 0.6:
        return do_mv(f, dl)
    if k < 0.8:
        return do_ln(f)
    return "noop"

def do_mv(f, dl):
    d = rng.choice([""] + dl); n = os.path.join(d, newname())
    both(lambda r: os.rename(os.path.join(r, f), os.path.join(r, n)))
    return "mv %s %s" % (f, n)

def do_ln(f):
    n = os.path.join(os.path.dirname(f), newname())
    both(lambda r: os.link(os.path.join(r, f), os.path.join(r, n), follow_symlinks=False))
    return "ln %s %s" % (f, n)

def op():
    fl, dl = files(M), dirs(M)
    k = rng.random()
    if k < 0.03:
        d = rng.choice([""] + dl); n = os.path.join(d, newname()); t = "t%d" % rng.randrange(100)
        both(lambda r: os.symlink(t, os.path.join(r, n)))
        return "symlink %s %s" % (t, n)
    if k < 0.06 and fl:
        f = rng.choice(fl)
        if stat.S_ISREG(os.lstat(os.path.join(M, f)).st_mode):   # user.* is EPERM on fifos
            v = os.urandom(rng.randrange(1, 200)); key = "user.k%d" % rng.randrange(3)
            both(lambda r: os.setxattr(os.path.join(r, f), key, v))
            return "setxattr " + f
    if k < 0.075:
        d = rng.choice([""] + dl); n = os.path.join(d, newname())
        both(lambda r: os.mkfifo(os.path.join(r, n), 0o640))
        return "mkfifo " + n
    if k < 0.09 and fl:
        f = rng.choice(fl); uid, gid = rng.choice([0, 1000, 65534]), rng.choice([0, 100, 65534])
        both(lambda r: os.chown(os.path.join(r, f), uid, gid, follow_symlinks=False))
        return "chown %d:%d %s" % (uid, gid, f)
    if k < 0.12 or not fl:
        d = rng.choice([""] + dl); n = os.path.join(d, newname())
        data = b"" if rng.random() < 0.1 else content(n)
        for r in (S, M):
            open(os.path.join(r, n), "wb").write(data)
        return "mk " + n
    f = rng.choice(fl)
    if not stat.S_ISREG(os.lstat(os.path.join(M, f)).st_mode):
        return other_op(f, dl, k)
    if k < 0.40:
        d = rng.choice([""] + dl); n = os.path.join(d, newname())
        sh("cp", os.path.join(S, f), os.path.join(S, n)); sh("cp", os.path.join(M, f), os.path.join(M, n))
        return "cp %s %s" % (f, n)
    if k < 0.48 and dl:
        d = rng.choice(dl); n = os.path.join(os.path.dirname(d), newname())
        sh("cp", "-a", os.path.join(S, d), os.path.join(S, n)); sh("cp", "-a", os.path.join(M, d), os.path.join(M, n))
        return "cp -a %s %s" % (d, n)
    if k < 0.55:
        n = newname()
        both(lambda r: os.mkdir(os.path.join(r, n)))
        return "mkdir " + n
    if k < 0.62:
        both(lambda r: os.unlink(os.path.join(r, f)))
        return "rm " + f
    if k < 0.70:
        line = b"tail %d\n" % rng.randrange(1000)
        for r in (S, M):
            open(os.path.join(r, f), "ab").write(line)
        return "append " + f
    if k < 0.76:
        mode = rng.choice([0o600, 0o644, 0o755, 0o444, 0o4755, 0o2750])
        both(lambda r: os.chmod(os.path.join(r, f), mode))
        return "chmod %o %s" % (mode, f)
    if k < 0.82:
        return do_mv(f, dl)
    if k < 0.86:
        return do_ln(f)
    if k < 0.88 and snaps:
        i = rng.randrange(len(snaps)); sf = [x for x in files(snaps[i]) if stat.S_ISREG(os.lstat(os.path.join(snaps[i], x)).st_mode)]
        if sf:
            p = rng.choice(sf); n = newname()
            sh("cp", os.path.join(MNT, "sessions", str(i + 1), p), os.path.join(S, n))
            sh("cp", os.path.join(snaps[i], p), os.path.join(M, n))
            return "cp sessions/%d/%s %s" % (i + 1, p, n)
    if k < 0.90:
        size = rng.randrange(0, 300000)
        both(lambda r: os.truncate(os.path.join(r, f), size))
        return "truncate %s %d" % (f, size)
    if k < 0.92:
        off = rng.randrange(0, 200000); data = os.urandom(rng.randrange(1, 5000))
        for r in (S, M):
            with open(os.path.join(r, f), "r+b") as fh:
                fh.seek(off); fh.write(data)
        return "pwrite %s %d" % (f, off)
    if k < 0.94 and dl:
        d = rng.choice(dl); n = os.path.join(os.path.dirname(d), newname())
        both(lambda r: os.rename(os.path.join(r, d), os.path.join(r, n)))
        return "mvdir %s %s" % (d, n)
    if k < 0.95 and dl:
        d = rng.choice(dl)
        both(lambda r: shutil.rmtree(os.path.join(r, d)))
        return "rm -r " + d
    if snaps:
        i = rng.randrange(len(snaps)); sf = [x for x in files(snaps[i]) if stat.S_ISREG(os.lstat(os.path.join(snaps[i], x)).st_mode)]
        if sf:
            p = rng.choice(sf); n = newname()
            ctl("restore %d /%s AS /%s" % (i + 1, p, n))
            sh("cp", "-a", os.path.join(snaps[i], p), os.path.join(M, n))   # its owner too
            return "restore %d %s AS %s" % (i + 1, p, n)
    return "noop"

def compare(a, b, what, links=True, owners=True):
    fa, fb = files(a), files(b)
    if fa != fb:
        raise SystemExit("%s: file lists differ: %s" % (what, sorted(set(fa) ^ set(fb))[:10]))
    for f in fa:
        pa, pb = os.path.join(a, f), os.path.join(b, f)
        la, lb = os.lstat(pa), os.lstat(pb)
        if stat.S_IFMT(la.st_mode) != stat.S_IFMT(lb.st_mode):
            raise SystemExit("%s: type of %s %o vs %o" % (what, f, la.st_mode, lb.st_mode))
        if owners and (la.st_uid, la.st_gid) != (lb.st_uid, lb.st_gid):
            raise SystemExit("%s: owner of %s %d:%d vs %d:%d" % (what, f, la.st_uid, la.st_gid,
                                                                 lb.st_uid, lb.st_gid))
        if stat.S_ISLNK(la.st_mode):
            if os.readlink(pa) != os.readlink(pb):
                raise SystemExit("%s: symlink %s differs" % (what, f))
            continue
        if stat.S_ISFIFO(la.st_mode):
            if stat.S_IMODE(la.st_mode) != stat.S_IMODE(lb.st_mode):
                raise SystemExit("%s: mode of fifo %s" % (what, f))
            continue
        xa = {x: os.getxattr(pa, x) for x in os.listxattr(pa) if x.startswith("user.")}
        xb = {x: os.getxattr(pb, x) for x in os.listxattr(pb) if x.startswith("user.")}
        if xa != xb:
            raise SystemExit("%s: xattrs of %s differ: %s vs %s" % (what, f, sorted(xa), sorted(xb)))
        if not filecmp.cmp(pa, pb, shallow=False):
            raise SystemExit("%s: %s differs" % (what, f))
        sa, sb = os.lstat(pa), os.lstat(pb)
        if stat.S_IMODE(sa.st_mode) != stat.S_IMODE(sb.st_mode):
            raise SystemExit("%s: mode of %s %o vs %o" % (what, f, sa.st_mode, sb.st_mode))
        if links and sa.st_nlink != sb.st_nlink:
            raise SystemExit("%s: links of %s %d vs %d" % (what, f, sa.st_nlink, sb.st_nlink))

def nsessions():
    for l in open(MNT + "/control").read().splitlines():
        if l.startswith("sessions:"):
            return int(l.split()[1])
    return -1

def commit():
    before = nsessions()
    ctl("commit")
    if nsessions() != before:
        snapshot()

def aborted_commit(r):
    """A detached commit, aborted at a random moment: it landed whole or
    not at all, and nothing staged is lost either way."""
    before = nsessions()
    ctl("detach commit")
    time.sleep(rng.choice([0, 0.005, 0.02, 0.05, rng.random() * 0.3]))
    with open(MNT + "/abort", "w") as f:
        f.write("\n")
    try:
        res = open(MNT + "/wait").read().strip()
    except OSError as e:
        res = e.strerror
    after = nsessions()
    if after == before + 1:
        snapshot()
    elif after != before:
        raise SystemExit("round %d: %d sessions after an aborted commit, %d before" %
                         (r, after, before))
    compare(S, M, "round %d after an aborted commit" % r)
    return "aborted commit: %s, %d sessions" % (res, after)

def headless(r):
    """The image's head (blocks 0-31) zeroed, as a torn activation could
    leave it: a mount (with a cache of its own) finds the sessions by their
    own headers, read-only, and shows the same trees; then the head is put
    back."""
    umount()
    with open(IMG, "r+b") as f:
        head = f.read(65536)
        f.seek(0)
        f.write(bytes(len(head)))
    try:
        mount(cache=W + "/headless-cache")
        if nsessions() != len(snaps):
            raise SystemExit("round %d: %d sessions without the head, %d written" %
                             (r, nsessions(), len(snaps)))
        compare(S, M, "round %d without the head" % r)
        k = rng.randrange(len(snaps))
        compare(MNT + "/sessions/%d" % (k + 1), snaps[k],
                "round %d without the head, sessions/%d" % (r, k + 1))
        umount()
    finally:
        with open(IMG, "r+b") as f:
            f.write(head)
        shutil.rmtree(W + "/headless-cache", ignore_errors=True)
    mount()

def snapshot():
    snap = W + "/snap%d" % (len(snaps) + 1)
    sh("cp", "-a", M, snap)   # fifos, owners and hard links too
    snaps.append(snap)

def crash(during_commit):
    """kill -9 the daemon, during a commit when asked; mount again on the
    same cache. The commit landed or not: staging/ must equal the model."""
    before = nsessions()
    writer = None
    if during_commit:
        writer = subprocess.Popen(["sh", "-c", "echo commit > '%s/control'" % MNT],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.random() * 0.3)
    proc.kill()
    proc.wait()
    if writer:
        writer.wait(timeout=30)
    sh("fusermount3", "-uz", MNT)
    mount()
    if nsessions() > before:
        snapshot()

def main():
    mount(["-o", "compress=zisofs"] if rng.random() < 0.5 else [])
    try:
        rounds_run()
    finally:
        if proc.poll() is None:
            subprocess.run(["fusermount3", "-u", MNT], capture_output=True)
    print("OK seed %d: %d sessions" % (seed, len(snaps)))

def discard(r):
    """Drop what is staged: staging/ must be the newest session again."""
    ctl("discard")
    shutil.rmtree(M)
    if snaps:
        sh("cp", "-a", snaps[-1], M)
    else:
        os.makedirs(M)
    compare(S, M, "round %d after a discard" % r)

def rounds_run():
    trace = open(W + "/trace", "w")
    for r in range(rounds):
        for _ in range(rng.randrange(3, 12)):
            trace.write(op() + "\n"); trace.flush()
        if rng.random() < DISCARDS:
            discard(r); trace.write("discard\n")
            for _ in range(rng.randrange(1, 6)):
                trace.write(op() + "\n"); trace.flush()
        if rng.random() < 0.3:
            ctl("set compress=%s" % rng.choice(["zisofs", "none"]))
        k = rng.random()
        if k < CRASHES / 2:
            crash(True); trace.write("kill -9 during a commit: %d sessions\n" % len(snaps))
        elif k < CRASHES:
            crash(False); trace.write("kill -9\n")
        compare(S, M, "round %d after a kill -9" % r)
        if rng.random() < ABORTS:
            trace.write(aborted_commit(r) + "\n")
        commit(); trace.write("commit %d\n" % len(snaps)); trace.flush()
        compare(S, M, "round %d staging" % r)
        if snaps and r % 2 == 1:
            k = rng.randrange(len(snaps))
            compare(MNT + "/sessions/%d" % (k + 1), snaps[k], "round %d sessions/%d" % (r, k + 1))
        if rng.random() < 0.4:
            umount(); shutil.rmtree(CACHE, ignore_errors=True); mount()
            compare(S, M, "round %d fresh mount" % r)
        if snaps and rng.random() < HEADLESS:
            headless(r); trace.write("head zeroed, mounted, put back\n")
        if r % 4 == 3:
            x = W + "/x"; shutil.rmtree(x, ignore_errors=True)
            sh("xorriso", "-osirrox", "on", "-xattr", "on", "-indev", "stdio:" + IMG, "-extract", "/", x)
            compare(x, M, "round %d xorriso" % r, links=False, owners=False)
            out = sh("xorriso", "-md5", "on", "-indev", "stdio:" + IMG, "-check_md5", "FAILURE", "--",
                     "-check_md5_r", "FAILURE", "/", "--", check=False)
            if out.returncode != 0:
                raise SystemExit("round %d: check_md5 failed: %s" % (r, out.stdout[-500:] + out.stderr[-500:]))
            ctl("verify")
    umount()


if __name__ == "__main__":
    main()
