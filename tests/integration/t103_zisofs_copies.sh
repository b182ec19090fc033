#!/bin/bash
# t103_zisofs_copies — files stored zisofs-compressed that share their
# extents with others (cp of a compressed disc file, a restore beside the
# original) stay files of their own through every later commit, and new
# hard links of such files (ln of a disc file, of a copy; a restored pair)
# are written as hard links with their ZF field (a clone of the node lost
# it: the read-back found the size wrong and refused every commit). libisofs
# tells loaded files apart by their PX inode, but for a compressed file it
# compares the extents instead, so the writer grouped such files into one
# hard-linked file in the next session, the read-back refused it, and no
# commit could be made on that disc any more. Checked: the commits after
# the copies, the PX link counts (isoinfo; a compressed hard link keeps 2), the compressed sizes, the
# blocks, -check_md5, `verify`, and a fresh mount (contents, inodes). (xorriso's
# extraction with -hardlinks on still links such files: it compares them
# the same way when it reads; the contents are checked, not the links.)
. "$(dirname "$0")/lib.sh"

S=$MNT/staging
isize() {  # isize NAME: the size isoinfo lists for NAME in the newest session
	isoinfo -R -l -i "$IMG" | awk -v n="$1" '$NF == n { print $5; exit }'
}
ilinks() {  # ilinks NAME: the link count isoinfo lists (Rock Ridge PX)
	isoinfo -R -l -i "$IMG" | awk -v n="$1" '$NF == n { print $2; exit }'
}

seq 1 40000 >"$T/text"
start_burnfs -o compress=zisofs
mkdir "$S/d"
cp "$T/text" "$S/d/text.txt"
cp "$T/text" "$S/d/h1.txt" && ln "$S/d/h1.txt" "$S/d/h2.txt"   # a compressed hard link stays one
ctl_ok commit                                   # session 1
[ "$(isize text.txt)" -lt "$(file_size "$T/text")" ] || fail "text.txt is not stored compressed"
stop_burnfs
rm -rf "$CACHE"
start_burnfs

cp "$S/d/text.txt" "$S/d/c1.txt" && cp "$S/d/text.txt" "$S/c2.txt" || fail "cp of a compressed disc file failed"
ctl_ok "restore 1 /d/text.txt AS /r.txt"
ctl_ok "restore 1 /d AS /rd"
# new hard links: of a compressed disc file, of a copy of one
ln "$S/d/text.txt" "$S/text-link" && ln "$S/d/c1.txt" "$S/c1-link" || fail "ln failed"
ctl_ok commit                                   # session 2: failed with EIO (the links)
loads=$(grep -c "loaded for the files taken from it" "$LOG")
printf 'new\n' >"$S/new.txt"
ctl_ok commit                                   # session 3: failed with EIO (the copies)
chmod 600 "$S/d/c1.txt"
ctl_ok commit                                   # session 4
# the hard links are on the disc now: their names have nodes, nothing to load
assert_eq "$(grep -c "loaded for the files taken from it" "$LOG")" "$loads" \
	"sessions loaded by the commits after the links were written"
ctl_ok verify
lba=$(lba_of "$IMG" /d/text.txt)
for f in text.txt text-link c1.txt c1-link c2.txt r.txt h1.txt h2.txt; do
	[ "$(isize "$f")" -lt "$(file_size "$T/text")" ] || fail "$f is not stored compressed"
done
assert_eq "$(for f in text.txt text-link c1.txt c1-link c2.txt r.txt; do ilinks "$f"; done | paste -sd' ')" \
	"2 2 2 2 1 1" "PX link counts of text.txt text-link c1.txt c1-link c2.txt r.txt"
assert_eq "$(isoinfo -R -l -i "$IMG" | awk '$NF ~ /^h[12].txt$/ { print $2 }' | paste -sd' ')" "2 2 2 2" \
	"PX link counts of the compressed hard links and their restored copies"
assert_eq "$(lba_of "$IMG" /rd/h2.txt)" "$(lba_of "$IMG" /d/h1.txt)" "blocks of /rd/h2.txt"
for f in /d/c1.txt /c2.txt /r.txt /text-link /c1-link /rd/text.txt; do
	assert_eq "$(lba_of "$IMG" "$f")" "$lba" "blocks of $f"
done
check_md5 "$IMG"
stop_burnfs

rm -rf "$CACHE"
start_burnfs
for f in d/text.txt text-link d/c1.txt c1-link c2.txt r.txt rd/text.txt rd/h1.txt; do
	cmp "$S/$f" "$T/text" || fail "$f reads wrong after a fresh mount"
done
assert_eq "$(stat -c %h "$S/d/text.txt" "$S/d/c1.txt" "$S/c2.txt" "$S/r.txt" "$S/rd/h1.txt" | paste -sd' ')" \
	"2 2 1 1 2" "link counts after a fresh mount"
[ "$S/d/text.txt" -ef "$S/text-link" ] && [ "$S/d/c1.txt" -ef "$S/c1-link" ] &&
	[ "$S/rd/h1.txt" -ef "$S/rd/h2.txt" ] || fail "a hard link is no longer one file"
assert_eq "$(stat -c %i "$S/d/text.txt" "$S/d/c1.txt" "$S/c2.txt" "$S/r.txt" "$S/rd/text.txt" | sort -u | wc -l)" 5 \
	"distinct inodes of the compressed file and its copies"
assert_eq "$(stat -c %a "$S/d/c1.txt")" 600 "mode of the copy after a fresh mount"
[ "$S/d/h1.txt" -ef "$S/d/h2.txt" ] || fail "the compressed hard link is no longer one file"
stop_burnfs
xorriso_extract "$IMG" "$T/x"
for f in d/text.txt text-link d/c1.txt c1-link c2.txt r.txt rd/h2.txt; do
	cmp "$T/x/$f" "$T/text" || fail "xorriso: $f"
done
