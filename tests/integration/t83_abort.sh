#!/bin/bash
# t83_abort — a running commit is aborted from a second shell: a blocking one
# (`echo commit > control` waiting) by a write to MNT/abort, a detached one
# by `burnfs abort`, and `burnfs commit` by Ctrl-C on its terminal, which
# asks the daemon and waits. Each ends with ECANCELED (exit 8 for the
# command), the disc keeps its sessions byte for byte and its MD5s, and
# everything stays staged; the next commit burns it.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "python3 is missing (pseudo-terminals)"

BIG_MB=${BIG_MB:-100}
start_burnfs
printf 'first\n' >"$MNT/staging/first.txt"
ctl_ok commit
stage_big big 4 "$BIG_MB"
pending_before=$(pending)
size_before=$(file_size "$IMG")
cp "$IMG" "$T/img.before"

# the disc and the stage are as before the aborted commit
unchanged() {
	assert_eq "$(st sessions)" 1 "$1: sessions"
	assert_eq "$(toc_sessions "$IMG")" 1 "$1: sessions in xorriso -toc"
	cmp -s -n "$size_before" "$IMG" "$T/img.before" || fail "$1: the image's first $size_before bytes changed"
	check_md5 "$IMG"
	assert_eq "$(pending)" "$pending_before" "$1: pending"
	same_as_big big "$MNT/staging"
}

# running_now: the job was still running (else the abort came too late to
# be seen and the check is skipped with a note).
running_now() { [ "$(st state)" = committing ]; }

# 1. a blocking writer, aborted from a second shell
ctl_bg commit
wait_state committing 60
t0=$(date +%s%N)
timeout 10 bash -c 'echo > "$1"' abort "$MNT/abort" || fail "writing MNT/abort failed or blocked"
note "writing abort took $((($(date +%s%N) - t0) / 1000000)) ms"
ctl_wait
if [ "$CTL_ERRNO" = ECANCELED ]; then
	assert_eq "$(st job_errno)" ECANCELED "job_errno after abort"
	case $(st last_result) in "error: "*) ;; *) fail "last_result after abort: $(st last_result)" ;; esac
	unchanged "blocking commit aborted"
	# libburn ends a cancelled burn with a FATAL: the abort's echo, not
	# an error for whoever reads the log
	! grep -q ": error: " "$LOG" || fail "the abort logged an error: $(grep -m1 ': error: ' "$LOG")"
else
	[ -z "$CTL_ERRNO" ] || fail "blocking commit failed with $CTL_ERRNO, not ECANCELED"
	fail "the blocking commit ended well though the abort came while it ran (state was committing)"
fi

# 2. a detached commit, aborted by `burnfs abort` from another shell
expect_cli 0 commit "$MNT" --detach
wait_state committing 60
if running_now; then
	expect_cli 0 abort "$MNT"
	case $CLI_OUT in
	"commit: aborted") unchanged "detached commit aborted" ;;
	*"ended before the abort"*) note "the detached commit ended before the abort: $CLI_OUT" ;;
	*) fail "burnfs abort said: $CLI_OUT" ;;
	esac
	expect_cli 8 wait "$MNT"
	case $CLI_ERR in *cancel*) ;; *) fail "burnfs wait after abort: stderr '$CLI_ERR'" ;; esac
	rc=0; timeout 10 cat "$MNT/wait" >/dev/null 2>"$T/err" || rc=$?
	[ "$rc" != 0 ] && [ "$(errno_name "$(cat "$T/err")")" = ECANCELED ] ||
		fail "cat MNT/wait after the abort: rc $rc, $(cat "$T/err")"
else
	note "the detached commit ended before it could be aborted; check skipped"
fi
expect_cli 0 abort "$MNT"
assert_eq "$CLI_OUT" "nothing to abort" "burnfs abort with no job"

# 3. Ctrl-C on `burnfs commit`: the daemon aborts, the command waits
if [ "$(st sessions)" = 1 ]; then
	rc=0
	ptyrun --out "$T/ctrlc.tty" --in "$MNT/control" --when '^state: committing' --then int -- \
		"$BURNFS" commit "$MNT" || rc=$?
	note "burnfs commit after Ctrl-C: exit $rc: $(tr '\r' '\n' <"$T/ctrlc.tty" | grep -v '^\s*$' | tail -n 2 | tr '\n' '|')"
	if [ "$rc" = 8 ]; then
		grep -q 'aborting' "$T/ctrlc.tty" || fail "Ctrl-C did not say it aborts"
		assert_eq "$(st job_state)" ended "job_state when burnfs commit returned"
		unchanged "burnfs commit aborted by Ctrl-C"
	elif [ "$rc" = 0 ]; then
		note "the commit ended before Ctrl-C reached the daemon; check skipped"
	else
		fail "burnfs commit after Ctrl-C: exit $rc, expected 8"
	fi
fi

# the next commit burns everything
[ "$(st sessions)" = 2 ] || ctl_ok commit
assert_eq "$(st sessions)" 2 "sessions after the commit following the aborts"
stop_burnfs
check_md5 "$IMG"
xorriso_extract "$IMG" "$T/x"
same_as_big big "$T/x"
