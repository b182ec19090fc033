#!/bin/bash
# t06_bad_target — a TARGET that is a directory, whose folder does not exist,
# or that holds data that is not ISO 9660 is refused with a one-line message
# and a non-zero exit, and nothing is mounted; a second mount of the same
# image is refused. Also: burnfs without -f returns once the mount is ready,
# and -h / --version work.
. "$(dirname "$0")/lib.sh"

# refuse TARGET WHAT: burnfs (daemon mode) must exit non-zero at once,
# print one line on stderr, and leave $MNT unmounted (lib.sh).
refuse() { expect_refused "$@"; }

mkdir "$T/adir"
refuse "$T/adir" "a directory"
[ -z "$(ls -A "$T/adir")" ] || fail "burnfs wrote into the directory target"
refuse "$T/no/such/folder/img.iso" "a missing parent folder"
[ ! -e "$T/no" ] || fail "burnfs created the missing folder"
head -c 1048576 /dev/urandom >"$T/random.bin"
cp "$T/random.bin" "$T/random.orig"
refuse "$T/random.bin" "a random-data file"
cmp -s "$T/random.bin" "$T/random.orig" || fail "burnfs changed the random-data file"
printf 'just some text\n' >"$T/text.txt"
refuse "$T/text.txt" "a small text file"

# no arguments, one argument: usage error, non-zero
rc=0; timeout 10 "$BURNFS" >/dev/null 2>&1 </dev/null || rc=$?
[ "$rc" != 0 ] && [ "$rc" != 124 ] || fail "burnfs without arguments: exit status $rc"
rc=0; timeout 10 "$BURNFS" "$IMG" >/dev/null 2>&1 </dev/null || rc=$?
[ "$rc" != 0 ] && [ "$rc" != 124 ] || fail "burnfs without a mount point: exit status $rc"
is_mounted "$MNT" && fail "something got mounted"
timeout 10 "$BURNFS" --version >"$T/out" 2>&1 || fail "--version failed"
grep -q '[0-9]\.[0-9]' "$T/out" || fail "--version printed no version: $(cat "$T/out")"
timeout 10 "$BURNFS" -h >"$T/out" 2>&1 || fail "-h failed"
grep -qi 'usage' "$T/out" || fail "-h printed no usage"

# daemon mode: returns when mounted, control readable at once
timeout -k 5 30 "$BURNFS" -o "cache=$CACHE" "$IMG" "$MNT" >>"$LOG" 2>&1 </dev/null ||
	fail "burnfs $IMG $MNT (daemon mode) failed"
is_mounted "$MNT" || fail "burnfs returned before the mount was there"
grep -q '^state: idle$' "$MNT/control" || fail "control not readable right after burnfs returned"

# a second mount of the same image is refused (other cache, other mount point)
mkdir "$T/mnt2"
rc=0
timeout -k 5 30 "$BURNFS" -o "cache=$T/cache2" "$IMG" "$T/mnt2" >"$T/out" 2>"$T/err" </dev/null || rc=$?
if is_mounted "$T/mnt2"; then
	EXTRA_MOUNTS+=("$T/mnt2")
	fail "second mount of the same image succeeded"
fi
[ "$rc" != 0 ] || fail "second mount: exit status 0"
[ "$(grep -c . "$T/err")" = 1 ] || { cat "$T/err" >&2; fail "second mount: expected a one-line message"; }
note "second mount: exit $rc: $(cat "$T/err")"
# ... also through a symlink to the image
ln -s "$IMG" "$T/alias.iso"
rc=0
timeout -k 5 30 "$BURNFS" -o "cache=$T/cache3" "$T/alias.iso" "$T/mnt2" >/dev/null 2>&1 </dev/null || rc=$?
if is_mounted "$T/mnt2"; then
	EXTRA_MOUNTS+=("$T/mnt2")
	fail "second mount of the same image through a symlink succeeded"
fi
[ "$rc" != 0 ] || fail "second mount through a symlink: exit status 0"

# the first mount still works, and after its unmount the image mounts again
printf 'x\n' >"$MNT/staging/x"
ctl_ok commit
timeout 30 fusermount3 -u "$MNT" || fail "unmount failed"
for ((i = 0; i < 100; i++)); do is_mounted "$MNT" || break; sleep 0.1; done
is_mounted "$MNT" && fail "still mounted after fusermount3 -u"
# the daemon releases its lock when it exits: poll until a new mount works
ok=0
for ((i = 0; i < 50; i++)); do
	if timeout -k 5 30 "$BURNFS" -o "cache=$CACHE" "$IMG" "$MNT" >>"$LOG" 2>&1 </dev/null; then
		ok=1
		break
	fi
	sleep 0.2
done
[ "$ok" = 1 ] || fail "image not mountable again after unmount"
assert_eq "$(cat "$MNT/staging/x")" x "file after remount"
assert_eq "$(st sessions)" 1 "sessions after remount"
timeout 30 fusermount3 -u "$MNT"
