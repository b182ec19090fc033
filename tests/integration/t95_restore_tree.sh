#!/bin/bash
# t95_restore_tree — `restore N PATH` brings a large tree of an older
# session back without copying its bytes: nothing lands in the cache, reads
# through staging/ give the old bytes before the commit, the commit adds
# only directory records (the session grows by at most the previous
# session's size plus RESTORE_BYTES_PER_ENTRY per restored entry, never by
# the file data), the restored files keep their session-1 blocks, and
# xorriso (-check_md5, -osirrox extract), isoinfo, `verify` and a mount
# with an empty cache agree. Parameters: RESTORE_MB (data in the tree, MiB,
# default 32), RESTORE_FILES (small files, default 60),
# RESTORE_BYTES_PER_ENTRY (default 2048: one 2 KiB block per entry, far
# above the ~250 bytes of records an entry takes).
. "$(dirname "$0")/lib.sh"

RESTORE_MB=${RESTORE_MB:-32}
RESTORE_FILES=${RESTORE_FILES:-60}
PER_ENTRY=${RESTORE_BYTES_PER_ENTRY:-2048}

# the tree: big files of RESTORE_MB in all, many small ones, a hard link,
# a symlink, an xattr, odd modes and times
mkdir -p "$T/src/t/small" "$T/src/keep"
make_big "$T/src/t/big" 6 "$((RESTORE_MB / 6 + 1))"
for ((i = 0; i < RESTORE_FILES; i++)); do
	printf 'small file %d\n' "$i" >"$T/src/t/small/s$i.txt"
done
ln "$T/src/t/big/big1.bin" "$T/src/t/hardlink1"
ln -s big/big2.bin "$T/src/t/link"
# hard links of a symlink and of a fifo: restored as links too
ln "$T/src/t/link" "$T/src/t/link-again"
mkfifo "$T/src/t/fifo"
ln "$T/src/t/fifo" "$T/src/t/fifo-again"
setfattr -n user.note -v restored "$T/src/t/small/s1.txt"
chmod 0600 "$T/src/t/small/s2.txt"
touch -d '2001-02-03 04:05:06' "$T/src/t/small/s3.txt"
printf 'stays\n' >"$T/src/keep/k.txt"
find "$T/src" -mindepth 1 -depth -type d -exec touch -d '2010-05-06 07:08:09' {} +
entries=$(find "$T/src/t" | wc -l)
data_bytes=$(du -sb --apparent-size "$T/src/t/big" | cut -f1)

start_burnfs
S=$MNT/staging
timeout 200 cp -a "$T/src/." "$S/"
ctl_ok commit
lba1=$(lba_of "$IMG" /t/big/big3.bin)
[ -n "$lba1" ] || fail "no block of /t/big/big3.bin in session 1"

rm -r "$S/t"
ctl_ok commit
size2=$(file_size "$IMG")
in_image "$IMG" /t && fail "session 2 still has /t"

data_before=$(du -sb "$CACHE/data" | cut -f1)
ctl_ok "restore 1 /t"
assert_eq "$(pending)" "S 1:/t -> /t" "pending after restore"
assert_eq "$(st pending_bytes)" 0 "pending_bytes after restore"
assert_eq "$(du -sb "$CACHE/data" | cut -f1)" "$data_before" "cache data after restore"
assert_same_tree "$T/src" "$S" "staging/ after restore, before the commit"
assert_eq "$(stat -c %h "$S/t/hardlink1")" 2 "link count of the restored hard link"
assert_eq "$(stat -c %i "$S/t/hardlink1")" "$(stat -c %i "$S/t/big/big1.bin")" "inode of the restored hard link"
for l in link fifo; do
	assert_eq "$(stat -c %h "$S/t/$l-again")" 2 "link count of the restored $l's second name"
	assert_eq "$(stat -c %i "$S/t/$l-again")" "$(stat -c %i "$S/t/$l")" "inode of the restored $l's second name"
done
assert_eq "$(du -sb "$CACHE/data" | cut -f1)" "$data_before" "cache data after reading the restored tree"

ctl_ok commit
size3=$(file_size "$IMG")
growth=$((size3 - size2))
limit=$((entries * PER_ENTRY))
note "session 3 added $growth bytes for $entries entries ($data_bytes bytes of file data restored)"
# the newest session rewrites the whole directory tree: allow session 2's
# share of it (the image without /t was session 1 + 2) plus the restored
# entries' records; the file data would be far more
sess2_bytes=$(timeout -k 5 60 xorriso -indev "stdio:$IMG" -toc 2>/dev/null |
	awk '/^ISO session/ && $4 == "2" { v = $8; sub(/s/, "", v); print v * 2048; exit }')
[ -n "$sess2_bytes" ] || sess2_bytes=$((size2 / 2))
[ "$growth" -le $((sess2_bytes + limit)) ] ||
	fail "session 3 grew the image by $growth bytes (> $sess2_bytes + $entries x $PER_ENTRY)"
[ "$growth" -lt "$((data_bytes / 4))" ] || fail "session 3 rewrote the file data ($growth bytes)"
assert_eq "$(lba_of "$IMG" /t/big/big3.bin)" "$lba1" "block of the restored big3.bin"
assert_eq "$(pending)" "" "pending after the commit"

out=$(timeout -k 5 120 xorriso -md5 on -indev "stdio:$IMG" -check_md5_r ALL /t -- 2>&1) ||
	{ printf '%s\n' "$out" | tail -20 >&2; fail "xorriso -check_md5_r on /t failed"; }
case $out in *"no MD5"* | *MISMATCH*) printf '%s\n' "$out" | tail -20 >&2
	fail "restored files lack or mismatch their MD5" ;; esac
check_md5 "$IMG"
assert_newest_session_is "$IMG" "$T/src"
isoinfo -R -i "$IMG" -x /t/small/s7.txt >"$T/s7" || fail "isoinfo -x failed"
cmp "$T/s7" "$T/src/t/small/s7.txt" || fail "isoinfo reads s7.txt wrong"
isoinfo -R -l -i "$IMG" | grep 'hardlink1' >/dev/null || fail "isoinfo -l does not list hardlink1"
note "checked by xorriso and isoinfo"
ctl_ok verify

stop_burnfs
rm -rf "$CACHE"
start_burnfs
note "remounted with an empty cache"
assert_same_tree "$T/src" "$S" "staging/ after a mount with an empty cache"
assert_eq "$(stat -c %h "$S/t/hardlink1")" 2 "link count after the remount"
ino_big1=$(stat -c %i "$S/t/big/big1.bin")
assert_eq "$(stat -c %i "$S/t/hardlink1")" "$ino_big1" "hard link after the remount"
# no unrelated files share an inode
dups=$(find "$S" -type f -printf '%i %n\n' | sort | uniq -c | awk '$1 > $3')
[ -z "$dups" ] || fail "unrelated files share inode numbers: $dups"
stop_burnfs
