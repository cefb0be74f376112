/*
 * decode — the body of an HTTP message: chunked transfer coding, then gzip,
 * deflate and brotli content codings, each bounded by a decoded-size limit.
 * zlib and libbrotlidec are used here and nowhere else in Granary.
 *
 * Invariants this file keeps:
 *  1. Every read is inside the input given; decoders get exact lengths.
 *  2. No output buffer ever holds more than max bytes (+1 for the gr_buf
 *     terminator): decoders are given room up to max + 1 bytes, and one byte
 *     past max is the proof of a bomb (GR_WARC_HTTP_TOO_LARGE), reported
 *     before anything larger is allocated.
 *  3. Every loop consumes input or produces output on each turn, or stops:
 *     a decoder that does neither with input left and room to write is
 *     reported as corrupt, so a crafted stream cannot spin.
 *  4. On failure the output holds exactly what was decoded before the
 *     problem, so a caller may keep a partial body knowingly.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <brotli/decode.h>
#include <zlib.h>

#include "warc/warc_int.h"

static int dc_fail(gr_warc_http_error *err, enum gr_warc_problem kind, size_t off, int code, const char *fmt,
		   ...) __attribute__((format(printf, 5, 6)));

static int dc_fail(gr_warc_http_error *err, enum gr_warc_problem kind, size_t off, int code, const char *fmt,
		   ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (err) {
		err->kind = kind;
		err->offset = off;
	}
	return gr_error_set(code, "%s", msg);
}

/* ---- chunked ---- */

int gr_warc_dechunk(gr_buf *out, const void *data, size_t n, size_t max, gr_warc_http_error *err)
{
	const char *base = data, *p = base, *end = base + n;
	for (;;) {
		/* chunk-size [ws] [; extensions] CRLF */
		size_t look = (size_t)(end - p) < GR_WARC_CHUNK_MAX_LINE ? (size_t)(end - p) : GR_WARC_CHUNK_MAX_LINE;
		const char *nl = memchr(p, '\n', look);
		if (!nl) {
			if (look == GR_WARC_CHUNK_MAX_LINE)
				return dc_fail(err, GR_WARC_HTTP_BAD_CHUNKED, (size_t)(p - base), GR_ECORRUPT,
					       "chunk-size line longer than %d bytes at byte %zu",
					       GR_WARC_CHUNK_MAX_LINE, (size_t)(p - base));
			return dc_fail(err, GR_WARC_HTTP_TRUNCATED, (size_t)(p - base), GR_ECORRUPT,
				       p == end ? "chunked body ends before its last chunk"
						: "chunked body ends inside a chunk-size line");
		}
		const char *s = p;
		while (s < nl && wi_ws(*s))
			s++;
		uint64_t size = 0;
		const char *digits = s;
		for (; s < nl; s++) {
			int d;
			if (wi_digit(*s))
				d = *s - '0';
			else if (wi_lower(*s) >= 'a' && wi_lower(*s) <= 'f')
				d = wi_lower(*s) - 'a' + 10;
			else
				break;
			if (size > (UINT64_MAX >> 4))
				return dc_fail(err, GR_WARC_HTTP_BAD_CHUNKED, (size_t)(p - base), GR_ECORRUPT,
					       "chunk size overflows at byte %zu", (size_t)(p - base));
			size = size << 4 | (uint64_t)d;
		}
		while (s < nl && wi_ws(*s))
			s++;
		bool ext = s < nl && *s == ';';
		if (s == digits || (!ext && !(s == nl || (s + 1 == nl && *s == '\r'))))
			return dc_fail(err, GR_WARC_HTTP_BAD_CHUNKED, (size_t)(p - base), GR_ECORRUPT,
				       "malformed chunk-size line at byte %zu", (size_t)(p - base));
		p = nl + 1;
		if (size == 0) {
			/* trailer fields up to a blank line; a missing blank line at the end is forgiven */
			while (p < end) {
				const char *tl = memchr(p, '\n', (size_t)(end - p));
				if (!tl)
					break;
				bool blank = tl == p || (tl == p + 1 && *p == '\r');
				p = tl + 1;
				if (blank)
					break;
			}
			return 0;
		}
		size_t avail = (size_t)(end - p);
		if (size > max - (out->len < max ? out->len : max))
			return dc_fail(err, GR_WARC_HTTP_TOO_LARGE, (size_t)(p - base), GR_ELIMIT,
				       "chunked body larger than %zu bytes", max);
		size_t take = size < avail ? (size_t)size : avail;
		if (gr_buf_put(out, p, take))
			return dc_fail(err, GR_WARC_HTTP_TOO_LARGE, (size_t)(p - base), GR_ENOMEM,
				       "out of memory dechunking");
		if (take < size)
			return dc_fail(err, GR_WARC_HTTP_TRUNCATED, (size_t)(p - base), GR_ECORRUPT,
				       "chunk at byte %zu cut short: %zu of %llu bytes", (size_t)(p - base),
				       take, (unsigned long long)size);
		p += take;
		if (p < end && *p == '\n') {
			p++;
		} else if (end - p >= 2 && p[0] == '\r' && p[1] == '\n') {
			p += 2;
		} else if (p == end || (p[0] == '\r' && p + 1 == end)) {
			return dc_fail(err, GR_WARC_HTTP_TRUNCATED, (size_t)(p - base), GR_ECORRUPT,
				       "chunked body ends before its last chunk");
		} else {
			return dc_fail(err, GR_WARC_HTTP_BAD_CHUNKED, (size_t)(p - base), GR_ECORRUPT,
				       "no line end after the chunk data at byte %zu", (size_t)(p - base));
		}
	}
}

