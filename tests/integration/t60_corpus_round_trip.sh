#!/bin/bash
# t60_corpus_round_trip — a corpus of every kind of entry staging accepts,
# at the edges of what a disc holds (longest name and symlink target,
# empty/large/many xattrs in every namespace, ACLs, devices, fifos, sockets,
# hard links of files, symlinks and fifos, setuid bits, old and future
# dates, large owner ids), copied in with cp -a, committed, and read back
# identically: by burnfs after a mount with an empty cache (staging/ and
# sessions/1), by xorriso's extraction with ACLs and xattrs, by
# getfattr/getfacl, and (names, modes, content) by isoinfo.
. "$(dirname "$0")/lib.sh"
command -v getfacl >/dev/null || skip "getfacl is not installed (scripts/setup.sh: acl)"
command -v python3 >/dev/null || skip "python3 is not installed"

CTL1=$'\x01'
make_corpus() {
	local d=$1 i
	mkdir -p "$d/names" "$d/xattrs" "$d/acl/sub" "$d/special" "$d/links" "$d/times"
	# names: the longest, odd bytes, spaces
	printf 'longest name\n' >"$d/names/$(printf 'n%.0s' $(seq 255))"
	printf 'odd\n' >"$d/names/${CTL1}ctl and \\ back"
	printf 'utf8\n' >"$d/names/$UNAME"
	printf 'dots\n' >"$d/names/...x"
	# sizes
	: >"$d/empty"
	printf 'x' >"$d/one"
	head -c 2048 /dev/urandom >"$d/block"
	head -c 3000000 /dev/urandom >"$d/big"
	# modes and owners
	printf 'suid\n' >"$d/suid"
	chmod 4755 "$d/suid"
	printf 'sgid\n' >"$d/sgid"
	chmod 2710 "$d/sgid"
	printf 'none\n' >"$d/nomode"
	chmod 000 "$d/nomode"
	mkdir "$d/sticky"
	chmod 1777 "$d/sticky"
	printf 'owners\n' >"$d/owners"
	chown 4294967294:4294967293 "$d/owners"
	chown 1234:5678 "$d/block"
	# symlinks: the longest target libisofs reads back, components of 255
	ln -s "$(python3 -c "print(('c' * 254 + '/') * 4 + 'c' * 3)")" "$d/links/longest"
	ln -s "$(printf 'p%.0s' $(seq 255))/x" "$d/links/comp255"
	ln -s / "$d/links/root"
	ln -s 'x//' "$d/links/double-slash"
	ln -s '../empty' "$d/links/up"
	# hard links of files, symlinks and fifos
	printf 'hard\n' >"$d/links/h1"
	ln "$d/links/h1" "$d/links/h2"
	ln "$d/links/h1" "$d/links/h3"
	ln "$d/links/up" "$d/links/up-hard"
	mkfifo "$d/special/fifo"
	ln "$d/special/fifo" "$d/special/fifo-hard"
	# devices and a socket
	mknod "$d/special/null" c 1 3
	mknod "$d/special/loop" b 7 0
	mknod "$d/special/big-dev" c 4095 1048575
	python3 -c "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "$d/special/sock"
	# xattrs: empty values first and last, every namespace, large, many
	printf 'x\n' >"$d/xattrs/f"
	setfattr -n user.a -v value "$d/xattrs/f"
	setfattr -n user.empty "$d/xattrs/f"
	setfattr -n user.zzz-empty-last "$d/xattrs/f"
	setfattr -n trusted.t -v trusted "$d/xattrs/f"
	setfattr -n security.burnfs -v sec "$d/xattrs/f"
	setfattr -n "user.$(printf 'k%.0s' $(seq 250))" -v long-name "$d/xattrs/f"
	printf 'only empty\n' >"$d/xattrs/only-empty"
	setfattr -n user.e "$d/xattrs/only-empty"
	printf 'big\n' >"$d/xattrs/big"
	head -c 65536 /dev/urandom >"$T/v64k"
	python3 -c 'import os, sys
for i in (1, 2, 3):
    os.setxattr(sys.argv[1], "user.big%d" % i, open(sys.argv[2], "rb").read())' "$d/xattrs/big" "$T/v64k"
	printf 'many\n' >"$d/xattrs/many"
	python3 -c 'import os, sys
for i in range(1, 301):
    os.setxattr(sys.argv[1], "user.m%d" % i, b"v%d" % i)' "$d/xattrs/many"
	mkdir "$d/xattrs/dir"
	setfattr -n user.dir -v d "$d/xattrs/dir"
	setfattr -h -n trusted.on-link -v l "$d/links/up"
	# ACLs: access with named entries and large ids, default on folders
	printf 'acl\n' >"$d/acl/file"
	setfacl -m u:1234:rx,g:4321:w,u:4000000000:r "$d/acl/file"
	setfacl -m u:99:rwx "$d/acl/sub"
	setfacl -d -m u:1234:rwx,g:55:rx "$d/acl/sub"
	setfacl -d -m u::rwx "$d/acl"
	# times: old, future, nanoseconds (Rock Ridge keeps the second)
	printf 'old\n' >"$d/times/old"
	touch -d '1902-03-04 05:06:07' "$d/times/old"
	printf 'future\n' >"$d/times/future"
	touch -d '2150-01-02 03:04:05' "$d/times/future"
	printf 'ns\n' >"$d/times/ns"
	touch -d '2020-01-01 12:00:00.123456789' "$d/times/ns"
	find "$d" -mindepth 1 -depth -type d -exec touch -d '2011-02-03 04:05:06' {} +
}

