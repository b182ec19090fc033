#!/bin/bash
# t22_progress_abort — commits of several hundred MB: (1) while one runs,
# reading control never blocks and shows state committing with
# progress_percent and bytes_done rising, bytes_total and eta_seconds set;
# (2) while another runs, other commands fail at once with EBUSY,
# interrupting (Ctrl-C) the blocked `echo commit` does not abort it, and a
# write to MNT/abort does: ECANCELED: the disc keeps its sessions and MD5s,
# everything stays staged, the next commit works.
# A machine fast enough to end a commit before it is sampled gets twice the
# data for (1), up to three times; in (2) what needs the commit still
# running is skipped with a note once the commit was past half way.
. "$(dirname "$0")/lib.sh"

BIG_MB=${BIG_MB:-100}
start_burnfs
printf 'first\n' >"$MNT/staging/first.txt"
ctl_ok commit
make_big "$T/big" 4 "$BIG_MB"

# 1. progress, sampled while a commit runs to its end
# sample_commit BYTES: commit what is staged (BYTES of it) and sample the
# status until the commit returns; sets samples, rising and mid.
sample_commit() {
	local t0 t1 s state pct bd bt eta prev_done=-1
	samples=0 rising=0 mid=0
	: >"$T/samples"
	ctl_bg commit
	# Reads that waited for the commit would all show it ended: the samples
	# taken while it runs (counted below) show that reading never blocks.
	# No time limit: on a busy machine a read may take a second.
	slowest=0
	while ctl_bg_running; do
		t0=$(date +%s%N)
		s=$(timeout 60 cat "$MNT/control") || fail "reading control blocked or failed during the commit"
		t1=$(date +%s%N)
		[ $(((t1 - t0) / 1000000)) -le "$slowest" ] || slowest=$(((t1 - t0) / 1000000))
		state=$(printf '%s\n' "$s" | sed -n 's/^state: //p')
		pct=$(printf '%s\n' "$s" | sed -n 's/^progress_percent: //p')
		bd=$(printf '%s\n' "$s" | sed -n 's/^bytes_done: //p')
		bt=$(printf '%s\n' "$s" | sed -n 's/^bytes_total: //p')
		eta=$(printf '%s\n' "$s" | sed -n 's/^eta_seconds: //p')
		echo "$state $pct $bd $bt $eta" >>"$T/samples"
		if [ "$state" = committing ]; then
			samples=$((samples + 1))
			[[ $pct =~ ^[0-9]+$ ]] && [ "$pct" -le 100 ] || fail "progress_percent '$pct'"
			[ "$bd" -ge "$prev_done" ] || fail "bytes_done went back: $prev_done -> $bd"
			[ "$bd" -gt "$prev_done" ] && [ "$prev_done" -ge 0 ] && rising=$((rising + 1))
			[ "$pct" -gt 0 ] && [ "$pct" -lt 100 ] && mid=$((mid + 1))
			prev_done=$bd
			[[ $eta =~ ^-?[0-9]+$ ]] || fail "eta_seconds '$eta'"
			[ "$bd" = 0 ] || [ "$bt" -ge "$1" ] || fail "bytes_total=$bt for $(($1 >> 20)) MiB"
		fi
		sleep 0.1
	done
	ctl_wait
	[ -z "$CTL_ERRNO" ] || fail "commit failed: $CTL_ERRNO: $(st last_result)"
	note "$samples samples while committing, $rising rising, $mid between 0 and 100%; slowest read $slowest ms"
}

timeout 120 cp -a "$T/big/"*.bin "$MNT/staging/"
sessions=2 copies=1
sample_commit $((4 * BIG_MB * 1048576))
# Too few samples inside the write to judge: feed more data. Status reads
# that waited for the commit give none however long it runs, so after three
# rounds the checks below fail.
for ((round = 1; round <= 3 && mid < 3; round++)); do
	copies=$((copies * 2))
	note "round $round: the commit was too short to sample; again with $copies copies of the files"
	for ((c = 1; c <= copies; c++)); do
		mkdir -p "$MNT/staging/more$round/$c"
		timeout 300 cp "$T/big/"*.bin "$MNT/staging/more$round/$c/"
	done
	sample_commit $((copies * 4 * BIG_MB * 1048576))
	sessions=$((sessions + 1))
