#!/usr/bin/env python3
"""cache_damage.py — random damage to a cache folder between mounts: bits
flipped in CACHE/journal, the journal cut short or removed, data files
removed or cut short, CACHE/lost+found made impossible (a file in its
place), the daemon killed or unmounted in between, after random writes,
chmods, removals, renames, truncates and commits.

What a mount must do whatever the damage: mount; show every file it
shows readable or failing with EIO (nothing else); say `ok` or `damaged:`
in cache_state; commit, or refuse with EIO while files lost bytes; and
every commit it makes must be a disc xorriso checks (-check_md5). A
clean unmount exits 0. At the end, with the files that fail removed, a
commit must succeed. The sanitizers' reports in the log fail the test.

A model holds every file's content as written. After a mount that follows
no damage or damage to data files only, every file of the model must be
shown, and every one that reads must read as written: a file whose bytes
the cache lost fails with EIO and is never served short. After damage to
the journal, changes may be missing: the model becomes what is shown.
Data files rescued after damage (into lost+found, or beside it) are never
deleted: their count never falls.

usage: cache_damage.py BURNFS WORKDIR SEED ROUNDS
Exit status 0 with "OK ..." on stdout; else the reason on stdout."""
import os, random, shutil, subprocess, sys, time

B, W, seed, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(seed)
shutil.rmtree(W, ignore_errors=True)
os.makedirs(W + "/m")
IMG, C, M, LOG = W + "/img.iso", W + "/cache", W + "/m", W + "/daemon.log"
S = M + "/staging"
stats = {"damaged": 0, "refused": 0, "commits": 0, "eio": 0}


def die(why):
    print("FAIL seed %d: %s" % (seed, why))
    subprocess.run(["fusermount3", "-uz", M], capture_output=True)
    sys.exit(1)


def mount():
    p = subprocess.Popen([B, "-f", "-o", "cache=%s,capacity=200M" % C, IMG, M],
                         stdout=open(LOG, "a"), stderr=subprocess.STDOUT)
    for _ in range(600):
        if os.path.exists(M + "/control"):
            return p
        if p.poll() is not None:
            die("the mount failed (exit %d); see %s" % (p.returncode, LOG))
        time.sleep(0.05)
    die("no mount after 30 s")


def status(key):
    for line in open(M + "/control"):
        if line.startswith(key + ": "):
            return line[len(key) + 2:].rstrip("\n")
    return ""


def commit(strict=False):
    try:
        with open(M + "/control", "w") as f:
            f.write("commit\n")
    except OSError as e:
        if e.errno != 5 or strict:
            die("commit failed with %s: %s" % (e.strerror, status("last_result")))
        stats["refused"] += 1
        return
    stats["commits"] += 1
    out = subprocess.run(["xorriso", "-md5", "on", "-indev", "stdio:" + IMG,
                          "-check_md5", "FAILURE", "--"], capture_output=True, text=True)
    if out.returncode or "session data match recorded md5" not in out.stdout + out.stderr:
        die("xorriso -check_md5 after a commit:\n" + (out.stdout + out.stderr)[-800:])


model = {}   # path below staging/ -> bytes (None: shown, content unknown)


def read_all():
    """What every file reads ({path: bytes}) and the files that fail with EIO."""
    good, bad = {}, []
    for root, _, files in os.walk(S):
        for fn in files:
            path = os.path.join(root, fn)
            try:
                with open(path, "rb") as f:
                    good[os.path.relpath(path, S)] = f.read()
            except OSError as e:
                if e.errno != 5:
                    die("reading %s: %s" % (path, e))
                bad.append(path)
    stats["eio"] += len(bad)
    return good, bad


def check_model(r, good, bad):
    shown = set(good) | {os.path.relpath(b, S) for b in bad}
    if shown != set(model):
        die("round %d: staging/ shows %s, the model holds %s" %
            (r, sorted(shown ^ set(model))[:5], len(model)))
    for path, data in good.items():
        if model[path] is not None and data != model[path]:
            die("round %d: %s reads %d bytes, %d were written (or not these)" %
                (r, path, len(data), len(model[path])))


