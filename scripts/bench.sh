#!/bin/bash
# bench.sh — measure burnfs against its baselines, in one go on one machine
# (issue 5). Not a test: it prints figures and ratios and exits 0 unless
# something broke (a mount, a copy or a command failed); no time is asserted.
#
#   scripts/bench.sh [--quick] [--huge]
#
# Baselines, run alternately with burnfs (the order rotates every run so no
# contestant is always first), several runs each, medians reported:
#   local           a plain folder on the cache's filesystem (the physical limit)
#   fuse-overlayfs  empty lower, upper and work folders on the same filesystem
#   passthrough_ll  libfuse's example, built now from libfuse3-dev's copy
#   floorfs         scripts/bench/floorfs.c, built now: a FUSE server that
#                   keeps everything in memory and does nothing else, asked
#                   for what burnfs asks; the floor of FUSE's round trips
#                   (phase i)
#   isofloor        scripts/bench/isofloor.c, built now: the least a program
#                   on libisoburn does to add one file as a new session with
#                   burnfs's options (phase h)
#   xorriso         -for_backup (same MD5 work) -joliet on (the same image:
#                   burnfs writes Joliet by default) for the commit, -update_r
#                   for the incremental
#
# Measures (see issue 5 for the goals printed beside each ratio):
#   A  cp -r of NBIG big random files into staging/, until sync returns;
#      cp -r and rsync -a of the small-file tree into staging/ (also + sync)
#   B  commit of the whole tree (big + small) as session 1 vs xorriso
#   C  on a fresh mount of that disc: no-op rsync -a of the small tree, and
#      find -type f -exec stat over it (baselines: the files already there —
#      overlay lower layer, passthrough source, the local folder)
#   D  commit after changing 1% of the small files: time and bytes added, vs
#      the full commit and xorriso -update_r
#   E  mount of a disc holding MANY tiny files (image made by xorriso): time
#      until MNT/control exists; burnfs's VmRSS after find over staging/
#   F  commit of big files only (8 x 128 MiB staged) against what reading
#      the same bytes costs: md5sum (one MD5 pass), cat into a file + sync
#      (one read, one write), and xorriso -for_backup -joliet on (the same
#      session: file and session MD5s)
#   G  find staging -type f -exec stat {} + over a disc of WALK files
#      (folders of 1,000, image made by xorriso), fresh mount per run,
#      against the same walk over the folder the image was made from
#   H  a disc of 300,000 files (300 folders x 1,000; --huge or HUGE=1:
#      1,000,000): mount time; find -exec stat over staging/ against the
#      same over the local tree the image was made of, and VmRSS per entry
#      after it; one file added and committed against xorriso adding the
#      same file to a restored copy of the same image, and the daemon's peak
#      RSS during the commit; on a fresh mount of the result, the first walk
#      of sessions/1/ (the 300,000-file session) and the RSS it adds, and cat
#      pending after 100,000 chmods; on another fresh mount, one file added
#      and committed without a walk (the common case) and its peak RSS
#      (issue 14). isofloor adds the same file to the same image: its
#      layout and write (isoburn_prepare_disc until written) against
#      xorriso's whole run says how far below xorriso any program on these
#      libraries can go. The tree and image are made once and kept in
#      $BENCH_DIR/h-NDIRSxPERDIR/ (minutes to make; delete by hand)
#   I  small writers into an empty staging/, a local folder, fuse-overlayfs
#      and floorfs, each + sync: tar -x, unzip, cpio -p and rsync -a of
#      /usr/include (its tarball, its zip, the folder), dd bs=512 of a
#      64 MiB file (issue 14). floorfs/local says how near a FUSE file
#      system with synchronous writes can come to the local folder at all
#   J  the disc of phase h again (restored, page cache dropped): mount,
#      find -exec stat, one file added and committed, all inside a memory
#      cgroup holding the daemon, find and the kernel's caches they make:
#      J_FIT (default 4 GiB scaled from 1,000,000 files to this disc; the
#      issue's "no OOM on a 4 GB machine") and J_TIGHT (default 1.25 KiB
#      per entry, about a fresh mount's commit: the kernel must give back
#      its inodes and the daemon its copies with them). Reports whether
#      each completed, the cgroup's and the daemon's peaks and the OOM
#      kills; a daemon killed for the limit must lose nothing (checked by a
#      mount outside it). Needs root and a memory cgroup (v1 or v2); skipped
#      with a note without one
#
# Environment:
#   BURNFS     the daemon (default ./build/src/fs/burnfs, then the one beside
#              this script's repository)
#   BENCH_DIR  where temp trees, images and the results go (default
#              /var/tmp/burnfs-bench; must not be tmpfs)
#   RUNS       runs per measure (default 5, --quick 1); the machine is shared
#              and sync-bound times vary 2-3x between runs, hence the medians
#   PHASES     which of the measure groups to run (default "a b c d e f g h i j"; c
#              and d need b), e.g. PHASES=e to look at the many-file mount alone
#   KEEP=1     keep the run's folder for inspection
#   HUGE=1     the same as --huge: phase h on 1,000,000 files (about 7 GB of
#              BENCH_DIR for the tree and two copies of its 2.3 GB image)
#
# Results: stdout, and $BENCH_DIR/bench-results.txt (bench-results-quick.txt
# for --quick), ready to be pasted into the README.
#
# Nothing made during a run is deleted before the end: the machine's ext4
# creates files slowly for minutes after a mass delete, so every run of every
# contestant writes into fresh folders and everything goes at exit.

set -Eeuo pipefail
export LC_ALL=C
unset LANG LANGUAGE

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/memcg.sh
. "$HERE/bench/memcg.sh"
ROOT=$(cd "$HERE/.." && pwd)

# --- parameters -----------------------------------------------------------------

QUICK=0
HUGE=${HUGE:-0}
for arg in "$@"; do
	case $arg in
	--quick) QUICK=1 ;;
	--huge) HUGE=1 ;;
	-h | --help)
		sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$0"
		exit 0 ;;
	*)
		echo "usage: $0 [--quick] [--huge]" >&2
		exit 2 ;;
	esac
done

if [ "$QUICK" = 1 ]; then
	NBIG=4 BIGMIB=8           # 4 x 8 MiB
	NDIRS=10 PERDIR=100       # 1,000 x 4 KiB
	MANY_DIRS=10 MANY_PERDIR=1000   # 10,000 tiny files
	WALK_DIRS=30                    # 30,000 files for the stat walk
	NHASH=4 HASHMIB=16        # 4 x 16 MiB
	H_DIRS=10 H_PERDIR=1000 H_CHMOD=5000   # 10,000 tiny files, 5,000 chmods
	I_SRC=/usr/include/linux DD_MIB=8
	RUNS=${RUNS:-1}
else
	NBIG=8 BIGMIB=64          # 8 x 64 MiB
	NDIRS=100 PERDIR=100      # 10,000 x 4 KiB
	MANY_DIRS=100 MANY_PERDIR=1000  # 100,000 tiny files
	WALK_DIRS=300                   # 300,000 files for the stat walk
	NHASH=8 HASHMIB=128       # 8 x 128 MiB = 1 GiB
	H_DIRS=300 H_PERDIR=1000 H_CHMOD=100000   # 300,000 tiny files
	I_SRC=/usr/include DD_MIB=64
	RUNS=${RUNS:-5}
fi
[ "$HUGE" = 1 ] && H_DIRS=1000 H_PERDIR=1000   # 1,000,000 tiny files
PHASES=${PHASES:-a b c d e f g h i j}
for p in $PHASES; do
	case $p in a | b | c | d | e | f | g | h | i | j) ;; *) echo "bench: PHASES: unknown phase '$p' (a b c d e f g h i j)" >&2; exit 2 ;; esac
