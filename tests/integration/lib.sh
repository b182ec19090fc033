# lib.sh — shared helpers for the burnfs integration tests (bash).
#
# Each test script starts with
#     . "$(dirname "$0")/lib.sh"
# and then gets: its own temp folder $T (image $IMG, mount point $MNT, cache
# $CACHE), a cleanup trap (unmount, stop the daemon, check its log for
# sanitizer reports, remove $T), a watchdog, and helpers to drive burnfs and
# to check the image with readers this project did not write (xorriso,
# isoinfo, bsdtar, fuseiso).
#
# Environment: BURNFS (the daemon; default: build/src/fs/burnfs beside the
# sources), SRCDIR, TEST_LIMIT (seconds before the watchdog fails the test,
# default 270), KEEP=1 (keep $T for inspection), BURNFS_TEST_TMP (where $T is
# made, default /var/tmp: always on disk, never tmpfs).
#
# Exit status: 0 pass, 1 fail, 77 skip (no /dev/fuse, not root, tool missing).

set -eEuo pipefail
# Under pipefail a reader that quits early (grep -q, head) can kill its writer
# with SIGPIPE and fail the pipe, or hide a failure behind `! pipe` or
# `pipe && fail`: readers at the end of a pipe read all of it
# (grep >/dev/null, sed -n 1p), or grep -q reads a here-string.
shopt -s inherit_errexit 2>/dev/null || true

# Messages and sort order must not depend on the caller's locale; the daemon
# also runs under LC_ALL=C, where libisofs takes the local charset to be
# ASCII and turns every non-ASCII byte of a Joliet name into '_' unless burnfs
# sets it to UTF-8 itself (src/disc/lib.c does).
export LC_ALL=C
unset LANG LANGUAGE

TEST_NAME=$(basename "$0" .sh)
LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRCDIR=${SRCDIR:-$(cd "$LIB_DIR/../.." && pwd)}
BURNFS=${BURNFS:-$SRCDIR/build/src/fs/burnfs}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

note() { printf '# %s\n' "$*"; }
fail() {
	printf 'FAIL: %s: %s\n' "$TEST_NAME" "$*" >&2
	exit 1
}
skip() {
	printf 'SKIP: %s: %s\n' "$TEST_NAME" "$*" >&2
	exit 77
}

# --- preconditions ---------------------------------------------------------

[ -e /dev/fuse ] || skip "/dev/fuse is missing"
[ "$(id -u)" = 0 ] || skip "needs root (chown, xattrs, fuse)"
for tool in fusermount3 mountpoint timeout xorriso isoinfo bsdtar fuseiso \
	rsync setfattr getfattr sha256sum cmp; do
	command -v "$tool" >/dev/null || skip "$tool is not installed (scripts/setup.sh)"
done
[ -x "$BURNFS" ] || fail "BURNFS=$BURNFS is not an executable (build first)"

# --- temp folder, watchdog, cleanup -----------------------------------------

T=$(mktemp -d "${BURNFS_TEST_TMP:-/var/tmp}/burnfs-$TEST_NAME.XXXXXX")
IMG=$T/img.iso
MNT=$T/mnt
CACHE=$T/cache
LOG=$T/daemon.log
mkdir -p "$MNT"
: >"$LOG"
DAEMON_PID=
EXTRA_MOUNTS=()   # fuseiso and second burnfs mounts to take down at exit
EXTRA_TMPFS=()    # file systems a test mounted itself (tmpfs), lazily unmounted
BG_PIDS=()        # background helpers (commits in flight) to reap at exit
KERNEL_MOUNTS=()  # tmpfs and loop file systems a test made, taken down at
                  # exit after the daemon (see mount_small_fs)
LOOP_DEVS=()      # loop devices a test set up (make_loop_device), detached
                  # last

# The watchdog keeps no pipe of the caller's open (meson waits for those);
# cleanup prints what it wrote. Never use a bare `wait`: it waits for it.
(
	exec >/dev/null 2>&1 </dev/null
	sleep "${TEST_LIMIT:-270}" &
	trap 'kill $! 2>/dev/null; exit 0' TERM
	wait $!
	echo "FAIL: $TEST_NAME: watchdog: the test ran longer than ${TEST_LIMIT:-270}s" >"$T/watchdog"
	kill -TERM $$
) &
WATCHDOG_PID=$!

is_mounted() { grep -qs " $1 " /proc/self/mounts; }

unmount_any() {
	local m=$1 i
	is_mounted "$m" || return 0
	timeout -k 2 20 fusermount3 -u "$m" 2>/dev/null ||
		timeout -k 2 20 fusermount3 -uz "$m" 2>/dev/null ||
		umount -l "$m" 2>/dev/null || true   # a tmpfs (mount_tmpfs)
	for ((i = 0; i < 100; i++)); do
		is_mounted "$m" || return 0
		sleep 0.1
	done
	return 1
}

# Print sanitizer reports found in the daemon log; status 0 when there is one.
sanitizer_report() {
	grep -E -A30 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer|ERROR: UndefinedBehaviorSanitizer' "$LOG" 2>/dev/null | sed -n 1,60p
}

