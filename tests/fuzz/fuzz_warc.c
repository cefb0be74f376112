/*
 * libFuzzer target for src/warc's record reader (with and without HTTP
 * decoding).
 *
 * The first input byte picks the options (GR_WARC_HTTP, GR_WARC_KEEP_DAMAGED,
 * a small block limit, a small decode limit) and how the stream is handed
 * out; the rest is the stream. Besides "no crash, no out-of-bounds access,
 * no leak, no hang", it checks:
 *  - every record lies inside the input, after the previous one, and its
 *    block is exactly the input's bytes there (the window never serves
 *    stale or shifted bytes);
 *  - every report's range lies inside the input, with offset <= end;
 *  - reading the same stream whole, and in reads of varying small sizes,
 *    gives exactly the same records, payloads, reports and statistics;
 *  - the stream is consumed to its end; records + dropped counts add up;
 *  - a read failure part-way returns GR_EIO, after delivering a prefix of
 *    the records the whole reading delivered, and keeps returning it.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE -Isrc \
 *       tests/fuzz/fuzz_warc.c src/warc/[a-z]*.c src/util/[a-z]*.c -o /tmp/fuzz_warc \
 *       $(pkg-config --libs zlib libbrotlidec libcrypto) -lpthread
 *   /tmp/fuzz_warc -max_total_time=600 /tmp/fuzz_warc.corpus tests/fuzz/corpus/warc
 *
 * Built with -DGR_FUZZ_REPLAY and without -fsanitize=fuzzer it is a plain
 * program that runs every file named on its command line through the same
 * checks (make test replays tests/fuzz/corpus/warc that way). Corpus files
 * are stored without the options byte's meaning in mind: any file works.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warc/warc.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_warc: check failed: %s (line %d)\n", #cond, __LINE__); \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

struct stream {
	const uint8_t *p;
	size_t n, pos;
	unsigned pattern; /* 0: as much as asked; else varying small reads */
	size_t fail_at;   /* SIZE_MAX: never */
	unsigned turn;
};

static ssize_t stream_read(void *ctx, void *buf, size_t n)
{
	struct stream *s = ctx;
	if (s->pos >= s->fail_at)
		return -1;
	size_t take = s->n - s->pos;
	if (s->pattern) {
		static const size_t sizes[] = {1, 2, 3, 5, 8, 13, 64, 1000, 4096};
		size_t k = sizes[(s->pattern + s->turn++) % (sizeof sizes / sizeof *sizes)];
		if (take > k)
			take = k;
	}
	if (take > n)
		take = n;
	if (s->fail_at != SIZE_MAX && take > s->fail_at - s->pos)
		take = s->fail_at - s->pos;
	memcpy(buf, s->p + s->pos, take);
	s->pos += take;
	return (ssize_t)take;
}

/* What a reading saw: one line of numbers per record and report. */
struct seen {
	uint64_t *v;
	size_t n, cap;
	gr_warc_stats stats;
	int rc;
	size_t records;
};

static void put(struct seen *s, uint64_t x)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		s->v = realloc(s->v, s->cap * sizeof *s->v);
		CHECK(s->v);
	}
	s->v[s->n++] = x;
}

