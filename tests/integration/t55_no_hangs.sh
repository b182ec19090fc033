#!/bin/bash
# t55_no_hangs — mounting a damaged image answers within seconds (issue 9,
# item 10). These images hung `burnfs IMG MNT` (and xorriso) for ever
# before it forked: a directory loop, a session whose size reads 0, an
# image cut inside session 1's header. (A size of 0 at block 16 made it
# mount an empty disc that the first commit would have written over.) Now a disc whose newest session
# cannot be read mounts with an older one (read-only, the status says so),
# a disc with no readable session is refused with one line, and a load the
# libraries do not finish is cut off once it has read nothing for
# BURNFS_LOAD_TIMEOUT (here 5 s).
. "$(dirname "$0")/lib.sh"
export BURNFS_LOAD_TIMEOUT=5

# mount_damaged IMG WHAT: daemon-mode burnfs must return (mounted) within
# 60 s; its status must name the damage.
mount_damaged() {
	IMG=$1
	CACHE=$T/cache.$(basename "$IMG")
	timeout -k 5 60 "$BURNFS" -o "cache=$CACHE" "$IMG" "$MNT" >>"$LOG" 2>&1 </dev/null ||
		fail "$2: burnfs did not mount within 60 s (status $?)"
	is_mounted "$MNT" || fail "$2: not mounted"
	note "$2: $(st media_damage)"
	[ "$(st media_damage)" != none ] || fail "$2: no damage in the status"
	assert_eq "$(st media_status)" closed "$2: media_status"
}
unmount_daemon() {
	timeout -k 2 30 fusermount3 -u "$MNT" || fail "unmount failed"
	for ((i = 0; i < 100; i++)); do is_mounted "$MNT" || break; sleep 0.1; done
	check_log
}

make_xorriso_sessions "$T/x.iso"
# the root folder's extent, and the records of session 2's folders
ROOT=$(python3 -c "import struct,sys; d=open(sys.argv[1],'rb').read(); print(struct.unpack_from('<I',d,16*2048+158)[0])" "$T/x.iso")

# 1. a folder of the newest session holds the root again: a loop
cp "$T/x.iso" "$T/loop.iso"
python3 - "$T/loop.iso" "$ROOT" <<'PY'
import struct, sys
path, root = sys.argv[1], int(sys.argv[2])
with open(path, 'r+b') as f:
    d = f.read()
    o = root * 2048
    while d[o]:                       # the root's records: find folder E
        n, flags, nl = d[o], d[o + 25], d[o + 32]
        if flags & 2 and d[o + 33:o + 33 + nl] == b'E':
            break
        o += n
    assert d[o], 'no folder E'
    f.seek(o + 2)
    f.write(struct.pack('<I', root) + struct.pack('>I', root))
PY
mount_damaged "$T/loop.iso" "a directory loop in session 2"
case $(st media_damage) in *"session 2 cannot be read"*"session 1"*) ;; *) fail "the status does not say session 1 is shown" ;; esac
assert_eq "$(cat "$MNT/staging/d1/one.txt")" one "session 1's file"
[ ! -e "$MNT/staging/e" ] || fail "session 2's folder is shown"
expect_errno EIO ls "$MNT/sessions/2/"
assert_eq "$(cat "$MNT/sessions/1/d1/one.txt")" one "sessions/1"
unmount_daemon