# lingering_daemons: burnfs processes on this test's files that still run
# (once everything is unmounted, every daemon must exit: one that hangs at
# exit keeps its image locked).
lingering_daemons() {
	local exe p
	exe=$(readlink -f "$BURNFS")
	for p in $(pgrep -f -- "$T/" || true); do
		[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$exe" ] && echo "$p"
	done
	return 0
}

# no_lingering_daemons: wait up to 30 s for them; kill what is left, status 1.
no_lingering_daemons() {
	local i p
	for ((i = 0; i < 300; i++)); do
		p=$(lingering_daemons)
		[ -z "$p" ] && return 0
		sleep 0.1
	done
	echo "FAIL: $TEST_NAME: burnfs still running 30 s after its unmount (pid $p)" >&2
	for i in $p; do
		cat "/proc/$i/task/"*/stack 2>/dev/null | head -5 >&2
		kill -KILL "$i" 2>/dev/null
	done
	return 1
}

cleanup() {
	local rc=$? m p
	set +eE
	trap - ERR
	kill "$WATCHDOG_PID" 2>/dev/null
	for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for m in "${EXTRA_MOUNTS[@]}"; do unmount_any "$m"; done
	unmount_any "$MNT"
	for m in "${EXTRA_TMPFS[@]}"; do umount -l "$m" 2>/dev/null; done
	if [ -n "$DAEMON_PID" ]; then
		wait_pid_exit "$DAEMON_PID" 20 || kill -KILL "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
	fi
	for m in "${KERNEL_MOUNTS[@]}"; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
	for m in "${LOOP_DEVS[@]}"; do losetup -d "$m" 2>/dev/null; done
	if ! no_lingering_daemons && [ "$rc" = 0 ]; then
		rc=1
	fi
	if sanitizer_report >/dev/null; then
		echo "FAIL: $TEST_NAME: sanitizer report in the daemon log:" >&2
		sanitizer_report >&2
		rc=1
	fi
	[ -s "$T/watchdog" ] && cat "$T/watchdog" >&2
	if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
		echo "--- last lines of the daemon log ($LOG) ---" >&2
		tail -n 40 "$LOG" >&2
		echo "--- end of daemon log ---" >&2
	fi
	if [ "${KEEP:-0}" = 1 ]; then
		echo "# kept $T" >&2
	elif ! grep -qs " $T/" /proc/self/mounts; then
		rm -rf "$T"
	else
		echo "# $T still has mounts; not removed" >&2
	fi
	[ "$rc" = 0 ] && echo "PASS: $TEST_NAME"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
trap '[ "$BASHPID" = $$ ] && echo "FAIL: $TEST_NAME: line $LINENO: command failed (status $?): $BASH_COMMAND" >&2' ERR

# wait_pid_exit PID SECONDS: poll until PID is gone; status 1 on timeout.
wait_pid_exit() {
	local pid=$1 n=$(($2 * 10)) i
	for ((i = 0; i < n; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# mount_small_fs TYPE SIZE DIR: a small file system of TYPE (tmpfs, or ext4
# made with mkfs.ext4 on a file in $T and mounted through a loop device) at
# DIR, taken down at exit. Skips the test when it cannot be made.
mount_small_fs() {
	local type=$1 size=$2 dir=$3
	mkdir -p "$dir"
	case $type in
	tmpfs)
		mount -t tmpfs -o "size=$size,mode=0755" tmpfs "$dir" ||
			skip "cannot mount a tmpfs" ;;
	ext4)
		command -v mkfs.ext4 >/dev/null || skip "mkfs.ext4 is not installed"
		truncate -s "$size" "$T/ext4.img"
		mkfs.ext4 -q -F "$T/ext4.img" >/dev/null 2>&1 || skip "mkfs.ext4 failed"
		mount -o loop "$T/ext4.img" "$dir" || skip "cannot mount a loop device" ;;
	*) fail "mount_small_fs: unknown type $type" ;;
	esac
	KERNEL_MOUNTS+=("$dir")
}

# make_loop_device SIZE [FILE]: a loop block device over a new zeroed
# (sparse) file of SIZE, FILE or one in $T, detached at exit; its path in
# LOOP_DEV. Skips the test when the machine gives none.
make_loop_device() {
	local file=${2:-$T/loop${#LOOP_DEVS[@]}.img}
	command -v losetup >/dev/null || skip "losetup is not installed"
	truncate -s "$1" "$file"
	LOOP_DEV=$(losetup -f --show "$file" 2>/dev/null) ||
		skip "cannot set up a loop device"
	LOOP_DEVS+=("$LOOP_DEV")
}

# --- errno names --------------------------------------------------------------

errno_text() {
	case $1 in
	EINVAL) echo "Invalid argument" ;;
	EBUSY) echo "Device or resource busy" ;;
	ENOSPC) echo "No space left on device" ;;
	EROFS) echo "Read-only file system" ;;
	ENOMEDIUM) echo "No medium found" ;;
	EIO) echo "Input/output error" ;;
	ECANCELED) echo "Operation canceled" ;;
	ENAMETOOLONG) echo "File name too long" ;;
	ENOTEMPTY) echo "Directory not empty" ;;
	EACCES) echo "Permission denied" ;;
	EPERM) echo "Operation not permitted" ;;
	ENOENT) echo "No such file or directory" ;;
	EEXIST) echo "File exists" ;;
	EFBIG) echo "File too large" ;;
	EXDEV) echo "Invalid cross-device link" ;;
	ESTALE) echo "Stale file handle" ;;
	EOPNOTSUPP) echo "Operation not supported" ;;
	ENOMEM) echo "Cannot allocate memory" ;;
	*) fail "errno_text: unknown name $1" ;;
	esac
}

errno_name() {
	local e
	for e in EINVAL EBUSY ENOSPC EROFS ENOMEDIUM EIO ECANCELED ENAMETOOLONG \
		ENOTEMPTY EACCES EPERM ENOENT EEXIST EFBIG EXDEV ESTALE EOPNOTSUPP \
		ENOMEM; do
		case $1 in *"$(errno_text "$e")"*) echo "$e"; return 0 ;; esac
	done
	echo "OTHER($1)"
}

