#!/bin/bash
# t91_md5_inline_fallback — when the MD5 self-test fails (forced with
# BURNFS_MD5_OFFLOAD=selftest-fail) or the hashing threads are turned off
# (BURNFS_MD5_OFFLOAD=off), the daemon says so once in its log and hashes
# inline: the MD5s recorded are still right (xorriso -check_md5, verify,
# each file's MD5 equals md5sum's).
. "$(dirname "$0")/lib.sh"

MIB=1048576
src=$T/src
mkdir -p "$src/d"
head -c $((3 * MIB + 2049)) /dev/urandom >"$src/d/big"
head -c 70000 /dev/urandom >"$src/mid"
printf 'small\n' >"$src/small"
: >"$src/empty"

for mode in selftest-fail off; do
	note "BURNFS_MD5_OFFLOAD=$mode"
	rm -f "$IMG"
	rm -rf "$CACHE"
	BURNFS_MD5_OFFLOAD=$mode start_burnfs
	timeout 60 cp -a "$src/." "$MNT/staging/"
	ctl_ok commit
	case $mode in
	selftest-fail) want="md5: self-test failed (forced by BURNFS_MD5_OFFLOAD=selftest-fail); hashing inline" ;;
	off) want="md5: hashing inline on the writer thread (BURNFS_MD5_OFFLOAD=off)" ;;
	esac
	grep -qF "$want" "$LOG" || fail "the log does not say: $want"
	grep -q "md5: file and session MD5s hashed by threads" "$LOG" &&
		fail "hashing threads were used with BURNFS_MD5_OFFLOAD=$mode"
	check_md5 "$IMG"
	expect_md5s "$IMG" "$src"
	ctl_ok verify
	stop_burnfs
	: >"$LOG"
done
