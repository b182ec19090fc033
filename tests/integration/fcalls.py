#!/usr/bin/env python3
"""fcalls.py — scripted call sequences run alike on staging/ and on a local
folder; each prints one line per step (result or errno name), so a test
compares the two outputs. Used by t42 (unlinked open files), t43
(set-user-ID bits) and t44 (long paths).

  fcalls.py unlinked DIR            f-calls on files and a folder removed
                                    while open
  fcalls.py setid DIR               writes, truncates and chowns of set-ID
                                    files by nobody and by root with and
                                    without CAP_FSETID
  fcalls.py deep DIR BYTES          every call on a path BYTES long inside
                                    DIR, reached by relative steps
"""
import errno
import os
import pwd
import stat
import subprocess
import sys

NOBODY = pwd.getpwnam("nobody")


def step(out, name, fn, *args, **kw):
    try:
        res = fn(*args, **kw)
        out.append("%s: %s" % (name, "ok" if res is None else res))
    except OSError as e:
        out.append("%s: %s" % (name, errno.errorcode.get(e.errno, e.errno)))


def st(fd_or_path):
    s = os.stat(fd_or_path)
    return "%s nlink=%d size=%d uid=%d gid=%d" % (
        oct(s.st_mode), s.st_nlink, s.st_size, s.st_uid, s.st_gid)


def unlinked(d):
    out = []
    p = os.path.join(d, "f")
    fd = os.open(p, os.O_CREAT | os.O_RDWR, 0o644)
    os.write(fd, b"hello")
    wr = os.open(p, os.O_WRONLY)      # a direct-I/O handle in staging
    os.unlink(p)
    step(out, "fstat", st, fd)
    step(out, "fchmod", lambda: os.fchmod(fd, 0o600) or st(fd))
    step(out, "fchown", lambda: os.fchown(fd, 1234, 5678) or st(fd))
    step(out, "write through the other handle",
         lambda: os.pwrite(wr, b" world", 5))
    step(out, "read", os.pread, fd, 100, 0)
    step(out, "append", lambda: os.write(fd, b"!") and os.pread(fd, 100, 0))
    step(out, "ftruncate", lambda: os.ftruncate(fd, 3) or os.pread(fd, 100, 0))
    step(out, "ftruncate longer", lambda: os.ftruncate(wr, 7) or st(fd))
    step(out, "futimens", lambda: os.utime(fd, ns=(10**18, 2 * 10**18)) or
         os.stat(fd).st_mtime_ns)
    step(out, "fsetxattr", os.setxattr, fd, "user.k", b"v")
    step(out, "fgetxattr", os.getxattr, fd, "user.k")
    step(out, "flistxattr", os.listxattr, fd)
    step(out, "fremovexattr", os.removexattr, fd, "user.k")
    step(out, "fsync", os.fsync, fd)
    step(out, "fdatasync", os.fdatasync, wr)
    step(out, "reopen through /proc", lambda: os.read(
        os.open("/proc/self/fd/%d" % fd, os.O_RDONLY), 100))
    step(out, "fstat after", st, fd)
    os.close(wr)
    os.close(fd)
    step(out, "gone", os.stat, p)
    dp = os.path.join(d, "dir")
    os.mkdir(dp)
    dfd = os.open(dp, os.O_RDONLY | os.O_DIRECTORY)
    os.rmdir(dp)
    step(out, "removed folder fstat", st, dfd)
    step(out, "removed folder list", os.listdir, dfd)
    step(out, "create in removed folder",
         lambda: os.open("x", os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=dfd))
    step(out, "mkdir in removed folder", os.mkdir, "x", 0o755, dir_fd=dfd)
    os.close(dfd)
    return out


