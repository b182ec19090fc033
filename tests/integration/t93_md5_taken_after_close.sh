#!/bin/bash
# t93_md5_taken_after_close — a file written into staging/ and closed has
# its MD5 taken in the background (status key hashing counts the files
# still to do) and kept with its cache file; the commit records that MD5
# instead of hashing the bytes again (the log counts them). Checked with
# xorriso -check_md5 (the disc's bytes against the recorded MD5s) and each
# recorded MD5 against md5sum of a local model of what was written:
#  a) cp of files of several sizes: right MD5s, files from 256 KiB on taken
#     early (BURNFS_MD5_EARLY_MIN lowers that); with a stored MD5 spoiled
#     on purpose (BURNFS_TEST_SPOIL_STORED_MD5) check_md5 and verify fail,
#     so the recorded MD5 really is the stored one;
#  b) writes at random offsets, truncates (shorter, longer, to 0 and
#     written again), a write inside the file, a rewrite of the same size,
#     an mmap write, appends, before and after a remount, and edits of disc
#     files in a second session: right MD5s, all taken early;
#  c) a file changed through a handle still open at the commit: its stored
#     MD5 is gone before the change lands, so the commit hashes it;
#  d) kill -9 with such a handle open, remount, commit: right MD5s (the
#     changed file is hashed again after the mount);
#  e) files staged while early MD5s were off are hashed after the next
#     mount, and recorded from there.
. "$(dirname "$0")/lib.sh"
unset BURNFS_MD5_EARLY_MIN   # what is checked here is its default (a sweep may set it)

MIB=1048576
model=$T/model
src=$T/src
mkdir -p "$model" "$src"

# stored_md5s: how many MD5s the last commit took as stored (0: none said)
stored_md5s() {
	local line
	line=$(grep -o 'commit: [0-9]* file MD5s recorded as taken when written' "$LOG" | sed -n '$p' || true)
	echo "${line:-commit: 0}" | awk '{print $2}'
}

# hashed: wait until no closed file waits for its MD5 (a slow machine: the
# hashing runs at idle priority, when nothing else wants the cores)
hashed() {
	local i
	for ((i = 0; i < 1200; i++)); do
		[ "$(st hashing)" = 0 ] && return 0
		sleep 0.1
	done
	fail "files still waiting for their MD5 after 120 s: $(st hashing)"
}

# commit_and_check N: once hashed, commit; N stored MD5s used; the disc
# agrees with the model
commit_and_check() {
	hashed
	: >"$LOG"
	ctl_ok commit
	assert_eq "$(stored_md5s)" "$1" "MD5s recorded as stored"
	check_md5 "$IMG"
	expect_md5s "$IMG" "$model"
	ctl_ok verify
}

# on REL FUNC...: FUNC with F set to the staged file, then to the model's
on() {
	local rel=$1
	shift
	F=$MNT/staging/$rel "$@"
	F=$model/$rel "$@"
}

put() { cp "$src/$1" "$F"; }                  # cp a source file over F
append() { cat "$src/$1" >>"$F"; }
poke() { printf 'poke' | dd of="$F" bs=1 seek="$1" conv=notrunc status=none; }
trunc() { truncate -s "$1" "$F"; }
shrink_grow() { truncate -s 1000 "$F"; truncate -s "$1" "$F"; }
scatter() {   # $1 written in 64 KiB pieces in a shuffled order
	python3 - "$F" "$src/$1" <<'PY'
import os, random, sys
data = open(sys.argv[2], 'rb').read()
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
offs = list(range(0, len(data), 65536))
random.Random(7).shuffle(offs)
for off in offs:
    os.pwrite(fd, data[off:off + 65536], off)
os.close(fd)
PY
}
mmap_write() {
	python3 - "$F" <<'PY'
import mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
m = mmap.mmap(fd, 0)
m[5000:5010] = b'0123456789'
m.flush()
m.close()
os.close(fd)
PY
}

