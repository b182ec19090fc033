#!/bin/bash
# t72_cache_removed — the cache folder removed while mounted: from then on
# every change fails with EIO (nothing is acknowledged that is not on
# disk), the status says why, a commit fails with it too, and the daemon
# still unmounts cleanly.
. "$(dirname "$0")/lib.sh"

start_burnfs
S=$MNT/staging
mkdir "$S/d" "$S/empty"
printf 'one\n' >"$S/a.txt"
printf 'disc\n' >"$S/d/disc.txt"
ctl_ok commit
printf 'staged\n' >"$S/staged.txt"
exec 7>>"$S/staged.txt"   # an open file: its writes must fail too
assert_eq "$(st cache_state)" ok "cache_state before"

rm -rf "$CACHE"
expect_errno EIO touch "$S/new.txt"
expect_errno EIO mkdir "$S/newdir"
expect_errno EIO mv "$S/a.txt" "$S/b.txt"
expect_errno EIO mv "$S/d" "$S/e"
expect_errno EIO chmod 600 "$S/a.txt"
expect_errno EIO touch -d @1 "$S/a.txt"
expect_errno EIO setfattr -n user.x -v 1 "$S/a.txt"
expect_errno EIO ln "$S/a.txt" "$S/hard.txt"
expect_errno EIO ln -s a.txt "$S/sym"
expect_errno EIO rm "$S/d/disc.txt"
expect_errno EIO rmdir "$S/empty"
expect_errno EIO bash -c "printf more >>'$S/a.txt'"
expect_errno EIO truncate -s 1 "$S/d/disc.txt"
rc=0
printf 'late\n' >&7 2>/dev/null || rc=$?
exec 7>&-
[ "$rc" != 0 ] || fail "a write into an open staged file succeeded after the cache was removed"
for p in new.txt newdir b.txt e hard.txt sym; do
	[ ! -e "$S/$p" ] && [ ! -L "$S/$p" ] || fail "$p exists though its call failed"
done
assert_eq "$(stat -c %a "$S/a.txt")" 644 "mode of a.txt"
assert_eq "$(cat "$S/a.txt")" one "a.txt"
case $(st cache_state) in
"error: "*removed*) ;;
*) fail "cache_state after the removal: $(st cache_state)" ;;
esac
ctl_fail EIO commit
assert_eq "$(toc_sessions "$IMG")" 1 "sessions after the refused commit"
grep -q 'cache folder .* was removed while mounted' "$LOG" || fail "no log line about the removed cache folder"
stop_burnfs

# a new mount starts with a new, empty cache and the disc as it was
start_burnfs
assert_eq "$(pending)" "" "pending with a new cache"
assert_eq "$(cat "$S/a.txt")" one "a.txt from the disc"
stop_burnfs
