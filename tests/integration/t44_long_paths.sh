#!/bin/bash
# t44_long_paths — paths inside staging/ have no limit of their own: the
# kernel's PATH_MAX bounds one call's string, not a path reached step by
# step. At a path of 4,095 bytes (and of 6,000) every call works as on a
# local folder (create, write, truncate by path, stat, chmod, chown,
# utimens, xattrs, link with nlink 2 at once, rename, symlink, mkdir,
# rmdir; fcalls.py reaches the folder by relative steps). The changes
# survive a remount (journal replay), show in pending, commit, and read back
# from the disc with an empty cache and through isoinfo.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || skip "python3 is not installed"
start_burnfs
S=$MNT/staging
mkdir "$S/a" "$S/b" "$T/ref" "$T/ref/a" "$T/ref/b"
for n in 4095 6000; do
	d=a
	[ "$n" = 4095 ] || d=b
	python3 "$LIB_DIR/fcalls.py" deep "$S/$d" "$n" >"$T/staging.$n" ||
		fail "the calls failed on staging/ at $n bytes: $(tail -3 "$T/staging.$n")"
	python3 "$LIB_DIR/fcalls.py" deep "$T/ref/$d" "$n" >"$T/local.$n" ||
		fail "the calls failed on the local folder at $n bytes"
	diff -u "$T/local.$n" "$T/staging.$n" >&2 || fail "staging/ and the local folder differ at $n bytes"
	grep -qx "path of $n bytes, name of [0-9]*" "$T/staging.$n" || fail "no path of $n bytes: $(head -1 "$T/staging.$n")"
	grep -qx 'nlink: 2' "$T/staging.$n" || fail "nlink right after link at $n bytes"
done

# deep_read DIR: the deepest file's stat and content, reached step by step
deep_read() {
	python3 - "$1" <<'PY'
import os, sys
os.chdir(sys.argv[1])
while True:
    subs = [e for e in os.listdir(".") if os.path.isdir(e)]
    if not subs:
        break
    os.chdir(subs[0])
name = [e for e in os.listdir(".") if e.startswith("f")][0]
st = os.stat(name)
print(len(os.path.join(sys.argv[1], os.getcwd())), oct(st.st_mode), st.st_uid,
      st.st_gid, open(name, "rb").read())
PY
}
want=$(deep_read "$S/a")
stop_burnfs
start_burnfs   # the same cache: the journal's long paths replay
assert_eq "$(deep_read "$S/a")" "$want" "the deepest file after a remount"
pending | awk '{ print length($2) }' | sort -n | tail -1 >"$T/longest"
[ "$(cat "$T/longest")" -ge 6000 ] || fail "pending shows no path of 6,000 bytes (longest $(cat "$T/longest"))"
ctl_ok commit
stop_burnfs
CACHE=$T/cache2
start_burnfs
assert_eq "$(deep_read "$S/a")" "$want" "the deepest file from the disc, empty cache"
# xorriso refuses paths over 4,096 bytes itself; isoinfo reads the file
# (isoinfo 3.02 then overflows a buffer of its own on the deeper folders
# and aborts: its output counts, not its status)
deep=$( { isoinfo -R -l -i "$IMG" 2>/dev/null || true; } | awk '
	/^Directory listing of \/a\// { d = $4 }
	/ f+ *$/ { if (d != "") { print d $NF; exit } }')
[ "${#deep}" = 4096 ] || fail "isoinfo lists no file 4,095 bytes below the root: '${deep:0:80}...'"
timeout -k 5 60 isoinfo -R -i "$IMG" -x "$deep" >"$T/deep.out" 2>/dev/null || true
assert_eq "$(cat "$T/deep.out")" dee "the deep file's content through isoinfo"
