#!/bin/bash
# t69_clean_folders — folders with nothing staged beneath them are clean: the
# commit keeps them as the disc holds them instead of copying and
# rebuilding every entry (the daemon logs how many). Such a folder renamed
# or moved unlisted, files added and changed beside it, two commits in a
# row and a fresh mount: xorriso's extraction equals a local copy given the
# same changes and the session burnfs writes with the whole tree copied
# (BURNFS_FULL_SNAPSHOT=1); the kept files keep their blocks and xattrs.
# Once with the disc's tree kept between commits, once loaded afresh for
# each commit (BURNFS_KEEP_TREE_MAX=5). After a walk that lists every
# folder, the unchanged ones are still kept and a changed one is rebuilt.
. "$(dirname "$0")/lib.sh"
unset BURNFS_FULL_SNAPSHOT   # what is checked here is its default (a sweep may set it)

make_tree "$T/src"
mkdir -p "$T/src/docs/nested/deep/deeper"
printf 'deepest\n' >"$T/src/docs/nested/deep/deeper/z.txt"
setfattr -n user.kept -v yes "$T/src/private/secret.txt"
find "$T/src" -mindepth 1 -depth -type d -exec touch -d '2010-05-06 07:08:09' {} +
start_burnfs
timeout 60 cp -a "$T/src/." "$MNT/staging/"
ctl_ok commit
stop_burnfs
cp "$IMG" "$T/base.iso"

kept_lines() { grep -c 'folders nobody changed kept as the disc holds them' "$LOG" || true; }

# changes that list none of docs/nested, private or emptydir (docs is
# listed at the mount: it holds a hard link)
edit1() {
	printf 'new\n' >"$1/new.txt"
	mv "$1/private" "$1/private2"
	mv "$1/docs/nested" "$1/nested2"
	printf 'changed\n' >"$1/docs/a.txt"
	touch -d '2020-01-01 00:00:00' "$1/new.txt" "$1/docs/a.txt"
}
edit2() {
	mkdir "$1/later"
	printf 'x\n' >"$1/later/x"
	mv "$1/emptydir" "$1/later/emptydir"
	touch -d '2020-01-01 00:00:00' "$1/later/x"
}

# run NAME: the two commits on a copy of base.iso, a fresh stage (the
# caller's environment assignments reach the daemon)
run() {
	cp "$T/base.iso" "$IMG"
	rm -rf "$CACHE"
	start_burnfs
	edit1 "$MNT/staging"
	ctl_ok commit
	edit2 "$MNT/staging"
	ctl_ok commit
	stop_burnfs
	check_md5 "$IMG"
	xorriso_extract "$IMG" "$T/x.$1"
	cp "$IMG" "$T/$1.iso"
}

cp -a "$T/src" "$T/local"
edit1 "$T/local"
edit2 "$T/local"
lba_x=$(lba_of "$T/base.iso" /docs/nested/deep/x.bin)
lba_s=$(lba_of "$T/base.iso" /private/secret.txt)
[ -n "$lba_x" ] && [ -n "$lba_s" ] || fail "no LBAs in the first session"

export MANIFEST_NO_DIR_MTIME=1   # the folders the changes touched
for mode in kept cold; do
	: >"$LOG"
	if [ $mode = kept ]; then run $mode; else BURNFS_KEEP_TREE_MAX=5 run $mode; fi
	[ "$(kept_lines)" = 2 ] || fail "$mode: $(kept_lines) commits said they kept folders, not 2"
	assert_same_tree "$T/local" "$T/x.$mode" "$mode: local copy and xorriso's extraction"
	assert_eq "$(lba_of "$IMG" /nested2/deep/x.bin)" "$lba_x" "$mode: LBA of the kept nested2/deep/x.bin"
	assert_eq "$(lba_of "$IMG" /private2/secret.txt)" "$lba_s" "$mode: LBA of the kept private2/secret.txt"
	assert_eq "$(xattr_get "$T/x.$mode/private2/secret.txt" user.kept)" yes "$mode: user.kept of private2/secret.txt"
done

: >"$LOG"
BURNFS_FULL_SNAPSHOT=1 run full
assert_eq "$(kept_lines)" 0 "commits that kept folders with BURNFS_FULL_SNAPSHOT=1"
assert_same_tree "$T/x.full" "$T/x.kept" "the session with the whole tree copied and the one with clean folders"
unset MANIFEST_NO_DIR_MTIME
# the own times of folders in a kept one: nothing touched them
for d in deep deep/deeper; do
	assert_eq "$(stat -c %Y "$T/x.kept/nested2/$d")" "$(stat -c %Y "$T/src/docs/nested/$d")" \
		"mtime of the kept folder nested2/$d"
done

# a fresh mount of the kept run's image: a walk lists every folder, yet
# the unchanged ones stay clean; one changed beneath is rebuilt
IMG=$T/kept.iso
rm -rf "$CACHE"
: >"$LOG"
start_burnfs
MANIFEST_NO_DIR_MTIME=1 assert_same_tree "$T/local" "$MNT/staging" "local copy and staging/ after a fresh mount"
for t in "$T/local" "$MNT/staging"; do
	printf 'after walk\n' >"$t/after.txt"
	chmod 0600 "$t/nested2/deep/deeper/z.txt"
	touch -d '2020-01-01 00:00:00' "$t/after.txt"
done
ctl_ok commit
assert_eq "$(kept_lines)" 1 "commits that kept folders after a walk"
grep -q 'commit: 3 folders nobody changed' "$LOG" ||
	fail "not the 3 unchanged folders kept after the walk (private2, later, nested2/empty): $(grep 'folders nobody' "$LOG")"
stop_burnfs
check_md5 "$IMG"
xorriso_extract "$IMG" "$T/x.walked"
MANIFEST_NO_DIR_MTIME=1 assert_same_tree "$T/local" "$T/x.walked" "local copy and the session after the walk"
assert_eq "$(lba_of "$IMG" /private2/secret.txt)" "$lba_s" "LBA of private2/secret.txt after the walk"

# the read-back's second guard: a judge that looks at names only
# (BURNFS_TEST_CLEAN_LAX=1, tests only) keeps a listed folder beneath which
# a mode changed; the digest of what the stage showed there does not match
# the new session, which is not published, and nothing is lost
sessions=$(toc_sessions "$IMG")
rm -rf "$CACHE"
: >"$LOG"
BURNFS_TEST_CLEAN_LAX=1 start_burnfs
find "$MNT/staging" >/dev/null
chmod 0640 "$MNT/staging/private2/secret.txt"
ctl_fail EIO commit
grep -q 'a kept folder is not what was staged' "$LOG" ||
	fail "the read-back does not say a kept folder differs: $(grep -i 'read' "$LOG" | tail -3)"
grep -q '^M /private2/secret.txt$' "$MNT/pending" || fail "the chmod is no longer pending: $(cat "$MNT/pending")"
stop_burnfs
assert_eq "$(toc_sessions "$IMG")" "$sessions" "sessions after the refused commit"
start_burnfs
ctl_ok commit
stop_burnfs
rm -rf "$T/x.lax"
xorriso_extract "$IMG" "$T/x.lax"
assert_eq "$(stat -c %a "$T/x.lax/private2/secret.txt")" 640 "mode of private2/secret.txt after the commit"
