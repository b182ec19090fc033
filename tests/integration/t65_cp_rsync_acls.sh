#!/bin/bash
# t65_cp_rsync_acls — cp -a and rsync -aHAX of a tree with ACLs and xattrs
# in every namespace exit 0 and copy everything; after a commit and a mount
# with an empty cache, a second rsync -aHAX finds nothing to change (it
# compares ACLs and xattrs too), and chmod on a file with an ACL moves its
# mask as on a local file system.
. "$(dirname "$0")/lib.sh"
command -v getfacl >/dev/null || skip "getfacl is not installed (scripts/setup.sh: acl)"

make_tree "$T/src"
setfacl -m u:1234:rwx,g:4321:r "$T/src/docs/a.txt"
setfacl -d -m u:1234:rx "$T/src/docs/nested"
setfacl -m g:77:rwx "$T/src/docs/nested"
setfattr -n trusted.k -v trusted "$T/src/docs/b.txt"
setfattr -n security.k -v security "$T/src/docs/b.txt"
setfattr -n user.empty "$T/src/docs/hl1"
setfattr -h -n trusted.link -v l "$T/src/link"
find "$T/src" -mindepth 1 -depth -type d -exec touch -d '2010-05-06 07:08:09' {} +

start_burnfs
S=$MNT/staging
mkdir "$S/cp" "$S/rsync"
timeout 120 cp -a "$T/src/." "$S/cp/" 2>"$T/cp.err" || { cat "$T/cp.err" >&2; fail "cp -a exited non-zero"; }
[ ! -s "$T/cp.err" ] || { cat "$T/cp.err" >&2; fail "cp -a printed errors"; }
rc=0
timeout 120 rsync -aHAX "$T/src/" "$S/rsync/" 2>"$T/rsync.err" || rc=$?
[ "$rc" = 0 ] || { cat "$T/rsync.err" >&2; fail "rsync -aHAX exited $rc"; }
assert_same_full "$T/src" "$S/cp" "source and the cp -a copy"
assert_same_full "$T/src" "$S/rsync" "source and the rsync -aHAX copy"
ctl_ok commit
stop_burnfs

rm -rf "$CACHE"
# the notifier running late, as under load: the ACL's change of the mode
# below must reach the kernel with the setxattr itself
export BURNFS_TEST_NOTIFY_DELAY_MS=500
start_burnfs
unset BURNFS_TEST_NOTIFY_DELAY_MS
assert_same_full "$T/src" "$S/rsync" "source and the rsync copy after a fresh mount"
out=$(timeout 120 rsync -aHAX --itemize-changes "$T/src/" "$S/rsync/" 2>&1) || fail "the second rsync failed: $out"
[ -z "$out" ] || { printf '%s\n' "$out" | sed -n 1,10p >&2; fail "a no-op rsync -aHAX changed something"; }
assert_eq "$(pending)" "" "pending after a no-op rsync"
# chmod on a file with an access ACL: the mask follows the group bits
chmod 0640 "$S/rsync/docs/a.txt"
assert_eq "$(getfacl -cp "$S/rsync/docs/a.txt" 2>/dev/null | grep '^mask::')" "mask::r--" "mask after chmod 0640"
setfacl -m m::rwx "$S/rsync/docs/a.txt"
assert_eq "$(stat -c %a "$S/rsync/docs/a.txt")" 670 "group bits after setting the mask"
ctl_ok commit
stop_burnfs
rm -rf "$CACHE"
start_burnfs
assert_eq "$(stat -c %a "$S/rsync/docs/a.txt")" 670 "mode after the commit"
assert_eq "$(getfacl -cp "$S/rsync/docs/a.txt" 2>/dev/null | grep '^mask::')" "mask::rwx" "mask after the commit"
stop_burnfs