# expect_errno ENAME CMD...: CMD must fail, and its message must carry the
# strerror text of ENAME (all tools here print strerror under LC_ALL=C).
expect_errno() {
	local want=$1 out rc=0
	shift
	out=$(timeout -k 5 60 "$@" 2>&1) || rc=$?
	[ "$rc" != 0 ] || fail "expected $want from '$*', but it succeeded"
	[ "$rc" != 124 ] || fail "'$*' timed out"
	case $out in
	*"$(errno_text "$want")"*) ;;
	*) fail "expected $want from '$*', got: $out" ;;
	esac
}

# --- the daemon -----------------------------------------------------------------

# wait_mounted MNT [PID]: poll (bounded) until MNT is a mount with a control
# file; fail at once if PID (the daemon) died first.
wait_mounted() {
	local m=$1 pid=${2:-} i
	for ((i = 0; i < 300; i++)); do
		if is_mounted "$m" && [ -e "$m/control" ]; then
			return 0
		fi
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
			fail "burnfs exited before the mount was ready (see log)"
		fi
		sleep 0.1
	done
	fail "$m not mounted 30 s after starting burnfs"
}

# start_burnfs [BURNFS ARGS...]: mount $IMG on $MNT with cache $CACHE (an
# empty CACHE: burnfs's default folder), in the foreground, in the
# background; extra args (e.g. -o capacity=20M) go before TARGET. Returns
# when the mount is ready.
start_burnfs() {
	local cache_opt=()
	[ -z "$DAEMON_PID" ] || fail "start_burnfs: a daemon is already running"
	[ -n "$CACHE" ] && cache_opt=(-o "cache=$CACHE")
	echo "=== start: burnfs -f ${cache_opt[*]} $* $IMG $MNT" >>"$LOG"
	"$BURNFS" -f "${cache_opt[@]}" "$@" "$IMG" "$MNT" >>"$LOG" 2>&1 </dev/null &
	DAEMON_PID=$!
	wait_mounted "$MNT" "$DAEMON_PID"
}

# stop_burnfs: unmount, wait for the daemon, require exit status 0 and a log
# without sanitizer reports.
stop_burnfs() {
	local rc=0
	[ -n "$DAEMON_PID" ] || fail "stop_burnfs: no daemon"
	timeout -k 2 30 fusermount3 -u "$MNT" || fail "fusermount3 -u $MNT failed"
	wait_pid_exit "$DAEMON_PID" 30 || fail "burnfs still running 30 s after unmount"
	wait "$DAEMON_PID" || rc=$?
	DAEMON_PID=
	[ "$rc" = 0 ] || fail "burnfs exited with status $rc after unmount"
	check_log
}

# expect_refused_says PATTERN BURNFS-ARGS...: burnfs (without -f) must exit
# non-zero at once with one line on stderr matching PATTERN (grep -E), and
# mount nothing (see refused_run).
expect_refused_says() {
	local pat=$1
	shift
	refused_run "burnfs $*" "$@"
	grep -E "$pat" <<<"$REFUSAL" >/dev/null || fail "burnfs $*: '$REFUSAL' does not say '$pat'"
}

# kill9_while_writing MIB: start a commit (of about MIB MiB) in the
# background and kill -9 the daemon once its write has begun (bytes_done
# above 0), then collect the writer (CTL_ERRNO). Skips the test with a
# note when the commit ends before it is seen running or before the kill.
kill9_while_writing() {
	local done_b=0 i
	ctl_bg commit
	catch_state committing 30 || skip "the commit of $1 MiB ended before it was seen running (raise BIG_MB)"
	for ((i = 0; i < 200; i++)); do
		done_b=$(st bytes_done)
		[ "$done_b" -gt 0 ] && break
		sleep 0.05
	done
	[ "$(st state)" = committing ] || skip "the commit ended before the kill (raise BIG_MB)"
	note "killing burnfs at bytes_done=$done_b of $(st bytes_total)"
	kill9_burnfs
	ctl_wait
}

# kill9_burnfs: kill -9 the daemon and take down its dead mount.
kill9_burnfs() {
	[ -n "$DAEMON_PID" ] || fail "kill9_burnfs: no daemon"
	kill -KILL "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null || true
	DAEMON_PID=
	echo "=== killed with SIGKILL" >>"$LOG"
	timeout -k 2 20 fusermount3 -uz "$MNT" || fail "fusermount3 -uz of the dead mount failed"
	! is_mounted "$MNT" || fail "$MNT still mounted after fusermount3 -uz"
}

check_log() {
	if sanitizer_report >/dev/null; then
		sanitizer_report >&2
		fail "sanitizer report in the daemon log"
	fi
}

# --- control ----------------------------------------------------------------------

# ctl CMD [TIMEOUT]: write CMD (with a newline) to control in one write. Sets
# CTL_ERRNO to "" on success, else to the errno name (EINVAL, EBUSY, ...).
ctl() {
	local out rc=0
	CTL_ERRNO=
	out=$(timeout -k 5 "${2:-200}" bash -c 'printf "%s\n" "$1" >"$2"' ctl "$1" "$MNT/control" 2>&1) || rc=$?
	[ "$rc" = 0 ] && return 0
	[ "$rc" != 124 ] && [ "$rc" != 137 ] || fail "control command '$1' did not return in ${2:-200}s"
	CTL_ERRNO=$(errno_name "$out")
}

