#!/bin/bash
# t82_hangup — closing the terminal of the shell that started a commit
# (SIGHUP to its session) does not stop the commit, be it detached (`echo
# detach commit > control`), waited for (`echo commit > control`) or
# started with `burnfs commit`: each job runs to its end and the disc is
# right.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "python3 is missing (pseudo-terminals)"

BIG_MB=${BIG_MB:-75}
start_burnfs

# hang_up_during WHAT LINE: type LINE into an interactive bash on a
# pseudo-terminal, close the terminal once the job runs, wait for the job.
hang_up_during() {
	local what=$1 line=$2 before
	before=$(st job_id)
	ptyrun --out "$T/$what.tty" --type "$line"$'\n' --in "$MNT/control" \
		--when "^job_id: $((before + 1))\$" --then hangup -- bash --norc --noprofile -i ||
		fail "$what: the terminal was not closed"
	if [ "$(st job_state)" = running ]; then
		note "$what: the terminal closed while the job ran"
	else
		note "$what: the job ended before the terminal closed; the hang-up came late"
	fi
	wait_job_ended 200
	assert_eq "$(st job_id)" $((before + 1)) "$what: job number"
	assert_eq "$(st job_errno)" 0 "$what: job_errno ($(st job_result))"
	assert_eq "$(pending)" "" "$what: pending after the job"
	# What the hang-up killed while it waited on control (bash, the burnfs
	# command) lets go of it once the job has ended; until then the mount
	# is busy. (A `sleep` the hang-up left running holds nothing there.)
	mount_released "$MNT" 30 ||
		fail "$what: a program of the closed terminal still holds the mount 30 s after the job"
}

stage_big detached 4 "$BIG_MB"
hang_up_during detached "echo detach commit > '$MNT/control'; sleep 300"
assert_eq "$(st sessions)" 1 "sessions after the detached commit"

stage_big blocking 4 "$BIG_MB"
hang_up_during blocking "echo commit > '$MNT/control'"
assert_eq "$(st sessions)" 2 "sessions after the waited-for commit"

stage_big command 4 "$BIG_MB"
hang_up_during command "'$BURNFS' commit '$MNT'"
assert_eq "$(st sessions)" 3 "sessions after burnfs commit"

stop_burnfs
check_md5 "$IMG"
xorriso_extract "$IMG" "$T/x"
for d in detached blocking command; do same_as_big "$d" "$T/x"; done
