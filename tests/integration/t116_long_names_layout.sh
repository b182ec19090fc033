#!/bin/bash
# t116_long_names_layout — a folder of many files with long names (200
# files, 250-byte names): libisofs 1.5.4 counts some Rock Ridge
# continuation padding twice when it lays such a folder out and then
# refuses its own tree ("tree end differ"; xorriso -map of the same folder
# fails the same way). The commit must fail with EIO and a result that
# says what to do, publish nothing and keep everything staged; after the
# names are shortened the same files commit and read back. Should a newer
# libisofs lay the folder out right, the first commit must instead put all
# 200 names on the disc.
. "$(dirname "$0")/lib.sh"

start_burnfs
mkdir "$MNT/staging/L"
python3 - "$MNT/staging/L" <<'PY' || fail "could not stage the files"
import sys
for i in range(200):
    with open('%s/%06d%s' % (sys.argv[1], i, 'e' * 244), 'w') as f:
        f.write('%d\n' % i)
PY
before=$(pending)
ctl commit
if [ -z "$CTL_ERRNO" ]; then
	note "this libisofs lays the folder out: checking the disc instead"
	stop_burnfs
	n=$(isoinfo -R -l -i "$IMG" | grep -c ' 000[0-9]*e\{244\} *$')
	assert_eq "$n" 200 "long names on the disc"
	exit 0
fi
assert_eq "$CTL_ERRNO" EIO "the refused commit's errno"
case $(st last_result) in
*"many long names"*"shorten"*) ;;
*) fail "last_result does not say what to do: $(st last_result)" ;;
esac
assert_eq "$(st sessions)" 0 "sessions after the refused commit"
assert_eq "$(pending)" "$before" "pending after the refused commit"
for f in "$MNT"/staging/L/*; do
	b=${f##*/}
	mv "$f" "$MNT/staging/L/${b:0:100}" || fail "cannot rename $b"
done
ctl_ok commit
stop_burnfs
n=$(isoinfo -R -l -i "$IMG" | grep -c ' 000[0-9]*e\{94\} *$')
assert_eq "$n" 200 "shortened names on the disc"
assert_eq "$(isoinfo -R -i "$IMG" -x "/L/000123$(printf 'e%.0s' $(seq 94))")" 123 \
	"a file's content on the disc"
