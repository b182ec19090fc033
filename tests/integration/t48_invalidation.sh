#!/bin/bash
# t48_invalidation — the kernel keeps entries and attributes for long, and
# burnfs tells it exactly what changes without its asking: after discard,
# blank, a commit and another program's session, staging/ and sessions/
# show the new state at once, also to a process whose current folder is
# inside (relative lookups), and names that had been removed come back
# (no cached "missing" entry survives). So does a restore at its
# destination. A commit keeps every staged inode. "At once" means when
# the command's write returns, even with the thread that tells the kernel
# made late (BURNFS_TEST_NOTIFY_DELAY_MS, tests only, as under load).
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || skip "python3 is not installed"
export BURNFS_TEST_NOTIFY_DELAY_MS=300
start_burnfs
S=$MNT/staging
mkdir -p "$S/d/sub"
echo x >"$S/d/x"
echo y >"$S/d/y"
echo z >"$S/d/sub/z"
ctl_ok commit

# every kind of pending change, each looked at so the kernel caches it
echo new >"$S/d/new"
chmod 600 "$S/d/x"
rm "$S/d/y"
mv "$S/d/sub" "$S/d/sub2"
ls -la "$S/d" "$S/d/sub2" >/dev/null
! stat "$S/d/y" "$S/d/sub" >/dev/null 2>&1 || fail "removed names still there before the discard"
# a process in staging/d/sub2 looks up relative names after the discard
python3 - "$S/d" "$T/fifo.in" "$T/rel.out" <<'PY' &
import os, sys
os.chdir(sys.argv[1])
os.mkfifo(sys.argv[2])
open(sys.argv[2]).read()          # wait for the discard
with open(sys.argv[3], "w") as out:
    for name in ("y", "new", "sub/z", "x"):
        try:
            out.write("%s %o\n" % (name, os.stat(name).st_mode & 0o7777))
        except OSError as e:
            out.write("%s %s\n" % (name, e.strerror))
PY
REL=$!
BG_PIDS+=("$REL")
for ((i = 0; i < 100; i++)); do [ -p "$T/fifo.in" ] && break; sleep 0.1; done
ino_x=$(stat -c %i "$S/d/x")
ctl_ok discard
echo go >"$T/fifo.in"
wait "$REL" || fail "the relative lookups"
assert_eq "$(cat "$T/rel.out" | tr '\n' ,)" "y 644,new No such file or directory,sub/z 644,x 644," \
	"relative lookups from a folder inside staging/ after the discard"
assert_eq "$(stat -c %a "$S/d/x")" 644 "a disc file's mode after the discard"
assert_eq "$(cat "$S/d/y")" y "a removed disc file, back after the discard"
assert_eq "$(ls "$S/d" | tr '\n' ' ')" "sub x y " "the folder after the discard"
! stat "$S/d/new" >/dev/null 2>&1 || fail "a new file survived the discard"
! stat "$S/d/sub2" >/dev/null 2>&1 || fail "a renamed folder kept its new name after the discard"
assert_eq "$(stat -c %i "$S/d/x")" "$ino_x" "a disc file's inode number after the discard"

# a commit keeps every staged inode: names, numbers and open files
echo kept >"$S/kept"
exec 3<"$S/kept"
ino=$(stat -c %i "$S/kept")
ctl_ok commit
assert_eq "$(stat -c %i "$S/kept")" "$ino" "inode number across a commit"
assert_eq "$(cat <&3)" kept "an open file across a commit"
exec 3<&-
assert_eq "$(ls "$MNT/sessions" | tr '\n' ' ')" "1 2 " "sessions after the second commit"
assert_eq "$(stat -c %h "$MNT/sessions")" 4 "link count of sessions/ after the second commit"

# restore, a control command: what the kernel cached at the destination
# (a file it read, a name it found missing) and in the folder goes at once
echo y2 >"$S/d/y"
ino_y=$(stat -c %i "$S/d/y")
assert_eq "$(cat "$S/d/y")" y2 "a file before a restore replaces it"
rm "$S/d/x"
! stat "$S/d/x" "$S/d/x-old" >/dev/null 2>&1 || fail "removed names still there before the restore"
ls -la "$S/d" >/dev/null
ctl_ok "restore 1 /d/y"
ctl_ok "restore 1 /d/x"
ctl_ok "restore 1 /d/x AS /d/x-old"
assert_eq "$(cat "$S/d/y")" y "a replaced file after the restore"
[ "$(stat -c %i "$S/d/y")" != "$ino_y" ] || fail "the restored file has the inode number of the one it replaced"
assert_eq "$(cat "$S/d/x")" x "a name the kernel had found missing, after the restore"
assert_eq "$(cat "$S/d/x-old")" x "a restore AS a new name"
assert_eq "$(ls "$S/d" | tr '\n' ' ')" "sub x x-old y " "the folder after the restores"
ctl_ok discard

# another program's session: the next command shows it at once
python3 -c 'import os, sys; os.chdir(sys.argv[1]); open("y").read()' "$MNT/sessions/2/d" ||
	fail "reading sessions/2"
mkdir "$T/other"
echo other >"$T/other/o"
stop_burnfs
start_burnfs
ls -la "$S" "$MNT/sessions" >/dev/null
! stat "$S/o" >/dev/null 2>&1 || fail "o before the other session"
timeout -k 5 60 xorriso -dev "stdio:$IMG" -map "$T/other/o" /o -commit >/dev/null 2>&1 ||
	fail "xorriso could not append a session"
ctl_ok commit   # nothing staged: it only looks at the medium
assert_eq "$(cat "$S/o")" other "the other program's file in staging/ after the next command"
assert_eq "$(ls "$MNT/sessions" | tr '\n' ' ')" "1 2 3 " "sessions/ after the other program's session"

# blank: disc entries and sessions go at once, staged ones stay
echo staged >"$S/staged"
exec 4<"$MNT/sessions/2/d/x"
ctl_ok blank
assert_eq "$(ls "$S" | tr '\n' ' ')" "staged " "staging/ after a blank"
assert_eq "$(ls "$MNT/sessions" | tr '\n' ' ')" "" "sessions/ after a blank"
! stat "$MNT/sessions/1" >/dev/null 2>&1 || fail "sessions/1 after a blank"
! stat "$S/d" >/dev/null 2>&1 || fail "a disc folder after a blank"
exec 4<&-
ctl_ok commit
assert_eq "$(ls "$MNT/sessions/1" | tr '\n' ' ')" "staged " "the new session 1 after a blank"
