#!/bin/bash
# t105_random_copies — random copies of disc files (cp, cp -a, cp out of
# sessions/N), restores, hard links, symlinks, fifos, xattrs, owners,
# set-ID modes, edits, renames and removals, mirrored on a local folder,
# over many sessions with fresh mounts, compression toggled and kill -9
# (during a commit or not) between them (random_copies.py): staging/
# equals the local folder after every commit, kill and fresh mount (a
# random sessions/N its session's model every second round), and every
# fourth session so do xorriso's extraction, -check_md5 and verify. It
# found the new hard links that shared an inode number (t104) and the
# compressed files' hard links (t103). RC_SEEDS, RC_ROUNDS, RC_CRASHES.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "python3 is missing"

ROUNDS=${RC_ROUNDS:-12}
for seed in ${RC_SEEDS:-41 46 59 105}; do
	w=$T/w$seed
	EXTRA_MOUNTS+=("$w/mnt")
	out=$(timeout -k 5 240 python3 "$LIB_DIR/random_copies.py" "$BURNFS" "$w" "$seed" "$ROUNDS" 2>&1) || {
		printf '%s\n' "$out" | tail -5 >&2
		tail -15 "$w/trace" >&2
		LOG=$w/daemon.log
		fail "seed $seed: the random copies went wrong (trace above, $w)"
	}
	LOG=$w/daemon.log check_log
	note "$out"
done
