#!/bin/bash
# t50_wrapped_size — one bad header field must not wipe the image (issue 9,
# item 2). A volume space size of 0x7fffffff in the descriptor at block 16
# (byte 32848) made the first commit write at a wrapped address and cut the
# image to 64 KiB. Now: the image mounts, the status names the damage,
# staging/ is read-only, a commit is refused, and the image keeps every byte
# (burnfs-made with MD5s, and xorriso-made). And a header damaged while
# the image is mounted: the commit is refused, nothing is written.
. "$(dirname "$0")/lib.sh"

VSS_OFFSET=$((16 * 2048 + 80))

# damaged_mount IMG WHAT: mount the damaged image and check what it shows.
damaged_mount() {
	local img=$1 what=$2
	cp "$img" "$T/before.iso"
	IMG=$img
	CACHE=$T/cache.$(basename "$IMG")
	start_burnfs
	note "$what: $(st media_damage)"
	[ "$(st media_damage)" != none ] || fail "$what: no damage in the status"
	assert_eq "$(st media_status)" closed "$what: media_status"
	case $(st media_note) in "damaged: "*) ;; *) fail "$what: media_note: $(st media_note)" ;; esac
	[ -s "$MNT/staging/d1/d2/data.bin" ] || fail "$what: the disc's files are not shown"
	cmp -s "$MNT/staging/d1/d2/data.bin" "$MNT/sessions/1/d1/d2/data.bin" ||
		fail "$what: the file differs from session 1's"
	expect_errno EROFS bash -c "printf x >'$MNT/staging/new.txt'"
	ctl_fail EROFS commit
	stop_burnfs
	cmp "$img" "$T/before.iso" || fail "$what: the image changed ($(file_size "$img") bytes)"
}

make_two_sessions "$T/burnfs.iso"
session_md5s_ok "$T/burnfs.iso" 2
cp "$T/burnfs.iso" "$T/bwrap.iso"
put32 "$T/bwrap.iso" "$VSS_OFFSET" 0x7fffffff
damaged_mount "$T/bwrap.iso" "burnfs image, size 0x7fffffff at block 16"
session_md5s_ok "$T/bwrap.iso" 2

make_xorriso_sessions "$T/xorriso.iso"
note "xorriso image: $(file_size "$T/xorriso.iso") bytes"
cp "$T/xorriso.iso" "$T/xwrap.iso"
put32 "$T/xwrap.iso" "$VSS_OFFSET" 0x7fffffff
IMG=$T/xwrap.iso
CACHE=$T/cache.$(basename "$IMG")
cp "$IMG" "$T/before.iso"
start_burnfs
[ "$(st media_damage)" != none ] || fail "xorriso image: no damage in the status"
ctl_fail EROFS commit
stop_burnfs
cmp "$IMG" "$T/before.iso" || fail "xorriso image: the image changed"

# The header breaks while the image is mounted with changes staged: the
# commit is refused (the session table changed under the staged changes;
# the layout check before any write is the last guard, tested in
# tests/unit/test_disc.c), nothing is written, the change stays staged,
# and the status now shows the damage.
IMG=$T/xlate.iso
CACHE=$T/cache.$(basename "$IMG")
cp "$T/xorriso.iso" "$IMG"
start_burnfs
assert_eq "$(st media_damage)" none "a good image's media_damage"
assert_eq "$(st media_origin)" multisession "an xorriso image's media_origin"
printf 'late\n' >"$MNT/staging/late.txt"
put32 "$IMG" "$VSS_OFFSET" 0x7fffffff
cp "$IMG" "$T/before.iso"
ctl commit
[ -n "$CTL_ERRNO" ] || fail "the commit on the damaged image succeeded"
note "late damage: $CTL_ERRNO: $(st last_result)"
assert_eq "$(pending_norm)" "A late.txt" "pending after the refused commit"
[ "$(st media_damage)" != none ] || fail "the damage is not in the status"
stop_burnfs
cmp "$IMG" "$T/before.iso" || fail "the late-damaged image changed"
