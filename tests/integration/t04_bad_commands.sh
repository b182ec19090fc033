#!/bin/bash
# t04_bad_commands — unknown commands, bad arguments and bad keys fail the
# write with EINVAL, say "error: ..." in last_result, and change nothing
# (image bytes, pending, staging/); the daemon keeps running. Good `set`
# commands work, and volid reaches the disc.
. "$(dirname "$0")/lib.sh"

start_burnfs
mkdir "$MNT/staging/d"
printf 'one\n' >"$MNT/staging/d/one.txt"
ctl_ok commit
printf 'two\n' >"$MNT/staging/two.txt"
status_settle
img_sha=$(sha "$IMG")
pending_before=$(pending)
entries_before=$(st pending_entries)
tree_manifest "$MNT/staging" >"$T/staging.before"

for cmd in frobnicate "commit now" "commit close please" "set foo=bar" \
	"set joliet=maybe" "set simulate=perhaps" "set speed=fast" "set" "set volid" \
	"set =on" "set volid=A joliet=off" "blank maybe" "verify everything" "discard all" \
	"$(head -c 3000 /dev/zero | tr '\0' x)"; do
	ctl_fail EINVAL "$cmd"
	assert_eq "$(sha "$IMG")" "$img_sha" "image after '$cmd'"
	assert_eq "$(pending)" "$pending_before" "pending after '${cmd:0:40}'"
	assert_eq "$(st pending_entries)" "$entries_before" "pending_entries after '${cmd:0:40}'"
	assert_eq "$(st state)" idle "state after '${cmd:0:40}'"
	kill -0 "$DAEMON_PID" 2>/dev/null || fail "burnfs died after '${cmd:0:40}'"
done
tree_manifest "$MNT/staging" >"$T/staging.after"
diff -u "$T/staging.before" "$T/staging.after" || fail "staging/ changed after bad commands"
assert_eq "$(toc_sessions "$IMG")" 1 "sessions after bad commands"

# a failed command is followed by a good one: last_result goes back to ok
ctl_ok "set joliet=off"
ctl_ok "set joliet=on"
# a label with spaces is one value: the rest of the line
ctl_ok "set volid=BURNFS T04  x"
assert_eq "$(st set_volid)" "BURNFS T04  x" "set_volid with spaces"
# a command without a trailing newline is accepted too
timeout 200 bash -c 'printf commit >"$1"' _ "$MNT/control" || fail "'commit' without newline failed"
assert_eq "$(st last_result)" ok "last_result after commit"
assert_eq "$(toc_sessions "$IMG")" 2 "sessions after commit"
timeout 60 xorriso -indev "stdio:$IMG" -toc 2>&1 | grep "Volume id *: 'BURNFS T04  x'" >/dev/null ||
	fail "volume id 'BURNFS T04  x' not on the disc"
isoinfo -d -i "$IMG" | grep -x "Volume id: BURNFS T04  x" >/dev/null ||
	fail "isoinfo does not read the volume id 'BURNFS T04  x'"
stop_burnfs
