#!/bin/bash
# t100_rebase_out_of_memory — a commit whose session landed but whose
# staging area ran out of memory taking it in (the rebase) fails with
# ENOMEM and says so; the next command takes the session in, and nothing
# is lost or burned twice: not the changes made meanwhile, not after a
# kill -9 in between. BURNFS_TEST_REBASE_ENOMEM=N fails the first N
# rebases.
. "$(dirname "$0")/lib.sh"

printf 'one\n' >"$T/a"
printf 'two\n' >"$T/b"

# 1. The commit fails after its burn; reading pending tries again (fails
#    once more), then succeeds; a commit follows.
BURNFS_TEST_REBASE_ENOMEM=2 start_burnfs
mkdir "$MNT/staging/d"
cp "$T/a" "$MNT/staging/d/a"
cp "$T/b" "$MNT/staging/b"
ctl_fail ENOMEM commit
case $(st last_result) in
*"session was written"*"tries again"*) ;;
*) fail "last_result does not say the session was written: $(st last_result)" ;;
esac
assert_eq "$(toc_sessions "$IMG")" 1 "sessions after the commit that ran out of memory"
in_image "$IMG" /d/a || fail "/d/a not on the disc"
# while the session is owed: changes go on
printf 'three\n' >"$MNT/staging/c"
printf 'more\n' >>"$MNT/staging/b"
cmp "$T/a" "$MNT/staging/d/a" || fail "staging/d/a changed while the rebase was owed"
expect_errno ENOMEM cat "$MNT/pending"
p=$(pending_norm) || fail "pending after the second try"
assert_eq "$(printf '%s\n' "$p" | sort | tr '\n' ' ')" "A c M b " "pending once the session is taken in"
grep -q "took in the session written before" "$LOG" || fail "no log line for the session taken in"
ctl_ok commit
assert_eq "$(toc_sessions "$IMG")" 2 "sessions after the next commit"
assert_eq "$(timeout 60 isoinfo -R -i "$IMG" -x /b)" "$(printf 'two\nmore')" "/b on the disc"
assert_eq "$(timeout 60 isoinfo -R -i "$IMG" -x /c)" three "/c on the disc"
assert_eq "$(timeout 60 isoinfo -R -i "$IMG" -x /d/a)" one "/d/a on the disc"
check_md5 "$IMG"
stop_burnfs

# 2. The same, then a kill -9 before any command: the remount replays the
#    journal (FREEZE without THAW: the commit landed) with the later
#    change still staged; the next command (a commit) takes it all in.
BURNFS_TEST_REBASE_ENOMEM=1 start_burnfs
printf 'four\n' >"$MNT/staging/e"
ctl_fail ENOMEM commit
printf 'five\n' >"$MNT/staging/f"
kill9_burnfs
start_burnfs
assert_eq "$(pending_norm)" "A f" "pending after the kill -9 and remount"
assert_eq "$(cat "$MNT/staging/e")" four "staging/e after the remount"
ctl_ok commit
assert_eq "$(toc_sessions "$IMG")" 4 "sessions after the remount's commit"
assert_eq "$(timeout 60 isoinfo -R -i "$IMG" -x /f)" five "/f on the disc"
assert_eq "$(timeout 60 isoinfo -R -i "$IMG" -x /e)" four "/e on the disc"
check_md5 "$IMG"
stop_burnfs
# 3. The same, then a clean unmount while the session is owed: nothing
#    leaks (the sanitizers' exit check), and the remount takes it in.
BURNFS_TEST_REBASE_ENOMEM=1 start_burnfs
printf 'six\n' >"$MNT/staging/g"
ctl_fail ENOMEM commit
stop_burnfs
start_burnfs
assert_eq "$(pending_norm)" "" "pending after an unmount with the session owed"
assert_eq "$(cat "$MNT/staging/g")" six "staging/g after the remount"
assert_eq "$(toc_sessions "$IMG")" 5 "sessions after the third part"
stop_burnfs
note "a session the staging area could not take in at once was taken in by the next command, then burned on"
