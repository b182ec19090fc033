#!/bin/bash
# t76_cache_moved — the default cache folder follows the disc: an image
# moved or renamed finds its staged changes and its remembered settings
# (capacity, volid, joliet, speed; never simulate) again, also when it was
# blank at its first mount or moved right after its first commit. An -o
# option given at a mount wins over the remembered value and is
# remembered in turn; so is a `set`.
. "$(dirname "$0")/lib.sh"

export XDG_CACHE_HOME=$T/xdg
CACHE=
S=$MNT/staging
M=1048576

IMG=$T/one.iso
start_burnfs -o capacity=50M -o volid=FIRST
printf 'first\n' >"$S/first.txt"
ctl_ok commit
printf 'pending\n' >"$S/p1.txt"
ctl_ok "set volid=SECOND"
ctl_ok "set joliet=off"
ctl_ok "set speed=4000"
ctl_ok "set simulate=on"
stop_burnfs
mkdir "$T/sub"
mv "$T/one.iso" "$T/sub/renamed.iso"
IMG=$T/sub/renamed.iso
start_burnfs
assert_eq "$(pending_norm)" "A p1.txt" "pending of the moved image"
assert_eq "$(cat "$S/p1.txt")" pending "p1.txt of the moved image"
assert_eq "$(st capacity_bytes)" $((50 * M)) "remembered capacity"
assert_eq "$(st set_volid)" SECOND "remembered volid (set wins over -o)"
assert_eq "$(st set_joliet)" off "remembered joliet"
assert_eq "$(st set_speed)" 4000 "remembered speed"
assert_eq "$(st set_simulate)" off "simulate is not remembered"
# the folder took the disc's name at the first mount after its first commit
case $(st cache_dir) in "$T/xdg/burnfs/disc-"*) ;; *) fail "cache_dir: $(st cache_dir)" ;; esac
[ "$(ls "$T/xdg/burnfs")" = "$(basename "$(st cache_dir)")" ] || fail "folders in the cache: $(ls "$T/xdg/burnfs")"
stop_burnfs
# -o wins, and is remembered
start_burnfs -o capacity=60M
assert_eq "$(st capacity_bytes)" $((60 * M)) "capacity given with -o"
stop_burnfs
start_burnfs
assert_eq "$(st capacity_bytes)" $((60 * M)) "capacity remembered from -o"
ctl_ok commit
stop_burnfs
xorriso -indev "stdio:$IMG" -toc 2>/dev/null | grep 'SECOND' >/dev/null || fail "the remembered volid is not on the disc"

# blank at its first mount, moved right after its first commit
IMG=$T/two.iso
start_burnfs
printf 'one\n' >"$S/one.txt"
ctl_ok commit
printf 'after the first commit\n' >"$S/p2.txt"
stop_burnfs
mv "$T/two.iso" "$T/two-moved.iso"
IMG=$T/two-moved.iso
start_burnfs
assert_eq "$(pending_norm)" "A p2.txt" "pending of an image moved after its first commit"
case $(st cache_dir) in "$T/xdg/burnfs/disc-"*) ;; *) fail "cache_dir after the move: $(st cache_dir)" ;; esac
stop_burnfs

# blank, never committed, moved
IMG=$T/three.iso
start_burnfs -o capacity=30M
printf 'blank\n' >"$S/b.txt"
stop_burnfs
mv "$T/three.iso" "$T/three-moved.iso"
IMG=$T/three-moved.iso
start_burnfs
assert_eq "$(pending_norm)" "A b.txt" "pending of a moved blank image"
assert_eq "$(st capacity_bytes)" $((30 * M)) "capacity of a moved blank image"
stop_burnfs
