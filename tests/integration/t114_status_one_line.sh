#!/bin/bash
# t114_status_one_line — every status value stays on its line: a disc whose
# volume id holds a newline (xorriso writes one as given) cannot add a line
# that a script would read as a key of its own (here a second "state:");
# the value shows the newline as \n. The client's `status` and a commit
# work as usual on such a disc.
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
