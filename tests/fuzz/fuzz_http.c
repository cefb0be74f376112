/*
 * libFuzzer target for src/warc's HTTP side: the head parser
 * (gr_warc_http_parse), body decoding (gr_warc_http_decode: chunked, then
 * gzip/deflate/br) and the content decoders on their own.
 *
 * The first input byte picks a decode limit; the rest is an HTTP message
 * (or anything). Besides "no crash, no out-of-bounds access, no leak, no
 * hang", it checks:
 *  - a failed parse leaves no message and says why (kind, offset in range);
 *  - every parsed string lies inside the input or the struct's own arena,
 *    names are non-empty, limits hold, the media type is lower case;
 *  - a decoded body never exceeds the limit; with nothing to undo it is the
 *    input's own bytes (no copy), cut to Content-Length;
 *  - each decoder on arbitrary bytes stays within its limit, and what it
 *    gives on failure is a prefix of what a larger limit gives;
 *  - round trips: the input compressed with zlib as gzip, zlib and raw
 *    deflate (and two gzip members) decodes back to itself.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE -Isrc \
 *       tests/fuzz/fuzz_http.c src/warc/[a-z]*.c src/util/[a-z]*.c -o /tmp/fuzz_http \
 *       $(pkg-config --libs zlib libbrotlidec libcrypto) -lpthread
 *   /tmp/fuzz_http -max_total_time=600 /tmp/fuzz_http.corpus tests/fuzz/corpus/http
 *
 * With -DGR_FUZZ_REPLAY (and no -fsanitize=fuzzer) it replays the files named
 * on its command line through the same checks (make test: tests/fuzz/corpus/http).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "warc/warc.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_http: check failed: %s (line %d)\n", #cond, __LINE__); \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static const uint8_t *g_in;
static size_t g_n;

/* s lies inside the input or inside h's arena */
static void check_str(const gr_warc_http *h, gr_warc_str s)
{
	if (!s.ptr) {
		CHECK(s.len == 0);
		return;
	}
	const char *in = (const char *)g_in, *a = h->priv_arena.ptr;
	bool in_input = s.ptr >= in && s.ptr + s.len <= in + g_n;
	bool in_arena = a && s.ptr >= a && s.ptr + s.len <= a + h->priv_arena.len;
	CHECK(in_input || in_arena);
}

static uint64_t sum(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v += p[i];
	return v;
}

