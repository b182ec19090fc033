#!/bin/bash
# t30_concurrent — burnfs driven from several processes at once. WORKERS
# background workers (default 4) run for WORK_SECONDS (default 20) each, in
# their own folder staging/wN/, a seeded random mix of create, write at an
# offset, append, truncate, rename, unlink, rm -rf, mkdir, rmdir, chmod,
# chown, touch, setfattr (set/remove), ln, ln -s and reads (cat, partial
# read, ls, stat, readlink, getfattr). Every operation is run first on a
# local model folder and then on staging/ (under a timeout): the exit status
# and the output of the two must agree, and no operation may hang or fail
# with EIO/ENOTCONN. Meanwhile a scanner loops reading control, pending,
# sessions/ and the newest session, and walking and reading all of staging/
# (racing with the workers), and 4 commits are issued, each of which must
# succeed. Afterwards: staging/ equals the model (types, modes, owners,
# sizes, contents, symlinks, user.* xattrs); a last commit leaves pending
# empty; staging/ equals the newest session as extracted by xorriso and as
# shown under sessions/N; every session's MD5s check; the daemon exits
# cleanly without a sanitizer report; a remount shows the same tree.
#
# SEED=N picks another random sequence (default 30); WORKERS, WORK_SECONDS,
# COMMITS tune the load. On a hang the daemon's threads are dumped with gdb.
: "${TEST_LIMIT:=150}"
export TEST_LIMIT
. "$(dirname "$0")/lib.sh"

SEED=${SEED:-30}
WORKERS=${WORKERS:-4}
WORK_SECONDS=${WORK_SECONDS:-20}
COMMITS=${COMMITS:-4}
MAX_OPS=${MAX_OPS:-20000}
OP_TIMEOUT=20
NAMES=(a b c d e f g h)
S=$MNT/staging
O=$T/out
mkdir -p "$T/model" "$T/data" "$O"
note "seed $SEED, $WORKERS workers for ${WORK_SECONDS}s, $COMMITS commits while they run"

# --- diagnostics -------------------------------------------------------------

