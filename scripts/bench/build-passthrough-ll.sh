#!/bin/bash
# build-passthrough-ll.sh OUTDIR — build libfuse's passthrough_ll example, the
# bare-FUSE baseline of scripts/bench.sh, from the copy Debian ships in
# libfuse3-dev, and print the path of the binary.
#
# Built at bench time (not vendored) so the baseline is exactly the example of
# the libfuse on this machine. On Debian 12 (libfuse 3.14) passthrough_ll.c
# includes passthrough_helpers.h from the same folder, so both are copied.
# Exit status: 0 built, 1 missing sources or compile failure.
set -euo pipefail

out=${1:?usage: build-passthrough-ll.sh OUTDIR}
ex=${FUSE_EXAMPLES:-/usr/share/doc/libfuse3-dev/examples}

for f in passthrough_ll.c passthrough_helpers.h; do
	if [ ! -r "$ex/$f" ]; then
		# Some Debian releases compress the examples.
		if [ -r "$ex/$f.gz" ]; then
			mkdir -p "$out"
			gzip -dc "$ex/$f.gz" >"$out/$f"
			continue
		fi
		[ "$f" = passthrough_helpers.h ] && continue   # not needed by every version
		echo "build-passthrough-ll: $ex/$f is missing (apt-get install libfuse3-dev)" >&2
		exit 1
	fi
	mkdir -p "$out"
	cp "$ex/$f" "$out/$f"
done

# shellcheck disable=SC2046  # pkg-config output is a list of words
cc -O2 -D_FILE_OFFSET_BITS=64 -I"$out" "$out/passthrough_ll.c" \
	$(pkg-config --cflags --libs fuse3) -o "$out/passthrough_ll" >"$out/build.log" 2>&1 || {
	cat "$out/build.log" >&2
	echo "build-passthrough-ll: compile failed" >&2
	exit 1
}
printf '%s\n' "$out/passthrough_ll"
