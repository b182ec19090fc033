#!/bin/bash
# t15_sessions_dir — sessions/N/ shows each recorded session's tree, data
# included (also a file deleted later), stays the same after later sessions,
# and refuses every write with EROFS.
. "$(dirname "$0")/lib.sh"

make_tree "$T/v1"
start_burnfs
[ -d "$MNT/sessions" ] || fail "no sessions/ folder"
assert_eq "$(ls -A "$MNT/sessions")" "" "sessions/ on a blank image"
timeout 60 cp -a "$T/v1/." "$MNT/staging/"
ctl_ok commit
assert_eq "$(ls "$MNT/sessions")" 1 "sessions/ after session 1"
assert_same_tree "$T/v1" "$MNT/sessions/1" "session 1"

cp -a "$T/v1" "$T/v2"
for d in "$T/v2" "$MNT/staging"; do
	printf 'v2 content\n' >"$d/docs/a.txt"
	rm "$d/big.bin"
	rm -r "$d/emptydir"
	printf 'new\n' >"$d/new.txt"
	mv "$d/private" "$d/private2"
	touch -d '2019-09-09 09:09:09' "$d/docs/a.txt" "$d/new.txt" "$d/docs" "$d/private2"
done
ctl_ok commit
assert_eq "$(ls "$MNT/sessions" | tr '\n' ' ')" "1 2 " "sessions/ after session 2"
assert_same_tree "$T/v1" "$MNT/sessions/1" "session 1 after session 2"
assert_same_tree "$T/v2" "$MNT/sessions/2" "session 2"
cmp "$T/v1/big.bin" "$MNT/sessions/1/big.bin" || fail "a file deleted in session 2 does not read right in sessions/1"

# read-only, whatever the operation
S1=$MNT/sessions/1
expect_errno EROFS touch "$S1/newfile"
expect_errno EROFS bash -c "printf x >>'$S1/docs/a.txt'"
expect_errno EROFS bash -c "printf x >'$S1/docs/a.txt'"
expect_errno EROFS rm "$S1/docs/a.txt"
expect_errno EROFS mkdir "$S1/newdir"
expect_errno EROFS rmdir "$S1/emptydir"
expect_errno EROFS mv "$S1/docs/a.txt" "$S1/docs/a2.txt"
expect_errno EROFS chmod 0777 "$S1/docs/a.txt"
expect_errno EROFS chown 1:1 "$S1/docs/a.txt"
expect_errno EROFS touch -d '2000-01-01' "$S1/docs/a.txt"
expect_errno EROFS setfattr -n user.x -v y "$S1/docs/a.txt"
expect_errno EROFS ln -s x "$S1/sym"
expect_errno EROFS ln "$S1/docs/a.txt" "$S1/hard"
expect_errno EROFS truncate -s 0 "$S1/docs/a.txt"
expect_errno EROFS mkdir "$MNT/sessions/3"
assert_same_tree "$T/v1" "$MNT/sessions/1" "session 1 after the refused writes"
assert_eq "$(pending)" "" "pending after the refused writes"

# after a remount with an empty cache, the same
stop_burnfs
rm -rf "$CACHE"
start_burnfs
assert_same_tree "$T/v1" "$MNT/sessions/1" "session 1 after remount"
assert_same_tree "$T/v2" "$MNT/sessions/2" "session 2 after remount"
stop_burnfs
