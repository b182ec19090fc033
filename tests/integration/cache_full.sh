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

python3 - "$S" "$MNT/pending" "$T/outcome" "$FS" <<'PY'
import errno, os, sys

S, pending, out, FS = sys.argv[1:5]
res = []

def read(p):
    with open(p, "rb") as f:
        return f.read()

def soak():
    """Take what room the file system gave back since it filled (ext4
    returns blocks it had set aside for its own metadata after
    writeback)."""
    fd = os.open(f"{FS}/filler2", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as e:
        if e.errno != errno.ENOSPC:
            raise
    os.fsync(fd)
    os.close(fd)

def until_enospc(fn, limit=300000):
    n = 0
    while n < limit:
        try:
            fn(n)
        except OSError as e:
            if e.errno != errno.ENOSPC:
                raise
            break
        n += 1
    return n

# use up the journal's room: new folders, then the smallest record there
# is, then once more after taking what the file system gave back
soak()
n = until_enospc(lambda i: os.mkdir(f"{S}/b/{i}"))
res.append(f"burned {n}")
soak()
k = until_enospc(lambda i: os.chmod(f"{S}/b", 0o700 if i % 2 else 0o755))
res.append(f"chmods {k}")

def attempt(kind, fn):
    before = read(pending)
    try:
        fn()
        res.append(f"{kind} ok")
    except OSError as e:
        same = "same" if read(pending) == before else "changed"
        res.append(f"{kind} {errno.errorcode.get(e.errno, e.errno)} {same}")

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
    name = "before.txt" if os.path.exists(f"{S}/before.txt") else "renamed2"
    fd = os.open(f"{S}/{name}", os.O_WRONLY | os.O_APPEND)
    while acked < 64 << 20:
        acked += os.write(fd, chunk)
except OSError as e:
    err = e.errno
if fd >= 0:
    os.close(fd)
res.append(f"write_acked {acked} {errno.errorcode.get(err, err)}")
with open(out, "w") as f:
    f.write("\n".join(res) + "\n")
PY
cat "$T/outcome"
burned=$(sed -n 's/^burned //p' "$T/outcome")
[ "$burned" -gt 0 ] || note "no folder could be made after the disk filled (no room kept ahead)"
# A call either fails with ENOSPC and changes nothing, or it succeeds (the
# file system found a block after all) and must then be kept like any
# other. Most must fail: the journal's room is used up.
kinds="create mkdir symlink link rename_disc rename_new chmod chown setxattr unlink rmdir write_disc truncate_disc utime"
failed() { grep -qx "$1 ENOSPC same" "$T/outcome"; }
nfail=0
for kind in $kinds; do
	line=$(grep "^$kind " "$T/outcome")
	case $line in
	"$kind ENOSPC same") nfail=$((nfail + 1)) ;;
	"$kind ok") note "$kind succeeded on the full disk: it must be kept" ;;
	*) fail "$kind on a full cache disk: $line" ;;
	esac
done
[ "$nfail" -ge 10 ] || fail "only $nfail of 14 kinds of change failed on a full cache disk"
grep -q '^write_acked [0-9]* ENOSPC$' "$T/outcome" || fail "a big write on a full cache disk: $(grep write_acked "$T/outcome")"
acked=$(sed -n 's/^write_acked \([0-9]*\) .*/\1/p' "$T/outcome")

# no trace of the failed changes in the view
no_trace() {
	local kind=$1 p
	failed "$kind" || return 0
	shift
	for p in "$@"; do
		[ ! -e "$S/$p" ] && [ ! -L "$S/$p" ] || fail "$p exists after $kind failed"
	done
}
no_trace create new_create
no_trace mkdir new_dir
no_trace symlink new_link
no_trace link new_hard
no_trace rename_disc renamed
no_trace rename_new renamed2
failed rename_disc && { [ -e "$S/disc/f2" ] || fail "disc/f2 gone after a failed rename"; }
failed rename_new && { [ -e "$S/before.txt" ] || fail "before.txt gone after a failed rename"; }
failed unlink && { [ -e "$S/disc/f5" ] || fail "disc/f5 gone after a failed unlink"; }
failed rmdir && { [ -d "$S/disc/d6" ] || fail "disc/d6 gone after a failed rmdir"; }
failed chmod && assert_eq "$(stat -c %a "$S/disc/f3")" 644 "mode of disc/f3"
failed chown && assert_eq "$(stat -c %u "$S/disc/f3")" 0 "owner of disc/f3"
failed setxattr && getfattr -n user.full "$S/disc/f4" >/dev/null 2>&1 && fail "user.full set on disc/f4"
failed write_disc && assert_eq "$(cat "$S/disc/f6")" "disc file 6" "disc/f6 after a failed write"
failed truncate_disc && assert_eq "$(cat "$S/disc/f7")" "disc file 7" "disc/f7 after a failed truncate"
failed utime && assert_eq "$(stat -c %Y "$S/disc/f8")" 1500000000 "mtime of disc/f8"
before_name=before.txt
failed rename_new || before_name=renamed2

# room again: what follows is kept too
rm -f "$FS/filler" "$FS/filler2"
mkdir "$S/after"
printf 'precious\n' >"$S/after/file"
chmod 0600 "$S/disc/f3"
pending >"$T/pending.want"
want_size=$((7 + acked))
f6=$(cat "$S/disc/f6")

check_all() {
	pending >"$T/pending.got"
	diff -u "$T/pending.want" "$T/pending.got" || fail "pending after $1"
	assert_eq "$(cat "$S/after/file")" precious "after/file after $1"
	assert_eq "$(file_size "$S/$before_name")" "$want_size" "$before_name size after $1"
	assert_eq "$(head -c 7 "$S/$before_name")" "before" "$before_name head after $1"
	assert_eq "$(cat "$S/disc/f6")" "$f6" "disc/f6 after $1"
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
assert_eq "$(file_size "$T/x/$before_name")" "$want_size" "$before_name on the disc"
assert_eq "$(find "$T/x/b" -mindepth 1 -maxdepth 1 | wc -l)" "$burned" "folders of b on the disc"
check_md5 "$IMG"
