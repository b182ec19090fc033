#!/bin/bash
# t43_setid_bits — set-user-ID and set-group-ID bits go as on ext4 when
# a user without CAP_FSETID writes or truncates: `nobody` through
# write-only (direct-I/O) and read-write (buffered) handles, appends,
# O_TRUNC opens, truncate and ftruncate, on files 04777, 02777, 02666
# (set-group-ID without group execute: dropped for a writer outside the
# group), 06777, 06666, 04666 and 0777; root keeps them, root without
# CAP_FSETID (setpriv) does not; chown drops them; `nobody` hard-links the
# file right after its write (protected_hardlinks judges the kernel's copy
# of the mode: a direct write left it stale, EPERM). fcalls.py runs every
# case on staging/ and on a local folder; the results must match.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || skip "python3 is not installed"
command -v setpriv >/dev/null || skip "setpriv is not installed"
id nobody >/dev/null 2>&1 || skip "there is no user nobody"
chmod 755 "$T"
start_burnfs -o allow_other
mkdir -m 777 "$MNT/staging/w" "$T/ref"
chmod 777 "$T/ref"
python3 "$LIB_DIR/fcalls.py" setid "$MNT/staging/w" >"$T/staging.out" ||
	fail "the cases failed on staging/"
python3 "$LIB_DIR/fcalls.py" setid "$T/ref" >"$T/local.out" ||
	fail "the cases failed on the local folder"
diff -u "$T/local.out" "$T/staging.out" >&2 || fail "staging/ and the local folder differ"
for want in 'nobody wronly 4777: ok -> 0o100777' 'nobody rdwr 4777: ok -> 0o100777' \
	'root wronly 4777: ok -> 0o104777' 'nobody wronly 2666: ok -> 0o100666' \
	'nobody truncate 6666: ok -> 0o100666' 'root-without-CAP_FSETID write 4777: ok -> 0o100777' \
	'chown by root 4755 -> 0o100755'; do
	grep -qxF "$want" "$T/staging.out" || fail "expected '$want'"
done
ctl_ok commit
assert_eq "$(stat -c %a "$MNT/staging/w/g4777-write")" 777 "the mode after the commit"

# File capabilities (security.capability) go with any write, by root too,
# through a write-only (direct-I/O) or read-write (buffered) handle, and
# with a truncate, as on ext4; the disc does not get them back.
CAP=0x0100000200200000000000000000000000000000   # cap_net_raw+p, revision 2
for d in "$T/ref" "$MNT/staging/w"; do
	for how in wronly rdwr truncate; do
		printf 'a\n' >"$d/cap-$how"
		setfattr -n security.capability -v "$CAP" "$d/cap-$how" ||
			fail "cannot set a capability in $d"
	done
	printf 'b\n' >>"$d/cap-wronly"
	python3 -c 'import os,sys; f=os.open(sys.argv[1], os.O_RDWR); os.pwrite(f, b"c", 0); os.close(f)' "$d/cap-rdwr"
	truncate -s 1 "$d/cap-truncate"
done
for how in wronly rdwr truncate; do
	for d in "$T/ref" "$MNT/staging/w"; do
		getfattr -n security.capability "$d/cap-$how" >/dev/null 2>&1 &&
			fail "$d/cap-$how kept its capability after the $how write"
	done
done
ctl_ok commit
stop_burnfs
xorriso_extract_xattrs() {
	timeout -k 5 60 xorriso -osirrox on -xattr any -indev "stdio:$IMG" \
		-extract /w/cap-wronly "$T/x-cap" >>"$LOG" 2>&1 || fail "xorriso could not extract"
}
xorriso_extract_xattrs
getfattr -n security.capability "$T/x-cap" >/dev/null 2>&1 &&
	fail "the disc holds the capability the write dropped"
true