def as_user(uid, gid, fn):
    """fn's lines, run in a child that is uid:gid without supplementary
    groups (uid 0 keeps its capabilities)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            res = fn()
        except OSError as e:
            res = errno.errorcode.get(e.errno, str(e.errno))
        os.write(w, str(res).encode())
        os._exit(0)
    os.close(w)
    data = b""
    while True:
        chunk = os.read(r, 4096)
        if not chunk:
            break
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    return data.decode()


def without_fsetid(path, how):
    """Root without CAP_FSETID (setpriv drops it from the bounding set)."""
    code = ("import os,sys; p=sys.argv[1]; how=sys.argv[2]\n"
            "if how=='write':\n fd=os.open(p,os.O_WRONLY); os.write(fd,b'z')\n"
            "elif how=='rdwr':\n fd=os.open(p,os.O_RDWR); os.write(fd,b'z')\n"
            "else:\n os.truncate(p,1)\n")
    r = subprocess.run(["setpriv", "--bounding-set", "-fsetid",
                        sys.executable, "-c", code, path, how],
                       capture_output=True, text=True)
    return "ok" if r.returncode == 0 else r.stderr.strip().splitlines()[-1]


def write_how(p, how):
    def fn():
        if how == "wronly":
            fd = os.open(p, os.O_WRONLY)
            os.write(fd, b"w")
        elif how == "rdwr":
            fd = os.open(p, os.O_RDWR)
            os.pwrite(fd, b"w", 0)
        elif how == "append":
            fd = os.open(p, os.O_WRONLY | os.O_APPEND)
            os.write(fd, b"w")
        elif how == "otrunc":
            fd = os.open(p, os.O_WRONLY | os.O_TRUNC)
        elif how == "truncate":
            os.truncate(p, 2)
            return "ok"
        elif how == "ftruncate":
            fd = os.open(p, os.O_RDWR)
            os.ftruncate(fd, 3)
        os.close(fd)
        return "ok"
    return fn


def setid(d):
    out = []
    modes = [0o4777, 0o2777, 0o2666, 0o6777, 0o6666, 0o4666, 0o777]
    hows = ["wronly", "rdwr", "append", "otrunc", "truncate", "ftruncate"]
    for mode in modes:
        for how in hows:
            p = os.path.join(d, "f%o-%s" % (mode, how))
            with open(p, "wb") as f:
                f.write(b"data")
            os.chmod(p, mode)
            res = as_user(NOBODY.pw_uid, NOBODY.pw_gid, write_how(p, how))
            out.append("nobody %s %o: %s -> %s" % (how, mode, res,
                                                    oct(os.stat(p).st_mode)))
            os.chmod(p, mode)
            res = as_user(0, 0, write_how(p, how))
            out.append("root %s %o: %s -> %s" % (how, mode, res,
                                                  oct(os.stat(p).st_mode)))
        for how in ["write", "rdwr", "truncate"]:
            p = os.path.join(d, "g%o-%s" % (mode, how))
            with open(p, "wb") as f:
                f.write(b"data")
            os.chmod(p, mode)
            res = without_fsetid(p, how)
            out.append("root-without-CAP_FSETID %s %o: %s -> %s" % (
                how, mode, res, oct(os.stat(p).st_mode)))
    # link(2) by the writer right after: with protected_hardlinks the
    # kernel decides on the mode it holds, which the write must have set
    for mode in [0o4777, 0o6777, 0o2777]:
        for how in ["wronly", "append", "rdwr"]:
            p = os.path.join(d, "l%o-%s" % (mode, how))
            with open(p, "wb") as f:
                f.write(b"data")
            os.chmod(p, mode)

            def write_then_link(p=p, how=how):
                write_how(p, how)()
                os.link(p, p + ".l")
                return "ok"
            res = as_user(NOBODY.pw_uid, NOBODY.pw_gid, write_then_link)
            out.append("nobody %s %o, then link: %s" % (how, mode, res))
    for mode in [0o4755, 0o2755, 0o6755, 0o2644]:
        p = os.path.join(d, "c%o" % mode)
        open(p, "w").close()
        os.chmod(p, mode)
        os.chown(p, 1234, 1234)
        out.append("chown by root %o -> %s" % (mode, oct(os.stat(p).st_mode)))
    return out


def deep(d, length):
    """Folders of 200-byte names down to a path `length` bytes long inside
    d's parent (d's own name counts), every call on names there."""
    out = []
    os.chdir(d)
    top = os.path.basename(os.path.normpath(d))
    path_len = len(top)
    name = "f"
    while path_len + 1 + 201 + len(name) < length:
        comp = "D" * 200
        os.mkdir(comp)
        os.chdir(comp)
        path_len += 201
    name = "f" * (length - path_len - 1)
    if len(name) > 255:  # one more folder makes it fit
        comp = "E" * (len(name) - 100)
        os.mkdir(comp)
        os.chdir(comp)
        path_len += 1 + len(comp)
        name = "f" * (length - path_len - 1)
    out.append("path of %d bytes, name of %d" % (path_len + 1 + len(name),
                                                 len(name)))
    other = "o" * len(name)
    step(out, "create", lambda: os.close(os.open(name, os.O_CREAT |
                                                  os.O_WRONLY, 0o644)))
    step(out, "write", lambda: os.write(os.open(name, os.O_WRONLY), b"deep"))
    step(out, "truncate", os.truncate, name, 3)
    step(out, "stat", st, name)
    step(out, "chmod", os.chmod, name, 0o600)
    step(out, "chown", os.chown, name, 1234, 5678)
    step(out, "utime", os.utime, name, ns=(10**18, 10**18))
    step(out, "setxattr", os.setxattr, name, "user.k", b"v")
    step(out, "getxattr", os.getxattr, name, "user.k")
    step(out, "listxattr", os.listxattr, name)
    step(out, "link", os.link, name, other)
    step(out, "nlink", lambda: os.stat(name).st_nlink)
    step(out, "unlink", os.unlink, other)
    step(out, "rename", os.rename, name, other)
    step(out, "rename back", os.rename, other, name)
    step(out, "symlink", os.symlink, name, other)
    step(out, "readlink", lambda: len(os.readlink(other)))
    step(out, "unlink symlink", os.unlink, other)
    step(out, "mkdir", os.mkdir, other)
    step(out, "rmdir", os.rmdir, other)
    step(out, "read", lambda: os.read(os.open(name, os.O_RDONLY), 10))
    step(out, "statvfs", lambda: os.statvfs(name).f_namemax)
    step(out, "stat", st, name)
    return out


def main():
    what, d = sys.argv[1], sys.argv[2]
    if what == "unlinked":
        lines = unlinked(d)
    elif what == "setid":
        lines = setid(d)
    else:
        lines = deep(d, int(sys.argv[3]))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
