#!/bin/bash
# t119_cache_read_only — the cache's ext4 turns read-only under the mount
# (errors=remount-ro after an error, forced here through sysfs): what is
# staged stays readable, as on a read-only ext4 (reads failed with EROFS:
# data files were opened read-write even to read), changes fail, and after
# a repair and a remount everything staged is there and commits.
. "$(dirname "$0")/lib.sh"

command -v mkfs.ext4 >/dev/null || skip "mkfs.ext4 is not installed"
truncate -s 64M "$T/c.img"
mkfs.ext4 -q -F "$T/c.img" >/dev/null 2>&1 || skip "mkfs.ext4 failed"
make_loop_device 64M "$T/c.img"
mkdir -p "$T/cfs"
mount -o errors=remount-ro "$LOOP_DEV" "$T/cfs" || skip "cannot mount the loop device"
KERNEL_MOUNTS+=("$T/cfs")
trigger=/sys/fs/ext4/$(basename "$LOOP_DEV")/trigger_fs_error
[ -w "$trigger" ] || skip "this kernel has no $trigger"

CACHE=$T/cfs/cache start_burnfs
printf 'a\n' >"$MNT/staging/a"
ctl_ok commit
head -c 1000000 /dev/urandom >"$T/b"
cp "$T/b" "$MNT/staging/b"
printf 'keep\n' >"$MNT/staging/keep"
sync
echo 1 >"$trigger"
# (newer kernels say "emergency_ro" beside "rw")
ro_now() { grep " $T/cfs ext4 " /proc/mounts | grep -qE ' (ro|[^ ]*,emergency_ro)[, ]'; }
for i in $(seq 50); do ro_now && break; sleep 0.1; done
ro_now || fail "the cache file system did not turn read-only"
cmp "$T/b" "$MNT/staging/b" || fail "a staged file cannot be read on a read-only cache"
assert_eq "$(cat "$MNT/staging/keep")" keep "a small staged file on a read-only cache"
expect_errno EIO touch "$MNT/staging/new"
CACHE=$T/cfs/cache stop_burnfs
umount "$T/cfs" || fail "cannot unmount the cache file system"
e2fsck -fy "$LOOP_DEV" >/dev/null 2>&1 || true
mount "$LOOP_DEV" "$T/cfs" || fail "cannot mount the repaired cache file system"
CACHE=$T/cfs/cache start_burnfs
cmp "$T/b" "$MNT/staging/b" || fail "the staged file after the repair"
ctl_ok commit
CACHE=$T/cfs/cache stop_burnfs
assert_eq "$(isoinfo -R -i "$IMG" -x /keep)" keep "the staged file on the disc"
