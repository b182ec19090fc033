#!/bin/bash
# t64_damaged_discs — a disc with entries the loader cannot read whole still
# mounts: names a folder cannot hold (".", "..", "", "/", "a/b"; made by
# patching the Rock Ridge name bytes of a copy) are shown under safe %XX
# names that never leave the mount, and can be read, renamed and deleted;
# an xattr list libisofs cannot decode leaves its entry without xattrs; a
# symlink target the loader refuses drops that entry. Each is logged and
# counted in damaged_entries, and commits keep working. A directory record
# damaged in a folder loses that folder's entries, not the mount.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "python3 is not installed"

# 1. names a folder cannot hold
mkdir -p "$T/src/zqdirdot"
for n in zqdota zqdotdotb zqslasha zqemptya zqroota keep; do printf '%s\n' "$n" >"$T/src/$n"; done
printf 'inside\n' >"$T/src/zqdirdot/inside"
timeout -k 5 60 xorriso -outdev "stdio:$IMG" -map "$T/src" / >/dev/null 2>&1 || fail "xorriso failed"
python3 - "$IMG" <<'EOF'
import sys
p = sys.argv[1]
data = bytearray(open(p, 'rb').read())
def patch(old, new):
    pat = b'NM' + bytes([5 + len(old), 1, 0]) + old
    i, n = data.find(pat), 0
    while i >= 0:                 # only the Rock Ridge NM entries
        data[i + 5:i + 5 + len(old)] = new.ljust(len(old), b'\0')
        n += 1
        i = data.find(pat, i + 1)
    assert n, old
for old, new in ((b'zqdota', b'.'), (b'zqdotdotb', b'..'), (b'zqslasha', b'a/b'),
                 (b'zqemptya', b''), (b'zqroota', b'/'), (b'zqdirdot', b'..')):
    patch(old, new)
open(p, 'wb').write(data)
EOF
start_burnfs
S=$MNT/staging
damaged=$(st damaged_entries)
# ".", ".." and "" get %XX names; libisofs itself keeps what follows the
# last '/' of a name ("a/b" shows as "b", "/" as nothing) and renames names
# that then clash (counted too)
[ "$damaged" -ge 5 ] || fail "damaged_entries is $damaged with six damaged names"
grep -q 'shown as' "$LOG" || fail "no log line names the unsafe entries"
for f in "$S"/* "$S"/.[!.]* "$S"/..?*; do
	[ -e "$f" ] || continue
	case $(realpath -m -- "$f") in "$S"/*) ;; *) fail "$f leaves staging/" ;; esac
done
assert_eq "$(cat "$S/keep")" keep "a sound entry of the damaged disc"
assert_eq "$(cat "$S/%2E")" zqdota "the entry named ., as %2E"
[ -f "$S/%00" ] || fail "no entry %00 (the empty name)"
[ -e "$S/%2E%2E" ] || fail "no entry %2E%2E (the name ..)"
assert_eq "$(cat "$S/b")" zqslasha "the entry named a/b, as libisofs shows it"
for want in zqemptya zqroota zqdotdotb inside; do
	assert_eq "$(grep -rlx "$want" "$S" | wc -l)" 1 "the entry holding $want"
done
empty=$(cat "$S/%00")
assert_eq "$(find "$MNT/sessions/1" -type f | wc -l)" "$(find "$S" -type f | wc -l)" "sessions/1 shows the same entries"
# delete one, rename another, add a file, commit
rm "$S/%2E"
mv "$S/b" "$S/renamed"
printf 'new\n' >"$S/new"
ctl_ok commit
stop_burnfs
timeout -k 5 60 xorriso -indev "stdio:$IMG" -find / >"$T/find" 2>&1 || { cat "$T/find" >&2; fail "xorriso cannot read the new session"; }
rm -rf "$CACHE"
start_burnfs
assert_eq "$(st damaged_entries)" 0 "damaged_entries after the commit (the names were made safe)"
assert_eq "$(cat "$S/renamed")" zqslasha "the renamed entry"
assert_eq "$(cat "$S/%00")" "$empty" "the entry kept under its safe name"
assert_eq "$(grep -rlx inside "$S" | wc -l)" 1 "the file in the folder named .."
[ ! -e "$S/%2E" ] || fail "the deleted entry is back"
assert_eq "$(cat "$S/new")" new "the new file"
stop_burnfs

# 2. a damaged directory record in a folder: that folder's entries are
# lost, the rest of the disc mounts and commits work
IMG=$T/img3.iso
CACHE=$T/cache3
rm -rf "$T/src3" && mkdir -p "$T/src3/sub"
for n in aaa bbb ccc; do printf '%s\n' "$n" >"$T/src3/$n"; printf '%s\n' "$n" >"$T/src3/sub/$n"; done
timeout -k 5 60 xorriso -outdev "stdio:$IMG" -map "$T/src3" / >/dev/null 2>&1 || fail "xorriso failed"
python3 - "$IMG" <<'EOF'
import sys
p = sys.argv[1]
data = bytearray(open(p, 'rb').read())
# the ISO 9660 records of BBB.;1: the root's first, the folder's second;
# a record length that runs past its block breaks the folder's listing
at = [i - 33 for i in range(len(data)) if data.startswith(b'BBB.;1', i)]
assert len(at) >= 2, at
data[at[1]] = 250
open(p, 'wb').write(data)
EOF
start_burnfs
[ "$(st damaged_entries)" -ge 1 ] || fail "damaged_entries is $(st damaged_entries) with a damaged folder"
grep -q "Can't open dir\|Error" "$LOG" || fail "no log line about the damaged folder"
for n in aaa bbb ccc; do assert_eq "$(cat "$S/$n")" "$n" "$n beside the damaged folder"; done
printf 'new\n' >"$S/new"
ctl_ok commit
assert_eq "$(cat "$S/new")" new "a file committed on the damaged disc"
stop_burnfs

# 3. an xattr list libisofs cannot decode (it ends in an empty value), and
# 4. a symlink target of 1024 bytes (written by libisofs, refused by its reader)
IMG=$T/img2.iso
CACHE=$T/cache2
rm -rf "$T/src2" && mkdir -p "$T/src2/d" && printf 'f\n' >"$T/src2/f" && printf 'ok\n' >"$T/src2/ok"
printf '# file: d\nuser.a="x"\nuser.e=""\n\n' >"$T/list"
t1024=$(python3 -c "print(('a' * 99 + '/') * 10 + 'a' * 24)")
timeout -k 5 60 xorriso -xattr any -md5 off -outdev "stdio:$IMG" -map "$T/src2" / -cd / \
	-setfattr_list "$T/list" -lns "$t1024" /long >"$T/mk2.log" 2>&1 || { cat "$T/mk2.log" >&2; fail "xorriso failed"; }
start_burnfs
[ "$(st damaged_entries)" -ge 2 ] || fail "damaged_entries is $(st damaged_entries)"
assert_eq "$(cat "$S/ok")" ok "a sound file"
[ -d "$S/d" ] || fail "the folder with the undecodable xattrs is missing"
[ ! -e "$S/long" ] || fail "the dropped symlink is shown"
setfattr -n user.new -v 1 "$S/d"
ctl_ok commit
assert_eq "$(st damaged_entries)" 0 "damaged_entries after rewriting the list"
assert_eq "$(xattr_get "$S/d" user.new)" 1 "the xattr set after the damage"
ctl_ok commit
stop_burnfs
