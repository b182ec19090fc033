#!/bin/bash
# t90_md5_sizes — the MD5s a commit records are right for files of every
# size around the hashing's boundaries (2 KiB blocks, the 64 KiB hashed
# inline, 1 MiB chunks), empty files and hard links, in a first session and
# in a second one over kept files: xorriso -check_md5 passes, verify passes,
# each recorded MD5 is md5sum's of the source, the content reads back
# identical. The commits ran with the hashing threads (the log says so).
# BURNFS_TEST_BIG=1 adds a sparse file over 4 GiB (several extents).
. "$(dirname "$0")/lib.sh"

KIB=1024 MIB=1048576
SIZES="0 1 2047 2048 2049 $((64 * KIB - 1)) $((64 * KIB)) $((64 * KIB + 1))
$((MIB - 1)) $MIB $((MIB + 1)) $((MIB + 2048)) $((3 * MIB + 2049)) $((9 * MIB + 7))"

src=$T/src
mkdir -p "$src/d/e"
head -c $((10 * MIB)) /dev/urandom >"$T/random"
for n in $SIZES; do
	# each file starts with its size, so no two are alike
	printf '%s ' "$n" >"$src/f$n"
	head -c "$n" "$T/random" >>"$src/f$n"
	truncate -s "$n" "$src/f$n"
done
head -c $((2 * MIB + 5)) /dev/urandom >"$src/d/linked"
: >"$src/d/e/empty"

start_burnfs
timeout 120 cp -a "$src/." "$MNT/staging/"
ln "$MNT/staging/d/linked" "$MNT/staging/d/e/linked2"
cp "$src/d/linked" "$src/d/e/linked2"   # what the second name must hold
if [ "${BURNFS_TEST_BIG:-0}" = 1 ]; then
	truncate -s $((4 * 1024 * MIB + 3)) "$MNT/staging/huge"
	printf 'end' | dd of="$MNT/staging/huge" bs=1 seek=$((4 * 1024 * MIB)) conv=notrunc status=none
	truncate -s $((4 * 1024 * MIB + 3)) "$src/huge"
	printf 'end' | dd of="$src/huge" bs=1 seek=$((4 * 1024 * MIB)) conv=notrunc status=none
else
	note "no file over 4 GiB (BURNFS_TEST_BIG=1 adds one: 4 GiB written twice)"
fi
ctl_ok commit 600
grep -q "md5: file and session MD5s hashed by threads" "$LOG" ||
	fail "the commit did not hash on the hashing threads (log: $(grep 'md5:' "$LOG" || echo none))"
check_md5 "$IMG"
expect_md5s "$IMG" "$src"
ctl_ok verify 600

# a second session: kept files keep their MD5s, new and changed ones get theirs
head -c $((5 * MIB + 3)) /dev/urandom >"$src/second"
cp "$src/second" "$MNT/staging/second"
head -c 4097 /dev/urandom >"$src/f2048"
cp "$src/f2048" "$MNT/staging/f2048"
ctl_ok commit 600
check_md5 "$IMG"
expect_md5s "$IMG" "$src"
ctl_ok verify 600
stop_burnfs

xorriso_extract "$IMG" "$T/x"
diff -r "$src" "$T/x" || fail "the extracted tree differs from the sources"
assert_eq "$(stat -c %h "$T/x/d/linked")" 2 "hard link count of d/linked on the disc"
assert_eq "$(stat -c %i "$T/x/d/linked")" "$(stat -c %i "$T/x/d/e/linked2")" "d/linked and d/e/linked2 are one file"
