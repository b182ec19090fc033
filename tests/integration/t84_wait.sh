#!/bin/bash
# t84_wait — waiting for a job from any shell: MNT/wait (and `burnfs wait`)
# gives "none" before the first job, blocks while a job runs (a writer holds
# control meanwhile), then gives the job's result line or fails with the
# job's errno: ok, EIO of a verify that found damage (exit 9), ECANCELED
# (exit 8). Reading it never blocks writers of abort.
. "$(dirname "$0")/lib.sh"

BIG_MB=${BIG_MB:-75}
start_burnfs
assert_eq "$(timeout 10 cat "$MNT/wait")" none "wait before any job"
expect_cli 0 wait "$MNT"
assert_eq "$CLI_OUT" none "burnfs wait before any job"
assert_eq "$(st job_state)" none "job_state before any job"

# a waited-for commit; a second shell waits for it too
stage_big big 4 "$BIG_MB"
ctl_bg commit
wait_state committing 60
timeout 200 cat "$MNT/wait" >"$T/wait1" 2>&1 &
WAIT1=$!
BG_PIDS+=("$WAIT1")
timeout 200 "$BURNFS" wait "$MNT" >"$T/wait2" 2>"$T/wait2.err" &
WAIT2=$!
BG_PIDS+=("$WAIT2")
if [ "$(st state)" = committing ]; then
	sleep 0.2
	kill -0 "$WAIT1" 2>/dev/null || [ "$(st state)" != committing ] ||
		fail "cat MNT/wait returned while the commit ran: $(cat "$T/wait1")"
fi
ctl_wait
[ -z "$CTL_ERRNO" ] || fail "commit failed: $CTL_ERRNO"
wait "$WAIT1" || fail "cat MNT/wait failed: $(cat "$T/wait1")"
assert_eq "$(cat "$T/wait1")" "commit: ok" "MNT/wait after the commit"
wait "$WAIT2" || fail "burnfs wait: exit $?: $(cat "$T/wait2.err")"
assert_eq "$(cat "$T/wait2")" "commit: ok" "burnfs wait after the commit"
assert_eq "$(st job_id)" 1 "job_id"
assert_eq "$(st job_detached)" no "job_detached"

# a detached verify that finds damage: wait fails with EIO, exit 9
lba=$(lba_of "$IMG" /big/big2.bin)
[[ $lba =~ ^[0-9]+$ ]] || fail "no LBA for /big/big2.bin"
head -c 2048 /dev/urandom >"$T/junk"
dd if="$T/junk" of="$IMG" bs=2048 seek=$((lba + 10)) count=1 conv=notrunc status=none
sync
ctl_ok "detach verify"
assert_eq "$(st job_detached)" yes "job_detached of a detached verify"
expect_cli 9 wait "$MNT"
case $CLI_ERR in *big2.bin*) ;; *) fail "burnfs wait after the damaged verify said: $CLI_ERR" ;; esac
rc=0; timeout 10 cat "$MNT/wait" >/dev/null 2>"$T/err" || rc=$?
[ "$rc" != 0 ] && [ "$(errno_name "$(cat "$T/err")")" = EIO ] ||
	fail "cat MNT/wait after the damaged verify: rc $rc, $(cat "$T/err")"
assert_eq "$(st job_errno)" EIO "job_errno after the damaged verify"
assert_eq "$(st job_command)" verify "job_command"
# a later set does not change what wait reports
ctl_ok "set volid=AFTER"
rc=0; timeout 10 cat "$MNT/wait" >/dev/null 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "MNT/wait forgot the verify's EIO after a set"
assert_eq "$(st last_errno)" 0 "last_errno after the set"

# a detached commit aborted: wait gives ECANCELED, exit 8
stage_big again 4 "$BIG_MB"
ctl_ok "detach commit"
wait_state committing 60
if [ "$(st state)" = committing ]; then
	printf 'x\n' >"$MNT/abort"
	expect_cli 8 wait "$MNT"
else
	note "the detached commit ended before the abort; check skipped"
fi
stop_burnfs
