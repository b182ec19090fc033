#!/bin/bash
# t107_forgotten_folders_random — difftest.py's random calls on entries of
# the disc (a first run staged beside a local folder, committed, then a
# mount with an empty cache) while the kernel's caches are dropped every
# 0.2 s, so folders are given back to the disc's index (t106) and listed
# again between the calls: every result and errno is the local folder's,
# then the final trees, then the disc as xorriso extracts it after a
# commit. The rules of what is given back are t106's; here folders are
# given back in the middle of random work (the daemon gave back some 25 in
# a run when this was written), which must change no call's outcome.
# DIFF_SEED and DIFF_OPS repeat or change a run.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || skip "python3 is not installed"
id nobody >/dev/null 2>&1 || skip "there is no user nobody"
[ -w /proc/sys/vm/drop_caches ] || skip "cannot write /proc/sys/vm/drop_caches (needs root)"
SEED=${DIFF_SEED:-$RANDOM}
OPS=${DIFF_OPS:-3000}
note "seed $SEED, $OPS calls"

difftest_staged "$SEED" "$OPS"

difftest_remounted "$SEED"   # every entry is the disc's
touch "$T/dropping"
(while [ -e "$T/dropping" ]; do echo 2 >/proc/sys/vm/drop_caches; sleep 0.2; done) &
dropper=$!
rc=0
python3 "$LIB_DIR/difftest.py" run "$MNT/staging/w" "$REF/w" --seed "$((SEED + 1))" \
	--ops "$OPS" || rc=$?
rm -f "$T/dropping"
wait "$dropper"
[ "$rc" = 0 ] || fail "over the disc's entries, with the caches dropped, staging/ and the local folder differ (DIFF_SEED=$SEED)"
note "stage_nodes at the end: $(st stage_nodes)"
python3 "$LIB_DIR/difftest.py" compare "$REF/w" "$MNT/staging/w" ||
	fail "the final trees differ (DIFF_SEED=$SEED)"
ctl_ok commit
stop_burnfs

difftest_disc_matches "$SEED"