# The source and xorriso's extraction live on tmpfs: ext4 here holds
# neither 64 KiB xattr values nor hundreds of xattrs on one file.
mount_tmpfs "$T/src" 64m
mount_tmpfs "$T/xorriso" 64m
make_corpus "$T/src"
start_burnfs
timeout 120 cp -a "$T/src/." "$MNT/staging/" || fail "cp -a into staging/ failed"
assert_same_full "$T/src" "$MNT/staging" "source and staging/ before the commit"
ctl_ok commit 250
stop_burnfs

rm -rf "$CACHE"
start_burnfs
assert_eq "$(pending)" "" "pending on a fresh mount"
assert_eq "$(st damaged_entries)" 0 "damaged_entries"
assert_same_full "$T/src" "$MNT/staging" "source and staging/ after a mount with an empty cache"
assert_same_full "$T/src" "$MNT/sessions/1" "source and sessions/1"
acls() { (cd "$1" && find . ! -type l -print0 | sort -z | xargs -0 getfacl -n 2>/dev/null); }
acls "$T/src" >"$T/acl.src"
acls "$MNT/staging" >"$T/acl.mnt"
grep -q '^user:1234:r-x' "$T/acl.src" || fail "getfacl shows no ACL in the source"
diff -u "$T/acl.src" "$T/acl.mnt" >&2 || fail "getfacl differs"
stop_burnfs

# xorriso's own reader, with ACLs, xattrs of every namespace, hard links
# and device files. Its extraction restores no socket, no xattrs and times
# of symlinks, and the group bits of a folder with an ACL from its group
# entry rather than the mask (it does that with its own images too): those
# are checked on the image with xorriso's -getfacl/-getfattr instead.
timeout -k 5 120 xorriso -osirrox on:device_files -acl on -xattr any -hardlinks on \
	-indev "stdio:$IMG" -extract / "$T/xorriso" >"$T/xorriso.log" 2>&1 ||
	{ tail -20 "$T/xorriso.log" >&2; fail "xorriso -extract failed"; }
xorriso_view() {
	MANIFEST_NO_LINK_MTIME=1 full_manifest "$1" |
		grep -v -e '^\./special/sock ' -e '^\./acl/sub ' |
		sed -E 's#^(\S+ l .*) xattrs=.*#\1 xattrs=#'
}
xorriso_view "$T/src" >"$T/x.src"
xorriso_view "$T/xorriso" >"$T/x.out"
diff -u "$T/x.src" "$T/x.out" >&2 || fail "source and xorriso's extraction differ"
timeout -k 5 60 xorriso -acl on -xattr any -indev "stdio:$IMG" -getfacl /acl/sub -- \
	-getfattr /links/up -- -lsdl /acl/sub -- >"$T/xq" 2>&1 || fail "xorriso -getfacl failed"
grep -q '^mask::rwx' "$T/xq" || fail "xorriso shows another mask for /acl/sub"
grep -q '^default:group:55:r-x' "$T/xq" || fail "xorriso shows no default ACL for /acl/sub"
grep -q '^drwxrwxr-x' "$T/xq" || fail "xorriso shows other permissions for /acl/sub"
grep -q '^trusted.on-link="l"' "$T/xq" || fail "xorriso shows no xattr of the symlink"

# isoinfo (Rock Ridge): every name and mode, and content
isoinfo -R -l -i "$IMG" >"$T/isoinfo.l" 2>&1 || fail "isoinfo -R -l failed"
# (isoinfo prints no setuid bit, and 'f' for a fifo)
grep -q -- '^-rwxr-xr-x .* suid *$' "$T/isoinfo.l" || fail "isoinfo shows the setuid file otherwise"
grep -q -- '^---------- .* nomode *$' "$T/isoinfo.l" || fail "isoinfo shows the mode 000 file otherwise"
grep -q "$(printf 'n%.0s' $(seq 255))" "$T/isoinfo.l" || fail "isoinfo lacks the 255-byte name"
grep -q '^frw-r--r-- *2 .* fifo *$' "$T/isoinfo.l" || fail "isoinfo lacks the fifo"
for f in big block one links/h1 names/...x; do
	isoinfo -R -i "$IMG" -x "/$f" >"$T/x.out" 2>/dev/null
	cmp -s "$T/x.out" "$T/src/$f" || fail "isoinfo -x /$f differs from the source"
done
