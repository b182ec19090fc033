#!/bin/bash
# t57_damaged_corpus — damaged images of every kind (issue 9): made at test
# time by damage.py (seeded, deterministic) from images written by burnfs,
# xorriso and genisoimage (with and without a UDF bridge): truncations,
# flipped bytes in volume descriptors, directory records and Rock Ridge
# fields, directory loops, continuation areas, extents past the end, volume
# space sizes of 0 and 0x7fffffff. Each is mounted under the test build's
# sanitizers with a deadline; a mounted one is read, written and committed.
# Required of each: an answer (mounted, or refused with one line) within
# 60 s, a commit attempt that returns, no sanitizer report, and every byte
# the image held before the attempt still there (so every earlier
# session's MD5s hold; a session the attempt wrote passes xorriso
# -check_md5). CORPUS_ALL=1 runs all seeds of the random flips (default:
# the first of each kind).
TEST_LIMIT=${TEST_LIMIT:-600}
. "$(dirname "$0")/lib.sh"
export BURNFS_LOAD_TIMEOUT=5

mkdir -p "$T/src/d1/d2/d3" "$T/src/e" "$T/corpus"
printf 'a\n' >"$T/src/d1/a.txt"
head -c 100000 /dev/urandom >"$T/src/d1/d2/d3/c.bin"
ln -s d1/a.txt "$T/src/link"
printf 'deep\n' >"$T/src/e/f.txt"
make_two_sessions "$T/bfs.iso"
make_xorriso_sessions "$T/xor.iso"
timeout 60 genisoimage -quiet -R -J -o "$T/gen.iso" "$T/src" || fail "genisoimage failed"
timeout 60 genisoimage -quiet -R -udf -o "$T/udf.iso" "$T/src" || fail "genisoimage -udf failed"
python3 "$LIB_DIR/damage.py" "$T/corpus" bfs="$T/bfs.iso" xor="$T/xor.iso" \
	gen="$T/gen.iso" udf="$T/udf.iso" || fail "damage.py failed"
# By default the first seed of each random flip, no plain genisoimage
# image (the -udf one is made by the same code) and of that one only what
# its layout differs in (descriptors, sizes, cuts, loops, the root);
# CORPUS_ALL=1 runs all.
if [ "${CORPUS_ALL:-0}" = 1 ]; then
	cases=$(cat "$T/corpus/corpus.txt")
else
	cases=$(grep -v -E -- '-flip-[a-z]+-[1-9]\.iso$|^gen-|^udf-(dirrec|file|flip-(dirrec|rr)|rr)-' \
		"$T/corpus/corpus.txt")
fi
note "$(printf '%s\n' $cases | wc -l) damaged images, ${WORKERS:=3} at a time"

# intact NAME ORIG NOW: every byte ORIG held past the header copy (blocks
# 0-31, which a new session rewrites) up to where its data ends is in NOW.
intact() {
	local end skip=65536
	end=$(awk -v n="$1" '$1 == n { print $2 }' "$T/corpus/ends.txt")
	[ "$end" -gt "$skip" ] || skip=0
	cmp -s -i "$skip" -n $((end - skip)) "$2" "$3"
}

# try_one W NAME: as worker W (its own mount point, image copy, cache and
# log): mount (foreground, in the background, so that the sanitizers'
# reports reach the log), read, write, commit, unmount, check.
try_one() {
	local w=$1 name=$2 img=$T/run$1.iso mnt=$T/mnt$1 log=$T/log$1 pid i rc
	cp "$T/corpus/$name" "$img"
	cp "$img" "$T/orig$w.iso"
	rm -rf "$T/run$w.cache"
	echo "=== $name" >>"$log"
	"$BURNFS" -f -o "cache=$T/run$w.cache" "$img" "$mnt" >>"$log" 2>&1 </dev/null &
	pid=$!
	for ((i = 0; i < 600; i++)); do
		is_mounted "$mnt" && [ -e "$mnt/control" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if ! is_mounted "$mnt"; then
		kill -0 "$pid" 2>/dev/null && fail "$name: no answer within 30 s"
		wait "$pid" && fail "$name: burnfs exited 0 without mounting"
		note "$name: refused: $(tail -n 1 "$log")"
	else
		timeout -k 2 30 find "$mnt/staging" -type f 2>/dev/null |
			head -50 | timeout -k 2 30 xargs -r -d '\n' cat >/dev/null 2>&1 || true
		timeout -k 2 30 ls "$mnt/sessions" >/dev/null 2>&1 || true
		printf 'x\n' >"$mnt/staging/corpus.txt" 2>/dev/null || true
		rc=0
		timeout -k 5 60 bash -c 'printf "commit\n" >"$1"' c "$mnt/control" 2>/dev/null || rc=$?
		[ "$rc" != 124 ] && [ "$rc" != 137 ] || fail "$name: the commit did not return"
		note "$name: mounted ($(grep -E '^(sessions|media_damage)' "$mnt/control" | tr '\n' ' ')), commit status $rc"
		timeout -k 2 30 fusermount3 -u "$mnt" || fail "$name: unmount failed"
		wait_pid_exit "$pid" 30 || fail "$name: burnfs did not exit after unmount"
		wait "$pid" || fail "$name: burnfs exited non-zero after unmount"
	fi
	if grep -q -E 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' "$log"; then
		cat "$log" >>"$LOG"
		fail "$name: sanitizer report (see the log)"
	fi
	intact "$name" "$T/orig$w.iso" "$img" || fail "$name: the commit attempt destroyed data"
	if ! cmp -s "$img" "$T/orig$w.iso" && [ "${name%%-*}" = bfs ]; then
		check_md5 "$img"
		note "$name: the new session checks"
	fi
}

# worker W: every WORKERS-th case, from the W-th on.
worker() {
	local w=$1 k=0 c
	mkdir -p "$T/mnt$w"
	for c in $cases; do
		[ $((k++ % WORKERS)) = "$w" ] && try_one "$w" "$c"
	done
	return 0
}

pids=()
for ((w = 0; w < WORKERS; w++)); do
	EXTRA_MOUNTS+=("$T/mnt$w")   # taken down by the cleanup, whatever happens
	worker "$w" &
	pids+=($!)
	BG_PIDS+=($!)
done
failed=0
for p in "${pids[@]}"; do
	wait "$p" || failed=1
done
for ((w = 0; w < WORKERS; w++)); do
	cat "$T/log$w" >>"$LOG" 2>/dev/null || true
done
[ "$failed" = 0 ] || fail "a damaged image failed (see above)"
