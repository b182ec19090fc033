#!/bin/bash
# t24_verify — verify reads the newest session back and checks the session
# MD5 and every file's MD5: it succeeds on a good image; after bytes of one
# file's data are overwritten in the image, it fails with EIO and
# last_result names that file (and not the intact ones).
. "$(dirname "$0")/lib.sh"

start_burnfs
mkdir -p "$MNT/staging/dir"
head -c 1000000 /dev/urandom >"$MNT/staging/dir/victim.bin"
head -c 500000 /dev/urandom >"$MNT/staging/intact.bin"
printf 'small\n' >"$MNT/staging/small.txt"
ctl_ok commit
ctl_ok verify
printf 'second\n' >"$MNT/staging/second.txt"
ctl_ok commit
ctl_ok verify
assert_eq "$(st state)" idle "state after verify"

lba=$(lba_of "$IMG" /dir/victim.bin)
[[ $lba =~ ^[0-9]+$ ]] || fail "no LBA for /dir/victim.bin"
note "victim.bin data at LBA $lba"
head -c 2048 /dev/urandom >"$T/junk"
dd if="$T/junk" of="$IMG" bs=2048 seek=$((lba + 10)) count=1 conv=notrunc status=none
sync

ctl_fail EIO verify
lr=$(st last_result)
note "last_result: $lr"
case $lr in *victim.bin*) ;; *) fail "last_result does not name victim.bin: $lr" ;; esac
case $lr in *intact.bin* | *small.txt*) fail "last_result names an intact file: $lr" ;; esac
assert_eq "$(st sessions)" 2 "sessions after a failed verify"
assert_eq "$(pending)" "" "pending after a failed verify"
# xorriso agrees that the image is damaged
if timeout 60 xorriso -md5 on -indev "stdio:$IMG" -check_md5 FAILURE -- -check_md5_r FAILURE / -- >/dev/null 2>&1; then
	fail "xorriso finds no damage (the test corrupted the wrong blocks)"
fi
stop_burnfs
