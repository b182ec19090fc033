#!/bin/bash
# t61_refused_at_the_call — what a disc cannot hold fails at the call that
# makes it, with the errno a local file system gives, one line in the log,
# and nothing else changes; the entries on both sides of each edge that
# were accepted commit and read back (xorriso reads the whole image).
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "python3 is not installed"

start_burnfs
S=$MNT/staging
t1023=$(python3 -c "print(('a' * 99 + '/') * 10 + 'a' * 23)")
t1024=$(python3 -c "print(('a' * 99 + '/') * 10 + 'a' * 24)")
c255=$(printf 'c%.0s' $(seq 255))
# symlink targets: libisofs writes 1024 bytes but reads only 1023
ln -s "$t1023" "$S/t1023" || fail "a 1023-byte target was refused"
expect_errno ENAMETOOLONG ln -s "$t1024" "$S/t1024"
ln -s "$c255/x" "$S/c255" || fail "a target with a 255-byte component was refused"
expect_errno ENAMETOOLONG ln -s "${c255}c/x" "$S/c256"
# Rock Ridge drops the slash of "dir/": refused rather than changed
expect_errno EINVAL ln -s "dir/" "$S/slash"
ln -s "dir//" "$S/two-slashes" || fail "dir// was refused"
# names
: >"$S/$(printf 'n%.0s' $(seq 255))" || fail "a 255-byte name was refused"
expect_errno ENAMETOOLONG touch "$S/$(printf 'n%.0s' $(seq 256))"
# xattrs: namespaces a disc does not record, values Linux refuses
: >"$S/f"
expect_errno_text() {
	local want=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	[ "$rc" != 0 ] || fail "expected '$want' from '$*', but it succeeded"
	case $out in *"$want"*) ;; *) fail "expected '$want' from '$*', got: $out" ;; esac
}
expect_errno_text "Operation not supported" setfattr -n system.foo -v 1 "$S/f"
expect_errno_text "Operation not supported" setfattr -n other.foo -v 1 "$S/f"
head -c 65537 /dev/zero | tr '\0' v >"$T/v65537"
expect_errno_text "Argument list too long" setfattr -n user.big -v "$(cat "$T/v65537")" "$S/f"
setfattr -n user.max -v "$(head -c 65536 "$T/v65537")" "$S/f" || fail "a 64 KiB value was refused"
# a node's list beyond what libisofs loads back: ENOSPC
head -c 65536 /dev/zero | tr '\0' w >"$T/v64k"
: >"$S/full"
n=0
while [ "$n" -lt 40 ] && setfattr -n "user.f$n" -v "$(cat "$T/v64k")" "$S/full" 2>"$T/err"; do
	n=$((n + 1))
done
grep -q "No space left on device" "$T/err" || fail "filling a node's xattrs ended with: $(cat "$T/err")"
[ "$n" -ge 10 ] && [ "$n" -lt 40 ] || fail "$n values of 64 KiB were taken"
# a default ACL only on folders (setfacl checks that itself: setfattr
# hands the value through); ACLs on symlinks are refused by Linux
acl=0x0200000001000600ffffffff04000400ffffffff20000400ffffffff
expect_errno_text "Permission denied" setfattr -n system.posix_acl_default -v "$acl" "$S/f"
mkdir "$S/d"
setfacl -d -m u:1:r "$S/d" || fail "a default ACL on a folder was refused"
# times: clamped into what Rock Ridge records, like a local file system
touch -d '1850-01-01 00:00:00 UTC' "$S/f"
assert_eq "$(stat -c %Y "$S/f")" -2208988800 "a time before 1900, clamped"
touch -d '2300-01-01 00:00:00 UTC' "$S/d"
assert_eq "$(stat -c %Y "$S/d")" 5869583999 "a time after 2155, clamped"
ls "$S" >/dev/null
[ "$(grep -c . <(pending))" -ge 6 ] || fail "pending lost entries"
ctl_ok commit
xattrs_full=$(getfattr --absolute-names -d -m - "$S/full" | grep -c '^user\.f')
stop_burnfs

timeout -k 5 60 xorriso -indev "stdio:$IMG" -find / >/dev/null 2>&1 || fail "xorriso cannot read the image"
rm -rf "$CACHE"
start_burnfs
assert_eq "$(readlink "$S/t1023")" "$t1023" "1023-byte target after a fresh mount"
assert_eq "$(readlink "$S/c255")" "$c255/x" "target with a 255-byte component"
assert_eq "$(readlink "$S/two-slashes")" "dir//" "dir//"
assert_eq "$(getfattr --absolute-names -d -m - "$S/full" | grep -c '^user\.f')" "$xattrs_full" "xattrs of the full node"
assert_eq "$(stat -c %Y "$S/f")" -2208988800 "clamped time on the disc"
assert_eq "$(stat -c %s "$S/f")" 0 "size"
assert_eq "$(getfattr --absolute-names --only-values -n user.max "$S/f" | wc -c)" 65536 "a 64 KiB value"
assert_eq "$(st damaged_entries)" 0 "damaged_entries"
assert_eq "$(pending)" "" "pending"
stop_burnfs
