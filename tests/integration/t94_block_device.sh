#!/bin/bash
# t94_block_device — a loop block device as TARGET, as a rewritable disc or a
# USB stick is used: a zeroed device is refused, stays zeroed, and the
# refusal names the xorriso command that gives it an empty first session;
# after that command burnfs mounts it, and two commits append sessions that
# readers this project did not write find (xorriso -toc, -check_md5,
# extraction of each session, isoinfo of the newest); sessions/N (read by
# the probe process from the device itself) show what they held; the
# device's size is the medium's: capacity_bytes and df say so, and a file
# that cannot fit is refused at write with ENOSPC, nothing written; data
# another program left where the next session would go makes the commit
# EPERM, nothing written, until `set foreign=overwrite`. The device's
# backing file and a second loop device on it cannot be mounted beside it.
. "$(dirname "$0")/lib.sh"

M=$((1024 * 1024))
make_loop_device 64M
IMG=$LOOP_DEV

# Zeros are no image: refused, nothing written, and told what to do.
expect_refused_says "holds no ISO 9660 image.*xorriso -outdev stdio:$IMG -volid LABEL -commit" "$IMG" "$MNT"
cmp -n $((64 * 1024)) "$IMG" /dev/zero >/dev/null || fail "the refused mount wrote to the device"
timeout -k 5 60 xorriso -outdev "stdio:$IMG" -volid T94 -commit >"$T/x1.log" 2>&1 ||
	{ tail -5 "$T/x1.log" >&2; fail "the command the refusal names failed"; }


start_burnfs
assert_eq "$(st sessions)" 1 "sessions after xorriso's empty first session"
assert_eq "$(find "$MNT/staging" -mindepth 1 | wc -l)" 0 "entries in staging/ of the empty session"
cap=$(st capacity_bytes)
assert_int_between "$cap" $((60 * M)) $((64 * M)) "capacity_bytes of a 64 MiB device"
df_total=$(timeout 10 df -P -B1 "$MNT" | awk 'NR == 2 { print $2 }')
assert_int_between "$df_total" $((60 * M)) $((64 * M)) "df's size of a 64 MiB device"

# Session 2: the standard tree.
make_tree "$T/v1"
timeout 60 cp -a "$T/v1/." "$MNT/staging/"
ctl_ok commit
assert_eq "$(toc_sessions "$IMG")" 2 "sessions xorriso finds on the device after a commit"

# Session 3: additions, a removal, a chmod.
cp -a "$T/v1" "$T/v2"
mkdir -p "$T/v2/added/sub"
printf 'on the device\n' >"$T/v2/added/sub/note.txt"
chmod 0600 "$T/v2/added/sub/note.txt"
touch -d '2012-01-01 00:00:00' "$T/v2/added/sub"
timeout 60 cp -a "$T/v2/added" "$MNT/staging/"
rm "$T/v2/big.bin" "$MNT/staging/big.bin"
chmod 0700 "$T/v2/docs/nested/deep/x.bin" "$MNT/staging/docs/nested/deep/x.bin"
touch -d '2012-01-01 00:00:00' "$T/v2/added" "$MNT/staging/added"
ctl_ok commit
assert_eq "$(toc_sessions "$IMG")" 3 "sessions after the second commit"
assert_same_tree "$T/v2" "$MNT/staging" "staging/ after two commits"

# Older sessions: each read from the device by the probe process.
assert_eq "$(find "$MNT/sessions/1" -mindepth 1 | wc -l)" 0 "entries in sessions/1"
assert_same_tree "$T/v1" "$MNT/sessions/2" "sessions/2 on the device"

# The device's size is the limit: a file bigger than what is free fails at
# write with ENOSPC and leaves what was staged as it was.
free=$(st free_bytes)
assert_int_between "$free" 1 $((64 * M)) "free_bytes on the device"
expect_errno ENOSPC dd if=/dev/zero of="$MNT/staging/too-big.bin" bs=1M count=$((free / M + 2)) status=none
rm -f "$MNT/staging/too-big.bin"
assert_same_tree "$T/v2" "$MNT/staging" "staging/ after the refused write"
stop_burnfs

# Readers this project did not write, straight from the device.
assert_newest_session_is "$IMG" "$T/v2" "the device's newest session (xorriso)"
xorriso_extract "$IMG" "$T/x2" 2
assert_same_tree "$T/v1" "$T/x2" "session 2 extracted from the device"
check_md5 "$IMG" 2
check_md5 "$IMG" 3
got=$(timeout -k 5 60 isoinfo -R -i "$IMG" -x /added/sub/note.txt)
assert_eq "$got" "on the device" "isoinfo's read of the newest session on the device"

# A fresh mount finds the three sessions as they were.
start_burnfs
assert_eq "$(st sessions)" 3 "sessions after a fresh mount of the device"
assert_same_tree "$T/v2" "$MNT/staging" "staging/ after a fresh mount of the device"
# The same medium reached another way is the same disc: the file behind the
# loop device, and a second loop device on that file, are refused while
# the device is mounted (two daemons would each append over the other).
backing=$T/loop0.img
mkdir -p "$T/mnt2"
MNT=$T/mnt2 expect_refused_says "already mounted by another burnfs" -o "cache=$T/cache2" "$backing" "$T/mnt2"
dev=$LOOP_DEV
make_loop_device 64M "$backing"
MNT=$T/mnt2 expect_refused_says "is a loop device of $backing, which another burnfs has mounted" \
	-o "cache=$T/cache2" "$LOOP_DEV" "$T/mnt2"
stop_burnfs
# and the other way round: the file mounted, its loop device refused
IMG=$backing CACHE=$T/cache3 start_burnfs
MNT=$T/mnt2 expect_refused_says "is a loop device of $backing, which another burnfs has mounted" \
	-o "cache=$T/cache2" "$dev" "$T/mnt2"
IMG=$backing CACHE=$T/cache3 stop_burnfs
LOOP_DEV=$dev

# Another program's data where the next session goes (a stick used before):
# named, the commit refused and the device untouched, then overwritten on
# request; every earlier session stays readable.
last=$(timeout -k 5 60 xorriso -indev "stdio:$IMG" -toc 2>&1 | awk -F, '/^ISO session/ { l = $2 + 0; n = $3 + 0 } END { print l + n }')
next=$(((last + 31) / 32 * 32))
head -c 100000 /dev/urandom | dd of="$IMG" bs=2048 seek="$next" conv=notrunc status=none
before=$(sha "$IMG")
start_burnfs
case $(st media_origin) in "foreign: data after"*) ;; *) fail "junk: media_origin is '$(st media_origin)'" ;; esac
printf 'over the junk\n' >"$MNT/staging/late.txt"
ctl_fail EPERM commit
assert_eq "$(sha "$IMG")" "$before" "the device after the refused commit"
ctl_ok "set foreign=overwrite"
ctl_ok commit
stop_burnfs
assert_eq "$(toc_sessions "$IMG")" 4 "sessions after overwriting the junk"
assert_eq "$(timeout -k 5 60 isoinfo -R -i "$IMG" -x /late.txt)" "over the junk" "the file written over the junk"
check_md5 "$IMG" 4
xorriso_extract "$IMG" "$T/x2b" 2
assert_same_tree "$T/v1" "$T/x2b" "session 2 after the overwrite"
