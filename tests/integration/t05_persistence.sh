#!/bin/bash
# t05_persistence — nothing staged is lost: staged files survive an unmount
# and a kill -9 of the daemon, show again after the next mount (same cache),
# and commit right.
. "$(dirname "$0")/lib.sh"

make_tree "$T/src"
start_burnfs
timeout 120 cp -a "$T/src/." "$MNT/staging/"
pending_before=$(pending)
[ -n "$pending_before" ] || fail "pending empty after cp -a"
stop_burnfs

# 1. unmount + remount
start_burnfs
assert_same_tree "$T/src" "$MNT/staging" "staging/ after remount"
assert_eq "$(pending)" "$pending_before" "pending after remount"
ctl_ok commit
assert_eq "$(toc_sessions "$IMG")" 1 "sessions after commit"

# 2. kill -9 with files written and closed (no sync)
cp -a "$T/src" "$T/v2"
mkdir "$T/add"
head -c 1000000 /dev/urandom >"$T/add/after.bin"
printf 'replaced\n' >"$T/add/empty.txt"
mkdir "$T/add/newdir"
printf 'x\n' >"$T/add/newdir/x.txt"
touch -d '2012-12-12 12:12:12' "$T/add/after.bin" "$T/add/empty.txt" "$T/add/newdir/x.txt" "$T/add/newdir"
cp -a "$T/add/." "$T/v2/"
timeout 60 cp -a "$T/add/." "$MNT/staging/"
rm "$T/v2/docs/b.txt" "$MNT/staging/docs/b.txt"
touch -d '2010-05-06 07:08:09' "$T/v2/docs" "$MNT/staging/docs"
assert_same_tree "$T/v2" "$MNT/staging" "staging/ before kill -9"
pending_before=$(pending)
kill9_burnfs

start_burnfs
assert_same_tree "$T/v2" "$MNT/staging" "staging/ after kill -9 and remount"
assert_eq "$(pending)" "$pending_before" "pending after kill -9 and remount"
ctl_ok commit
assert_eq "$(toc_sessions "$IMG")" 2 "sessions after the second commit"
stop_burnfs
assert_newest_session_is "$IMG" "$T/v2" "newest session and the staged tree"
check_md5 "$IMG"