done
case " $PHASES " in
*" c "* | *" d "*) case " $PHASES " in *" b "*) ;; *) echo "bench: PHASES: c and d need b" >&2; exit 2 ;; esac ;;
esac
has_phase() { case " $PHASES " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
SMALL=4096
NSMALL=$((NDIRS * PERDIR))
NMANY=$((MANY_DIRS * MANY_PERDIR))
NWALK=$((WALK_DIRS * 1000))
NH=$((H_DIRS * H_PERDIR))
NH_ENTRIES=$((NH + H_DIRS + 1))   # files, folders and the root
CHANGE_NAME=$(printf 'f%04d' $((PERDIR / 2)))   # the 1%: this file in every folder

BENCH_DIR=${BENCH_DIR:-/var/tmp/burnfs-bench}
H_CACHE=$BENCH_DIR/h-${H_DIRS}x${H_PERDIR}
if [ "$QUICK" = 1 ]; then
	RESULTS=$BENCH_DIR/bench-results-quick.txt
else
	RESULTS=$BENCH_DIR/bench-results.txt
fi

BURNFS=${BURNFS:-./build/src/fs/burnfs}
if [ ! -x "$BURNFS" ] && [ -x "$ROOT/build/src/fs/burnfs" ]; then
	BURNFS=$ROOT/build/src/fs/burnfs
fi

note() { printf '# %s\n' "$*" >&2; }
die() {
	printf 'bench: error: %s\n' "$*" >&2
	exit 1
}

[ -x "$BURNFS" ] || die "BURNFS=$BURNFS is not an executable (build burnfs, or set BURNFS=path)"
BURNFS=$(cd "$(dirname "$BURNFS")" && pwd)/$(basename "$BURNFS")
[ -e /dev/fuse ] || die "/dev/fuse is missing"
for tool in fusermount3 fuse-overlayfs xorriso rsync cc pkg-config split awk sync stat find; do
	command -v "$tool" >/dev/null || die "$tool is not installed (fuse-overlayfs, xorriso, rsync, libfuse3-dev, gcc)"
done
if has_phase i; then
	for tool in tar zip unzip cpio dd; do
		command -v "$tool" >/dev/null || die "$tool is not installed (phase i)"
	done
fi

mkdir -p "$BENCH_DIR"
case $(stat -f -c %T "$BENCH_DIR") in
tmpfs | ramfs) die "BENCH_DIR=$BENCH_DIR is on $(stat -f -c %T "$BENCH_DIR"); use a disk filesystem" ;;
esac
need_mib=$(((NBIG * BIGMIB + NSMALL * SMALL / 1048576 + 16) * (RUNS * 5 + 2) + NHASH * HASHMIB * 4))
if has_phase h || has_phase j; then
	# the image (about 2.3 KiB per file) twice: kept and the run's copy;
	# the tree once, if not made yet (a 4 KiB block per file)
	need_mib=$((need_mib + NH * 5 / 1024 + 64))
	[ -e "$H_CACHE/done" ] || need_mib=$((need_mib + NH * 4 / 1024))
fi
if has_phase i; then
	# each run of each of 5 measures writes a copy for each of 3
	# contestants on disk (floorfs keeps its copy in memory)
	need_mib=$((need_mib + ($(du -sm "$I_SRC" | cut -f1) + DD_MIB) * 3 * 5 * RUNS))
fi
avail_mib=$(($(stat -f -c '%a * %S' "$BENCH_DIR") / 1048576))
[ "$avail_mib" -ge "$need_mib" ] ||
	die "BENCH_DIR=$BENCH_DIR has $avail_mib MiB free; this run needs about $need_mib MiB"

RUN=$(mktemp -d "$BENCH_DIR/run.XXXXXX")
LOGDIR=$RUN/logs
mkdir -p "$LOGDIR"
OUT=$RUN/results.txt
: >"$OUT"

# --- cleanup ----------------------------------------------------------------------

declare -A PID_OF=()   # mount point -> daemon pid, for every FUSE mount we made
MOUNTS=()
J_CG=   # the memory cgroup phase j is in, while it is

is_mounted() { grep -qs " $1 fuse" /proc/self/mounts; }

unmount_any() {
	local m=$1 pid=${PID_OF[$1]:-} i
	if is_mounted "$m"; then
		timeout -k 2 60 fusermount3 -u "$m" 2>/dev/null ||
			timeout -k 2 20 fusermount3 -uz "$m" 2>/dev/null || true
	fi
	if [ -n "$pid" ]; then
		for ((i = 0; i < 300; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null || true
		unset "PID_OF[$m]"
	fi
	is_mounted "$m" && return 1
	return 0
}

cleanup() {
	local rc=$? m
	set +eE
	trap - ERR
	for m in "${MOUNTS[@]}"; do
		[ -n "${PID_OF[$m]:-}" ] || is_mounted "$m" || continue
		unmount_any "$m" || echo "bench: could not unmount $m" >&2
	done
	if [ -n "${J_CG:-}" ]; then   # phase j cut short: out of its cgroup
		memcg_leave "$J_CG" 2>/dev/null
		memcg_remove "$J_CG" || echo "bench: could not remove the cgroup $J_CG" >&2
	fi
	if [ "${KEEP:-0}" = 1 ]; then
		note "kept $RUN"
	elif grep -qs " $RUN/" /proc/self/mounts; then
		note "$RUN still has mounts; not removed"
	else
		note "removing $RUN"
		rm -rf "$RUN"
	fi
	[ "$rc" = 0 ] || echo "bench: FAILED (status $rc); daemon logs were in $LOGDIR" >&2
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
trap 'echo "bench: line $LINENO: command failed (status $?): $BASH_COMMAND" >&2' ERR

# --- time and statistics -------------------------------------------------------------

# The clock: bash's EPOCHREALTIME (microseconds, no process started).
T0=
tic() { T0=$EPOCHREALTIME; }
toc() { awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'; }

declare -A RES=()   # "measure|contestant" -> space-separated values, one per run
record() { RES["$1|$2"]="${RES["$1|$2"]:-}${RES["$1|$2"]:+ }$3"; }

median() {
	tr ' ' '\n' <<<"$1" | awk 'NF' | sort -g | awk '{ v[NR] = $1 }
		END { if (NR == 0) print "nan";
		      else if (NR % 2) printf "%.3f\n", v[(NR + 1) / 2];
		      else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
med() { median "${RES["$1|$2"]:-}"; }
count() { med "$@" | awk '{ printf "%.0f", $1 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }'; }

# rotate N WORDS...: the words rotated left by N, so each run starts elsewhere.
rotate() {
	local n=$1
	shift
	local a=("$@") i k
	k=${#a[@]}
	for ((i = 0; i < k; i++)); do printf '%s ' "${a[(i + n) % k]}"; done
}

# --- output --------------------------------------------------------------------------------

GOALS_MET=0
GOALS_MISSED=()

out() { printf '%s\n' "$*" | tee -a "$OUT"; }

# goal_check VALUE LIMIT WHAT: sets G to "goal ≤ LIMIT: met|MISSED" and
# counts it for the summary (call it in this shell, not in $(...)).
goal_check() {
	local v=$1 limit=$2 what=$3
	if awk -v v="$v" -v l="$limit" 'BEGIN { exit !(v != "nan" && v + 0 <= l + 0) }'; then
		GOALS_MET=$((GOALS_MET + 1))
		G="goal ≤ $limit: met"
	else
		GOALS_MISSED+=("$what: $v, goal ≤ $limit")
		G="goal ≤ $limit: MISSED"
	fi
}

# line MEASURE UNIT BASELINE [GOAL]: one result line burnfs vs BASELINE.
line() {
	local m=$1 unit=$2 base=$3 goal=${4:-} b x r g=
	b=$(med "$m" burnfs)
	x=$(med "$m" "$base")
	r=$(ratio "$b" "$x")
	if [ -n "$goal" ]; then
		goal_check "$r" "$goal" "$m burnfs/$base ratio"
		g="  $G"
	fi
	out "$(printf '%-22s burnfs=%s%s %s=%s%s ratio=%s%s' "$m" "$b" "$unit" "$base" "$x" "$unit" "$r" "$g")"
}

# runs_line MEASURE CONTESTANTS...: the raw values, for the results file.
runs_line() {
	local m=$1 c s=
	shift
	for c in "$@"; do s+=" $c=[${RES["$m|$c"]:-}]"; done
	out "$(printf '%-22s runs:%s' "$m" "$s")"
}

# --- mounts -----------------------------------------------------------------------------------

# wait_mount MNT PID FILE: bounded poll (MOUNT_WAIT seconds, 30 unless a
# phase sets more; 10 ms steps) until MNT is a FUSE mount and FILE (relative
# to MNT, may be empty) exists; fails at once if the daemon died first.
MOUNT_WAIT=30
wait_mount() {
	local m=$1 pid=$2 file=$3 i
	for ((i = 0; i < MOUNT_WAIT * 100; i++)); do
		if is_mounted "$m" && { [ -z "$file" ] || [ -e "$m/$file" ]; }; then
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || die "the daemon for $m exited before the mount was ready (log: $LOGDIR)"
		sleep 0.01
	done
	die "$m not mounted $MOUNT_WAIT s after starting its daemon"
}

# mount_burnfs IMG CACHE MNT: burnfs -f in the background, until MNT/control exists.
mount_burnfs() {
	local img=$1 cache=$2 m=$3
	mkdir -p "$m"
	MOUNTS+=("$m")
	"$BURNFS" -f -o "cache=$cache" "$img" "$m" >>"$LOGDIR/burnfs.log" 2>&1 </dev/null &
	PID_OF[$m]=$!
	wait_mount "$m" "${PID_OF[$m]}" control
}

# mount_overlay LOWER WORKROOT MNT: fuse-overlayfs with upper and work in WORKROOT.
mount_overlay() {
	local lower=$1 w=$2 m=$3
	mkdir -p "$m" "$w/upper" "$w/work"
	MOUNTS+=("$m")
	fuse-overlayfs -f -o "lowerdir=$lower,upperdir=$w/upper,workdir=$w/work" "$m" \
		>>"$LOGDIR/fuse-overlayfs.log" 2>&1 </dev/null &
	PID_OF[$m]=$!
	wait_mount "$m" "${PID_OF[$m]}" ""
}

# mount_pt SOURCE MNT: passthrough_ll with its defaults (multithreaded, 1 s timeouts).
mount_pt() {
	local src=$1 m=$2
	mkdir -p "$m"
	MOUNTS+=("$m")
	"$PTLL" -f -o "source=$src" "$m" >>"$LOGDIR/passthrough_ll.log" 2>&1 </dev/null &
	PID_OF[$m]=$!
	wait_mount "$m" "${PID_OF[$m]}" ""
}

# mount_floor MNT: floorfs (see the header): one thread that polls like burnfs.
mount_floor() {
	local m=$1
	mkdir -p "$m"
	MOUNTS+=("$m")
	"$FLOORFS" -f "$m" >>"$LOGDIR/floorfs.log" 2>&1 </dev/null &
	PID_OF[$m]=$!
	wait_mount "$m" "${PID_OF[$m]}" ""
}

umount_one() { unmount_any "$1" || die "cannot unmount $1"; }

# control MNT CMD: one command write; its exit status is the command's.
# shellcheck disable=SC2016  # $1 and $2 are the inner bash's arguments
control() { timeout -k 5 1800 bash -c 'printf "%s\n" "$1" >"$2"' ctl "$2" "$1/control"; }
status_key() { sed -n "s/^$2: //p" "$1/control"; }

burnfs_rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
burnfs_hwm_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

# --- contestants for the staging measures ---------------------------------------------------------

# setup_writer C DIR: an empty place to write for contestant C in DIR;
# sets DEST (where to copy to) and MNTP (the mount to take down, or "").
setup_writer() {
	local c=$1 d=$2
	mkdir -p "$d"
	MNTP=
	case $c in
	burnfs)
		mount_burnfs "$d/img.iso" "$d/cache" "$d/mnt"
		MNTP=$d/mnt DEST=$d/mnt/staging ;;
	local)
		mkdir -p "$d/dir"
		DEST=$d/dir ;;
	fuse-overlayfs)
		mkdir -p "$d/lower"
		mount_overlay "$d/lower" "$d" "$d/mnt"
		MNTP=$d/mnt DEST=$d/mnt ;;
	passthrough_ll)
		mkdir -p "$d/src"
		mount_pt "$d/src" "$d/mnt"
		MNTP=$d/mnt DEST=$d/mnt ;;
	floorfs)
		mount_floor "$d/mnt"
		MNTP=$d/mnt DEST=$d/mnt ;;
	esac
}

# setup_reader C RUN: a fresh mount where the tree of run RUN is already there
# (burnfs: the disc committed in B; baselines: the same tree, copied with cp -a,
# as the local folder, the overlay's lower layer, passthrough_ll's source).
setup_reader() {
	local c=$1 r=$2 d=$RUN/C/$1.$2
	mkdir -p "$d"
	MNTP=
	case $c in
	burnfs)
		mount_burnfs "$RUN/B/burnfs.$r/img.iso" "$RUN/B/burnfs.$r/cache" "$d/mnt"
		MNTP=$d/mnt DEST=$d/mnt/staging ;;
	local)
		DEST=$RUN/B/xorriso.$r/tree ;;
	fuse-overlayfs)
		mount_overlay "$RUN/B/xorriso.$r/tree" "$d" "$d/mnt"
		MNTP=$d/mnt DEST=$d/mnt ;;
	passthrough_ll)
		mount_pt "$RUN/B/xorriso.$r/tree" "$d/mnt"
		MNTP=$d/mnt DEST=$d/mnt ;;
	esac
}

