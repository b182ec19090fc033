#!/bin/bash
# t46_mount_root — the mount's own entries cannot change: creating in the
# root is a permission error (EACCES, its mode 0555 says so to every user),
# as is a link into it; control and pending cannot be removed, chmod'ed or
# chown'ed (EPERM), staging/ cannot be removed or renamed (EBUSY);
# renames between staging/ and the rest are EXDEV (mv copies); nothing is
# created or changed in sessions/ (EROFS).
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || skip "python3 is not installed"
chmod 755 "$T"
start_burnfs -o allow_other
S=$MNT/staging
assert_eq "$(stat -c %a "$MNT")" 555 "mode of the mount root"
echo f >"$S/f"
expect_errno EACCES touch "$MNT/new"
expect_errno EACCES mkdir "$MNT/newdir"
expect_errno EACCES ln -s x "$MNT/l"
expect_errno EACCES mkfifo "$MNT/p"
expect_errno EACCES cp "$S/f" "$MNT/"
expect_errno EACCES ln "$S/f" "$MNT/f"
if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
	expect_errno EACCES setpriv --reuid=nobody --regid=nogroup --clear-groups touch "$MNT/new"
fi
expect_errno EPERM rm -f "$MNT/control"
expect_errno EPERM rm -f "$MNT/pending"
expect_errno EPERM chmod 600 "$MNT/control"
expect_errno EPERM chown 1234 "$MNT/pending"
expect_errno EBUSY rmdir "$MNT/staging"
expect_errno EPERM rmdir "$MNT/sessions"
ctl_ok commit
python3 - "$MNT" <<'PY' || fail "renames between the mount's parts"
import errno, os, sys
m = sys.argv[1]
cases = [("staging", "x", errno.EBUSY), ("control", "staging/c", errno.EXDEV),
         ("staging/f", "f", errno.EXDEV), ("staging/f", "sessions/1/g", errno.EROFS),
         ("sessions/1/f", "staging/g", errno.EXDEV), ("pending", "sessions/p", errno.EROFS)]
for a, b, e in cases:
    try:
        os.rename(os.path.join(m, a), os.path.join(m, b))
        sys.exit("rename %s -> %s succeeded" % (a, b))
    except OSError as x:
        if x.errno != e:
            sys.exit("rename %s -> %s: %s, expected %s" % (a, b, errno.errorcode[x.errno], errno.errorcode[e]))
PY
expect_errno EROFS touch "$MNT/sessions/x"
expect_errno EROFS touch "$MNT/sessions/1/x"
expect_errno EROFS rm -f "$MNT/sessions/1/f"
expect_errno EROFS chmod 600 "$MNT/sessions/1/f"
expect_errno EROFS mkdir "$MNT/sessions/1/d"
cp "$MNT/sessions/1/f" "$S/copy" || fail "copying out of sessions/"
assert_eq "$(cat "$S/copy")" f "a copy from sessions/ into staging/"