# ctl_ok CMD [TIMEOUT]: the command must succeed and last_result must be ok.
ctl_ok() {
	ctl "$@"
	[ -z "$CTL_ERRNO" ] || fail "'$1' failed with $CTL_ERRNO; last_result: $(st last_result)"
	[ "$(st last_result)" = ok ] || fail "'$1' succeeded but last_result is '$(st last_result)'"
}

# ctl_fail ENAME CMD [TIMEOUT]: the write must fail with ENAME and
# last_result must start with "error:".
ctl_fail() {
	local want=$1
	shift
	ctl "$@"
	[ -n "$CTL_ERRNO" ] || fail "'$1' succeeded; expected $want"
	[ "$CTL_ERRNO" = "$want" ] || fail "'$1' failed with $CTL_ERRNO; expected $want ($(st last_result))"
	case $(st last_result) in
	"error: "?*) ;;
	*) fail "'$1' failed with $want but last_result is '$(st last_result)'" ;;
	esac
}

# ctl_bg CMD: start a control command in the background; ctl_wait collects
# it and sets CTL_ERRNO like ctl.
ctl_bg() {
	CTL_BG_OUT=$T/ctl_bg.$RANDOM
	(
		rc=0
		# A handled SIGINT interrupts the waiting write (FUSE INTERRUPT),
		# which must not abort the command; see ctl_bg_interrupt.
		timeout -k 5 240 bash -c 'trap ": interrupted" INT; printf "%s\n" "$1" >"$2"' \
			"ctl-bg-$TEST_NAME" "$1" "$MNT/control" >"$CTL_BG_OUT" 2>&1 || rc=$?
		echo "$rc" >"$CTL_BG_OUT.rc"
	) &
	CTL_BG_PID=$!
	BG_PIDS+=("$CTL_BG_PID")
}

# Interrupt the background command's waiting write, as Ctrl-C would (the
# job goes on: only a write to $MNT/abort aborts it). Status 1 when that
# command has already returned (its job ended first).
ctl_bg_interrupt() { pkill -INT -f "^bash -c .* ctl-bg-$TEST_NAME "; }
ctl_bg_running() { kill -0 "$CTL_BG_PID" 2>/dev/null; }

ctl_wait() {
	local rc
	wait "$CTL_BG_PID" || true
	rc=$(cat "$CTL_BG_OUT.rc")
	[ "$rc" != 124 ] && [ "$rc" != 137 ] || fail "background control command did not return"
	CTL_ERRNO=
	[ "$rc" = 0 ] || CTL_ERRNO=$(errno_name "$(cat "$CTL_BG_OUT")")
}

# status: the whole control file; st KEY: one value (exactly one line required).
status() { timeout -k 2 10 cat "$MNT/control"; }
st() {
	local s n
	s=$(status) || fail "reading control failed"
	n=$(printf '%s\n' "$s" | grep -c "^$1: " || true)
	[ "$n" = 1 ] || fail "status key '$1' appears $n times in: $s"
	printf '%s\n' "$s" | sed -n "s/^$1: //p"
}

# wait_state STATE [SECONDS]: poll status until state is STATE.
wait_state() {
	local i n=$((${2:-30} * 20))
	for ((i = 0; i < n; i++)); do
		[ "$(st state)" = "$1" ] && return 0
		sleep 0.05
	done
	fail "state did not become $1 within ${2:-30}s (now: $(st state))"
}

# catch_state STATE [SECONDS]: like wait_state, for the job ctl_bg started,
# but status 1 instead of a failure when that job returned before STATE was
# seen: on a fast machine a commit can be over before the first poll. The
# caller then feeds more data, or skips what needs the running job with a
# note; it never fails for speed.
catch_state() {
	local i n=$((${2:-30} * 20))
	for ((i = 0; i < n; i++)); do
		[ "$(st state)" = "$1" ] && return 0
		ctl_bg_running || return 1
		sleep 0.05
	done
	fail "state did not become $1 within ${2:-30}s (now: $(st state))"
}

pending() { timeout -k 2 10 cat "$MNT/pending"; }

# pending_paths: the paths named in pending, one per line, sorted (an R line
# gives both names); leading "/" and "./" removed.
pending_norm() {
	pending | sed -E 's#^([AMDR]) +/?(\./)?#\1 #; s# -> /?(\./)?# -> #'
}

# --- assertions ---------------------------------------------------------------------

assert_eq() {
	[ "$1" = "$2" ] || fail "${3:-values differ}: got '$1', expected '$2'"
}

assert_int_between() {
	local v=$1 lo=$2 hi=$3 what=${4:-value}
	[[ $v =~ ^[0-9]+$ ]] || fail "$what is not an integer: '$v'"
	[ "$v" -ge "$lo" ] && [ "$v" -le "$hi" ] || fail "$what=$v not in [$lo, $hi]"
}

assert_same_tree() {
	local a=$1 b=$2 what=${3:-trees}
	tree_manifest "$a" >"$T/manifest.a"
	tree_manifest "$b" >"$T/manifest.b"
	[ -s "$T/manifest.a" ] || [ -s "$T/manifest.b" ] || true
	if ! diff -u "$T/manifest.a" "$T/manifest.b" >"$T/manifest.diff"; then
		head -60 "$T/manifest.diff" >&2
		fail "$what differ ($a vs $b)"
	fi
}

# --- trees ----------------------------------------------------------------------------

