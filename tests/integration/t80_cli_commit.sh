#!/bin/bash
# t80_cli_commit — `burnfs commit MNT` as a person and a script use it: on a
# terminal (a pseudo-terminal) a bar with percent, bytes, rate and time left,
# then "commit: ok"; not on a terminal plain lines, no escape codes; exit 0;
# --detach returns at once and `burnfs wait` gets the result; status
# --watch redraws until Ctrl-C; a desktop notice through notify-send when
# one is there, none (and no error) when not. The disc is right each time.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "python3 is missing (pseudo-terminals)"

BIG_MB=${BIG_MB:-50}
start_burnfs

# 1. on a terminal: a bar
stage_big tty 4 "$BIG_MB"
ptyrun --out "$T/tty.out" -- "$BURNFS" commit "$MNT" || fail "burnfs commit on a terminal: exit $?"
grep -q 'commit: ok' "$T/tty.out" || fail "no 'commit: ok' on the terminal: $(tail -c 300 "$T/tty.out")"
if grep -q 'committing \[' "$T/tty.out"; then
	bar=$(tr '\r' '\n' <"$T/tty.out" | grep 'committing \[' | tail -n 2 | sed -n 1p)
	note "a bar: $bar"
	[[ $bar =~ \[[#-]+\]\ +[0-9]+%\ +[0-9.]+\ [KMG]?i?B\ of\ [0-9.]+\ [KMG]iB ]] ||
		fail "the bar lacks percent or bytes: $bar"
	tr '\r' '\n' <"$T/tty.out" | grep 'committing \[' | grep '/s' >/dev/null || fail "no bar shows a rate"
	tr '\r' '\n' <"$T/tty.out" | grep 'committing \[' | grep ' left' >/dev/null || fail "no bar shows the time left"
	grep -q $'\r' "$T/tty.out" || fail "the bar is not redrawn in place"
else
	note "the commit ended before a bar was drawn; bar checks skipped"
fi
assert_eq "$(st sessions)" 1 "sessions after the terminal commit"

# 2. not a terminal: plain lines on stderr, the result on stdout
stage_big plain 4 "$BIG_MB"
expect_cli 0 commit "$MNT"
assert_eq "$CLI_OUT" "commit: ok" "stdout of burnfs commit"
if [ -n "$CLI_ERR" ]; then
	note "plain progress: $(printf '%s\n' "$CLI_ERR" | sed -n 1,2p | tr '\n' '|')"
	grep -qvE '^committing: [0-9]+% \(' <<<"$CLI_ERR" &&
		fail "progress lines not in the plain form: $CLI_ERR"
	grep -q $'[\r\033]' <<<"$CLI_ERR" && fail "escape codes or CR off a terminal"
else
	note "the commit ended before the first progress line"
fi
assert_eq "$(st sessions)" 2 "sessions after the plain commit"

# 3. detached, then wait from another command
stage_big detached 4 "$BIG_MB"
expect_cli 0 commit "$MNT" --detach
case $CLI_OUT in *"started in the background"*) ;; *) fail "--detach said: $CLI_OUT" ;; esac
expect_cli 0 wait "$MNT"
assert_eq "$CLI_OUT" "commit: ok" "burnfs wait after a detached commit"
assert_eq "$(st sessions)" 3 "sessions after the detached commit"
assert_eq "$(pending)" "" "pending after the commits"

# 4. status --watch redraws until Ctrl-C
ptyrun --out "$T/watch.out" --when 'state: idle(.|\n)*state: idle(.|\n)*state: idle' --then int -- \
	"$BURNFS" status "$MNT" --watch || fail "status --watch: exit $? after Ctrl-C"
[ "$(grep -o 'state: idle' "$T/watch.out" | wc -l)" -ge 3 ] || fail "status --watch drew the status fewer than 3 times"

# 5. a desktop notice where notify-send is, silence where not
mkdir "$T/bin"
printf '#!/bin/sh\nprintf "%%s\\n" "$*" >>"%s/notices"\n' "$T" >"$T/bin/notify-send"
chmod +x "$T/bin/notify-send"
printf 'note\n' >"$MNT/staging/note.txt"
PATH="$T/bin:$PATH" DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent BURNFS_NOTIFY_SECONDS=0 \
	expect_cli 0 commit "$MNT"
grep -q 'burnfs: commit done' "$T/notices" || fail "no desktop notice: $(cat "$T/notices" 2>&1)"
printf 'quiet\n' >"$MNT/staging/quiet.txt"
PATH=/usr/bin:/bin DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent BURNFS_NOTIFY_SECONDS=0 \
	expect_cli 0 commit "$MNT"
# Progress lines may come (a slow machine makes even this commit last);
# what must not come is a word about the missing notifier.
! grep -qiE 'notif|not found|No such' <<<"$CLI_ERR" ||
	fail "without notify-send: stderr '$CLI_ERR'"

stop_burnfs
check_md5 "$IMG"
xorriso_extract "$IMG" "$T/x"
for d in tty plain detached; do same_as_big "$d" "$T/x"; done
assert_eq "$(cat "$T/x/quiet.txt")" quiet "quiet.txt on the disc"
