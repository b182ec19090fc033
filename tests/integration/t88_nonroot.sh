#!/bin/bash
# t88_nonroot — a user who is not root mounts burnfs and uses it out of the
# box: a blank disc's staging/ belongs to that user and is writable; a
# Joliet-only disc (no Rock Ridge) shows its entries as the user's, 0644 and
# folders 0755, and takes edits; the user's commits reach the disc. Needs a
# /dev/fuse the user may open: where it is root-only (as here) the test
# grants the user access for its own duration (an ACL, removed at exit).
. "$(dirname "$0")/lib.sh"
command -v setpriv >/dev/null || skip "setpriv is missing"
command -v genisoimage >/dev/null || skip "genisoimage is missing"
U=65534
as_user() { setpriv --reuid=$U --regid=$U --clear-groups env HOME="$T/u" "$@"; }

ACL_GRANTED=
restore_fuse_acl() {
	[ -n "$ACL_GRANTED" ] || return 0
	if [ "$ACL_GRANTED" = clean ]; then setfacl -b /dev/fuse; else setfacl -x "u:$U" /dev/fuse; fi
}
if ! as_user test -r /dev/fuse -a -w /dev/fuse; then
	command -v setfacl >/dev/null || skip "/dev/fuse is root-only and setfacl is missing"
	# named entries there before: remove only ours; else remove the ACL
	if getfacl -cp /dev/fuse 2>/dev/null | grep -E '^(user|group):[^:]' >/dev/null; then
		ACL_GRANTED=entry
	else
		ACL_GRANTED=clean
	fi
	setfacl -m "u:$U:rw" /dev/fuse 2>/dev/null || skip "cannot grant user $U access to /dev/fuse"
	trap 'rc=$?; restore_fuse_acl; (exit $rc); cleanup' EXIT
	as_user test -r /dev/fuse -a -w /dev/fuse || skip "user $U cannot open /dev/fuse even with an ACL"
	note "granted user $U access to /dev/fuse for this test"
fi

chmod 755 "$T"
mkdir -p "$T/u"
chown "$U:$U" "$T/u"
UMNT=$T/u/mnt
as_user mkdir "$UMNT"

# mount_as_user IMG CACHE: start the daemon as the user, wait for the mount
mount_as_user() {
	echo "=== start as user $U: $1" >>"$LOG"
	as_user "$BURNFS" -f -o "cache=$2" "$1" "$UMNT" >>"$LOG" 2>&1 </dev/null &
	DAEMON_PID=$!
	for ((i = 0; i < 300; i++)); do
		as_user test -e "$UMNT/control" && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon exited (see the log)"
		sleep 0.1
	done
	fail "not mounted as user $U"
}
unmount_as_user() {
	as_user fusermount3 -u "$UMNT" || fail "fusermount3 -u as user $U failed"
	wait_pid_exit "$DAEMON_PID" 30 || fail "the daemon did not exit"
	wait "$DAEMON_PID" || fail "the daemon exited with $?"
	DAEMON_PID=
	check_log
}

# 1. a blank disc
mount_as_user "$T/u/blank.iso" "$T/u/cache1"
assert_eq "$(as_user stat -c '%u %a' "$UMNT/staging")" "$U 755" "owner and mode of a blank disc's staging/"
as_user mkdir "$UMNT/staging/docs"
as_user sh -c "printf 'mine\n' >'$UMNT/staging/docs/mine.txt'"
as_user "$BURNFS" commit "$UMNT" >"$T/out" 2>&1 || fail "burnfs commit as user $U: $(cat "$T/out")"
assert_eq "$(as_user stat -c '%u' "$UMNT/staging/docs/mine.txt")" "$U" "owner of a committed file"
unmount_as_user
check_md5 "$T/u/blank.iso"
xorriso_extract "$T/u/blank.iso" "$T/x1"
assert_eq "$(cat "$T/x1/docs/mine.txt")" mine "mine.txt on the disc"
assert_eq "$(stat -c %u "$T/x1/docs/mine.txt")" "$U" "owner recorded on the disc"

# 2. a disc without Rock Ridge (Joliet only), made by genisoimage
mkdir -p "$T/src/folder"
printf 'joliet\n' >"$T/src/folder/file.txt"
printf 'top\n' >"$T/src/top.txt"
timeout 60 genisoimage -quiet -J -o "$T/u/joliet.iso" "$T/src" || fail "genisoimage failed"
chown "$U:$U" "$T/u/joliet.iso"
mount_as_user "$T/u/joliet.iso" "$T/u/cache2"
assert_eq "$(as_user stat -c '%u %a' "$UMNT/staging/folder")" "$U 755" "a Joliet-only folder"
assert_eq "$(as_user stat -c '%u %a' "$UMNT/staging/folder/file.txt")" "$U 644" "a Joliet-only file"
as_user sh -c "printf 'edited\n' >>'$UMNT/staging/folder/file.txt'" || fail "the user cannot edit a Joliet-only file"
as_user rm "$UMNT/staging/top.txt" || fail "the user cannot delete a Joliet-only file"
# genisoimage's session starts at block 0: committing on it needs consent
as_user sh -c "printf 'set foreign=overwrite\n' >'$UMNT/control'" || fail "set foreign=overwrite failed"
as_user "$BURNFS" commit "$UMNT" >"$T/out" 2>&1 || fail "commit on the Joliet-only disc: $(cat "$T/out")"
unmount_as_user
xorriso_extract "$T/u/joliet.iso" "$T/x2"
assert_eq "$(cat "$T/x2/folder/file.txt")" "$(printf 'joliet\nedited')" "the edited file on the disc"
[ ! -e "$T/x2/top.txt" ] || fail "top.txt is still on the disc"
