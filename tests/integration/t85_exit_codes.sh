#!/bin/bash
# t85_exit_codes — `burnfs COMMAND` exits with one code per kind of failure
# and says the reason (last_result's words) in one line on stderr: bad usage
# 2, busy 4, no space 5, closed 6, verify found damage 9, disc changed 11
# (not a mount 3: t86; aborted 8: t83, t84). No medium (7) and I/O errors
# (10) cannot be made on an image here: the mapping is unit-tested.
. "$(dirname "$0")/lib.sh"

M=1048576
# one_line WHAT: besides progress lines of a job that ran, stderr is one
# line: "burnfs: COMMAND: REASON".
one_line() {
	local said
	said=$(printf '%s\n' "$CLI_ERR" | grep -vE '^(committing|verifying|blanking|formatting): [0-9]+%' || true)
	[ "$(printf '%s\n' "$said" | grep -c .)" = 1 ] || fail "$1: not one line on stderr: $CLI_ERR"
	case $said in "burnfs: "*) ;; *) fail "$1: stderr '$CLI_ERR'" ;; esac
}

# 2: bad usage
expect_cli 2 commit
expect_cli 2 commit "$T" --bogus
expect_cli 2 verify "$T" --close
expect_cli 2 wait "$T" "$T"

start_burnfs -o capacity=bd
expect_cli 2 set "$MNT" volid=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789
one_line "set volid too long"
case $CLI_ERR in *"at most 32"*) ;; *) fail "set: the reason is missing: $CLI_ERR" ;; esac
expect_cli 2 set "$MNT" colour=blue
expect_cli 0 set "$MNT" volid=CODES joliet=on
assert_eq "$(st set_volid)" CODES "set_volid"
# a label with blanks, unquoted: refused before anything is set
expect_cli 2 set "$MNT" joliet=off volid=My Backup
one_line "set with a word that is no pair"
case $CLI_ERR in *"'Backup' is not one KEY=VALUE"*"nothing was set"*) ;;
*) fail "set: the reason is missing: $CLI_ERR" ;; esac
assert_eq "$(st set_volid)" CODES "set_volid after a refused set"
assert_eq "$(st set_joliet)" on "set_joliet after a refused set"
expect_cli 0 set "$MNT" "volid=My Backup"
assert_eq "$(st set_volid)" "My Backup" "set_volid with blanks"

# 4: busy, while a detached job runs (the write is refused) and while a
# writer waits for its job (the open is refused)
head -c $((14 * M)) /dev/urandom >"$T/fourteen.bin"
cp "$T/fourteen.bin" "$MNT/staging/"
make_big "$T/big" 2 100
timeout 120 cp "$T/big/"*.bin "$MNT/staging/"
expect_cli 0 commit "$MNT" --detach
if [ "$(st job_state)" = running ]; then
	cli verify "$MNT"
	if [ "$(st job_state)" = running ] || [ "$CLI_RC" = 4 ]; then
		assert_eq "$CLI_RC" 4 "burnfs verify during a detached commit"
		one_line "busy"
		case $CLI_ERR in *busy*) ;; *) fail "busy: $CLI_ERR" ;; esac
	fi
else
	note "the detached commit ended at once; busy check skipped"
fi
expect_cli 0 wait "$MNT"
assert_eq "$(st sessions)" 1 "sessions"
printf 'x\n' >"$MNT/staging/x"
mkdir "$MNT/staging/again"
timeout 120 cp "$T/big/"*.bin "$MNT/staging/again/"
ctl_bg commit
wait_state committing 60
if [ "$(st state)" = committing ]; then
	cli discard "$MNT"
	if [ "$CLI_RC" = 0 ] && [ "$(st job_command)" = discard ]; then
		note "the commit ended before discard was written; busy-at-open check skipped"
	else
		assert_eq "$CLI_RC" 4 "burnfs discard while a writer waits for its commit"
		one_line "busy at open"
	fi
else
	note "the commit ended at once; busy-at-open check skipped"
fi
ctl_wait
[ -z "$CTL_ERRNO" ] || fail "commit: $CTL_ERRNO"
stop_burnfs

# 5: no space: 14 MiB staged where a 20 MiB medium already holds 200
cp "$T/fourteen.bin" "$T/f2.bin"
start_burnfs -o capacity=bd
cp "$T/f2.bin" "$MNT/staging/f2.bin"
stop_burnfs
img_sha=$(sha "$IMG")
start_burnfs -o capacity=210M
expect_cli 5 commit "$MNT"
one_line "no space"
assert_eq "$(sha "$IMG")" "$img_sha" "image after ENOSPC"
expect_cli 0 discard "$MNT"

# 9: verify found damage
head -c 2048 /dev/urandom >"$T/junk"
lba=$(lba_of "$IMG" /big2.bin)
dd if="$T/junk" of="$IMG" bs=2048 seek=$((lba + 5)) count=1 conv=notrunc status=none
sync
expect_cli 9 verify "$MNT"
one_line "damage"
case $CLI_ERR in *big2.bin*) ;; *) fail "verify did not name the damaged file: $CLI_ERR" ;; esac
stop_burnfs

# 11: another program appended a session while changes are staged
start_burnfs -o capacity=bd
printf 'staged\n' >"$MNT/staging/staged.txt"
timeout 60 xorriso -indev "stdio:$IMG" -outdev "stdio:$IMG" -map /etc/hostname /other -commit >/dev/null 2>&1 ||
	fail "xorriso could not append a session"
expect_cli 11 commit "$MNT"
one_line "disc changed"
expect_cli 0 discard "$MNT"

# 6: closed
expect_cli 0 close "$MNT"
expect_cli 6 commit "$MNT"
one_line "closed"
stop_burnfs