done
[ "$samples" -ge 3 ] || { cat "$T/samples" >&2; fail "only $samples status samples while committing"; }
[ "$rising" -ge 2 ] || { cat "$T/samples" >&2; fail "bytes_done rose only $rising times"; }
[ "$mid" -ge 2 ] || { cat "$T/samples" >&2; fail "progress_percent between 0 and 100 only $mid times"; }
assert_eq "$(st state)" idle "state after the commit"
assert_eq "$(st sessions)" "$sessions" "sessions after the commit"
assert_eq "$(pending)" "" "pending after the commit"

# 2. EBUSY and abort, on a second big commit: twice the data of the last
# commit of (1), for (2) reads the status more often
mkdir -p "$MNT/staging/again/x"
timeout 120 cp -a "$T/big/"*.bin "$MNT/staging/again/"
for ((c = 1; c < 2 * copies; c++)); do
	mkdir -p "$MNT/staging/again/x/$c"
	timeout 300 cp "$T/big/"*.bin "$MNT/staging/again/x/$c/"
done
pending_before=$(pending)
img_sha=$(sha "$IMG")

# too_fast WHEN: the commit of (2) ended WHEN; it must have succeeded. What
# needed it running is skipped with a note (reads do not wait for a commit,
# (1) showed it: an early end is this machine's speed, not a hang).
too_fast() {
	ctl_wait
	[ -z "$CTL_ERRNO" ] || fail "the commit ended $1 with $CTL_ERRNO: $(st last_result)"
	note "the commit ended $1; the rest of the EBUSY and abort checks skipped"
	sessions=$((sessions + 1))
}

# busy CMD: CMD during the commit fails at once with EBUSY; status 1 when
# the commit was over instead, having been past half way ($pct) before or
# refused an earlier command: with MD5s hashed beside the writer a fast
# machine may finish it between two commands, but the first must meet it.
busy() {
	local t0 t1
	t0=$(date +%s%N)
	ctl "$1" 30
	t1=$(date +%s%N)
	if [ "$CTL_ERRNO" != EBUSY ] && [ "$(st state)" != committing ] &&
		{ [ "$pct" -ge 50 ] || [ "$busy_seen" -gt 0 ]; }; then
		return 1
	fi
	[ "$CTL_ERRNO" = EBUSY ] ||
		fail "'$1' during a commit (at $pct%): ${CTL_ERRNO:-succeeded} after $(((t1 - t0) / 1000000)) ms (state now: $(st state)); expected EBUSY at once"
	case $(st last_result) in "error: "?*) ;; *) fail "last_result after EBUSY: '$(st last_result)'" ;; esac
	busy_seen=$((busy_seen + 1))
}

