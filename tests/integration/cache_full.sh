# cache_full.sh — the body of t70 (tmpfs) and t71 (ext4 on a loop device),
# sourced after lib.sh with FS_TYPE and FS_SIZE set: the cache lives on a
# small file system of its own, which is filled up while the mount runs.
#
# Then every kind of change must fail with ENOSPC at its own call and leave
# no trace (staging/ and pending as before), everything acknowledged before
# and after (once there is room again) must survive a kill -9 and a
# remount, and the commit must burn it. The journal keeps room allocated
# ahead of its end, so after the disk is full small changes still succeed
# for a while: the test first uses that room up with the smallest records
# there are (chmod of a one-letter name), after which every record is at
# least as big and must fail.

FS=$T/fs
mount_small_fs "$FS_TYPE" "$FS_SIZE" "$FS"
CACHE=$FS/cache
# Writes into the cache go synchronously (no write-behind) while the cache
# disk has less room than this; the whole disk is smaller.
export BURNFS_CACHE_MARGIN=256M

start_burnfs -o capacity=1G
S=$MNT/staging
mkdir "$S/disc"
for i in 1 2 3 4 5 6 7 8; do
	printf 'disc file %d\n' "$i" >"$S/disc/f$i"
	mkdir "$S/disc/d$i"
done
touch -d @1500000000 "$S/disc/f8"
ctl_ok commit
# staged before the disk fills
printf 'before\n' >"$S/before.txt"
mkdir "$S/b"

# fill the cache disk
dd if=/dev/zero of="$FS/filler" bs=64k >/dev/null 2>&1 || true
sync
avail=$(($(stat -f -c '%a * %S' "$FS")))
[ "$avail" -lt 1048576 ] || fail "the cache disk still has $avail bytes free"

python3 - "$S" "$MNT/pending" "$T/outcome" <<'PY'
import errno, os, sys

S, pending, out = sys.argv[1], sys.argv[2], sys.argv[3]
res = []

def read(p):
    with open(p, "rb") as f:
        return f.read()

# use up the journal's room: new folders, then the smallest record there is
n = 0
while n < 300000:
    try:
        os.mkdir(f"{S}/b/{n}")
    except OSError as e:
        if e.errno != errno.ENOSPC:
            raise
        break
    n += 1
res.append(f"burned {n}")
k = 0
while k < 300000:
    try:
        os.chmod(f"{S}/b", 0o700 if k % 2 else 0o755)
    except OSError as e:
        if e.errno != errno.ENOSPC:
            raise
        break
    k += 1
mode_b = os.stat(f"{S}/b").st_mode & 0o7777
res.append(f"chmods {k} {mode_b:o}")
before = read(pending)

def attempt(kind, fn):
    try:
        fn()
        res.append(f"{kind} ok")
    except OSError as e:
        res.append(f"{kind} {errno.errorcode.get(e.errno, e.errno)}")

def create():
    os.close(os.open(f"{S}/new_create", os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o644))

def write_disc():
    fd = os.open(f"{S}/disc/f6", os.O_WRONLY | os.O_APPEND)
    try:
        os.write(fd, b"more\n")
    finally:
        os.close(fd)

attempt("create", create)
attempt("mkdir", lambda: os.mkdir(f"{S}/new_dir"))
attempt("symlink", lambda: os.symlink("x", f"{S}/new_link"))
attempt("link", lambda: os.link(f"{S}/before.txt", f"{S}/new_hard"))
attempt("rename_disc", lambda: os.rename(f"{S}/disc/f2", f"{S}/renamed"))
attempt("rename_new", lambda: os.rename(f"{S}/before.txt", f"{S}/renamed2"))
attempt("chmod", lambda: os.chmod(f"{S}/disc/f3", 0o600))
attempt("chown", lambda: os.chown(f"{S}/disc/f3", 4321, 4321))
attempt("setxattr", lambda: os.setxattr(f"{S}/disc/f4", "user.full", b"1"))
attempt("unlink", lambda: os.unlink(f"{S}/disc/f5"))
attempt("rmdir", lambda: os.rmdir(f"{S}/disc/d6"))
attempt("write_disc", write_disc)
attempt("truncate_disc", lambda: os.truncate(f"{S}/disc/f7", 2))
attempt("utime", lambda: os.utime(f"{S}/disc/f8", (1, 1)))

