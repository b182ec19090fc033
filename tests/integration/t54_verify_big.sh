#!/bin/bash
# t54_verify_big — verify is right for a session over 4 GiB (issue 9, item
# 9): a healthy 4.6 GiB session (a sparse staged file, written out in full)
# passes verify, and xorriso agrees. It writes 4.6 GiB to /var/tmp and took
# minutes on the machine it was written on, so it runs only with
# BURNFS_TEST_BIG=1; the suite always runs the same check of a session
# over 4 GiB in tests/unit/test_burn.c (verify_big), on a sparse image.
TEST_LIMIT=${TEST_LIMIT:-1800}
. "$(dirname "$0")/lib.sh"

[ "${BURNFS_TEST_BIG:-0}" = 1 ] || skip "set BURNFS_TEST_BIG=1 to write a 4.6 GiB session (unit test verify_big covers the check)"
avail=$(df -B1 --output=avail "$T" | tail -n 1)
[ "$avail" -gt $((12 * 1024 * 1024 * 1024)) ] || skip "needs 12 GiB free under $T"

start_burnfs
truncate -s 4700M "$MNT/staging/huge.bin"
printf 'small\n' >"$MNT/staging/small.txt"
ctl_ok commit 1500
[ "$(file_size "$IMG")" -gt $((4 * 1024 * 1024 * 1024)) ] || fail "the session is not over 4 GiB"
ctl_ok verify 1500
stop_burnfs
check_md5 "$IMG"