# cl_to_root IMG PVD_BLOCK FOLDER: the first file of FOLDER (an ISO 9660
# name) in the root named by the volume descriptor at PVD_BLOCK gets, in
# place of its PX entry, a relocation link (CL) to that same root
cl_to_root() {
	cp "$T/x.iso" "$1"
	python3 - "$@" <<'PY'
import struct, sys
path, pvd, folder = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode()
with open(path, 'r+b') as f:
    d = bytearray(f.read())
    root = struct.unpack_from('<I', d, pvd * 2048 + 158)[0]
    def records(ext):
        o, k = ext * 2048, 0
        while d[o]:
            if k >= 2:
                yield o
            o, k = o + d[o], k + 1
    sub = [o for o in records(root) if d[o + 25] & 2 and
           d[o + 33:o + 33 + d[o + 32]] == folder][0]
    ext = struct.unpack_from('<I', d, sub + 2)[0]
    o = [o for o in records(ext) if not d[o + 25] & 2][0]
    nl = d[o + 32]
    e = o + 33 + nl + (0 if nl % 2 else 1)
    while d[e:e + 2] != b'PX':                 # its PX entry becomes CL + PD
        e += d[e + 2]
    n = d[e + 2]
    d[e:e + 12] = b'CL\x0c\x01' + struct.pack('<I', root) + struct.pack('>I', root)
    d[e + 12:e + 16] = bytes([ord('P'), ord('D'), n - 12, 1])
    f.seek(0)
    f.write(d)
PY
}

# 2. and 3. a session whose header gives it 0 blocks: libisoburn's
# session scan would never end; the newest session (from block 16) shows
S1=32
S2=$(timeout 60 xorriso -indev "stdio:$T/x.iso" -toc 2>/dev/null | awk -F, '/^ISO session  :   2/ { gsub(/ /, "", $2); print $2 }')
[[ $S2 =~ ^[0-9]+$ ]] || fail "no start for session 2"
for s in "$S1" "$S2"; do
	cp "$T/x.iso" "$T/zero$s.iso"
	put32 "$T/zero$s.iso" $(((s + 16) * 2048 + 80)) 0
	mount_damaged "$T/zero$s.iso" "size 0 in the header of the session at block $s"
	assert_eq "$(cat "$MNT/staging/e/two.txt")" two "newest session's file"
	unmount_daemon
done

# 3b. a size of 0 in the descriptor at block 16 (libisoburn's copy of the
# newest session's): libisoburn finds no session from it; burnfs looks for
# the sessions' own headers and shows what libisofs can load from them
cp "$T/x.iso" "$T/zero16.iso"
put32 "$T/zero16.iso" $((16 * 2048 + 80)) 0
mount_damaged "$T/zero16.iso" "size 0 at block 16"
case $(st media_damage) in *"block 16"*) ;; *) fail "the status does not name block 16" ;; esac
assert_eq "$(cat "$MNT/staging/d1/one.txt")" one "a file of the session shown"
# the newest is read from its own start, not from the damaged copy
assert_eq "$(cat "$MNT/staging/e/two.txt")" two "the newest session's file"
unmount_daemon

# 3c. the whole head (blocks 0-31) zeros, as a power cut in the middle of
# writing it could leave: libisoburn takes the image for blank and a write
# would cut every session off; burnfs finds them by their own headers and
# shows the newest (read-only), every session in sessions/; `blank` makes
# it a disc that takes sessions again
cp "$T/x.iso" "$T/headless.iso"
dd if=/dev/zero of="$T/headless.iso" bs=64k count=1 conv=notrunc status=none
mount_damaged "$T/headless.iso" "a head of zeros"
case $(st media_damage) in *"block 16"*) ;; *) fail "the status does not name block 16" ;; esac
assert_eq "$(st sessions)" 2 "sessions found without the head"
assert_eq "$(cat "$MNT/staging/e/two.txt")" two "the newest session's file"
assert_eq "$(cat "$MNT/sessions/1/d1/one.txt")" one "session 1's file"
expect_errno EROFS touch "$MNT/staging/new"
# blank empties it into a disc that takes sessions again, without a remount
ctl_ok blank
assert_eq "$(st media_status)" blank "media_status after blank"
printf 'new\n' >"$MNT/staging/new"
ctl_ok commit
assert_eq "$(toc_sessions "$T/headless.iso")" 1 "sessions after blank and commit"
unmount_daemon