teardown() { [ -z "$MNTP" ] || umount_one "$MNTP"; }

# rsync_sent: regular files rsync transferred, from its --stats output on stdin.
rsync_sent() { awk -F': ' '/^Number of regular files transferred/ { gsub(/,/, "", $2); print $2 + 0 }'; }

# --- the machine --------------------------------------------------------------------------------------

header() {
	out "burnfs bench $(date -u '+%Y-%m-%d %H:%M UTC')$([ "$QUICK" = 1 ] && echo ' (--quick)')"
	out "burnfs: $BURNFS (built $(date -u -r "$BURNFS" '+%Y-%m-%d %H:%M UTC'); repository HEAD $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?'))"
	out "machine: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) CPUs, $(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM, kernel $(uname -r)"
	out "bench dir: $BENCH_DIR on $(findmnt -no FSTYPE,SOURCE -T "$BENCH_DIR" 2>/dev/null | tr -s ' ' || stat -f -c %T "$BENCH_DIR")"
	out "versions: libfuse $(pkg-config --modversion fuse3), $(fuse-overlayfs --version 2>/dev/null | awk '/fuse-overlayfs: version/ { print "fuse-overlayfs " $3 }'), $(xorriso -version 2>/dev/null | awk 'NR == 1 { print $1, $2 }'), $(rsync --version | awk 'NR == 1 { print "rsync", $3 }')"
	out "sizes: big ${NBIG} x ${BIGMIB} MiB; big-only commit ${NHASH} x ${HASHMIB} MiB; small ${NSMALL} x $((SMALL / 1024)) KiB in ${NDIRS} folders; many-file disc ${NMANY} files; stat-walk disc ${NWALK} files; big disc ${NH} files, ${H_CHMOD} chmods; small writers: $I_SRC, dd ${DD_MIB} MiB; ${RUNS} run(s) each, medians; page cache warm (no drop_caches)"
	out ""
}

# --- the source trees -------------------------------------------------------------------------------

make_sources() {
	local i
	note "making the source trees in $RUN/src"
	mkdir -p "$RUN/src"
	has_phase i && make_sources_i
	has_phase a || has_phase b || has_phase f || return 0
	mkdir -p "$RUN/src/big"
	for ((i = 0; i < NBIG; i++)); do
		head -c $((BIGMIB * 1048576)) /dev/urandom >"$(printf '%s/src/big/b%02d.bin' "$RUN" "$i")"
	done
	"$HERE/bench/make-files.sh" "$RUN/src/small" "$NDIRS" "$PERDIR" "$SMALL"
	if has_phase f; then
		mkdir -p "$RUN/srcf"
		for ((i = 0; i < NHASH; i++)); do
			head -c $((HASHMIB * 1048576)) /dev/urandom >"$(printf '%s/srcf/h%02d.bin' "$RUN" "$i")"
		done
	fi
	# the 1% change: new contents for $CHANGE_NAME in every small folder
	"$HERE/bench/make-files.sh" "$RUN/change" "$NDIRS" 1 "$SMALL"
	sync
}

# make_sources_i: what phase i's writers read: $I_SRC as a tarball and as a
# zip (symlinks stored as links), and a random file for dd.
make_sources_i() {
	local up base
	up=$(dirname "$I_SRC") base=$(basename "$I_SRC")
	tar -cf "$RUN/src/inc.tar" -C "$up" "$base"
	(cd "$up" && zip -qry "$RUN/src/inc.zip" "$base")
	head -c $((DD_MIB * 1048576)) /dev/urandom >"$RUN/src/dd.bin"
}

# apply_change TREE: overwrite the 1% in TREE/small (open with O_TRUNC, write).
apply_change() {
	local t=$1 d
	for ((d = 0; d < NDIRS; d++)); do
		cp "$(printf '%s/change/d%03d/f0000' "$RUN" "$d")" \
			"$(printf '%s/small/d%03d/%s' "$t" "$d" "$CHANGE_NAME")"
	done
}