def change():
    d = "d%d" % rng.randint(0, 3)
    rel = d + "/f%d" % rng.randint(0, 20)
    name = S + "/" + rel
    op = rng.random()
    try:
        os.makedirs(S + "/" + d, exist_ok=True)
        if op < 0.6:
            data = rng.randbytes(rng.choice([0, 10, 5000, 70000, 300000]))
            with open(name, "wb") as f:
                f.write(data)
            model[rel] = data
        elif op < 0.7:
            os.chmod(name, 0o600)
        elif op < 0.8:
            os.unlink(name)
            model.pop(rel, None)
        elif op < 0.9:
            to = d + "/r%d" % rng.randint(0, 5)
            os.rename(name, S + "/" + to)
            model[to] = model.pop(rel)
        else:
            n = rng.randint(0, 1000)
            os.truncate(name, n)
            if model[rel] is not None:
                model[rel] = (model[rel] + bytes(n))[:n]
    except FileNotFoundError:
        pass
    except OSError as e:
        if e.errno != 5:   # a file that lost bytes may refuse
            die("%s on %s: %s" % (op, name, e))
        model[rel] = None


def damage():
    """True when the journal was damaged."""
    j = C + "/journal"
    hit = journal = False
    if os.path.exists(j) and rng.random() < 0.6:
        b = bytearray(open(j, "rb").read())
        for _ in range(rng.randint(1, 3)):
            if b:
                b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        if rng.random() < 0.2 and len(b) > 10:
            b = b[:rng.randrange(len(b))]
        open(j, "wb").write(b)
        hit = journal = True
    dd = C + "/data"
    files = os.listdir(dd) if os.path.isdir(dd) else []
    if files and rng.random() < 0.3:
        f = dd + "/" + rng.choice(files)
        if rng.random() < 0.5:
            os.unlink(f)
        else:
            os.truncate(f, os.path.getsize(f) // 2)
        hit = True
    if os.path.exists(j) and rng.random() < 0.05:
        os.unlink(j)
        hit = journal = True
    block_lost_found()
    stats["damaged"] += hit
    return journal


def block_lost_found():
    """Now and then a file takes lost+found's name (its contents are kept
    aside), or gives it back."""
    lf = C + "/lost+found"
    if os.path.isdir(lf) and rng.random() < 0.15:
        os.rename(lf, "%s/kept-lost+found.%d" % (C, stats["damaged"]))
        open(lf, "w").write("in the way\n")
    elif os.path.isfile(lf) and rng.random() < 0.3:
        os.unlink(lf)


def rescued():
    """Data files rescued so far, wherever they went."""
    n = 0
    for e in os.listdir(C) if os.path.isdir(C) else []:
        path = C + "/" + e
        if e.startswith("lost+found-"):
            n += 1
        elif (e == "lost+found" or e.startswith("kept-lost+found.")) and os.path.isdir(path):
            n += len(os.listdir(path))
    return n


journal_hit = False
kept = 0
for r in range(rounds):
    p = mount()
    state = status("cache_state")
    if state != "ok" and not state.startswith("damaged: "):
        die("round %d: cache_state %r" % (r, state))
    if rescued() < kept:
        die("round %d: %d rescued data files, %d before" % (r, rescued(), kept))
    kept = rescued()
    good, bad = read_all()
    if journal_hit:
        model = dict(good)
    else:
        check_model(r, good, bad)
    for path in bad:   # content unknown from here on, like a bad block's
        model[os.path.relpath(path, S)] = None
    for _ in range(rng.randint(1, 12)):
        change()
    if rng.random() < 0.3:
        commit()
    if rng.random() < 0.5:
        p.kill()
        p.wait()
        subprocess.run(["fusermount3", "-uz", M], capture_output=True)
    else:
        subprocess.run(["fusermount3", "-u", M], check=True)
        if p.wait(timeout=60) != 0:
            die("round %d: the daemon exited with %d" % (r, p.returncode))
    journal_hit = damage()

p = mount()
for path in read_all()[1]:
    os.unlink(path)
commit(strict=True)   # the files that failed are gone: nothing may refuse
subprocess.run(["fusermount3", "-u", M], check=True)
if p.wait(timeout=60) != 0:
    die("the daemon exited with %d" % p.returncode)
bad = [l for l in open(LOG) if "ERROR: AddressSanitizer" in l or "runtime error:" in l
       or "ERROR: LeakSanitizer" in l]
if bad:
    die("sanitizer report: " + bad[0].strip())
if rescued() < kept:
    die("%d rescued data files at the end, %d before" % (rescued(), kept))
print("OK seed %d: %d rounds, %d damaged, %d commits, %d refused, %d EIO reads, "
      "%d rescued" % (seed, rounds, stats["damaged"], stats["commits"],
                      stats["refused"], stats["eio"], rescued()))
