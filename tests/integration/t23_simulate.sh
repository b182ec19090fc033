#!/bin/bash
# t23_simulate — simulate=on (by `set` and as a mount option) runs a commit
# without writing anything: the image stays byte-identical, the changes stay
# pending; simulate=off then really writes them.
. "$(dirname "$0")/lib.sh"

start_burnfs
printf 'one\n' >"$MNT/staging/one.txt"
ctl_ok commit
head -c 3000000 /dev/urandom >"$MNT/staging/two.bin"
cp "$IMG" "$T/img.before"
pending_before=$(pending)

ctl_ok "set simulate=on"
ctl_ok commit
cmp "$IMG" "$T/img.before" || fail "a simulated commit changed the image"
assert_eq "$(st sessions)" 1 "sessions after a simulated commit"
assert_eq "$(pending)" "$pending_before" "pending after a simulated commit"
[ -s "$MNT/staging/two.bin" ] || fail "two.bin gone after a simulated commit"
stop_burnfs

start_burnfs -o simulate=on
ctl_ok commit
cmp "$IMG" "$T/img.before" || fail "a commit with -o simulate=on changed the image"
ctl_ok "set simulate=off"
ctl_ok commit
assert_eq "$(toc_sessions "$IMG")" 2 "sessions after simulate=off"
in_image "$IMG" /two.bin || fail "two.bin not on the disc after the real commit"
stop_burnfs

# simulate on a blank target creates nothing
rm -f "$IMG"
rm -rf "$CACHE"
start_burnfs -o simulate=on
printf 'x\n' >"$MNT/staging/x"
ctl_ok commit
[ ! -s "$IMG" ] || fail "a simulated first commit wrote $(file_size "$IMG") bytes"
assert_eq "$(st sessions)" 0 "sessions after a simulated first commit"
stop_burnfs
