#!/bin/bash
# t45_sizes — a size no disc can ever hold is EFBIG, one this medium cannot
# hold ENOSPC, as a local file system tells its own limit from a full disk:
# truncate, ftruncate, writes at an offset through buffered and direct-I/O
# handles, a write across the limit. The limit is libburn's: at most
# 0x7ffffff0 blocks of 2048 bytes on any medium, less a session's least
# overhead (64 blocks): STAGE_FILE_SIZE_MAX in include/burnfs/stage.h.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || skip "python3 is not installed"
MAX=$(((0x7ffffff0 - 64) * 2048))
start_burnfs -o capacity=20M
S=$MNT/staging
: >"$S/f"
expect_errno EFBIG truncate -s 999999999999999 "$S/f"
expect_errno EFBIG truncate -s $((MAX + 1)) "$S/f"
expect_errno ENOSPC truncate -s "$MAX" "$S/f"
expect_errno ENOSPC truncate -s 30M "$S/f"
truncate -s 10M "$S/f" || fail "truncate to 10M on a 20M medium"
assert_eq "$(stat -c %s "$S/f")" 10485760 "size after a truncate that fits"
expect_errno EFBIG dd if=/dev/zero of="$S/g" bs=1 count=1 seek="$MAX" conv=notrunc status=none
python3 - "$S" "$MAX" <<'PY' || fail "the calls at the limit"
import errno, os, sys
d, big = sys.argv[1], int(sys.argv[2])
def want(e, fn, *a):
    try:
        fn(*a)
    except OSError as x:
        if x.errno != e:
            sys.exit("%s%s: %s, expected %s" % (fn.__name__, a[1:], errno.errorcode[x.errno], errno.errorcode[e]))
        return
    sys.exit("%s%s succeeded, expected %s" % (fn.__name__, a[1:], errno.errorcode[e]))
for flags in (os.O_WRONLY, os.O_RDWR):   # direct I/O, buffered
    fd = os.open(os.path.join(d, "h"), os.O_CREAT | flags, 0o644)
    want(errno.EFBIG, os.pwrite, fd, b"x", big)
    want(errno.EFBIG, os.pwrite, fd, b"x", big + 10**6)
    want(errno.ENOSPC, os.pwrite, fd, b"xy", big - 1)
    want(errno.EFBIG, os.ftruncate, fd, big + 1)
    want(errno.ENOSPC, os.ftruncate, fd, 21 << 20)
    os.close(fd)
PY
assert_eq "$(stat -c %s "$S/h")" 0 "a file whose writes were refused"
ctl_ok commit
assert_eq "$(file_size "$S/f")" 10485760 "the file that fit, after the commit"
