#!/bin/bash
# t114_status_one_line — every status value stays on its line: a disc whose
# volume id holds a newline (xorriso writes one as given) cannot add a line
# that a script would read as a key of its own (here a second "state:");
# the value shows the newline as \n. The client's `status` and a commit
# work as usual on such a disc. A refused commit that names a file whose
# name holds a newline keeps the status and the daemon's log lines whole
# too.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/src" && printf 'hi\n' >"$T/src/f"
xorriso -outdev "stdio:$IMG" -volid "$(printf 'A\nstate: idle\\z')" \
	-map "$T/src" / -commit >>"$LOG" 2>&1 || fail "xorriso could not write the image"
start_burnfs
text=$(status)
assert_eq "$(grep -c '^state:' <<<"$text")" 1 "state lines in the status"
assert_eq "$(grep '^volume_id:' <<<"$text")" 'volume_id: A\nstate: idle\\z' "the volume id"
keys=$(sed -n 's/^\([a-z_]*\): .*/\1/p' <<<"$text" | sort | uniq -d)
assert_eq "$keys" "" "keys shown twice"
lines=$(wc -l <<<"$text")
assert_eq "$(grep -c '^[a-z_]*: ' <<<"$text")" "$lines" "lines without a key"
cli status "$MNT"
assert_eq "$CLI_RC" 0 "burnfs status's exit code"
note "burnfs status: $(grep -i volume <<<"$CLI_OUT")"
printf 'more\n' >"$MNT/staging/g"
ctl_ok commit
assert_eq "$(st state)" idle "state after the commit"
stop_burnfs
assert_eq "$(isoinfo -R -i "$IMG" -x /g)" more "the new file on the disc"

# a file named with a newline whose data file lost bytes in the cache: the
# refused commit names it in last_result and cache_state, and the log
odd=$(printf 'odd\nstate: idle')
before=$(wc -l <"$LOG")   # xorriso's own report above shows the volume id raw
CACHE=$T/cache2 start_burnfs
head -c 70000 /dev/urandom >"$MNT/staging/$odd"
stop_burnfs
df=$(find "$T/cache2/data" -type f -size 70000c | head -1)
[ -n "$df" ] || fail "the data file of the odd name is not in the cache"
truncate -s 100 "$df"
CACHE=$T/cache2 start_burnfs
ctl_fail EIO commit
text=$(status)
assert_eq "$(grep -c '^state:' <<<"$text")" 1 "state lines in the status after the refused commit"
grep -q '^last_result: error: .*odd\\nstate: idle' <<<"$text" ||
	fail "last_result does not name the file escaped: $(grep '^last_result' <<<"$text")"
grep -q '^cache_state: damaged: .*odd\\nstate: idle' <<<"$text" ||
	fail "cache_state does not name the file escaped: $(grep '^cache_state' <<<"$text")"
tail -n +$((before + 1)) "$LOG" | grep -q '^state: idle' &&
	fail "a log line starts with the file name's second line"
stop_burnfs