# --- A: writing into staging/ ------------------------------------------------------------------------

# One fresh mount per contestant, measure and run: passthrough_ll keeps an
# O_PATH fd for every inode the kernel knows, and this machine's hard limit of
# open files (20,000, not raisable in the container) is below two small trees.
phase_a() {
	local r c d m
	for m in cp_big cp_small rsync_small; do
		for ((r = 1; r <= RUNS; r++)); do
			for c in $(rotate $((r - 1)) burnfs local fuse-overlayfs passthrough_ll); do
				note "A $m run $r/$RUNS: $c"
				d=$RUN/A/$m.$c.$r
				setup_writer "$c" "$d"
				sync   # the previous contestant's writeback is not ours to pay
				tic
				case $m in
				cp_big) cp -r "$RUN/src/big" "$DEST/big" ;;
				cp_small) cp -r "$RUN/src/small" "$DEST/small" ;;
				rsync_small) rsync -a "$RUN/src/small/" "$DEST/small/" ;;
				esac
				sync
				record "$m" "$c" "$(toc)"
				teardown
				# a few big files: removing them is no mass delete, and saves space
				[ "$m" != cp_big ] || rm -rf "$d"
			done
		done
	done
}

# --- B: the full commit --------------------------------------------------------------------------------

# The tree of run r: burnfs gets it through cp -a into staging/; xorriso maps
# a cp -a copy of it (kept for the -update_r of D and as the baselines of C).
phase_b() {
	local r c d m n
	for ((r = 1; r <= RUNS; r++)); do
		for c in $(rotate $((r - 1)) burnfs xorriso); do
			note "B run $r/$RUNS: $c"
			d=$RUN/B/$c.$r
			mkdir -p "$d"
			case $c in
			burnfs)
				m=$d/mnt
				mount_burnfs "$d/img.iso" "$d/cache" "$m"
				cp -a "$RUN/src/." "$m/staging/"
				sync
				tic
				control "$m" commit || die "burnfs commit failed: $(status_key "$m" last_result)"
				record commit burnfs "$(toc)"
				n=$(status_key "$m" sessions)
				[ "$n" = 1 ] || die "burnfs status says sessions: $n after the first commit"
				umount_one "$m"
				record commit_bytes burnfs "$(stat -c %s "$d/img.iso")" ;;
			xorriso)
				cp -a "$RUN/src" "$d/tree"
				sync
				tic
				xorriso -for_backup -joliet on -dev "stdio:$d/img.iso" -map "$d/tree" / -commit \
					>"$LOGDIR/xorriso.B.$r.log" 2>&1 || die "xorriso -commit failed (log: $LOGDIR/xorriso.B.$r.log)"
				record commit xorriso "$(toc)"
				record commit_bytes xorriso "$(stat -c %s "$d/img.iso")" ;;
			esac
		done
	done
}

# --- C: reading the disc's files on a fresh mount ------------------------------------------------------

phase_c() {
	local r c s
	for ((r = 1; r <= RUNS; r++)); do
		for c in $(rotate $((r - 1)) burnfs local fuse-overlayfs passthrough_ll); do
			note "C run $r/$RUNS: $c"
			setup_reader "$c" "$r"
			tic
			s=$(rsync -a --stats "$RUN/src/small/" "$DEST/small/" | rsync_sent)
			record rsync_noop "$c" "$(toc)"
			record rsync_noop_sent "$c" "$s"
			tic
			find "$DEST/small" -type f -exec stat {} + >/dev/null
			record find_stat "$c" "$(toc)"
			teardown
		done
	done
}

# --- D: the 1% change -------------------------------------------------------------------------------------

phase_d() {
	local r c d m before n
	for ((r = 1; r <= RUNS; r++)); do
		for c in $(rotate $((r - 1)) burnfs xorriso); do
			note "D run $r/$RUNS: $c"
			d=$RUN/B/$c.$r
			before=$(stat -c %s "$d/img.iso")
			case $c in
			burnfs)
				m=$RUN/D/burnfs.$r/mnt
				mount_burnfs "$d/img.iso" "$d/cache" "$m"
				apply_change "$m/staging"
				sync
				tic
				control "$m" commit || die "burnfs commit (1%) failed: $(status_key "$m" last_result)"
				record commit1pct burnfs "$(toc)"
				n=$(status_key "$m" sessions)
				[ "$n" = 2 ] || die "burnfs status says sessions: $n after the second commit"
				umount_one "$m" ;;
			xorriso)
				apply_change "$d/tree"
				sync
				tic
				xorriso -for_backup -joliet on -dev "stdio:$d/img.iso" -update_r "$d/tree" / -commit \
					>"$LOGDIR/xorriso.D.$r.log" 2>&1 || die "xorriso -update_r failed (log: $LOGDIR/xorriso.D.$r.log)"
				record commit1pct xorriso "$(toc)" ;;
			esac
			record commit1pct_bytes "$c" $(($(stat -c %s "$d/img.iso") - before))
		done
	done
}

# --- E: a disc of many files ----------------------------------------------------------------------------------

phase_e() {
	local r d m pid n t
	note "E: making $NMANY tiny files and their image with xorriso"
	"$HERE/bench/make-files.sh" "$RUN/E/tree" "$MANY_DIRS" "$MANY_PERDIR" 8
	tic
	xorriso -for_backup -joliet on -dev "stdio:$RUN/E/many.iso" -map "$RUN/E/tree" / -commit \
		>"$LOGDIR/xorriso.E.log" 2>&1 || die "xorriso could not make the many-file image"
	MANY_IMAGE_S=$(toc)
	sync
	for ((r = 1; r <= RUNS; r++)); do
		note "E run $r/$RUNS: mount of $NMANY files"
		d=$RUN/E/burnfs.$r
		m=$d/mnt
		mkdir -p "$m"
		tic
		mount_burnfs "$RUN/E/many.iso" "$d/cache" "$m"
		t=$(toc)
		record mount_many burnfs "$t"
		pid=${PID_OF[$m]}
		record rss_mount burnfs "$(burnfs_rss_kib "$pid")"
		tic
		n=$(find "$m/staging" -type f | wc -l)
		record find_many burnfs "$(toc)"
		[ "$n" = "$NMANY" ] || die "find saw $n files in staging/, the disc holds $NMANY"
		record rss_find burnfs "$(burnfs_rss_kib "$pid")"
		record hwm_find burnfs "$(burnfs_hwm_kib "$pid")"
		# find alone reads folders only (d_type); a walk that stats every
		# file makes the kernel look up each one, as ls -lR or rsync would.
		tic
		find "$m/staging" -type f -printf '%s\n' >/dev/null
		record statwalk_many burnfs "$(toc)"
		record rss_statwalk burnfs "$(burnfs_rss_kib "$pid")"
		umount_one "$m"
	done
}

# --- F: a commit of big files against one MD5 pass ------------------------------------------------

# Each run's folder goes at once (a few big files: no mass delete).
phase_f() {
	local r c d m
	for ((r = 1; r <= RUNS; r++)); do
		for c in $(rotate $((r - 1)) burnfs md5sum cat+sync xorriso); do
			note "F run $r/$RUNS: $c"
			d=$RUN/F/$c.$r
			mkdir -p "$d"
			case $c in
			burnfs)
				m=$d/mnt
				mount_burnfs "$d/img.iso" "$d/cache" "$m"
				cp -a "$RUN/srcf/." "$m/staging/"
				sync
				tic
				control "$m" commit || die "burnfs commit (big files) failed: $(status_key "$m" last_result)"
				record bigcommit burnfs "$(toc)"
				umount_one "$m" ;;
			md5sum)
				sync
				tic
				md5sum "$RUN/srcf/"*.bin >/dev/null
				record bigcommit md5sum "$(toc)" ;;
			cat+sync)
				sync
				tic
				cat "$RUN/srcf/"*.bin >"$d/cat.out"
				sync
				record bigcommit cat+sync "$(toc)" ;;
			xorriso)
				sync
				tic
				xorriso -for_backup -joliet on -dev "stdio:$d/img.iso" -map "$RUN/srcf" / -commit \
					>"$LOGDIR/xorriso.F.$r.log" 2>&1 || die "xorriso -commit of the big files failed (log: $LOGDIR/xorriso.F.$r.log)"
				record bigcommit xorriso "$(toc)" ;;
			esac
			rm -rf "$d"
		done
	done
}

# --- G: a stat walk over a big disc -----------------------------------------------------------------------------

