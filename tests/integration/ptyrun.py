#!/usr/bin/env python3
"""ptyrun.py — run a command on a pseudo-terminal, as a person at a terminal
would: record what the screen shows, type a line, and press Ctrl-C or close
the terminal once something appears on the screen or in a file.

usage: ptyrun.py [--out FILE] [--type TEXT] [--when REGEX] [--in FILE]
                 [--then int|hangup] [--timeout S] -- CMD ARG...

--when REGEX is looked for in what the command printed, or with --in FILE
in that file (read afresh every 50 ms, e.g. a burnfs mount's control
file). --then int types Ctrl-C (the terminal sends SIGINT to the command);
--then hangup closes the terminal (the kernel sends SIGHUP to the session)
and returns at once, leaving the command to its fate.

Exit status: the command's (128+N when a signal N ended it); 0 right after
a hangup; 124 when --timeout (default 240 s) ran out first.
"""
import argparse
import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--out")
    p.add_argument("--type")
    p.add_argument("--when")
    p.add_argument("--in", dest="infile")
    p.add_argument("--then", choices=["int", "hangup"])
    p.add_argument("--timeout", type=float, default=240.0)
    p.add_argument("cmd", nargs="+")
    return p.parse_args()


def seen(args, screen):
    if not args.when:
        return False
    if args.infile:
        try:
            with open(args.infile, errors="replace") as f:
                text = f.read()
        except OSError:
            return False
    else:
        text = screen
    return re.search(args.when, text, re.M) is not None


def status_of(st):
    if os.WIFEXITED(st):
        return os.WEXITSTATUS(st)
    return 128 + os.WTERMSIG(st)


def main():
    args = parse()
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(args.cmd[0], args.cmd)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    if args.type:
        os.write(fd, args.type.encode())
    screen, acted, deadline = "", False, time.monotonic() + args.timeout
    out = open(args.out, "w") if args.out else sys.stdout
    while True:
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            return 124
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                data = os.read(fd, 65536).decode(errors="replace")
            except OSError:
                data = ""
            if not data:
                break
            screen += data
            out.write(data)
            out.flush()
        if not acted and args.then and seen(args, screen):
            acted = True
            if args.then == "hangup":
                os.close(fd)
                return 0
            os.write(fd, b"\x03")
    _, st = os.waitpid(pid, 0)
    return status_of(st)


if __name__ == "__main__":
    sys.exit(main())
