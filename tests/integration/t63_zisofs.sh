#!/bin/bash
# t63_zisofs — a disc whose files xorriso compressed (-zisofs, Rock Ridge
# ZF): burnfs shows them decompressed with their real size, through read
# (whole, at random offsets, in small pieces) and mmap, in staging/ and
# sessions/1; verify agrees with xorriso -check_md5; editing one (copy-up)
# and committing gives the right bytes, and the untouched ones stay
# compressed and readable by xorriso.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "python3 is not installed"

mkdir -p "$T/src/sub"
python3 - "$T/src" <<'EOF'
import random, sys
d = sys.argv[1]
random.seed(7)
with open(d + '/text.txt', 'w') as f:
    f.write(''.join('line %d of text that compresses well\n' % i for i in range(120000)))
with open(d + '/sparse.bin', 'wb') as f:      # whole blocks of zeros
    f.write(b'head' + b'\0' * 400000 + b'tail')
with open(d + '/sub/small.txt', 'w') as f:
    f.write('small and compressible ' * 800)
with open(d + '/random.bin', 'wb') as f:      # does not compress: stays plain
    f.write(bytes(random.getrandbits(8) for _ in range(70000)))
EOF
ln "$T/src/sub/small.txt" "$T/src/small-link"   # a hard-linked compressed file
timeout -k 5 120 xorriso -for_backup -outdev "stdio:$IMG" -map "$T/src" / \
	-set_filter_r --zisofs / -- -commit >"$T/mk.log" 2>&1 || { cat "$T/mk.log" >&2; fail "xorriso -zisofs failed"; }
timeout -k 5 60 xorriso -indev "stdio:$IMG" -find / -exec show_stream -- 2>/dev/null >"$T/streams"
grep -q "text.txt' < --zisofs-decode" "$T/streams" || { cat "$T/streams" >&2; skip "xorriso wrote no zisofs file (no zlib in libisofs?)"; }

start_burnfs
S=$MNT/staging
for dir in "$S" "$MNT/sessions/1"; do
	for f in text.txt sparse.bin sub/small.txt random.bin; do
		assert_eq "$(stat -c %s "$dir/$f")" "$(stat -c %s "$T/src/$f")" "size of $dir/$f"
		cmp -s "$dir/$f" "$T/src/$f" || fail "$dir/$f differs from the source"
	done
done
python3 - "$S/text.txt" "$T/src/text.txt" "$MNT/sessions/1/sparse.bin" "$T/src/sparse.bin" <<'EOF' || fail "mmap or random reads differ"
import mmap, random, sys
for got, want in ((sys.argv[1], sys.argv[2]), (sys.argv[3], sys.argv[4])):
    w = open(want, 'rb').read()
    with open(got, 'rb') as f:
        m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
        assert m[:] == w, 'mmap of ' + got
        rnd = random.Random(3)
        for _ in range(300):
            off = rnd.randrange(len(w))
            n = rnd.randrange(1, 100000)
            f.seek(off)
            assert f.read(n) == w[off:off + n], 'read at %d of %s' % (off, got)
EOF
assert_eq "$(dd if="$S/text.txt" bs=4096 status=none | sha256sum | cut -c1-64)" "$(sha "$T/src/text.txt")" "4 KiB reads"
ctl_ok verify
check_md5 "$IMG"

assert_eq "$(stat -c %h "$S/small-link")" 2 "link count of a compressed hard link"

# copy-up of a compressed file, a chmod of a compressed hard link (its
# other name keeps the disc's node, not a copy), then a commit
chmod 0600 "$S/small-link"
chmod 0600 "$T/src/small-link"
printf 'appended\n' >>"$S/text.txt"
printf 'appended\n' >>"$T/src/text.txt"
dd if=/dev/zero of="$S/sparse.bin" bs=1 seek=200000 count=4 conv=notrunc status=none
dd if=/dev/zero of="$T/src/sparse.bin" bs=1 seek=200000 count=4 conv=notrunc status=none
cmp -s "$S/text.txt" "$T/src/text.txt" || fail "the edited file differs before the commit"
ctl_ok commit
ctl_ok verify
stop_burnfs
check_md5 "$IMG"
xorriso_extract "$IMG" "$T/x"
for f in text.txt sparse.bin sub/small.txt random.bin small-link; do
	cmp -s "$T/x/$f" "$T/src/$f" || fail "xorriso extracts $f differently"
done
timeout -k 5 60 xorriso -indev "stdio:$IMG" -find / -exec show_stream -- 2>/dev/null >"$T/streams2"
grep -q "small.txt' < --zisofs-decode" "$T/streams2" || fail "an untouched compressed file lost its zisofs form"
rm -rf "$CACHE"
start_burnfs
for f in text.txt sparse.bin sub/small.txt random.bin small-link; do
	cmp -s "$S/$f" "$T/src/$f" || fail "$f differs after a fresh mount"
done
assert_eq "$(stat -c %h:%a "$S/sub/small.txt")" 2:600 "the compressed hard link after the commit"
stop_burnfs
