#!/bin/bash
# t11_edits — every kind of edit on disc entries (rm, rmdir, replace, write
# into and truncate a disc file, mv file, mv folder, mkdir over a deleted
# folder, chmod, chown, touch, xattrs, symlink change, add), made the same
# way to a local copy of session 1 and to staging/. Checked in staging/, in
# `pending` (A/M/D/R lines), after a remount, and after the commit by
# reading the image (fuseiso and xorriso) and comparing entry by entry.
. "$(dirname "$0")/lib.sh"

make_tree "$T/src"
mkdir -p "$T/src/olddir/inner" "$T/src/movedir/sub" "$T/src/keep"
printf 'old child\n' >"$T/src/olddir/inner/child.txt"
printf 'old top\n' >"$T/src/olddir/top.txt"
printf 'moving\n' >"$T/src/movedir/sub/m.txt"
head -c 300000 /dev/urandom >"$T/src/movedir/payload.bin"
head -c 100000 /dev/urandom >"$T/src/trunc.bin"
printf 'untouched\n' >"$T/src/keep/untouched.txt"
setfattr -n user.gone -v bye "$T/src/keep/untouched.txt"
find "$T/src" -type f -newermt '2005-01-01' -exec touch -d '2009-09-09 09:09:09' {} +
find "$T/src" -type d -exec touch -d '2010-05-06 07:08:09' {} +

start_burnfs
timeout 120 cp -a "$T/src/." "$MNT/staging/"
ctl_ok commit
stop_burnfs
rm -rf "$CACHE"
cp -a "$T/src" "$T/local"
start_burnfs

edits() {
	cd "$1"
	rm docs/b.txt                                   # D
	rmdir emptydir                                  # D (folder)
	printf 'replaced content\n' >docs/a.txt         # M (replace by O_TRUNC)
	printf 'other\n' >"$T/newfile.$2"
	mv "$T/newfile.$2" "with space & 'quote'.txt"   # M (rename over)
	printf 'PATCH' | dd of=big.bin bs=1 seek=1234567 conv=notrunc status=none   # M (write into)
	truncate -s 4096 trunc.bin                      # M (truncate)
	mv docs/nested/deep/x.bin x-moved.bin           # R file
	mv movedir moved-folder                         # R folder
	rm -rf olddir                                   # D folder with children
	mkdir olddir                                    # ... and a new one in its place
	printf 'fresh\n' >olddir/fresh.txt
	chmod 0604 empty.txt                            # M (metadata)
	chown 777:888 private/secret.txt                # M (metadata)
	touch -d '1999-12-31 23:59:59' "$UNAME"         # M (metadata)
	setfattr -n user.added -v yes docs/hl1          # M (xattr)
	setfattr -x user.gone keep/untouched.txt        # M (xattr removed)
	ln -sfn big.bin link                            # M (symlink)
	printf 'brand new\n' >keep/new.txt              # A
	mkdir -p newtree/a
	printf 'deep new\n' >newtree/a/n.txt            # A
	touch -d '2001-01-01 00:00:00' keep/new.txt newtree/a/n.txt olddir/fresh.txt \
		docs/a.txt "with space & 'quote'.txt" big.bin trunc.bin
	find . -mindepth 1 -type d -exec touch -d '2012-06-06 06:06:06' {} +
	cd - >/dev/null
}
edits "$T/local" local
edits "$MNT/staging" mnt
S=$MNT/staging
assert_same_tree "$T/local" "$S" "edited local copy and staging/"
assert_eq "$(xattr_get "$S/docs/hl1" user.added)" yes "added xattr in staging"
getfattr --absolute-names -n user.gone "$S/keep/untouched.txt" >/dev/null 2>&1 && fail "removed xattr still in staging"
[ ! -e "$S/olddir/top.txt" ] && [ ! -e "$S/olddir/inner" ] || fail "old children visible in a re-created folder"
[ ! -e "$S/movedir" ] || fail "movedir still there after mv"
[ ! -e "$S/docs/nested/deep/x.bin" ] || fail "x.bin still at its old path"

# pending: one line per change, "X path" / "R old -> new", sorted
pending_norm >"$T/pending"
cat "$T/pending"
has() { grep -qxF -- "$1" "$T/pending" || fail "pending lacks the line '$1'"; }
has_any() { grep -qE -- "$1" "$T/pending" || fail "pending has no line matching /$1/"; }
has "D docs/b.txt"
has "D emptydir"
has "M docs/a.txt"
has "M with space & 'quote'.txt"
has "M big.bin"
has "M trunc.bin"
has "R docs/nested/deep/x.bin -> x-moved.bin"
has "R movedir -> moved-folder"
has_any '^[ADM] olddir$|^D olddir/'
has "A olddir/fresh.txt"
has "M empty.txt"
has "M private/secret.txt"
has "M $UNAME"
has "M docs/hl1"
has "M keep/untouched.txt"
has "M link"
has "A keep/new.txt"
has_any '^A newtree(/a/n.txt)?$'
# entries the edits did not touch are not listed; children of a renamed
# folder are covered by its R line
for p in "$LONG180" docs/dangling movedir/payload.bin moved-folder/payload.bin; do
	grep -qE -- "^[AMD] $p\$" "$T/pending" && fail "unchanged entry '$p' listed in pending"
done
grep -vE '^[AMD] .|^R .+ -> .' "$T/pending" && fail "malformed pending lines"
sed -E 's/^[AMDR] //; s/ -> .*//' "$T/pending" >"$T/pending.paths"
LC_ALL=C sort -c "$T/pending.paths" 2>/dev/null || { cat "$T/pending" >&2; fail "pending is not sorted by path in C order"; }
[ "$(st pending_entries)" -ge "$(grep -c . "$T/pending")" ] ||
	fail "pending_entries=$(st pending_entries) is smaller than the $(grep -c . "$T/pending") pending lines"

# the edits survive a remount
stop_burnfs
start_burnfs
assert_same_tree "$T/local" "$S" "edited local copy and staging/ after remount"
pending_norm >"$T/pending2"
diff -u "$T/pending" "$T/pending2" || fail "pending changed across remount"

ctl_ok commit
assert_eq "$(pending)" "" "pending after commit"
assert_eq "$(toc_sessions "$IMG")" 2 "sessions"
assert_same_tree "$T/local" "$S" "edited local copy and staging/ after commit"
assert_same_tree "$T/src" "$MNT/sessions/1" "session 1 unchanged"
stop_burnfs

assert_newest_session_is "$IMG" "$T/local" "edited local copy and the newest session (xorriso)"
xorriso_extract "$IMG" "$T/x"
assert_same_tree "$T/local" "$T/x" "edited local copy and the newest session (xorriso)"
assert_eq "$(xattr_get "$T/x/docs/hl1" user.added)" yes "added xattr in the image"
getfattr --absolute-names -n user.gone "$T/x/keep/untouched.txt" >/dev/null 2>&1 && fail "removed xattr still in the image"
check_md5 "$IMG"
check_md5 "$IMG" 1
