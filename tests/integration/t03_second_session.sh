#!/bin/bash
# t03_second_session — session 1 from a tree, then a second commit that adds
# files and replaces files: two sessions in xorriso -toc, the newest session
# equal to the edited tree (fuseiso and xorriso), session 1 unchanged
# (sessions/1/ and xorriso -load session 1), MD5s right in both.
. "$(dirname "$0")/lib.sh"

make_tree "$T/v1"
start_burnfs
timeout 120 cp -a "$T/v1/." "$MNT/staging/"
ctl_ok commit
assert_eq "$(toc_sessions "$IMG")" 1 "sessions after the first commit"

# v2 = v1 + added files + replaced files, made the same way in staging/
cp -a "$T/v1" "$T/v2"
mkdir -p "$T/add/newdir/sub" "$T/add/docs"
printf 'added in session 2\n' >"$T/add/newdir/sub/n.txt"
printf 'new top\n' >"$T/add/top.txt"
head -c 200000 /dev/urandom >"$T/add/big.bin"      # replaces a 5 MB file by a smaller one
printf 'replaced a\n' >"$T/add/docs/a.txt"
touch -d '2020-01-02 03:04:05' "$T/add/big.bin" "$T/add/docs/a.txt" "$T/add/top.txt"
find "$T/add" -type d -exec touch -d '2011-01-01 00:00:00' {} +
cp -a "$T/add/." "$T/v2/"
timeout 60 cp -a "$T/add/." "$MNT/staging/"
assert_same_tree "$T/v2" "$MNT/staging" "edited tree and staging/"

ctl_ok commit
assert_eq "$(toc_sessions "$IMG")" 2 "sessions in xorriso -toc after the second commit"
assert_eq "$(st sessions)" 2 "status sessions"
[ -d "$MNT/sessions/1" ] && [ -d "$MNT/sessions/2" ] || fail "sessions/1 and sessions/2 not both there"
assert_same_tree "$T/v1" "$MNT/sessions/1" "session 1 tree and sessions/1/"
assert_same_tree "$T/v2" "$MNT/sessions/2" "session 2 tree and sessions/2/"
assert_same_tree "$T/v2" "$MNT/staging" "session 2 tree and staging/ after commit"
stop_burnfs

assert_newest_session_is "$IMG" "$T/v2" "session 2 tree and the image's newest session (xorriso)"
xorriso_extract "$IMG" "$T/x2"
assert_same_tree "$T/v2" "$T/x2" "session 2 tree and xorriso extraction"
xorriso_extract "$IMG" "$T/x1" 1
assert_same_tree "$T/v1" "$T/x1" "session 1 tree and xorriso -load session 1 extraction"
check_md5 "$IMG"
check_md5 "$IMG" 1
