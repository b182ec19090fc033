#!/bin/bash
# t110_damaged_cache — the cache disk damages CACHE/journal (a bad block, a
# bit flipped) in the middle, not at its end: the mount steps over the
# unreadable record and replays every readable one after it (it used to
# cut the journal there, losing every change made after the damage), keeps
# the journal as it was (journal.damaged-*), moves the data files no
# readable change refers to into CACHE/lost+found (it used to delete them),
# and says so in `cache_state` and in the log. The next commit burns what
# staging/ shows; the next mount is clean. A torn tail (the last append cut
# short by a crash) is still simply cut off. A damaged CACHE/disc (whose
# disc the changes are for) refuses the mount with the way out. Data files
# removed or cut short in the cache make their files fail with EIO; data
# files without a journal are rescued.
. "$(dirname "$0")/lib.sh"

# stage_files: seven files of distinct contents, one in a folder
stage_files() {
	mkdir -p "$MNT/staging/dir"
	for i in 1 2 3 4 5 6; do
		head -c $((3000 + i * 1000)) /dev/urandom >"$T/src.f$i"
		cp "$T/src.f$i" "$MNT/staging/f$i"
	done
	head -c 5000 /dev/urandom >"$T/src.inner"
	cp "$T/src.inner" "$MNT/staging/dir/inner"
}

# staged_ok I...: those files in staging/ hold what was copied
staged_ok() {
	local i
	for i in "$@"; do
		cmp -s "$T/src.f$i" "$MNT/staging/f$i" || fail "f$i is not in staging/ as copied"
	done
	cmp -s "$T/src.inner" "$MNT/staging/dir/inner" || fail "dir/inner is not in staging/ as copied"
}

