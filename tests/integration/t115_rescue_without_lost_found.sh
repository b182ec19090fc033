#!/bin/bash
# t115_rescue_without_lost_found — a damaged journal leaves a data file no
# readable change refers to, and CACHE/lost+found cannot be made (here a
# file already has that name; a full cache disk cannot make a folder
# either): the file's bytes go beside it as CACHE/lost+found-NAME, the log
# says so, and the next mount, whose clean-up deletes what no change
# refers to in data/, keeps them. They used to stay in data/ and be
# deleted there.
. "$(dirname "$0")/lib.sh"

start_burnfs -o capacity=50M
head -c 7000 /dev/urandom >"$T/src.a"
head -c 9000 /dev/urandom >"$T/src.b"
cp "$T/src.a" "$MNT/staging/a"
cp "$T/src.b" "$MNT/staging/b"
stop_burnfs
read -r off len < <(journal_record_with b) || fail "no journal record names b"
journal_poke $((off + 8 + len / 2)) ff
rm -rf "$CACHE/lost+found"
printf 'in the way\n' >"$CACHE/lost+found"

start_burnfs
case $(st cache_state) in "damaged: "*) ;; *) fail "cache_state: $(st cache_state)" ;; esac
cmp -s "$T/src.a" "$MNT/staging/a" || fail "a is not staged as copied"
grep -q "cannot make lost+found" "$LOG" || fail "no log line about lost+found"
found=
for f in "$CACHE"/lost+found-*; do
	cmp -s "$f" "$T/src.b" && found=$f
done
[ -n "$found" ] || fail "b's bytes are not beside lost+found: $(ls -la "$CACHE")"
stop_burnfs

start_burnfs
assert_eq "$(st cache_state)" ok "cache_state at the next mount"
cmp -s "$found" "$T/src.b" || fail "b's bytes are gone after the next mount"
assert_eq "$(cat "$CACHE/lost+found")" "in the way" "the file in lost+found's place"
stop_burnfs
