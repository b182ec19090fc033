#!/bin/bash
# t102_copies_one_load — many copies of one disc file in one commit. The
# commit loads the session they come from once (it used to load it once per
# copy: the whole tree each time, hundreds of MiB on a big disc), and every
# copy lands on the original's blocks as a file of its own (link count 1,
# its own mode and xattrs), in folders that sort before and after the
# original's; copies of a restored file and of a file of sessions/1 beside
# them, and of a hard-linked restored file. A root holding the name the commit gives its hidden folder ("\1")
# falls back to one load per copy, just as right. Read back by xorriso
# (-check_md5, extraction, report_lba), isoinfo -x and a fresh mount.
. "$(dirname "$0")/lib.sh"

S=$MNT/staging
M=1048576
COPIES=${COPIES:-6}
# loads N: how many times the daemon has loaded session N for such files
loads() { grep -c "session $1 loaded for the files taken from it" "$LOG" || true; }

start_burnfs
mkdir -p "$T/src/m/deep" "$T/src/z"
head -c $((2 * M)) /dev/urandom >"$T/src/m/big.bin"
printf 'template\n' >"$T/src/m/deep/t.txt"
printf 'gone soon\n' >"$T/src/z/old.txt"
printf 'linked\n' >"$T/src/z/hl1"
ln "$T/src/z/hl1" "$T/src/z/hl2"
cp -a "$T/src/." "$S/"
ctl_ok commit                                   # session 1
rm -r "$S/z"
ctl_ok commit                                   # session 2
stop_burnfs
rm -rf "$CACHE"   # the disc files' bytes now come from the disc only
start_burnfs

for i in $(seq "$COPIES"); do
	mkdir -p "$S/a$i/x" "$S/zz/y$i"
	cp "$S/m/big.bin" "$S/a$i/x/big.bin" && cp "$S/m/big.bin" "$S/zz/y$i/big$i.bin" &&
		cp "$S/m/deep/t.txt" "$S/0t$i.txt" || fail "cp of a disc file failed"
done
chmod 600 "$S/a1/x/big.bin"
setfattr -n user.copy -v one "$S/zz/y1/big1.bin"
ctl_ok "restore 1 /z/old.txt AS /r.txt"
ctl_ok "restore 1 /z AS /rz"
cp "$S/rz/hl1" "$S/h-copy" || fail "cp of a restored hard link failed"
for i in 1 2 3; do
	cp "$S/r.txt" "$S/r$i.txt" && cp "$S/../sessions/1/z/old.txt" "$S/s$i.txt" ||
		fail "cp of a restored file or of sessions/1 failed"
done
[ "$(du -sk "$CACHE/data" | cut -f1)" -lt 64 ] || fail "the copies went into the cache"

l1=$(loads 1) l2=$(loads 2) img0=$(file_size "$IMG")
ctl_ok commit                                   # session 3
assert_eq $(($(loads 2) - l2)) 1 "loads of session 2 for $((2 * COPIES)) copies"
assert_eq $(($(loads 1) - l1)) 1 "loads of session 1 for 10 files"
grown=$(($(file_size "$IMG") - img0))
[ "$grown" -lt "$M" ] || fail "$((2 * COPIES)) copies of 2 MiB grew the image by $grown bytes"
lba=$(lba_of "$IMG" /m/big.bin)
for f in /a1/x/big.bin "/a$COPIES/x/big.bin" /zz/y1/big1.bin "/zz/y$COPIES/big$COPIES.bin"; do
	assert_eq "$(lba_of "$IMG" "$f")" "$lba" "blocks of $f"
done
assert_eq "$(lba_of "$IMG" /0t1.txt)" "$(lba_of "$IMG" /m/deep/t.txt)" "blocks of /0t1.txt"
assert_eq "$(lba_of "$IMG" /s3.txt)" "$(lba_of "$IMG" /r.txt)" "blocks of /s3.txt"
check_md5 "$IMG"
stop_burnfs

xorriso_extract "$IMG" "$T/x"
for i in $(seq "$COPIES"); do
	for f in "a$i/x/big.bin" "zz/y$i/big$i.bin"; do
		cmp "$T/x/$f" "$T/src/m/big.bin" || fail "xorriso: $f differs"
		assert_eq "$(stat -c %h "$T/x/$f")" 1 "xorriso: link count of $f"
	done
	assert_eq "$(cat "$T/x/0t$i.txt")" template "xorriso: /0t$i.txt"
done
assert_eq "$(stat -c %h "$T/x/rz/hl1")" 2 "xorriso: link count of a restored hard link"
[ "$T/x/rz/hl1" -ef "$T/x/rz/hl2" ] || fail "xorriso: the restored hard links are not one file"
assert_eq "$(stat -c %h "$T/x/h-copy")" 1 "xorriso: link count of a hard link's copy"
assert_eq "$(cat "$T/x/h-copy")" linked "xorriso: a hard link's copy"
for f in r r1 r2 r3 s1 s2 s3; do
	assert_eq "$(cat "$T/x/$f.txt")" "gone soon" "xorriso: /$f.txt"
	assert_eq "$(stat -c %h "$T/x/$f.txt")" 1 "xorriso: link count of /$f.txt"
done
assert_eq "$(stat -c %a "$T/x/a1/x/big.bin")" 600 "xorriso: mode of a copy"
assert_eq "$(xattr_get "$T/x/zz/y1/big1.bin" user.copy)" one "xorriso: xattr of a copy"
[ ! -e "$T/x/"$'\1' ] || fail "the hidden folder shows in the tree"
isoinfo -R -i "$IMG" -x "/zz/y$COPIES/big$COPIES.bin" >"$T/b" && cmp "$T/b" "$T/src/m/big.bin" ||
	fail "isoinfo reads a copy wrong"

# a fresh mount: each copy its own inode
rm -rf "$CACHE"
start_burnfs
inos=$(stat -c %i "$S/m/big.bin" "$S"/a*/x/big.bin "$S"/zz/y*/*.bin | sort -u | wc -l)
assert_eq "$inos" $((2 * COPIES + 1)) "distinct inodes of the original and its copies"
assert_eq "$(stat -c %h "$S/a2/x/big.bin")" 1 "link count of a copy"

# the hidden folder's name taken at the root: one load per copy
printf 'first\n' >"$S/"$'\1'
cp "$S/m/deep/t.txt" "$S/m/t2.txt" && cp "$S/m/deep/t.txt" "$S/m/t3.txt" ||
	fail "cp of a disc file failed"
l3=$(loads 3)
ctl_ok commit                                   # session 4
assert_eq $(($(loads 3) - l3)) 2 "loads of session 3 for 2 copies beside a root's \\1"
assert_eq "$(lba_of "$IMG" /m/t3.txt)" "$(lba_of "$IMG" /m/deep/t.txt)" "blocks of /m/t3.txt"
check_md5 "$IMG"
stop_burnfs
rm -rf "$T/x"
xorriso_extract "$IMG" "$T/x"
assert_eq "$(cat "$T/x/"$'\1')" first "xorriso: the root's \\1"
for f in t2 t3; do
	assert_eq "$(cat "$T/x/m/$f.txt")" template "xorriso: /m/$f.txt"
	assert_eq "$(stat -c %h "$T/x/m/$f.txt")" 1 "xorriso: link count of /m/$f.txt"
done
