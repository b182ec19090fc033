#!/bin/bash
# t29_disc_changed — another program appends a session while burnfs is
# mounted (a real drive: someone swaps the disc). The medium is re-read
# before each command: with changes staged, commit is refused (ESTALE, the
# reason in last_result) and nothing is lost; a remount re-applies the
# staged changes to the new newest session; with nothing staged the stage
# simply shows the new disc.
. "$(dirname "$0")/lib.sh"

start_burnfs
printf 'one\n' >"$MNT/staging/one.txt"
ctl_ok commit
printf 'staged\n' >"$MNT/staging/staged.txt"

# xorriso ignores burnfs's advisory lock: it appends session 2 under us
mkdir -p "$T/ext"
printf 'from outside\n' >"$T/ext/outside.txt"
timeout 60 xorriso -dev "stdio:$IMG" -map "$T/ext" /ext -commit >/dev/null 2>&1 ||
	fail "xorriso could not append"
assert_eq "$(toc_sessions "$IMG")" 2 "sessions after the outside append"

img_sha=$(sha "$IMG")
ctl commit
assert_eq "$CTL_ERRNO" ESTALE "errno of a commit on a changed disc"
assert_eq "$(st last_errno)" ESTALE "last_errno after the refused commit"
case $(st last_result) in
*"disc changed"*) ;;
*) fail "last_result does not say the disc changed: $(st last_result)" ;;
esac
assert_eq "$(sha "$IMG")" "$img_sha" "image after the refused commit"
assert_eq "$(pending_norm)" "A staged.txt" "pending after the refused commit"
assert_eq "$(cat "$MNT/staging/staged.txt")" staged "staged file after the refused commit"
assert_eq "$(st sessions)" 2 "status sessions after the re-check"

# a remount re-applies the staged changes on top of session 2
stop_burnfs
start_burnfs
assert_eq "$(pending_norm)" "A staged.txt" "pending after remount"
[ -f "$MNT/staging/ext/outside.txt" ] || fail "the outside session is not in staging/"
ctl_ok commit
assert_eq "$(toc_sessions "$IMG")" 3 "sessions after the commit"
in_image "$IMG" /staged.txt || fail "staged.txt not on the disc"
in_image "$IMG" /ext/outside.txt || fail "the outside file was lost"
in_image "$IMG" /one.txt || fail "one.txt was lost"

# nothing staged: the stage follows the disc without a word
timeout 60 xorriso -dev "stdio:$IMG" -map "$T/ext" /ext2 -commit >/dev/null 2>&1 ||
	fail "xorriso could not append again"
ctl_ok commit
assert_eq "$(toc_sessions "$IMG")" 4 "a no-op commit wrote nothing"
[ -f "$MNT/staging/ext2/outside.txt" ] || fail "staging/ does not show the new outside session"
assert_eq "$(pending)" "" "pending after following the disc"
stop_burnfs
