#!/bin/bash
# t26_blank — `blank` (and `blank full`) empties an image: no sessions,
# media_status blank, the disc's files gone from staging/ and sessions/,
# while pending new files stay pending and commit as the new session 1.
. "$(dirname "$0")/lib.sh"

for how in blank "blank full"; do
	rm -rf "$CACHE" "$IMG"
	start_burnfs
	mkdir "$MNT/staging/old"
	printf 'old\n' >"$MNT/staging/old/a.txt"
	ctl_ok commit
	printf 'old2\n' >"$MNT/staging/b.txt"
	ctl_ok commit
	assert_eq "$(st sessions)" 2 "sessions before $how"
	mkdir "$MNT/staging/fresh"
	head -c 100000 /dev/urandom >"$T/n.bin"
	cp -a "$T/n.bin" "$MNT/staging/fresh/n.bin"

	ctl_ok "$how"
	assert_eq "$(st sessions)" 0 "sessions after $how"
	assert_eq "$(st media_status)" blank "media_status after $how"
	assert_eq "$(toc_sessions "$IMG")" 0 "sessions in xorriso -toc after $how"
	assert_eq "$(ls -A "$MNT/sessions")" "" "sessions/ after $how"
	assert_eq "$(cd "$MNT/staging" && find . -mindepth 1 | sort | tr '\n' ' ')" "./fresh ./fresh/n.bin " "staging/ after $how"
	cmp "$T/n.bin" "$MNT/staging/fresh/n.bin" || fail "pending file damaged by $how"
	pending_norm >"$T/p"
	grep -qx 'A fresh/n.bin' "$T/p" || grep -qx 'A fresh' "$T/p" || { cat "$T/p" >&2; fail "pending after $how lacks the new files"; }
	grep -q 'old\|b.txt' "$T/p" && fail "pending after $how names the erased files"

	ctl_ok commit
	assert_eq "$(toc_sessions "$IMG")" 1 "sessions after commit following $how"
	stop_burnfs
	bsdtar_extract "$IMG" "$T/x"
	MANIFEST_NO_DIR_MTIME=1 tree_manifest "$T/x" | cut -d' ' -f1,2 >"$T/got"
	printf '%s\n' "d ./fresh" "f ./fresh/n.bin" >"$T/wantlist"
	diff -u "$T/wantlist" "$T/got" || fail "the disc after $how + commit"
	cmp "$T/n.bin" "$T/x/fresh/n.bin" || fail "n.bin on the disc"
	rm -rf "$T/x"
	check_md5 "$IMG"
done
