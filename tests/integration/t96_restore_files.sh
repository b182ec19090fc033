#!/bin/bash
# t96_restore_files — single files back from older sessions: an old version
# over the current one, a file deleted in a later session (undelete), a
# file renamed since, and `AS NEWPATH` beside the unchanged original (two
# files after the commit: other inodes, writing one leaves the other alone),
# one file restored twice (two files on its blocks, attributes their own).
# Restored bytes are read from the disc before the commit and keep their
# blocks after it; xorriso's -check_md5 and extraction, isoinfo -x and
# `verify` agree. The errors at the call (control and `burnfs restore`):
# no such session, PATH not in it, NEWPATH exists, NEWPATH's folder missing,
# bad syntax.
. "$(dirname "$0")/lib.sh"

start_burnfs
S=$MNT/staging
mkdir -p "$S/docs" "$S/other"
printf 'version one\n' >"$S/docs/v.txt"
head -c 300000 /dev/urandom >"$S/docs/gone.bin"
printf 'will move\n' >"$S/docs/moved.txt"
cp "$S/docs/gone.bin" "$T/gone.bin"
ctl_ok commit                                   # session 1
lba_gone=$(lba_of "$IMG" /docs/gone.bin)

printf 'version two\n' >"$S/docs/v.txt"
rm "$S/docs/gone.bin"
mv "$S/docs/moved.txt" "$S/other/renamed.txt"
ctl_ok commit                                   # session 2

# errors at the call, nothing changes
ctl_fail ENOENT "restore 7 /docs/v.txt"
ctl_fail ENOENT "restore 1 /docs/nothing.txt"
ctl_fail EEXIST "restore 1 /docs/v.txt AS /other/renamed.txt"
ctl_fail ENOENT "restore 1 /docs/v.txt AS /nowhere/v.txt"
ctl_fail EINVAL "restore x /docs/v.txt"
ctl_fail EINVAL "restore 1"
ctl_fail EINVAL "detach restore 1 /docs/v.txt"
assert_eq "$(pending)" "" "pending after refused restores"
expect_cli 2 restore "$MNT" 1
expect_cli 2 restore "$MNT" 1 /docs/v.txt TO /x
expect_cli 1 restore "$MNT" 1 /docs/nothing.txt
case $CLI_ERR in *"not in session 1"*) ;; *) fail "burnfs restore: no reason given: $CLI_ERR" ;; esac

# the old version over the current one; undelete; the renamed file by its
# old name; the old version AS a new name beside the current one
ctl_ok "restore 1 /docs/v.txt AS /docs/v-old.txt"
expect_cli 0 restore "$MNT" 1 /docs/gone.bin
ctl_ok "restore 1 /docs/moved.txt"
assert_eq "$(cat "$S/docs/v.txt")" "version two" "current version"
assert_eq "$(cat "$S/docs/v-old.txt")" "version one" "restored old version"
cmp "$S/docs/gone.bin" "$T/gone.bin" || fail "undeleted file reads wrong before the commit"
assert_eq "$(cat "$S/docs/moved.txt")" "will move" "restored file of its old name"
assert_eq "$(cat "$S/other/renamed.txt")" "will move" "renamed file"
assert_eq "$(pending)" "S 1:/docs/gone.bin -> /docs/gone.bin
S 1:/docs/moved.txt -> /docs/moved.txt
S 1:/docs/v.txt -> /docs/v-old.txt" "pending after the restores"
ctl_ok commit                                   # session 3
assert_eq "$(lba_of "$IMG" /docs/gone.bin)" "$lba_gone" "block of the undeleted file"
assert_eq "$(lba_of "$IMG" /docs/moved.txt)" "$(lba_of "$IMG" /other/renamed.txt)" "blocks of the renamed file and its restored name"
check_md5 "$IMG"
isoinfo -R -i "$IMG" -x /docs/gone.bin >"$T/x" && cmp "$T/x" "$T/gone.bin" || fail "isoinfo reads the undeleted file wrong"
xorriso_extract "$IMG" "$T/x3"
assert_eq "$(cat "$T/x3/docs/v-old.txt")" "version one" "xorriso: restored old version"
assert_eq "$(cat "$T/x3/docs/v.txt")" "version two" "xorriso: current version"
ctl_ok verify

# the two names of one extent are two files
[ "$(stat -c %i "$S/docs/moved.txt")" != "$(stat -c %i "$S/other/renamed.txt")" ] ||
	fail "restored copy shares the inode of the renamed file"
printf 'changed\n' >"$S/other/renamed.txt"
ctl_ok commit                                   # session 4
stop_burnfs
rm -rf "$CACHE"
start_burnfs
assert_eq "$(cat "$S/docs/moved.txt")" "will move" "restored copy after its twin changed"
assert_eq "$(cat "$S/other/renamed.txt")" "changed" "changed twin"
assert_eq "$(stat -c %h "$S/docs/moved.txt")" 1 "link count of the restored copy"
cmp "$S/docs/gone.bin" "$T/gone.bin" || fail "undeleted file after a mount with an empty cache"
check_md5 "$IMG"

# one file restored twice is two files on the same blocks, also when the
# newest session no longer has it (the commit failed with EIO before: the
# second found its node taken by the first)
rm "$S/docs/gone.bin"
ctl_ok commit                                   # session 5
ctl_ok "restore 1 /docs/gone.bin AS /other/copy1.bin"
ctl_ok "restore 1 /docs/gone.bin AS /other/copy2.bin"
chmod 600 "$S/other/copy2.bin"
setfattr -n user.note -v two "$S/other/copy2.bin"
ctl_ok commit                                   # session 6
for f in /other/copy1.bin /other/copy2.bin; do
	assert_eq "$(lba_of "$IMG" "$f")" "$lba_gone" "block of $f"
	cmp "$S$f" "$T/gone.bin" || fail "$f reads wrong after the commit"
done
[ "$(stat -c %i "$S/other/copy1.bin")" != "$(stat -c %i "$S/other/copy2.bin")" ] ||
	fail "two restored copies share an inode"
check_md5 "$IMG"
# a restored file written since is no longer the session's: pending says so
ctl_ok "restore 1 /docs/v.txt AS /other/v1.txt"
printf 'more\n' >>"$S/other/v1.txt"
assert_eq "$(pending)" "S 1:/docs/v.txt -> /other/v1.txt
M /other/v1.txt" "pending after writing a restored file"
ctl_ok discard
stop_burnfs
xorriso_extract_all "$IMG" "$T/x5"
for f in copy1.bin copy2.bin; do
	cmp "$T/x5/other/$f" "$T/gone.bin" || fail "xorriso: $f differs"
	assert_eq "$(stat -c %h "$T/x5/other/$f")" 1 "xorriso: link count of $f"
done
assert_eq "$(stat -c %a "$T/x5/other/copy2.bin")" 600 "xorriso: mode of the second copy"
assert_eq "$(xattr_get "$T/x5/other/copy2.bin" user.note)" two "xorriso: xattr of the second copy"
assert_eq "$(stat -c %a "$T/x5/other/copy1.bin")" 644 "xorriso: mode of the first copy"