# The kernel keeps burnfs's entries and attributes (readdirplus brings
# them along with the names); with timeouts of a second they expired during
# a walk this long and every entry was looked up again.
phase_g() {
	local r c d m n
	note "G: making $NWALK tiny files and their image with xorriso"
	"$HERE/bench/make-files.sh" "$RUN/G/tree" "$WALK_DIRS" 1000 8
	xorriso -for_backup -joliet on -dev "stdio:$RUN/G/walk.iso" -map "$RUN/G/tree" / -commit \
		>"$LOGDIR/xorriso.G.log" 2>&1 || die "xorriso could not make the stat-walk image"
	sync
	for ((r = 1; r <= RUNS; r++)); do
		for c in $(rotate $((r - 1)) burnfs local); do
			note "G run $r/$RUNS: $c"
			if [ "$c" = burnfs ]; then
				d=$RUN/G/burnfs.$r
				m=$d/mnt
				mount_burnfs "$RUN/G/walk.iso" "$d/cache" "$m"
				DEST=$m/staging
			else
				DEST=$RUN/G/tree
			fi
			tic
			n=$(find "$DEST" -type f -exec stat {} + | grep -c '^  File: ')
			record statwalk "$c" "$(toc)"
			[ "$n" = "$NWALK" ] || die "the stat walk saw $n files in $DEST, not $NWALK"
			[ "$c" != burnfs ] || umount_one "$m"
		done
	done
}

# --- H: a disc of 300,000 files (1,000,000 with --huge) ---------------------------------------

# make_h_image: the tree and its image, made once per size and kept in
# $H_CACHE: making 300,000 files and their image takes minutes.
make_h_image() {
	if [ -e "$H_CACHE/done" ]; then
		note "H: reusing the tree and image in $H_CACHE"
		return 0
	fi
	note "H: making $NH tiny files and their image with xorriso in $H_CACHE (minutes)"
	rm -rf "$H_CACHE"   # a half-made one
	mkdir -p "$H_CACHE"
	"$HERE/bench/make-files.sh" "$H_CACHE/tree" "$H_DIRS" "$H_PERDIR" 8
	xorriso -for_backup -joliet on -dev "stdio:$H_CACHE/many.iso" -map "$H_CACHE/tree" / -commit \
		>"$LOGDIR/xorriso.H.log" 2>&1 || die "xorriso could not make the $NH-file image"
	sync
	touch "$H_CACHE/done"
}

# restore_h: the run's image back to its one session. A session added by
# burnfs or xorriso went after the old end and rewrote the first 64 KiB
# (the volume descriptors that point at the newest session): cutting the
# file to its old size and writing the old head back undoes it, without
# copying the whole image again.
restore_h() {
	truncate -s "$H_SIZE" "$RUN/H/img.iso"
	dd if="$RUN/H/head" of="$RUN/H/img.iso" bs=65536 conv=notrunc status=none
}

# h_chmod STAGING: chmod 600 every file of the last H_CHMOD / H_PERDIR
# folders (d000 holds the committed new file).
h_chmod() {
	local dirs=() i k=$(((H_CHMOD + H_PERDIR - 1) / H_PERDIR))
	for ((i = H_DIRS - k; i < H_DIRS; i++)); do dirs+=("$(printf '%s/d%03d' "$1" "$i")"); done
	find "${dirs[@]}" -type f -exec chmod 600 {} +
}

# h_burnfs RUN: on the restored image with a fresh cache: mount, stat walk,
# one-file commit; then a second mount of the two-session image for
# sessions/1 and pending (right after a commit, the old session's index is
# still cached, so only a fresh mount shows what opening it costs).
h_burnfs() {
	local d=$RUN/H/burnfs.$1 m pid n
	m=$d/mnt
	restore_h
	sync
	tic
	mount_burnfs "$RUN/H/img.iso" "$d/cache" "$m"
	record h_mount burnfs "$(toc)"
	pid=${PID_OF[$m]}
	record h_rss_mount burnfs "$(burnfs_rss_kib "$pid")"
	n=$(status_key "$m" sessions)
	[ "$n" = 1 ] || die "burnfs status says sessions: $n on the restored $NH-file image"
	tic
	find "$m/staging" -type f -exec stat {} + >/dev/null
	record h_statwalk burnfs "$(toc)"
	record h_rss_walk burnfs "$(burnfs_rss_kib "$pid")"
	cp "$RUN/H/newfile" "$m/staging/d000/newfile"
	sync
	# VmHWM from here on is the commit's peak (5: reset the peak RSS)
	echo 5 2>/dev/null >"/proc/$pid/clear_refs" ||
		note "H: cannot reset VmHWM; the commit's peak includes the stat walk's"
	tic
	control "$m" commit || die "burnfs commit (one file on $NH) failed: $(status_key "$m" last_result)"
	record h_commit burnfs "$(toc)"
	record h_hwm_commit burnfs "$(burnfs_hwm_kib "$pid")"
	record h_rss_commit burnfs "$(burnfs_rss_kib "$pid")"
	n=$(status_key "$m" sessions)
	[ "$n" = 2 ] || die "burnfs status says sessions: $n after the one-file commit"
	umount_one "$m"
	m=$d/mnt2
	mount_burnfs "$RUN/H/img.iso" "$d/cache" "$m"
	pid=${PID_OF[$m]}
	record h_rss_mount2 burnfs "$(burnfs_rss_kib "$pid")"
	# the first ls loads the session (its index); the walk after it only
	# reads that index: both together are the first walk
	tic
	ls "$m/sessions/1/" >/dev/null
	record h_sessions1_load burnfs "$(toc)"
	n=$(find "$m/sessions/1" -type f | wc -l)
	record h_sessions1 burnfs "$(toc)"
	[ "$n" = "$NH" ] || die "find saw $n files in sessions/1/, the session holds $NH"
	record h_rss_sessions burnfs "$(burnfs_rss_kib "$pid")"
	h_chmod "$m/staging"
	tic
	n=$(wc -l <"$m/pending")
	record h_pending burnfs "$(toc)"
	record h_pending_lines burnfs "$n"
	umount_one "$m"
	# the common case: a fresh mount (another cache: nothing staged), one
	# file copied in, commit; only the folders on its path are listed
	m=$d/mnt3
	mount_burnfs "$RUN/H/img.iso" "$d/cache3" "$m"
	pid=${PID_OF[$m]}
	cp "$RUN/H/newfile" "$m/staging/d001/newfile"
	sync
	echo 5 2>/dev/null >"/proc/$pid/clear_refs" || true
	tic
	control "$m" commit || die "burnfs commit (one file, fresh mount) failed: $(status_key "$m" last_result)"
	record h_commit_fresh burnfs "$(toc)"
	record h_hwm_commit_fresh burnfs "$(burnfs_hwm_kib "$pid")"
	umount_one "$m"
	[ -w /proc/sys/vm/drop_caches ] || return 0
	# the walk again, then the kernel drops its inodes as memory pressure
	# would make it: burnfs gives back what the walk made (stage_nodes)
	m=$d/mnt4
	mount_burnfs "$RUN/H/img.iso" "$d/cache4" "$m"
	pid=${PID_OF[$m]}
	find "$m/staging" -type f -exec stat {} + >/dev/null
	sync
	echo 2 >/proc/sys/vm/drop_caches
	sleep 2
	record h_rss_dropped burnfs "$(burnfs_rss_kib "$pid")"
	cp "$RUN/H/newfile" "$m/staging/d002/newfile"
	sync
	echo 5 2>/dev/null >"/proc/$pid/clear_refs" || true
	control "$m" commit || die "burnfs commit (one file, after the drop) failed: $(status_key "$m" last_result)"
	record h_hwm_commit_dropped burnfs "$(burnfs_hwm_kib "$pid")"
	umount_one "$m"
}

h_local() {
	tic
	find "$H_CACHE/tree" -type f -exec stat {} + >/dev/null
	record h_statwalk local "$(toc)"
}

# h_xorriso RUN: the same file added to the restored image; the same session
# options as burnfs's (Joliet, file and session MD5s).
h_xorriso() {
	local log=$LOGDIR/xorriso.H.$1.log
	restore_h
	sync
	tic
	/usr/bin/time -f %M -o "$RUN/H/xorriso.$1.maxrss" \
		xorriso -for_backup -joliet on -dev "stdio:$RUN/H/img.iso" \
		-map "$RUN/H/newfile" /d000/newfile -commit >"$log" 2>&1 ||
		die "xorriso -map of one file failed (log: $log)"
	record h_commit xorriso "$(toc)"
	record h_hwm_commit xorriso "$(tail -n 1 "$RUN/H/xorriso.$1.maxrss")"
}

