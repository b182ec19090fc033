#!/bin/bash
# t99_close_then_kill — what close(2) returned on survives a kill -9 right
# after it. Big writes are finished in the background; close waits for
# FUSE's flush (release comes later, on its own), so the flush must bring
# the queued bytes into the cache file and the size into the journal.
# ROUNDS kills; each file is compared after the remount.
. "$(dirname "$0")/lib.sh"

ROUNDS=${ROUNDS:-8}
make_big "$T/big" 1 8
start_burnfs
for ((r = 1; r <= ROUNDS; r++)); do
	# dd writes 1 MiB requests (queued behind) and closes; the kill follows
	# at once, before the kernel's release can be served
	dd if="$T/big/big1.bin" of="$MNT/staging/f$r" bs=1M status=none ||
		fail "dd into staging/f$r failed"
	kill9_burnfs
	start_burnfs
	cmp "$T/big/big1.bin" "$MNT/staging/f$r" ||
		fail "staging/f$r after a kill -9 right after its close: $(file_size "$MNT/staging/f$r") bytes, not $(file_size "$T/big/big1.bin")"
done
ctl_ok commit
for ((r = 1; r <= ROUNDS; r++)); do
	in_image "$IMG" "/f$r" || fail "/f$r not on the disc"
done
stop_burnfs
note "$ROUNDS files closed right before a kill -9 were kept whole and burned"
