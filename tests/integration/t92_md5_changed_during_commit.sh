#!/bin/bash
# t92_md5_changed_during_commit — files rewritten, truncated, appended to
# and written through a shared mmap while a commit hashes them: the disc
# holds the content frozen when the commit started, with that content's
# MD5 (never a mix, never a stale or a new MD5 for old bytes); the next
# commit records the new content with its own MD5.
. "$(dirname "$0")/lib.sh"

BIG_MB=${BIG_MB:-64}
start_burnfs
make_big "$T/big" 4 "$BIG_MB"
timeout 200 cp "$T/big/"*.bin "$MNT/staging/"

ctl_bg commit
wait_state committing 30
[ "$(st state)" = committing ] || fail "commit ended before it could be observed"
s=$MNT/staging
timeout 30 dd if=/dev/urandom of="$s/big1.bin" bs=4096 count=16 conv=notrunc status=none ||
	fail "rewrite of big1.bin during the commit failed"
first=$(st state)
timeout 30 truncate -s 1000000 "$s/big2.bin" || fail "truncate of big2.bin during the commit failed"
timeout 30 bash -c 'printf "appended\n" >>"$1"' _ "$s/big3.bin" || fail "append to big3.bin during the commit failed"
timeout 30 python3 - "$s/big4.bin" <<'PY' || fail "mmap write of big4.bin during the commit failed"
import mmap, sys
with open(sys.argv[1], 'r+b') as f:
    m = mmap.mmap(f.fileno(), 0)
    m[1000:1008] = b'MMAPPED!'
    m[len(m) - 8:] = b'TAIL-MAP'
    m.flush()
    m.close()
PY
still=$(st state)
ctl_wait
[ -z "$CTL_ERRNO" ] || fail "commit failed: $CTL_ERRNO: $(st last_result)"
[ "$first" = committing ] ||
	fail "the commit was over before the first change returned (raise BIG_MB on a fast machine)"
[ "$still" = committing ] || note "the commit ended before the last change returned (the frozen content is checked anyway)"

check_md5 "$IMG"
expect_md5s "$IMG" "$T/big"
ctl_ok verify

# staging/ holds the new contents; the next commit records them
mkdir -p "$T/new"
for i in 1 2 3 4; do cp "$s/big$i.bin" "$T/new/big$i.bin"; done
cmp -s "$T/new/big1.bin" "$T/big/big1.bin" && fail "big1.bin was not changed in staging/"
assert_eq "$(file_size "$T/new/big2.bin")" 1000000 "size of big2.bin in staging/"
ctl_ok commit
check_md5 "$IMG"
expect_md5s "$IMG" "$T/new"
ctl_ok verify
stop_burnfs
xorriso_extract "$IMG" "$T/x"
diff -r "$T/new" "$T/x" || fail "session 2 differs from staging/"
xorriso_extract "$IMG" "$T/x1" 1
diff -r "$T/big" "$T/x1" || fail "session 1 differs from the content frozen at its commit"