/* ---- content codings ---- */

/*
 * Makes room in out for the next piece of decoder output: at most max + 1
 * bytes held in all (invariant 2). *room gets the bytes free.
 */
static int dc_room(gr_buf *out, size_t max, size_t *room)
{
	size_t limit = max + 1; /* one byte over max proves the bomb */
	size_t want = out->len < 65536 ? 65536 : out->len;
	if (want > limit - out->len)
		want = limit - out->len;
	if (out->cap < out->len + 1 + want && gr_buf_grow(out, want))
		return GR_ENOMEM;
	size_t free_bytes = out->cap - out->len - 1;
	*room = free_bytes < limit - out->len ? free_bytes : limit - out->len;
	return 0;
}

static bool dc_gzip_magic(const uint8_t *p, size_t n)
{
	return n >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

/* zlib header check (RFC 1950): deflate method, window <= 32K, FCHECK */
static bool dc_zlib_header(const uint8_t *p, size_t n)
{
	return n >= 2 && (p[0] & 0x0f) == 8 && (p[0] >> 4) <= 7 && ((unsigned)p[0] << 8 | p[1]) % 31 == 0;
}

static int dc_zlib(gr_buf *out, const uint8_t *in, size_t n, size_t max, int wbits, const char *what,
		   gr_warc_http_error *err)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, wbits) != Z_OK)
		return dc_fail(err, GR_WARC_HTTP_BAD_ENCODING, 0, GR_ENOMEM, "out of memory starting %s", what);
	int rc = 0;
	const uint8_t *p = in, *end = in + n;
	bool gzip = wbits > 15;
	for (;;) {
		size_t room;
		if (dc_room(out, max, &room)) {
			rc = dc_fail(err, GR_WARC_HTTP_TOO_LARGE, (size_t)(p - in), GR_ENOMEM,
				     "out of memory decoding %s", what);
			break;
		}
		size_t in_chunk = (size_t)(end - p) < UINT_MAX ? (size_t)(end - p) : UINT_MAX;
		size_t out_chunk = room < UINT_MAX ? room : UINT_MAX;
		z.next_in = (Bytef *)(uintptr_t)p;
		z.avail_in = (uInt)in_chunk;
		z.next_out = (Bytef *)out->ptr + out->len;
		z.avail_out = (uInt)out_chunk;
		int zr = inflate(&z, Z_NO_FLUSH);
		size_t used = in_chunk - z.avail_in, made = out_chunk - z.avail_out;
		p += used;
		out->len += made;
		out->ptr[out->len] = '\0';
		if (out->len > max) {
			out->len = max;
			out->ptr[out->len] = '\0';
			rc = dc_fail(err, GR_WARC_HTTP_TOO_LARGE, (size_t)(p - in), GR_ELIMIT,
				     "%s body decodes to more than %zu bytes", what, max);
			break;
		}
		if (zr == Z_STREAM_END) {
			/* concatenated gzip members continue; anything else after the end is ignored */
			if (gzip && dc_gzip_magic(p, (size_t)(end - p)) && inflateReset(&z) == Z_OK)
				continue;
			break;
		}
		if (zr == Z_MEM_ERROR) {
			rc = dc_fail(err, GR_WARC_HTTP_BAD_ENCODING, (size_t)(p - in), GR_ENOMEM,
				     "out of memory decoding %s", what);
			break;
		}
		if (zr != Z_OK && zr != Z_BUF_ERROR) {
			rc = dc_fail(err, GR_WARC_HTTP_BAD_ENCODING, (size_t)(p - in), GR_ECORRUPT,
				     "%s data corrupt at byte %zu: %s", what, (size_t)(p - in),
				     z.msg ? z.msg : "error");
			break;
		}
		if (p == end && made < out_chunk) {
			rc = dc_fail(err, GR_WARC_HTTP_TRUNCATED, (size_t)(p - in), GR_ECORRUPT,
				     "%s stream cut short after %zu bytes", what, n);
			break;
		}
		if (used == 0 && made == 0) { /* invariant 3 */
			rc = dc_fail(err, GR_WARC_HTTP_BAD_ENCODING, (size_t)(p - in), GR_ECORRUPT,
				     "%s decoder makes no progress at byte %zu", what, (size_t)(p - in));
			break;
		}
	}
	inflateEnd(&z);
	return rc;
}