h_isofloor() {
	local log=$LOGDIR/isofloor.H.$1.log
	restore_h
	sync
	/usr/bin/time -f %M -o "$RUN/H/isofloor.$1.maxrss" \
		"$ISOFLOOR" "$RUN/H/img.iso" "$RUN/H/newfile" /d000/newfile >"$log" 2>&1 ||
		die "isofloor failed (log: $log)"
	record h_commit isofloor "$(awk '$1 == "total" { print $2 }' "$log")"
	record h_commit_floor isofloor "$(awk '$1 == "floor" { print $2 }' "$log")"
	record h_hwm_commit isofloor "$(tail -n 1 "$RUN/H/isofloor.$1.maxrss")"
}

# prepare_h_run: the run's copy of the big disc, its head and size for
# restore_h, and the file each commit adds (once for phases h and j).
prepare_h_run() {
	[ -e "$RUN/H/img.iso" ] && return 0
	make_h_image
	mkdir -p "$RUN/H"
	cp "$H_CACHE/many.iso" "$RUN/H/img.iso"
	head -c 65536 "$RUN/H/img.iso" >"$RUN/H/head"
	H_SIZE=$(stat -c %s "$RUN/H/img.iso")
	head -c 4096 /dev/urandom >"$RUN/H/newfile"
}

phase_h() {
	local r c
	prepare_h_run
	MOUNT_WAIT=900   # a loaded machine needs minutes for 1,000,000 files
	for ((r = 1; r <= RUNS; r++)); do
		for c in $(rotate $((r - 1)) burnfs local xorriso isofloor); do
			note "H run $r/$RUNS: $c ($NH files)"
			"h_$c" "$r"
		done
	done
	MOUNT_WAIT=30
}

# --- J: the big disc inside a memory limit ----------------------------------------------------

# j_run LABEL BYTES: on the restored big disc, with the page cache dropped
# first (what the run reads is charged to it): mount, stat walk, one file
# added and committed, all inside a memory cgroup of BYTES. A daemon the
# kernel kills for the limit must lose nothing: a mount outside the limit
# then still finds the file staged and the disc's session intact.
j_run() {
	local label=$1 bytes=$2 d=$RUN/J/$1 m cg pid ok=1 n
	m=$d/mnt
	restore_h
	sync
	[ -w /proc/sys/vm/drop_caches ] && echo 3 >/proc/sys/vm/drop_caches
	cg=$(memcg_make "burnfs-bench-$$-$label" "$bytes") || {
		note "J: no memory cgroup can be made here (cgroup v1's memory controller or v2's, as root): phase j skipped"
		return 0
	}
	J_CG=$cg
	memcg_enter "$cg"
	mount_burnfs "$RUN/H/img.iso" "$d/cache" "$m"
	pid=${PID_OF[$m]}
	find "$m/staging" -type f -exec stat {} + >/dev/null 2>&1 || ok=0
	record "j_rss_walk_$label" burnfs "$(burnfs_rss_kib "$pid" 2>/dev/null || echo nan)"
	cp "$RUN/H/newfile" "$m/staging/d000/newfile" 2>/dev/null || ok=0
	[ "$ok" = 1 ] && { control "$m" commit 2>/dev/null || ok=0; }
	record "j_hwm_$label" burnfs "$(burnfs_hwm_kib "$pid" 2>/dev/null || echo nan)"
	memcg_leave "$cg"
	umount_one "$m"
	record "j_ok_$label" burnfs "$ok"
	record "j_peak_$label" burnfs "$(memcg_peak "$cg")"
	record "j_ooms_$label" burnfs "$(memcg_ooms "$cg")"
	memcg_remove "$cg" || note "J: cannot remove the cgroup $cg"
	J_CG=
	[ "$ok" = 1 ] && return 0
	mount_burnfs "$RUN/H/img.iso" "$d/cache" "$m"
	n=$(status_key "$m" sessions)
	[ "$n" -ge 1 ] || die "J: the disc shows $n sessions after the daemon was killed at $label"
	if [ -e "$m/staging/d000/newfile" ]; then
		cmp -s "$RUN/H/newfile" "$m/staging/d000/newfile" ||
			die "J: the staged file changed after the daemon was killed at $label"
	fi
	umount_one "$m"
}

# J_FIT: 4 GiB for 1,000,000 files, the issue's machine, scaled to this
# disc; J_TIGHT: about what a fresh mount's commit needs (1 KiB/entry)
# and a quarter more, so the kernel must give its inode cache back and the
# daemon its copies with it. Neither below 256 MiB (the fixed costs).
phase_j() {
	local fit tight
	prepare_h_run
	fit=$((4096 * NH_ENTRIES / 1001001)) tight=$((NH_ENTRIES * 5 / 4 / 1024))
	[ "$fit" -ge 256 ] || fit=256
	[ "$tight" -ge 256 ] || tight=256
	fit=${J_FIT:-${fit}M} tight=${J_TIGHT:-${tight}M}
	J_FIT=$fit J_TIGHT=$tight
	MOUNT_WAIT=900
	note "J: $NH files inside $fit of memory"
	j_run fit "$fit"
	note "J: $NH files inside $tight of memory"
	j_run tight "$tight"
	MOUNT_WAIT=30
}

# --- I: small writers ----------------------------------------------------------------------------

# A fresh mount per contestant, measure and run, as in A.
phase_i() {
	local r c d m
	for m in tar_x unzip cpio_p rsync_inc dd512; do
		for ((r = 1; r <= RUNS; r++)); do
			for c in $(rotate $((r - 1)) burnfs local fuse-overlayfs floorfs); do
				note "I $m run $r/$RUNS: $c"
				d=$RUN/I/$m.$c.$r
				setup_writer "$c" "$d"
				mkdir -p "$DEST/inc"
				sync
				tic
				case $m in
				tar_x) tar -xf "$RUN/src/inc.tar" -C "$DEST/inc" ;;
				unzip) unzip -q "$RUN/src/inc.zip" -d "$DEST/inc" ;;
				cpio_p) (cd "$I_SRC" && find . -depth -print0 | cpio -0pdm --quiet "$DEST/inc") ;;
				rsync_inc) rsync -a "$I_SRC/" "$DEST/inc/" ;;
				dd512) dd if="$RUN/src/dd.bin" of="$DEST/inc/dd.bin" bs=512 status=none ;;
				esac
				sync
				record "$m" "$c" "$(toc)"
				teardown
				[ "$m" != dd512 ] || rm -rf "$d"   # one big file: no mass delete
			done
		done
	done
}

report_g() {
	out "== a stat walk over a disc of $NWALK files (find -type f -exec stat {} +, fresh mount) =="
	line statwalk s local 1.5
	out ""
}

# --- report ------------------------------------------------------------------------------------------------------

mib() { awk -v b="$1" 'BEGIN { printf "%.2f", b / 1048576 }'; }

report_a() {
	out "== staging: writing (each: cp/rsync, then sync; fresh mount per run) =="
	line cp_big s local 1.3
	line cp_big s fuse-overlayfs 1.0
	line cp_big s passthrough_ll
	line cp_small s local
	line cp_small s fuse-overlayfs 1.0
	line cp_small s passthrough_ll
	line rsync_small s local
	line rsync_small s fuse-overlayfs 1.0
	line rsync_small s passthrough_ll
	out ""
}

report_c() {
	out "== staging: the disc's files, fresh mount (baselines: the same files already there) =="
	line rsync_noop s local
	line rsync_noop s fuse-overlayfs 1.0
	line rsync_noop s passthrough_ll
	out "$(printf '%-22s files rsync sent: burnfs=%s local=%s fuse-overlayfs=%s passthrough_ll=%s (a no-op sends 0)' rsync_noop_sent \
		"$(count rsync_noop_sent burnfs)" "$(count rsync_noop_sent local)" "$(count rsync_noop_sent fuse-overlayfs)" "$(count rsync_noop_sent passthrough_ll)")"
	line find_stat s local
	line find_stat s fuse-overlayfs 1.0
	line find_stat s passthrough_ll
	out ""
}

report_b() {
	local b x
	out "== commit =="
	line commit s xorriso 1.0
	b=$(med commit_bytes burnfs) x=$(med commit_bytes xorriso)
	out "$(printf '%-22s burnfs=%sMiB xorriso=%sMiB ratio=%s (image size after session 1; burnfs also writes Joliet)' commit_bytes "$(mib "$b")" "$(mib "$x")" "$(ratio "$b" "$x")")"
}

