#!/bin/bash
# t42_unlinked_open — a file unlinked while open works with every f-call as
# on a local folder: fstat (nlink 0), fchmod, fchown, reads and writes
# through two handles (one of them direct I/O), ftruncate, futimens, the
# f*xattr calls, fsync, a reopen through /proc/self/fd; a folder removed
# while open shows nlink 0 and refuses new entries with ENOENT (fcalls.py
# runs the same calls on staging/ and on a local folder; the outputs must
# match). Such a file keeps working across a commit and a discard and never
# reaches the disc.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || skip "python3 is not installed"
start_burnfs
S=$MNT/staging
mkdir "$S/w" "$T/ref"
python3 "$LIB_DIR/fcalls.py" unlinked "$S/w" >"$T/staging.out" ||
	fail "the calls failed on staging/: $(tail -3 "$T/staging.out")"
python3 "$LIB_DIR/fcalls.py" unlinked "$T/ref" >"$T/local.out" ||
	fail "the calls failed on the local folder"
diff -u "$T/local.out" "$T/staging.out" >&2 || fail "staging/ and the local folder differ"
grep -qx 'fstat: 0o100644 nlink=0 size=5 uid=0 gid=0' "$T/staging.out" ||
	fail "fstat of an unlinked open file: $(grep '^fstat:' "$T/staging.out")"
grep -qx 'removed folder fstat: 0o40755 nlink=0 size=0 uid=0 gid=0' "$T/staging.out" ||
	fail "fstat of a removed open folder: $(grep '^removed folder fstat' "$T/staging.out")"

# across a commit and a discard
echo disc >"$S/keep"
ctl_ok commit
exec 3<>"$S/keep"
rm "$S/keep"
echo staged >"$S/new"
exec 4<>"$S/new"
rm "$S/new"
echo other >"$S/other"
ctl_ok commit
assert_eq "$(cat /proc/self/fd/3)" disc "a disc file unlinked while open, after a commit"
printf 'more' >>/proc/self/fd/4
assert_eq "$(cat /proc/self/fd/4)" "$(printf 'staged\nmore')" "a new file unlinked while open, after a commit"
echo pending >"$S/p"
ctl_ok discard
printf '!' >>/proc/self/fd/4
assert_eq "$(stat -L -c '%h %s' /proc/self/fd/4)" "0 12" "an unlinked open file after a discard"
assert_eq "$(cat /proc/self/fd/3)" disc "a disc file unlinked while open, after a discard"
exec 3>&- 4>&-
! in_image "$IMG" /keep || fail "a file unlinked before the commit is on the disc"
! in_image "$IMG" /new || fail "a file unlinked before the commit is on the disc"
in_image "$IMG" /other || fail "the commit lost a file"
