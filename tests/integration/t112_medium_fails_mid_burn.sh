#!/bin/bash
# t112_medium_fails_mid_burn — a block device that stops taking writes in
# the middle of a burn (a loop device over a sparse file on a tmpfs too
# small for it: the first bytes land, then every write fails with EIO, as
# a failing stick or disc does): the commit fails with EIO and last_result
# names the failed write and its error, not only libisofs's "Image write
# cancelled"; the device keeps its one session; the staged files stay
# staged and whole; once the device takes writes again (the tmpfs grown)
# the next commit writes them, and readers this project did not write find
# them.
. "$(dirname "$0")/lib.sh"

M=$((1024 * 1024))
mount_small_fs tmpfs 24m "$T/fs"
make_loop_device 128M "$T/fs/dev.img"
IMG=$LOOP_DEV
timeout -k 5 60 xorriso -outdev "stdio:$IMG" -volid T112 -commit >"$T/x1.log" 2>&1 ||
	{ tail -5 "$T/x1.log" >&2; fail "xorriso's first session on the device failed"; }

start_burnfs
# more than the tmpfs can hold, less than the device says it has
head -c $((40 * M)) /dev/urandom >"$T/big"
printf 'small\n' >"$T/small"
timeout 60 cp "$T/big" "$T/small" "$MNT/staging/"
sync
ctl_fail EIO commit
case $(st last_result) in
*"the burn failed: writing to $IMG: "*"(Input/output error)"*) ;;
*) fail "last_result does not name the failed write: $(st last_result)" ;;
esac
grep -q "libburn SORRY: Cannot write" "$LOG" || fail "the log does not hold libburn's message"
assert_eq "$(toc_sessions "$IMG")" 1 "sessions on the device after the failed burn"
assert_eq "$(st sessions)" 1 "sessions in the status after the failed burn"
cmp "$T/big" "$MNT/staging/big" || fail "big changed in staging/ after the failed burn"
assert_eq "$(cat "$MNT/pending")" "$(printf 'A /big\nA /small')" "pending after the failed burn"

# The device takes writes again: the same commit goes through.
mount -o remount,size=160m "$T/fs" || fail "cannot grow the tmpfs"
ctl_ok commit
assert_eq "$(toc_sessions "$IMG")" 2 "sessions on the device after the second commit"
check_md5 "$IMG"
timeout 60 isoinfo -R -i "$IMG" -x /big >"$T/big.back" 2>/dev/null ||
	fail "isoinfo cannot read big from the device"
cmp "$T/big" "$T/big.back" || fail "big on the device differs"
stop_burnfs
