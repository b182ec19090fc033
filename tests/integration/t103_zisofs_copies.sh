#!/bin/bash
# t103_zisofs_copies — files stored zisofs-compressed that share their
# extents with others (cp of a compressed disc file, a restore beside the
# original) stay files of their own through every later commit. libisofs
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
ctl_ok commit                                   # session 2
printf 'new\n' >"$S/new.txt"
ctl_ok commit                                   # session 3: failed with EIO
chmod 600 "$S/d/c1.txt"
ctl_ok commit                                   # session 4
ctl_ok verify
lba=$(lba_of "$IMG" /d/text.txt)
for f in text.txt c1.txt c2.txt r.txt; do
	assert_eq "$(ilinks "$f")" 1 "PX link count of $f"
	[ "$(isize "$f")" -lt "$(file_size "$T/text")" ] || fail "$f is not stored compressed"
done
assert_eq "$(ilinks h1.txt) $(ilinks h2.txt)" "2 2" "PX link counts of a compressed hard link"
for f in /d/c1.txt /c2.txt /r.txt; do
	assert_eq "$(lba_of "$IMG" "$f")" "$lba" "blocks of $f"
done
check_md5 "$IMG"
stop_burnfs

rm -rf "$CACHE"
start_burnfs
for f in d/text.txt d/c1.txt c2.txt r.txt; do
	cmp "$S/$f" "$T/text" || fail "$f reads wrong after a fresh mount"
	assert_eq "$(stat -c %h "$S/$f")" 1 "link count of $f"
done
assert_eq "$(stat -c %i "$S/d/text.txt" "$S/d/c1.txt" "$S/c2.txt" "$S/r.txt" | sort -u | wc -l)" 4 \
	"distinct inodes of the compressed file and its copies"
assert_eq "$(stat -c %a "$S/d/c1.txt")" 600 "mode of the copy after a fresh mount"
[ "$S/d/h1.txt" -ef "$S/d/h2.txt" ] || fail "the compressed hard link is no longer one file"
stop_burnfs
xorriso_extract "$IMG" "$T/x"
for f in d/text.txt d/c1.txt c2.txt r.txt; do cmp "$T/x/$f" "$T/text" || fail "xorriso: $f"; done
