#!/bin/bash
# t59_kernel_abort — files and folders still open when the kernel ends the
# connection (an abort through fusectl; an unmount drops RELEASE requests
# still queued the same way): the daemon closes them itself, says so in
# the log, exits, and the sanitizers find no leak; a new mount shows what
# was written before.
. "$(dirname "$0")/lib.sh"

conns=/sys/fs/fuse/connections
[ -d "$conns" ] || skip "no $conns"
if [ -z "$(ls -A "$conns" 2>/dev/null)" ] && ! mountpoint -q "$conns"; then
	mount -t fusectl none "$conns" 2>/dev/null || skip "cannot mount fusectl on $conns"
	EXTRA_MOUNTS+=("$conns")   # as it was, at exit
fi

start_burnfs
mkdir "$MNT/staging/d"
printf 'kept\n' >"$MNT/staging/d/before"
exec 7<"$MNT/staging/d"
exec 8>"$MNT/staging/d/open"
printf 'half' >&8
dev=$(stat -c %d "$MNT")
[ -e "$conns/$dev/abort" ] || skip "no abort file for connection $dev"
echo 1 >"$conns/$dev/abort"
wait_pid_exit "$DAEMON_PID" 30 || fail "burnfs still running 30 s after the abort"
wait "$DAEMON_PID" || true   # an aborted connection is no clean unmount
DAEMON_PID=
exec 7<&- 8>&-
unmount_any "$MNT"
grep -q '2 open files and folders the kernel did not release' "$LOG" ||
	fail "the log does not say it closed the 2 handles: $(tail -3 "$LOG")"
check_log

start_burnfs
assert_eq "$(cat "$MNT/staging/d/before")" kept "a file written before the abort"
assert_eq "$(cat "$MNT/staging/d/open")" half "the file open at the abort"
stop_burnfs