# tree_manifest DIR: one line per entry below DIR (not DIR itself), sorted by
# path: type, path, then for folders mode, owner and mtime (seconds); for
# files mode, owner, size, mtime and sha256; for symlinks the target (no
# mtime: extractors do not restore symlink times). MANIFEST_NO_DIR_MTIME=1
# leaves folder mtimes out.
tree_manifest() {
	(
		cd "$1" || exit 1
		find . -mindepth 1 -print0 | sort -z | while IFS= read -r -d '' p; do
			if ! info=$(stat -c '%F|%a|%u:%g|%s|%Y' -- "$p" 2>&1); then
				printf '! %s stat failed: %s\n' "$p" "$info"
				continue
			fi
			# shellcheck disable=SC2046
			set -- $(printf '%s' "$info" | tr ' |' '_ ')
			case $1 in
			directory)
				if [ "${MANIFEST_NO_DIR_MTIME:-0}" = 1 ]; then
					printf 'd %s %s %s\n' "$p" "$2" "$3"
				else
					printf 'd %s %s %s %s\n' "$p" "$2" "$3" "$5"
				fi ;;
			regular_file | regular_empty_file)
				printf 'f %s %s %s %s %s %s\n' "$p" "$2" "$3" "$4" "$5" \
					"$(sha256sum <"$p" | cut -c1-64)" ;;
			symbolic_link)
				printf 'l %s -> %s\n' "$p" "$(readlink -- "$p")" ;;
			*)
				printf '? %s %s\n' "$p" "$1" ;;
			esac
		done
	)
}

# make_tree DIR: the standard test tree: nested and empty folders, an empty
# file, a 5 MB random file, symlinks, non-ASCII names, a 180-byte name, modes
# 0600/0750, old mtimes, a hard link pair and a user.* xattr.
LONG180=$(printf 'L%.0s' $(seq 180))
UNAME=$'\xc3\xa9t\xc3\xa9-\xe5\x90\x8d\xe5\x89\x8d.txt'   # "été-名前.txt" in UTF-8
make_tree() {
	local d=$1
	mkdir -p "$d/docs/nested/deep" "$d/docs/nested/empty" "$d/emptydir" "$d/private"
	printf 'hello burnfs\n' >"$d/docs/a.txt"
	printf 'second file\n' >"$d/docs/b.txt"
	head -c 3000 /dev/urandom >"$d/docs/nested/deep/x.bin"
	: >"$d/empty.txt"
	head -c 5000000 /dev/urandom >"$d/big.bin"
	printf 'unicode\n' >"$d/$UNAME"
	printf 'long name\n' >"$d/$LONG180"
	printf 'with space\n' >"$d/with space & 'quote'.txt"
	printf 'secret\n' >"$d/private/secret.txt"
	printf 'hard\n' >"$d/docs/hl1"
	ln "$d/docs/hl1" "$d/docs/hl2"
	ln -s docs/a.txt "$d/link"
	ln -s ../nowhere "$d/docs/dangling"
	setfattr -n user.comment -v 'tree file' "$d/docs/b.txt"
	chmod 0600 "$d/private/secret.txt"
	chmod 0750 "$d/private"
	chmod 0755 "$d/docs/nested/deep/x.bin"
	touch -d '2001-02-03 04:05:06' "$d/docs/a.txt" "$d/big.bin"
	touch -d '1995-06-07 08:09:10' "$d/$UNAME"
	touch -h -d '2002-01-01 00:00:00' "$d/link"
	# folders last, deepest first, so writing into them does not move them on
	find "$d" -mindepth 1 -depth -type d -exec touch -d '2010-05-06 07:08:09' {} +
	touch -d '2003-03-03 03:03:03' "$d/private"
}

# --- image readers (not written by this project) -------------------------------------

# toc_sessions IMG: the number of sessions xorriso finds (0 for blank/missing).
# IMG may be a block device (whose size test -s does not see).
toc_sessions() {
	[ -s "$1" ] || [ -b "$1" ] || { echo 0; return 0; }
	timeout -k 5 60 xorriso -indev "stdio:$1" -toc 2>&1 | grep -c '^ISO session' || true
}

# check_md5 IMG [SESSION]: xorriso checks the session MD5 and every file's MD5.
check_md5() {
	local img=$1 load=() out
	[ -n "${2:-}" ] && load=(-load session "$2")
	out=$(timeout -k 5 120 xorriso -md5 on "${load[@]}" -indev "stdio:$img" \
		-check_md5 FAILURE -- -check_md5_r FAILURE / -- 2>&1) ||
		{ printf '%s\n' "$out" | tail -20 >&2; fail "xorriso -check_md5 failed on $img ${2:+session $2}"; }
	case $out in
	*"session data match recorded md5"*) ;;
	*) printf '%s\n' "$out" | tail -20 >&2; fail "no session MD5 recorded/matched in $img" ;;
	esac
}

# xorriso_extract IMG DIR [SESSION]: extract a session's tree (default the
# newest) with xorriso, hard links and xattrs included.
xorriso_extract() {
	local img=$1 dir=$2 load=()
	[ -n "${3:-}" ] && load=(-load session "$3")
	mkdir -p "$dir"
	timeout -k 5 120 xorriso "${load[@]}" -osirrox on -hardlinks on -xattr on \
		-indev "stdio:$img" -extract / "$dir" >"$T/xorriso.extract.log" 2>&1 ||
		{ tail -20 "$T/xorriso.extract.log" >&2; fail "xorriso -extract failed"; }
}

# bsdtar_extract IMG DIR: single-session images only (Debian 12's libarchive
# fails on multisession images with "Invalid parameter in SUSP CE").
bsdtar_extract() {
	mkdir -p "$2"
	timeout -k 5 120 bsdtar -xf "$1" -C "$2" || fail "bsdtar -xf $1 failed"
}