# --- 1: a flipped byte in the body of the record that created f3 -----------
start_burnfs -o capacity=50M
stage_files
stop_burnfs
read -r off len < <(journal_record_with f3) || fail "no journal record names f3"
journal_poke $((off + 8 + len / 2)) ff
cp "$CACHE/journal" "$T/journal.as.damaged"
start_burnfs
state=$(st cache_state)
case $state in "damaged: "*"bytes of the journal could not be read"*) ;;
*) fail "cache_state after a damaged journal: $state" ;; esac
grep -q "error: stage: the journal is damaged" "$LOG" || fail "no error line in the log"
staged_ok 1 2 4 5 6
[ ! -e "$MNT/staging/f3" ] || note "f3 is staged though its creation was damaged"
set -- "$CACHE"/journal.damaged-*
[ -f "$1" ] || fail "no journal.damaged-* in the cache"
cmp -s "$1" "$T/journal.as.damaged" || fail "journal.damaged-* is not the journal as it was"
found=
for f in "$CACHE"/lost+found/*; do
	cmp -s "$f" "$T/src.f3" && found=$f
done
[ -n "$found" ] || fail "f3's bytes are not in lost+found: $(ls -la "$CACHE/lost+found" 2>&1)"
case $state in *"1 data file(s) no change refers to"*) ;;
*) fail "cache_state does not count the rescued file: $state" ;; esac

ctl_ok commit
xorriso_extract "$IMG" "$T/x1"
for i in 1 2 4 5 6; do
	cmp -s "$T/src.f$i" "$T/x1/f$i" || fail "f$i on the disc differs"
done
cmp -s "$T/src.inner" "$T/x1/dir/inner" || fail "dir/inner on the disc differs"
check_md5 "$IMG"
stop_burnfs
start_burnfs
assert_eq "$(st cache_state)" ok "cache_state at the next mount"
cmp -s "$found" "$T/src.f3" || fail "lost+found lost f3's bytes at the next mount"
assert_eq "$(st pending_entries)" 0 "pending_entries at the next mount"
stop_burnfs

# --- 2: a record's length destroyed: the next records are found again -----
rm -rf "$CACHE" "$IMG"
start_burnfs -o capacity=50M
stage_files
stop_burnfs
read -r off len < <(journal_record_with f2) || fail "no journal record names f2"
journal_poke "$off" ffffff7f
start_burnfs
case $(st cache_state) in "damaged: "*) ;; *) fail "cache_state: $(st cache_state)" ;; esac
staged_ok 1 3 4 5 6
# damaged again at once: the second mount keeps its own copy (the same
# second would give the same name)
printf 'again\n' >"$MNT/staging/again"
stop_burnfs
read -r off len < <(journal_record_with again) || fail "no journal record names again"
journal_poke $((off + 8 + len / 2)) ff
start_burnfs
set -- "$CACHE"/journal.damaged-*
assert_eq "$#" 2 "journal.damaged-* copies after two damaged mounts"
ctl_ok commit
stop_burnfs

# --- 3: every change record damaged: the folder still counts as holding
# changes, so another disc cannot take it over (its changes would go) -------
rm -rf "$CACHE" "$IMG"
start_burnfs -o capacity=50M
printf 'solo\n' >"$MNT/staging/solo"
stop_burnfs
python3 - "$CACHE/journal" <<'EOF2'
import struct, sys
b = bytearray(open(sys.argv[1], 'rb').read())
pos, first = 0, True
while pos + 8 <= len(b):
    n, _ = struct.unpack_from('<II', b, pos)
    if not first:
        b[pos + 8 + n // 2] ^= 0x5a
    first = False
    pos += 8 + n
open(sys.argv[1], 'wb').write(b)
EOF2
expect_refused_says "holds staged changes" -o "cache=$CACHE" "$T/other.iso" "$MNT"
# its own disc: the damage is said, the bytes are in lost+found
start_burnfs
case $(st cache_state) in "damaged: "*"lost+found"*) ;; *) fail "cache_state: $(st cache_state)" ;; esac
[ ! -e "$MNT/staging/solo" ] || note "solo is staged though all its records were damaged"
grep -lx solo "$CACHE"/lost+found/* >/dev/null || fail "solo's bytes are not in lost+found"
stop_burnfs

# --- 4: a torn tail is cut, as a crash in the middle of an append leaves it --
rm -rf "$CACHE" "$IMG"
start_burnfs -o capacity=50M
stage_files
printf 'last\n' >"$MNT/staging/last"
stop_burnfs
size=$(stat -c %s "$CACHE/journal")
truncate -s $((size - 5)) "$CACHE/journal"
start_burnfs
assert_eq "$(st cache_state)" ok "cache_state after a torn tail"
grep -q "bytes of a torn record" "$LOG" || fail "the torn tail was not cut"
staged_ok 1 2 3 4 5 6
set -- "$CACHE"/journal.damaged-*
[ ! -e "$1" ] || fail "a torn tail was taken for damage"
[ ! -e "$CACHE/lost+found" ] || fail "lost+found made for a torn tail"
stop_burnfs

# --- 5: CACHE/disc damaged while changes are staged: which disc they are
# for cannot be told, so the mount is refused with the way out; taking it
# shows them (it said "another medium, last mounted from " and nothing else)
rm -rf "$CACHE" "$IMG"
start_burnfs -o capacity=50M
stage_files
ctl_ok commit
printf 'after\n' >"$MNT/staging/after"
stop_burnfs
head -c 45 /dev/urandom | tr '\n=' 'xy' >"$CACHE/disc"
expect_refused_says "disc is damaged.*remove $CACHE/disc and mount again" -o "cache=$CACHE" "$IMG" "$MNT"
rm "$CACHE/disc"
start_burnfs
assert_eq "$(cat "$MNT/staging/after")" after "the change staged before the damage"
assert_eq "$(st pending_entries)" 1 "pending_entries once CACHE/disc is gone"
stop_burnfs

# --- 6: data files removed or cut short in the cache between mounts (a
# cleaner emptying ~/.cache, a bad block): the files show the size they
# had, reads and the commit fail with EIO naming them, and replacing or
# removing them clears it (they came back empty or short without a word,
# and the commit burned that)
rm -rf "$CACHE" "$IMG"
start_burnfs -o capacity=50M
head -c 100000 /dev/urandom >"$MNT/staging/x"
head -c 300000 /dev/urandom >"$MNT/staging/y"
printf 'keep\n' >"$MNT/staging/k"
stop_burnfs
datafile() { find "$CACHE/data" -type f -size "$1"c | head -1; }
dx=$(datafile 100000) dy=$(datafile 300000)
[ -n "$dx" ] && [ -n "$dy" ] || fail "the data files of x and y are not in $CACHE/data"
rm "$dx"
truncate -s 1000 "$dy"
start_burnfs
case $(st cache_state) in "damaged: the cache lost bytes of 2 staged file(s)"*) ;;
*) fail "cache_state with short data files: $(st cache_state)" ;; esac
assert_eq "$(stat -c %s "$MNT/staging/x") $(stat -c %s "$MNT/staging/y")" "100000 300000" "the sizes x and y had"
expect_errno EIO cat "$MNT/staging/x"
expect_errno EIO head -c 10 "$MNT/staging/y"
assert_eq "$(cat "$MNT/staging/k")" keep "k, whose data file is whole"
grep -q "error: stage: /x: its data file in the cache holds 0 bytes of the 100000" "$LOG" ||
	fail "the log does not name x"
ctl_fail EIO commit
case $(st last_result) in *"lost bytes of 2 staged file(s)"*) ;;
*) fail "last_result of the refused commit: $(st last_result)" ;; esac
assert_eq "$(toc_sessions "$IMG")" 0 "sessions after the refused commit"
: >"$MNT/staging/x"
# y held open while it is removed: its node lives on until the handle
# closes (as it does, for a while, until the kernel forgets a removed
# file): a file no longer in the tree is never burned, and must not
# hold the status or the commit back
exec 3<"$MNT/staging/y"
rm "$MNT/staging/y"
assert_eq "$(st cache_state)" ok "cache_state once x is emptied and y removed"
ctl_ok commit
exec 3<&-
xorriso_extract "$IMG" "$T/x6"
assert_eq "$(cat "$T/x6/k")" keep "k on the disc"
assert_eq "$(stat -c %s "$T/x6/x")" 0 "x on the disc, emptied by its owner"
[ ! -e "$T/x6/y" ] || fail "y, removed, is on the disc"
stop_burnfs

# --- 7: the journal gone, the data files there: they are rescued, not
# deleted as leftovers
rm -rf "$CACHE" "$IMG"
start_burnfs -o capacity=50M
stage_files
stop_burnfs
rm "$CACHE/journal"
start_burnfs
case $(st cache_state) in "damaged: the journal was missing"*"7 data file(s)"*) ;;
*) fail "cache_state without a journal: $(st cache_state)" ;; esac
for i in 1 2 3 4 5 6; do
	found=
	for f in "$CACHE"/lost+found/*; do cmp -s "$f" "$T/src.f$i" && found=1; done
	[ -n "$found" ] || fail "f$i's bytes are not in lost+found"
done
stop_burnfs
start_burnfs
assert_eq "$(st cache_state)" ok "cache_state at the mount after that"
stop_burnfs
