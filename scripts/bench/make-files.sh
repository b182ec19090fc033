#!/bin/bash
# make-files.sh DIR NDIRS PERDIR SIZE — make NDIRS folders d000.. under DIR,
# each holding PERDIR files f0000.. of SIZE random bytes, for scripts/bench.sh.
#
# split(1) writes a folder's files from one stream, so 100,000 files cost a
# few hundred processes, not 100,000. Names are fixed, so a bench can name the
# same file in every tree (the 1% change picks f<PERDIR/2> in each folder).
set -euo pipefail

dir=${1:?usage: make-files.sh DIR NDIRS PERDIR SIZE}
ndirs=${2:?} perdir=${3:?} size=${4:?}

mkdir -p "$dir"
for ((d = 0; d < ndirs; d++)); do
	sub=$(printf '%s/d%03d' "$dir" "$d")
	mkdir -p "$sub"
	head -c $((perdir * size)) /dev/urandom | split -b "$size" -d -a 4 - "$sub/f"
done
