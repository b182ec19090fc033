#!/bin/bash
# t39_bootable_disc — a bootable disc made by xorriso (El Torito, its boot
# image and catalog in isolinux/, as Linux installer images keep them)
# stays bootable through burnfs's commits, whether the boot folder is kept
# as the disc holds it or rebuilt: xorriso still finds the boot record and
# the boot image where it was, with the same bytes; the catalog, which
# libisofs writes anew with each session, goes without a name and an empty
# file stands where it was, as burnfs shows it (before, a commit beside a
# kept boot folder failed its read-back); the files added are there and
# every MD5 matches.
. "$(dirname "$0")/lib.sh"

src=$T/src
mkdir -p "$src/isolinux" "$src/docs"
head -c 8192 /dev/urandom >"$src/isolinux/boot.bin"
printf 'readme\n' >"$src/docs/readme.txt"
timeout -k 5 120 xorriso -outdev "stdio:$IMG" -map "$src" / \
	-boot_image any bin_path=/isolinux/boot.bin \
	-boot_image any cat_path=/isolinux/boot.cat \
	-boot_image any load_size=2048 -commit >"$T/x.log" 2>&1 ||
	{ tail -5 "$T/x.log" >&2; fail "xorriso could not make a bootable image"; }

el_torito() {
	timeout -k 5 60 xorriso -indev "stdio:$IMG" -report_el_torito plain 2>&1
}

# boot_ok WHAT: the boot record, the boot image at its first place with
# its bytes, and (CAT=1) the catalog's name.
boot_lba=
boot_ok() {
	local rep lba
	rep=$(el_torito)
	grep -E '^Boot record *: El Torito' >/dev/null <<<"$rep" || { printf '%s\n' "$rep" >&2; fail "$1: no El Torito boot record"; }
	lba=$(awk '/^El Torito boot img :/ { print $NF }' <<<"$rep")
	[ -n "$lba" ] || { printf '%s\n' "$rep" >&2; fail "$1: no boot image"; }
	[ -z "$boot_lba" ] && boot_lba=$lba
	assert_eq "$lba" "$boot_lba" "$1: the boot image's block"
	cmp -s <(dd if="$IMG" bs=2048 skip="$lba" count=4 status=none) "$src/isolinux/boot.bin" ||
		fail "$1: the boot image's bytes changed"
	grep -E '^El Torito img path : +1 +/isolinux/boot.bin' >/dev/null <<<"$rep" ||
		{ printf '%s\n' "$rep" >&2; fail "$1: the boot image lost its name"; }
	if [ "${CAT:-0}" = 1 ]; then
		grep -E '^El Torito cat path : /isolinux/boot.cat' >/dev/null <<<"$rep" ||
			{ printf '%s\n' "$rep" >&2; fail "$1: the catalog lost its name"; }
	fi
}
CAT=1 boot_ok "xorriso's image"

start_burnfs
assert_eq "$(st media_origin)" multisession "media_origin of xorriso's bootable image"
[ -f "$MNT/staging/isolinux/boot.bin" ] || fail "the boot image is not in staging/"
printf 'added\n' >"$MNT/staging/docs/added.txt"
ctl_ok commit
boot_ok "after a commit beside the boot folder"
assert_eq "$(stat -c '%s %a' "$MNT/staging/isolinux/boot.cat")" "0 444" "the catalog's stand-in in staging/"
mkdir "$MNT/staging/more"
head -c 300000 /dev/urandom >"$MNT/staging/more/blob.bin"
ctl_ok commit
boot_ok "after a second commit"
stop_burnfs

assert_eq "$(timeout -k 5 60 isoinfo -R -i "$IMG" -x /docs/added.txt)" added "the added file (isoinfo)"
xorriso_extract "$IMG" "$T/x"
cmp -s "$T/x/isolinux/boot.bin" "$src/isolinux/boot.bin" || fail "the boot image file changed"
assert_eq "$(stat -c %s "$T/x/isolinux/boot.cat")" 0 "the catalog's stand-in on the disc"
check_md5 "$IMG" 2
check_md5 "$IMG" 3

# A change in the boot folder itself rebuilds it: the same.
start_burnfs
printf 'cfg\n' >"$MNT/staging/isolinux/isolinux.cfg"
ctl_ok commit
stop_burnfs
boot_ok "after a change in the boot folder"
check_md5 "$IMG" 4
