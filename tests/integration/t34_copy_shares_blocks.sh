#!/bin/bash
# t34_copy_shares_blocks — cp of a disc file inside staging/ copies nothing:
# coreutils' copy_file_range of the whole file into the new one makes the
# copy refer to the same disc entry (as a restore does). The cache gets no
# bytes, the commit points the copy at the blocks the data already has
# (the session grows by directory records only), the copy is its own file
# (its own inode, mode and xattrs; writing it leaves the original alone),
# and a kill -9 keeps it. A file copied out of sessions/N is shared the
# same way. What cannot be shared is copied byte for byte by the kernel:
# part of a file, a staged source, a disc file as destination.
# xorriso's -check_md5 and extraction, isoinfo -x.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "python3 is not installed"

S=$MNT/staging
M=1048576
cache_kb() { du -sk "$CACHE/data" | cut -f1; }

start_burnfs
head -c $((4 * M)) /dev/urandom >"$T/big"
mkdir -p "$T/src/d/sub"
head -c 300000 /dev/urandom >"$T/src/d/a.bin"
printf 'small\n' >"$T/src/d/sub/s.txt"
cp "$T/big" "$S/big"
cp -a "$T/src/d" "$S/d"
ctl_ok commit                                   # session 1
stop_burnfs
rm -rf "$CACHE"   # the disc files' bytes now come from the disc only
start_burnfs

kb0=$(cache_kb)
cp "$S/big" "$S/big2" || fail "cp of a disc file failed"
cp -a "$S/d" "$S/d2" || fail "cp -a of a disc folder failed"
cmp "$S/big2" "$T/big" || fail "the copy reads wrong"
diff -r "$T/src/d" "$S/d2" >/dev/null || fail "the copied folder reads wrong"
kb1=$(cache_kb)
[ $((kb1 - kb0)) -lt 64 ] ||
	fail "copying 4.3 MB of disc files put $((kb1 - kb0)) KiB into the cache"
assert_eq "$(pending)" "A /big2
A /d2
A /d2/a.bin
A /d2/sub
A /d2/sub/s.txt" "pending after the copies"
[ "$(stat -c %i "$S/big2")" != "$(stat -c %i "$S/big")" ] || fail "the copy shares the inode"
chmod 600 "$S/big2"
setfattr -n user.copy -v yes "$S/big2"

# what cannot be shared is copied: part of a file, a staged source, a disc
# file as destination
python3 -c 'import os, sys
i = os.open(sys.argv[1], os.O_RDONLY); o = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT, 0o644)
n = os.copy_file_range(i, o, 1000, 100, 0)
sys.exit(n != 1000)' "$S/big" "$S/part" || fail "copy_file_range of part of a disc file failed"
cmp -s "$S/part" <(tail -c +101 "$T/big" | head -c 1000) || fail "the partial copy reads wrong"
printf 'staged\n' >"$S/staged.txt"
cp "$S/staged.txt" "$S/staged2.txt" && assert_eq "$(cat "$S/staged2.txt")" staged "copy of a staged file"
cp "$S/d/sub/s.txt" "$S/d/a.bin" || fail "cp over a disc file failed"
assert_eq "$(cat "$S/d/a.bin")" small "a disc file copied over"

# a kill -9 keeps the copies
kill9_burnfs
start_burnfs
cmp "$S/big2" "$T/big" || fail "the copy after kill -9"
diff -r "$T/src/d" "$S/d2" >/dev/null || fail "the copied folder after kill -9"
assert_eq "$(stat -c %a "$S/big2")" 600 "mode of the copy after kill -9"

img0=$(file_size "$IMG")
ctl_ok commit                                   # session 2
grown=$(( $(file_size "$IMG") - img0 ))
[ "$grown" -lt $((2 * M)) ] || fail "the session with 4.3 MB of copies grew the image by $grown bytes"
assert_eq "$(lba_of "$IMG" /big2)" "$(lba_of "$IMG" /big)" "blocks of the copy"
assert_eq "$(lba_of "$IMG" /d2/sub/s.txt)" "$(lba_of "$IMG" /d/sub/s.txt)" "blocks of a copied folder's file"
check_md5 "$IMG"
assert_eq "$(pending)" "" "pending after the commit"
# a copy of a restored file whose session is not the newest, twice
rm "$S/d/sub/s.txt"
ctl_ok commit                                   # session 3
ctl_ok "restore 1 /d/sub/s.txt AS /r.txt"
cp "$S/r.txt" "$S/r2.txt" && cp "$S/r.txt" "$S/r3.txt" || fail "cp of a restored file failed"
ctl_ok commit                                   # session 4
for f in /r2.txt /r3.txt; do
	assert_eq "$(lba_of "$IMG" "$f")" "$(lba_of "$IMG" /d2/sub/s.txt)" "blocks of the copy $f"
	assert_eq "$(cat "$S$f")" small "the copy $f"
done
# a file of an older session, copied out of sessions/N, is shared too
kb0=$(cache_kb)
cp "$S/../sessions/1/d/a.bin" "$S/a-old.bin" || fail "cp from sessions/1 failed"
cmp "$S/a-old.bin" "$T/src/d/a.bin" || fail "the copy from sessions/1 reads wrong"
[ $(( $(cache_kb) - kb0 )) -lt 64 ] || fail "a copy from sessions/1 went into the cache"
ctl_ok commit                                   # session 5
lba_a1=$(timeout -k 5 60 xorriso -load session 1 -indev "stdio:$IMG" -find /d/a.bin \
	-exec report_lba -- 2>/dev/null | awk -F, '/^File data lba:/ { gsub(/ /, "", $2); print $2; exit }')
assert_eq "$(lba_of "$IMG" /a-old.bin)" "$lba_a1" "blocks of the copy from sessions/1"
# writing the copy leaves the original alone
printf 'tail\n' >>"$S/big2"
cmp "$S/big" "$T/big" || fail "writing the copy changed the original"
ctl_ok commit                                   # session 6
stop_burnfs

xorriso_extract_all "$IMG" "$T/x"
cmp "$T/x/big" "$T/big" || fail "xorriso: the original differs"
cmp -s "$T/x/big2" <(cat "$T/big"; printf 'tail\n') || fail "xorriso: the written copy differs"
diff -r "$T/src/d/sub" "$T/x/d2/sub" >/dev/null || fail "xorriso: the copied folder differs"
assert_eq "$(stat -c %a "$T/x/big2")" 600 "xorriso: mode of the copy"
assert_eq "$(xattr_get "$T/x/big2" user.copy)" yes "xorriso: xattr of the copy"
assert_eq "$(stat -c %h "$T/x/big")" 1 "xorriso: link count of the original"
isoinfo -R -i "$IMG" -x /d2/a.bin >"$T/a" && cmp "$T/a" "$T/src/d/a.bin" ||
	fail "isoinfo reads the copied folder's file wrong"
