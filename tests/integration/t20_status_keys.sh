#!/bin/bash
# t20_status_keys — reading control gives one "key: value" line per fact, with
# each of the keys below (from README.md's status table) exactly once, and
# values that follow the medium and the pending changes: blank -> staged ->
# committed.
. "$(dirname "$0")/lib.sh"

keys="state target media media_status sessions capacity_bytes free_bytes pending_bytes pending_entries progress_percent bytes_done bytes_total eta_seconds last_result cache_dir cache_state hashing stage_nodes"
numeric="sessions capacity_bytes free_bytes pending_bytes pending_entries progress_percent bytes_done bytes_total stage_nodes"

check_shape() {
	local s k
	s=$(status) || fail "reading control failed"
	printf '%s\n' "$s" | grep -vE '^[a-z_]+: .*$' && fail "status lines not of the form 'key: value'"
	for k in $keys; do
		[ "$(printf '%s\n' "$s" | grep -c "^$k: ")" = 1 ] || fail "key $k not exactly once in: $s"
	done
	for k in $numeric; do
		[[ $(st "$k") =~ ^[0-9]+$ ]] || fail "$k is not a non-negative integer: '$(st "$k")'"
	done
	[[ $(st eta_seconds) =~ ^-?[0-9]+$ ]] || fail "eta_seconds is not an integer: '$(st eta_seconds)'"
	[ -z "$(printf '%s\n' "$s" | cut -d: -f1 | sort | uniq -d)" ] || fail "duplicate keys"
}

# a fixed capacity, so that free_bytes does not follow what other tests do
# on the same filesystem
start_burnfs -o capacity=1G
check_shape
assert_int_between "$(st capacity_bytes)" 1000000000 1073741824 "capacity_bytes for capacity=1G"
assert_eq "$(st state)" idle "state"
assert_eq "$(st target)" "$IMG" "target"
assert_eq "$(st media)" "stdio file" "media"
assert_eq "$(st media_status)" blank "media_status of a missing image"
assert_eq "$(st sessions)" 0 "sessions"
assert_eq "$(st pending_bytes)" 0 "pending_bytes"
assert_eq "$(st pending_entries)" 0 "pending_entries"
assert_eq "$(st progress_percent)" 0 "progress_percent when idle"
cap=$(st capacity_bytes)
free0=$(st free_bytes)
[ "$cap" -gt 0 ] || fail "capacity_bytes is 0"
[ "$free0" -le "$cap" ] || fail "free_bytes $free0 > capacity_bytes $cap"
case $(st last_result) in ok | "" | none | "error: "*) ;; *) fail "last_result '$(st last_result)'" ;; esac

# stage 3 MiB in 2 files and a folder
mkdir "$MNT/staging/dir"
head -c 2097152 /dev/urandom >"$MNT/staging/dir/two.bin"
head -c 1048576 /dev/urandom >"$MNT/staging/one.bin"
status_settle
check_shape
pb=$(st pending_bytes)
[ "$pb" -ge 3145728 ] && [ "$pb" -lt 4194304 ] || fail "pending_bytes=$pb for 3 MiB staged"
pe=$(st pending_entries)
[ "$pe" -ge 2 ] && [ "$pe" -le 3 ] || fail "pending_entries=$pe for 2 files and a folder"
free1=$(st free_bytes)
[ "$free1" -le $((free0 - 3145728)) ] || fail "free_bytes went from $free0 to $free1 for 3 MiB staged"
assert_eq "$(st media_status)" blank "media_status before the first commit"

ctl_ok commit
check_shape
assert_eq "$(st state)" idle "state after commit"
assert_eq "$(st media_status)" appendable "media_status after commit"
assert_eq "$(st sessions)" 1 "sessions after commit"
assert_eq "$(st pending_bytes)" 0 "pending_bytes after commit"
assert_eq "$(st pending_entries)" 0 "pending_entries after commit"
assert_eq "$(st last_result)" ok "last_result after commit"
free2=$(st free_bytes)
[ "$free2" -le $((free0 - 3145728)) ] || fail "free_bytes after commit: $free2 (before: $free0)"

# a failed command shows as error, a good one as ok again
ctl_fail EINVAL bogus
check_shape
ctl_ok "set volid=X"

# the same after a remount without -o capacity: the disc remembers 1G
stop_burnfs
start_burnfs
check_shape
assert_int_between "$(st capacity_bytes)" 1000000000 1073741824 "remembered capacity_bytes"
assert_eq "$(st set_volid)" X "remembered volid"
assert_eq "$(st media_status)" appendable "media_status after remount"
assert_eq "$(st sessions)" 1 "sessions after remount"
assert_eq "$(st target)" "$IMG" "target after remount"
# control is a regular, readable file of the size it reads
[ -f "$MNT/control" ] || fail "control is not a regular file"
stop_burnfs
