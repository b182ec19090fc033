#!/bin/bash
# check-includes.sh — the layering rules of docs/ARCHITECTURE.md that the
# compiler does not check: no header in include/burnfs includes (directly or
# through others) one that includes it back, and a part's private headers
# (src/X/*.h) are included only by src/X itself (the unit tests and fuzz
# harnesses are white-box and may include them), and the calls a public
# header declares are defined in one part, the one its prefix names. Exit 1
# and name what breaks. Run by the unit suite (unit/includes).
# Usage: scripts/check-includes.sh [TREE]   (default: this checkout)
cd "${1:-$(dirname "$0")/..}" || exit 2
python3 - <<'PY'
import glob, os, re, sys
inc = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
def includes(path):
    with open(path, encoding='utf-8') as f:
        return inc.findall(f.read())
bad = 0
pub = {os.path.relpath(p, 'include'): includes(p) for p in glob.glob('include/burnfs/*.h')}
def reach(h, seen):
    for n in pub.get(h, []):
        if n in pub and n not in seen:
            seen.add(n)
            reach(n, seen)
    return seen
for h in sorted(pub):
    if h in reach(h, set()):
        print(f'cycle: {h} includes itself through {sorted(reach(h, set()) & set(pub))}')
        bad = 1
for src in glob.glob('src/*/*.[ch]'):
    part = src.split('/')[1]
    for n in includes(src):
        other = n.split('/')[0]
        if '/' in n and os.path.exists(os.path.join('src', n)) and other != part:
            print(f'{src}: includes {n}, private to src/{other}')
            bad = 1
# Each public header is one part's interface: every call it declares is
# defined in one folder (burn.h once declared calls src/disc defined).
decl = re.compile(r'^[a-z][\w\s\*]*?\b(\w+)\(', re.M)
defs = {}
for src in glob.glob('src/*/*.c'):
    with open(src, encoding='utf-8') as f:
        for m in re.finditer(r'^(?!static)[a-z][\w\s\*]*?\b(\w+)\([^;]*?\)\n\{', f.read(), re.M):
            defs.setdefault(m.group(1), set()).add(src.split('/')[1])
for h in sorted(pub):
    with open(os.path.join('include', h), encoding='utf-8') as f:
        names = decl.findall(f.read())
    parts = set()
    for n in names:
        parts |= defs.get(n, set())
    if len(parts) > 1:
        print(f'{h}: its calls are defined in several parts: {sorted(parts)}')
        bad = 1
# A call's prefix names the part that defines it (job_: src/jobs).
folder = {'job': 'jobs'}
for n, parts in sorted(defs.items()):
    pre = n.split('_')[0]
    want = folder.get(pre, pre)
    if '_' in n and os.path.isdir(os.path.join('src', want)) and parts != {want}:
        print(f'{n}: prefix of src/{want}, defined in {sorted(parts)}')
        bad = 1
sys.exit(bad)
PY
