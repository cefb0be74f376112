#!/usr/bin/env python3
"""png_check.py: is a screenshot a rendered page, not a blank one?

    png_check.py SHOT.png [--min-nonwhite FRACTION] [--min-colours N]
                          [--expect-colour RRGGBB:MIN_PIXELS ...]

Decodes the PNG with the standard library only (zlib; no PIL): 8- and 16-bit
greyscale, grey+alpha, RGB, RGBA and 1/2/4/8-bit palette images, not
interlaced, every row filter. Then counts the pixels that are not white (a
channel below 245 after compositing on white) and the distinct colours, and
for each --expect-colour the pixels within 6 per channel of that colour (a
page's own CSS colours, to tell our page from a browser's error page).

Prints one line of numbers; exits 0 when every threshold is met, 1 when one
is not, 2 when the file is not a PNG it can read.
"""
import argparse
import operator
import struct
import sys
import zlib
from itertools import accumulate

MAX_PIXELS = 64 * 1024 * 1024  # refuse absurd sizes instead of eating memory

CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


class PngError(Exception):
    pass


def read_png(path):
    """(width, height, rows of 8-bit RGB bytes)"""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise PngError("not a PNG (bad signature)")
    pos, idat, ihdr, palette, trns = 8, [], None, None, None
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        ctype = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if len(body) != length:
            raise PngError("truncated chunk %r" % ctype)
        pos += 12 + length
        if ctype == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif ctype == b"PLTE":
            palette = body
        elif ctype == b"tRNS":
            trns = body
        elif ctype == b"IDAT":
            idat.append(body)
        elif ctype == b"IEND":
            break
    if not ihdr or not idat:
        raise PngError("no IHDR or IDAT")
    width, height, depth, colour, _, _, interlace = ihdr
    if colour not in CHANNELS or depth not in (1, 2, 4, 8, 16):
        raise PngError("unsupported colour type %d / bit depth %d" % (colour, depth))
    if depth < 8 and colour != 3 and colour != 0:
        raise PngError("bit depth %d with colour type %d" % (depth, colour))
    if interlace:
        raise PngError("interlaced PNGs are not supported")
    if width * height > MAX_PIXELS or not width or not height:
        raise PngError("size %dx%d out of range" % (width, height))
    raw = zlib.decompress(b"".join(idat))
    bits = CHANNELS[colour] * depth
    bpp = max(1, bits // 8)  # the filters' byte distance
    stride = (width * bits + 7) // 8
    if len(raw) < height * (stride + 1):
        raise PngError("image data too short")
    rows, prev = [], bytes(stride)
    for y in range(height):
        ftype = raw[y * (stride + 1)]
        cur = raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]
        prev = unfilter(ftype, cur, prev, bpp)
        rows.append(to_rgb(prev, width, depth, colour, palette, trns))
    return width, height, rows


