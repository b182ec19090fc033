#!/bin/bash
# t118_cut_short_names — names that are only the start of a UTF-8
# character cut short (C3 alone, E4 B8, F0 9F 98): libisofs 1.5.4 gives
# them no Joliet name and failed the whole write with "Memory allocation
# error", every commit, also once a session written with joliet=off held
# one. They are left out of the Joliet tree (as symlinks are) and recorded
# by Rock Ridge as they are; a name with anything after such a start
# keeps its Joliet name.
. "$(dirname "$0")/lib.sh"

start_burnfs
S=$MNT/staging
for n in $'\xc3' $'\xe4\xb8' $'\xf0\x9f\x98'; do
	printf '%s\n' "$n" >"$S/$n" || fail "cannot create a file named $n"
done
mkdir "$S/"$'\xe4' || fail "cannot create the folder"
printf 'x\n' >"$S/"$'\xc3'"a"
ctl_ok commit
ctl_ok "set joliet=off"
printf 'z\n' >"$S/"$'\xe4'"/"$'\xf0\x9f'
ctl_ok commit
ctl_ok "set joliet=on"
printf 'later\n' >"$S/later"
ctl_ok commit
stop_burnfs
rr=$(isoinfo -R -l -i "$IMG")
for n in $'\xc3' $'\xe4\xb8' $'\xf0\x9f\x98' $'\xe4' $'\xf0\x9f' later; do
	grep -qF " $n" <<<"$rr" || fail "Rock Ridge does not list $(printf '%q' "$n")"
done
assert_eq "$(isoinfo -R -i "$IMG" -x "/"$'\xe4\xb8')" $'\xe4\xb8' "a cut-short name's content"
# Joliet: /later and the name with an 'a' after the start (as "_a"), and
# nothing else but the dot entries
jl=$(isoinfo -J -l -i "$IMG" | grep '\]  ' | sed 's/.*\]  //; s/;1 *$//; s/ *$//' | sort | tr '\n' ' ')
assert_eq "$jl" ". .. _a. later. " "the Joliet tree's names"
check_md5 "$IMG" 3
