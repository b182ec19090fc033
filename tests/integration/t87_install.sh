#!/bin/bash
# t87_install — `meson install --destdir` puts the binary, the manual page
# and bash completion in place; `man -l` renders the page, which names every
# status key a mount shows, every errno of the README and every exit code;
# the completion completes commands, options and mounts; --help is burnfs's
# own (commands, -f, -d, options), not libfuse's module list.
. "$(dirname "$0")/lib.sh"
command -v meson >/dev/null || skip "meson is missing"
command -v man >/dev/null || skip "man is missing (man-db)"
BUILD=$(cd "$(dirname "$BURNFS")/../.." && pwd)
[ -f "$BUILD/build.ninja" ] || skip "no build folder beside $BURNFS"

DEST=$T/dest
timeout 200 meson install -C "$BUILD" --destdir "$DEST" --no-rebuild --quiet >"$T/install.log" 2>&1 ||
	{ cat "$T/install.log" >&2; fail "meson install failed"; }
bin=$(find "$DEST" -path '*/bin/burnfs' -type f)
man=$(find "$DEST" -path '*/man1/burnfs.1' -type f)
comp=$(find "$DEST" -path '*/bash-completion/completions/burnfs' -type f)
[ -x "$bin" ] || fail "no bin/burnfs installed: $(find "$DEST" -type f)"
[ -n "$man" ] || fail "no man1/burnfs.1 installed"
[ -n "$comp" ] || fail "no bash completion installed"
note "installed: ${bin#"$DEST"}, ${man#"$DEST"}, ${comp#"$DEST"}"
"$bin" --version | grep '[0-9]\.[0-9]' >/dev/null || fail "the installed binary gives no version"

# the manual page renders and names everything
MANWIDTH=80 timeout 60 man -l "$man" >"$T/man.txt" 2>"$T/man.err" || fail "man -l failed: $(cat "$T/man.err")"
[ ! -s "$T/man.err" ] || fail "man -l warned: $(cat "$T/man.err")"
for h in NAME SYNOPSIS OPTIONS "CONTROL COMMANDS" JOBS COMMANDS STATUS ERRORS "EXIT STATUS"; do
	grep -q "^$h" "$T/man.txt" || fail "the man page has no $h section"
done
start_burnfs
for key in $(status | sed -n 's/^\([a-z_]*\): .*/\1/p'); do
	grep -qw -- "$key" "$T/man.txt" || fail "status key $key is not in the man page"
done
stop_burnfs
for e in $(sed -n '/^### Errors/,/^## /s/^| \(E[A-Z]*\) .*/\1/p' "$SRCDIR/README.md"); do
	grep -qw -- "$e" "$T/man.txt" || fail "errno $e (README) is not in the man page"
done
for code in 0 1 2 3 4 5 6 7 8 9 10 11 130; do
	sed -n "/^EXIT STATUS/,/^[A-Z]/p" "$T/man.txt" | grep -E "^ {7}$code +[A-Za-z]" >/dev/null ||
		fail "exit status $code is not in the man page"
done

# --help is burnfs's own
"$BURNFS" --help >"$T/help" 2>&1 || fail "--help failed"
for w in ' -f ' ' -d ' 'cache=' 'log=' 'commit' 'abort' 'wait' 'detach'; do
	grep -q -- "$w" "$T/help" || grep -q -- "${w// /}" "$T/help" || fail "--help does not mention '$w'"
done
grep -qiE 'modules|subdir|iconv' "$T/help" && fail "--help lists libfuse's modules"

# bash completion
bc=/usr/share/bash-completion/bash_completion
if [ -r "$bc" ]; then
	start_burnfs
	complete_words() {
		bash --norc -c '. "$1"; . "$2"; shift 2; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
			COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; _burnfs; printf "%s\n" "${COMPREPLY[@]}"' \
			complete "$bc" "$comp" "$@"
	}
	# completes WORD ARGS...: WORD is among the completions of ARGS. Not a
	# pipe into grep -q: with pipefail, grep leaving early fails the pipe.
	completes() {
		local want=$1 out
		shift
		out=$(complete_words "$@") || return 1
		grep -qx -- "$want" <<<"$out"
	}
	completes commit burnfs com || fail "completion of 'burnfs com'"
	completes --detach burnfs commit "$MNT" --d || fail "completion of commit's --d"
	completes "$MNT" burnfs wait "${MNT%/*}/m" || fail "completion of a burnfs mount"
	completes 'cache=x,capacity=' burnfs -o cache=x,ca || fail "completion of -o options"
	stop_burnfs
else
	note "bash-completion is not installed; completion not tried"
fi