dump_threads() {
	[ -z "${DUMPED:-}" ] || return 0
	DUMPED=1
	[ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null || return 0
	command -v gdb >/dev/null || return 0
	timeout -k 5 90 gdb -p "$DAEMON_PID" -batch -ex 'thread apply all bt' \
		>"$O/threads.txt" 2>&1 </dev/null || true
	echo "--- daemon threads (gdb) ---" >&2
	grep -E '^Thread|^#' "$O/threads.txt" | sed -n 1,300p >&2
	echo "--- end of daemon threads ---" >&2
}

show_failures() {
	local f
	for f in "$O"/*.fail; do
		[ -s "$f" ] || continue
		echo "--- $(basename "$f") ---" >&2
		head -30 "$f" >&2
	done
}

# lib.sh's fail, plus what a concurrency failure needs to be understood
fail() {
	trap - ERR
	show_failures
	grep -qs HANG "$O"/*.fail && dump_threads
	case $* in *"did not return"* | *"timed out"* | *"did not stop"*) dump_threads ;; esac
	printf 'FAIL: %s: %s (seed %s)\n' "$TEST_NAME" "$*" "$SEED" >&2
	exit 1
}

# Failure messages that mean the daemon broke, not that the operation was
# refused: they never appear on the model, so they are failures anywhere.
BAD_ERRORS='Input/output error|Transport endpoint is not connected|Software caused connection abort|Bad address|Function not implemented|No such device|Cannot allocate memory'

# oneline [FILE]: at most 300 bytes, newlines shown as " | "
oneline() { head -c 300 "$@" | sed -z 's/\n$//; s/\n/ | /g'; }

# --- a worker: random operations in staging/wN and in the model ------------------

worker() {
	local w=$1 deadline=$2
	local M=$T/model/w$w W=$S/w$w data=$T/data/w$w fails=$O/w$w.fail
	local n=0 r1 r2 r3 r4 r5 op E P D cmd depth
	local -a dirs ents
	set +eE
	trap - ERR
	exec >"$O/w$w.log" 2>&1 </dev/null
	RANDOM=$((SEED * 100 + w))
	: >"$fails"

	# run CMD: in the model, then in staging/wN; exit status and stdout must
	# match; stderr may word an error differently (noted, not failed)
	run() {
		local om os rm=0 rs=0
		om=$(cd "$M" && bash -c "$1" 2>"$O/w$w.em") || rm=$?
		os=$(cd "$W" && timeout -k 5 "$OP_TIMEOUT" bash -c "$1" 2>"$O/w$w.es") || rs=$?
		if [ "$rs" = 124 ] || [ "$rs" = 137 ]; then
			echo "HANG: op $n did not return in ${OP_TIMEOUT}s: $1" >>"$fails"
			: >"$O/abort"
			return
		fi
		if grep -qE "$BAD_ERRORS" "$O/w$w.es"; then
			echo "ERROR: op $n: $1: $(oneline "$O/w$w.es")" >>"$fails"
		elif [ "$rm" != "$rs" ]; then
			printf 'MISMATCH: op %d: %s: model status %d (%s), staging status %d (%s)\n' \
				"$n" "$1" "$rm" "$(oneline "$O/w$w.em")" "$rs" "$(oneline "$O/w$w.es")" >>"$fails"
		elif [ "$om" != "$os" ]; then
			printf 'OUTPUT: op %d: %s: model printed [%s], staging printed [%s]\n' \
				"$n" "$1" "$(printf '%s' "$om" | oneline)" "$(printf '%s' "$os" | oneline)" >>"$fails"
		elif ! cmp -s "$O/w$w.em" "$O/w$w.es"; then
			printf 'note: op %d: %s: model said [%s], staging said [%s]\n' \
				"$n" "$1" "$(oneline "$O/w$w.em")" "$(oneline "$O/w$w.es")"
		fi
		printf '%d %d %s\n' "$n" "$rs" "$1"
	}

	mkdir -p "$M" "$W" || { echo "ERROR: mkdir w$w failed" >>"$fails"; return; }
	while [ "$n" -lt "$MAX_OPS" ] && [ "$SECONDS" -lt "$deadline" ] &&
		[ ! -e "$O/abort" ]; do
		n=$((n + 1))
		r1=$RANDOM r2=$RANDOM r3=$RANDOM r4=$RANDOM r5=$RANDOM
		mapfile -t dirs < <(cd "$M" && find . -type d | sort)
		mapfile -t ents < <(cd "$M" && find . -mindepth 1 | sort)
		# E: an existing entry (a name when the folder is empty); P: a
		# path that may or may not exist, at most 3 folders deep
		if [ "${#ents[@]}" -gt 0 ]; then E=${ents[r2 % ${#ents[@]}]}; else E=./${NAMES[r2 % 8]}; fi
		D=${dirs[r3 % ${#dirs[@]}]}
		depth=${D//[^\/]/}
		[ "${#depth}" -lt 3 ] || D=.
		P=$D/${NAMES[r4 % 8]}
		[ $((r5 % 10)) -lt 3 ] && [ "${#ents[@]}" -gt 0 ] && P=${ents[r5 % ${#ents[@]}]}
		op=$((r1 % 100))
		if [ "$op" -lt 10 ]; then
			cmd="printf 'w$w op $n %s\n' $r2 >$P"
		elif [ "$op" -lt 20 ]; then
			head -c $((r2 % 4 == 0 ? r3 * 8 : r3 % 16384 + 1)) /dev/urandom >"$data"
			cmd="dd if=$data of=$P bs=65536 seek=$((r4 % 4 == 0 ? r5 * 4 : r5 % 8192)) oflag=seek_bytes conv=notrunc status=none"
		elif [ "$op" -lt 26 ]; then
			head -c $((r3 % 20000 + 1)) /dev/urandom >"$data"
			cmd="cat $data >>$P"
		elif [ "$op" -lt 31 ]; then
			cmd="truncate -s $((r2 % 3 == 0 ? 0 : r3 * 6)) $P"
		elif [ "$op" -lt 37 ]; then
			cmd="mv $E $P"
		elif [ "$op" -lt 40 ]; then
			cmd="mv -T $E $P"
		elif [ "$op" -lt 45 ]; then
			cmd="rm $E"
		elif [ "$op" -lt 47 ]; then
			cmd="rm -rf $E"
		elif [ "$op" -lt 53 ]; then
			cmd="mkdir $P"
		elif [ "$op" -lt 56 ]; then
			cmd="rmdir $E"
		elif [ "$op" -lt 59 ]; then
			local modes=(644 600 755 640 700 664 750 444)
			cmd="chmod ${modes[r3 % 8]} $E"
		elif [ "$op" -lt 61 ]; then
			cmd="chown $((r3 % 3 * 1000)):$((r4 % 3 * 500)) $E"
		elif [ "$op" -lt 64 ]; then
			cmd="touch -d @$((1000000000 + r3 * 20000 + r4)) $E"
		elif [ "$op" -lt 65 ]; then
			cmd="touch $P"
		elif [ "$op" -lt 69 ]; then
			cmd="setfattr -n user.k$((r3 % 4)) -v v$r4 $E"
		elif [ "$op" -lt 70 ]; then
			cmd="setfattr -x user.k$((r3 % 4)) $E"
		elif [ "$op" -lt 73 ]; then
			# a hard link to a regular file (links to symlinks or folders
			# are not part of the contract)
			cmd="[ -f $E ] && [ ! -L $E ] && ln $E $P"
		elif [ "$op" -lt 76 ]; then
			cmd="ln -s ${NAMES[r3 % 8]} $P"
		elif [ "$op" -lt 83 ]; then
			cmd="sha256sum <$E"
		elif [ "$op" -lt 86 ]; then
			cmd="dd if=$E bs=4096 skip=$((r3 % 40)) count=3 status=none | sha256sum"
		elif [ "$op" -lt 90 ]; then
			cmd="ls -A $E"
		elif [ "$op" -lt 95 ]; then
			cmd="stat -c '%n %F %a %u:%g' $E && { [ -d $E ] || stat -c '%s %h' $E; }"
		elif [ "$op" -lt 97 ]; then
			cmd="readlink $E"
		else
			cmd="getfattr -d -m '^user\\.' $E | sort"
		fi
		run "$cmd"
	done
	echo "$n" >"$O/w$w.ops"
}

# --- the scanner: status files, sessions, and all of staging/ -----------------

scanner() {
	local i=0 out rc newest fails=$O/scan.fail
	set +eE
	trap - ERR
	exec >"$O/scan.log" 2>&1 </dev/null
	: >"$fails"
	bad() { echo "$*" >>"$fails"; }
	while [ ! -e "$O/stop" ] && [ ! -e "$O/abort" ]; do
		i=$((i + 1))
		rc=0; out=$(timeout -k 5 10 cat "$MNT/control" 2>&1) || rc=$?
		[ "$rc" = 0 ] || bad "reading control failed ($rc): $(printf "%s" "$out" | oneline)"
		grep -q '^state: ' <<<"$out" || bad "control has no state line: $(printf "%s" "$out" | oneline)"
		rc=0; out=$(timeout -k 5 10 cat "$MNT/pending" 2>&1) || rc=$?
		[ "$rc" = 0 ] || bad "reading pending failed ($rc): $(printf "%s" "$out" | oneline)"
		[ -z "$out" ] || ! grep -vqE '^[AMD] .|^R .+ -> .' <<<"$out" ||
			bad "malformed pending line: $(grep -vE '^[AMD] .|^R .+ -> .' <<<"$out" | oneline)"
		rc=0; out=$(timeout -k 5 10 ls "$MNT/sessions" 2>&1) || rc=$?
		[ "$rc" = 0 ] || bad "ls sessions/ failed ($rc): $(printf "%s" "$out" | oneline)"
		newest=$(printf '%s\n' "$out" | grep -E '^[0-9]+$' | sort -n | tail -1)
		if [ -n "$newest" ]; then
			# a recorded session never changes: every read must succeed,
			# except that a session whose index is not loaded yet cannot
			# be loaded while a burn holds the drive: EAGAIN
			# (src/fs/fs.h, fs_session_lookup), counted, not failed
			rc=0; out=$(cd "$MNT/sessions/$newest" && timeout -k 5 30 \
				find . -type f -exec cat {} + 2>&1 >/dev/null) || rc=$?
			if [ "$rc" != 0 ] && [ -n "$out" ] &&
				! grep -qv 'Resource temporarily unavailable' <<<"$out"; then
				echo "$newest" >>"$O/scan.eagain"
			elif [ "$rc" != 0 ]; then
				bad "reading sessions/$newest failed ($rc): $(printf '%s' "$out" | oneline)"
			fi
		fi
		# staging/ changes under our feet: ENOENT and the like are fine,
		# hangs and EIO are not
		rc=0; timeout -k 5 30 ls -laR "$S" >/dev/null 2>"$O/scan.err" || rc=$?
		[ "$rc" != 124 ] && [ "$rc" != 137 ] || bad "HANG: ls -laR staging/ did not return in 30s"
		grep -E "$BAD_ERRORS" "$O/scan.err" | sed -n 1,3p | sed 's/^/ls -laR: /' >>"$fails"
		rc=0; timeout -k 5 30 find "$S" -type f -exec cat {} + >/dev/null 2>"$O/scan.err" || rc=$?
		[ "$rc" != 124 ] && [ "$rc" != 137 ] || bad "HANG: reading all of staging/ did not return in 30s"
		grep -E "$BAD_ERRORS" "$O/scan.err" | sed -n 1,3p | sed 's/^/cat: /' >>"$fails"
		rc=0; timeout -k 5 30 getfattr -R -d -m - "$S" >/dev/null 2>"$O/scan.err" || rc=$?
		[ "$rc" != 124 ] && [ "$rc" != 137 ] || bad "HANG: getfattr -R staging/ did not return in 30s"
		grep -E "$BAD_ERRORS" "$O/scan.err" | sed -n 1,3p | sed 's/^/getfattr: /' >>"$fails"
		if grep -q HANG "$fails"; then
			: >"$O/abort"
		fi
	done
	echo "$i" >"$O/scan.rounds"
}

# --- manifests -------------------------------------------------------------------

# tree_manifest without mtimes (the model's times are not staging's)
manifest_nomtime() {
	tree_manifest "$1" | awk '$1 == "d" { print $1, $2, $3, $4; next }
		$1 == "f" { print $1, $2, $3, $4, $5, $7; next } { print }'
}

# user.* xattrs of every entry but symlinks: "path name=value", sorted
xattr_manifest() {
	(cd "$1" && find . -mindepth 1 ! -type l -print0 | sort -z |
		xargs -0 -r getfattr -h -d -m '^user\.' -- 2>&1 |
		awk '/^# file: / { f = substr($0, 9); next } NF { print f, $0 }' | sort)
}

assert_same_xattrs() {
	xattr_manifest "$1" >"$T/xattr.a"
	xattr_manifest "$2" >"$T/xattr.b"
	diff -u "$T/xattr.a" "$T/xattr.b" >&2 || fail "user.* xattrs differ: $3 ($1 vs $2)"
}

# --- run ------------------------------------------------------------------------------

start_burnfs
start=$SECONDS
deadline=$((start + WORK_SECONDS))
WPIDS=()
for ((w = 0; w < WORKERS; w++)); do
	worker "$w" "$deadline" &
	WPIDS+=($!)
	BG_PIDS+=($!)
done
scanner &
SCAN_PID=$!
BG_PIDS+=("$SCAN_PID")

sessions_before=0
for ((c = 1; c <= COMMITS; c++)); do
	# commits spread over the workers' run
	while [ $((SECONDS - start)) -lt $((c * WORK_SECONDS / (COMMITS + 1))) ]; do
		sleep 0.2
	done
	[ ! -e "$O/abort" ] || fail "a worker or the scanner saw a hang"
	t0=$SECONDS
	ctl_ok commit 60
	s=$(st sessions)
	note "commit $c (at ${t0}s): ok in $((SECONDS - t0))s, sessions: $s"
	[ "$s" -ge "$sessions_before" ] || fail "sessions went down from $sessions_before to $s"
	sessions_before=$s
done

for ((w = 0; w < WORKERS; w++)); do
	wait_pid_exit "${WPIDS[w]}" $((OP_TIMEOUT + 30)) || fail "worker $w did not stop"
	wait "${WPIDS[w]}" || true
done
: >"$O/stop"
wait_pid_exit "$SCAN_PID" 100 || fail "the scanner did not stop"
wait "$SCAN_PID" || true
BG_PIDS=()

ops=0
for ((w = 0; w < WORKERS; w++)); do
	[ -s "$O/w$w.ops" ] || fail "worker $w did not finish"
	ops=$((ops + $(cat "$O/w$w.ops")))
done
note "$ops operations by $WORKERS workers, $(cat "$O/scan.rounds") scanner rounds, in $((SECONDS - start))s"
[ ! -s "$O/scan.eagain" ] ||
	note "reading sessions/N during a commit failed with EAGAIN $(wc -l <"$O/scan.eagain") times"
notes=$(cat "$O"/w*.log | grep -c '^note: ' || true)
[ "$notes" = 0 ] || note "$notes operations failed on both sides with differently worded errors, e.g.: $(grep -h '^note: ' "$O"/w*.log | sed -n 1p)"
if grep -qs . "$O"/*.fail; then
	fail "$(cat "$O"/*.fail | wc -l) problems seen while the workers ran (first: $(sed -n 1p "$O"/*.fail | cut -c1-300))"
fi
kill -0 "$DAEMON_PID" || fail "burnfs died while the workers ran"
check_log

# staging/ is what the operations made
(cd "$T/model" && find . -mindepth 1 -maxdepth 1 | sort) >"$T/top.model"
(cd "$S" && find . -mindepth 1 -maxdepth 1 | sort) >"$T/top.staging"
diff -u "$T/top.model" "$T/top.staging" >&2 || fail "staging/ holds other top-level entries than the model"
manifest_nomtime "$T/model" >"$T/m.model"
manifest_nomtime "$S" >"$T/m.staging"
diff -u "$T/m.model" "$T/m.staging" >"$T/m.diff" ||
	{ head -60 "$T/m.diff" >&2; fail "staging/ differs from the model of the operations"; }
assert_same_xattrs "$T/model" "$S" "model and staging/"
note "staging/ equals the model: $(wc -l <"$T/m.model") entries"

# the last commit burns all of it
ctl_ok commit 60
assert_eq "$(pending)" "" "pending after the last commit"
nsess=$(st sessions)
assert_eq "$(toc_sessions "$IMG")" "$nsess" "sessions on the image (xorriso -toc)"
[ "$nsess" -ge 2 ] || fail "only $nsess sessions after $((COMMITS + 1)) commits"
xorriso_extract "$IMG" "$T/x"
assert_same_tree "$S" "$T/x" "staging/ and the newest session (xorriso -extract)"
assert_same_xattrs "$S" "$T/x" "staging/ and the newest session (xorriso -extract)"
assert_same_tree "$S" "$MNT/sessions/$nsess" "staging/ and sessions/$nsess"
kill -0 "$DAEMON_PID" || fail "burnfs died"
stop_burnfs
for ((k = 1; k <= nsess; k++)); do check_md5 "$IMG" "$k"; done
check_md5 "$IMG"

# a remount shows the same tree, with nothing pending
start_burnfs
assert_same_tree "$T/x" "$S" "the newest session and staging/ after a remount"
assert_same_xattrs "$T/x" "$S" "the newest session and staging/ after a remount"
assert_eq "$(pending)" "" "pending after a remount"
stop_burnfs
