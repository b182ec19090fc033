#!/bin/bash
# t51_not_a_disc — only discs are taken for discs (issue 9, item 3). A file
# that is not empty and holds no readable ISO 9660 image is refused with
# one line whatever its first 64 KiB hold, and keeps every byte: 64 KiB of
# zeros and then data (libburn called that blank, and the first commit cut
# it from 1,065,536 to 131,072 bytes), a btrfs-like image (its superblock
# sits at 64 KiB), an ext4 image, random data, zeros, an ISO image cut
# inside its first descriptor. An empty file and a sparse file without a
# single data block are blank discs.
. "$(dirname "$0")/lib.sh"

# refused FILE WHAT: refused, unchanged.
refused() {
	cp "$1" "$T/orig"
	expect_refused "$1" "$2"
	cmp -s "$1" "$T/orig" || fail "$2: the file changed"
}

{ head -c 65536 /dev/zero; head -c 1000000 /dev/urandom; } >"$T/zeros-then-data"
refused "$T/zeros-then-data" "64 KiB of zeros, then data"

# btrfs keeps its superblock (magic _BHRfS_M at byte 64) at 64 KiB
{ head -c 65536 /dev/zero; head -c 64 /dev/urandom; printf '_BHRfS_M'; head -c 200000 /dev/urandom; } >"$T/btrfs-like"
refused "$T/btrfs-like" "a btrfs-like image"

if command -v mkfs.ext4 >/dev/null; then
	truncate -s 8M "$T/ext4.img"
	mkfs.ext4 -q -F "$T/ext4.img" || fail "mkfs.ext4 failed"
	refused "$T/ext4.img" "an ext4 image"
else
	note "mkfs.ext4 is not installed: no ext4 case"
fi

head -c 1048576 /dev/urandom >"$T/random"
refused "$T/random" "random data"
head -c 1048576 /dev/zero >"$T/zeros"
refused "$T/zeros" "1 MiB of zeros (written, not sparse)"

make_xorriso_sessions "$T/good.iso"
head -c $((16 * 2048 + 40)) "$T/good.iso" >"$T/cut-header.iso"
refused "$T/cut-header.iso" "an ISO image cut inside its first descriptor"
case $REFUSAL in *"no session"*) ;; *) fail "the cut image's refusal does not say why: $REFUSAL" ;; esac

# blank discs: an empty file, and a sparse file with no data at all
: >"$T/empty.iso"
IMG=$T/empty.iso
CACHE=$T/cache.$(basename "$IMG")
start_burnfs
assert_eq "$(st media_status)" blank "an empty file"
stop_burnfs
truncate -s 100M "$T/sparse.iso"
IMG=$T/sparse.iso
CACHE=$T/cache.$(basename "$IMG")
start_burnfs
assert_eq "$(st media_status)" blank "a sparse file without data"
assert_eq "$(st media_origin)" blank "its media_origin"
printf 'hello\n' >"$MNT/staging/hello.txt"
ctl_ok commit
stop_burnfs
assert_eq "$(toc_sessions "$IMG")" 1 "sessions after the commit"
check_md5 "$IMG"
