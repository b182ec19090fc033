#!/bin/bash
# t62_hard_links_of_all_kinds — hard links of files, symlinks, fifos and
# device nodes keep their link count and their shared inode through a
# commit, a mount with an empty cache, a second commit that changes one of
# them, and xorriso's extraction.
. "$(dirname "$0")/lib.sh"

start_burnfs
S=$MNT/staging
mkdir "$S/a" "$S/b"
printf 'file\n' >"$S/a/f1"
ln "$S/a/f1" "$S/b/f2"
ln -s ../a/f1 "$S/a/l1"
ln "$S/a/l1" "$S/b/l2"
ln "$S/a/l1" "$S/l3"
mkfifo "$S/a/p1"
ln "$S/a/p1" "$S/b/p2"
mknod "$S/a/c1" c 1 3
ln "$S/a/c1" "$S/b/c2"
ln -s lonely "$S/single"
assert_eq "$(stat -c %h "$S/a/l1")" 3 "link count of a staged symlink"
ctl_ok commit

check_links() {
	local what=$1
	assert_eq "$(stat -c %h "$S/a/f1")" 2 "file link count ($what)"
	assert_eq "$(stat -c %h "$S/b/l2")" 3 "symlink link count ($what)"
	assert_eq "$(stat -c %h "$S/b/p2")" 2 "fifo link count ($what)"
	assert_eq "$(stat -c %h "$S/b/c2")" 2 "device link count ($what)"
	assert_eq "$(stat -c %h "$S/single")" 1 "lone symlink link count ($what)"
	assert_eq "$(stat -c %i "$S/a/l1")" "$(stat -c %i "$S/l3")" "symlink inode ($what)"
	assert_eq "$(stat -c %i "$S/a/p1")" "$(stat -c %i "$S/b/p2")" "fifo inode ($what)"
	assert_eq "$(stat -c %i "$S/a/c1")" "$(stat -c %i "$S/b/c2")" "device inode ($what)"
	[ "$(stat -c %i "$S/a/l1")" != "$(stat -c %i "$S/single")" ] || fail "two symlinks that are not linked share an inode ($what)"
	assert_eq "$(readlink "$S/b/l2")" ../a/f1 "symlink target ($what)"
	assert_eq "$(stat -c %t:%T "$S/b/c2")" 1:3 "device number ($what)"
}
check_links "after the commit"
stop_burnfs

rm -rf "$CACHE"
start_burnfs
check_links "fresh mount"
assert_eq "$(stat -c %h "$MNT/sessions/1/b/l2")" 3 "symlink link count in sessions/1"
# a second session: one name goes, the others stay linked
rm "$S/l3"
touch -h -d '2001-01-01' "$S/a/l1"
ctl_ok commit
stop_burnfs
rm -rf "$CACHE"
start_burnfs
assert_eq "$(stat -c %h "$S/b/l2")" 2 "symlink link count after removing one name"
assert_eq "$(stat -c %Y "$S/b/l2")" "$(date -d '2001-01-01' +%s)" "time through the other name"
assert_eq "$(stat -c %h "$S/a/f1")" 2 "file link count in session 2"
stop_burnfs

xorriso_extract_all "$IMG" "$T/x"
assert_eq "$(stat -c %h "$T/x/a/l1")" 2 "symlink link count, xorriso's extraction"
assert_eq "$(stat -c %h "$T/x/a/f1")" 2 "file link count, xorriso's extraction"
assert_eq "$(stat -c %h "$T/x/a/p1")" 2 "fifo link count, xorriso's extraction"
