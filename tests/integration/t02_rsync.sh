#!/bin/bash
# t02_rsync — rsync -a (with -H and -X for hard links and xattrs) a tree into
# staging/ of a new image, commit, extract with bsdtar and xorriso, and
# compare entry by entry. rsync writes temp files and renames them over.
. "$(dirname "$0")/lib.sh"

make_tree "$T/src"
start_burnfs
timeout 120 rsync -aHX "$T/src/" "$MNT/staging/" || fail "rsync -aHX into staging/ failed"
assert_same_tree "$T/src" "$MNT/staging" "source and staging/"
# no rsync temp files left behind
[ -z "$(find "$MNT/staging" -name '.*.??????' -print -quit)" ] || fail "rsync temp files left in staging/"

ctl_ok commit
assert_eq "$(toc_sessions "$IMG")" 1 "sessions in xorriso -toc"
stop_burnfs

bsdtar_extract "$IMG" "$T/x"
assert_same_tree "$T/src" "$T/x" "source and bsdtar extraction"
xorriso_extract "$IMG" "$T/xx"
assert_same_tree "$T/src" "$T/xx" "source and xorriso extraction"
assert_eq "$(stat -c %h "$T/xx/docs/hl2")" 2 "hard link count in the image"
assert_eq "$(xattr_get "$T/xx/docs/b.txt" user.comment)" "tree file" "xattr in the image"
check_md5 "$IMG"