# fuseiso_mount IMG DIR / fuseiso_umount DIR: fuseiso shows the newest
# session, but it prefers the Joliet tree when there is one (burnfs writes
# Joliet by default), so it loses Rock Ridge modes, owners, symlinks and long
# names there; the tests therefore compare multisession images through
# xorriso's extraction (assert_newest_session_is), not through fuseiso.
fuseiso_mount() {
	mkdir -p "$2"
	timeout -k 5 30 fuseiso "$1" "$2" >/dev/null 2>&1 </dev/null || fail "fuseiso $1 failed"
	EXTRA_MOUNTS+=("$2")
	is_mounted "$2" || fail "fuseiso did not mount $2"
}
fuseiso_umount() { unmount_any "$1" || fail "cannot unmount $1"; }

# assert_newest_session_is IMG DIR [WHAT]: the newest session, extracted by
# xorriso (Rock Ridge, hard links, xattrs), equals DIR entry by entry.
assert_newest_session_is() {
	local img=$1 dir=$2 what=${3:-newest session (xorriso -extract)}
	rm -rf "$T/newest"
	xorriso_extract "$img" "$T/newest"
	assert_same_tree "$dir" "$T/newest" "$what"
	rm -rf "$T/newest"
}

# lba_of IMG PATH: first data block of PATH in the newest session.
lba_of() {
	timeout -k 5 60 xorriso -indev "stdio:$1" -find "$2" -exec report_lba -- 2>/dev/null |
		awk -F, '/^File data lba:/ { gsub(/ /, "", $2); print $2; exit }'
}

file_size() { stat -c %s -- "$1"; }
sha() { sha256sum <"$1" | cut -c1-64; }
xattr_get() { getfattr --absolute-names --only-values -n "$2" -- "$1"; }

# make_big DIR N MB: N random files of MB MiB each (big1.bin ... bigN.bin),
# copied from one random source so that making them is cheap.
make_big() {
	local d=$1 n=$2 mb=$3 i hdr
	mkdir -p "$d"
	[ -s "$T/random.$mb" ] || head -c "$((mb * 1048576))" /dev/urandom >"$T/random.$mb"
	for ((i = 1; i <= n; i++)); do
		# each file differs in its first bytes, so no two are identical
		hdr="big file $i"$'\n'
		{ printf '%s' "$hdr"; head -c "$((mb * 1048576 - ${#hdr}))" "$T/random.$mb"; } >"$d/big$i.bin"
	done
}

# in_image IMG PATH: status 0 when the newest session has PATH.
in_image() {
	timeout -k 5 60 xorriso -indev "stdio:$1" -find "$2" -- 2>/dev/null | grep -xF "'$2'" >/dev/null
}

# status_settle: burnfs recomputes the pending statistics of the status
# (pending_bytes, pending_entries, free_bytes) at most every 200 ms
# (src/control/space.c), so a check right after a write waits that long.
status_settle() { sleep 0.3; }

# --- jobs and the burnfs command (t80-t89) ------------------------------------

# ptyrun ARGS...: run a command on a pseudo-terminal (see ptyrun.py).
PTYRUN=$LIB_DIR/ptyrun.py
ptyrun() { timeout -k 5 300 python3 "$PTYRUN" "$@"; }

