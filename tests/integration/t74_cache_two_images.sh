#!/bin/bash
# t74_cache_two_images — a cache folder belongs to one disc: one -o cache=
# folder used for a second image is refused (one line) while it holds the
# first's staged changes, which stay the first's; with nothing staged it
# may serve another disc, which does not inherit the first's settings. A
# copy of an image is refused the original's default cache while the
# original is still there; another blank image is refused a blank one's.
. "$(dirname "$0")/lib.sh"

S=$MNT/staging
A=$T/a.iso
B=$T/b.iso
C=$T/shared-cache

# two discs, each with a session of its own
IMG=$B CACHE=$T/cache-b
start_burnfs
printf 'disc b\n' >"$S/b.txt"
ctl_ok commit
stop_burnfs
IMG=$A CACHE=$C
start_burnfs -o volid=DISC_A
printf 'disc a\n' >"$S/a.txt"
ctl_ok commit
printf 'staged on a\n' >"$S/pending-a.txt"
stop_burnfs

expect_refused_says "holds staged changes of another disc" -o "cache=$C" "$B" "$MNT"
b_sha=$(sha "$B")
# A keeps its staged change and its remembered volid
start_burnfs
assert_eq "$(pending_norm)" "A pending-a.txt" "A's pending after B was refused"
assert_eq "$(st set_volid)" DISC_A "A's remembered volid"
ctl_ok discard
stop_burnfs
# nothing staged: the folder may serve B now, without A's settings
IMG=$B
start_burnfs
assert_eq "$(pending)" "" "B's pending in the folder A used"
assert_eq "$(st set_volid)" "" "B's volid (A's is not B's)"
assert_eq "$(cat "$S/b.txt")" "disc b" "B's tree"
stop_burnfs
assert_eq "$(sha "$B")" "$b_sha" "B after the refused mount"

# default caches: a copy is refused the original's while the original is there
export XDG_CACHE_HOME=$T/xdg
IMG=$A CACHE=
start_burnfs
printf 'staged again\n' >"$S/again.txt"
stop_burnfs
cp "$A" "$T/a-copy.iso"
expect_refused_says "of which .*a-copy.iso is a copy" "$T/a-copy.iso" "$MNT"
IMG=$A
start_burnfs
assert_eq "$(pending_norm)" "A again.txt" "the original's pending"
stop_burnfs

# two blank images and one -o cache= folder
IMG=$T/blank1.iso CACHE=$T/blank-cache
start_burnfs
printf 'new\n' >"$S/new.txt"
stop_burnfs
expect_refused_says "holds staged changes of another medium" -o "cache=$CACHE" "$T/blank2.iso" "$MNT"
start_burnfs
assert_eq "$(pending_norm)" "A new.txt" "the first blank image's pending"
stop_burnfs
