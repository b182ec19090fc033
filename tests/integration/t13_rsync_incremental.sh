#!/bin/bash
# t13_rsync_incremental — rsync to disc works like rsync to a local folder:
# after session 1, `rsync -a --stats` of the unchanged source into staging/
# (fresh mount, empty cache) transfers 0 files and leaves pending empty;
# after edits to the source, `rsync -a --delete` leaves exactly those edits
# pending, and the commit makes the disc equal the source.
. "$(dirname "$0")/lib.sh"

make_tree "$T/src"
for i in $(seq 1 40); do
	mkdir -p "$T/src/many/d$((i % 5))"
	head -c $((i * 300)) /dev/urandom >"$T/src/many/d$((i % 5))/f$i.dat"
done
find "$T/src/many" -type f -exec touch -d '2018-08-08 08:08:08' {} +
find "$T/src/many" -depth -type d -exec touch -d '2018-08-08 08:08:08' {} +
chmod 0755 "$T/src"
touch -d '2018-01-01 00:00:00' "$T/src"

start_burnfs
timeout 120 rsync -a "$T/src/" "$MNT/staging/" || fail "first rsync failed"
ctl_ok commit
stop_burnfs
rm -rf "$CACHE"
start_burnfs

timeout 120 rsync -a --stats "$T/src/" "$MNT/staging/" >"$T/stats" || fail "second rsync failed"
grep -q '^Number of regular files transferred: 0$' "$T/stats" ||
	{ cat "$T/stats" >&2; fail "rsync of an unchanged source transferred files"; }
assert_eq "$(pending)" "" "pending after a no-op rsync"
assert_eq "$(st pending_entries)" 0 "pending_entries after a no-op rsync"
# also a checksum run finds nothing to do
timeout 120 rsync -ac --stats "$T/src/" "$MNT/staging/" >"$T/stats" || fail "rsync -c failed"
grep -q '^Number of regular files transferred: 0$' "$T/stats" ||
	{ cat "$T/stats" >&2; fail "rsync -c found different content on disc"; }

# edits to the source; folder mtimes are put back so that only the edited
# entries differ
dirs_keep() { find "$T/src" -type d -printf '%p\t%T@\n' >"$T/dirtimes"; }
dirs_restore() { while IFS=$'\t' read -r p t; do touch -d "@${t%.*}" "$p"; done <"$T/dirtimes"; }
dirs_keep
printf 'changed content\n' >"$T/src/docs/a.txt"
printf 'added\n' >"$T/src/many/d1/added.txt"
rm "$T/src/many/d2/f7.dat"
chmod 0700 "$T/src/many/d3/f3.dat"
dirs_restore

timeout 120 rsync -a --delete --stats "$T/src/" "$MNT/staging/" >"$T/stats" || fail "rsync --delete failed"
grep -q '^Number of regular files transferred: 2$' "$T/stats" ||
	{ cat "$T/stats" >&2; fail "rsync --delete transferred other than the 2 changed files"; }
pending_norm >"$T/pending"
printf '%s\n' "M docs/a.txt" "A many/d1/added.txt" "D many/d2/f7.dat" "M many/d3/f3.dat" |
	LC_ALL=C sort -k2 >"$T/want"
LC_ALL=C sort -k2 "$T/pending" >"$T/got"
diff -u "$T/want" "$T/got" || fail "pending after rsync --delete is not exactly the edits"
assert_same_tree "$T/src" "$MNT/staging" "source and staging/ after rsync --delete"

ctl_ok commit
assert_eq "$(pending)" "" "pending after commit"
timeout 120 rsync -a --delete --stats "$T/src/" "$MNT/staging/" >"$T/stats"
grep -q '^Number of regular files transferred: 0$' "$T/stats" || fail "rsync after the commit transferred files"
assert_eq "$(pending)" "" "pending after a no-op rsync following the commit"
stop_burnfs
assert_newest_session_is "$IMG" "$T/src" "source and the newest session"