# mount_released DIR SECONDS: poll until no process has a file or its
# working folder under DIR, which is what makes an unmount EBUSY; status 1
# when one still has after SECONDS. A process that a hang-up killed inside
# a call on the mount keeps its files open until that call returns.
mount_released() {
	local dir=$1 n=$(($2 * 20)) i l busy
	for ((i = 0; i < n; i++)); do
		busy=
		for l in /proc/[0-9]*/cwd /proc/[0-9]*/fd/*; do
			case $(readlink "$l" 2>/dev/null) in
			"$dir" | "$dir"/*) busy=$l; break ;;
			esac
		done
		[ -z "$busy" ] && return 0
		sleep 0.05
	done
	echo "# still under $dir: $busy" >&2
	return 1
}

# cli ARGS...: the burnfs command (the same binary as the daemon); sets
# CLI_RC, CLI_OUT, CLI_ERR and never fails by itself.
cli() {
	CLI_RC=0
	timeout -k 5 250 "$BURNFS" "$@" >"$T/cli.out" 2>"$T/cli.err" </dev/null || CLI_RC=$?
	CLI_OUT=$(cat "$T/cli.out")
	CLI_ERR=$(cat "$T/cli.err")
	[ "$CLI_RC" != 124 ] || fail "burnfs $* did not return"
}

# expect_cli RC ARGS...: burnfs ARGS must exit with RC.
expect_cli() {
	local want=$1
	shift
	cli "$@"
	[ "$CLI_RC" = "$want" ] || fail "burnfs $*: exit $CLI_RC, expected $want (out: $CLI_OUT; err: $CLI_ERR)"
}

# wait_job_ended [SECONDS]: poll until no job runs.
wait_job_ended() {
	local i n=$((${1:-120} * 20))
	for ((i = 0; i < n; i++)); do
		[ "$(st job_state)" != running ] && return 0
		sleep 0.05
	done
	fail "the job still runs after ${1:-120}s"
}

# stage_big DIR N MB: N files of MB MiB each into staging/DIR, from $T/big
# (made by the first call: later calls copy the same files). On this
# project's machines their commit runs for seconds; a faster one may finish
# it before a poll sees it, which callers must not take for a failure.
stage_big() {
	[ -d "$T/big" ] || make_big "$T/big" "$2" "$3"
	mkdir -p "$MNT/staging/$1"
	timeout 200 cp "$T/big/"*.bin "$MNT/staging/$1/"
}

# same_as_big DIR ROOT: ROOT/DIR holds the files of $T/big, byte for byte.
same_as_big() {
	local f
	for f in "$T/big/"*.bin; do
		cmp "$f" "$2/$1/$(basename "$f")" || fail "$1/$(basename "$f") differs in $2"
	done
}

# --- damaged and foreign images (t50-t59) ------------------------------------------

# put32 FILE OFFSET VALUE: write VALUE as an ISO 9660 both-endian 32-bit
# field (little-endian, then big-endian) at byte OFFSET of FILE.
put32() {
	python3 - "$1" "$2" "$3" <<'PY'
import struct, sys
with open(sys.argv[1], 'r+b') as f:
    f.seek(int(sys.argv[2], 0))
    v = int(sys.argv[3], 0)
    f.write(struct.pack('<I', v) + struct.pack('>I', v))
PY
}

# refused_run WHAT BURNFS-ARGS...: burnfs (daemon mode, BURNFS_LOAD_TIMEOUT
# of 5 s for its probes) must exit non-zero within 60 s with a one-line
# message and mount nothing. Sets REFUSAL to the message.
refused_run() {
	local what=$1 rc=0 lines
	shift
	BURNFS_LOAD_TIMEOUT=5 timeout -k 5 60 "$BURNFS" "$@" \
		>"$T/refused.out" 2>"$T/refused.err" </dev/null || rc=$?
	cat "$T/refused.err" >>"$LOG"
	[ "$rc" != 124 ] && [ "$rc" != 137 ] || fail "$what: burnfs did not answer within 60 s"
	if is_mounted "$MNT"; then
		unmount_any "$MNT"
		fail "$what: burnfs mounted it"
	fi
	[ "$rc" != 0 ] || fail "$what: exit status 0"
	lines=$(grep -c . "$T/refused.err" || true)
	[ "$lines" = 1 ] || { cat "$T/refused.err" >&2; fail "$what: expected a one-line message, got $lines lines"; }
	REFUSAL=$(cat "$T/refused.err")
	note "$what: refused: $REFUSAL"
}

# expect_refused TARGET WHAT: refused_run on TARGET with a cache folder of
# its own.
expect_refused() {
	refused_run "$2" -o "cache=$T/cache-refused" "$1" "$MNT"
}

# mk_start IMG / mk_commit WHAT / mk_stop WHAT: a mount of its own at $MK
# (cache $T/mk.cache, removed at mk_stop) to make a test disc with.
mk_start() {
	MK=$T/mk.mnt
	mkdir -p "$MK"
	"$BURNFS" -f -o "cache=$T/mk.cache" "$1" "$MK" >>"$LOG" 2>&1 </dev/null &
	MK_PID=$!
	wait_mounted "$MK" "$MK_PID"
}
mk_commit() { printf '%s\n' commit >"$MK/control" || fail "$1: commit failed"; }
mk_stop() {
	timeout -k 2 30 fusermount3 -u "$MK" || fail "$1: unmount failed"
	wait_pid_exit "$MK_PID" 30 || fail "$1: burnfs did not exit"
	wait "$MK_PID" || fail "$1: burnfs exited non-zero"
	rm -rf "$T/mk.cache"
}

# make_two_sessions IMG: a two-session image written by burnfs itself
# (folders, a 300 KB file, a symlink), with a private cache.
make_two_sessions() {
	mk_start "$1"
	mkdir -p "$MK/staging/d1/d2"
	printf 'one\n' >"$MK/staging/d1/one.txt"
	head -c 300000 /dev/urandom >"$MK/staging/d1/d2/data.bin"
	mk_commit "make_two_sessions: 1"
	printf 'two\n' >"$MK/staging/two.txt"
	ln -s d1/one.txt "$MK/staging/link"
	mk_commit "make_two_sessions: 2"
	mk_stop make_two_sessions
}

# make_xorriso_sessions IMG: two sessions written by xorriso (no MD5s; its
# sessions end in 300 KiB of zero padding).
make_xorriso_sessions() {
	local src=$T/xsrc
	mkdir -p "$src/d1/d2" "$src/e"
	printf 'one\n' >"$src/d1/one.txt"
	head -c 300000 /dev/urandom >"$src/d1/d2/data.bin"
	timeout 60 xorriso -outdev "stdio:$1" -map "$src/d1" /d1 -commit >/dev/null 2>&1 ||
		fail "xorriso session 1 failed"
	printf 'two\n' >"$src/e/two.txt"
	timeout 60 xorriso -dev "stdio:$1" -map "$src/e" /e -commit >/dev/null 2>&1 ||
		fail "xorriso session 2 failed"
}

# session_md5s_ok IMG N: xorriso finds session 1..N's MD5s intact.
session_md5s_ok() {
	local i
	for ((i = 1; i <= $2; i++)); do
		check_md5 "$1" "$i"
	done
}

# --- the MD5s a commit records (t90-t94) -------------------------------------------

# recorded_md5s IMG: "MD5  /path" for every file of the newest session, as
# xorriso reads them from the image's checksum array, sorted by path.
recorded_md5s() {
	timeout -k 5 120 xorriso -md5 on -indev "stdio:$1" -find / -type f -exec get_md5 -- 2>/dev/null |
		sort -k2
}

# expect_md5s IMG DIR [PREFIX]: every regular file under DIR is in the
# newest session (at PREFIX/its path) with the MD5 of DIR's copy recorded.
expect_md5s() {
	local img=$1 dir=$2 prefix=${3:-} f
	recorded_md5s "$img" >"$T/recorded.md5"
	(cd "$dir" && find . -type f | sort | while read -r f; do
		printf '%s  %s\n' "$(md5sum <"$f" | cut -c1-32)" "$prefix/${f#./}"
	done) >"$T/want.md5"
	while read -r line; do
		grep -qxF "$line" "$T/recorded.md5" || {
			grep -F "  ${line#*  }" "$T/recorded.md5" >&2 || echo "(no MD5 recorded for ${line#*  })" >&2
			fail "recorded MD5 differs from the content's: want $line"
		}
	done <"$T/want.md5"
}

# --- round trip of every kind of entry (t60-t69) ----------------------------------

# full_manifest DIR: like tree_manifest, but everything a round trip must
# keep, in every namespace and for every kind of entry (see manifest.py);
# MANIFEST_NO_LINK_MTIME=1 leaves symlinks' mtimes out.
full_manifest() {
	python3 "$LIB_DIR/manifest.py" "$1" "${MANIFEST_NO_LINK_MTIME:-0}"
}

# assert_same_full DIR_A DIR_B WHAT: full_manifest of both must be equal.
assert_same_full() {
	full_manifest "$1" >"$T/full.a"
	full_manifest "$2" >"$T/full.b"
	[ -s "$T/full.a" ] || fail "${3:-trees}: empty manifest of $1"
	if ! diff -u "$T/full.a" "$T/full.b" >"$T/full.diff"; then
		head -40 "$T/full.diff" >&2
		fail "${3:-trees} differ ($1 vs $2)"
	fi
}

# mount_tmpfs DIR SIZE: a tmpfs at DIR (made), taken down at exit. Unlike
# ext4 here, it holds xattr values of 64 KiB and hundreds of xattrs.
mount_tmpfs() {
	mkdir -p "$1"
	mount -t tmpfs -o "size=$2" tmpfs "$1" || skip "cannot mount a tmpfs"
	EXTRA_MOUNTS+=("$1")
}

# xorriso_extract_all IMG DIR: the newest session extracted by xorriso with
# ACLs, xattrs of every namespace and hard links.
xorriso_extract_all() {
	mkdir -p "$2"
	timeout -k 5 120 xorriso -osirrox on -acl on -xattr any -hardlinks on \
		-indev "stdio:$1" -extract / "$2" >"$T/xorriso.extract.log" 2>&1 ||
		{ tail -20 "$T/xorriso.extract.log" >&2; fail "xorriso -extract (ACLs, xattrs) failed"; }
}

# --- damage to the cache (t110, t115) ---------------------------------------

# journal_record_with TEXT: "offset length" of the record of $CACHE/journal
# whose body holds TEXT (the first one)
journal_record_with() {
	python3 - "$CACHE/journal" "$1" <<'EOF'
import struct, sys
b = open(sys.argv[1], 'rb').read()
pos = 0
while pos + 8 <= len(b):
    n, _ = struct.unpack_from('<II', b, pos)
    if sys.argv[2].encode() in b[pos + 8:pos + 8 + n]:
        print(pos, n)
        sys.exit(0)
    pos += 8 + n
sys.exit(1)
EOF
}

# journal_poke OFFSET BYTES_HEX: overwrite $CACHE/journal at OFFSET
journal_poke() {
	printf "$(sed 's/../\\x&/g' <<<"$2")" |
		dd of="$CACHE/journal" bs=1 seek="$1" conv=notrunc status=none
}

# stop_and_check_disc: what staging/ shows now (a commit just ended) is
# what xorriso extracts from the disc after the unmount (symlinks' own
# times aside: extractors do not restore them), and the MD5s the session
# recorded match.
stop_and_check_disc() {
	local committed
	committed=$(MANIFEST_NO_LINK_MTIME=1 full_manifest "$MNT/staging")
	stop_burnfs
	xorriso_extract_all "$IMG" "$T/x"
	assert_eq "$(MANIFEST_NO_LINK_MTIME=1 full_manifest "$T/x")" "$committed" \
		"the disc (xorriso -extract) against staging/"
	check_md5 "$IMG"
}

# --- difftest.py (t40, t107) ----------------------------------------------------------

# difftest_staged SEED OPS: difftest.py's random calls on staging/w beside
# the local folder $REF/w (set here), from a fresh mount, then a commit.
# The mount is stopped afterwards.
difftest_staged() {
	chmod 755 "$T"   # nobody's calls reach both trees
	REF=$T/ref
	mkdir -p "$REF"
	# allow_other: nobody may use the mount (default_permissions is burnfs's)
	start_burnfs -o allow_other
	python3 "$LIB_DIR/difftest.py" run "$MNT/staging/w" "$REF/w" --seed "$1" \
		--ops "$2" || fail "staging/ and the local folder differ (DIFF_SEED=$1)"
	ctl_ok commit
	stop_burnfs
}

# difftest_remounted SEED: a mount with an empty cache (everything comes
# from the disc) shows $REF/w; it stays mounted.
difftest_remounted() {
	CACHE=$T/cache2
	start_burnfs -o allow_other
	python3 "$LIB_DIR/difftest.py" compare --disc "$REF/w" "$MNT/staging/w" ||
		fail "after a remount with an empty cache, staging/ differs (DIFF_SEED=$1)"
}

# difftest_disc_matches SEED: the disc as xorriso extracts it equals $REF/w,
# and its MD5s check.
difftest_disc_matches() {
	xorriso_extract "$IMG" "$T/x"
	python3 "$LIB_DIR/difftest.py" compare --disc --extracted "$REF/w" "$T/x/w" ||
		fail "the disc (xorriso -extract) differs from the local folder (DIFF_SEED=$1)"
	check_md5 "$IMG"
}