for spec in empty:0 one:1 block:2048 mid:70000 big:$((3 * MIB + 2049)) \
	    huge:$((8 * MIB)) other:$((3 * MIB + 2049)) extra:$((MIB + 7)); do
	head -c "${spec#*:}" /dev/urandom >"$src/${spec%%:*}"
done

note "a) cp, then commit: the stored MD5s are recorded and right"
start_burnfs
for f in empty one block mid big huge; do
	on "$f" put "$f"
done
commit_and_check 2   # big and huge: the others are below 256 KiB
stop_burnfs
BURNFS_MD5_EARLY_MIN=1 start_burnfs
for f in empty one block mid big huge; do
	on "b$f" put "$f"
done
commit_and_check 5   # the empty file has nothing to hash
stop_burnfs
BURNFS_MD5_EARLY_MIN=off start_burnfs
on offbig put big
commit_and_check 0
stop_burnfs

note "a) a stored MD5 spoiled on purpose is what the disc records"
rm -rf "$IMG" "$CACHE"
BURNFS_TEST_SPOIL_STORED_MD5=1 start_burnfs
cp "$src/big" "$MNT/staging/big"
hashed          # the commit does not wait: a file not yet hashed is hashed
: >"$LOG"       # by the commit, and the spoiled MD5 would never be used
ctl_ok commit
assert_eq "$(stored_md5s)" 1 "spoiled MD5s recorded as stored"
out=$(timeout -k 5 120 xorriso -md5 on -indev "stdio:$IMG" \
	-check_md5 FAILURE -- -check_md5_r FAILURE / -- 2>&1) &&
	fail "xorriso -check_md5 passed a disc whose stored MD5 was spoiled"
case $out in
*"MD5 MISMATCH: '/big'"*) ;;
*) printf '%s\n' "$out" | tail -5 >&2; fail "xorriso -check_md5 did not name /big" ;;
esac
ctl_fail EIO verify
stop_burnfs

note "b) other write patterns, before and after a remount"
rm -rf "$IMG" "$CACHE" "$model"
mkdir -p "$model"
start_burnfs
on rnd scatter big                       # random offsets
on short put big; on short trunc 1000000
on long put big; on long trunc $((3 * MIB + 102049))
on zero put big; on zero trunc 0; on zero append mid   # below 256 KiB
on inplace put big; on inplace poke $MIB
on same put big; on same put other       # same size, other bytes
on mapped put big; on mapped mmap_write
on grown put big; on grown append extra
for f in later_append later_poke later_trunc; do
	on "$f" put big
done
assert_eq "$(ls "$MNT/staging" | wc -l)" 11 "staged files"
hashed
stop_burnfs
start_burnfs                             # stored MD5s outlive a remount
on later_append append extra
on later_poke poke 4096
on later_trunc shrink_grow $((3 * MIB + 2049))
commit_and_check 10                      # all but zero

note "b) edits of disc files in a second session, and a new file"
on inplace poke 100                      # a disc file: copied up, then changed
on grown append extra
on fresh put huge
commit_and_check 3

note "c) a change through a handle open at the commit"
on held put big
hashed
exec 3<>"$MNT/staging/held"
printf 'held' >&3                        # at offset 0, the handle stays open
printf 'held' | dd of="$model/held" conv=notrunc status=none
commit_and_check 0                       # hashed by the commit, right
exec 3>&-
stop_burnfs

note "d) kill -9 with a changed file open, remount, commit"
start_burnfs
on crash1 put big
on crash2 put mid
on crash3 put huge
hashed
exec 3<>"$MNT/staging/crash3"
printf 'crash' >&3
printf 'crash' | dd of="$model/crash3" conv=notrunc status=none
kill9_burnfs
exec 3>&-
start_burnfs
commit_and_check 2                       # crash1, and crash3 hashed again after the
                                         # mount (its bytes now); crash2 is small
stop_burnfs

note "e) staged without an MD5, hashed after the next mount"
BURNFS_MD5_EARLY_MIN=off start_burnfs
on late1 put big
on late2 put huge
stop_burnfs
start_burnfs
commit_and_check 2
stop_burnfs
note "stored MD5s recorded right; a file changed since was hashed at commit"
