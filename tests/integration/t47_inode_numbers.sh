#!/bin/bash
# t47_inode_numbers — inode numbers are unique across the whole mount:
# the root, control, pending, sessions/, staging/ and every session each
# have their own, and two entries share one only when they are hard links
# in one tree (inodes.py). So find walks the whole mount without "File
# system loop", du counts every session, tar records hard links only
# inside a tree, and rsync -aH copies the mount right. The numbers stay the
# same across calls and a commit, and a disc entry's across remounts.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || skip "python3 is not installed"
start_burnfs
S=$MNT/staging
mkdir -p "$S/d/sub"
echo a >"$S/d/a"
ln "$S/d/a" "$S/d/sub/a2"
head -c 300000 /dev/urandom >"$S/big"
ctl_ok commit
echo changed >>"$S/d/a"
echo c >"$S/c"
ctl_ok commit
echo pending >"$S/e"
rm "$S/c"
ln "$S/big" "$S/big2"

python3 "$LIB_DIR/inodes.py" "$MNT" || fail "inode numbers shared across entries that are not hard links"
stat -c %i "$MNT" "$MNT/control" "$MNT/pending" "$MNT/sessions" "$S" "$MNT/sessions/1" "$MNT/sessions/2" |
	sort | uniq -d >"$T/dups"
[ ! -s "$T/dups" ] || fail "the mount's own entries share inode numbers: $(cat "$T/dups")"

find "$MNT" >/dev/null 2>"$T/find.err" || fail "find over the mount failed: $(cat "$T/find.err")"
[ ! -s "$T/find.err" ] || fail "find over the mount: $(cat "$T/find.err")"
du -s "$MNT/sessions/1" "$MNT/sessions/2" >"$T/du" || fail "du failed"
assert_eq "$(wc -l <"$T/du")" 2 "du -s of two sessions prints two lines"
awk '$1 == 0 { exit 1 }' "$T/du" || fail "du counts a session as empty: $(cat "$T/du")"

tar -cf "$T/all.tar" -C "$MNT" . 2>"$T/tar.err" || fail "tar -c of the mount: $(cat "$T/tar.err")"
tar -tvf "$T/all.tar" | awk '/ link to / {
	n = split($0, w, " link to "); a = w[1]; sub(/.* \.\//, "./", a); b = w[2]
	split(a, x, "/"); split(b, y, "/")
	ta = x[2] == "sessions" ? x[2] "/" x[3] : x[2]
	tb = y[2] == "sessions" ? y[2] "/" y[3] : y[2]
	if (ta != tb) { print; bad = 1 } }
	END { exit bad }' >&2 || fail "tar records hard links between trees"
tar -tvf "$T/all.tar" | grep "staging/big2 link to ./staging/big\|staging/big link to ./staging/big2" >/dev/null ||
	fail "tar lost the hard link inside staging/"

rsync -aH "$MNT/" "$T/copy/" || fail "rsync -aH of the mount"
for tree in staging sessions/1 sessions/2; do
	python3 "$LIB_DIR/difftest.py" compare "$MNT/$tree" "$T/copy/$tree" ||
		fail "rsync -aH copied $tree wrong"
done

before=$(stat -c %i "$S/d/a" "$S/big" "$S/e" "$MNT/sessions/1/d/a")
assert_eq "$(stat -c %i "$S/d/a" "$S/big" "$S/e" "$MNT/sessions/1/d/a")" "$before" "inode numbers on a second look"
ctl_ok commit
assert_eq "$(stat -c %i "$S/d/a" "$S/big" "$S/e" "$MNT/sessions/1/d/a")" "$before" "inode numbers after a commit"
python3 "$LIB_DIR/inodes.py" "$MNT" || fail "inode numbers after a commit"
# entries made in this mount keep their numbers until it ends; a disc
# entry has the disc's number on every mount
stop_burnfs
CACHE=$T/cache2
start_burnfs
disc=$(stat -c %i "$S/d/a" "$MNT/sessions/1/d/a")
stop_burnfs
CACHE=$T/cache3
start_burnfs
assert_eq "$(stat -c %i "$S/d/a" "$MNT/sessions/1/d/a")" "$disc" "inode numbers of disc entries after a remount"
