#!/bin/bash
# t113_commit_releases_walk — a commit on a big tree (here any tree:
# BURNFS_RELEASE_MIN=1) first has the kernel let go of the folders a walk
# left it holding that have nothing staged beneath them, so their entries
# go back to the disc's index before the commit needs its memory (status
# `stage_nodes` falls, the log says so). Nothing a user sees changes:
# inode numbers, times, modes, contents and xattrs of every entry, an open
# file; a folder a shell works in is not dropped (getcwd there never
# fails), and one whose shell the daemon cannot see is looked up again.
# Folders with changes beneath keep their entries; with something mounted
# beneath staging/ nothing is dropped (the kernel would detach the mount)
# and the mount stays. Below the threshold (the default, 100,000 nodes)
# nothing is dropped either. The disc then equals what staging/ showed.
. "$(dirname "$0")/lib.sh"

S=$MNT/staging

# shown DIR: every entry below DIR as a walk sees it, inode numbers and
# nanoseconds included, then contents and xattrs
shown() {
	(cd "$1" && find . -mindepth 1 -printf '%p|%i|%y|%m|%U:%G|%s|%n|%T@|%l\n' | sort)
	full_manifest "$1"
}

start_burnfs
for d in 00 01 02 03 04 05 06 07 08 09; do
	mkdir -p "$S/f$d/sub"
	for i in $(seq 30); do printf 'file %s %s\n' "$d" "$i" >"$S/f$d/x$i"; done
	printf 'deep %s\n' "$d" >"$S/f$d/sub/deep"
	ln -s x1 "$S/f$d/sym"
done
setfattr -n user.note -v kept "$S/f01/x2"
ctl_ok commit
stop_burnfs

# the default threshold: a small tree keeps what the walk looked up
unset BURNFS_RELEASE_MIN
CACHE=$T/cache2 start_burnfs
shown "$S" >/dev/null
n1=$(st stage_nodes)
printf 'new\n' >"$S/f08/new"
ctl_ok commit
n2=$(st stage_nodes)
[ "$n2" -ge "$n1" ] || fail "stage_nodes fell from $n1 to $n2 under the default threshold"
grep -q "lets go of" "$LOG" && fail "the kernel was told to drop folders under the default threshold"
stop_burnfs

export BURNFS_RELEASE_MIN=1
CACHE=$T/cache3 start_burnfs
chmod 600 "$S/f02/x1"
printf 'edited\n' >>"$S/f07/x1"
printf 'newer\n' >"$S/f09/sub/new"
before=$(shown "$S")
exec 7<"$S/f03/x1"                          # open across the commit
# a shell working in a clean folder: the commit leaves it to the kernel
# (getcwd in it never fails), its subfolder goes
(cd "$S/f04" && until [ -e "$T/go" ]; do /bin/pwd -P >>"$T/pwd.out" 2>&1
 sleep 0.005; done; /bin/pwd -P >"$T/pwd.out" 2>&1) & CWD_PID=$!
sleep 0.2
n1=$(st stage_nodes)
note "stage_nodes after the walk: $n1"
ctl_ok commit
n2=$(st stage_nodes)
note "stage_nodes after the commit: $n2"
grep -q "lets go of [0-9]* folder.*; 1 kept: a process works in it" "$LOG" ||
	fail "no release keeping the working folder in the log"
grep -v "^$S/f04\$" "$T/pwd.out" && fail "getcwd in the working folder failed during the commit"
# f00, f01, f05, f06, f08 and f04's sub are clean: at least 5 x 33 entries
[ "$n2" -le $((n1 - 165)) ] || fail "stage_nodes fell from $n1 to $n2 only"
assert_eq "$(cat <&7)" "file 03 1" "the file held open"
exec 7<&-
assert_eq "$(readlink "/proc/$CWD_PID/cwd")" "$S/f04" "the working folder"
assert_eq "$(cat "/proc/$CWD_PID/cwd/x5")" "file 04 5" "a file through the working folder"
touch "$T/go"
wait "$CWD_PID" || fail "the shell in the working folder failed"
assert_eq "$(cat "$T/pwd.out")" "$S/f04" "getcwd in the working folder after the commit"
after=$(shown "$S")
[ "$before" = "$after" ] || {
	diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") | head -20 >&2
	fail "staging/ changed when the commit let the kernel drop folders"
}

# a process the daemon cannot see (tests: no scan): its folder is dropped
# and looked up again, so its getcwd works after the commit
stop_burnfs
BURNFS_TEST_NO_CWD_SCAN=1 CACHE=$T/cache4 start_burnfs
shown "$S" >/dev/null
printf 'newest\n' >"$S/f08/newest"
rm -f "$T/go"
(cd "$S/f05" && until [ -e "$T/go" ]; do sleep 0.05; done
 /bin/pwd -P >"$T/pwd2.out" 2>&1) & CWD_PID=$!
sleep 0.2
ctl_ok commit
assert_eq "$(readlink "/proc/$CWD_PID/cwd")" "$S/f05" "the working folder nobody saw"
touch "$T/go"
wait "$CWD_PID" || fail "the shell in the folder nobody saw failed"
assert_eq "$(cat "$T/pwd2.out")" "$S/f05" "getcwd after the commit, in the folder looked up again"

# something mounted beneath staging/: nothing is dropped, the mount stays
mkdir -p "$T/bound" && printf 'bound\n' >"$T/bound/b"
mount --bind "$T/bound" "$S/f05/sub" || fail "cannot bind-mount into staging/"
printf 'more\n' >"$S/f06/more"
shown "$S" >/dev/null
n1=$(st stage_nodes)
released=$(grep -c "lets go of" "$LOG")
ctl_ok commit
assert_eq "$(grep -c "lets go of" "$LOG")" "$released" "releases with a mount beneath"
assert_eq "$(cat "$S/f05/sub/b")" "bound" "the file of the bind mount"
umount "$S/f05/sub" || fail "the bind mount is gone after the commit"
n2=$(st stage_nodes)
[ "$n2" -ge "$n1" ] || fail "stage_nodes fell from $n1 to $n2 with a mount beneath"

stop_and_check_disc
