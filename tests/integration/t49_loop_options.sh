#!/bin/bash
# t49_loop_options — burnfs serves requests with its own loop: libfuse's
# loop options (-o max_threads, max_idle_threads, clone_fd) would be
# ignored, so they are refused with one line and nothing mounted; the mount
# then serves a tree and a commit; -d traces every request.
. "$(dirname "$0")/lib.sh"

for o in max_threads=4 max_idle_threads=2 clone_fd; do
	rc=0
	out=$(timeout -k 5 30 "$BURNFS" -f -o "cache=$CACHE" -o "$o" "$IMG" "$MNT" 2>&1 </dev/null) || rc=$?
	[ "$rc" != 0 ] || fail "-o $o was accepted"
	[ "$rc" != 124 ] || fail "-o $o: burnfs kept running"
	assert_eq "$(printf '%s\n' "$out" | wc -l)" 1 "lines burnfs printed for -o $o"
	case $out in
	*"$o"*"not supported"*) ;;
	*) fail "-o $o: unclear message: $out" ;;
	esac
	! is_mounted "$MNT" || fail "-o $o: mounted anyway"
done

start_burnfs
S=$MNT/staging
make_tree "$T/src"
cp -a "$T/src/." "$S/"
ctl_ok commit
assert_same_tree "$T/src" "$MNT/sessions/1" "sessions/1"
stop_burnfs

start_burnfs -d
ls -la "$S" >/dev/null
grep -q 'opcode: READDIR' "$LOG" || fail "-d traced no request"
stop_burnfs
