#!/bin/bash
# t07_staging_ops — staging/ behaves like a local folder: the same sequence
# of operations (writes at offsets, truncate, mv over existing names, folder
# renames, hard links, symlinks, chmod/chown/touch, user.* xattrs, fsync) is
# run on a local folder and on staging/, and the two must match, before and
# after the commit. Names of 256 bytes fail with ENAMETOOLONG; df works.
. "$(dirname "$0")/lib.sh"

ops() {
	local d=$1
	cd "$d"
	# write at offsets, sparse growth, overwrite in the middle
	printf 'abcdefghij' >w.txt
	printf 'XY' | dd of=w.txt bs=1 seek=3 conv=notrunc status=none
	printf 'END' | dd of=w.txt bs=1 seek=100000 conv=notrunc status=none
	head -c 70000 "$T/rand" | dd of=w2.bin bs=4096 seek=5 conv=notrunc,fsync status=none
	printf 'append\n' >>w2.bin
	# truncate: shrink and grow
	head -c 50000 "$T/rand" >t.bin
	truncate -s 1000 t.bin
	truncate -s 9000 t.bin
	: >zero.bin
	# mv over an existing file, rename folders, rename a folder over an empty one
	printf 'old\n' >victim.txt
	printf 'new\n' >winner.txt
	mv winner.txt victim.txt
	mkdir -p dir1/sub dir2 emptytarget
	printf 'in dir1\n' >dir1/sub/f.txt
	mv dir1 dir1renamed
	mv -T dir2 emptytarget
	mv dir1renamed/sub/f.txt dir1renamed/f-moved.txt
	# hard links: a write through one name shows through the other
	printf 'link me\n' >h1
	ln h1 h2
	printf 'more\n' >>h2
	# symlinks
	ln -s w.txt sym
	ln -s dir1renamed/f-moved.txt sym2
	ln -sfn t.bin sym2
	# metadata
	printf 'meta\n' >m.txt
	chmod 0640 m.txt
	chown 1234:5678 m.txt
	mkdir mdir
	chmod 0711 mdir
	chown 99:98 mdir
	# xattrs
	printf 'x\n' >x.txt
	setfattr -n user.one -v first x.txt
	setfattr -n user.two -v second x.txt
	setfattr -x user.one x.txt
	setfattr -n user.dir -v d mdir
	# unlink, rmdir
	printf 'gone\n' >gone.txt
	rm gone.txt
	mkdir gonedir
	rmdir gonedir
	# times last: all folders and regular files get fixed, distinct mtimes
	find . -type f -exec touch -d '2014-01-01 10:00:00' {} +
	find . -mindepth 1 -depth -type d -exec touch -d '2015-01-01 10:00:00' {} +
	touch -d '2016-02-02 02:02:02' t.bin h1
	touch -d '2004-04-04 04:04:04' m.txt w.txt
	cd - >/dev/null
}

head -c 200000 /dev/urandom >"$T/rand"
mkdir "$T/local"
ops "$T/local"
start_burnfs
ops "$MNT/staging"
assert_same_tree "$T/local" "$MNT/staging" "local folder and staging/"

S=$MNT/staging
assert_eq "$(stat -c %s "$S/w.txt")" 100003 "size after writes at offsets"
cmp -s "$T/local/w.txt" "$S/w.txt" || fail "w.txt content differs"
assert_eq "$(stat -c %h "$S/h1")" 2 "link count of h1"
assert_eq "$(stat -c %i "$S/h1")" "$(stat -c %i "$S/h2")" "inode numbers of a hard-link pair"
assert_eq "$(cat "$S/h1")" $'link me\nmore' "content seen through the other link"
assert_eq "$(xattr_get "$S/x.txt" user.two)" second "user.two"
getfattr --absolute-names -n user.one "$S/x.txt" >/dev/null 2>&1 && fail "removed xattr user.one still there"
assert_eq "$(xattr_get "$S/mdir" user.dir)" d "xattr of a folder"
assert_eq "$(readlink "$S/sym2")" t.bin "symlink target after ln -sfn"
assert_eq "$(stat -c '%a %u:%g' "$S/m.txt")" "640 1234:5678" "mode and owner"

# error cases behave like a local folder
expect_errno ENOTEMPTY rmdir "$S/dir1renamed"
expect_errno ENOENT cat "$S/no-such-file"
expect_errno EEXIST mkdir "$S/mdir"
n255=$(printf 'n%.0s' $(seq 255))
n256=$(printf 'n%.0s' $(seq 256))
printf 'ok\n' >"$S/$n255" || fail "a 255-byte name was refused"
printf 'ok\n' >"$T/local/$n255"
expect_errno ENAMETOOLONG touch "$S/$n256"
expect_errno ENAMETOOLONG mkdir "$S/$n256"
expect_errno ENAMETOOLONG mv "$S/m.txt" "$S/$n256"
[ -e "$S/m.txt" ] || fail "m.txt lost by a failed rename"

# statfs
timeout 10 df -P "$MNT" >"$T/df" || fail "df $MNT failed"
timeout 10 df -P "$S" >/dev/null || fail "df $S failed"
blocks=$(awk 'NR == 2 { print $2 }' "$T/df")
[ "$blocks" -gt 0 ] || fail "df shows no capacity: $(cat "$T/df")"
assert_eq "$(stat -f -c %l "$S")" 255 "statfs namelen"

# chown(-1, -1) changes nothing but ctime, as on ext4
ctime_moves() {
	python3 -c 'import os, sys, time
p = sys.argv[1]; c = os.stat(p).st_ctime_ns; time.sleep(0.02); os.chown(p, -1, -1)
sys.exit(os.stat(p).st_ctime_ns == c)' "$1"
}
ctime_moves "$S/x.txt" || fail "chown(-1, -1) did not move ctime in staging/"

ctl_ok commit
assert_same_tree "$T/local" "$MNT/staging" "local folder and staging/ after commit"
stop_burnfs

xorriso_extract "$IMG" "$T/x"
assert_same_tree "$T/local" "$T/x" "local folder and the image (xorriso)"
assert_eq "$(stat -c %h "$T/x/h1")" 2 "link count of h1 in the image"
assert_eq "$(xattr_get "$T/x/x.txt" user.two)" second "user.two in the image"
assert_eq "$(xattr_get "$T/x/mdir" user.dir)" d "folder xattr in the image"
bsdtar_extract "$IMG" "$T/b"
assert_same_tree "$T/local" "$T/b" "local folder and the image (bsdtar)"
check_md5 "$IMG"
