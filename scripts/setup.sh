#!/bin/sh
# scripts/setup.sh — install what burnfs needs on Debian 12 (build, run, test),
# build it into ./build and install it (meson install: burnfs on PATH in
# /usr/local/bin, its manual page and bash completion).
# Idempotent and non-interactive; run as root (or with sudo available).
#
# usage: scripts/setup.sh [--deps-only]
set -eu
cd "$(dirname "$0")/.."

PACKAGES="
meson ninja-build pkg-config gcc libc6-dev
libfuse3-dev libburn-dev libisofs-dev libisoburn-dev libjemalloc-dev libssl-dev zlib1g-dev
fuse3
xorriso genisoimage libarchive-tools fuseiso rsync attr acl
coreutils util-linux findutils diffutils python3 procps
man-db groff-base bash-completion
fuse-overlayfs zip unzip cpio tar
"

SUDO=
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null || { echo "setup.sh: run as root (apt-get needs it)" >&2; exit 1; }
	SUDO=sudo
fi

missing=
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "setup.sh: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -q
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -q --no-install-recommends $missing
else
	echo "setup.sh: all packages already installed"
fi

# FUSE needs /dev/fuse; load the module where it is missing (best effort).
[ -e /dev/fuse ] || $SUDO modprobe fuse 2>/dev/null || true
[ -e /dev/fuse ] || echo "setup.sh: warning: /dev/fuse is missing; burnfs cannot mount here" >&2

[ "${1:-}" = --deps-only ] && exit 0

if [ ! -f build/build.ninja ]; then
	meson setup build
fi
meson compile -C build
$SUDO meson install -C build --quiet --no-rebuild
echo "setup.sh: built $(pwd)/build/src/fs/burnfs and installed it: $(command -v burnfs || echo "not on PATH")"
