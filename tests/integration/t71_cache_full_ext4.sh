#!/bin/bash
# t71_cache_full_ext4 — t70 with the cache on a small ext4 file system made
# by the test on a loop device (cache_full.sh).
. "$(dirname "$0")/lib.sh"
FS_TYPE=ext4 FS_SIZE=48m
. "$LIB_DIR/cache_full.sh"
