#!/bin/bash
# t53_short_reads — reads never lie (issue 9, item 7). A file whose data
# runs past the end of the image stated its recorded size, but cat and cp
# returned fewer bytes and exited 0. Now every read that cannot return the
# file's bytes fails with EIO: an image cut inside a file's data (a broken
# download), a file record whose extent points past the end, a file record
# whose size says 4 GiB where 300,000 bytes are recorded.
. "$(dirname "$0")/lib.sh"

# unreadable PATH SIZE WHAT: stat shows SIZE, but cat and cp fail with EIO.
unreadable() {
	assert_eq "$(stat -c %s "$1")" "$2" "$3: size"
	expect_errno EIO cat "$1"
	expect_errno EIO cp "$1" "$T/copy"
	expect_errno EIO dd if="$1" of=/dev/null bs=1M status=none
}

# An image cut inside data.bin (300,000 bytes, in session 1): session 2
# is gone with the cut, session 1 is shown, data.bin cannot be read. (An
# xorriso image: a burnfs image keeps its MD5 sums at the end of each
# session, and libisofs refuses a session whose sums were cut off.)
make_xorriso_sessions "$T/cut.iso"
lba=$(lba_of "$T/cut.iso" /d1/d2/data.bin)
[[ $lba =~ ^[0-9]+$ ]] || fail "no LBA for data.bin"
truncate -s $((lba * 2048 + 150000)) "$T/cut.iso"
IMG=$T/cut.iso
CACHE=$T/cache.cut
start_burnfs
note "cut image: $(st media_damage)"
unreadable "$MNT/staging/d1/d2/data.bin" 300000 "cut data.bin"
# the bytes before the cut are still there
assert_eq "$(head -c 100000 "$MNT/staging/d1/d2/data.bin" | wc -c)" 100000 "data.bin up to the cut"
unreadable "$MNT/sessions/1/d1/d2/data.bin" 300000 "cut data.bin in sessions/1"
stop_burnfs

# xorriso images carry no MD5s, so a record can be changed and still load:
# one.txt (4 bytes) gets an extent past the end, data.bin (300,000 bytes)
# a size of 4 GiB - 4 KiB.
make_xorriso_sessions "$T/x.iso"
python3 - "$T/x.iso" <<'PY'
import os, struct, sys
path = sys.argv[1]
with open(path, 'r+b') as f:
    data = f.read()
    past = os.path.getsize(path) // 2048 + 1000
    for name, field, value in ((b'ONE.TXT;1', 2, past),
                               (b'DATA.BIN;1', 10, 0xfffff000)):
        value &= 0xffffffff
        at = data.find(name)
        assert at > 0, name
        while at > 0:
            rec = at - 33
            f.seek(rec + field)
            f.write(struct.pack('<I', value) + struct.pack('>I', value))
            at = data.find(name, at + 1)
PY
IMG=$T/x.iso
CACHE=$T/cache.x
start_burnfs
unreadable "$MNT/staging/d1/one.txt" 4 "one.txt with its extent past the end"
unreadable "$MNT/staging/d1/d2/data.bin" $((0xfffff000)) "data.bin recorded as 4 GiB, with 300,000 bytes of data"
# a read inside the bytes that are there still works
assert_eq "$(head -c 100 "$MNT/staging/d1/d2/data.bin" | wc -c)" 100 "the first bytes of data.bin"
stop_burnfs
