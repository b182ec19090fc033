#!/bin/bash
# t67_tree_not_kept — a disc of more entries than BURNFS_KEEP_TREE_MAX is
# not held in memory between commits (the daemon says so at the mount and
# after each commit) and each commit loads its tree again: the sessions
# then come out as with the tree kept. Every kind of change, over three
# commits and a fresh mount, equals xorriso's extraction of the newest
# session; hard links stay linked, xattrs stay, an unchanged file keeps its
# blocks. A small disc under the default budget keeps its tree.
. "$(dirname "$0")/lib.sh"

notes() { grep -c 'is not kept between commits' "$LOG" || true; }

make_tree "$T/src"
start_burnfs
timeout 60 cp -a "$T/src/." "$MNT/staging/"
ctl_ok commit
stop_burnfs
start_burnfs
assert_eq "$(notes)" 0 "'not kept' notes for a disc of $(find "$T/src" | wc -l) entries under the default budget"
stop_burnfs

export BURNFS_KEEP_TREE_MAX=5
rm -rf "$CACHE"
start_burnfs
assert_eq "$(notes)" 1 "'not kept' notes after a mount with BURNFS_KEEP_TREE_MAX=5"
lba1=$(lba_of "$IMG" /big.bin)
[ -n "$lba1" ] || fail "no LBA for /big.bin"

cp -a "$T/src" "$T/local"
edit1() {
	mv "$1/docs/nested" "$1/moved"
	rm "$1/docs/b.txt"
	ln "$1/docs/a.txt" "$1/a-link"
	printf 'new\n' >"$1/new.txt"
	setfattr -n user.added -v yes "$1/new.txt"
	chmod 0640 "$1/docs/hl1"
	touch -d '2020-01-01 00:00:00' "$1/new.txt" "$1/docs/a.txt"
}
edit2() {
	printf 'changed\n' >"$1/docs/a.txt"
	rm -r "$1/moved/empty"
	ln -s new.txt "$1/to-new"
	mkdir "$1/later"
	printf 'x\n' >"$1/later/x"
	touch -d '2021-01-01 00:00:00' "$1/later/x" "$1/docs/a.txt"
}
for edit in edit1 edit2; do
	$edit "$T/local"
	$edit "$MNT/staging"
	find "$T/local" "$MNT/staging" -mindepth 1 -depth -type d \
		-exec touch -d '2010-05-06 07:08:09' {} +
	ctl_ok commit
done
assert_eq "$(notes)" 3 "'not kept' notes after the mount and two commits"
assert_same_tree "$T/local" "$MNT/staging" "local copy and staging/ after the commits"
stop_burnfs

xorriso_extract "$IMG" "$T/x"
assert_same_tree "$T/local" "$T/x" "local copy and xorriso's extraction of the newest session"
[ "$(stat -c %i "$T/x/docs/a.txt")" = "$(stat -c %i "$T/x/a-link")" ] ||
	fail "docs/a.txt and a-link are no longer one file"
[ "$(stat -c %i "$T/x/docs/hl1")" = "$(stat -c %i "$T/x/docs/hl2")" ] ||
	fail "docs/hl1 and docs/hl2 are no longer one file"
assert_eq "$(xattr_get "$T/x/new.txt" user.added)" yes "user.added of new.txt"
assert_eq "$(xattr_get "$T/x/docs/b.txt" user.comment 2>/dev/null || echo gone)" gone "docs/b.txt (removed)"
assert_eq "$(lba_of "$IMG" /big.bin)" "$lba1" "LBA of the unchanged /big.bin"
check_md5 "$IMG"

# a fresh mount sees the same, and says again that it keeps no tree
rm -rf "$CACHE"
start_burnfs
assert_same_tree "$T/local" "$MNT/staging" "local copy and staging/ after a fresh mount"
assert_eq "$(notes)" 4 "'not kept' notes after the fresh mount"
stop_burnfs
