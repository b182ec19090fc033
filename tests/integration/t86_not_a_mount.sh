#!/bin/bash
# t86_not_a_mount — the burnfs command refuses, with exit 3 and one line,
# a MOUNTPOINT that is not a burnfs mount: a plain folder (where `echo commit
# > DIR/control` would create a file and succeed), a missing path, a FUSE
# mount of another kind (fuseiso), a burnfs mount after its unmount; it
# creates nothing there. A folder inside a burnfs mount is taken for the
# mount. The daemon refuses to mount over a burnfs mount (a mistyped
# command), in one line.
. "$(dirname "$0")/lib.sh"

refused() {
	local what=$1 dir=$2
	shift 2
	expect_cli 3 "$@" "$dir"
	[ "$(printf '%s\n' "$CLI_ERR" | grep -c .)" = 1 ] || fail "$what: not one line: $CLI_ERR"
	case $CLI_ERR in *"not a burnfs mount"* | *"No such file"*) ;; *) fail "$what: said '$CLI_ERR'" ;; esac
	[ ! -e "$dir/control" ] || fail "$what: a control file appeared in $dir"
}

mkdir "$T/plain"
for c in commit verify status wait abort pending sessions discard; do
	refused "a plain folder ($c)" "$T/plain" "$c"
done
refused "set on a plain folder" "$T/plain" set volid=X
[ -z "$(ls -A "$T/plain")" ] || fail "something appeared in the plain folder: $(ls -A "$T/plain")"
refused "a missing path" "$T/missing" commit

# another FUSE file system
timeout 60 xorriso -outdev "stdio:$T/other.iso" -map /etc/hostname /h -commit >/dev/null 2>&1
fuseiso_mount "$T/other.iso" "$T/fuseiso"
refused "a fuseiso mount" "$T/fuseiso" commit
fuseiso_umount "$T/fuseiso"

# a burnfs mount, then the same folder unmounted
start_burnfs
mkdir "$MNT/staging/sub"
expect_cli 0 status "$MNT/staging/sub"
grep -q '^state: idle$' <<<"$CLI_OUT" || fail "status from a folder inside the mount: $CLI_OUT"
rc=0
timeout 30 "$BURNFS" comit "$MNT" >"$T/out" 2>"$T/err" </dev/null || rc=$?
[ "$rc" != 0 ] || fail "burnfs comit MNT (a typo) mounted something"
[ "$(grep -c . "$T/err")" = 1 ] || fail "mount over a burnfs mount: not one line: $(cat "$T/err")"
[ ! -e "$T/comit" ] || fail "the mistyped command left an image file"
assert_eq "$(grep -c " $MNT " /proc/self/mounts)" 1 "mounts on $MNT"
stop_burnfs
refused "an unmounted burnfs folder" "$MNT" commit
