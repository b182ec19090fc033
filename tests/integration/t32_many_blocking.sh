#!/bin/bash
# t32_many_blocking — burnfs reads /dev/fuse on a few threads, and a request
# that may block (a command, reads of the disc, copy-up, fsync) first hands
# its reader's place to another thread, started when none waits, up to 16
# (src/fs/loop.c). Here more requests block at once than that: 24
# writers that fsync every write, 24 readers of disc files and 8 writers
# copying disc files up, while a commit runs. The mount must keep
# answering (ls, stat, control) throughout, every process must succeed,
# and the image must hold exactly what was written.
. "$(dirname "$0")/lib.sh"

N=24
head -c 3000000 /dev/urandom >"$T/rand"
start_burnfs
mkdir "$MNT/staging/disc"
for i in $(seq 1 $N); do
	head -c $((100000 + i * 1000)) "$T/rand" >"$MNT/staging/disc/d$i"
done
ctl_ok commit
# staged for the next commit, so that it has work to do
timeout 120 cp "$T/rand" "$MNT/staging/big1"
timeout 120 cp "$T/rand" "$MNT/staging/big2"

pids=()
for i in $(seq 1 $N); do
	# fsync after every 64 KiB: each write and fsync hands the reading over
	( for k in 1 2 3 4 5 6 7 8; do
		dd if="$T/rand" of="$MNT/staging/f$i" bs=64k skip=$k seek=$k count=1 \
			conv=notrunc,fsync status=none || exit 1
	done ) &
	pids+=($!)
	( for k in 1 2 3; do cat "$MNT/staging/disc/d$i" >/dev/null || exit 1; done ) &
	pids+=($!)
done
for i in $(seq 1 8); do
	( printf 'X' | dd of="$MNT/staging/disc/d$i" bs=1 seek=5 conv=notrunc status=none ) &
	pids+=($!)
done
ctl_bg commit
for k in $(seq 1 20); do
	timeout 10 ls "$MNT/staging" >/dev/null || fail "ls staging/ did not answer while requests blocked"
	timeout 10 stat "$MNT/staging/disc/d1" >/dev/null || fail "stat did not answer while requests blocked"
	timeout 10 cat "$MNT/control" >/dev/null || fail "control did not answer while requests blocked"
	sleep 0.05
done
failed=0
for p in "${pids[@]}"; do
	wait "$p" || failed=$((failed + 1))
done
[ "$failed" = 0 ] || fail "$failed of ${#pids[@]} blocking clients failed"
ctl_wait
[ -z "$CTL_ERRNO" ] || fail "the commit during the blocking clients failed with $CTL_ERRNO: $(st last_result)"
# the expected tree, made the same way on a local folder
mkdir -p "$T/want/disc"
for i in $(seq 1 $N); do
	head -c $((100000 + i * 1000)) "$T/rand" >"$T/want/disc/d$i"
	for k in 1 2 3 4 5 6 7 8; do
		dd if="$T/rand" of="$T/want/f$i" bs=64k skip=$k seek=$k count=1 conv=notrunc status=none
	done
done
for i in $(seq 1 8); do
	printf 'X' | dd of="$T/want/disc/d$i" bs=1 seek=5 conv=notrunc status=none
done
cp "$T/rand" "$T/want/big1"
cp "$T/rand" "$T/want/big2"
# times are the clock's, not the test's: set them alike on both sides
find "$T/want" "$MNT/staging" -mindepth 1 -exec touch -d '2020-02-02 12:00:00' {} +
# the commit raced with the writers; the last one takes what it missed
ctl_ok commit
assert_eq "$(pending)" "" "pending after the last commit"
assert_same_tree "$T/want" "$MNT/staging" "local model and staging/"
stop_burnfs
xorriso_extract "$IMG" "$T/x"
assert_same_tree "$T/want" "$T/x" "local model and the image"
check_md5 "$IMG"
