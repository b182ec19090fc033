#!/bin/bash
# t27_discard — `discard` drops every pending change (adds, deletes, edits,
# renames, metadata): staging/ equals the disc again, pending is empty, the
# image is untouched, and a commit afterwards writes nothing. Also after a
# remount, the discarded changes stay gone.
. "$(dirname "$0")/lib.sh"

make_tree "$T/src"
start_burnfs
timeout 60 cp -a "$T/src/." "$MNT/staging/"
ctl_ok commit
img_sha=$(sha "$IMG")

S=$MNT/staging
printf 'new\n' >"$S/new.txt"
rm "$S/docs/a.txt"
printf 'PATCH' | dd of="$S/big.bin" bs=1 seek=100 conv=notrunc status=none
mv "$S/private" "$S/private-renamed"
chmod 0777 "$S/empty.txt"
setfattr -n user.new -v 1 "$S/docs/hl1"
rm -r "$S/emptydir"
[ -n "$(pending)" ] || fail "nothing pending after edits"

ctl_ok discard
assert_eq "$(pending)" "" "pending after discard"
assert_eq "$(st pending_entries)" 0 "pending_entries after discard"
assert_eq "$(st pending_bytes)" 0 "pending_bytes after discard"
assert_same_tree "$T/src" "$S" "staging/ after discard"
getfattr --absolute-names -n user.new "$S/docs/hl1" >/dev/null 2>&1 && fail "discarded xattr still there"
assert_eq "$(sha "$IMG")" "$img_sha" "image after discard"

# nothing pending: commit succeeds and writes nothing
ctl_ok commit
assert_eq "$(sha "$IMG")" "$img_sha" "image after a commit with nothing pending"
assert_eq "$(st sessions)" 1 "sessions after a commit with nothing pending"
ctl_ok discard
stop_burnfs
start_burnfs
assert_same_tree "$T/src" "$S" "staging/ after discard and remount"
assert_eq "$(pending)" "" "pending after discard and remount"
stop_burnfs