# 3d. only the copy of the newest session's descriptors at block 16
# damaged, the rest of the head as libisoburn wrote it: zeroed, or one
# byte of its "CD001" changed. Both were refused as "not an ISO 9660
# image"; the sessions are found by their own headers as in 3c.
cp "$T/x.iso" "$T/zero16only.iso"
dd if=/dev/zero of="$T/zero16only.iso" bs=2048 seek=16 count=1 conv=notrunc status=none
cp "$T/x.iso" "$T/magic16.iso"
printf 'X' | dd of="$T/magic16.iso" bs=1 seek=$((16 * 2048 + 1)) conv=notrunc status=none
for img in zero16only magic16; do
	mount_damaged "$T/$img.iso" "block 16 damaged alone ($img)"
	case $(st media_damage) in *"block 16"*) ;; *) fail "$img: the status does not name block 16" ;; esac
	assert_eq "$(st sessions)" 2 "$img: sessions found by their headers"
	assert_eq "$(cat "$MNT/staging/e/two.txt")" two "$img: the newest session's file"
	assert_eq "$(cat "$MNT/sessions/1/d1/one.txt")" one "$img: session 1's file"
	unmount_daemon
done

# 4. a Rock Ridge relocation link (CL) from a file of the newest session
# (/e/two.txt) back to the root: the folder walk cannot tell it from a relocated folder,
# libisofs follows it for ever; after BURNFS_LOAD_TIMEOUT the mount starts
# over without session 2 and shows session 1
cl_to_root "$T/cl2.iso" 16 E
mount_damaged "$T/cl2.iso" "a relocation link to the root in session 2"
case $(st media_damage) in *"session 2 cannot be read"*"session 1"*) ;; *) fail "the status does not say session 1 is shown" ;; esac
assert_eq "$(cat "$MNT/staging/d1/one.txt")" one "session 1's file"
expect_errno EIO ls "$MNT/sessions/2/"
unmount_daemon

# 4b. the same link in session 1 only (/d1/one.txt): the mount shows
# session 2; sessions/1/ is first read by a probe process, which is cut
# off (this loop reads, ever slower: by the time its size allows, past
# BURNFS_LOAD_TIMEOUT): EIO, and the daemon goes on serving
cl_to_root "$T/cl1.iso" $((S1 + 16)) D1
IMG=$T/cl1.iso
CACHE=$T/cache.cl1
start_burnfs
assert_eq "$(st media_damage)" none "a damaged older session is not seen at the mount"
assert_eq "$(cat "$MNT/staging/e/two.txt")" two "the newest session's file"
expect_errno EIO ls "$MNT/sessions/1/"
expect_errno EIO ls "$MNT/sessions/1/"       # remembered: no second wait
grep -q "session 1 cannot be read: the libraries .*(a loop)\|session 1 cannot be read: the libraries read nothing" "$LOG" ||
	fail "the log does not say why sessions/1 was cut off"
assert_eq "$(cat "$MNT/sessions/2/e/two.txt")" two "sessions/2"
stop_burnfs

# 5. cut inside session 1's header: nothing readable, refused at once
head -c $(((S1 + 16) * 2048 + 100)) "$T/x.iso" >"$T/cut.iso"
expect_refused "$T/cut.iso" "cut inside session 1's header"

# 6. the same in a single-session genisoimage image (made with a folder
# deep enough to be relocated): no session left, refused after the deadline
mkdir -p "$T/deep/a/b/c/d/e/f/g/h/i/j"
printf 'deep\n' >"$T/deep/a/b/c/d/e/f/g/h/i/j/deep.txt"
timeout 60 genisoimage -quiet -R -o "$T/cl.iso" "$T/deep" || fail "genisoimage failed"
python3 - "$T/cl.iso" <<'PY'
import struct, sys
with open(sys.argv[1], 'r+b') as f:
    d = f.read()
    root = struct.unpack_from('<I', d, 16 * 2048 + 158)[0]
    at = d.find(b'CL\x0c\x01')
    assert at > 0
    f.seek(at + 4)
    f.write(struct.pack('<I', root) + struct.pack('>I', root))
PY
expect_refused "$T/cl.iso" "a relocation link back to the root"
case $REFUSAL in *"nothing read for 5 s"*) ;; *) fail "the refusal does not name the deadline: $REFUSAL" ;; esac