static int dc_brotli(gr_buf *out, const uint8_t *in, size_t n, size_t max, gr_warc_http_error *err)
{
	BrotliDecoderState *s = BrotliDecoderCreateInstance(NULL, NULL, NULL);
	if (!s)
		return dc_fail(err, GR_WARC_HTTP_BAD_ENCODING, 0, GR_ENOMEM, "out of memory starting br");
	int rc = 0;
	const uint8_t *next_in = in;
	size_t avail_in = n;
	for (;;) {
		size_t room;
		if (dc_room(out, max, &room)) {
			rc = dc_fail(err, GR_WARC_HTTP_TOO_LARGE, (size_t)(next_in - in), GR_ENOMEM,
				     "out of memory decoding br");
			break;
		}
		uint8_t *next_out = (uint8_t *)out->ptr + out->len;
		size_t avail_out = room, before_in = avail_in;
		BrotliDecoderResult br =
			BrotliDecoderDecompressStream(s, &avail_in, &next_in, &avail_out, &next_out, NULL);
		size_t made = room - avail_out;
		out->len += made;
		out->ptr[out->len] = '\0';
		if (out->len > max) {
			out->len = max;
			out->ptr[out->len] = '\0';
			rc = dc_fail(err, GR_WARC_HTTP_TOO_LARGE, (size_t)(next_in - in), GR_ELIMIT,
				     "br body decodes to more than %zu bytes", max);
			break;
		}
		if (br == BROTLI_DECODER_RESULT_SUCCESS)
			break; /* bytes after the end are ignored */
		if (br == BROTLI_DECODER_RESULT_ERROR) {
			rc = dc_fail(err, GR_WARC_HTTP_BAD_ENCODING, (size_t)(next_in - in), GR_ECORRUPT,
				     "br data corrupt at byte %zu: %s", (size_t)(next_in - in),
				     BrotliDecoderErrorString(BrotliDecoderGetErrorCode(s)));
			break;
		}
		if (br == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT) {
			rc = dc_fail(err, GR_WARC_HTTP_TRUNCATED, n, GR_ECORRUPT, "br stream cut short after %zu bytes",
				     n);
			break;
		}
		if (made == 0 && before_in == avail_in) { /* invariant 3 */
			rc = dc_fail(err, GR_WARC_HTTP_BAD_ENCODING, (size_t)(next_in - in), GR_ECORRUPT,
				     "br decoder makes no progress");
			break;
		}
	}
	BrotliDecoderDestroyInstance(s);
	return rc;
}

int gr_warc_decode_coding(gr_buf *out, enum gr_warc_coding c, const void *data, size_t n, size_t max,
			  gr_warc_http_error *err)
{
	const uint8_t *in = data;
	if (max > GR_WARC_HTTP_MAX_DECODED || max == 0)
		max = GR_WARC_HTTP_MAX_DECODED;
	if (out->len > max)
		return dc_fail(err, GR_WARC_HTTP_TOO_LARGE, 0, GR_ELIMIT, "output already over %zu bytes", max);
	if (n == 0)
		return 0;
	switch (c) {
	case GR_WARC_CODING_GZIP:
		return dc_zlib(out, in, n, max, 15 + 16, "gzip", err);
	case GR_WARC_CODING_DEFLATE:
		/* "deflate" is meant zlib-wrapped (RFC 9110 8.4.1.2) but raw deflate and even gzip are sent */
		if (dc_gzip_magic(in, n))
			return dc_zlib(out, in, n, max, 15 + 16, "deflate (gzip)", err);
		if (dc_zlib_header(in, n))
			return dc_zlib(out, in, n, max, 15, "deflate", err);
		return dc_zlib(out, in, n, max, -15, "deflate (raw)", err);
	case GR_WARC_CODING_BR:
		return dc_brotli(out, in, n, max, err);
	default:
		return dc_fail(err, GR_WARC_HTTP_UNKNOWN_ENCODING, 0, GR_ECORRUPT, "unsupported content coding");
	}
}

/* ---- a message's body ---- */

