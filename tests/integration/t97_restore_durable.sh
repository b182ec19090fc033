#!/bin/bash
# t97_restore_durable — a restore is a pending change like any other:
# `blank` is refused while it is pending (EBUSY: the restored bytes are
# only on the disc); `discard` drops it (the disc's tree shows again, the
# image is untouched);
# a kill -9 of the daemon right after it keeps it (the journal records it),
# so after the remount `pending` still shows it, reads give the old bytes,
# and the commit writes it; edits made inside a restored tree before the
# commit show in `pending` and reach the disc.
. "$(dirname "$0")/lib.sh"

export MANIFEST_NO_DIR_MTIME=1   # edits inside /docs move its time
make_tree "$T/src"
start_burnfs
S=$MNT/staging
timeout 60 cp -a "$T/src/." "$S/"
ctl_ok commit                                   # session 1
rm -r "$S/docs"
printf 'new a\n' >"$S/big.bin"
ctl_ok commit                                   # session 2
img_sha=$(sha "$IMG")

ctl_ok "restore 1 /docs"
ctl_ok "restore 1 /big.bin"
[ -n "$(pending)" ] || fail "nothing pending after restore"
# a blank would take the restored bytes with the disc: refused, nothing lost
ctl_fail EBUSY blank
case $(st last_result) in *big.bin*) ;; *) fail "the refused blank does not name big.bin: $(st last_result)" ;; esac
assert_eq "$(sha "$IMG")" "$img_sha" "image after the refused blank"
ctl_ok discard
assert_eq "$(pending)" "" "pending after discard"
[ -e "$S/docs" ] && fail "discarded restore still shows /docs"
assert_eq "$(cat "$S/big.bin")" "new a" "big.bin after discard"
ctl_ok commit
assert_eq "$(sha "$IMG")" "$img_sha" "image after discard and commit"

ctl_ok "restore 1 /docs"
ctl_ok "restore 1 /big.bin"
kill9_burnfs
start_burnfs
assert_eq "$(pending)" "S 1:/big.bin -> /big.bin
S 1:/docs -> /docs" "pending after kill -9 and remount"
cmp "$S/big.bin" "$T/src/big.bin" || fail "restored big.bin after the remount"
printf 'edited\n' >"$S/docs/a.txt"
printf 'added\n' >"$S/docs/added.txt"
assert_eq "$(pending)" "S 1:/big.bin -> /big.bin
S 1:/docs -> /docs
M /docs/a.txt
A /docs/added.txt" "pending after edits inside the restored tree"
ctl_ok commit                                   # session 3
assert_eq "$(pending)" "" "pending after the commit"
cp -p "$S/docs/a.txt" "$T/src/docs/a.txt"
cp -p "$S/docs/added.txt" "$T/src/docs/added.txt"
check_md5 "$IMG"
assert_newest_session_is "$IMG" "$T/src"
stop_burnfs
rm -rf "$CACHE"
start_burnfs
assert_same_tree "$T/src" "$S" "staging/ after a mount with an empty cache"
stop_burnfs
