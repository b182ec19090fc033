#!/bin/bash
# t14_write_during_commit — staging/ stays usable while a commit of ~300 MB
# runs: a create, a delete, a mkdir and a rewrite made during the burn return
# while the commit still runs, land in the next session (pending afterwards,
# not in this session), and the burned session holds the tree as it was when
# the commit started. Reads of staged files during the burn are right.
# On a machine that ends the commit before the edits return, only the check
# that they returned while it ran is skipped (with a note), and only when
# the commit was not seen writing, or seen past half way, before the edits.
. "$(dirname "$0")/lib.sh"

BIG_MB=${BIG_MB:-100}
start_burnfs
make_big "$T/big" 3 "$BIG_MB"
timeout 120 cp "$T/big/"*.bin "$MNT/staging/"
printf 'small\n' >"$MNT/staging/small.txt"
printf 'v1\n' >"$MNT/staging/keep.txt"

ctl_bg commit
# pct0: how far the commit's write was before the edits ("": not seen writing)
pct0=
if catch_state committing 30; then
	for ((i = 0; i < 200; i++)); do
		s=$(status) || fail "reading control failed"
		case $s in *"state: committing"*) ;; *) break ;; esac
		bd=$(printf '%s\n' "$s" | sed -n 's/^bytes_done: //p')
		if [ "$bd" -gt 0 ]; then
			pct0=$(printf '%s\n' "$s" | sed -n 's/^progress_percent: //p')
			break
		fi
		sleep 0.05
	done
fi
timeout 10 bash -c 'printf "during\n" >"$1/during.txt"' _ "$MNT/staging" || fail "create during commit blocked or failed"
timeout 10 rm "$MNT/staging/small.txt" || fail "rm during commit failed"
timeout 10 mkdir "$MNT/staging/duringdir" || fail "mkdir during commit failed"
timeout 10 bash -c 'printf "v2\n" >"$1/keep.txt"' _ "$MNT/staging" || fail "rewrite during commit failed"
still=$(st state)
h=$(timeout 30 sha256sum <"$MNT/staging/big2.bin" | cut -c1-64)
assert_eq "$h" "$(sha "$T/big/big2.bin")" "big2.bin read during the commit"
if [ "$still" != committing ]; then
	[ -n "$pct0" ] && [ "$pct0" -lt 50 ] &&
		fail "the commit (seen writing at $pct0%) was over before the edits made during it returned: staging blocked"
	note "the commit was ${pct0:+at $pct0% when seen writing and }over before the edits returned; the check that they return during a commit is skipped"
fi
ctl_wait
[ -z "$CTL_ERRNO" ] || fail "commit failed: $CTL_ERRNO: $(st last_result)"
assert_eq "$(st last_result)" ok "last_result"

assert_eq "$(toc_sessions "$IMG")" 1 "sessions"
in_image "$IMG" /small.txt || fail "small.txt (deleted during the commit) missing from the session"
in_image "$IMG" /big3.bin || fail "big3.bin missing from the session"
in_image "$IMG" /during.txt && fail "during.txt (created during the commit) is in the session"
in_image "$IMG" /duringdir && fail "duringdir (made during the commit) is in the session"
assert_eq "$(cat "$MNT/sessions/1/keep.txt")" v1 "keep.txt in session 1"
assert_eq "$(cat "$MNT/staging/keep.txt")" v2 "keep.txt in staging/"
assert_eq "$(cat "$MNT/staging/during.txt")" during "during.txt in staging/"
[ ! -e "$MNT/staging/small.txt" ] || fail "small.txt came back in staging/"
pending_norm | sort >"$T/pending"
printf '%s\n' "A during.txt" "A duringdir" "D small.txt" "M keep.txt" | sort >"$T/want"
diff -u "$T/want" "$T/pending" || fail "pending after the commit is not exactly the edits made during it"
check_md5 "$IMG"

ctl_ok commit
assert_eq "$(toc_sessions "$IMG")" 2 "sessions after the second commit"
in_image "$IMG" /during.txt || fail "during.txt not in session 2"
in_image "$IMG" /small.txt && fail "small.txt still in session 2"
stop_burnfs
xorriso_extract "$IMG" "$T/x"
for i in 1 2 3; do cmp "$T/big/big$i.bin" "$T/x/big$i.bin" || fail "big$i.bin differs on disc"; done
assert_eq "$(cat "$T/x/keep.txt")" v2 "keep.txt in session 2"
check_md5 "$IMG"
