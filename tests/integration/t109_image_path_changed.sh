#!/bin/bash
# t109_image_path_changed — the image file moved, deleted or replaced under
# its path while mounted. burnfs reads the file it opened at the mount, but
# libburn opens the path for every job, every re-read of the medium and
# every probe of a session: a commit after `rm IMG` wrote its session into
# a new file at that path, whose files pointed at blocks of sessions that
# file did not hold, and said ok (-check_md5 failed, a committed file read
# as zeros after a remount). Now every job (commit, verify, blank), the
# re-read before discard, and a first look into an older sessions/N answer
# ESTALE and say why, write nothing, create no file, and work again once
# the mounted file is back at its path. An image mounted through a symlink
# takes its first commit and a blank, and one made immutable says why it
# takes no commit.
. "$(dirname "$0")/lib.sh"

start_burnfs
printf 'one\n' >"$MNT/staging/one"
ctl_ok commit
printf 'two\n' >"$MNT/staging/two"
cp "$IMG" "$T/before.iso"

# refused CMD WORDS AFTER FILE: ESTALE, the status says WORDS, the mounted
# file (now FILE) is unchanged
refused() {
	ctl_fail ESTALE "$1"
	case $(st last_result) in *"$2"*) ;; *) fail "$1 after $3: last_result '$(st last_result)'" ;; esac
	cmp -s "$4" "$T/before.iso" || fail "$1 after $3 changed the mounted image"
}

mv "$IMG" "$T/moved.iso"
refused commit "moved or deleted" "a move" "$T/moved.iso"
[ ! -e "$IMG" ] || fail "the refused commit made a new file at the image's path"
refused verify "moved or deleted" "a move" "$T/moved.iso"
refused blank "moved or deleted" "a move" "$T/moved.iso"
assert_eq "$(pending_norm)" "A two" "pending after the refusals"

# another file at the path: a copy of the image is still not the file mounted
cp "$T/moved.iso" "$IMG"
refused commit "names another file" "a replacement" "$T/moved.iso"
cmp -s "$IMG" "$T/before.iso" || fail "the refused commit changed the file now at the path"
rm -f "$IMG"

# another disc at the path, nothing staged: the medium is re-read before
# each command, and staging/ showed the other file's tree over the mounted
# file's bytes; now nothing is re-read
rm "$MNT/staging/two"
assert_eq "$(pending_norm)" "" "pending with nothing staged"
mk_start "$T/other.iso"
printf 'other\n' >"$MK/staging/other"
mk_commit "the other disc"
mk_stop "the other disc"
cp "$T/other.iso" "$IMG"
refused discard "names another file" "another disc" "$T/moved.iso"
refused commit "names another file" "another disc" "$T/moved.iso"
assert_eq "$(ls "$MNT/staging")" one "staging/ with another disc at the path"
assert_eq "$(cat "$MNT/staging/one")" one "a file of the mounted disc"
rm -f "$IMG"
printf 'two\n' >"$MNT/staging/two"

mv "$T/moved.iso" "$IMG"
ctl_ok commit
assert_eq "$(st sessions)" 2 "sessions once the file is back"
stop_burnfs
check_md5 "$IMG"
xorriso_extract "$IMG" "$T/x"
assert_eq "$(ls "$T/x" | tr '\n' ' ')" "one two " "the newest session's files"
assert_eq "$(cat "$T/x/one")$(cat "$T/x/two")" onetwo "their contents"

# an older session not loaded yet is read by a probe through the path:
# ESTALE while the file is away, not remembered once it is back
start_burnfs
mv "$IMG" "$T/moved.iso"
expect_errno ESTALE ls "$MNT/sessions/1/"
assert_eq "$(cat "$MNT/staging/two")" two "staging/ while the file is away"
mv "$T/moved.iso" "$IMG"
assert_eq "$(ls "$MNT/sessions/1/")" one "sessions/1 once the file is back"
stop_burnfs

# an empty image mounted through a symlink: the first commit writes the
# file the link names (the erased mark went through the link too); the
# link turned to another file is ESTALE
: >"$T/real.iso"
ln -s real.iso "$T/link.iso"
IMG=$T/link.iso
CACHE=$T/cache.link
start_burnfs
printf 'linked\n' >"$MNT/staging/linked"
ctl_ok commit
assert_eq "$(toc_sessions "$T/real.iso")" 1 "sessions in the file the link names"
printf 'more\n' >"$MNT/staging/more"
cp "$T/real.iso" "$T/real2.iso"
ln -sfn real2.iso "$T/link.iso"
ctl_fail ESTALE commit
ln -sfn real.iso "$T/link.iso"
# made immutable since the mount: the commit says why (libburn only says
# it failed to open the device)
if chattr +i "$T/real.iso" 2>/dev/null; then
	ctl commit
	res=$(st last_result)
	chattr -i "$T/real.iso"
	assert_eq "$CTL_ERRNO" EPERM "commit onto an immutable image"
	case $res in *"cannot write to"*"not permitted"*) ;; *) fail "commit onto an immutable image: '$res'" ;; esac
else
	note "chattr +i does not work here: the immutable image is not tried"
fi
ctl_ok commit
stop_burnfs
check_md5 "$T/real.iso"
# blank through the link empties the file it names
start_burnfs
ctl_ok blank
assert_eq "$(file_size "$T/real.iso")" 0 "the file the link names after blank"
[ -L "$T/link.iso" ] || fail "blank replaced the link"
stop_burnfs
