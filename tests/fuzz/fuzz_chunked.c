/*
 * libFuzzer target for src/warc's chunked transfer decoding
 * (gr_warc_dechunk).
 *
 * Two checks per input (the first byte picks a size limit and an encoding
 * style, the rest is data):
 *  - the data as a chunked body: gr_warc_dechunk must agree exactly —
 *    result, problem kind and offset, and output bytes — with a reference
 *    decoder written below, byte at a time, straight from the rules in
 *    warc.h and RFC 9112 7.1 (lenient in the same documented ways: bare LF,
 *    blanks around the size, extensions ignored, trailers skipped, a missing
 *    final blank line forgiven);
 *  - the data as a payload: chunk-encoded here with chunk sizes, extensions,
 *    line ends and trailers picked by the first byte, it must decode back to
 *    itself.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE -Isrc \
 *       tests/fuzz/fuzz_chunked.c src/warc/[a-z]*.c src/util/[a-z]*.c -o /tmp/fuzz_chunked \
 *       $(pkg-config --libs zlib libbrotlidec libcrypto) -lpthread
 *   /tmp/fuzz_chunked -max_total_time=600 /tmp/fuzz_chunked.corpus tests/fuzz/corpus/chunked
 *
 * With -DGR_FUZZ_REPLAY (and no -fsanitize=fuzzer) it replays the files named
 * on its command line (make test: tests/fuzz/corpus/chunked).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warc/warc.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_chunked: check failed: %s (line %d)\n", #cond, __LINE__); \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* ---- reference decoder ---- */

struct ref {
	const uint8_t *d;
	size_t n, i;
	uint8_t *out;
	size_t len, max;
	enum gr_warc_problem kind;
	size_t off;
};

static int ref_fail(struct ref *r, enum gr_warc_problem kind, size_t off)
{
	r->kind = kind;
	r->off = off;
	return kind == GR_WARC_HTTP_TOO_LARGE ? GR_ELIMIT : GR_ECORRUPT;
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int ref_dechunk(struct ref *r)
{
	for (;;) {
		size_t start = r->i;
		/* the size line must end (LF) within GR_WARC_CHUNK_MAX_LINE bytes */
		size_t lf = start;
		while (lf < r->n && lf - start < GR_WARC_CHUNK_MAX_LINE && r->d[lf] != '\n')
			lf++;
		if (lf == r->n || r->d[lf] != '\n') {
			if (lf - start == GR_WARC_CHUNK_MAX_LINE)
				return ref_fail(r, GR_WARC_HTTP_BAD_CHUNKED, start);
			return ref_fail(r, GR_WARC_HTTP_TRUNCATED, start);
		}
		size_t k = start;
		while (k < lf && (r->d[k] == ' ' || r->d[k] == '\t'))
			k++;
		size_t first_digit = k;
		unsigned long long size = 0;
		while (k < lf && hexval(r->d[k]) >= 0) {
			if (size >> 60)
				return ref_fail(r, GR_WARC_HTTP_BAD_CHUNKED, start);
			size = size * 16 + (unsigned)hexval(r->d[k]);
			k++;
		}
		if (k == first_digit)
			return ref_fail(r, GR_WARC_HTTP_BAD_CHUNKED, start);
		while (k < lf && (r->d[k] == ' ' || r->d[k] == '\t'))
			k++;
		bool ok_end = k == lf || (k + 1 == lf && r->d[k] == '\r') || r->d[k] == ';';
		if (!ok_end)
			return ref_fail(r, GR_WARC_HTTP_BAD_CHUNKED, start);
		r->i = lf + 1;
		if (size == 0) {
			/* trailers: lines up to a blank one, or the end */
			for (;;) {
				size_t e = r->i;
				while (e < r->n && r->d[e] != '\n')
					e++;
				if (e == r->n)
					return 0;
				bool blank = e == r->i || (e == r->i + 1 && r->d[r->i] == '\r');
				r->i = e + 1;
				if (blank)
					return 0;
			}
		}
		if (size > r->max - r->len)
			return ref_fail(r, GR_WARC_HTTP_TOO_LARGE, r->i);
		size_t data_start = r->i; /* a cut chunk is reported where its data starts */
		for (unsigned long long b = 0; b < size; b++) {
			if (r->i == r->n)
				return ref_fail(r, GR_WARC_HTTP_TRUNCATED, data_start);
			r->out[r->len++] = r->d[r->i++];
		}
		if (r->i < r->n && r->d[r->i] == '\n') {
			r->i++;
		} else if (r->i + 1 < r->n && r->d[r->i] == '\r' && r->d[r->i + 1] == '\n') {
			r->i += 2;
		} else if (r->i == r->n || (r->i + 1 == r->n && r->d[r->i] == '\r')) {
			return ref_fail(r, GR_WARC_HTTP_TRUNCATED, r->i);
		} else {
			return ref_fail(r, GR_WARC_HTTP_BAD_CHUNKED, r->i);
		}
	}
}

/* ---- the target ---- */

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
	size_t max = ctl & 1 ? (size_t)(ctl >> 1) * 3 : 1 << 20;

	/* the data as a chunked body, against the reference */
	gr_buf out = GR_BUF_INIT;
	gr_warc_http_error e = {0, 0};
	int rc = gr_warc_dechunk(&out, in, n, max, &e);
	struct ref r = {in, n, 0, malloc(n + 1), 0, max, 0, 0};
	CHECK(r.out);
	int want = ref_dechunk(&r);
	if (rc != want || (rc && (e.kind != r.kind || e.offset != r.off)) || out.len != r.len ||
	    (r.len && memcmp(out.ptr, r.out, r.len) != 0)) {
		fprintf(stderr, "fuzz_chunked: dechunk rc %d kind %d off %zu len %zu; reference rc %d kind %d off %zu len %zu\n",
			rc, e.kind, e.offset, out.len, want, r.kind, r.off, r.len);
		abort();
	}
	CHECK(out.len <= max);
	free(r.out);

	/* the data as a payload: encode, decode, compare */
	gr_buf enc = GR_BUF_INIT;
	size_t step = 1 + (ctl % 17) * (ctl % 5 + 1), pos = 0;
	const char *eol = ctl & 2 ? "\n" : "\r\n";
	while (pos < n) {
		size_t k = n - pos < step ? n - pos : step;
		CHECK(gr_buf_printf(&enc, ctl & 4 ? "%zX" : "%zx", k) == 0);
		if (ctl & 8)
			CHECK(gr_buf_puts(&enc, " ; name=\"v;x\"") == 0);
		CHECK(gr_buf_puts(&enc, eol) == 0);
		CHECK(gr_buf_put(&enc, in + pos, k) == 0);
		CHECK(gr_buf_puts(&enc, eol) == 0);
		pos += k;
		step = step * 2 + 1;
	}
	CHECK(gr_buf_printf(&enc, "0%s%s", eol, ctl & 16 ? "Trailer: 1\r\nOther: 2\n" : "") == 0);
	if (!(ctl & 32))
		CHECK(gr_buf_puts(&enc, eol) == 0);
	gr_buf_reset(&out);
	CHECK(gr_warc_dechunk(&out, enc.ptr, enc.len, 1 << 22, &e) == 0);
	CHECK(out.len == n && (n == 0 || memcmp(out.ptr, in, n) == 0));
	gr_buf_free(&enc);
	gr_buf_free(&out);
	free(in);
	return 0;
}

#ifdef GR_FUZZ_REPLAY
#include "replay.h"

int main(int argc, char **argv)
{
	int rc = gr_fuzz_replay("fuzz_chunked", argc, argv);
	return rc;
}
#endif
