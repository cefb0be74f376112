#!/usr/bin/env python3
"""
warc_seeds.py — writes the seed corpora of the WARC fuzz targets:

    tests/fuzz/corpus/warc/     fuzz_warc:    1 options byte + a WARC stream
    tests/fuzz/corpus/http/     fuzz_http:    1 limit byte + an HTTP message
    tests/fuzz/corpus/chunked/  fuzz_chunked: 1 style byte + a chunked body

from the samples in tests/data/ (decompressed, small ones whole, larger ones
cut into pieces) and from small hand-made inputs for each rule in warc.h.
The first byte of every seed is chosen to switch the target's options on
(fuzz_warc: bit 0 HTTP decoding, bit 1 keep damaged records, bit 2 a small
block limit, bit 3 a small decode limit).

    python3 tests/tools/warc_seeds.py        # from the repository root

Files it writes are named seed-*; crashers and other finds that libFuzzer
adds keep their own names. Rerunning rewrites the seeds only.
"""
import gzip
import os
import re
import zlib

DATA = "tests/data/"
OUT = "tests/fuzz/corpus/"


def gunzip(path):
    raw = open(path, "rb").read()
    if not path.endswith(".gz"):
        return raw
    out = bytearray()
    while raw:
        d = zlib.decompressobj(31)
        try:
            out += d.decompress(raw)
        except zlib.error:
            break
        if not d.eof:
            break
        raw = d.unused_data
    return bytes(out)


def write(target, name, data):
    os.makedirs(OUT + target, exist_ok=True)
    with open(f"{OUT}{target}/seed-{name}", "wb") as f:
        f.write(data)


def records(data):
    """(start, end) of each record framed by Content-Length."""
    out = []
    pos = 0
    while True:
        m = re.compile(rb"WARC/\d").search(data, pos)
        if not m:
            return out
        h = re.compile(rb"\r?\n\r?\n").search(data, m.start())
        cl = re.compile(rb"(?im)^content-length:\s*(\d+)").search(data, m.start(), h.end() if h else len(data))
        if not h or not cl:
            return out
        end = min(len(data), h.end() + int(cl.group(1)))
        out.append((m.start(), end, h.end()))
        pos = end


def rec(fields, block, version=b"WARC/1.0", eol=b"\r\n"):
    head = version + eol + fields.replace(b"\r\n", eol) + b"Content-Length: %d" % len(block) + eol + eol
    return head + block + eol + eol


STD = b"WARC-Type: response\r\nWARC-Record-ID: <urn:uuid:1>\r\nWARC-Date: 2024-05-18T01:58:10Z\r\n" \
      b"Content-Type: application/http; msgtype=response\r\n"


