#!/bin/bash
# t41_hardlinks — hard-link names are one file at once: an append, chmod,
# chown, utimens or link through one name shows through every other name
# at once (size, content, mode, owner, nlink), also for a family that came
# from the disc; renaming over a name and unlinking names keep the others
# right; a family of LINKS links (4,000) grows and shrinks right and
# reaches the disc as one file (its speed is the bench's, not this test's).
. "$(dirname "$0")/lib.sh"

LINKS=${LINKS:-4000}
start_burnfs
S=$MNT/staging

# same_as NAME EXPECTED: size, content, mode, owner, links through NAME
same_as() {
	assert_eq "$(stat -c '%s %a %u:%g %h' "$1")" "$2" "stat of $1"
}

coherent() {
	local a=$1 b=$2 c=$3
	exec 3>>"$a"
	printf x >&3
	same_as "$b" "$(($(stat -c %s "$a"))) $(stat -c '%a %u:%g %h' "$a")"
	assert_eq "$(cat "$b")" "$(cat "$a")" "content through the other name right after an append"
	exec 3>&-
	chmod 0604 "$b"
	assert_eq "$(stat -c %a "$a")" 604 "mode through the other name after chmod"
	chown 1234:5678 "$a"
	assert_eq "$(stat -c %u:%g "$b")" 1234:5678 "owner through the other name after chown"
	touch -d '2005-01-02 03:04:05' "$b"
	assert_eq "$(stat -c %Y "$a")" "$(date -d '2005-01-02 03:04:05' +%s)" "mtime through the other name"
	ln "$a" "$c"
	assert_eq "$(stat -c %h "$b")" 3 "nlink through another name right after link"
	rm "$c"
	assert_eq "$(stat -c %h "$a")" 2 "nlink right after unlink of a third name"
	# renaming another file over one name takes that name from the family
	echo other >"$c"
	mv "$c" "$b"
	assert_eq "$(stat -c %h "$a")" 1 "nlink after a rename over one name"
	assert_eq "$(cat "$b")" other "the name renamed over"
	ln "$a" "$b.2"
	assert_eq "$(stat -c %h "$b.2")" 2 "a new link of the survivor"
}

: >"$S/a"
ln "$S/a" "$S/b"
coherent "$S/a" "$S/b" "$S/c"

# a family that came from the disc, in two folders, with an empty cache
mkdir "$S/d1" "$S/d2"
printf 'disc\n' >"$S/d1/x"
ln "$S/d1/x" "$S/d2/y"
ctl_ok commit
stop_burnfs
CACHE=$T/cache2
start_burnfs
assert_eq "$(stat -c %h "$S/d2/y")" 2 "a disc family's nlink after a remount"
assert_eq "$(stat -c %i "$S/d1/x")" "$(stat -c %i "$S/d2/y")" "a disc family's names share an inode number"
coherent "$S/d1/x" "$S/d2/y" "$S/d1/z"

# a big family: every name, then half of them gone
mkdir "$S/fam"
echo data >"$S/fam/f"
python3 - "$S/fam" "$LINKS" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    os.link(os.path.join(d, "f"), os.path.join(d, "l%d" % i))
PY
assert_eq "$(stat -c %h "$S/fam/f")" $((LINKS + 1)) "nlink of a family of $LINKS links"
assert_eq "$(stat -c %h "$S/fam/l$((LINKS - 1))")" $((LINKS + 1)) "nlink through the last link"
echo more >>"$S/fam/l7"
assert_eq "$(cat "$S/fam/l$((LINKS / 2))")" "$(printf 'data\nmore')" "content through another link"
python3 - "$S/fam" "$LINKS" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(0, n, 2):
    os.unlink(os.path.join(d, "l%d" % i))
PY
assert_eq "$(stat -c %h "$S/fam/f")" $((LINKS / 2 + 1)) "nlink after unlinking half the family"
assert_eq "$(find "$S/fam" -samefile "$S/fam/f" | wc -l)" $((LINKS / 2 + 1)) "names of the family find sees"
ctl_ok commit
stop_burnfs
CACHE=$T/cache3
start_burnfs
assert_eq "$(stat -c %h "$S/fam/l1")" $((LINKS / 2 + 1)) "the family's nlink read back from the disc"
assert_eq "$(cat "$S/fam/l3")" "$(printf 'data\nmore')" "the family's content on the disc"
stop_burnfs
xorriso_extract "$IMG" "$T/x"
assert_eq "$(stat -c %h "$T/x/fam/f")" $((LINKS / 2 + 1)) "the family extracted by xorriso"
assert_eq "$(stat -c %h "$T/x/d1/x")" 2 "the disc family after a rename over a name and a new link (xorriso)"
