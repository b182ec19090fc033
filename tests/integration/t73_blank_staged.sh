#!/bin/bash
# t73_blank_staged — `blank` never drops staged content silently: disc files
# whose staged content is in the cache stay as new files (with edited disc
# folders and symlinks, which the stage holds whole); while a staged change
# of a disc file has its content only on the disc (chmod, rename), blank
# is refused with EBUSY, names the files and erases nothing.
. "$(dirname "$0")/lib.sh"

start_burnfs
S=$MNT/staging
mkdir -p "$S/sub"
for f in a b c; do printf 'disc %s\n' "$f" >"$S/$f.txt"; done
printf 'in sub\n' >"$S/sub/s.txt"
ln -s a.txt "$S/l"
ctl_ok commit
img_sha=$(sha "$IMG")

printf 'edited a\n' >"$S/a.txt"        # content now in the cache
chmod 600 "$S/b.txt"                   # metadata only: content on the disc
mv "$S/c.txt" "$S/c2.txt"              # a rename: content on the disc
printf 'new\n' >"$S/new.txt"
mv "$S/l" "$S/l2"                      # a symlink: whole in the stage
chmod 700 "$S/sub"                     # a folder: whole in the stage

ctl_fail EBUSY blank
res=$(st last_result)
case $res in *b.txt*c2.txt* | *c2.txt*b.txt*) ;; *) fail "last_result does not name b.txt and c2.txt: $res" ;; esac
assert_eq "$(sha "$IMG")" "$img_sha" "the image after the refused blank"
assert_eq "$(st sessions)" 1 "sessions after the refused blank"
assert_eq "$(cat "$S/b.txt")" "disc b" "b.txt after the refused blank"

rm "$S/b.txt" "$S/c2.txt"
ctl_ok blank
assert_eq "$(st sessions)" 0 "sessions after blank"
want="A a.txt
A l2
A new.txt
A sub"
check_after() {
	assert_eq "$(pending_norm)" "$want" "pending after $1"
	assert_eq "$(cat "$S/a.txt")" "edited a" "a.txt after $1"
	assert_eq "$(cat "$S/new.txt")" new "new.txt after $1"
	assert_eq "$(readlink "$S/l2")" a.txt "l2 after $1"
	assert_eq "$(stat -c %a "$S/sub")" 700 "mode of sub after $1"
	assert_eq "$(ls -A "$S/sub")" "" "sub after $1"
}
check_after blank
stop_burnfs
start_burnfs
check_after "a remount"
ctl_ok commit
stop_burnfs
xorriso_extract "$IMG" "$T/x"
assert_eq "$(cd "$T/x" && find . -mindepth 1 | sort | tr '\n' ' ')" "./a.txt ./l2 ./new.txt ./sub " "the disc"
assert_eq "$(cat "$T/x/a.txt")" "edited a" "a.txt on the disc"
check_md5 "$IMG"
