#!/bin/sh
# tests/run.sh — build burnfs for testing and run the whole suite (unit and
# integration tests) with meson, then print one line per test and a summary
# line: "tests: N passed, N failed[, N skipped]". Exit status 0 only when
# nothing failed.
#
# usage: tests/run.sh [BUILD_DIR]     (default: ./build-tests)
# env:   SANITIZE=address,undefined   (default; SANITIZE=none builds without)
#        MESON_TEST_ARGS="--suite unit"   extra arguments for `meson test`
#        TEST_JOBS=N   tests run at once (default: CPUs + 1; most integration
#                      tests wait on the daemon, the disk or a sleep)
set -u
cd "$(dirname "$0")/.." || exit 1
SRC=$(pwd)
BUILD=${1:-$SRC/build-tests}
SANITIZE=${SANITIZE:-address,undefined}

summary_fail() {
	echo "tests/run.sh: $1" >&2
	echo "tests: 0 passed, 1 failed"
	exit 1
}

if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" "$SRC" -Db_sanitize="$SANITIZE" ||
		summary_fail "meson setup failed"
fi
meson compile -C "$BUILD" || summary_fail "build failed"

# A log of this run's own: another `meson test` in the same build folder
# (a single test run by hand) would overwrite testlog.json under it.
LOGBASE=run-$$
JSON=$BUILD/meson-logs/$LOGBASE.json
rm -f "$JSON" "$BUILD/meson-logs/$LOGBASE.junit.xml"
# shellcheck disable=SC2086
meson test -C "$BUILD" --print-errorlogs --no-rebuild --logbase "$LOGBASE" \
	--num-processes "${TEST_JOBS:-$(($(nproc) + 1))}" ${MESON_TEST_ARGS:-}
mrc=$?
[ -s "$JSON" ] || summary_fail "meson test wrote no $LOGBASE.json (exit $mrc)"

# The JSON log has one object per line; meson is python, so python3 is here.
python3 - "$JSON" "$mrc" <<'PY'
import json, sys
passed = failed = skipped = 0
rows = []
with open(sys.argv[1]) as f:
    for line in f:
        line = line.strip()
        if not line:
            continue
        t = json.loads(line)
        r = t.get("result", "?")
        if r in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif r == "SKIP":
            skipped += 1
        else:
            failed += 1
        rows.append((r, t.get("name", "?"), t.get("duration", 0.0)))
print()
for r, name, dur in rows:
    print("%-8s %-50s %6.1fs" % (r, name, dur))
if not rows and sys.argv[2] != "0":
    failed += 1
line = "tests: %d passed, %d failed" % (passed, failed)
if skipped:
    line += ", %d skipped" % skipped
print(line)
sys.exit(1 if failed else 0)
PY
rc=$?
rm -f "$JSON" "$BUILD/meson-logs/$LOGBASE.junit.xml"
exit $rc
