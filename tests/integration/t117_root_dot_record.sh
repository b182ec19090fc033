#!/bin/bash
# t117_root_dot_record — the newest session's root folder whose own "."
# record names another block (one flipped field; isoinfo, which goes by
# the volume descriptor, still lists every file): libisofs reads the root
# through that record and loaded the session as an empty folder with no
# error, so staging/ was empty and the next commit published a session
# without any of the disc's files. Now the session counts as unreadable:
# the disc mounts read-only on session 2, media_damage names session 3,
# sessions/3 fails with EIO, a commit is refused and the image is not
# written.
. "$(dirname "$0")/lib.sh"

for i in 1 2 3; do
	mkdir -p "$T/src/s$i"
	seq "$i" 5000 >"$T/src/s$i/seq.txt"
	xorriso -dev "stdio:$IMG" -map "$T/src/s$i" "/s$i" -commit >>"$LOG" 2>&1 ||
		fail "xorriso could not write session $i"
done
python3 - "$IMG" <<'PY' || fail "could not patch the image"
import struct, sys
with open(sys.argv[1], 'r+b') as f:
    f.seek(16 * 2048)
    root = struct.unpack('<I', f.read(2048)[158:162])[0]
    f.seek(root * 2048 + 2)
    f.write(struct.pack('<I', 5000) + struct.pack('>I', 5000))
PY
isoinfo -R -f -i "$IMG" | grep -q '^/s3/seq.txt$' || fail "isoinfo no longer reads session 3"
before=$(sha "$IMG")
start_burnfs
case $(st media_damage) in
*"session 3 cannot be read"*) ;;
*) fail "media_damage does not name session 3: '$(st media_damage)'" ;;
esac
assert_eq "$(st media_status)" closed "media_status"
assert_eq "$(cd "$MNT/staging" && echo *)" "s1 s2" "staging/ (session 2)"
assert_eq "$(cat "$MNT/staging/s2/seq.txt")" "$(seq 2 5000)" "a file of session 2"
expect_errno EIO ls "$MNT/sessions/3"
expect_errno EROFS touch "$MNT/staging/new.txt"
ctl_fail EROFS commit
stop_burnfs
assert_eq "$(sha "$IMG")" "$before" "the image after the refused commit"
