#!/bin/bash
# t98_zisofs_write — `set compress=zisofs` (and `-o compress=zisofs`):
# files that shrink are written zisofs-compressed (isoinfo, which does not
# inflate, lists them smaller; random data stays plain), the image grows by
# the compressed size, and burnfs after a mount with an empty cache,
# xorriso's extraction and bsdtar-free readers give the original bytes;
# -check_md5 and `verify` pass; `set compress=none` writes plain again; a
# compressed file restored into an uncompressed session stays compressed
# and reads right. Bad values are refused with EINVAL.
. "$(dirname "$0")/lib.sh"

isize() {  # isize NAME: the size isoinfo lists for NAME in the newest session
	isoinfo -R -l -i "$IMG" | awk -v n="$1" '$NF == n { print $5; exit }'
}

mkdir -p "$T/src/text"
for i in 1 2 3 4 5 6; do
	seq "$((i * 10000))" "$((i * 10000 + 40000))" >"$T/src/text/t$i.txt"
done
head -c 2000000 /dev/urandom >"$T/src/random.bin"
printf 'tiny\n' >"$T/src/tiny.txt"
text_bytes=$(du -sb --apparent-size "$T/src/text" | cut -f1)

start_burnfs -o compress=zisofs,capacity=200M
S=$MNT/staging
assert_eq "$(st set_compress)" zisofs "set_compress with -o compress=zisofs"
ctl_fail EINVAL "set compress=gzip"
assert_eq "$(st set_compress)" zisofs "set_compress after a refused value"
timeout 60 cp -a "$T/src/." "$S/"
ctl_ok commit
size1=$(file_size "$IMG")
[ "$(isize t3.txt)" -lt "$(file_size "$T/src/text/t3.txt")" ] ||
	fail "t3.txt is not stored compressed (isoinfo: $(isize t3.txt))"
assert_eq "$(isize random.bin)" 2000000 "random data stays plain"
assert_eq "$(isize tiny.txt)" 5 "a tiny file stays plain"
[ "$size1" -lt $((text_bytes / 2 + 2000000 + 1048576)) ] ||
	fail "the image ($size1 bytes) is not smaller by the compressed text"
check_md5 "$IMG"
xorriso_extract "$IMG" "$T/x1"
MANIFEST_NO_DIR_MTIME=1 assert_same_tree "$T/src" "$T/x1" "xorriso's extraction of the compressed session"
ctl_ok verify
free_after=$(st free_bytes)
# what the medium has left counts the size on the disc
assert_int_between "$free_after" $((200 * 1048576 - size1 - 1048576)) $((200 * 1048576 - size1 + 1048576)) free_bytes

stop_burnfs
rm -rf "$CACHE"
start_burnfs -o capacity=200M
assert_eq "$(st set_compress)" none "set_compress without the option"
assert_same_tree "$T/src" "$S" "staging/ after a mount with an empty cache"
assert_eq "$(st free_bytes)" "$free_after" "free_bytes after the remount"

# plain again; a compressed file restored into a plain session stays so
rm "$S/text/t2.txt"
printf 'plain now\n%s\n' "$(seq 1 20000)" >"$S/plain.txt"
ctl_ok commit
ctl_ok "restore 1 /text/t2.txt"
ctl_ok commit
[ "$(isize t2.txt)" -lt "$(file_size "$T/src/text/t2.txt")" ] || fail "restored t2.txt is no longer compressed"
assert_eq "$(isize plain.txt)" "$(file_size "$S/plain.txt")" "plain.txt after set compress=none"
cmp "$S/text/t2.txt" "$T/src/text/t2.txt" || fail "restored compressed file reads wrong"
check_md5 "$IMG"
ctl_ok verify
rm -rf "$T/x1"
xorriso_extract "$IMG" "$T/x1"
cmp "$T/x1/text/t2.txt" "$T/src/text/t2.txt" || fail "xorriso: restored compressed file"
ctl_ok "set compress=zisofs"
ctl_ok "set compress=none"
assert_eq "$(st set_compress)" none "set_compress after set compress=none"
stop_burnfs
