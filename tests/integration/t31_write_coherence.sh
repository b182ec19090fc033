#!/bin/bash
# t31_write_coherence — files opened write-only bypass the kernel's page
# cache (direct I/O, one copy less for cp and rsync). Readers that hold the
# same file open, read and mapped must still see every write at once, for a
# new staged file and for a file that is on the disc (copy-up); appends land
# at the true end; the image holds the same bytes as a local copy.
. "$(dirname "$0")/lib.sh"

# coherence FILE LOCALCOPY: one reader keeps FILE open and mapped while
# write-only handles change it; the reader must see each change.
coherence() {
	timeout -k 5 60 python3 - "$1" "$2" <<'PY' || fail "page cache not coherent for $1"
import mmap, os, sys
path, copy = sys.argv[1], sys.argv[2]
r = os.open(path, os.O_RDONLY)
size = os.fstat(r).st_size
before = os.pread(r, size, 0)             # fills the page cache
mm = mmap.mmap(r, size, prot=mmap.PROT_READ)
assert mm[:] == before
w = os.open(path, os.O_WRONLY)
os.pwrite(w, b'HEAD', 0)
os.pwrite(w, b'TAIL', size - 4)
os.close(w)
want = b'HEAD' + before[4:size - 4] + b'TAIL'
got = os.pread(r, size, 0)
if got != want:
    sys.exit('pread after write-only pwrite: stale bytes')
if mm[:] != want:
    sys.exit('mmap after write-only pwrite: stale bytes')
w = os.open(path, os.O_WRONLY | os.O_APPEND)
os.write(w, b'APPENDED')
os.close(w)
if os.fstat(r).st_size != size + 8:
    sys.exit('size after append: %d' % os.fstat(r).st_size)
if os.pread(r, 8, size) != b'APPENDED':
    sys.exit('appended bytes not read back')
with open(copy, 'wb') as f:
    f.write(want + b'APPENDED')
PY
}

head -c 5000000 /dev/urandom >"$T/rand"
mkdir -p "$T/want"
head -c 300000 "$T/rand" >"$T/want/ondisc.bin"
start_burnfs
cp "$T/want/ondisc.bin" "$MNT/staging/ondisc.bin"
ctl_ok commit

# a file from the disc: the first write copies it up into the cache
coherence "$MNT/staging/ondisc.bin" "$T/want/ondisc.bin"
# a new file, written by cp (write-only) and then changed the same way
head -c 200000 "$T/rand" >"$T/new.src"
cp "$T/new.src" "$MNT/staging/new.bin"
cmp -s "$T/new.src" "$MNT/staging/new.bin" || fail "cp into staging/ does not read back"
coherence "$MNT/staging/new.bin" "$T/want/new.bin"
# a big file in 1 MiB writes, compared byte for byte
cp "$T/rand" "$T/want/big.bin"
dd if="$T/want/big.bin" of="$MNT/staging/big.bin" bs=1M status=none ||
	fail "dd into staging/ failed"
# the two copies were written at two moments, maybe a second apart
touch -r "$MNT/staging/big.bin" "$T/want/big.bin"
assert_same_tree "$T/want" "$MNT/staging" "local copies and staging/"

ctl_ok commit
stop_burnfs
xorriso_extract "$IMG" "$T/x"
assert_same_tree "$T/want" "$T/x" "local copies and the image"
check_md5 "$IMG"