static void zcomp(gr_buf *out, const uint8_t *data, size_t n, int wbits)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	CHECK(deflateInit2(&z, 1, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY) == Z_OK);
	size_t bound = deflateBound(&z, (uLong)n) + 64;
	CHECK(gr_buf_grow(out, bound) == 0);
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = (uInt)n;
	z.next_out = (Bytef *)out->ptr + out->len;
	z.avail_out = (uInt)bound;
	CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END);
	out->len += bound - z.avail_out;
	deflateEnd(&z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned ctl = data[0];
	size_t n = size - 1;
	uint8_t *in = malloc(n ? n : 1);
	CHECK(in);
	if (n)
		memcpy(in, data + 1, n);
	g_in = in;
	g_n = n;
	size_t max = ctl & 1 ? 1 + (size_t)ctl * 37 : 0;
	size_t eff = max ? max : GR_WARC_HTTP_MAX_DECODED;

	gr_warc_http h;
	gr_warc_http_init(&h);
	gr_warc_http_error e = {0, 0};
	int rc = gr_warc_http_parse(&h, in, n, &e);
	if (rc) {
		CHECK(rc == GR_EINVAL || rc == GR_ELIMIT);
		CHECK(e.kind == GR_WARC_HTTP_BAD_HEAD || e.kind == GR_WARC_HTTP_LIMIT);
		CHECK(e.offset <= n);
		CHECK(h.n_fields == 0);
	} else {
		CHECK(h.head_len <= n && h.head_len > 0);
		CHECK(h.n_fields <= GR_WARC_HTTP_MAX_FIELDS);
		CHECK(h.n_codings <= GR_WARC_HTTP_MAX_CODINGS);
		CHECK(h.version == 9 || (h.version >= 10 && h.version <= 99));
		CHECK(!h.response || (h.status >= 0 && h.status <= 999));
		CHECK(h.content_length >= -1);
		for (size_t i = 0; i < h.n_fields; i++) {
			CHECK(h.fields[i].name.len > 0);
			check_str(&h, h.fields[i].name);
			check_str(&h, h.fields[i].value);
		}
		check_str(&h, h.method);
		check_str(&h, h.target);
		check_str(&h, h.reason);
		check_str(&h, h.media_type);
		check_str(&h, h.charset);
		check_str(&h, h.unknown_coding);
		check_str(&h, h.optout.tdm_policy);
		check_str(&h, h.optout.license);
		CHECK(h.optout.n_agents <= GR_WARC_HTTP_MAX_AGENTS);
		CHECK(h.optout.tdm_reservation >= -1 && h.optout.tdm_reservation <= 1);
		for (size_t i = 0; i < h.optout.n_agents; i++) {
			check_str(&h, h.optout.agents[i].agent);
			CHECK((h.optout.agents[i].flags & ~h.optout.robots_agents) == 0);
		}
		for (size_t i = 0; i < h.media_type.len; i++)
			CHECK(h.media_type.ptr[i] < 'A' || h.media_type.ptr[i] > 'Z');
		for (size_t i = 0; i < h.charset.len; i++)
			CHECK(h.charset.ptr[i] < 'A' || h.charset.ptr[i] > 'Z');

		rc = gr_warc_http_decode(&h, in, n, max, &e);
		CHECK(h.body || h.body_len == 0);
		(void)sum(h.body, h.body_len);
		if (rc) {
			CHECK(rc == GR_ECORRUPT || rc == GR_ELIMIT);
			CHECK(e.kind >= GR_WARC_HTTP_TRUNCATED && e.kind <= GR_WARC_HTTP_TOO_LARGE);
			CHECK(e.offset <= n);
		}
		if (h.chunked || h.n_codings)
			CHECK(h.body_len <= eff || h.not_encoded ||
			      (!h.chunked && rc && e.kind == GR_WARC_HTTP_UNKNOWN_ENCODING));
		if (!rc && !h.chunked && h.n_codings == 0) {
			size_t rest = n - h.head_len;
			size_t want = h.content_length >= 0 && (uint64_t)h.content_length < rest ? (size_t)h.content_length
												 : rest;
			CHECK(h.body == in + h.head_len && h.body_len == want);
		}
		/* a second parse of the same data gives the same head */
		size_t nf = h.n_fields, hl = h.head_len;
		CHECK(gr_warc_http_parse(&h, in, n, &e) == 0);
		CHECK(h.n_fields == nf && h.head_len == hl);
	}
	gr_warc_http_release(&h);

	/* decoders on arbitrary bytes: bounded, and failures give prefixes */
	gr_buf small = GR_BUF_INIT, big = GR_BUF_INIT;
	size_t lim = 1 + (size_t)ctl * 13;
	for (int c = GR_WARC_CODING_GZIP; c <= GR_WARC_CODING_BR; c++) {
		gr_buf_reset(&small);
		gr_buf_reset(&big);
		int r1 = gr_warc_decode_coding(&small, (enum gr_warc_coding)c, in, n, lim, &e);
		CHECK(small.len <= lim);
		int r2 = gr_warc_decode_coding(&big, (enum gr_warc_coding)c, in, n, 1 << 20, &e);
		CHECK(big.len <= 1 << 20);
		if (r1 == 0 && r2 == 0)
			CHECK(small.len == big.len && memcmp(small.ptr ? small.ptr : "", big.ptr ? big.ptr : "", big.len) == 0);
		if (r1 == GR_ELIMIT)
			CHECK(small.len == lim && big.len >= lim && memcmp(small.ptr, big.ptr, lim) == 0);
		CHECK(r1 == 0 || r1 == GR_ECORRUPT || r1 == GR_ELIMIT);
	}

	/* round trips */
	const int wbits[] = {31, 15, -15};
	const enum gr_warc_coding cod[] = {GR_WARC_CODING_GZIP, GR_WARC_CODING_DEFLATE, GR_WARC_CODING_DEFLATE};
	for (int i = 0; i < 3; i++) {
		gr_buf z = GR_BUF_INIT;
		zcomp(&z, in, n, wbits[i]);
		if (i == 0) /* a second member */
			zcomp(&z, in, n / 2, 31);
		gr_buf_reset(&big);
		CHECK(gr_warc_decode_coding(&big, cod[i], z.ptr, z.len, 1 << 22, &e) == 0);
		size_t want = i == 0 ? n + n / 2 : n;
		CHECK(big.len == want);
		CHECK(n == 0 || memcmp(big.ptr, in, n) == 0);
		if (i == 0 && n / 2)
			CHECK(memcmp(big.ptr + n, in, n / 2) == 0);
		gr_buf_free(&z);
	}
	gr_buf_free(&small);
	gr_buf_free(&big);
	free(in);
	return 0;
}

#ifdef GR_FUZZ_REPLAY
#include "replay.h"

int main(int argc, char **argv)
{
	int rc = gr_fuzz_replay("fuzz_http", argc, argv);
	return rc;
}
#endif
