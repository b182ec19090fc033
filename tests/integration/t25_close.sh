#!/bin/bash
# t25_close — `commit close` burns the pending changes and closes the medium:
# media_status closed, staging/ read-only (EROFS, reads still work), further
# commits refused with EROFS; on an image file the closed state is recorded
# on the image and honoured after a remount, also with an empty cache.
. "$(dirname "$0")/lib.sh"

start_burnfs
printf 'one\n' >"$MNT/staging/one.txt"
ctl_ok commit
printf 'two\n' >"$MNT/staging/two.txt"
ctl_ok "commit close"
assert_eq "$(st media_status)" closed "media_status after commit close"
assert_eq "$(st sessions)" 2 "sessions after commit close"
assert_eq "$(toc_sessions "$IMG")" 2 "sessions in xorriso -toc"
in_image "$IMG" /two.txt || fail "the closing session lacks two.txt"
check_md5 "$IMG"

closed_checks() {
	local S=$MNT/staging
	assert_eq "$(st media_status)" closed "media_status"
	assert_eq "$(cat "$S/one.txt")" one "reading staging/ on a closed disc"
	assert_eq "$(cat "$MNT/sessions/1/one.txt")" one "reading sessions/1 on a closed disc"
	expect_errno EROFS touch "$S/new.txt"
	expect_errno EROFS mkdir "$S/newdir"
	expect_errno EROFS bash -c "printf x >>'$S/one.txt'"
	expect_errno EROFS rm "$S/one.txt"
	expect_errno EROFS mv "$S/one.txt" "$S/uno.txt"
	expect_errno EROFS chmod 0600 "$S/one.txt"
	assert_eq "$(pending)" "" "pending on a closed disc"
	ctl_fail EROFS commit
	ctl_fail EROFS "commit close"
	assert_eq "$(toc_sessions "$IMG")" 2 "sessions after refused commits"
	# statfs says so too
	stat -f -c %a "$MNT" >/dev/null || fail "statfs on a closed disc failed"
}
closed_checks
img_sha=$(sha "$IMG")
stop_burnfs

start_burnfs
closed_checks
stop_burnfs
rm -rf "$CACHE"
start_burnfs
closed_checks
stop_burnfs
assert_eq "$(sha "$IMG")" "$img_sha" "image after remounts of a closed disc"
xorriso_extract "$IMG" "$T/x"
assert_eq "$(cat "$T/x/one.txt") $(cat "$T/x/two.txt")" "one two" "files on the closed disc"
