#!/bin/bash
# t77_control_newline — control input with a newline or another control
# character inside is refused with EINVAL as one bad command: a value can
# neither carry a line break into the volume id nor forge a status line.
. "$(dirname "$0")/lib.sh"

# one_write CMD: CMD in exactly one write(2) (a shell's printf may split
# its output at newlines); sets CTL_ERRNO like ctl.
one_write() {
	local out rc=0
	CTL_ERRNO=
	out=$(timeout -k 5 60 python3 -c 'import os, sys
fd = os.open(sys.argv[2], os.O_WRONLY)
n = os.write(fd, sys.argv[1].encode())
assert n == len(sys.argv[1].encode())' "$1" "$MNT/control" 2>&1) || rc=$?
	[ "$rc" = 0 ] || CTL_ERRNO=$(errno_name "$out")
}

start_burnfs
ctl_ok "set volid=GOOD"
for cmd in $'set volid=A\nstate: idle' $'set volid=A\nstate:idle' \
	$'set volid=A\rB' $'set volid=A\x01B' $'commit\ncommit' $'set volid=A\x7f'; do
	one_write "$cmd"
	assert_eq "$CTL_ERRNO" EINVAL "errno of $(printf %q "$cmd")"
	assert_eq "$(st set_volid)" GOOD "volid after $(printf %q "$cmd")"
	assert_eq "$(status | grep -c '^state: ')" 1 "state lines after $(printf %q "$cmd")"
done
case $(st last_result) in *newline*) ;; *) fail "last_result: $(st last_result)" ;; esac
status | grep -vqE '^[a-z_]+: ' && fail "a status line that is not 'key: value'"
# one trailing newline is fine, as always
ctl_ok "set volid=FINE"
printf 'keep\n' >"$MNT/staging/keep.txt"
ctl_ok commit
assert_eq "$(st volume_id)" FINE "volume_id on the disc"
stop_burnfs
