#!/bin/bash
# t40_differential — staging/ beside a local folder (/var/tmp, ext4 here):
# the same random calls on both — create, write at offsets, truncate, hard
# links, unlink while open, rename over links, chmod with set-user-ID and
# set-group-ID bits and writes by `nobody` (direct-I/O and buffered handles),
# chown, utimens, symlinks, fifos, mkdir/rmdir, user xattrs, fallocate — from several
# processes, one at a time and then at once, every result and errno
# compared (difftest.py). Then the final trees; then a commit, a remount
# with an empty cache and the disc's tree as xorriso extracts it, each
# compared with the local folder again.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || skip "python3 is not installed"
id nobody >/dev/null 2>&1 || skip "there is no user nobody"
SEED=${DIFF_SEED:-$RANDOM}
OPS=${DIFF_OPS:-3000}
note "seed $SEED, $OPS calls (DIFF_SEED and DIFF_OPS repeat or change a run)"
note "the local folder is on $(stat -f -c %T "$T")"

difftest_staged "$SEED" "$OPS"

difftest_remounted "$SEED"
stop_burnfs

difftest_disc_matches "$SEED"
