#!/bin/bash
# t58_clean_folders_random — random changes in a random few of 40 nested
# folders, the same on staging/ and on a local copy, over four commits,
# each on a fresh mount (some after a walk that lists every folder): each
# commit keeps the folders with nothing staged beneath them (t69), and
# xorriso's extraction of every new session equals the local copy, file
# contents, modes, times and xattrs included. CLEAN_SEED repeats a run.
# Four mounts, commits and extractions: 82 s alone under ASan on a machine
# whose ext4 was slow after mass deletes, over 270 s beside two other tests.
: "${TEST_LIMIT:=540}"
export TEST_LIMIT
. "$(dirname "$0")/lib.sh"
unset BURNFS_FULL_SNAPSHOT   # what is checked here is its default (a sweep may set it)

SEED=${CLEAN_SEED:-$RANDOM}
note "seed $SEED (CLEAN_SEED repeats a run)"
RANDOM=$SEED

# 8 top folders of 4 subfolders (40 folders), 3 files each, one xattr
for ((i = 0; i < 8; i++)); do
	for s in "" /s0 /s1 /s2 /s3; do
		d=$T/src/t$i$s
		mkdir -p "$d"
		for f in a b c; do printf '%s %s\n' "$d" "$f" >"$d/$f"; done
		setfattr -n user.tag -v "t$i$s" "$d/a"
	done
done
find "$T/src" -mindepth 1 -depth -exec touch -h -d '2015-01-01 00:00:00' {} +
start_burnfs
timeout 60 cp -a "$T/src/." "$MNT/staging/"
ctl_ok commit
stop_burnfs
cp -a "$T/src" "$T/local"

# change ROOT FOLDER OP N: one change in ROOT/FOLDER (the same on both
# sides); a file it writes gets a fixed mtime on both
T2020='2020-02-02 00:00:00'
change() {
	local d=$1/$2
	case $3 in
	0) printf 'new %s\n' "$4" >"$d/n$4" && touch -d "$T2020" "$d/n$4" ;;
	1) rm -f "$d/b" ;;
	2) [ -e "$d/c" ] && chmod 0600 "$d/c" || true ;;
	3) [ -e "$d/a" ] && mv "$d/a" "$d/a$4" || true ;;
	4) [ -e "$d/c" ] && printf 'more\n' >>"$d/c" && touch -d "$T2020" "$d/c" || true ;;
	5) [ -e "$d/a" ] && setfattr -n user.more -v "$4" "$d/a" || true ;;
	6) mkdir -p "$d/new$4" && printf 'x\n' >"$d/new$4/x" && touch -d "$T2020" "$d/new$4/x" ;;
	esac
}

# xattr_manifest DIR: every file's user.* xattrs, a line each
xattr_manifest() {
	(cd "$1" && find . -type f | sort | while IFS= read -r p; do
		printf '%s %s\n' "$p" "$(getfattr --absolute-names -d -m '^user\.' -- "$p" 2>/dev/null |
			grep -v '^#' | grep . | sort | tr '\n' ' ')"
	done)
}

folders=()
for ((i = 0; i < 8; i++)); do
	folders+=("t$i")
	for s in s0 s1 s2 s3; do folders+=("t$i/$s"); done
done

rounds=4
for ((r = 1; r <= rounds; r++)); do
	rm -rf "$CACHE"
	: >"$LOG"
	start_burnfs
	walk=$((RANDOM % 2))
	[ "$walk" = 1 ] && find "$MNT/staging" >/dev/null
	n=$((2 + RANDOM % 5))
	picked=()
	for ((k = 0; k < n; k++)); do
		f=${folders[RANDOM % ${#folders[@]}]} op=$((RANDOM % 7)) arg=$r$k
		picked+=("$f:$op")
		change "$T/local" "$f" "$op" "$arg"
		change "$MNT/staging" "$f" "$op" "$arg"
	done
	note "round $r: walk=$walk, changes ${picked[*]}"
	ctl_ok commit
	kept=$(grep -o 'commit: [0-9]* folders nobody changed' "$LOG" | awk '{print $2}')
	[ -n "$kept" ] || fail "round $r: the commit kept no folder (changes ${picked[*]})"
	stop_burnfs
	rm -rf "$T/x"
	xorriso_extract "$IMG" "$T/x"
	MANIFEST_NO_DIR_MTIME=1 assert_same_tree "$T/local" "$T/x" \
		"round $r (seed $SEED, changes ${picked[*]}): local copy and xorriso's extraction"
	xattr_manifest "$T/local" >"$T/xa.local"
	xattr_manifest "$T/x" >"$T/xa.x"
	diff -u "$T/xa.local" "$T/xa.x" >&2 ||
		fail "round $r (seed $SEED, changes ${picked[*]}): user xattrs differ"
done
check_md5 "$IMG"
