#!/bin/bash
# t12_metadata_only — renaming a folder that holds a 5 MB disc file and
# touching/chmod-ing every file copies no data into the cache and rewrites
# no file data: the next session adds well under 1 MB to the image, and the
# big file keeps its data blocks (same LBA in both sessions).
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/src/photos/2020" "$T/src/other"
head -c 5000000 /dev/urandom >"$T/src/photos/2020/big.jpg"
for i in 1 2 3 4 5; do head -c 20000 /dev/urandom >"$T/src/photos/2020/small$i.jpg"; done
printf 'notes\n' >"$T/src/other/notes.txt"
start_burnfs
timeout 60 cp -a "$T/src/." "$MNT/staging/"
ctl_ok commit
stop_burnfs
size1=$(file_size "$IMG")
lba1=$(lba_of "$IMG" /photos/2020/big.jpg)
[ -n "$lba1" ] || fail "no LBA for /photos/2020/big.jpg in session 1"
rm -rf "$CACHE"
start_burnfs

cp -a "$T/src" "$T/local"
for d in "$T/local" "$MNT/staging"; do
	mv "$d/photos" "$d/pictures"
	find "$d" -type f -exec touch -d '2021-07-07 07:07:07' {} +
	chmod 0600 "$d/pictures/2020/big.jpg"
	chown 55:66 "$d/pictures/2020/small1.jpg"
	find "$d" -mindepth 1 -type d -exec touch -d '2022-02-02 02:02:02' {} +
done
assert_same_tree "$T/local" "$MNT/staging" "local copy and staging/"
cache_kb=$(du -sk "$CACHE" | cut -f1)
[ "$cache_kb" -lt 1024 ] || fail "the cache grew to ${cache_kb} KiB for metadata-only changes (data copied up)"
pb=$(st pending_bytes)
[ "$pb" -lt 1048576 ] || fail "pending_bytes=$pb for metadata-only changes"
grep -q '^R photos -> pictures$' <(pending_norm) || { pending >&2; fail "pending lacks 'R photos -> pictures'"; }

ctl_ok commit
stop_burnfs
size2=$(file_size "$IMG")
growth=$((size2 - size1))
note "image grew by $growth bytes (session 1: $size1 bytes)"
[ "$growth" -lt 1048576 ] || fail "metadata-only session added $growth bytes (>= 1 MiB)"
assert_eq "$(toc_sessions "$IMG")" 2 "sessions"
lba2=$(lba_of "$IMG" /pictures/2020/big.jpg)
assert_eq "$lba2" "$lba1" "LBA of the big file's data in session 2"
assert_newest_session_is "$IMG" "$T/local" "local copy and the newest session"
check_md5 "$IMG"