report_d() {
	local b x r full fullb
	full=$(med commit burnfs) fullb=$(med commit_bytes burnfs)
	b=$(med commit1pct burnfs)
	r=$(awk -v a="$b" -v f="$full" 'BEGIN { if (f > 0) printf "%.3f", a / f; else print "nan" }')
	goal_check "$r" 0.05 "commit1pct time / full commit time"
	out "$(printf '%-22s burnfs=%ss full-commit=%ss ratio=%s  %s' commit1pct "$b" "$full" "$r" "$G")"
	line commit1pct s xorriso
	b=$(med commit1pct_bytes burnfs)
	r=$(awk -v a="$b" -v f="$fullb" 'BEGIN { if (f > 0) printf "%.4f", a / f; else print "nan" }')
	goal_check "$r" 0.02 "commit1pct bytes / full commit bytes"
	out "$(printf '%-22s burnfs=%sMiB full-commit=%sMiB ratio=%s  %s' commit1pct_bytes "$(mib "$b")" "$(mib "$fullb")" "$r" "$G")"
	x=$(med commit1pct_bytes xorriso)
	out "$(printf '%-22s burnfs=%sMiB xorriso=%sMiB ratio=%s' commit1pct_bytes "$(mib "$b")" "$(mib "$x")" "$(ratio "$b" "$x")")"
}

# kib_to_mib VALUE: a median in KiB (may be "nan") as MiB.
kib_to_mib() { awk -v k="$1" 'BEGIN { if (k == "nan") print "nan"; else printf "%.2f", k / 1024 }'; }

report_e() {
	local b
	out "== a disc of $NMANY files (image made by xorriso in ${MANY_IMAGE_S}s) =="
	b=$(med mount_many burnfs)
	goal_check "$b" 2 "mount of $NMANY files (s)"
	out "$(printf '%-22s burnfs=%ss  %s' mount "$b" "$G")"
	out "$(printf '%-22s burnfs=%ss (find -type f | wc -l)' find_staging "$(med find_many burnfs)")"
	out "$(printf '%-22s burnfs=%sMiB after mount' rss "$(kib_to_mib "$(med rss_mount burnfs)")")"
	b=$(kib_to_mib "$(med rss_find burnfs)")
	goal_check "$b" 150 "RSS after find over $NMANY files (MiB)"
	out "$(printf '%-22s burnfs=%sMiB after find (VmHWM %sMiB)  %s' rss "$b" "$(kib_to_mib "$(med hwm_find burnfs)")" "$G")"
	out "$(printf '%-22s burnfs=%ss (find -type f -printf %%s: stats every file)' statwalk "$(med statwalk_many burnfs)")"
	b=$(kib_to_mib "$(med rss_statwalk burnfs)")
	if awk -v v="$b" 'BEGIN { exit !(v <= 150) }'; then G="within 150 MiB"; else G="over 150 MiB"; fi
	out "$(printf '%-22s burnfs=%sMiB after that stat walk (not counted; %s)' rss "$b" "$G")"
	out ""
}

report_f() {
	out "== commit of big files only (${NHASH} x ${HASHMIB} MiB; the baselines read the same bytes) =="
	line bigcommit s md5sum 1.5
	line bigcommit s xorriso 0.5
	line bigcommit s cat+sync
	out ""
}

# per_entry KIB: a median in KiB as KiB per entry of the big disc.
per_entry() { awk -v k="$1" -v n="$NH_ENTRIES" 'BEGIN { if (k == "nan") print "nan"; else printf "%.2f", k / n }'; }

# sessions_goal SECONDS WHAT: issue 14's 2 s for sessions/1/ holds for a
# session of up to 300,000 files; above, G only says so.
sessions_goal() {
	if [ "$NH" -le 300000 ]; then
		goal_check "$1" 2 "$2"
	else
		G="(the goal of 2 s is for 300,000 files)"
	fi
}

report_h() {
	local b x r
	out "== a disc of $NH files in $H_DIRS folders ($NH_ENTRIES entries; image made by xorriso) =="
	b=$(med h_mount burnfs)
	if [ "$NH" -ge 1000000 ]; then
		goal_check "$b" 5 "mount of $NH files (s)"
		out "$(printf '%-22s burnfs=%ss  %s' mount "$b" "$G")"
	else
		out "$(printf '%-22s burnfs=%ss (until MNT/control exists)' mount "$b")"
	fi
	out "$(printf '%-22s burnfs=%sKiB/entry (%sMiB) after mount' rss_mount "$(per_entry "$(med h_rss_mount burnfs)")" "$(kib_to_mib "$(med h_rss_mount burnfs)")")"
	line h_statwalk s local 1.5
	b=$(per_entry "$(med h_rss_walk burnfs)")
	goal_check "$b" 0.6 "RSS after the stat walk of $NH files (KiB/entry)"
	out "$(printf '%-22s burnfs=%sKiB/entry (%sMiB) after the stat walk  %s' rss_walk "$b" "$(kib_to_mib "$(med h_rss_walk burnfs)")" "$G")"
	line h_commit s xorriso 0.3
	line h_commit s isofloor
	b=$(med h_commit_floor isofloor) x=$(med h_commit xorriso)
	r=$(ratio "$b" "$x")
	floor_verdict "$r" 0.3 xorriso "on libisofs"
	out "$(printf '%-22s isofloor=%ss xorriso=%ss ratio=%s (libisofs laying out and writing the session)  %s' h_commit_floor "$b" "$x" "$r" "$FV")"
	b=$(per_entry "$(med h_hwm_commit burnfs)") x=$(per_entry "$(med h_hwm_commit xorriso)")
	goal_check "$b" 1.0 "peak RSS of the one-file commit on $NH files (KiB/entry)"
	out "$(printf '%-22s burnfs=%sKiB/entry (%sMiB) xorriso=%sKiB/entry (%sMiB)  %s' hwm_commit "$b" "$(kib_to_mib "$(med h_hwm_commit burnfs)")" "$x" "$(kib_to_mib "$(med h_hwm_commit xorriso)")" "$G")"
	b=$(med h_commit_fresh burnfs) x=$(med h_commit xorriso)
	r=$(ratio "$b" "$x")
	goal_check "$r" 0.3 "h_commit_fresh burnfs/xorriso ratio"
	out "$(printf '%-22s burnfs=%ss xorriso=%ss ratio=%s (fresh mount, no walk)  %s' h_commit_fresh "$b" "$x" "$r" "$G")"
	b=$(per_entry "$(med h_hwm_commit_fresh burnfs)")
	goal_check "$b" 1.0 "peak RSS of the one-file commit on a fresh mount of $NH files (KiB/entry)"
	out "$(printf '%-22s burnfs=%sKiB/entry (%sMiB)  %s' hwm_commit_fresh "$b" "$(kib_to_mib "$(med h_hwm_commit_fresh burnfs)")" "$G")"
	if [ -n "${RES["h_rss_dropped|burnfs"]:-}" ]; then
		out "$(printf '%-22s burnfs=%sKiB/entry (%sMiB) after the walk, once the kernel dropped its inodes (drop_caches)' rss_dropped "$(per_entry "$(med h_rss_dropped burnfs)")" "$(kib_to_mib "$(med h_rss_dropped burnfs)")")"
		b=$(per_entry "$(med h_hwm_commit_dropped burnfs)")
		goal_check "$b" 1.0 "peak RSS of the one-file commit after the walk and drop_caches (KiB/entry)"
		out "$(printf '%-22s burnfs=%sKiB/entry (%sMiB)  %s' hwm_commit_dropped "$b" "$(kib_to_mib "$(med h_hwm_commit_dropped burnfs)")" "$G")"
	fi
	# issue 14 sets 2 s for a session of 300,000 files; a bigger one is shown
	b=$(med h_sessions1_load burnfs)
	sessions_goal "$b" "load of sessions/1/ ($NH files, s)"
	out "$(printf '%-22s burnfs=%ss (ls, first access after a fresh mount)  %s' sessions1_load "$b" "$G")"
	b=$(med h_sessions1 burnfs)
	sessions_goal "$b" "first walk of sessions/1/ ($NH files, s)"
	out "$(printf '%-22s burnfs=%ss (the ls and then find -type f)  %s' sessions1_walk "$b" "$G")"
	r=$(ratio "$(med h_rss_sessions burnfs)" "$(med h_rss_mount2 burnfs)")
	goal_check "$r" 2 "RSS after opening sessions/1/ / RSS before"
	out "$(printf '%-22s burnfs=%sMiB before=%sMiB (fresh mount) ratio=%s  %s' rss_sessions1 "$(kib_to_mib "$(med h_rss_sessions burnfs)")" "$(kib_to_mib "$(med h_rss_mount2 burnfs)")" "$r" "$G")"
	b=$(med h_pending burnfs)
	goal_check "$b" 1 "cat pending after $H_CHMOD chmods (s)"
	out "$(printf '%-22s burnfs=%ss for %s lines  %s' pending "$b" "$(count h_pending_lines burnfs)" "$G")"
	out ""
}

