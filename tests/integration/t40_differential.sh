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

chmod 755 "$T"   # nobody's calls reach both trees
REF=$T/ref
mkdir -p "$REF"
# allow_other: nobody may use the mount (default_permissions is burnfs's)
start_burnfs -o allow_other
python3 "$LIB_DIR/difftest.py" run "$MNT/staging/w" "$REF/w" --seed "$SEED" \
	--ops "$OPS" || fail "staging/ and the local folder differ (DIFF_SEED=$SEED)"
ctl_ok commit
stop_burnfs

CACHE=$T/cache2   # an empty cache: everything comes from the disc
start_burnfs -o allow_other
python3 "$LIB_DIR/difftest.py" compare --disc "$REF/w" "$MNT/staging/w" ||
	fail "after a remount with an empty cache, staging/ differs (DIFF_SEED=$SEED)"
stop_burnfs

xorriso_extract "$IMG" "$T/x"
python3 "$LIB_DIR/difftest.py" compare --disc --extracted "$REF/w" "$T/x/w" ||
	fail "the disc (xorriso -extract) differs from the local folder (DIFF_SEED=$SEED)"
check_md5 "$IMG"