static uint64_t fnv(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

static uint64_t fnv_str(gr_warc_str s)
{
	CHECK(s.ptr || s.len == 0);
	return s.ptr ? fnv(s.ptr, s.len) + 1 : 0;
}

static size_t g_size;

static void on_report(const gr_warc_report *r, void *ctx)
{
	struct seen *s = ctx;
	CHECK(r->offset <= r->end);
	CHECK(r->end <= g_size);
	CHECK(r->kind > 0 && r->kind < GR_WARC_PROBLEM_COUNT);
	CHECK(r->reason && strlen(r->reason) > 0);
	CHECK(r->record_offset == UINT64_MAX || r->record_offset <= r->offset);
	put(s, 0xdead0000 + (uint64_t)r->kind);
	put(s, r->offset);
	put(s, r->end);
	put(s, r->record_offset);
	put(s, r->dropped);
	put(s, fnv(r->reason, strlen(r->reason)));
}

static void read_stream(struct seen *out, const uint8_t *data, size_t size, const gr_warc_opts *base,
			unsigned pattern, size_t fail_at)
{
	memset(out, 0, sizeof *out);
	struct stream st = {data, size, 0, pattern, fail_at, 0};
	gr_warc_opts o = *base;
	o.report = on_report;
	o.ctx = out;
	gr_warc_reader *r;
	CHECK(gr_warc_reader_new(&r, stream_read, &st, &o) == 0);
	const gr_warc_record *rec;
	uint64_t next_free = 0;
	while ((out->rc = gr_warc_next(&rec, r)) == 0 && rec) {
		out->records++;
		CHECK(rec->offset >= next_free);
		CHECK(rec->header_len > 0);
		CHECK(rec->offset + rec->header_len + rec->block_len <= size);
		CHECK(memcmp(rec->block, data + rec->offset + rec->header_len, (size_t)rec->block_len) == 0);
		CHECK(memcmp(data + rec->offset, "WARC/", 5) == 0);
		next_free = rec->offset + rec->header_len + rec->block_len;
		CHECK(rec->payload != NULL);
		CHECK(rec->type < GR_WARC_TYPE_COUNT);
		CHECK(rec->date_ns < 1000000000u);
		CHECK(rec->type_name.ptr && rec->record_id.ptr);
		put(out, 0xbeef);
		put(out, rec->offset);
		put(out, rec->header_len);
		put(out, rec->block_len);
		put(out, rec->type);
		put(out, rec->version);
		put(out, (uint64_t)rec->has_date << 1 | rec->legacy_header);
		put(out, (uint64_t)rec->date);
		put(out, fnv_str(rec->record_id) ^ fnv_str(rec->target_uri) ^ fnv_str(rec->refers_to));
		put(out, rec->n_fields);
		for (size_t i = 0; i < rec->n_fields; i++)
			put(out, fnv_str(rec->fields[i].name) * 31 + fnv_str(rec->fields[i].value));
		put(out, rec->payload_len);
		put(out, fnv(rec->payload, rec->payload_len));
		put(out, (uint64_t)rec->damaged << 1 | rec->payload_truncated);
		if (rec->http) {
			const gr_warc_http *h = rec->http;
			CHECK(h->head_len <= rec->block_len);
			CHECK(h->n_fields <= GR_WARC_HTTP_MAX_FIELDS);
			CHECK(h->n_codings <= GR_WARC_HTTP_MAX_CODINGS);
			/* a decoded payload (not the block's own bytes) is within the limit */
			bool in_block = rec->payload >= rec->block &&
					rec->payload + rec->payload_len <= rec->block + rec->block_len;
			CHECK(in_block ||
			      rec->payload_len <= (base->max_decoded ? base->max_decoded : GR_WARC_HTTP_MAX_DECODED));
			for (size_t i = 0; i < h->media_type.len; i++)
				CHECK(h->media_type.ptr[i] < 'A' || h->media_type.ptr[i] > 'Z');
			put(out, (uint64_t)h->status << 8 | h->version);
			put(out, fnv_str(h->media_type) ^ fnv_str(h->charset) ^ fnv_str(h->optout.license));
			put(out, (uint64_t)h->optout.robots << 32 | h->optout.robots_agents);
			put(out, (uint64_t)(h->optout.tdm_reservation + 1) << 8 | h->optout.n_agents);
		}
	}
	CHECK(rec == NULL);
	const gr_warc_record *again;
	CHECK(gr_warc_next(&again, r) == out->rc && again == NULL);
	out->stats = *gr_warc_reader_stats(r);
	gr_warc_reader_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned ctl = data[0];
	/* an exact-size copy, so ASan sees any read past the end */
	size_t n = size - 1;
	uint8_t *in = malloc(n ? n : 1);
	CHECK(in);
	if (n)
		memcpy(in, data + 1, n);
	g_size = n;

	gr_warc_opts o = {0};
	o.flags = (ctl & 1 ? GR_WARC_HTTP : 0) | (ctl & 2 ? GR_WARC_KEEP_DAMAGED : 0);
	if (ctl & 4)
		o.max_block = 16 + (ctl >> 3) * 61;
	if (ctl & 8)
		o.max_decoded = 1 + (ctl >> 4) * 97;

	struct seen whole, parts, failed;
	read_stream(&whole, in, n, &o, 0, SIZE_MAX);
	CHECK(whole.rc == 0);
	CHECK(whole.stats.bytes == n);
	CHECK(whole.stats.records == whole.records);
	uint64_t by_type = 0;
	for (int t = 0; t < GR_WARC_TYPE_COUNT; t++)
		by_type += whole.stats.by_type[t];
	CHECK(by_type == whole.records);

	read_stream(&parts, in, n, &o, 1 + ctl % 7, SIZE_MAX);
	CHECK(parts.rc == 0);
	CHECK(parts.n == whole.n && (whole.n == 0 || memcmp(parts.v, whole.v, whole.n * sizeof *whole.v) == 0));
	CHECK(memcmp(&parts.stats, &whole.stats, sizeof whole.stats) == 0);

	/* a failure part-way: a prefix of the records, then GR_EIO for good */
	if (n > 0) {
		size_t fail_at = (size_t)(fnv(in, n) % n);
		read_stream(&failed, in, n, &o, ctl % 3, fail_at);
		CHECK(failed.rc == GR_EIO);
		CHECK(failed.records <= whole.records);
		free(failed.v);
	}
	free(whole.v);
	free(parts.v);
	free(in);
	return 0;
}

#ifdef GR_FUZZ_REPLAY
#include "replay.h"

int main(int argc, char **argv)
{
	int rc = gr_fuzz_replay("fuzz_warc", argc, argv);
	return rc;
}
#endif
