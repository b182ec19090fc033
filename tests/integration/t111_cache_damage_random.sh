#!/bin/bash
# t111_cache_damage_random — random damage to the cache folder between
# mounts (cache_damage.py): bits flipped in the journal, the journal cut
# or removed, data files removed or cut short, after random changes,
# commits, kills and unmounts. Every mount must come up and say `ok` or
# `damaged:`; every file it shows reads whole or fails with EIO; commits
# succeed (and xorriso -check_md5 agrees) or fail with EIO while files lost
# bytes; clean unmounts exit 0; with the failing files removed the last
# commit succeeds; no sanitizer report. Seed 206 found a file served empty
# whose size record an earlier damage had taken. CD_SEEDS, CD_ROUNDS.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "python3 is missing"

ROUNDS=${CD_ROUNDS:-40}
for seed in ${CD_SEEDS:-7 111 206}; do
	w=$T/w$seed
	EXTRA_MOUNTS+=("$w/m")
	out=$(timeout -k 5 240 python3 "$LIB_DIR/cache_damage.py" "$BURNFS" "$w" "$seed" "$ROUNDS" 2>&1) || {
		printf '%s\n' "$out" | tail -5 >&2
		LOG=$w/daemon.log
		fail "seed $seed: a damaged cache went wrong (above, $w)"
	}
	LOG=$w/daemon.log check_log
	note "$out"
done