def main():
    samples = sorted(f for f in os.listdir(DATA) if ".warc" in f)
    for f in samples:
        data = gunzip(DATA + f)
        base = f.split(".warc")[0]
        if len(data) <= 12000:
            write("warc", base + "-whole", b"\x03" + data)
            write("warc", base + "-whole-limits", b"\x0d" + data)
        recs = records(data)
        # the first few records as pieces, and every HTTP head
        for i, (s, e, b) in enumerate(recs[:6]):
            piece = data[s:min(e + 4, s + 8000)]
            write("warc", f"{base}-rec{i}", b"\x01" + piece)
            block = data[b:e]
            if block.startswith(b"HTTP/") or re.match(rb"[A-Z]+ ", block):
                write("http", f"{base}-rec{i}", b"\x00" + block[:8000])
                hb = re.compile(rb"\r?\n\r?\n").search(block)
                if hb and re.search(rb"(?i)transfer-encoding:\s*chunked", block[:hb.start()]):
                    write("chunked", f"{base}-rec{i}", b"\x00" + block[hb.end():hb.end() + 8000])
        if recs:
            s, e, b = recs[0]
            write("warc", base + "-cut-header", b"\x01" + data[s:b - 7])
            write("warc", base + "-cut-block", b"\x03" + data[s:max(b, e - 50)])

    # hand-made: one rule each
    r1 = rec(STD, b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n<p>hi</p>")
    gz = gzip.compress(b"<html>" + b"hello " * 50 + b"</html>")
    r_gzip = rec(STD, b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(gz) + gz)
    chunked_body = b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n"
    r_chunked = rec(STD, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked_body)
    r_optout = rec(STD, b"HTTP/1.1 200 OK\r\ntdm-reservation: 1\r\ntdm-policy: https://x/p.json\r\n"
                   b"X-Robots-Tag: noai, noimageai\r\nX-Robots-Tag: googlebot: noindex\r\n"
                   b"Link: <https://creativecommons.org/licenses/by/4.0/>; rel=\"license\"\r\n\r\nbody")
    r_cc = rec(STD, b"HTTP/1.1 200 OK\r\nX-Crawler-Content-Encoding: gzip\r\nX-Crawler-Content-Length: 99\r\n"
               b"Content-Length: 5\r\n\r\nplain")
    r_revisit = rec(b"WARC-Type: revisit\r\nWARC-Record-ID: <urn:uuid:2>\r\nWARC-Date: 2017-03-06T04:03:48Z\r\n"
                    b"WARC-Refers-To-Target-URI: <http://example.com/>\r\nWARC-Refers-To-Date: 2017-03-06T04:02:06Z\r\n"
                    b"Content-Type: application/http; msgtype=response\r\n",
                    b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n")
    r_018 = rec(STD.replace(b"2024-05-18T01:58:10Z", b"2009-03-65T08:43:19-0800"),
                b"HTTP/1.1 200 OK\nContent-Type: text/html\n\n<p>", version=b"WARC/0.18", eol=b"\n")
    r_010 = b"WARC/0.10 000000000133 response http://old/ 20060726000000 application/http;msgtype=response " \
            b"urn:uuid:abc\r\n\r\nHTTP/1.0 200 OK\r\n\r\nold\r\n\r\n"
    r_fold = rec(b"WARC-Type: resource\r\nWARC-Record-ID: <urn:3>\r\nWARC-Target-URI: http://a/\r\n  b\r\n"
                 b"no colon\r\nWARC-Date: 2024\r\n", b"x")
    no_len = b"WARC/1.0\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:4>\r\n\r\nabc\r\n\r\n"
    bad_len = b"WARC/1.0\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:5>\r\nContent-Length: 1x\r\n\r\nabc\r\n\r\n"
    garbage = b"junk\nWARC/ nope\n"
    big = rec(STD, b"HTTP/1.1 200 OK\r\n\r\n" + b"A" * 3000)
    hand = {
        "http-plain": b"\x01" + r1,
        "http-gzip": b"\x01" + r_gzip,
        "http-chunked": b"\x01" + r_chunked,
        "http-optout": b"\x01" + r_optout,
        "http-cc-renamed": b"\x01" + r_cc,
        "revisit": b"\x01" + r_revisit,
        "v018-lf": b"\x01" + r_018,
        "v010-positional": b"\x01" + r_010,
        "folding": b"\x00" + r_fold,
        "no-length": b"\x00" + no_len + r1,
        "bad-length": b"\x00" + bad_len + r1,
        "garbage": b"\x00" + garbage + r1 + b"trailing" + r1,
        "block-limit": b"\x05" + big + r1,
        "decode-limit": b"\x09" + r_gzip,
        "keep-damaged": b"\x03" + r_gzip[:-40],
        "blank-lines": b"\x00" + r1 + b"\r\n\r\n \t\r\n\n" + r1.replace(b"\r\n", b"\n"),
        "empty": b"\x00",
    }
    for k, v in hand.items():
        write("warc", k, v)

    heads = {
        "status-http2": b"\x00HTTP/2 200\r\ncontent-type: text/html\r\n\r\nx",
        "request": b"\x00GET /index.html HTTP/1.1\r\nHost: example.com\r\nAccept-Encoding: gzip, br\r\n\r\n",
        "optout": b"\x00" + r_optout.split(b"\r\n\r\n", 1)[1],
        "gzip": b"\x00HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n" + gz,
        "deflate-raw": b"\x00HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\n\r\n" + zlib.compress(b"abc" * 40)[2:-4],
        "deflate-zlib": b"\x00HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\n\r\n" + zlib.compress(b"abc" * 40),
        "stacked": b"\x00HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                   + b"%x\r\n" % len(gzip.compress(gz)) + gzip.compress(gz) + b"\r\n0\r\n\r\n",
        "bomb": b"\x03HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n" + gzip.compress(b"\0" * 200000),
        "content-type": b"\x00HTTP/1.1 200 OK\r\nContent-Type: text/plain; format=\"a;b\"; Charset = \"UTF-8\"\r\n\r\n",
        "not-encoded": b"\x00HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n <html>plain</html>",
        "unsupported": b"\x00HTTP/1.1 200 OK\r\nContent-Encoding: zstd\r\n\r\n\x28\xb5\x2f\xfd",
        "folded": b"\x00HTTP/1.0 200 OK\nX-A: one\n two\n\nbody",
        "no-blank-line": b"\x00HTTP/1.1 304 Not Modified\r\nETag: x",
    }
    for k, v in heads.items():
        write("http", k, v)
    # a brotli body (bytes from tests/tools/brotli_vector.c)
    br = bytes([0x1b, 0x41, 0x00, 0xf8, 0x8d, 0x93, 0x54, 0xfd, 0xf6, 0xc8, 0x6d, 0x6c, 0xed, 0x7e, 0x63, 0x46,
                0xef, 0x05, 0x06, 0x86, 0x10, 0x96, 0x82, 0x18, 0x4c, 0xe4, 0xc0, 0x3d, 0xc3, 0x96, 0xd0, 0x4d,
                0xdf, 0x09, 0x94, 0x02, 0x8c, 0x3b, 0x52, 0xf0, 0xb1, 0x63, 0x7d, 0x99, 0xfb, 0xe6, 0xc4, 0x90,
                0x4a, 0x46, 0x18, 0x00])
    write("http", "br", b"\x00HTTP/1.1 200 OK\r\nContent-Encoding: br\r\n\r\n" + br)
    write("warc", "http-br", b"\x01" + rec(STD, b"HTTP/1.1 200 OK\r\nContent-Encoding: br\r\n\r\n" + br))

    chunks = {
        "simple": b"\x00" + chunked_body,
        "lf": b"\x02" + chunked_body.replace(b"\r\n", b"\n"),
        "cut": b"\x00" + chunked_body[:12],
        "bad-size": b"\x00zz\r\nhello\r\n0\r\n\r\n",
        "overflow": b"\x00fffffffffffffffff\r\nx\r\n",
        "limit": b"\x05A\r\n0123456789\r\n0\r\n\r\n",
        "no-crlf": b"\x005\r\nhelloXX0\r\n\r\n",
        "payload": b"\x1fThe quick brown fox jumps over the lazy dog.",
    }
    for k, v in chunks.items():
        write("chunked", k, v)


if __name__ == "__main__":
    main()
