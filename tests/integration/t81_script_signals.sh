#!/bin/bash
# t81_script_signals — a commit in a bash script gets its real result however
# many signals the script takes while it waits: background jobs ending
# (SIGCHLD, `sleep 0.3 & echo commit > control`), a CHLD trap, a WINCH trap
# fired during the burn. A signal to the waiting writer never cancels the
# burn, not even kill -9 of the writer; the sessions are on the disc and
# right.
. "$(dirname "$0")/lib.sh"

BIG_MB=${BIG_MB:-75}
start_burnfs

# 1. the plain case from the field: a background job ends during the commit
stage_big first 4 "$BIG_MB"
rc=0
timeout 200 bash -c 'sleep 0.3 & echo commit > "$1"' script "$MNT/control" 2>"$T/err1" || rc=$?
[ "$rc" = 0 ] || fail "'sleep 0.3 & echo commit > control' failed ($rc): $(cat "$T/err1"); last_result: $(st last_result)"
assert_eq "$(st sessions)" 1 "sessions after the first script"

# 2. traps for CHLD and WINCH, signals sent while the burn is seen running
stage_big second 4 "$BIG_MB"
cat >"$T/script.sh" <<'SCRIPT'
ctl=$1 flag=$2
chld=0 winch=0
trap 'chld=$((chld + 1))' CHLD
trap 'winch=$((winch + 1))' WINCH
# helpers that end (and signal) only once the burn runs
for i in 1 2 3 4 5 6; do
	( for j in $(seq 400); do grep -q '^state: committing' "$ctl" && break; sleep 0.02; done
	  grep -q '^state: committing' "$ctl" && touch "$flag"
	  sleep "0.$i" ) &
done
( for j in $(seq 400); do grep -q '^state: committing' "$ctl" && break; sleep 0.02; done
  kill -WINCH $$; sleep 0.2; kill -WINCH $$ ) &
echo commit > "$ctl"
rc=$?
echo "rc=$rc chld=$chld winch=$winch"
exit $rc
SCRIPT
rc=0
timeout 200 bash "$T/script.sh" "$MNT/control" "$T/seen-running" >"$T/out2" 2>&1 || rc=$?
note "script: $(tail -n 1 "$T/out2")"
[ "$rc" = 0 ] || fail "the commit in the trap script failed ($rc): $(cat "$T/out2"); last_result: $(st last_result)"
if [ -e "$T/seen-running" ]; then
	grep -qE 'winch=[1-9]' "$T/out2" || note "the WINCH trap ran only after the commit"
else
	note "the commit ended before its helpers saw it running; nothing was signalled during the burn"
fi
assert_eq "$(st sessions)" 2 "sessions after the trap script"
assert_eq "$(st job_errno)" 0 "job_errno"

# 3. a writer killed outright (kill -9) leaves its job running to its end
stage_big third 4 "$BIG_MB"
ctl_bg commit
wait_state committing 60
pkill -KILL -f "^bash -c .* ctl-bg-$TEST_NAME " || note "the writer was gone before kill -9"
wait_job_ended 200
assert_eq "$(st job_errno)" 0 "job_errno after the writer was killed ($(st job_result))"
assert_eq "$(st sessions)" 3 "sessions after the killed writer's commit"
wait "$CTL_BG_PID" 2>/dev/null || true
assert_eq "$(pending)" "" "pending after the commits"

stop_burnfs
check_md5 "$IMG"
xorriso_extract "$IMG" "$T/x"
same_as_big first "$T/x"
same_as_big second "$T/x"
same_as_big third "$T/x"
