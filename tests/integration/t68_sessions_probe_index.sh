#!/bin/bash
# t68_sessions_probe_index — the first open of an older session's
# sessions/N/ after a fresh mount loads the session once: the probe child
# loads and indexes it, and the daemon takes that index (no load of its
# own: the log shows "by the probe", never "in the daemon"). The index
# comes over whole: the tree, hard links and xattrs are those of the
# session. A session given up by the sessions cache and opened again
# comes from a probe again, never loaded in the daemon. A probe whose index
# arrives cut short, spoiled or not at all (killed while writing) gives
# EIO and a log line, never a crash or a partial tree; staging/ and the
# other sessions still work. What the probe logged while loading (an entry
# it renamed) reaches the daemon's log.
TEST_LIMIT=${TEST_LIMIT:-400}
. "$(dirname "$0")/lib.sh"

probe_loads() { grep -c "session $1 of .*(by the probe)" "$LOG" || true; }
daemon_loads() { grep -c "session $1 of .*(in the daemon)" "$LOG" || true; }

# sessions 1..4, each by burnfs: the tree of make_tree, then one file more
# per session (the daemon keeps two older sessions' indexes)
make_tree "$T/v1"
start_burnfs
timeout 60 cp -a "$T/v1/." "$MNT/staging/"
ctl_ok commit
for n in 2 3 4; do
	printf '%s\n' "$n" >"$MNT/staging/s$n.txt"
	ctl_ok commit
done
assert_eq "$(st sessions)" 4 "sessions after four commits"
stop_burnfs

# a fresh mount: sessions/1 is the probe's index, loaded once
: >"$LOG"
start_burnfs
assert_same_tree "$T/v1" "$MNT/sessions/1" "sessions/1 taken from the probe"
assert_eq "$(probe_loads 1)" 1 "loads of session 1 by the probe"
assert_eq "$(daemon_loads 1)" 0 "loads of session 1 in the daemon (it was loaded twice)"
assert_eq "$(stat -c %i "$MNT/sessions/1/docs/hl1")" "$(stat -c %i "$MNT/sessions/1/docs/hl2")" \
	"inode numbers of a hard link pair in sessions/1"
assert_eq "$(stat -c %h "$MNT/sessions/1/docs/hl1")" 2 "links of docs/hl1 in sessions/1"
assert_eq "$(xattr_get "$MNT/sessions/1/docs/b.txt" user.comment)" "tree file" "xattr in sessions/1"
# 2 and 3 opened: the cache (two older sessions) gives up 1; its next open
# (of a session known good) takes the probe's index again
assert_eq "$(cat "$MNT/sessions/2/s2.txt")" 2 "sessions/2"
assert_eq "$(cat "$MNT/sessions/3/s3.txt")" 3 "sessions/3"
assert_eq "$(probe_loads 2)$(probe_loads 3)" 11 "loads of sessions 2 and 3 by the probe"
assert_same_tree "$T/v1" "$MNT/sessions/1" "sessions/1 loaded again"
assert_eq "$(probe_loads 1)" 2 "loads of session 1 by the probe after it was given up"
assert_eq "$(daemon_loads 1)" 0 "loads of session 1 in the daemon after it was given up"
assert_eq "$(cat "$MNT/sessions/4/s4.txt")" 4 "sessions/4 (the newest)"
stop_burnfs

# a probe that sends a damaged index: EIO and a log line, the rest works
for how in cut garbage kill; do
	: >"$LOG"
	export BURNFS_TEST_PROBE_INDEX=$how
	start_burnfs
	expect_errno EIO ls "$MNT/sessions/1/"
	assert_eq "$(grep -c 'session 1 of' "$LOG" || true)" 1 "log lines about session 1 ($how)"
	case $how in
	kill) grep 'crashed reading session 1' "$LOG" >/dev/null ||
		fail "no log line says the probe died ($how)" ;;
	*) grep 'index of it is truncated or damaged' "$LOG" >/dev/null ||
		fail "no log line says the probe's index is damaged ($how)" ;;
	esac
	expect_errno EIO ls "$MNT/sessions/1/"
	assert_eq "$(cat "$MNT/staging/s4.txt")" 4 "staging/ beside a bad probe ($how)"
	assert_eq "$(cat "$MNT/sessions/4/s4.txt")" 4 "the newest session beside a bad probe ($how)"
	unset BURNFS_TEST_PROBE_INDEX
	stop_burnfs
done

# an older session with a name a folder cannot hold ("." after patching
# its Rock Ridge name): the probe's load renames it, and what it logged
# about that reaches the daemon's log, as the daemon's own load would
mkdir -p "$T/src"
printf 'dot\n' >"$T/src/zqdota"
printf 'two\n' >"$T/second.txt"
IMG=$T/names.iso
CACHE=$T/cache.names
timeout -k 5 60 xorriso -outdev "stdio:$IMG" -map "$T/src" / >/dev/null 2>&1 || fail "xorriso session 1 failed"
timeout -k 5 60 xorriso -dev "stdio:$IMG" -map "$T/second.txt" /second.txt -commit >/dev/null 2>&1 ||
	fail "xorriso session 2 failed"
python3 - "$IMG" <<'PY'
import sys
p = sys.argv[1]
data = bytearray(open(p, 'rb').read())
pat = b'NM' + bytes([5 + 6, 1, 0]) + b'zqdota'
i = data.find(pat)            # the first: session 1's record
assert i >= 0
data[i + 5:i + 11] = b'.'.ljust(6, b'\0')
open(p, 'wb').write(data)
PY
: >"$LOG"
start_burnfs
assert_eq "$(cat "$MNT/sessions/1/%2E")" dot "the entry named . in sessions/1, as %2E"
grep 'session 1 of .*read by the probe: .*shown as' "$LOG" >/dev/null ||
	fail "the probe's log line about the renamed entry is not in the daemon's log"
assert_eq "$(daemon_loads 1)" 0 "loads of session 1 in the daemon (renamed entry)"
assert_eq "$(cat "$MNT/staging/second.txt")" two "the newest session"
stop_burnfs
