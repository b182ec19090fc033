#!/bin/bash
# t21_capacity_df_enospc — -o capacity=SIZE gives an image the size of a real
# medium (names and numbers); df shows the capacity and the free space after
# pending changes; a write that would not fit fails with ENOSPC at once; a
# commit that would not fit fails with ENOSPC, writes nothing, loses nothing.
. "$(dirname "$0")/lib.sh"

M=1048576
# capacity names: mount, read capacity_bytes, unmount
check_cap() {
	local opt=$1 lo=$2 hi=$3
	start_burnfs -o "capacity=$opt"
	assert_int_between "$(st capacity_bytes)" "$lo" "$hi" "capacity_bytes for capacity=$opt"
	stop_burnfs
}
check_cap cd 650000000 760000000
check_cap dvd 4300000000 4800000000
check_cap dvd-dl 7900000000 8600000000
check_cap bd 23000000000 25100000000
check_cap bd-dl 46000000000 50100000000
check_cap bd-xl 95000000000 100200000000
check_cap 25G 25000000000 26843545600
check_cap 700M 700000000 734003200
rm -f "$IMG"

# a bad capacity is refused at mount
rc=0
timeout -k 5 30 "$BURNFS" -o "cache=$CACHE,capacity=banana" "$IMG" "$MNT" >"$T/out" 2>"$T/err" </dev/null || rc=$?
is_mounted "$MNT" && { unmount_any "$MNT"; fail "capacity=banana was accepted"; }
[ "$rc" != 0 ] || fail "capacity=banana: exit status 0"

# 20M: df shows it
start_burnfs -o capacity=20M
cap=$(st capacity_bytes)
assert_int_between "$cap" 20000000 $((20 * M)) "capacity_bytes for capacity=20M"
read -r bsize blocks bavail < <(stat -f -c '%S %b %a' "$MNT")
df_total=$((bsize * blocks))
df_free=$((bsize * bavail))
[ $((df_total - cap)) -le "$bsize" ] && [ $((cap - df_total)) -le "$bsize" ] ||
	fail "df total $df_total differs from capacity_bytes $cap"
free0=$(st free_bytes)
[ $((df_free - free0)) -le "$bsize" ] && [ $((free0 - df_free)) -le "$bsize" ] ||
	fail "df free $df_free differs from free_bytes $free0"
timeout 10 df -P "$MNT" | tail -1

# 8 MiB fits; df free drops by about that much
head -c $((8 * M)) /dev/urandom >"$T/eight.bin"
cp "$T/eight.bin" "$MNT/staging/eight.bin" || fail "an 8 MiB file did not fit in 20M"
status_settle
free1=$(st free_bytes)
[ "$free1" -le $((free0 - 8 * M)) ] || fail "free_bytes $free0 -> $free1 after 8 MiB"
bavail1=$(stat -f -c %a "$MNT")
[ $((bsize * bavail1)) -le $((free0 - 8 * M + bsize)) ] || fail "df free did not drop by 8 MiB"

# 16 MiB more does not fit: ENOSPC, at once
head -c $((16 * M)) /dev/urandom >"$T/sixteen.bin"
expect_errno ENOSPC cp "$T/sixteen.bin" "$MNT/staging/sixteen.bin"
rm -f "$MNT/staging/sixteen.bin"
expect_errno ENOSPC bash -c "head -c $((16 * M)) /dev/zero >'$MNT/staging/zeros.bin'"
rm -f "$MNT/staging/zeros.bin"
expect_errno ENOSPC truncate -s $((40 * M)) "$MNT/staging/eight.bin"
cmp "$T/eight.bin" "$MNT/staging/eight.bin" || fail "eight.bin damaged by refused writes"
assert_eq "$(pending_norm)" "A eight.bin" "pending after refused writes"

ctl_ok commit
assert_eq "$(toc_sessions "$IMG")" 1 "sessions"
stop_burnfs

# commit too big: stage 14 MiB on a roomy mount, then remount with 20M
start_burnfs -o capacity=bd
head -c $((14 * M)) /dev/urandom >"$T/fourteen.bin"
cp -a "$T/fourteen.bin" "$MNT/staging/fourteen.bin"
stop_burnfs
img_sha=$(sha "$IMG")
start_burnfs -o capacity=20M
status_settle
fb=$(st free_bytes)
[ "$fb" -lt $((14 * M)) ] || fail "free_bytes=$fb though 14 MiB are pending in 20M with 8 MiB used"
ctl_fail ENOSPC commit
assert_eq "$(sha "$IMG")" "$img_sha" "image after the refused commit"
assert_eq "$(toc_sessions "$IMG")" 1 "sessions after the refused commit"
cmp "$T/fourteen.bin" "$MNT/staging/fourteen.bin" || fail "fourteen.bin lost after the refused commit"
assert_eq "$(pending_norm)" "A fourteen.bin" "pending after the refused commit"
# making room makes it fit
rm "$MNT/staging/fourteen.bin"
head -c $((3 * M)) /dev/urandom >"$MNT/staging/three.bin"
ctl_ok commit
assert_eq "$(toc_sessions "$IMG")" 2 "sessions after the commit that fits"
stop_burnfs
check_md5 "$IMG"
