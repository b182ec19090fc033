#!/bin/bash
# t79_disc_swapped — another disc whose sessions lie exactly where the
# mounted one's do (two backups of the same file of the same size, made on
# different days) takes its place while mounted: a drive's disc swapped, an
# image file rewritten in place. The medium's identity (its first session's
# volume descriptor) tells them apart: with a change staged, commit is
# refused (ESTALE) and the disc is untouched; staging/ and sessions/1 never
# show the first disc's names or times over the second disc's data (a
# read there is ESTALE); with the first disc back, the change is committed
# onto it; with nothing staged, both show the second disc.
. "$(dirname "$0")/lib.sh"

# make_disc IMG CONTENT DATE: one session of /backup.img (CONTENT, 64 KiB)
# and /dir/note.txt, written by burnfs.
make_disc() {
	mk_start "$1"
	head -c 65536 /dev/zero | tr '\0' "$2" >"$MK/staging/backup.img"
	mkdir "$MK/staging/dir"
	printf 'note\n' >"$MK/staging/dir/note.txt"
	touch -d "$3" "$MK/staging/backup.img" "$MK/staging/dir/note.txt" "$MK/staging/dir"
	mk_commit make_disc
	mk_stop make_disc
}

session_place() {
	timeout -k 5 60 xorriso -indev "stdio:$1" -toc 2>&1 | awk -F, '/^ISO session/ { print $2 + 0, $3 + 0 }'
}

make_disc "$T/monday.iso" M '2026-11-30 03:00:00'
sleep 1.1   # another volume creation time, to the hundredth of a second
make_disc "$T/tuesday.iso" T '2026-12-01 03:00:00'
[ "$(session_place "$T/monday.iso")" = "$(session_place "$T/tuesday.iso")" ] ||
	skip "the two discs' sessions do not lie at the same place ($(session_place "$T/monday.iso") / $(session_place "$T/tuesday.iso"))"
cmp -s "$T/monday.iso" "$T/tuesday.iso" && fail "the two discs are the same"

swap_in() { cat "$1" >"$IMG"; }   # the same file, as a drive is the same drive
# what the kernel must forget reaches it before a command returns, however
# late the thread that tells it runs
export BURNFS_TEST_NOTIFY_DELAY_MS=300

# A change staged on Monday's disc; Tuesday's disc goes in.
cp "$T/monday.iso" "$IMG"
start_burnfs
assert_eq "$(head -c 1 "$MNT/sessions/1/backup.img")" M "Monday's sessions/1"
printf 'staged on monday\n' >"$MNT/staging/staged.txt"
swap_in "$T/tuesday.iso"
img_sha=$(sha "$IMG")
# before any command looks at the medium: a read of the image file that
# was rewritten in place is ESTALE, not Tuesday's bytes under Monday's name
expect_errno ESTALE cat "$MNT/staging/backup.img"
grep -q "no longer holds the disc it held at the last look" "$LOG" ||
	fail "no log line for the reads refused after the rewrite"
ctl commit
assert_eq "$CTL_ERRNO" ESTALE "errno of a commit after the swap"
case $(st last_result) in
*"another disc"*) ;;
*) fail "last_result does not say another disc is there: $(st last_result)" ;;
esac
assert_eq "$(sha "$IMG")" "$img_sha" "Tuesday's disc after the refused commit"
assert_eq "$(pending_norm)" "A staged.txt" "pending after the refused commit"
# what is shown of the disc is Tuesday's, names, times and data alike;
# staging/ keeps Monday's view for the staged change, and a read of
# Monday's file there is ESTALE, never Tuesday's bytes under Monday's name
assert_eq "$(head -c 1 "$MNT/sessions/1/backup.img")" T "sessions/1 after the swap"
assert_eq "$(stat -c %Y "$MNT/sessions/1/backup.img")" "$(date -d '2026-12-01 03:00:00' +%s)" "sessions/1's time after the swap"
expect_errno ESTALE cat "$MNT/staging/backup.img"
# Monday's disc back: the change is committed onto it
swap_in "$T/monday.iso"
ctl_ok commit
assert_eq "$(head -c 1 "$MNT/staging/backup.img")" M "staging/ with Monday's disc back"
# an older session's file read after another rewrite in place, before any
# command: ESTALE too (its index was loaded from Monday's disc)
ls "$MNT/sessions/1/dir" >/dev/null || fail "ls sessions/1/dir"
cp "$IMG" "$T/monday2.iso"
swap_in "$T/tuesday.iso"
expect_errno ESTALE cat "$MNT/sessions/1/backup.img"
swap_in "$T/monday2.iso"
stop_burnfs
assert_eq "$(session_place "$IMG" | wc -l)" 2 "sessions on Monday's disc after the commit"
assert_eq "$(timeout -k 5 60 isoinfo -R -i "$IMG" -x /staged.txt)" "staged on monday" "the staged file on Monday's disc"
xorriso_extract "$IMG" "$T/x"
assert_eq "$(stat -c %Y "$T/x/backup.img")" "$(date -d '2026-11-30 03:00:00' +%s)" "Monday's time on Monday's disc"
assert_eq "$(head -c 1 "$T/x/backup.img")" M "Monday's data on Monday's disc"

# Nothing staged: the stage simply shows the disc that is there.
cp "$T/monday.iso" "$IMG"
rm -rf "$CACHE"
start_burnfs
assert_eq "$(stat -c %Y "$MNT/staging/backup.img")" "$(date -d '2026-11-30 03:00:00' +%s)" "Monday's time"
swap_in "$T/tuesday.iso"
ctl_ok commit
assert_eq "$(session_place "$IMG" | wc -l)" 1 "sessions after a commit with nothing staged"
assert_eq "$(head -c 1 "$MNT/staging/backup.img")" T "staging/ after the swap"
assert_eq "$(stat -c %Y "$MNT/staging/backup.img")" "$(date -d '2026-12-01 03:00:00' +%s)" "staging/'s time after the swap"
assert_eq "$(stat -c %Y "$MNT/sessions/1/backup.img")" "$(date -d '2026-12-01 03:00:00' +%s)" "sessions/1's time after the swap"
stop_burnfs