# a staged file's data: bytes a write reports are stored, then ENOSPC
acked, err, fd = 0, 0, -1
chunk = b"z" * 65536
try:
    fd = os.open(f"{S}/before.txt", os.O_WRONLY | os.O_APPEND)
    while acked < 64 << 20:
        acked += os.write(fd, chunk)
except OSError as e:
    err = e.errno
if fd >= 0:
    os.close(fd)
res.append(f"write_acked {acked} {errno.errorcode.get(err, err)}")
res.append("pending_same " + ("yes" if read(pending) == before else "no"))
with open(out, "w") as f:
    f.write("\n".join(res) + "\n")
PY
cat "$T/outcome"
burned=$(sed -n 's/^burned //p' "$T/outcome")
[ "$burned" -gt 0 ] || note "no folder could be made after the disk filled (no room kept ahead)"
for kind in create mkdir symlink link rename_disc rename_new chmod chown setxattr \
	unlink rmdir write_disc truncate_disc utime; do
	grep -qx "$kind ENOSPC" "$T/outcome" || fail "$kind on a full cache disk: $(grep "^$kind " "$T/outcome")"
done
grep -q '^write_acked [0-9]* ENOSPC$' "$T/outcome" || fail "a big write on a full cache disk: $(grep write_acked "$T/outcome")"
acked=$(sed -n 's/^write_acked \([0-9]*\) .*/\1/p' "$T/outcome")
grep -qx 'pending_same yes' "$T/outcome" || fail "pending changed by the failed changes"

# no trace of the failed changes in the view
for p in new_create new_dir new_link new_hard renamed renamed2; do
	[ ! -e "$S/$p" ] && [ ! -L "$S/$p" ] || fail "$p exists after its call failed"
done
for p in disc/f2 disc/f5 disc/d6 before.txt; do
	[ -e "$S/$p" ] || fail "$p is gone after a failed change"
done
assert_eq "$(stat -c '%a %u' "$S/disc/f3")" "644 0" "mode and owner of disc/f3"
getfattr -n user.full "$S/disc/f4" >/dev/null 2>&1 && fail "user.full set on disc/f4"
assert_eq "$(cat "$S/disc/f6")" "disc file 6" "disc/f6 after a failed write"
assert_eq "$(cat "$S/disc/f7")" "disc file 7" "disc/f7 after a failed truncate"
assert_eq "$(stat -c %Y "$S/disc/f8")" 1500000000 "mtime of disc/f8"

# room again: what follows is kept too
rm -f "$FS/filler"
mkdir "$S/after"
printf 'precious\n' >"$S/after/file"
chmod 0600 "$S/disc/f3"
pending >"$T/pending.want"
want_size=$((7 + acked))

check_all() {
	pending >"$T/pending.got"
	diff -u "$T/pending.want" "$T/pending.got" || fail "pending after $1"
	assert_eq "$(cat "$S/after/file")" precious "after/file after $1"
	assert_eq "$(file_size "$S/before.txt")" "$want_size" "before.txt size after $1"
	assert_eq "$(head -c 7 "$S/before.txt")" "before" "before.txt head after $1"
	assert_eq "$(find "$S/b" -mindepth 1 -maxdepth 1 | wc -l)" "$burned" "folders in b after $1"
	assert_eq "$(stat -c %a "$S/disc/f3")" 600 "mode of disc/f3 after $1"
}
check_all "the disk had room again"
kill9_burnfs
start_burnfs
check_all "kill -9 and remount"
stop_burnfs
start_burnfs
check_all "a clean remount"
ctl_ok commit 240
assert_eq "$(pending)" "" "pending after the commit"
stop_burnfs
xorriso_extract "$IMG" "$T/x"
assert_eq "$(cat "$T/x/after/file")" precious "after/file on the disc"
assert_eq "$(file_size "$T/x/before.txt")" "$want_size" "before.txt on the disc"
assert_eq "$(find "$T/x/b" -mindepth 1 -maxdepth 1 | wc -l)" "$burned" "folders of b on the disc"
check_md5 "$IMG"
