#!/bin/bash
# t01_basic_tree — cp -a a tree into staging/ of a new image, commit session 1,
# and read it back with readers burnfs did not write: bsdtar (extract and
# compare entry by entry), isoinfo (Rock Ridge listing, Joliet names) and
# xorriso (one session, MD5s). Everything runs under LC_ALL=C, so UTF-8 names
# must survive without a UTF-8 locale.
. "$(dirname "$0")/lib.sh"

make_tree "$T/src"
[ ! -e "$IMG" ] || fail "image exists before the test"
start_burnfs
[ -d "$MNT/staging" ] || fail "no staging/ in the mount root"
[ -e "$MNT/pending" ] || fail "no pending file in the mount root"

timeout 120 cp -a "$T/src/." "$MNT/staging/"
assert_same_tree "$T/src" "$MNT/staging" "source and staging/ before commit"
assert_eq "$(stat -c %h "$MNT/staging/docs/hl1")" 2 "hard link count in staging"
assert_eq "$(xattr_get "$MNT/staging/docs/b.txt" user.comment)" "tree file" "xattr in staging"
[ "$(st pending_entries)" -gt 0 ] || fail "pending_entries is 0 after cp -a"

ctl_ok commit
assert_eq "$(toc_sessions "$IMG")" 1 "sessions in xorriso -toc"
assert_eq "$(st sessions)" 1 "status sessions"
assert_eq "$(st media_status)" appendable "status media_status"
assert_eq "$(st pending_entries)" 0 "pending_entries after commit"
assert_eq "$(pending)" "" "pending after commit"
# staging still shows the tree after the commit
assert_same_tree "$T/src" "$MNT/staging" "source and staging/ after commit"
stop_burnfs

# bsdtar: whole tree, entry by entry
bsdtar_extract "$IMG" "$T/x"
assert_same_tree "$T/src" "$T/x" "source and bsdtar extraction"

# xorriso: MD5s recorded and right; hard links and xattrs kept
check_md5 "$IMG"
xorriso_extract "$IMG" "$T/xx"
assert_same_tree "$T/src" "$T/xx" "source and xorriso extraction"
assert_eq "$(stat -c %h "$T/xx/docs/hl1")" 2 "hard link count in the image"
assert_eq "$(xattr_get "$T/xx/docs/b.txt" user.comment)" "tree file" "xattr in the image"

# isoinfo: the Rock Ridge listing names every entry
(cd "$T/src" && find . -mindepth 1 | sed 's#^\.##' | sort) >"$T/want.list"
timeout 60 isoinfo -R -f -i "$IMG" | sort >"$T/isoinfo.list"
diff -u "$T/want.list" "$T/isoinfo.list" || fail "isoinfo -R -f listing differs from the source"

# Joliet carries the non-ASCII name as Unicode (not "_" from a C-locale
# conversion): é (U+00E9) shows as byte 0xE9 in ISO-8859-1.
timeout 60 isoinfo -J -j iso8859-1 -f -i "$IMG" | sed "s/;1\$//" >"$T/joliet.list" || fail "no Joliet tree"
grep -q $'^/\xe9t\xe9-' "$T/joliet.list" || { cat -v "$T/joliet.list" >&2; fail "Joliet name of $UNAME mangled"; }
grep -q '^/docs/a.txt$' "$T/joliet.list" || fail "Joliet tree lacks /docs/a.txt"
