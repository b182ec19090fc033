#!/bin/bash
# t78_capacity_entries — the capacity check counts what each new entry
# costs the session (directory records, Rock Ridge, Joliet), not only file
# content: with capacity=4M, empty files, folders, symlinks and hard links
# are refused with ENOSPC at their own call once the medium would be full,
# free_bytes then is near 0, and the commit of everything accepted fits.
. "$(dirname "$0")/lib.sh"

start_burnfs -o capacity=4M
S=$MNT/staging
mkdir "$S/files"
python3 - "$S" "$T/outcome" <<'PY'
import errno, os, sys

S, out = sys.argv[1], sys.argv[2]
res = []

def until_full(kind, make, limit=100000):
    n = 0
    while n < limit:
        try:
            make(n)
        except OSError as e:
            res.append(f"{kind} {n} {errno.errorcode.get(e.errno, e.errno)}")
            return
        n += 1
    res.append(f"{kind} {n} none")

def empty_file(n):
    os.close(os.open(f"{S}/files/{n:06d}-some-name-of-a-file",
                     os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o644))

until_full("file", empty_file)
for kind, make in (
        ("mkdir", lambda n: os.mkdir(f"{S}/dir{n}")),
        ("symlink", lambda n: os.symlink("target", f"{S}/link{n}")),
        ("link", lambda n: os.link(f"{S}/files/000000-some-name-of-a-file",
                                   f"{S}/hard{n}")),
        ("mknod", lambda n: os.mkfifo(f"{S}/fifo{n}"))):
    until_full(kind, make, 1000)
with open(out, "w") as f:
    f.write("\n".join(res) + "\n")
PY
cat "$T/outcome"
files=$(awk '$1 == "file" { print $2 }' "$T/outcome")
grep -q '^file [0-9]* ENOSPC$' "$T/outcome" || fail "empty files were not refused with ENOSPC"
# a 4 MiB medium holds a few thousand empty files, not 100,000
assert_int_between "$files" 1000 20000 "empty files accepted on a 4 MiB medium"
for kind in mkdir symlink link mknod; do
	grep -q "^$kind [0-9]* ENOSPC$" "$T/outcome" || fail "$kind on a full medium: $(grep "^$kind " "$T/outcome")"
done
status_settle
free=$(st free_bytes)
assert_int_between "$free" 0 $((400 * 1024)) "free_bytes on a full medium"
# deleting makes room again
rm "$S"/files/0000[0-3][1-9]-some-name-of-a-file   # 36 files: room for a folder
mkdir "$S/room" || fail "no room after a delete"
ctl_ok commit 240
assert_eq "$(toc_sessions "$IMG")" 1 "sessions after the commit"
n=$(find "$MNT/staging/files" -type f | wc -l)
assert_eq "$n" "$((files - 36))" "files on the disc"
stop_burnfs
used=$(file_size "$IMG")
[ "$used" -le $((4 * 1048576)) ] || fail "the image ($used bytes) is bigger than its capacity"
check_md5 "$IMG"
