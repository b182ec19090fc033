#!/usr/bin/env python3
"""damage.py — make a corpus of damaged ISO 9660 images from good ones.

usage: damage.py OUTDIR NAME=IMAGE...

Writes OUTDIR/NAME-MUTATION.iso for every base image and every mutation
that applies to it, lists them in OUTDIR/corpus.txt (one file name a
line), and in OUTDIR/ends.txt each one's name and where its data ends
(the zeros behind are padding). Deterministic: the random flips come from a generator seeded with
the base's name and the mutation, so a failing case can be made again.

The mutations are the damage a disc or an image file meets: truncations,
volume space sizes of 0 and 0x7fffffff, flipped bytes in volume
descriptors, directory records and Rock Ridge fields, directory loops,
continuation areas that point at themselves, extents past the end.
"""
import os
import random
import struct
import sys

BLK = 2048


def i_blk(n):
    return n * BLK


def u32(b, off):
    return struct.unpack_from('<I', b, off)[0]


def put32(b, off, v):
    """Both-endian 32-bit field (little then big), as ISO 9660 stores it."""
    struct.pack_into('<I', b, off, v & 0xffffffff)
    struct.pack_into('>I', b, off + 4, v & 0xffffffff)


class Image:
    def __init__(self, data):
        self.b = bytearray(data)

    def blk(self, n):
        return n * BLK

    def is_pvd(self, lba):
        o = self.blk(lba)
        return self.b[o:o + 6] == b'\x01CD001'

    def sessions(self):
        """Superblock LBAs: the header at 0, then every session start that
        a libisoburn scan would find (a PVD 16 blocks in, on a 32-block
        boundary)."""
        found = [0] if self.is_pvd(16) else []
        for s in range(32, len(self.b) // BLK - 16, 32):
            if self.is_pvd(s + 16):
                found.append(s)
        return found

    def root(self, sb):
        """(offset of the root directory record in the PVD, extent, size)"""
        o = self.blk(sb + 16) + 156
        return o, u32(self.b, o + 2), u32(self.b, o + 10)

    def records(self, extent, size):
        """Offsets of the directory records of a directory (not . and ..)."""
        out = []
        o, end = self.blk(extent), self.blk(extent) + size
        seen = 0
        while o < end and o < len(self.b):
            n = self.b[o]
            if n == 0:
                o = (o // BLK + 1) * BLK
                continue
            if seen >= 2:
                out.append(o)
            seen += 1
            o += n
        return out

    def is_dir(self, rec):
        return self.b[rec + 25] & 2

    def susp(self, rec):
        """Offsets of the SUSP entries in a record's system use area."""
        n, nl = self.b[rec], self.b[rec + 32]
        o = rec + 33 + nl + (0 if nl % 2 else 1)
        out = []
        while o + 4 <= rec + n and self.b[o + 2] >= 4:
            out.append(o)
            o += self.b[o + 2]
        return out

    def walk(self, sb, limit=2000):
        """(record offset, extent of the folder holding it) for the tree
        below superblock sb, breadth first."""
        _, ext, size = self.root(sb)
        todo, out, seen = [(ext, size)], [], set()
        while todo and len(out) < limit:
            ext, size = todo.pop(0)
            if ext in seen or self.blk(ext) >= len(self.b):
                continue
            seen.add(ext)
            for r in self.records(ext, size):
                out.append((r, ext))
                if self.is_dir(r):
                    todo.append((u32(self.b, r + 2), u32(self.b, r + 10)))
        return out


def mutations(im):
    """name -> function(image, rng) that damages it, or returns False when
    the mutation does not apply to this image."""
    ss = im.sessions()
    last = ss[-1] if ss else 0
    s1 = ss[1] if len(ss) > 1 else 0
    m = {}

    def cut(n):
        def f(i, rng):
            if n >= len(i.b):
                return False
            del i.b[n:]
        return f

    m['cut-header'] = cut(16 * BLK + 40)
    m['cut-s1-header'] = cut(i_blk(s1 + 16) + 100) if s1 else None
    _, rext, _ = im.root(0) if ss else (0, 0, 0)
    m['cut-root-dir'] = cut(i_blk(rext) + 300) if rext else None
    m['cut-middle'] = cut(len(im.b) // 2 // BLK * BLK + 1000)

    def vss(sb, v):
        def f(i, rng):
            put32(i.b, i.blk(sb + 16) + 80, v)
        return f

    for tag, sb in (('header', 0), ('s1', s1), ('last', last)):
        if tag == 'header' or sb:
            m['vss0-' + tag] = vss(sb, 0)
            m['vssmax-' + tag] = vss(sb, 0x7fffffff)

    def rootrec(field_off, v, sb=0):
        def f(i, rng):
            o, _, _ = i.root(sb)
            put32(i.b, o + field_off, v)
        return f

    m['root-extent-past-end'] = rootrec(2, 0x7ffffff0)
    m['root-size-huge'] = rootrec(10, 0x7ffff800)
    m['root-extent-zero'] = rootrec(2, 0)
    m['blocksize-512'] = lambda i, rng: struct.pack_into(
        '<H', i.b, i.blk(16) + 128, 512) or struct.pack_into(
        '>H', i.b, i.blk(16) + 130, 512)

    def loop(kind):
        def f(i, rng):
            d = [(r, parent) for r, parent in i.walk(0) if i.is_dir(r)]
            if not d:
                return False
            r, parent = d[-1]             # the deepest folder
            _, rext, rsize = i.root(0)
            ext, size = (rext, rsize) if kind == 'root' else \
                (parent, u32(i.b, r + 10))
            put32(i.b, r + 2, ext)        # ... now holds the root, or
            put32(i.b, r + 10, size)      # the folder that holds it
        return f

    m['loop-to-root'] = loop('root')
    m['loop-to-parent'] = loop('parent')

    def filerec(field_off, v):
        def f(i, rng):
            recs = [r for r, _ in i.walk(0) if not i.is_dir(r)
                    and u32(i.b, r + 10) > 0]
            if not recs:
                return False
            put32(i.b, recs[-1] + field_off, v)
        return f

    m['file-extent-past-end'] = filerec(2, len(im.b) // BLK + 100)
    m['file-size-past-end'] = filerec(10, 0xfffff000)

    def reclen(v):
        def f(i, rng):
            recs = i.walk(0)
            if not recs:
                return False
            i.b[recs[0][0]] = v
        return f

    m['dirrec-len-1'] = reclen(1)
    m['dirrec-len-255'] = reclen(255)

    def rr(sig, fn):
        def f(i, rng):
            for r, _ in i.walk(0):
                for e in i.susp(r):
                    if bytes(i.b[e:e + 2]) == sig:
                        fn(i, e, rng)
                        return
            return False
        return f

    def ce_self(i, e, rng):
        # a continuation area that continues into itself
        lba = u32(i.b, e + 4)
        put32(i.b, e + 4, lba)
        put32(i.b, e + 12, 0)
        put32(i.b, e + 20, 0x7ffffff0)

    def nm_len(i, e, rng):
        i.b[e + 2] = 255

    def px_short(i, e, rng):
        i.b[e + 2] = 4

    def sl_garbage(i, e, rng):
        for k in range(5, i.b[e + 2]):
            i.b[e + k] = 0xff

    m['rr-ce-huge'] = rr(b'CE', ce_self)
    m['rr-nm-len'] = rr(b'NM', nm_len)
    m['rr-px-short'] = rr(b'PX', px_short)
    m['rr-sl-garbage'] = rr(b'SL', sl_garbage)

    def flips(where, n):
        def f(i, rng):
            spans = []
            if where == 'vd':
                for sb in i.sessions():
                    spans.append((i.blk(sb + 16), 3 * BLK))
            else:
                recs = i.walk(0)
                if not recs:
                    return False
                for r, _ in recs:
                    if where == 'dirrec':
                        spans.append((r, 33))
                    else:
                        spans += [(e, i.b[e + 2]) for e in i.susp(r)]
            if not spans:
                return False
            for _ in range(n):
                o, ln = rng.choice(spans)
                k = o + rng.randrange(max(ln, 1))
                if k < len(i.b):
                    i.b[k] ^= 1 << rng.randrange(8)
        return f

    for k in range(3):
        m['flip-vd-%d' % k] = flips('vd', 8)
        m['flip-dirrec-%d' % k] = flips('dirrec', 12)
        m['flip-rr-%d' % k] = flips('rr', 12)
    return {k: v for k, v in m.items() if v}


def main():
    out = sys.argv[1]
    names = []
    for arg in sys.argv[2:]:
        name, path = arg.split('=', 1)
        with open(path, 'rb') as fh:
            data = fh.read()
        for mname, fn in sorted(mutations(Image(data)).items()):
            im = Image(data)
            rng = random.Random('%s/%s' % (name, mname))
            if fn(im, rng) is False:
                continue
            fname = '%s-%s.iso' % (name, mname)
            with open(os.path.join(out, fname), 'wb') as fh:
                fh.write(im.b)
            names.append((fname, len(bytes(im.b).rstrip(b'\0'))))
    with open(os.path.join(out, 'corpus.txt'), 'w') as fh:
        fh.write(''.join(n + '\n' for n, _ in names))
    # where each image's data ends (zeros after that may be cut)
    with open(os.path.join(out, 'ends.txt'), 'w') as fh:
        fh.write(''.join('%s %d\n' % (n, e) for n, e in names))


if __name__ == '__main__':
    main()
