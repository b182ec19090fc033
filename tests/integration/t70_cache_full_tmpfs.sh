#!/bin/bash
# t70_cache_full_tmpfs — the cache on a small tmpfs that fills up while
# mounted: every kind of change fails with ENOSPC at its call and leaves no
# trace; everything acknowledged survives kill -9 and remounts, nothing
# made after the disk-full moment is dropped (cache_full.sh).
. "$(dirname "$0")/lib.sh"
FS_TYPE=tmpfs FS_SIZE=16m
. "$LIB_DIR/cache_full.sh"
