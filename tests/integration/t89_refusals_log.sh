#!/bin/bash
# t89_refusals_log — every refused mount prints one line, exits non-zero and
# leaves nothing behind (no image, no cache folder, no mount): libfuse
# options that break burnfs, unknown options, -s, a missing /dev/fuse, bad
# targets, a damaged image, a bad log file. The log: -o log=FILE gets the
# daemon's lines (also the details of a refused mount); without syslog a
# background mount logs to burnfs.log in its cache folder.
. "$(dirname "$0")/lib.sh"

export HOME=$T/home   # the default cache folder goes here: must stay empty

# refuse WHAT ARGS...: burnfs ARGS (in the background) must be refused.
refuse() {
	local what=$1 rc=0
	shift
	timeout -k 5 30 "$@" >"$T/out" 2>"$T/err" </dev/null || rc=$?
	[ "$rc" != 124 ] || fail "$what: did not return"
	if is_mounted "$MNT"; then unmount_any "$MNT"; fail "$what: mounted"; fi
	[ "$rc" != 0 ] || fail "$what: exit status 0"
	[ "$(grep -c . "$T/err")" = 1 ] || fail "$what: $(grep -c . "$T/err") lines: $(cat "$T/err")"
	[ ! -e "$IMG" ] || fail "$what: left $IMG behind"
	[ ! -e "$HOME" ] || fail "$what: left $(find "$HOME" | sed -n 1,3p | tr '\n' ' ')"
	note "$what: $(cat "$T/err")"
}

refuse "an unknown option" "$BURNFS" -o foo=bar "$IMG" "$MNT"
refuse "modules=subdir" "$BURNFS" -o modules=subdir,subdir=/tmp "$IMG" "$MNT"
refuse "another subtype" "$BURNFS" -o subtype=other "$IMG" "$MNT"
refuse "nopath" "$BURNFS" -o nopath "$IMG" "$MNT"
refuse "kernel_cache" "$BURNFS" -o kernel_cache "$IMG" "$MNT"
refuse "-s" "$BURNFS" -s "$IMG" "$MNT"
refuse "a bad capacity" "$BURNFS" -o capacity=banana "$IMG" "$MNT"
refuse "a missing mountpoint" "$BURNFS" "$IMG" "$T/nowhere"
refuse "a log file that cannot be made" "$BURNFS" -o log=/nonexistent/dir/log "$IMG" "$MNT"
mkdir "$T/adir"
refuse "a folder as target" "$BURNFS" "$T/adir" "$MNT"
if command -v unshare >/dev/null && unshare -m true 2>/dev/null; then
	refuse "no /dev/fuse" unshare -m sh -c 'mount -t tmpfs none /dev && exec "$@"' sh \
		"$BURNFS" "$IMG" "$MNT"
	grep -q /dev/fuse "$T/err" || fail "the missing /dev/fuse is not named: $(cat "$T/err")"
else
	note "unshare -m does not work here: the missing /dev/fuse not tried"
fi

# a damaged image (cut inside its first session): one line; with -o log the
# libraries' details are in the log
timeout 60 xorriso -outdev "stdio:$T/good.iso" -map /etc/hostname /h -commit >/dev/null 2>&1
head -c 40000 "$T/good.iso" >"$T/cut.iso"
rc=0
timeout -k 5 30 "$BURNFS" -o "log=$T/refused.log" "$T/cut.iso" "$MNT" >"$T/out" 2>"$T/err" </dev/null || rc=$?
[ "$rc" != 0 ] || { unmount_any "$MNT"; fail "a cut image was mounted"; }
[ "$(grep -c . "$T/err")" = 1 ] || fail "a cut image: $(grep -c . "$T/err") lines: $(cat "$T/err")"
[ "$(grep -c . "$T/refused.log")" -ge 2 ] || fail "the log of the refused mount is nearly empty: $(cat "$T/refused.log")"
note "a cut image: $(cat "$T/err"); the log has $(grep -c . "$T/refused.log") lines"
[ ! -e "$HOME" ] || fail "the cut image left $(find "$HOME" | sed -n 1,3p | tr '\n' ' ')"

# -o log=FILE in the background
timeout -k 5 30 "$BURNFS" -o "cache=$CACHE,log=$T/chosen.log" "$IMG" "$MNT" </dev/null || fail "mount with -o log"
EXTRA_MOUNTS+=("$MNT")
printf 'x\n' >"$MNT/staging/x"
ctl_ok commit
grep -q 'commit done' "$T/chosen.log" || fail "-o log file lacks the commit: $(tail -3 "$T/chosen.log")"
unmount_any "$MNT"
[ ! -e "$CACHE/burnfs.log" ] || fail "the cache folder got a log though -o log chose one"

# no syslog: the cache folder's burnfs.log
if [ -e /dev/log ]; then
	note "/dev/log exists: the daemon logs to syslog; the cache log is not tried"
else
	for ((i = 0; i < 50; i++)); do
		timeout -k 5 30 "$BURNFS" -o "cache=$CACHE" "$IMG" "$MNT" </dev/null 2>/dev/null && break
		sleep 0.2  # the earlier daemon still holds the image's lock
	done
	is_mounted "$MNT" || fail "the image does not mount again"
	ctl_ok verify
	grep -q 'verify done' "$CACHE/burnfs.log" ||
		fail "no log in the cache folder without syslog: $(ls "$CACHE")"
	unmount_any "$MNT"
fi

# a copy of the binary under another name (a benchmark keeps one per
# build): libfuse offers that name as the subtype; the mount is still
# fuse.burnfs, which the burnfs command finds its mounts by
mkdir -p "$T/bin"
cp "$BURNFS" "$T/bin/burnfs-copy"
timeout -k 5 30 "$T/bin/burnfs-copy" -o "cache=$CACHE" "$IMG" "$MNT" </dev/null 2>"$T/err" ||
	fail "a renamed copy of the binary does not mount: $(cat "$T/err")"
EXTRA_MOUNTS+=("$MNT")
assert_eq "$(awk -v m="$MNT" '$2 == m {print $3}' /proc/mounts)" fuse.burnfs "the renamed copy's mount type"
unmount_any "$MNT"
