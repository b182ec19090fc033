#!/bin/bash
# t52_other_tools — other tools' discs (issue 9, item 4). A single-session
# image made by genisoimage or xorriso -as mkisofs starts at block 0: a new
# session replaces its volume descriptors at block 16, and its tree can no
# longer be reached as a session of its own; on a UDF bridge (genisoimage
# -udf) block 19 (NSR02) is overwritten and UDF readers lose their view;
# data after the last session would be cut off. burnfs names such discs in
# media_origin and refuses a commit (EPERM, nothing written, everything
# stays staged) until `set foreign=overwrite`. libisoburn's own layout
# (xorriso -dev ... -commit, sessions from block 32, zero padding behind)
# is not foreign.
. "$(dirname "$0")/lib.sh"

SRC=$T/src
mkdir -p "$SRC/docs"
printf 'from another tool\n' >"$SRC/docs/old.txt"
head -c 200000 /dev/urandom >"$SRC/data.bin"

# refuse_then_overwrite IMG WHAT WORDS: the commit is refused naming WORDS;
# after set foreign=overwrite it is written and the old files stay.
refuse_then_overwrite() {
	local what=$2
	IMG=$1
	CACHE=$T/cache.$(basename "$IMG")
	cp "$IMG" "$T/before.iso"
	start_burnfs
	note "$what: media_origin: $(st media_origin)"
	case $(st media_origin) in "foreign: "*"$3"*) ;; *) fail "$what: media_origin is '$(st media_origin)'" ;; esac
	assert_eq "$(st set_foreign)" refuse "$what: set_foreign"
	assert_eq "$(cat "$MNT/staging/docs/old.txt")" "from another tool" "$what: old file"
	printf 'new\n' >"$MNT/staging/new.txt"
	ctl_fail EPERM commit
	case $(st last_result) in *"foreign=overwrite"*) ;; *) fail "$what: last_result: $(st last_result)" ;; esac
	cmp -s "$IMG" "$T/before.iso" || fail "$what: the refused commit changed the image"
	assert_eq "$(pending_norm)" "A new.txt" "$what: pending after the refusal"
	ctl_ok "set foreign=overwrite"
	ctl_ok commit
	assert_eq "$(pending)" "" "$what: pending after the commit"
	stop_burnfs
	rm -rf "$T/x"
	xorriso_extract "$IMG" "$T/x"
	assert_eq "$(cat "$T/x/new.txt")" new "$what: the new file on the disc"
	cmp -s "$T/x/data.bin" "$SRC/data.bin" || fail "$what: an old file is lost"
}

timeout 60 genisoimage -quiet -R -J -o "$T/gen.iso" "$SRC" || fail "genisoimage failed"
refuse_then_overwrite "$T/gen.iso" "genisoimage -R -J" "session at block 0"
note "after the overwrite: $(timeout 60 xorriso -indev "stdio:$T/gen.iso" -toc 2>&1 | grep -c '^ISO session') session(s)"

timeout 60 genisoimage -quiet -R -udf -o "$T/udf.iso" "$SRC" || fail "genisoimage -udf failed"
[ "$(dd if="$T/udf.iso" bs=1 skip=$((19 * 2048 + 1)) count=5 status=none)" = NSR02 ] ||
	fail "genisoimage -udf wrote no NSR02 at block 19"
refuse_then_overwrite "$T/udf.iso" "genisoimage -udf" "UDF bridge"

timeout 60 xorriso -as mkisofs -quiet -R -o "$T/mkisofs.iso" "$SRC" >/dev/null 2>&1 ||
	fail "xorriso -as mkisofs failed"
refuse_then_overwrite "$T/mkisofs.iso" "xorriso -as mkisofs" "session at block 0"

# Data behind the last session that burnfs did not write.
make_two_sessions "$T/tail.iso"
head -c 100000 /dev/urandom >>"$T/tail.iso"
IMG=$T/tail.iso
CACHE=$T/cache.$(basename "$IMG")
cp "$IMG" "$T/before.iso"
start_burnfs
case $(st media_origin) in "foreign: data after"*) ;; *) fail "tail: media_origin is '$(st media_origin)'" ;; esac
printf 'new\n' >"$MNT/staging/new.txt"
ctl_fail EPERM commit
stop_burnfs
cmp -s "$IMG" "$T/before.iso" || fail "tail: the refused commit changed the image"
session_md5s_ok "$IMG" 2

# libisoburn's layout is burnfs's own: no opt-in needed.
make_xorriso_sessions "$T/xorriso.iso"
IMG=$T/xorriso.iso
CACHE=$T/cache.$(basename "$IMG")
start_burnfs
assert_eq "$(st media_origin)" multisession "xorriso multisession image"
printf 'new\n' >"$MNT/staging/new.txt"
ctl_ok commit
stop_burnfs
assert_eq "$(toc_sessions "$IMG")" 3 "sessions after a commit on the xorriso image"
