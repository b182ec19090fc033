# memcg.sh — a memory cgroup for bench.sh's phase j (sourced, not run): the
# daemon, find and the kernel's caches they make, held to a limit the way a
# smaller machine would hold them. cgroup v1's memory controller where it is
# mounted, else cgroup v2 with the memory controller; root only. Swap is
# kept out of it where the kernel lets us (the goal says "no swap").

# memcg_make NAME BYTES: make the cgroup and print its folder; status 1 when
# none can be made here.
memcg_make() {
	local v1=/sys/fs/cgroup/memory v2 d
	if [ -w "$v1" ] && [ -e "$v1/memory.limit_in_bytes" ]; then
		d=$v1/$1
		mkdir "$d" 2>/dev/null || return 1
		echo "$2" >"$d/memory.limit_in_bytes" 2>/dev/null || { rmdir "$d"; return 1; }
		echo 0 >"$d/memory.swappiness" 2>/dev/null || true
	else
		v2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
		[ -n "$v2" ] && grep -qw memory "$v2/cgroup.controllers" 2>/dev/null || return 1
		echo +memory >"$v2/cgroup.subtree_control" 2>/dev/null || true
		d=$v2/$1
		mkdir "$d" 2>/dev/null || return 1
		echo "$2" >"$d/memory.max" 2>/dev/null || { rmdir "$d"; return 1; }
		echo 0 >"$d/memory.swap.max" 2>/dev/null || true
	fi
	printf '%s\n' "$d"
}

# memcg_enter DIR / memcg_leave DIR: move this shell in (what it starts
# from then on is born inside) and back to where DIR's parent is.
memcg_enter() { echo "$BASHPID" >"$1/cgroup.procs"; }
memcg_leave() { echo "$BASHPID" >"$(dirname "$1")/cgroup.procs"; }

# memcg_peak DIR: the highest usage in bytes ("nan" where the kernel keeps
# none: cgroup v2 before Linux 5.19).
memcg_peak() {
	cat "$1/memory.max_usage_in_bytes" 2>/dev/null || cat "$1/memory.peak" 2>/dev/null || echo nan
}

# memcg_ooms DIR: how many processes the kernel killed for the limit.
memcg_ooms() {
	local f=$1/memory.oom_control
	[ -e "$f" ] || f=$1/memory.events
	awk '$1 == "oom_kill" { n = $2 } END { print n == "" ? "nan" : n }' "$f" 2>/dev/null ||
		echo nan
}

# memcg_remove DIR: once its processes are gone (a daemon ends a moment
# after its unmount).
memcg_remove() {
	local i
	for ((i = 0; i < 100; i++)); do
		rmdir "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
