#!/bin/bash
# t22_progress_abort — a commit of several hundred MB: while it runs, reading
# control never blocks and shows state committing with progress_percent,
# bytes_done and bytes_total rising; another command meanwhile gets EBUSY;
# `abort` makes the blocked `echo commit` fail with ECANCELED, the disc keeps
# its sessions and MD5s, everything stays staged; the next commit works.
. "$(dirname "$0")/lib.sh"

BIG_MB=${BIG_MB:-100}
start_burnfs
printf 'first\n' >"$MNT/staging/first.txt"
ctl_ok commit
img_sha=$(sha "$IMG")
make_big "$T/big" 4 "$BIG_MB"
timeout 120 cp -a "$T/big/"*.bin "$MNT/staging/"
pending_before=$(pending)

# 1. abort
ctl_bg commit
wait_state committing 30
for ((i = 0; i < 200; i++)); do
	[ "$(st bytes_done)" -gt 0 ] && break
	sleep 0.02
done
ctl_fail EBUSY verify 30
ctl_fail EBUSY commit 30
ctl_fail EBUSY discard 30
[ "$(st state)" = committing ] || fail "commit ended before abort could be sent"
ctl abort 30
[ -z "$CTL_ERRNO" ] || fail "abort failed with $CTL_ERRNO: $(st last_result)"
ctl_wait
assert_eq "$CTL_ERRNO" ECANCELED "errno of the aborted commit"
wait_state idle 30
case $(st last_result) in "error: "*) ;; *) fail "last_result after abort: '$(st last_result)'" ;; esac
assert_eq "$(st sessions)" 1 "sessions after abort"
assert_eq "$(toc_sessions "$IMG")" 1 "sessions in xorriso -toc after abort"
check_md5 "$IMG"
assert_eq "$(pending)" "$pending_before" "pending after abort"
for i in 1 2 3 4; do
	cmp "$T/big/big$i.bin" "$MNT/staging/big$i.bin" || fail "big$i.bin not staged intact after abort"
done
note "image after abort: $(file_size "$IMG") bytes (sha $( [ "$(sha "$IMG")" = "$img_sha" ] && echo same || echo changed))"

# 2. progress, sampled while the same commit runs to the end
ctl_bg commit
samples=0 prev_done=-1 rising=0 mid=0
: >"$T/samples"
while ctl_bg_running; do
	t0=$(date +%s%N)
	s=$(timeout 2 cat "$MNT/control") || fail "reading control blocked or failed during the commit"
	t1=$(date +%s%N)
	[ $(((t1 - t0) / 1000000)) -lt 1000 ] || fail "reading control took $(((t1 - t0) / 1000000)) ms"
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
		[ "$bt" -ge $((4 * BIG_MB * 1048576)) ] || fail "bytes_total=$bt for $((4 * BIG_MB)) MiB"
		[[ $eta =~ ^-?[0-9]+$ ]] || fail "eta_seconds '$eta'"
	fi
	sleep 0.1
done
ctl_wait
[ -z "$CTL_ERRNO" ] || fail "commit failed: $CTL_ERRNO: $(st last_result)"
note "$samples samples while committing, $rising rising, $mid between 0 and 100%"
[ "$samples" -ge 3 ] || { cat "$T/samples" >&2; fail "only $samples status samples while committing"; }
[ "$rising" -ge 2 ] || { cat "$T/samples" >&2; fail "bytes_done rose only $rising times"; }
[ "$mid" -ge 2 ] || { cat "$T/samples" >&2; fail "progress_percent between 0 and 100 only $mid times"; }
assert_eq "$(st state)" idle "state after the commit"
assert_eq "$(st sessions)" 2 "sessions after the commit"
assert_eq "$(pending)" "" "pending after the commit"
stop_burnfs
check_md5 "$IMG"
xorriso_extract "$IMG" "$T/x"
for i in 1 2 3 4; do cmp "$T/big/big$i.bin" "$T/x/big$i.bin" || fail "big$i.bin differs on disc"; done
