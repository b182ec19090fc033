#!/bin/bash
# t108_killed_first_commit — kill -9 of the daemon in the middle of the
# first commit onto an empty image file. libisoburn publishes a session by
# writing the image's head (blocks 0-31) last, so the burn cut short leaves
# session data behind a head that was never written: before burnfs marked
# the head as erased first, that file was "data that is not an ISO 9660
# image" at every mount after, and what was staged could never be burned.
# Now the image reads as blank (burnfs, xorriso), the next mount shows
# everything still staged, and its commit is a good first session. Such a
# file of an older burnfs, which has no readable session, is refused with
# a line that says how to make it blank.
# A commit that ends before the kill lands (a fast machine) skips with a
# note.
. "$(dirname "$0")/lib.sh"

BIG_MB=${BIG_MB:-100}
make_tree "$T/v1"
make_big "$T/big" 3 "$BIG_MB"
start_burnfs
timeout 60 cp -a "$T/v1/." "$MNT/staging/"
timeout 120 cp -a "$T/big/"*.bin "$MNT/staging/"
kill9_while_writing $((3 * BIG_MB))
[ -n "$CTL_ERRNO" ] || skip "the commit ended before the kill landed (raise BIG_MB)"
note "image: $(file_size "$IMG") bytes after the kill"
[ "$(file_size "$IMG")" -gt 65536 ] || fail "the killed burn wrote nothing behind the head; the test shows nothing"
assert_eq "$(toc_sessions "$IMG")" 0 "sessions in xorriso -toc after the kill"

# what an older burnfs left (no mark: a head of zeros before an unfinished
# session) has no session to read: refused, saying how to make it blank
cp "$IMG" "$T/old.iso"
dd if=/dev/zero of="$T/old.iso" bs=64k count=1 conv=notrunc status=none
expect_refused_says "no session .* can be read.*truncate -s 0" -o "cache=$T/cache-old" "$T/old.iso" "$MNT"

start_burnfs
assert_eq "$(st media_status)" blank "media_status after the kill"
assert_eq "$(st sessions)" 0 "status sessions after the kill"
cp -a "$T/big/"*.bin "$T/v1/"
assert_same_tree "$T/v1" "$MNT/staging" "staging/ after the kill"
ctl_ok commit
assert_eq "$(toc_sessions "$IMG")" 1 "sessions after the new commit"
stop_burnfs
check_md5 "$IMG"
assert_newest_session_is "$IMG" "$T/v1" "session 1"
