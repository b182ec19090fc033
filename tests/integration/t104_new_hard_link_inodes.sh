#!/bin/bash
# t104_new_hard_link_inodes — new hard-linked files, symlinks and edited
# hard-linked disc files, committed beside new single files, round after
# round without new folders: every group stays one file of its own. libisofs
# 1.5.4 gave a group of new names the inode number of the first node it
# sorted (a folder's, or a group that had it from an earlier session): two
# files became one to every reader, and the read-back refused each later
# commit. Checked after every commit: the commit succeeds, and xorriso's
# extraction with hard links has exactly the groups staging/ has; at the
# end, a fresh mount has them too. (HL_ROUNDS, HL_SEED)
. "$(dirname "$0")/lib.sh"

S=$MNT/staging
ROUNDS=${HL_ROUNDS:-8}
RANDOM=${HL_SEED:-104}

# groups DIR: one line per file or symlink with several names: its names
groups() {
	(cd "$1" && find . \( -type f -o -type l \) -links +1 -printf '%i %p\n' | sort |
		awk '{ g[$1] = g[$1] " " $2 } END { for (i in g) print g[i] }' | sort)
}

start_burnfs
mkdir "$S/d" "$S/e"
for i in 1 2 3; do echo "old $i" >"$S/d/old$i"; done
ln "$S/d/old1" "$S/e/old1-link"
ctl_ok commit                                   # session 1
for r in $(seq "$ROUNDS"); do
	for g in 1 2 3; do
		f=d/r$r-g$g
		head -c $((RANDOM * 3)) /dev/urandom >"$S/$f"
		ln "$S/$f" "$S/e/r$r-g$g-link"
		echo "single $r $g" >"$S/$([ $((RANDOM % 2)) = 0 ] && echo d || echo e)/r$r-s$g"
	done
	ln -s "target $r" "$S/d/r$r-sym" && ln "$S/d/r$r-sym" "$S/e/r$r-sym-link"
	echo "edit $r" >>"$S/d/old1"             # a hard-linked disc file, rewritten
	ctl_ok commit                               # session r + 1
	rm -rf "$T/x"
	xorriso_extract "$IMG" "$T/x"
	assert_eq "$(groups "$T/x")" "$(groups "$S")" "hard-link groups after round $r (xorriso)"
done
stop_burnfs
rm -rf "$CACHE"
start_burnfs
assert_eq "$(groups "$S")" "$(groups "$T/x")" "hard-link groups after a fresh mount"
assert_eq "$(groups "$S" | grep -c sym)" "$ROUNDS" "hard-linked symlinks after a fresh mount"
