#!/bin/bash
# t10_merged_view — after session 1, a fresh mount with an empty cache shows
# the disc's whole tree in staging/: names, types, modes, owners, mtimes,
# sizes, symlink targets, hard-link counts, user.* xattrs and bytes (also read
# at offsets), with nothing pending.
. "$(dirname "$0")/lib.sh"

make_tree "$T/src"
chown 4321:8765 "$T/src/docs/a.txt"
chown 11:12 "$T/src/docs/nested"
start_burnfs
timeout 120 cp -a "$T/src/." "$MNT/staging/"
ctl_ok commit
stop_burnfs

rm -rf "$CACHE"
# a fixed capacity: free_bytes must not follow what other tests do on the
# image's filesystem meanwhile
start_burnfs -o capacity=1G
S=$MNT/staging
free0=$(st free_bytes)
[ "$free0" -le $(($(st capacity_bytes) - $(file_size "$IMG"))) ] ||
	fail "free_bytes=$free0 on a 1G disc holding a $(file_size "$IMG")-byte session"
assert_eq "$(pending)" "" "pending on a fresh mount"
assert_eq "$(st pending_entries)" 0 "pending_entries on a fresh mount"
assert_eq "$(st sessions)" 1 "sessions"
assert_same_tree "$T/src" "$S" "source and staging/ on a fresh mount"
assert_same_tree "$T/src" "$MNT/sessions/1" "source and sessions/1/"
assert_eq "$(stat -c %h "$S/docs/hl1")" 2 "link count of a disc hard link"
assert_eq "$(stat -c %i "$S/docs/hl1")" "$(stat -c %i "$S/docs/hl2")" "inode numbers of a disc hard-link pair"
assert_eq "$(xattr_get "$S/docs/b.txt" user.comment)" "tree file" "xattr of a disc file"
getfattr --absolute-names -d -m - "$S/docs/b.txt" 2>/dev/null | grep isofs >/dev/null && fail "internal isofs.* xattrs visible"
assert_eq "$(readlink "$S/link")" docs/a.txt "symlink target"
assert_eq "$(cat "$S/link")" "hello burnfs" "reading through a symlink"
# reads at offsets, from two readers at once
for off in 0 1 2047 2048 4095 1000000 4999999; do
	a=$(dd if="$T/src/big.bin" bs=1 skip="$off" count=7 status=none | od -An -tx1)
	b=$(dd if="$S/big.bin" bs=1 skip="$off" count=7 status=none | od -An -tx1)
	assert_eq "$b" "$a" "7 bytes at offset $off of big.bin"
done
sha "$S/big.bin" >"$T/h1" &
reader=$!
sha "$S/big.bin" >"$T/h2"
wait "$reader"
assert_eq "$(cat "$T/h1")" "$(sha "$T/src/big.bin")" "concurrent read 1"
assert_eq "$(cat "$T/h2")" "$(sha "$T/src/big.bin")" "concurrent read 2"
# reading changes nothing
assert_eq "$(pending)" "" "pending after reading everything"
assert_eq "$(st free_bytes)" "$free0" "free_bytes after reading everything (was $free0 before)"
stop_burnfs