ebusy_and_abort() {
	local i done_before went_on pct_at_abort pct aborts_before
	ctl_bg commit
	catch_state committing 30 || { too_fast "before it was seen running"; return 0; }
	for ((i = 0; i < 200; i++)); do
		[ "$(st bytes_done)" -gt 0 ] && break
		sleep 0.02
	done
	pct=$(st progress_percent) busy_seen=0
	[ "$(st state)" = committing ] || { too_fast "before the other commands could be sent"; return 0; }
	# the other commands must fail at once, not wait for the commit
	busy verify && busy commit && busy discard &&
		# Linux lets one write at a time into a file: `abort` written to
		# control cannot overtake the waiting commit (EBUSY, like any other).
		busy abort || { too_fast "while the other commands were sent"; return 0; }
	[ "$(st state)" = committing ] || { too_fast "before the interrupt could be sent"; return 0; }
	# Interrupting the waiting writer (Ctrl-C, a shell's trap) no longer
	# aborts: the job belongs to the daemon and goes on.
	done_before=$(st bytes_done)
	ctl_bg_interrupt || { too_fast "before the interrupt could be sent"; return 0; }
	went_on=0
	for ((i = 0; i < 400; i++)); do
		[ "$(st state)" = committing ] || break
		if [ "$(st bytes_done)" -gt "$done_before" ]; then went_on=1; break; fi
		sleep 0.02
	done
	if [ "$went_on" = 1 ]; then
		# A writer that returned while the job still runs is the failure;
		# one whose commit ended meanwhile returned as it should.
		ctl_bg_running || [ "$(st state)" != committing ] ||
			fail "the interrupted writer returned while its commit went on"
		ctl_bg_running || { too_fast "after its progress was seen"; return 0; }
	else
		note "the commit ended before its progress after the interrupt could be seen; that check skipped"
	fi
	# An interrupt that aborted would end the commit with ECANCELED: too_fast
	# fails then.
	[ "$(st state)" = committing ] || { too_fast "after the interrupt, before the abort"; return 0; }
	# The abort file reaches the daemon while the writer holds control. On a
	# slow machine the commit may still be past its end before the abort is
	# served: then the abort checks are skipped with a note. The daemon says
	# when: an abort that found no job running logs no "abort requested"
	# (progress_percent cannot tell: the phases after the write show 0 again);
	# one that found the job must win unless it was well advanced.
	pct_at_abort=$(st progress_percent)
	aborts_before=$(grep -c 'abort requested' "$LOG" || true)
	timeout 10 bash -c 'echo > "$1"' abort "$MNT/abort" || fail "writing abort failed or blocked"
	ctl_wait
	if [ -z "$CTL_ERRNO" ] && { [ "$(grep -c 'abort requested' "$LOG" || true)" = "$aborts_before" ] ||
		[ "${pct_at_abort:-0}" -ge 50 ]; }; then
		note "the commit ended before the abort was served (it was at $pct_at_abort%); abort checks skipped"
		sessions=$((sessions + 1))
		return 0
	fi
	assert_eq "$CTL_ERRNO" ECANCELED "errno of the aborted commit (written at $pct_at_abort%)"
	aborted=1
	wait_state idle 30
	case $(st last_result) in "error: "*) ;; *) fail "last_result after abort: '$(st last_result)'" ;; esac
	assert_eq "$(st sessions)" "$sessions" "sessions after abort"
	assert_eq "$(toc_sessions "$IMG")" "$sessions" "sessions in xorriso -toc after abort"
	check_md5 "$IMG"
	assert_eq "$(pending)" "$pending_before" "pending after abort"
	for i in 1 2 3 4; do
		cmp "$T/big/big$i.bin" "$MNT/staging/again/big$i.bin" || fail "again/big$i.bin not staged intact after abort"
	done
	note "image after abort: $( [ "$(sha "$IMG")" = "$img_sha" ] && echo unchanged || echo "changed (beyond the sessions)")"
}
aborted=0
ebusy_and_abort
wait_state idle 30
ctl_ok commit   # after an abort: the staged files again; else nothing
[ "$aborted" = 0 ] || sessions=$((sessions + 1))
assert_eq "$(st sessions)" "$sessions" "sessions after the commit following (2)"
stop_burnfs
check_md5 "$IMG"
xorriso_extract "$IMG" "$T/x"
for i in 1 2 3 4; do
	cmp "$T/big/big$i.bin" "$T/x/big$i.bin" || fail "big$i.bin differs on disc"
	cmp "$T/big/big$i.bin" "$T/x/again/big$i.bin" || fail "again/big$i.bin differs on disc"
done

# A speed limit is a drive's: on an image libburn only emulated it,
# sleeping between writes without looking at a cancel, so at 64 kB/s a
# commit of 40 MiB took some ten minutes and an abort waited for it. The
# image is written at full speed whatever speed= says.
start_burnfs
ctl_ok "set speed=64"
make_big "$MNT/staging/slow" 2 20
ctl commit 200
[ -z "$CTL_ERRNO" ] || fail "the commit at speed=64 failed with $CTL_ERRNO"
assert_eq "$(st set_speed)" 64 "set_speed after the commit"
stop_burnfs