def unfilter(ftype, cur, prev, bpp):
    """One row's filter undone; Sub and Up at C speed (accumulate, map), Average and Paeth byte by byte."""
    n = len(cur)
    if ftype == 0:
        return bytes(cur)
    if ftype == 2:
        return bytes(map((255).__and__, map(operator.add, cur, prev)))
    if ftype == 1:
        out = bytearray(n)
        for lane in range(bpp):
            out[lane::bpp] = bytes(map((255).__and__, accumulate(cur[lane::bpp])))
        return bytes(out)
    out = bytearray(cur)
    if ftype == 3:
        for i in range(n):
            left = out[i - bpp] if i >= bpp else 0
            out[i] = (out[i] + ((left + prev[i]) >> 1)) & 255
        return bytes(out)
    if ftype == 4:
        for i in range(n):
            a = out[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            out[i] = (out[i] + pred) & 255
        return bytes(out)
    raise PngError("bad filter type %d" % ftype)


def to_rgb(row, width, depth, colour, palette, trns):
    """A row as 8-bit RGB, alpha composited over white."""
    if depth == 16:
        row = row[0::2]  # the high bytes
    elif depth < 8:
        per = 8 // depth
        mask = (1 << depth) - 1
        vals = bytearray(width)
        for x in range(width):
            byte = row[x // per]
            vals[x] = (byte >> (8 - depth * (x % per + 1))) & mask
        if colour == 0:
            vals = bytes(v * 255 // mask for v in vals)
        row = bytes(vals)
    if colour == 3:
        if palette is None:
            raise PngError("palette image without PLTE")
        pal = [palette[i : i + 3] for i in range(0, len(palette), 3)]
        alpha = trns or b""
        out = bytearray()
        for idx in row[:width]:
            rgb = pal[idx] if idx < len(pal) else b"\0\0\0"
            a = alpha[idx] if idx < len(alpha) else 255
            out += over_white(rgb, a)
        return bytes(out)
    if colour == 0:
        return bytes(v for g in row[:width] for v in (g, g, g))
    if colour == 4:
        return bytes(v for x in range(width) for v in over_white(bytes([row[2 * x]] * 3), row[2 * x + 1]))
    if colour == 2:
        return bytes(row[: 3 * width])
    # RGBA: composite only where the alpha is not opaque
    alphas = row[3::4]
    if alphas.count(255) == width:
        out = bytearray(3 * width)
        out[0::3], out[1::3], out[2::3] = row[0::4], row[1::4], row[2::4]
        return bytes(out)
    out = bytearray()
    for x in range(width):
        out += over_white(row[4 * x : 4 * x + 3], row[4 * x + 3])
    return bytes(out)


def over_white(rgb, a):
    return bytes((c * a + 255 * (255 - a)) // 255 for c in rgb)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("png")
    ap.add_argument("--min-nonwhite", type=float, default=0.01, help="fraction of pixels (default 0.01)")
    ap.add_argument("--min-colours", type=int, default=4, help="distinct colours (default 4)")
    ap.add_argument("--expect-colour", action="append", default=[], metavar="RRGGBB:MIN_PIXELS")
    args = ap.parse_args()
    try:
        width, height, rows = read_png(args.png)
    except (OSError, PngError, zlib.error) as e:
        print("png_check: %s: %s" % (args.png, e))
        return 2
    light = bytes(1 if v < 245 else 0 for v in range(256))  # 1: darker than white
    nonwhite, colours = 0, set()
    wants = []
    for spec in args.expect_colour:
        hexpart, _, count = spec.partition(":")
        rgb = bytes.fromhex(hexpart)
        if len(rgb) != 3:
            ap.error("--expect-colour wants RRGGBB:MIN_PIXELS, not %r" % spec)
        near = [bytes(1 if abs(v - c) <= 6 else 0 for v in range(256)) for c in rgb]
        wants.append((hexpart, near, int(count or 1)))
    found = [0] * len(wants)
    for row in rows:
        r, g, b = row[0::3], row[1::3], row[2::3]
        dark = (
            int.from_bytes(r.translate(light), "big")
            | int.from_bytes(g.translate(light), "big")
            | int.from_bytes(b.translate(light), "big")
        )
        nonwhite += bin(dark).count("1")
        if len(colours) < 100000:
            colours.update(zip(r, g, b))
        for k, (_, near, _) in enumerate(wants):
            hit = (
                int.from_bytes(r.translate(near[0]), "big")
                & int.from_bytes(g.translate(near[1]), "big")
                & int.from_bytes(b.translate(near[2]), "big")
            )
            found[k] += bin(hit).count("1")
    frac = nonwhite / float(width * height)
    print(
        "png_check: %dx%d, %.2f%% non-white pixels, %d distinct colours%s"
        % (
            width,
            height,
            100 * frac,
            len(colours),
            "".join(", #%s: %d px" % (w[0], f) for w, f in zip(wants, found)),
        )
    )
    ok = frac >= args.min_nonwhite and len(colours) >= args.min_colours
    for (hexpart, _, need), got in zip(wants, found):
        if got < need:
            print("png_check: colour #%s: %d pixels, expected at least %d" % (hexpart, got, need))
            ok = False
    if frac < args.min_nonwhite:
        print("png_check: too few non-white pixels (%.2f%% < %.2f%%)" % (100 * frac, 100 * args.min_nonwhite))
    if len(colours) < args.min_colours:
        print("png_check: too few colours (%d < %d)" % (len(colours), args.min_colours))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
