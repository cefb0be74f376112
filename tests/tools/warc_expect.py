#!/usr/bin/env python3
"""
warc_expect.py — the expected per-file counts that tests/unit/test_warc.c
asserts for the WARC samples in tests/data/, computed independently of
src/warc: a separate, deliberately simple reader in Python (standard
library only).

    python3 tests/tools/warc_expect.py tests/data/*.warc*

For each file it prints
  - grep:    how many "WARC-Type:" header lines the decompressed stream has
             (a plain text count, the crudest cross-check);
  - records: records framed by Content-Length, per WARC-Type, that are
             complete (their whole block is in the stream);
  - truncated: records whose block runs past the end of the stream;
  - garbage: runs of bytes between records that are neither blank lines
             nor a record;
  - http_bad: complete response/request records whose HTTP body does not
             decode: body shorter than its Content-Length, chunked coding
             that does not end with its last chunk, gzip/deflate data that
             is corrupt or cut. (Brotli is not checked: Python's standard
             library has no decoder; no sample uses it.)
  - and the records the reader should deliver with GR_WARC_HTTP (records
    minus http_bad), per type.
With --digests it also prints, for every record the reader should deliver,
its offset, type, and the length and SHA-256 of its payload (the decoded
HTTP body for HTTP records, the block otherwise), for the tests that check
decoded payloads byte for byte.

.gz files are gunzipped member by member with zlib, keeping what a cut
member yields (as libarchive's gzip filter does before it stops).

The numbers printed for the samples on 2026-11-28 are recorded in
test_warc.c (table `samples`); rerun this when a sample is added.
"""
import hashlib
import re
import sys
import zlib
from collections import Counter


def gunzip_members(raw):
    out = bytearray()
    while raw:
        d = zlib.decompressobj(31)
        try:
            out += d.decompress(raw)
        except zlib.error:
            break
        if not d.eof:  # cut member: keep what it gave
            break
        raw = d.unused_data
    return bytes(out)


def dechunk(body):
    """Returns (decoded, ok)."""
    out = bytearray()
    pos = 0
    while True:
        nl = body.find(b"\n", pos)
        if nl < 0:
            return bytes(out), False
        line = body[pos:nl].rstrip(b"\r").split(b";")[0].strip()
        try:
            size = int(line, 16)
        except ValueError:
            return bytes(out), False
        pos = nl + 1
        if size == 0:
            return bytes(out), True
        if pos + size > len(body):
            return bytes(out), False
        out += body[pos:pos + size]
        pos += size
        if body[pos:pos + 2] == b"\r\n":
            pos += 2
        elif body[pos:pos + 1] == b"\n":
            pos += 1
        else:
            return bytes(out), False


def http_body(block, rtype):
    """Returns (decoded body, ok)."""
    m = re.search(rb"\r?\n\r?\n", block)
    if not m:
        return b"", True  # head only
    head, body = block[:m.start()], block[m.end():]
    headers = {}
    for line in head.split(b"\n")[1:]:
        if b":" in line:
            k, v = line.split(b":", 1)
            headers.setdefault(k.strip().lower(), v.strip())
    if rtype == "revisit":
        return body, True
    te = headers.get(b"transfer-encoding", b"").lower()
    if te.endswith(b"chunked"):
        body, ok = dechunk(body)
        if not ok:
            return body, False
    elif b"content-length" in headers:
        try:
            cl = int(headers[b"content-length"])
        except ValueError:
            cl = None
        if cl is not None:
            if cl > len(body):
                return body, False
            body = body[:cl]
    ce = headers.get(b"content-encoding", b"").lower()
    if ce in (b"gzip", b"x-gzip", b"deflate") and body:
        d = zlib.decompressobj(31 if ce != b"deflate" else 15)
        try:
            body = d.decompress(body)
        except zlib.error:
            return body, False
        if not d.eof:
            return body, False
    return body, True


def scan(data, digests=None):
    types, delivered = Counter(), Counter()
    truncated = garbage = http_bad = 0
    pos = 0
    n = len(data)
    while pos < n:
        m = re.compile(rb"[ \t\r]*\n").match(data, pos)
        if m:
            pos = m.end()
            continue
        if not re.compile(rb"WARC/\d").match(data, pos):
            garbage += 1
            nxt = re.compile(rb"\nWARC/\d").search(data, pos)
            pos = nxt.start() + 1 if nxt else n
            continue
        m = re.compile(rb"\r?\n\r?\n").search(data, pos)
        if not m:
            truncated += 1
            break
        head = data[pos:m.start()].decode("latin-1")
        cl = re.search(r"(?im)^content-length:\s*(\d+)\s*$", head)
        rt = re.search(r"(?im)^warc-type:\s*(\S+)", head)
        ct = re.search(r"(?im)^content-type:\s*(.*)$", head)
        start, end = m.end(), m.end() + int(cl.group(1))
        if end > n:
            truncated += 1
            break
        rtype = rt.group(1).lower()
        types[rtype] += 1
        is_http = rtype in ("response", "request", "revisit") and ct and \
            ct.group(1).lower().startswith("application/http")
        payload, ok = http_body(data[start:end], rtype) if is_http else (data[start:end], True)
        if not ok:
            http_bad += 1
        else:
            delivered[rtype] += 1
            if digests is not None:
                digests.append((pos, rtype, len(payload), hashlib.sha256(payload).hexdigest()))
        pos = end
    return types, delivered, truncated, garbage, http_bad


def main(args):
    want_digests = "--digests" in args
    paths = [a for a in args if a != "--digests"]
    for p in paths:
        raw = open(p, "rb").read()
        data = gunzip_members(raw) if p.endswith(".gz") else raw
        grep = len(re.findall(rb"(?m)^WARC-Type:", data))
        digests = [] if want_digests else None
        types, delivered, truncated, garbage, http_bad = scan(data, digests)
        print(f"{p.split('/')[-1]}: bytes={len(data)} grep={grep} "
              f"records={sum(types.values())} {dict(sorted(types.items()))} "
              f"truncated={truncated} garbage={garbage} http_bad={http_bad} "
              f"delivered={dict(sorted(delivered.items()))}")
        for off, rtype, n, h in digests or []:
            print(f"  {off} {rtype} {n} {h}")


if __name__ == "__main__":
    main(sys.argv[1:])
