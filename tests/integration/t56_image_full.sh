#!/bin/bash
# t56_image_full — the image's file system fills up during a commit (issue
# 9, item 12): the commit fails with ENOSPC (it said EIO "Image write
# cancelled"), last_result says so, the earlier sessions keep their MD5s,
# the image is cut back to its size before the commit (the failed write's
# blocks are given back), and everything stays staged for the next commit.
#
# To fill the file system while the write runs, whatever the machine's
# speed, the daemon is stopped (SIGSTOP) as soon as the status shows the
# write under way, the file system is filled, and the daemon continues.
# A commit that ends before it is caught is simply a session more; after
# five of those the test is skipped with a note rather than passed.
. "$(dirname "$0")/lib.sh"

TFS=$T/tfs
mkdir -p "$TFS"
mount -t tmpfs -o size=256m tmpfs "$TFS" || skip "cannot mount a tmpfs here"
EXTRA_TMPFS+=("$TFS")
IMG=$TFS/img.iso

start_burnfs
printf 'first\n' >"$MNT/staging/first.txt"
ctl_ok commit

# catch_write: wait until the write is under way, then freeze the daemon,
# fill the file system, let the daemon go on. Status 1 when the commit
# ended first.
catch_write() {
	local s
	for ((i = 0; i < 3000; i++)); do
		s=$(status) || return 1
		if grep -q '^state: committing' <<<"$s" &&
			! grep -q '^bytes_done: 0$' <<<"$s"; then
			kill -STOP "$DAEMON_PID"
			dd if=/dev/zero of="$TFS/filler" bs=64k >/dev/null 2>&1 || true
			kill -CONT "$DAEMON_PID"
			return 0
		fi
		ctl_bg_running || return 1
		sleep 0.002
	done
	return 1
}

caught=0
for ((try = 1; try <= 5 && !caught; try++)); do
	head -c $((40 * 1048576)) /dev/urandom >"$MNT/staging/big$try.bin"
	sessions_before=$(st sessions)
	size_before=$(file_size "$IMG")
	ctl_bg commit
	catch_write && caught=1
	ctl_wait
	if [ "$caught" = 1 ] && [ -z "$CTL_ERRNO" ]; then
		# the status lags the writer: on a busy machine the session
		# can be written whole before the daemon is stopped
		note "try $try: the write had ended when it was caught"
		rm -f "$TFS/filler"
		caught=0
	fi
	[ "$caught" = 1 ] || [ -z "$CTL_ERRNO" ] || fail "try $try: commit failed with $CTL_ERRNO: $(st last_result)"
	[ "$caught" = 1 ] || note "try $try: the commit ended before it was caught"
done
[ "$caught" = 1 ] || { note "no commit was caught while writing: nothing to check"; exit 77; }
note "caught on try $((try - 1)): $CTL_ERRNO: $(st last_result)"
assert_eq "$CTL_ERRNO" ENOSPC "the commit's errno"
case $(st last_result) in *"ran out of space"*) ;; *) fail "last_result: $(st last_result)" ;; esac
pending_norm | grep -x "A big$((try - 1)).bin" >/dev/null || fail "big$((try - 1)).bin is not pending after ENOSPC"
assert_eq "$(file_size "$IMG")" "$size_before" "image size after the failed write"
assert_eq "$(st sessions)" "$sessions_before" "sessions after ENOSPC"
session_md5s_ok "$IMG" "$sessions_before"

rm -f "$TFS/filler"
ctl_ok commit
stop_burnfs
assert_eq "$(toc_sessions "$IMG")" $((sessions_before + 1)) "sessions after the second try"
session_md5s_ok "$IMG" $((sessions_before + 1))
