#!/bin/bash
# t101_idle_after_small_writes — a reader that has answered polls /dev/fuse
# for a moment before it sleeps (loop.c): after a burst of small writes the
# daemon must go quiet, whether the poll is on (the default) or off
# (BURNFS_SPIN_US=0). IDLE_SECONDS of idleness may cost the daemon at most
# IDLE_TICKS_MAX clock ticks of CPU (a tenth of one CPU by default).
. "$(dirname "$0")/lib.sh"

IDLE_SECONDS=${IDLE_SECONDS:-3}
HZ=$(getconf CLK_TCK)
IDLE_TICKS_MAX=${IDLE_TICKS_MAX:-$((IDLE_SECONDS * HZ / 10))}
head -c 200000 /dev/urandom >"$T/src"

ticks() { awk '{ print $14 + $15 }' "/proc/$DAEMON_PID/stat"; }

for spin in default 0; do
	if [ "$spin" = default ]; then
		start_burnfs
	else
		BURNFS_SPIN_US=0 start_burnfs
	fi
	# 400 writes of 512 bytes, each a request (write-only: direct I/O)
	dd if="$T/src" of="$MNT/staging/f" bs=512 status=none ||
		fail "dd into staging/ (spin $spin)"
	cmp "$T/src" "$MNT/staging/f" || fail "staging/f differs (spin $spin)"
	sleep 0.5
	t0=$(ticks)
	sleep "$IDLE_SECONDS"
	used=$(($(ticks) - t0))
	[ "$used" -le "$IDLE_TICKS_MAX" ] ||
		fail "the daemon used $used ticks in ${IDLE_SECONDS}s of idleness after small writes (spin $spin; at most $IDLE_TICKS_MAX)"
	ctl_ok commit
	assert_eq "$(timeout 60 isoinfo -R -i "$IMG" -x /f | sha256sum | cut -c1-64)" \
		"$(sha "$T/src")" "/f on the disc (spin $spin)"
	stop_burnfs
done
note "the daemon sleeps after small writes, polling on and off"