/* After blanks (and a UTF-8 BOM), the body starts with '<': markup, not a compressed stream. */
static bool dc_looks_decoded(const uint8_t *p, size_t n)
{
	size_t i = 0;
	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		i = 3;
	while (i < n && i < 1024 && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	return i < n && p[i] == '<';
}

static const char *dc_coding_name(int c)
{
	switch (c) {
	case GR_WARC_CODING_GZIP: return "gzip";
	case GR_WARC_CODING_DEFLATE: return "deflate";
	case GR_WARC_CODING_BR: return "br";
	default: return "unsupported";
	}
}

int gr_warc_http_decode(gr_warc_http *h, const void *data, size_t n, size_t max_decoded, gr_warc_http_error *err)
{
	if (max_decoded == 0 || max_decoded > GR_WARC_HTTP_MAX_DECODED)
		max_decoded = GR_WARC_HTTP_MAX_DECODED;
	size_t head = h->head_len <= n ? h->head_len : n;
	const uint8_t *in = (const uint8_t *)data + head;
	size_t in_n = n - head;
	bool raw = true;     /* in points into data */
	bool cut = false;    /* shorter than Content-Length */
	gr_buf *cur = NULL;  /* which buffer in is, when not raw */
	h->body = in;
	h->body_len = in_n;
	h->not_encoded = false;
	/* 1xx, 204 and 304 responses have no body, whatever their headers say */
	bool bodiless = h->response && (h->status / 100 == 1 || h->status == 204 || h->status == 304);
	if (bodiless && in_n == 0)
		return 0;

	if (h->chunked) {
		h->priv_a.len = 0;
		gr_warc_http_error e = {0, 0};
		int rc = gr_warc_dechunk(&h->priv_a, in, in_n, max_decoded, &e);
		h->body = (const uint8_t *)h->priv_a.ptr;
		h->body_len = h->priv_a.len;
		if (!h->body)
			h->body = (const uint8_t *)data + head;
		if (rc) {
			if (err) {
				err->kind = e.kind;
				err->offset = head + e.offset;
			}
			return rc;
		}
		in = h->body;
		in_n = h->body_len;
		raw = false;
		cur = &h->priv_a;
	} else if (h->content_length >= 0) {
		if ((uint64_t)h->content_length < in_n)
			in_n = (size_t)h->content_length;
		else if ((uint64_t)h->content_length > in_n && !bodiless)
			cut = true;
		h->body_len = in_n;
	}

	for (size_t i = h->n_codings; i-- > 0;) {
		int c = h->codings[i];
		gr_buf *dst = cur == &h->priv_a ? &h->priv_b : &h->priv_a;
		dst->len = 0;
		if (dst->ptr)
			dst->ptr[0] = '\0';
		gr_warc_http_error e = {0, 0};
		int rc = gr_warc_decode_coding(dst, (enum gr_warc_coding)c, in, in_n, max_decoded, &e);
		if (rc && rc != GR_ENOMEM && h->n_codings == 1 && dst->len == 0 && raw &&
		    e.kind == GR_WARC_HTTP_BAD_ENCODING && dc_looks_decoded(in, in_n)) {
			/* declared compressed, stored decoded: keep it as it is */
			h->not_encoded = true;
			break;
		}
		if (rc) {
			if (e.kind != GR_WARC_HTTP_UNKNOWN_ENCODING) {
				h->body = dst->ptr ? (const uint8_t *)dst->ptr : in;
				h->body_len = dst->len;
			} else {
				h->body = in;
				h->body_len = in_n;
			}
			if (err) {
				err->kind = e.kind;
				err->offset = raw ? head + e.offset : head;
			}
			if (e.kind == GR_WARC_HTTP_UNKNOWN_ENCODING)
				return gr_error_set(rc, "body in an unsupported coding (%.*s)",
						    (int)(h->unknown_coding.len < 40 ? h->unknown_coding.len : 40),
						    h->unknown_coding.ptr ? h->unknown_coding.ptr : "");
			if (cut && e.kind == GR_WARC_HTTP_TRUNCATED)
				return gr_error_set(rc, "body has %zu of %lld bytes (Content-Length), %s stream cut",
						    in_n, (long long)h->content_length, dc_coding_name(c));
			return rc;
		}
		in = dst->ptr ? (const uint8_t *)dst->ptr : in + in_n;
		in_n = dst->len;
		raw = false;
		cur = dst;
	}
	h->body = in;
	h->body_len = in_n;
	if (cut) {
		if (err) {
			err->kind = GR_WARC_HTTP_TRUNCATED;
			err->offset = n;
		}
		return gr_error_set(GR_ECORRUPT, "body has %zu of %lld bytes (Content-Length)", n - head,
				    (long long)h->content_length);
	}
	return 0;
}