report_i() {
	local m
	out "== small writers into staging/ (each + sync; fresh mount per run; $I_SRC, dd ${DD_MIB} MiB) =="
	for m in tar_x unzip cpio_p rsync_inc; do
		line "$m" s local 2
		line "$m" s fuse-overlayfs 0.8
		line "$m" s floorfs
		floor_line "$m" 2
	done
	line dd512 s local 3
	line dd512 s fuse-overlayfs
	line dd512 s floorfs
	floor_line dd512 3
	out ""
}

# floor_verdict RATIO GOAL BASELINE HOW: sets FV to whether a floor's
# RATIO to BASELINE is already over burnfs's GOAL against it (then no
# program HOW can meet it).
floor_verdict() {
	if awk -v r="$1" -v g="$2" 'BEGIN { exit !(r != "nan" && r + 0 > g + 0) }'; then
		FV="the floor itself is over the goal of ${2}x $3: not reachable $4"
	else
		FV="the floor is within the goal of ${2}x $3"
	fi
}

# floor_line MEASURE GOAL: floorfs against the local folder, and whether
# burnfs's goal against the local folder lies above FUSE's floor at all.
floor_line() {
	local m=$1 goal=$2 f l r
	f=$(med "$m" floorfs)
	l=$(med "$m" local)
	r=$(ratio "$f" "$l")
	floor_verdict "$r" "$goal" local "through FUSE"
	out "$(printf '%-22s floorfs=%ss local=%ss ratio=%s  %s' "$m" "$f" "$l" "$r" "$FV")"
}

# j_line LABEL LIMIT: whether the walk and commit completed inside LIMIT.
j_line() {
	local ok peak ooms
	ok=$(med "j_ok_$1" burnfs) peak=$(med "j_peak_$1" burnfs) ooms=$(med "j_ooms_$1" burnfs)
	[ "$ok" = nan ] && return 0
	ok=${ok%.*} ooms=${ooms%.*}
	out "$(printf '%-22s limit=%s: %s; cgroup peak %sMiB, daemon peak %sMiB, daemon after the walk %sMiB, OOM kills %s%s' \
		"j_$1" "$2" "$([ "$ok" = 1 ] && echo "walk and commit completed" || echo "killed for the limit (a mount after it found the disc and the staged file intact)")" \
		"$(mib "$peak")" "$(kib_to_mib "$(med "j_hwm_$1" burnfs)")" \
		"$(kib_to_mib "$(med "j_rss_walk_$1" burnfs)")" "$ooms" "${3:-}")"
}

report_j() {
	local g=
	out "== the disc of $NH files walked and committed inside a memory cgroup (daemon, find and the kernel's caches) =="
	if [ "$(med j_ok_fit burnfs)" != nan ]; then
		if [ "$(med j_ok_fit burnfs)" = 1.000 ] && [ "$(med j_ooms_fit burnfs)" = 0.000 ]; then
			GOALS_MET=$((GOALS_MET + 1)) g="  goal: no OOM on a 4 GB machine (scaled): met"
		else
			GOALS_MISSED+=("walk and commit of $NH files inside $J_FIT") g="  goal: no OOM on a 4 GB machine (scaled): MISSED"
		fi
	fi
	j_line fit "$J_FIT" "$g"
	j_line tight "$J_TIGHT" "  (no goal: shows the daemon shrinking with the kernel's cache)"
	out ""
}

report() {
	local m g
	has_phase a && report_a
	has_phase c && report_c
	has_phase b && report_b
	has_phase d && report_d
	has_phase b && out ""
	has_phase e && report_e
	has_phase f && report_f
	has_phase g && report_g
	has_phase h && report_h
	has_phase i && report_i
	has_phase j && report_j
	out "== raw values per run (seconds, bytes, KiB) =="
	for m in cp_big cp_small rsync_small rsync_noop find_stat; do
		[ -n "${RES["$m|burnfs"]:-}" ] && runs_line "$m" burnfs local fuse-overlayfs passthrough_ll
	done
	for m in commit commit_bytes commit1pct commit1pct_bytes; do
		[ -n "${RES["$m|burnfs"]:-}" ] && runs_line "$m" burnfs xorriso
	done
	[ -n "${RES["bigcommit|burnfs"]:-}" ] && runs_line bigcommit burnfs md5sum cat+sync xorriso
	for m in mount_many find_many rss_mount rss_find hwm_find statwalk_many rss_statwalk; do
		[ -n "${RES["$m|burnfs"]:-}" ] && runs_line "$m" burnfs
	done
	[ -n "${RES["statwalk|burnfs"]:-}" ] && runs_line statwalk burnfs local
	for m in tar_x unzip cpio_p rsync_inc dd512; do
		[ -n "${RES["$m|burnfs"]:-}" ] && runs_line "$m" burnfs local fuse-overlayfs floorfs
	done
	[ -n "${RES["h_statwalk|burnfs"]:-}" ] && runs_line h_statwalk burnfs local
	for m in h_commit h_hwm_commit; do
		[ -n "${RES["$m|burnfs"]:-}" ] && runs_line "$m" burnfs xorriso isofloor
	done
	[ -n "${RES["h_commit_floor|isofloor"]:-}" ] && runs_line h_commit_floor isofloor
	for m in j_ok_fit j_peak_fit j_hwm_fit j_rss_walk_fit j_ooms_fit j_ok_tight j_peak_tight j_hwm_tight j_rss_walk_tight j_ooms_tight; do
		[ -n "${RES["$m|burnfs"]:-}" ] && runs_line "$m" burnfs
	done
	for m in h_mount h_rss_mount h_rss_walk h_rss_commit h_commit_fresh h_hwm_commit_fresh h_rss_dropped h_hwm_commit_dropped h_rss_mount2 h_sessions1_load h_sessions1 h_rss_sessions h_pending h_pending_lines; do
		[ -n "${RES["$m|burnfs"]:-}" ] && runs_line "$m" burnfs
	done
	out ""
	out "== summary: ${GOALS_MET} goal(s) met, ${#GOALS_MISSED[@]} missed =="
	for g in "${GOALS_MISSED[@]}"; do out "missed: $g"; done
	return 0
}

# --- main ----------------------------------------------------------------------------------------------------------

header
note "building passthrough_ll"
PTLL=$("$HERE/bench/build-passthrough-ll.sh" "$RUN/passthrough_ll") || die "cannot build passthrough_ll"
if has_phase h; then
	note "building isofloor"
	ISOFLOOR=$RUN/isofloor
	# with burnfs's allocator, where there is one: a floor as low as it goes
	# (nothing calls jemalloc by name, so the linker would drop it unasked;
	# with glibc's allocator the floor takes 1.2-1.5x as long)
	je=
	pkg-config --exists jemalloc 2>/dev/null && je="-Wl,--no-as-needed $(pkg-config --libs jemalloc) -Wl,--as-needed"
	# shellcheck disable=SC2086  # $je is a list of words
	cc -O2 "$HERE/bench/isofloor.c" -lisoburn -lisofs -lburn $je -o "$ISOFLOOR" \
		>"$LOGDIR/isofloor-build.log" 2>&1 || die "cannot build isofloor (see $LOGDIR/isofloor-build.log)"
fi
if has_phase i; then
	note "building floorfs"
	FLOORFS=$RUN/floorfs
	# shellcheck disable=SC2046  # pkg-config output is a list of words
	cc -O2 -D_FILE_OFFSET_BITS=64 "$HERE/bench/floorfs.c" $(pkg-config --cflags --libs fuse3) \
		-lpthread -o "$FLOORFS" >"$LOGDIR/floorfs-build.log" 2>&1 || die "cannot build floorfs (see $LOGDIR/floorfs-build.log)"
fi
make_sources
for p in $PHASES; do "phase_$p"; done
report
cp "$OUT" "$RESULTS"
note "results written to $RESULTS"
