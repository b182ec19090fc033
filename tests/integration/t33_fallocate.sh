#!/bin/bash
# t33_fallocate — fallocate(1) in staging/ as on ext4: a reservation grows a
# file with zeros (or keeps its size with -n), a hole punched or a range
# zeroed in a disc file reads back as zeros with the rest unchanged, every
# call moves mtime, --dig-holes keeps the bytes. A reservation the medium
# cannot hold is ENOSPC at the call, as is one the cache disk cannot; the
# mount's own files refuse. It survives a kill -9, and the disc (xorriso's
# extraction, -check_md5) holds exactly what staging/ showed.
. "$(dirname "$0")/lib.sh"
command -v fallocate >/dev/null || skip "fallocate (util-linux) is not installed"
command -v python3 >/dev/null || skip "python3 is not installed"

M=1048576
S=$MNT/staging
OLD='2015-01-01 00:00:00'
# zeroed SRC DST OFF LEN [SIZE]: DST is SRC with [OFF, OFF+LEN) zeroed (up
# to SIZE, default SRC's size, to which it is cut or grown with zeros)
zeroed() {
	python3 - "$@" <<'PY'
import sys
src, dst, off, ln = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
b = bytearray(open(src, "rb").read())
size = int(sys.argv[5]) if len(sys.argv) > 5 else len(b)
b = b[:size] + bytearray(max(0, size - len(b)))
end = min(off + ln, size)
if off < end:
    b[off:end] = bytes(end - off)
open(dst, "wb").write(b)
PY
}
moved() { [ "$(stat -c %Y "$1")" != "$(date -d "$OLD" +%s)" ] || fail "$2: mtime did not move"; }

start_burnfs -o capacity=20M
head -c $((2 * M)) /dev/urandom >"$T/disc.bin"
cp "$T/disc.bin" "$S/disc.bin"
{ head -c 300000 /dev/urandom; head -c 500000 /dev/zero; head -c 300000 /dev/urandom; } >"$T/sparse.bin"
cp "$T/sparse.bin" "$S/sparse.bin"
ctl_ok commit
stop_burnfs
rm -rf "$CACHE"   # the disc files' bytes now come from the disc
start_burnfs -o capacity=20M

# a new file, reserved: zeros of that size
fallocate -l $((3 * M)) "$S/new" || fail "fallocate -l 3M of a new file failed"
assert_eq "$(file_size "$S/new")" $((3 * M)) "size after a reservation"
cmp -s "$S/new" <(head -c $((3 * M)) /dev/zero) || fail "a reserved file is not zeros"

# a disc file: punch, zero past the end (grows it), keep-size, inside
touch -d "$OLD" "$S/disc.bin"
fallocate -p -o 100000 -l 300000 "$S/disc.bin" || fail "punching a hole failed"
moved "$S/disc.bin" "punch"
zeroed "$T/disc.bin" "$T/want" 100000 300000
cmp -s "$S/disc.bin" "$T/want" || fail "after a punched hole, the disc file differs"
touch -d "$OLD" "$S/disc.bin"
fallocate -z -o 1900000 -l 400000 "$S/disc.bin" || fail "zeroing a range failed"
moved "$S/disc.bin" "zero range"
zeroed "$T/want" "$T/want2" 1900000 400000 2300000
cmp -s "$S/disc.bin" "$T/want2" || fail "after a zeroed range past the end, the file differs"
assert_eq "$(file_size "$S/disc.bin")" 2300000 "size after a zeroed range past the end"
touch -d "$OLD" "$S/disc.bin"
fallocate -n -l $((5 * M)) "$S/disc.bin" || fail "fallocate -n failed"
moved "$S/disc.bin" "keep size"
fallocate -o 10 -l 10 "$S/disc.bin" || fail "a reservation inside the file failed"
fallocate -z -n -o 2200000 -l 500000 "$S/disc.bin" || fail "fallocate -z -n failed"
assert_eq "$(file_size "$S/disc.bin")" 2300000 "size after -n reservations"
cmp -s "$S/disc.bin" "$T/want2" || fail "reservations inside the file changed its bytes"
# a reservation that changes no byte of a disc file moves its times only
touch -d "$OLD" "$S/sparse.bin"
fallocate -n -l $((2 * M)) "$S/sparse.bin" || fail "fallocate -n of a disc file failed"
moved "$S/sparse.bin" "a -n reservation of a disc file"
cmp -s "$S/sparse.bin" "$T/sparse.bin" || fail "a -n reservation changed a disc file's bytes"
fallocate -d "$S/sparse.bin" || fail "fallocate --dig-holes failed"
cmp -s "$S/sparse.bin" "$T/sparse.bin" || fail "digging holes changed the bytes"

# the medium's room: ENOSPC at the call, nothing changes; past the end
# with -n nothing is burned, so it costs nothing
expect_errno ENOSPC fallocate -l $((30 * M)) "$S/new"
assert_eq "$(file_size "$S/new")" $((3 * M)) "size after a refused reservation"
fallocate -n -l $((30 * M)) "$S/new" || fail "a -n reservation past the medium's room failed"
assert_eq "$(file_size "$S/new")" $((3 * M)) "size after a -n reservation"
# the mount's own files
expect_errno EOPNOTSUPP fallocate -l 10 "$MNT/control"
expect_errno EROFS fallocate -l 10 "$MNT/sessions/1/disc.bin"

# a kill -9 keeps what was reserved
fallocate -l $M "$S/killed" || fail "fallocate -l 1M failed"
kill9_burnfs
start_burnfs -o capacity=20M
assert_eq "$(file_size "$S/killed")" $M "size of a reserved file after kill -9"
cmp -s "$S/disc.bin" "$T/want2" || fail "after kill -9, the disc file differs"

ctl_ok commit
for f in new disc.bin sparse.bin killed; do sha "$S/$f"; done >"$T/staged.sha"
stop_burnfs
xorriso_extract "$IMG" "$T/x"
for f in new disc.bin sparse.bin killed; do sha "$T/x/$f"; done >"$T/disc.sha"
cmp -s "$T/staged.sha" "$T/disc.sha" || fail "the disc differs from staging/ after the commit"
check_md5 "$IMG"

# the cache disk's room: ENOSPC at the call, and the cache still works
mount_tmpfs "$T/small" 16m
CACHE=$T/small/cache
IMG=$T/img2.iso
start_burnfs
expect_errno ENOSPC fallocate -l $((32 * M)) "$S/big"
assert_eq "$(file_size "$S/big")" 0 "size after the cache disk refused"
printf 'still\n' >>"$S/big" || fail "a write after the refused reservation failed"
# tmpfs cannot zero a range itself: a punched hole does it
head -c 200000 /dev/urandom >"$T/r.bin"
cp "$T/r.bin" "$S/r.bin"
fallocate -z -o 1000 -l 250000 "$S/r.bin" || fail "fallocate -z on a tmpfs cache failed"
zeroed "$T/r.bin" "$T/r.want" 1000 250000 251000
cmp -s "$S/r.bin" "$T/r.want" || fail "a zeroed range on a tmpfs cache differs"
ctl_ok commit
stop_burnfs
check_md5 "$IMG"
