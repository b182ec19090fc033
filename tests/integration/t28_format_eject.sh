#!/bin/bash
# t28_format_eject — on an image file: `format` cannot apply and fails with
# EINVAL and a message; `eject` has nothing to eject and succeeds, the mount
# stays, and commits still work.
. "$(dirname "$0")/lib.sh"

start_burnfs
printf 'one\n' >"$MNT/staging/one.txt"
ctl_ok commit
img_sha=$(sha "$IMG")
ctl_fail EINVAL format
assert_eq "$(sha "$IMG")" "$img_sha" "image after a refused format"
assert_eq "$(st sessions)" 1 "sessions after a refused format"
ctl_ok eject
is_mounted "$MNT" || fail "the mount went away after eject"
printf 'two\n' >"$MNT/staging/two.txt"
ctl_ok commit
assert_eq "$(toc_sessions "$IMG")" 2 "sessions after eject + commit"
stop_burnfs
