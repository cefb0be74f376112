/*
 * Tests for src/warc: the WARC reader's framing, header and date rules,
 * resynchronisation and reports, limits, the HTTP head parser, chunked and
 * content decoding, opt-out signals, and every WARC sample in tests/data/
 * (origins in tests/data/SOURCES.md).
 *
 * Every inline input is read several times, handed out by the read callback
 * 1, 2, 3, 7, 64, 4096 and all bytes at a time; every run must see exactly
 * the same records and reports, so the streaming window is exercised at
 * every boundary. Inputs are exact-size heap copies, so under
 * AddressSanitizer a read past the end fails the test.
 *
 * The expected counts for the sample files were computed by
 * tests/tools/warc_expect.py (an independent Python reader); its output for
 * all samples, with a SHA-256 of every payload, is tests/data/warc-expect.txt,
 * which test_samples_payloads compares byte for byte.
 * Run from the repository root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "warc/warc.h"

#define TEST_NAME "warc"
#include "testlib.h"

#define DATA_DIR "tests/data/"

/* ---- a stream over memory, n bytes per read, optionally failing ---- */

struct mem {
	const uint8_t *p;
	size_t n, pos, chunk;
	size_t fail_at; /* reads at or past this offset fail; SIZE_MAX: never */
};

static ssize_t mem_read(void *ctx, void *buf, size_t n)
{
	struct mem *m = ctx;
	if (m->pos >= m->fail_at)
		return -1;
	size_t take = m->n - m->pos;
	if (take > n)
		take = n;
	if (take > m->chunk)
		take = m->chunk;
	if (m->fail_at != SIZE_MAX && take > m->fail_at - m->pos)
		take = m->fail_at - m->pos;
	memcpy(buf, m->p + m->pos, take);
	m->pos += take;
	return (ssize_t)take;
}

/* ---- what one reading saw, copied out of the reader ---- */

#define MAXR 64

struct srec {
	enum gr_warc_type type;
	uint64_t offset, header_len, block_len;
	unsigned version;
	bool legacy, has_date, has_rdate, http, damaged, ptrunc, chunked, cc_renamed, not_encoded;
	int64_t date, rdate;
	uint32_t date_ns;
	int status, tdm;
	unsigned robots, robots_agents, hversion;
	size_t n_fields, n_codings;
	char id[96], uri[160], date_raw[48], type_name[24], lang[16], refers_to[96], rt_uri[96], ctype[64];
	char media[40], charset[24], license[96], tdm_policy[64], agent0[24];
	unsigned agent0_flags;
	char payload[2048];
	size_t payload_len;
};

struct srep {
	enum gr_warc_problem kind;
	uint64_t offset, end, rec;
	bool dropped;
};

struct run {
	struct srec rec[MAXR];
	size_t nrec;
	struct srep rep[MAXR];
	size_t nrep;
	int rc;
	gr_warc_stats stats;
	char reason[MAXR][200];
};

static void cp(char *dst, size_t cap, gr_warc_str s)
{
	size_t n = s.len < cap - 1 ? s.len : cap - 1;
	if (n)
		memcpy(dst, s.ptr, n);
	dst[n] = '\0';
}

static void on_report(const gr_warc_report *r, void *ctx)
{
	struct run *run = ctx;
	assert_true(r->offset <= r->end);
	assert_non_null(r->reason);
	if (run->nrep < MAXR) {
		struct srep *s = &run->rep[run->nrep];
		s->kind = r->kind;
		s->offset = r->offset;
		s->end = r->end;
		s->rec = r->record_offset;
		s->dropped = r->dropped;
		snprintf(run->reason[run->nrep], sizeof run->reason[0], "%s", r->reason);
		run->nrep++;
	}
}

static void keep_record(struct run *run, const gr_warc_record *r)
{
	assert_true(run->nrec < MAXR);
	struct srec *s = &run->rec[run->nrec++];
	s->type = r->type;
	s->offset = r->offset;
	s->header_len = r->header_len;
	s->block_len = r->block_len;
	s->version = r->version;
	s->legacy = r->legacy_header;
	s->has_date = r->has_date;
	s->date = r->date;
	s->date_ns = r->date_ns;
	s->has_rdate = r->has_refers_to_date;
	s->rdate = r->refers_to_date;
	s->damaged = r->damaged;
	s->ptrunc = r->payload_truncated;
	s->n_fields = r->n_fields;
	cp(s->id, sizeof s->id, r->record_id);
	cp(s->uri, sizeof s->uri, r->target_uri);
	cp(s->date_raw, sizeof s->date_raw, r->date_raw);
	cp(s->type_name, sizeof s->type_name, r->type_name);
	cp(s->lang, sizeof s->lang, r->identified_language);
	cp(s->refers_to, sizeof s->refers_to, r->refers_to);
	cp(s->rt_uri, sizeof s->rt_uri, r->refers_to_target_uri);
	cp(s->ctype, sizeof s->ctype, r->content_type);
	assert_non_null(r->block);
	assert_non_null(r->payload);
	s->payload_len = r->payload_len;
	memcpy(s->payload, r->payload, r->payload_len < sizeof s->payload ? r->payload_len : sizeof s->payload);
	s->http = r->http != NULL;
	if (r->http) {
		const gr_warc_http *h = r->http;
		s->status = h->status;
		s->hversion = h->version;
		s->chunked = h->chunked;
		s->n_codings = h->n_codings;
		s->cc_renamed = h->cc_renamed;
		s->not_encoded = h->not_encoded;
		s->tdm = h->optout.tdm_reservation;
		s->robots = h->optout.robots;
		s->robots_agents = h->optout.robots_agents;
		cp(s->media, sizeof s->media, h->media_type);
		cp(s->charset, sizeof s->charset, h->charset);
		cp(s->license, sizeof s->license, h->optout.license);
		cp(s->tdm_policy, sizeof s->tdm_policy, h->optout.tdm_policy);
		if (h->optout.n_agents) {
			cp(s->agent0, sizeof s->agent0, h->optout.agents[0].agent);
			s->agent0_flags = h->optout.agents[0].flags;
		}
	}
}

static void read_all(struct run *run, const uint8_t *data, size_t n, const gr_warc_opts *opts, size_t chunk,
		     size_t fail_at)
{
	memset(run, 0, sizeof *run);
	struct mem m = {data, n, 0, chunk, fail_at};
	gr_warc_opts o = opts ? *opts : (gr_warc_opts){0};
	o.report = on_report;
	o.ctx = run;
	gr_warc_reader *r;
	assert_int_equal(gr_warc_reader_new(&r, mem_read, &m, &o), 0);
	const gr_warc_record *rec;
	uint64_t last = 0;
	while ((run->rc = gr_warc_next(&rec, r)) == 0 && rec) {
		assert_true(rec->offset >= last);
		assert_true(rec->offset + rec->header_len + rec->block_len <= n);
		/* the block is the input's bytes, not a copy that could differ */
		assert_memory_equal(rec->block, data + rec->offset + rec->header_len, (size_t)rec->block_len);
		last = rec->offset + 1;
		keep_record(run, rec);
	}
	/* finished readers stay finished */
	int again = gr_warc_next(&rec, r);
	assert_int_equal(again, run->rc);
	assert_null(rec);
	run->stats = *gr_warc_reader_stats(r);
	gr_warc_reader_free(r);
}

static const size_t chunks[] = {SIZE_MAX, 1, 2, 3, 7, 64, 4096};

/* Reads data with every chunk size; all runs must agree. Returns the first. */
static struct run *read_n(const void *data, size_t n, const gr_warc_opts *opts)
{
	uint8_t *copy = malloc(n ? n : 1);
	assert_non_null(copy);
	memcpy(copy, data, n);
	struct run *first = malloc(sizeof *first), *other = malloc(sizeof *other);
	assert_non_null(first);
	assert_non_null(other);
	read_all(first, copy, n, opts, chunks[0], SIZE_MAX);
	for (size_t i = 1; i < sizeof chunks / sizeof *chunks; i++) {
		read_all(other, copy, n, opts, chunks[i], SIZE_MAX);
		assert_int_equal(other->nrec, first->nrec);
		assert_int_equal(other->nrep, first->nrep);
		assert_int_equal(other->rc, first->rc);
		assert_memory_equal(other->rec, first->rec, sizeof first->rec);
		assert_memory_equal(other->rep, first->rep, sizeof first->rep);
		assert_memory_equal(&other->stats, &first->stats, sizeof first->stats);
	}
	free(other);
	free(copy);
	/* the stream was consumed to its end */
	if (first->rc == 0)
		assert_int_equal(first->stats.bytes, n);
	return first;
}

static struct run *read_s(const char *s, const gr_warc_opts *opts)
{
	return read_n(s, strlen(s), opts);
}

/* Appends a record: version line, fields (each "Name: value\r\n"), a
 * Content-Length for block, the block and CRLF CRLF. */
static void add_rec(gr_buf *b, const char *version, const char *fields, const char *block)
{
	assert_int_equal(gr_buf_printf(b, "%s\r\n%sContent-Length: %zu\r\n\r\n%s\r\n\r\n", version, fields,
				       strlen(block), block),
			 0);
}

#define STD_FIELDS(type, id) "WARC-Type: " type "\r\nWARC-Record-ID: <urn:uuid:" id ">\r\nWARC-Date: 2024-05-18T01:58:10Z\r\n"

static int count_kind(const struct run *run, enum gr_warc_problem k)
{
	int n = 0;
	for (size_t i = 0; i < run->nrep; i++)
		n += run->rep[i].kind == k;
	return n;
}

/* ---- framing and fields ---- */

static void test_basic_records(void **state)
{
	(void)state;
	gr_buf b = GR_BUF_INIT;
	add_rec(&b, "WARC/1.0",
		STD_FIELDS("resource", "1") "WARC-Target-URI: http://example.com/a\r\nContent-Type: text/plain\r\n"
					    "WARC-Payload-Digest: sha1:ABC\r\nWARC-IP-Address: 10.0.0.1\r\n",
		"hello");
	size_t second = b.len;
	add_rec(&b, "WARC/1.1", STD_FIELDS("metadata", "2") "WARC-Identified-Payload-Type: text/html\r\n", "x: y\r\n");
	struct run *r = read_n(b.ptr, b.len, NULL);
	assert_int_equal(r->rc, 0);
	assert_int_equal(r->nrep, 0);
	assert_int_equal(r->nrec, 2);
	struct srec *a = &r->rec[0];
	assert_int_equal(a->type, GR_WARC_RESOURCE);
	assert_int_equal(a->offset, 0);
	assert_int_equal(a->version, 100);
	assert_string_equal(a->id, "<urn:uuid:1>");
	assert_string_equal(a->uri, "http://example.com/a");
	assert_string_equal(a->ctype, "text/plain");
	assert_int_equal(a->payload_len, 5);
	assert_memory_equal(a->payload, "hello", 5);
	assert_true(a->has_date);
	assert_int_equal(a->date, 1715997490); /* 2024-05-18T01:58:10Z */
	assert_int_equal(a->n_fields, 8);
	assert_false(a->http); /* no GR_WARC_HTTP */
	assert_int_equal(r->rec[1].offset, second);
	assert_int_equal(r->rec[1].type, GR_WARC_METADATA);
	assert_int_equal(r->rec[1].version, 101);
	assert_int_equal(r->stats.records, 2);
	assert_int_equal(r->stats.by_type[GR_WARC_RESOURCE], 1);
	assert_int_equal(r->stats.by_type[GR_WARC_METADATA], 1);
	free(r);
	gr_buf_free(&b);
}

static void test_field_access(void **state)
{
	(void)state;
	const char *in = "WARC/1.0\r\nwarc-type: response\r\nWARC-RECORD-ID: <urn:x>\r\ncontent-length: 3\r\n"
			 "WARC-Date: 2024-01-01T00:00:00Z\r\nX-Custom:   spaced value  \r\n\r\nabc\r\n\r\n";
	struct mem m = {(const uint8_t *)in, strlen(in), 0, SIZE_MAX, SIZE_MAX};
	gr_warc_reader *r;
	assert_int_equal(gr_warc_reader_new(&r, mem_read, &m, NULL), 0);
	const gr_warc_record *rec;
	assert_int_equal(gr_warc_next(&rec, r), 0);
	assert_non_null(rec);
	assert_int_equal(rec->type, GR_WARC_RESPONSE);
	assert_true(gr_warc_str_eq(rec->type_name, "response"));
	const gr_warc_str *v = gr_warc_field_get(rec, "x-custom");
	assert_non_null(v);
	assert_true(gr_warc_str_eq(*v, "spaced value"));
	assert_null(gr_warc_field_get(rec, "X-Missing"));
	assert_true(gr_warc_str_ieq(rec->fields[0].name, "WARC-TYPE"));
	assert_int_equal(rec->block_len, 3);
	assert_int_equal(gr_warc_next(&rec, r), 0);
	assert_null(rec);
	gr_warc_reader_free(r);
	gr_warc_reader_free(NULL);
}

static void test_old_versions(void **state)
{
	(void)state;
	/* ClueWeb09-style WARC/0.18 with bare LF line ends */
	const char *cw = "WARC/0.18\nWARC-Type: response\nWARC-Target-URI: http://clueweb.example/\n"
			 "WARC-Warcinfo-ID: 993d3969-9643-4934-b1c6-68d4dbe55b83\nContent-Type: application/http;msgtype=response\n"
			 "WARC-Date: 2009-03-65T08:43:19-0800\nWARC-Record-ID: <urn:uuid:67f7cabd-146c-41cf-bd01-04f5fa7d5229>\n"
			 "WARC-TREC-ID: clueweb09-en0000-00-00000\nContent-Length: 44\n\n"
			 "HTTP/1.1 200 OK\nContent-Type: text/html\n\n<p>\n\n"
			 /* Heritrix 1.14 WARC/0.17 */
			 "WARC/0.17\r\nWARC-Type: warcinfo\r\nWARC-Date: 2008-04-30T20:48:25Z\r\n"
			 "WARC-Filename: IAH-20080430204825-00000-blackbook.warc.gz\r\n"
			 "WARC-Record-ID: <urn:uuid:35f02b38-eb19-4f0d-86e4-bfe95815069c>\r\n"
			 "Content-Type: application/warc-fields\r\nContent-Length: 8\r\n\r\nrobots: \r\n\r\n";
	gr_warc_opts o = {.flags = GR_WARC_HTTP};
	struct run *r = read_s(cw, &o);
	assert_int_equal(r->nrec, 2);
	assert_int_equal(r->rec[0].version, 18);
	assert_int_equal(r->rec[0].type, GR_WARC_RESPONSE);
	assert_string_equal(r->rec[0].uri, "http://clueweb.example/");
	/* ClueWeb09's day 65: reported, record kept without a date */
	assert_false(r->rec[0].has_date);
	assert_string_equal(r->rec[0].date_raw, "2009-03-65T08:43:19-0800");
	assert_int_equal(count_kind(r, GR_WARC_BAD_DATE), 1);
	assert_false(r->rep[0].dropped);
	assert_true(r->rec[0].http);
	assert_int_equal(r->rec[0].status, 200);
	assert_int_equal(r->rec[0].payload_len, 3);
	assert_memory_equal(r->rec[0].payload, "<p>", 3);
	assert_int_equal(r->rec[1].version, 17);
	assert_int_equal(r->rec[1].type, GR_WARC_WARCINFO);
	assert_true(r->rec[1].has_date);
	assert_int_equal(r->nrep, 1);
	free(r);

	/* 0.10 positional header line (data-length counts the whole record) */
	gr_buf b = GR_BUF_INIT;
	const char *line = "WARC/0.10 000000000000 response http://old.example/ 20060726000000 "
			   "application/http;msgtype=response urn:uuid:abc\r\n";
	const char *block = "HTTP/1.0 200 OK\r\n\r\nold";
	size_t total = strlen(line) + 2 + strlen(block);
	char len[16];
	snprintf(len, sizeof len, "%012zu", total);
	assert_int_equal(gr_buf_puts(&b, "WARC/0.10 "), 0);
	assert_int_equal(gr_buf_puts(&b, len), 0);
	assert_int_equal(gr_buf_puts(&b, line + 22), 0);
	assert_int_equal(gr_buf_printf(&b, "\r\n%s\r\n\r\n", block), 0);
	/* the 0.9 draft had record-id before content-type; and "revist" */
	assert_int_equal(gr_buf_printf(&b, "WARC/0.9 5 revist dns:x 20060726000001 urn:uuid:def text/dns\r\n\r\n"
					   "1.2.3\r\n\r\n"),
			 0);
	r = read_n(b.ptr, b.len, &o);
	assert_int_equal(r->nrec, 2);
	assert_int_equal(r->nrep, 0);
	assert_true(r->rec[0].legacy);
	assert_int_equal(r->rec[0].version, 10);
	assert_int_equal(r->rec[0].type, GR_WARC_RESPONSE);
	assert_string_equal(r->rec[0].uri, "http://old.example/");
	assert_string_equal(r->rec[0].id, "urn:uuid:abc");
	assert_string_equal(r->rec[0].ctype, "application/http;msgtype=response");
	assert_int_equal(r->rec[0].date, 1153872000);
	assert_int_equal(r->rec[0].block_len, strlen(block));
	assert_int_equal(r->rec[0].payload_len, 3);
	assert_int_equal(r->rec[1].version, 9);
	assert_int_equal(r->rec[1].type, GR_WARC_REVISIT);
	assert_string_equal(r->rec[1].id, "urn:uuid:def");
	assert_string_equal(r->rec[1].ctype, "text/dns");
	assert_int_equal(r->rec[1].block_len, 5); /* smaller than the header: the block alone */
	free(r);
	gr_buf_free(&b);
}

static void test_continuation_and_bad_lines(void **state)
{
	(void)state;
	const char *in = "WARC/1.0\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:1>\r\n"
			 "WARC-Target-URI: http://example.com/\r\n  very/long\r\n\tpath\r\n"
			 "this line has no colon\r\nWARC-Date: 2024-01-01T00:00:00Z\r\nContent-Length: 2\r\n\r\nok"
			 "\r\n\r\n";
	struct run *r = read_s(in, NULL);
	assert_int_equal(r->nrec, 1);
	assert_string_equal(r->rec[0].uri, "http://example.com/ very/long path");
	assert_int_equal(r->nrep, 1);
	assert_int_equal(r->rep[0].kind, GR_WARC_BAD_HEADER);
	assert_false(r->rep[0].dropped);
	assert_int_equal(r->rep[0].offset, strstr(in, "this line") - in);
	assert_int_equal(r->rep[0].rec, 0);
	free(r);
}

static void test_separators(void **state)
{
	(void)state;
	/* no blank lines, bare LF, extra blank and blank-looking lines: all fine */
	const char *in = "WARC/1.0\r\n" STD_FIELDS("resource", "1") "Content-Length: 1\r\n\r\nA"
			 "WARC/1.0\n" STD_FIELDS("resource", "2") "Content-Length: 1\n\nB\n\n\n\n \t\r\n\r\n"
			 "WARC/1.0\r\n" STD_FIELDS("resource", "3") "Content-Length: 1\r\n\r\nC\r\n";
	struct run *r = read_s(in, NULL);
	assert_int_equal(r->nrep, 0);
	assert_int_equal(r->nrec, 3);
	assert_memory_equal(r->rec[0].payload, "A", 1);
	assert_memory_equal(r->rec[1].payload, "B", 1);
	assert_memory_equal(r->rec[2].payload, "C", 1);
	assert_int_equal(r->rec[2].offset, strstr(in, "WARC/1.0\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:uuid:3") - in);
	free(r);

	/* empty stream, blanks only */
	r = read_s("", NULL);
	assert_int_equal(r->nrec + r->nrep, 0);
	free(r);
	r = read_s("\r\n\r\n \n", NULL);
	assert_int_equal(r->nrec + r->nrep, 0);
	free(r);
}

static void test_garbage(void **state)
{
	(void)state;
	gr_buf b = GR_BUF_INIT;
	assert_int_equal(gr_buf_puts(&b, "junk at the start\nWARC/ not a version\n"), 0);
	size_t r1 = b.len;
	add_rec(&b, "WARC/1.0", STD_FIELDS("resource", "1"), "one");
	size_t g2 = b.len;
	assert_int_equal(gr_buf_puts(&b, "garbage WARC/1.0 in a line\r\nmore\r\n"), 0);
	size_t r2 = b.len;
	add_rec(&b, "WARC/1.0", STD_FIELDS("resource", "2"), "two");
	size_t g3 = b.len;
	assert_int_equal(gr_buf_puts(&b, "trailing junk"), 0);
	struct run *r = read_n(b.ptr, b.len, NULL);
	assert_int_equal(r->nrec, 2);
	assert_int_equal(r->rec[0].offset, r1);
	assert_int_equal(r->rec[1].offset, r2);
	assert_int_equal(r->nrep, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(r->rep[i].kind, GR_WARC_GARBAGE);
		assert_false(r->rep[i].dropped);
		assert_int_equal(r->rep[i].rec, UINT64_MAX);
	}
	assert_int_equal(r->rep[0].offset, 0);
	assert_int_equal(r->rep[0].end, r1);
	assert_int_equal(r->rep[1].offset, g2);
	assert_int_equal(r->rep[1].end, r2);
	assert_int_equal(r->rep[2].offset, g3);
	assert_int_equal(r->rep[2].end, b.len);
	assert_int_equal(r->stats.garbage_bytes, r1 + (r2 - g2) + (b.len - g3));
	assert_non_null(strstr(r->reason[0], "skipped bytes 0 to"));
	free(r);
	gr_buf_free(&b);
}

static void test_length_problems(void **state)
{
	(void)state;
	const char *cases[] = {
		"",                                         /* no Content-Length */
		"Content-Length: 12a\r\n",                  /* not decimal */
		"Content-Length: -5\r\n",                   /* not decimal */
		"Content-Length: 3\r\nContent-Length: 4\r\n", /* two that differ */
		"Content-Length: 99999999999999999999\r\n", /* overflow */
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		gr_buf b = GR_BUF_INIT;
		assert_int_equal(gr_buf_printf(&b, "WARC/1.0\r\n" STD_FIELDS("resource", "1") "%s\r\nabc\r\n\r\n",
					       cases[i]),
				 0);
		size_t next = b.len;
		add_rec(&b, "WARC/1.0", STD_FIELDS("resource", "2"), "fine");
		struct run *r = read_n(b.ptr, b.len, NULL);
		assert_int_equal(r->nrec, 1);
		assert_int_equal(r->rec[0].offset, next);
		assert_int_equal(r->nrep, 1);
		assert_int_equal(r->rep[0].kind, i == 0 ? GR_WARC_NO_LENGTH : GR_WARC_BAD_LENGTH);
		assert_true(r->rep[0].dropped);
		assert_int_equal(r->rep[0].offset, 0);
		assert_int_equal(r->rep[0].rec, 0);
		assert_int_equal(r->rep[0].end, next);
		assert_int_equal(r->stats.dropped, 1);
		free(r);
		gr_buf_free(&b);
	}
	/* the same Content-Length twice is fine */
	struct run *r = read_s("WARC/1.0\r\n" STD_FIELDS("resource", "1") "Content-Length: 1\r\ncontent-length:1\r\n\r\nx",
			       NULL);
	assert_int_equal(r->nrec, 1);
	assert_int_equal(r->nrep, 0);
	free(r);
}

static void test_missing_fields(void **state)
{
	(void)state;
	gr_buf b = GR_BUF_INIT;
	/* the block holds a WARC/ line: skipping by length must not land on it */
	add_rec(&b, "WARC/1.0", "WARC-Record-ID: <urn:1>\r\nWARC-Date: 2024-01-01T00:00:00Z\r\n",
		"WARC/1.0\r\nWARC-Type: resource\r\n");
	size_t second = b.len;
	add_rec(&b, "WARC/1.0", "WARC-Type: resource\r\nWARC-Date: 2024-01-01T00:00:00Z\r\n", "x");
	size_t third = b.len;
	add_rec(&b, "WARC/1.0", "WARC-Type: resource\r\nWARC-Record-ID: <urn:3>\r\n", "no date");
	struct run *r = read_n(b.ptr, b.len, NULL);
	assert_int_equal(r->nrec, 1);
	assert_int_equal(r->rec[0].offset, third);
	assert_false(r->rec[0].has_date);
	assert_int_equal(r->nrep, 3);
	assert_int_equal(r->rep[0].kind, GR_WARC_MISSING_FIELD);
	assert_non_null(strstr(r->reason[0], "WARC-Type"));
	assert_true(r->rep[0].dropped);
	assert_int_equal(r->rep[0].end, second - 4);
	assert_int_equal(r->rep[1].kind, GR_WARC_MISSING_FIELD);
	assert_non_null(strstr(r->reason[1], "WARC-Record-ID"));
	assert_int_equal(r->rep[1].rec, second);
	assert_int_equal(r->rep[2].kind, GR_WARC_BAD_DATE);
	assert_false(r->rep[2].dropped);
	assert_int_equal(r->stats.dropped, 2);
	free(r);
	gr_buf_free(&b);
}

static void test_header_limits(void **state)
{
	(void)state;
	/* a line over GR_WARC_MAX_LINE */
	gr_buf b = GR_BUF_INIT;
	assert_int_equal(gr_buf_puts(&b, "WARC/1.0\r\nWARC-Type: resource\r\nX-Long: "), 0);
	for (size_t i = 0; i < GR_WARC_MAX_LINE; i++)
		assert_int_equal(gr_buf_putc(&b, 'a'), 0);
	assert_int_equal(gr_buf_puts(&b, "\r\nContent-Length: 1\r\n\r\nx\r\n\r\n"), 0);
	size_t next = b.len;
	add_rec(&b, "WARC/1.0", STD_FIELDS("resource", "2"), "ok");
	struct run *r = read_n(b.ptr, b.len, NULL);
	assert_int_equal(r->nrec, 1);
	assert_int_equal(r->rec[0].offset, next);
	assert_int_equal(r->nrep, 1);
	assert_int_equal(r->rep[0].kind, GR_WARC_LINE_TOO_LONG);
	assert_int_equal(r->rep[0].end, next);
	assert_true(r->rep[0].dropped);
	free(r);
	gr_buf_free(&b);

	/* a header over GR_WARC_MAX_HEADER, in lines under the line limit */
	assert_int_equal(gr_buf_puts(&b, "WARC/1.0\r\nWARC-Type: resource\r\n"), 0);
	while (b.len <= GR_WARC_MAX_HEADER)
		assert_int_equal(gr_buf_puts(&b, "X-Filler: 0123456789012345678901234567890123456789\r\n"), 0);
	assert_int_equal(gr_buf_puts(&b, "Content-Length: 1\r\n\r\nx\r\n\r\n"), 0);
	next = b.len;
	add_rec(&b, "WARC/1.0", STD_FIELDS("resource", "2"), "ok");
	r = read_n(b.ptr, b.len, NULL);
	assert_int_equal(r->nrec, 1);
	assert_int_equal(r->nrep, 1);
	assert_int_equal(r->rep[0].kind, GR_WARC_HEADER_TOO_LARGE);
	assert_int_equal(r->rep[0].end, next);
	free(r);
	gr_buf_free(&b);

	/* more than GR_WARC_MAX_FIELDS fields: skipped by its length */
	assert_int_equal(gr_buf_puts(&b, "WARC/1.0\r\n" STD_FIELDS("resource", "1")), 0);
	for (int i = 0; i < GR_WARC_MAX_FIELDS; i++)
		assert_int_equal(gr_buf_printf(&b, "X-F%d: v\r\n", i), 0);
	assert_int_equal(gr_buf_puts(&b, "Content-Length: 16\r\n\r\nWARC/1.0\r\nbogus\r\n\r\n\r\n"), 0);
	next = b.len;
	add_rec(&b, "WARC/1.0", STD_FIELDS("resource", "2"), "ok");
	r = read_n(b.ptr, b.len, NULL);
	assert_int_equal(r->nrec, 1);
	assert_int_equal(r->rec[0].offset, next);
	assert_int_equal(r->nrep, 1);
	assert_int_equal(r->rep[0].kind, GR_WARC_TOO_MANY_FIELDS);
	assert_true(r->rep[0].dropped);
	free(r);
	/* exactly the limit is fine */
	gr_buf_reset(&b);
	assert_int_equal(gr_buf_puts(&b, "WARC/1.0\r\n" STD_FIELDS("resource", "1")), 0);
	for (int i = 0; i < GR_WARC_MAX_FIELDS - 4; i++)
		assert_int_equal(gr_buf_printf(&b, "X-F%d: v\r\n", i), 0);
	assert_int_equal(gr_buf_puts(&b, "Content-Length: 0\r\n\r\n\r\n\r\n"), 0);
	r = read_n(b.ptr, b.len, NULL);
	assert_int_equal(r->nrec, 1);
	assert_int_equal(r->rec[0].n_fields, GR_WARC_MAX_FIELDS);
	assert_int_equal(r->nrep, 0);
	free(r);
	gr_buf_free(&b);
}

static void test_truncated(void **state)
{
	(void)state;
	gr_buf b = GR_BUF_INIT;
	add_rec(&b, "WARC/1.0", STD_FIELDS("resource", "1"), "first");
	size_t second = b.len;
	add_rec(&b, "WARC/1.0", STD_FIELDS("resource", "2"), "0123456789");
	size_t full = b.len;
	/* cut inside the second block, inside its header, right after its version line */
	size_t cuts[] = {full - 8, second + 40, second + 10, second + 3};
	for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
		struct run *r = read_n(b.ptr, cuts[i], NULL);
		assert_int_equal(r->rc, 0);
		assert_int_equal(r->nrec, 1);
		assert_memory_equal(r->rec[0].payload, "first", 5);
		if (i == 3) { /* "WAR": not even a version line */
			assert_int_equal(r->nrep, 1);
			assert_int_equal(r->rep[0].kind, GR_WARC_GARBAGE);
			free(r);
			continue;
		}
		assert_int_equal(r->nrep, 1);
		assert_int_equal(r->rep[0].kind, GR_WARC_TRUNCATED);
		assert_int_equal(r->rep[0].offset, second);
		assert_int_equal(r->rep[0].end, cuts[i]);
		assert_int_equal(r->rep[0].rec, second);
		assert_true(r->rep[0].dropped);
		free(r);
	}
	/* GR_WARC_KEEP_DAMAGED delivers what there is of a cut block */
	gr_warc_opts o = {.flags = GR_WARC_KEEP_DAMAGED};
	struct run *r = read_n(b.ptr, full - 8, &o);
	assert_int_equal(r->nrec, 2);
	assert_true(r->rec[1].damaged);
	assert_true(r->rec[1].ptrunc);
	assert_int_equal(r->rec[1].payload_len, 6);
	assert_memory_equal(r->rec[1].payload, "012345", 6);
	assert_int_equal(r->nrep, 1);
	assert_false(r->rep[0].dropped);
	free(r);
	gr_buf_free(&b);
}

static void test_read_failure(void **state)
{
	(void)state;
	gr_buf b = GR_BUF_INIT;
	add_rec(&b, "WARC/1.0", STD_FIELDS("resource", "1"), "first");
	size_t second = b.len;
	add_rec(&b, "WARC/1.0", STD_FIELDS("resource", "2"), "0123456789");
	for (size_t ci = 0; ci < sizeof chunks / sizeof *chunks; ci++) {
		struct run *r = malloc(sizeof *r);
		assert_non_null(r);
		read_all(r, (const uint8_t *)b.ptr, b.len, NULL, chunks[ci], second + 100);
		assert_int_equal(r->rc, GR_EIO);
		assert_int_equal(r->nrec, 1);
		assert_int_equal(r->nrep, 1);
		assert_int_equal(r->rep[0].kind, GR_WARC_TRUNCATED);
		assert_int_equal(r->rep[0].offset, second);
		assert_true(r->rep[0].dropped);
		assert_non_null(strstr(r->reason[0], "fail"));
		free(r);
	}
	/* failing at once */
	struct run *r = malloc(sizeof *r);
	assert_non_null(r);
	read_all(r, (const uint8_t *)b.ptr, b.len, NULL, 10, 0);
	assert_int_equal(r->rc, GR_EIO);
	assert_int_equal(r->nrec + r->nrep, 0);
	free(r);
	gr_buf_free(&b);
}

static void test_block_limit(void **state)
{
	(void)state;
	gr_buf b = GR_BUF_INIT;
	add_rec(&b, "WARC/1.0", STD_FIELDS("resource", "1"), "0123456789ABCDEF");
	size_t second = b.len;
	add_rec(&b, "WARC/1.0", STD_FIELDS("resource", "2"), "small");
	size_t third = b.len;
	add_rec(&b, "WARC/1.0", STD_FIELDS("resource", "3"), "0123456789ABCDEF-and-more");
	gr_warc_opts o = {.max_block = 10};
	struct run *r = read_n(b.ptr, b.len, &o);
	assert_int_equal(r->nrec, 1);
	assert_int_equal(r->rec[0].offset, second);
	assert_int_equal(r->nrep, 2);
	assert_int_equal(r->rep[0].kind, GR_WARC_BLOCK_TOO_LARGE);
	assert_int_equal(r->rep[0].offset, 0);
	assert_int_equal(r->rep[0].end, second - 4);
	assert_true(r->rep[0].dropped);
	assert_int_equal(r->rep[1].kind, GR_WARC_BLOCK_TOO_LARGE);
	assert_int_equal(r->rep[1].offset, third);
	free(r);
	/* an oversized block cut by the end of the stream */
	r = read_n(b.ptr, b.len - 10, &o);
	assert_int_equal(r->nrep, 2);
	assert_int_equal(r->rep[1].end, b.len - 10);
	assert_non_null(strstr(r->reason[1], "ends inside"));
	free(r);
	gr_buf_free(&b);
}

static void test_wget_uri(void **state)
{
	(void)state;
	gr_buf b = GR_BUF_INIT;
	add_rec(&b, "WARC/1.0",
		STD_FIELDS("revisit", "1") "WARC-Target-URI: <https://example.org/a?b>\r\n"
					   "WARC-Refers-To-Target-URI: <https://example.org/>\r\n"
					   "WARC-Refers-To-Date: 2017-03-06T04:02:06Z\r\nWARC-Refers-To: <urn:uuid:0>\r\n",
		"");
	struct run *r = read_n(b.ptr, b.len, NULL);
	assert_int_equal(r->nrec, 1);
	assert_string_equal(r->rec[0].uri, "https://example.org/a?b");
	assert_string_equal(r->rec[0].rt_uri, "https://example.org/");
	assert_string_equal(r->rec[0].refers_to, "<urn:uuid:0>");
	assert_true(r->rec[0].has_rdate);
	assert_int_equal(r->rec[0].rdate, 1488772926);
	assert_int_equal(r->rec[0].payload_len, 0);
	free(r);
	gr_buf_free(&b);
}

static void zcomp(gr_buf *out, const void *data, size_t n, int wbits);

/* A record bigger than the window's usual size grows it, and later records
 * read right after it shrinks back; a big decoded body likewise. */
static void test_big_records(void **state)
{
	(void)state;
	size_t big = 5u << 20;
	char *blob = malloc(big + 1);
	assert_non_null(blob);
	for (size_t i = 0; i < big; i++)
		blob[i] = (char)('a' + (i * 7 + i / 4096) % 26);
	blob[big] = '\0';
	gr_buf b = GR_BUF_INIT, z = GR_BUF_INIT, blk = GR_BUF_INIT;
	add_rec(&b, "WARC/1.0", STD_FIELDS("resource", "1"), "small");
	size_t second = b.len;
	add_rec(&b, "WARC/1.0", STD_FIELDS("resource", "2"), blob);
	zcomp(&z, blob, big, 31);
	assert_int_equal(gr_buf_printf(&blk, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n"), 0);
	assert_int_equal(gr_buf_put(&blk, z.ptr, z.len), 0);
	assert_int_equal(gr_buf_printf(&b, "WARC/1.0\r\n" STD_FIELDS("response", "3")
					   "Content-Type: application/http\r\nContent-Length: %zu\r\n\r\n",
				       blk.len),
			 0);
	assert_int_equal(gr_buf_put(&b, blk.ptr, blk.len), 0);
	assert_int_equal(gr_buf_puts(&b, "\r\n\r\n"), 0);
	add_rec(&b, "WARC/1.0", STD_FIELDS("resource", "4"), "small again");
	const size_t sizes[] = {SIZE_MAX, 4096, 100000};
	for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
		struct mem m = {(const uint8_t *)b.ptr, b.len, 0, sizes[k], SIZE_MAX};
		gr_warc_opts o = {.flags = GR_WARC_HTTP};
		gr_warc_reader *r;
		assert_int_equal(gr_warc_reader_new(&r, mem_read, &m, &o), 0);
		const gr_warc_record *rec;
		assert_int_equal(gr_warc_next(&rec, r), 0);
		assert_memory_equal(rec->payload, "small", 5);
		assert_int_equal(gr_warc_next(&rec, r), 0);
		assert_int_equal(rec->offset, second);
		assert_int_equal(rec->payload_len, big);
		assert_memory_equal(rec->payload, blob, big);
		assert_int_equal(gr_warc_next(&rec, r), 0);
		assert_non_null(rec->http);
		assert_int_equal(rec->payload_len, big);
		assert_memory_equal(rec->payload, blob, big);
		assert_int_equal(gr_warc_next(&rec, r), 0);
		assert_memory_equal(rec->payload, "small again", 11);
		assert_int_equal(gr_warc_next(&rec, r), 0);
		assert_null(rec);
		assert_int_equal(gr_warc_reader_stats(r)->bytes, b.len);
		gr_warc_reader_free(r);
	}
	free(blob);
	gr_buf_free(&b);
	gr_buf_free(&z);
	gr_buf_free(&blk);
}

/* ---- dates ---- */

static void test_dates(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int64_t sec;
		uint32_t ns;
	} ok[] = {
		{"2024-05-18T01:58:10Z", 1715997490, 0},
		{"  2024-05-18T01:58:10Z ", 1715997490, 0},
		{"1970-01-01T00:00:00Z", 0, 0},
		{"1969-12-31T23:59:59Z", -1, 0},
		{"2000-02-29T12:00:00Z", 951825600, 0},
		{"2024-05-18T01:58:10.5Z", 1715997490, 500000000},
		{"2024-05-18T01:58:10.123456Z", 1715997490, 123456000},
		{"2024-05-18T01:58:10.1234567891234Z", 1715997490, 123456789},
		{"2024-05-18T03:58:10+02:00", 1715997490, 0},
		{"2024-05-17T17:58:10-0800", 1715997490, 0},
		{"2024-05-18T01:58:10", 1715997490, 0},
		{"2024-05-18t01:58:10z", 1715997490, 0},
		{"2024-05-18T01:58Z", 1715997480, 0},
		{"2024-05-18", 1715990400, 0},
		{"2024-05", 1714521600, 0},
		{"2024", 1704067200, 0},
		{"20240518015810", 1715997490, 0},
		{"2016-12-31T23:59:60Z", 1483228800, 0},
		{"9999-12-31T23:59:59Z", 253402300799, 0},
		{"0000-01-01T00:00:00Z", -62167219200, 0},
	};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		int64_t sec = 7;
		uint32_t ns = 7;
		if (gr_warc_parse_date(&sec, &ns, ok[i].s, strlen(ok[i].s)) != 0)
			fail_msg("rejected %s", ok[i].s);
		if (sec != ok[i].sec || ns != ok[i].ns)
			fail_msg("%s -> %lld.%09u", ok[i].s, (long long)sec, ns);
	}
	static const char *const bad[] = {
		"", "2024-13-01", "2024-00-10", "2023-02-29", "1900-02-29T00:00:00Z", "2009-03-65T08:43:19-0800",
		"2024-04-31", "2024-05-18T24:00:00Z", "2024-05-18T01:60:00Z", "2024-05-18T01:58:61Z",
		"2024-05-18T01:58:10.Z", "2024-05-18T01:58:10+2", "2024-05-18T01:58:10+24:00", "2024-05-18T01:58:10Zjunk",
		"24-05-18", "2024/05/18", "2024-5-18", "Mon, 06 Mar 2017 04:02:06 GMT", "20240518015810Z", "2024-05-18T1:58Z",
		"2024-05-18T01:58:1Z",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int64_t sec = 7;
		uint32_t ns = 7;
		if (gr_warc_parse_date(&sec, &ns, bad[i], strlen(bad[i])) != GR_EINVAL)
			fail_msg("accepted %s", bad[i]);
		assert_int_equal(sec, 7);
		assert_int_equal(ns, 7);
	}
}

/* ---- HTTP head ---- */

static int parse_http(gr_warc_http *h, const char *s, gr_warc_http_error *e)
{
	return gr_warc_http_parse(h, s, strlen(s), e);
}

static void test_http_start_lines(void **state)
{
	(void)state;
	gr_warc_http h;
	gr_warc_http_init(&h);
	gr_warc_http_error e;
	static const struct {
		const char *s;
		unsigned version;
		int status;
	} ok[] = {
		{"HTTP/1.1 200 OK\r\n\r\n", 11, 200},
		{"HTTP/1.0 404 Not Found\r\n\r\n", 10, 404},
		{"HTTP/2 301\r\n\r\n", 20, 301},
		{"HTTP/2.0 200 \r\n\r\n", 20, 200},
		{"http/1.1   503 Busy\n\n", 11, 503},
		{"\r\nHTTP/1.1 200 OK\r\n\r\n", 11, 200},
	};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		if (parse_http(&h, ok[i].s, &e) != 0)
			fail_msg("rejected %s", ok[i].s);
		assert_true(h.response);
		assert_int_equal(h.version, ok[i].version);
		assert_int_equal(h.status, ok[i].status);
		assert_true(h.head_complete);
		assert_int_equal(h.head_len, strlen(ok[i].s));
	}
	assert_int_equal(parse_http(&h, "HTTP/1.1 200 OK\r\n\r\n", &e), 0);
	assert_true(gr_warc_str_eq(h.reason, "OK"));

	assert_int_equal(parse_http(&h, "GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n", &e), 0);
	assert_false(h.response);
	assert_true(gr_warc_str_eq(h.method, "GET"));
	assert_true(gr_warc_str_eq(h.target, "/index.html?q=1"));
	assert_int_equal(h.version, 11);
	assert_int_equal(h.n_fields, 1);
	assert_int_equal(parse_http(&h, "GET /old\r\n\r\n", &e), 0);
	assert_int_equal(h.version, 9);

	static const char *const bad[] = {
		"", "\r\n\r\n", "HTTP/1.1\r\n\r\n", "HTTP/1.1 20 OK\r\n", "HTTP/1.1 2000 OK\r\n", "HTTP/x 200 OK\r\n",
		"HTTP/1.12 200 OK\r\n", "<html>\r\n", "GET\r\n", "GET /x FTP/1.0\r\n", "HTTP/1.1 abc\r\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		e.kind = 0;
		if (parse_http(&h, bad[i], &e) != GR_EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(e.kind, GR_WARC_HTTP_BAD_HEAD);
		assert_int_equal(h.n_fields, 0);
	}
	gr_warc_http_release(&h);
}

static void test_http_fields(void **state)
{
	(void)state;
	gr_warc_http h;
	gr_warc_http_init(&h);
	gr_warc_http_error e;
	const char *msg = "HTTP/1.1 200 OK\r\nContent-Type: Text/HTML; Charset=\"UTF-8\"\r\n"
			  "X-Folded: first\r\n   second\r\n\tthird\r\nno colon here\r\n: empty name\r\n"
			  "content-length: 4\r\nX-Crawler-Content-Encoding: gzip\r\n\r\nbody";
	assert_int_equal(parse_http(&h, msg, &e), 0);
	assert_int_equal(h.n_fields, 4);
	assert_int_equal(h.bad_lines, 2);
	assert_true(gr_warc_str_eq(h.media_type, "text/html"));
	assert_true(gr_warc_str_eq(h.charset, "utf-8"));
	assert_true(gr_warc_str_eq(h.content_type, "Text/HTML; Charset=\"UTF-8\""));
	const gr_warc_str *v = gr_warc_http_get(&h, "x-folded");
	assert_non_null(v);
	assert_true(gr_warc_str_eq(*v, "first second third"));
	assert_int_equal(h.content_length, 4);
	assert_true(h.cc_renamed);
	assert_int_equal(h.n_codings, 0); /* renamed: never acted on */
	assert_int_equal(h.head_len, strlen(msg) - 4);
	assert_int_equal(gr_warc_http_decode(&h, msg, strlen(msg), 0, &e), 0);
	assert_int_equal(h.body_len, 4);
	assert_ptr_equal(h.body, (const uint8_t *)msg + h.head_len); /* no copy */

	static const struct {
		const char *ct, *media, *charset;
	} cts[] = {
		{"text/html;charset=ISO-8859-1;foo=bar", "text/html", "iso-8859-1"},
		{"application/xhtml+xml", "application/xhtml+xml", ""},
		{"text/plain; format=\"a;b\"; charset = utf-8", "text/plain", "utf-8"},
		{"text/html; charset=", "text/html", ""},
		{"garbage", "", ""},
		{"; charset=utf-8", "", "utf-8"},
	};
	for (size_t i = 0; i < sizeof cts / sizeof *cts; i++) {
		char buf[256];
		snprintf(buf, sizeof buf, "HTTP/1.1 200 OK\r\nContent-Type: %s\r\n\r\n", cts[i].ct);
		assert_int_equal(parse_http(&h, buf, &e), 0);
		char m[64], c[64];
		cp(m, sizeof m, h.media_type);
		cp(c, sizeof c, h.charset);
		assert_string_equal(m, cts[i].media);
		assert_string_equal(c, cts[i].charset);
	}
	/* a head without its blank line ends with the data */
	assert_int_equal(parse_http(&h, "HTTP/1.1 304 Not Modified\r\nETag: x\r\n", &e), 0);
	assert_false(h.head_complete);
	assert_int_equal(h.n_fields, 1);
	assert_int_equal(parse_http(&h, "HTTP/1.1 304 Not Modified", &e), 0);
	assert_int_equal(h.head_len, 25);
	/* differing Content-Lengths are not used */
	assert_int_equal(parse_http(&h, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", &e), 0);
	assert_int_equal(h.content_length, -1);
	gr_warc_http_release(&h);
	gr_warc_http_release(&h);
}

static void test_http_limits(void **state)
{
	(void)state;
	gr_warc_http h;
	gr_warc_http_init(&h);
	gr_warc_http_error e;
	gr_buf b = GR_BUF_INIT;
	assert_int_equal(gr_buf_puts(&b, "HTTP/1.1 200 OK\r\n"), 0);
	for (int i = 0; i < GR_WARC_HTTP_MAX_FIELDS; i++)
		assert_int_equal(gr_buf_printf(&b, "X-%d: v\r\n", i), 0);
	size_t at_limit = b.len;
	assert_int_equal(gr_buf_puts(&b, "\r\n"), 0);
	assert_int_equal(gr_warc_http_parse(&h, b.ptr, b.len, &e), 0);
	assert_int_equal(h.n_fields, GR_WARC_HTTP_MAX_FIELDS);
	b.len = at_limit;
	assert_int_equal(gr_buf_puts(&b, "X-one-more: v\r\n\r\n"), 0);
	assert_int_equal(gr_warc_http_parse(&h, b.ptr, b.len, &e), GR_ELIMIT);
	assert_int_equal(e.kind, GR_WARC_HTTP_LIMIT);
	assert_int_equal(h.n_fields, 0);

	gr_buf_reset(&b);
	assert_int_equal(gr_buf_puts(&b, "HTTP/1.1 200 OK\r\nSet-Cookie: "), 0);
	size_t line = b.len - 12;
	for (size_t i = 0; i < GR_WARC_HTTP_MAX_LINE; i++)
		assert_int_equal(gr_buf_putc(&b, 'c'), 0);
	assert_int_equal(gr_buf_puts(&b, "\r\n\r\n"), 0);
	assert_int_equal(gr_warc_http_parse(&h, b.ptr, b.len, &e), GR_ELIMIT);
	assert_int_equal(e.offset, line);

	gr_buf_reset(&b);
	assert_int_equal(gr_buf_puts(&b, "HTTP/1.1 200 OK\r\n"), 0);
	while (b.len < GR_WARC_HTTP_MAX_HEAD)
		assert_int_equal(gr_buf_puts(&b, "X-Filler: 01234567890123456789012345678901234567890123456789\r\n"), 0);
	assert_int_equal(gr_buf_puts(&b, "\r\n"), 0);
	assert_int_equal(gr_warc_http_parse(&h, b.ptr, b.len, &e), GR_ELIMIT);

	/* codings */
	assert_int_equal(parse_http(&h, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip, br, gzip, deflate, gzip\r\n\r\n", &e),
			 GR_ELIMIT);
	assert_int_equal(e.kind, GR_WARC_HTTP_LIMIT);
	assert_int_equal(parse_http(&h, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip, br\r\n"
					"Transfer-Encoding: gzip, deflate, chunked\r\n\r\n", &e),
			 0);
	assert_int_equal(h.n_codings, 4);
	assert_true(h.chunked);
	assert_int_equal(h.codings[0], GR_WARC_CODING_GZIP);
	assert_int_equal(h.codings[1], GR_WARC_CODING_BR);
	assert_int_equal(h.codings[2], GR_WARC_CODING_GZIP);
	assert_int_equal(h.codings[3], GR_WARC_CODING_DEFLATE);
	assert_int_equal(parse_http(&h, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", &e), 0);
	assert_false(h.chunked); /* chunked must come last */
	gr_buf_free(&b);
	gr_warc_http_release(&h);
}

static void test_optout(void **state)
{
	(void)state;
	gr_warc_http h;
	gr_warc_http_init(&h);
	gr_warc_http_error e;
	assert_int_equal(parse_http(&h, "HTTP/1.1 200 OK\r\n\r\n", &e), 0);
	assert_int_equal(h.optout.tdm_reservation, -1);
	assert_int_equal(h.optout.robots | h.optout.robots_agents, 0);
	assert_null(h.optout.license.ptr);

	const char *m = "HTTP/1.1 200 OK\r\ntdm-reservation: 1\r\nTDM-Policy: https://example.com/policy.json\r\n"
			"X-Robots-Tag: noai, noimageai\r\nX-Robots-Tag: googlebot: noindex, nofollow\r\n"
			"X-Robots-Tag: unavailable_after: 25 Jun 2010 15:00:00 PST, otherbot: noai, none\r\n"
			"X-Robots-Tag: GoogleBot: noarchive\r\n"
			"Link: <https://example.com/a, b>; rel=\"alternate\", <https://creativecommons.org/licenses/by/4.0/>;"
			" type=\"text/html\"; rel=\"nofollow license\"\r\nLink: <https://second/>; rel=license\r\n\r\n";
	assert_int_equal(parse_http(&h, m, &e), 0);
	const gr_warc_optout *o = &h.optout;
	assert_int_equal(o->tdm_reservation, 1);
	assert_true(gr_warc_str_eq(o->tdm_policy, "https://example.com/policy.json"));
	assert_int_equal(o->robots, GR_WARC_ROBOTS_NOAI | GR_WARC_ROBOTS_NOIMAGEAI);
	assert_int_equal(o->n_agents, 2);
	assert_true(gr_warc_str_eq(o->agents[0].agent, "googlebot"));
	assert_int_equal(o->agents[0].flags, GR_WARC_ROBOTS_NOINDEX | GR_WARC_ROBOTS_NOFOLLOW | GR_WARC_ROBOTS_NOARCHIVE);
	assert_true(gr_warc_str_eq(o->agents[1].agent, "otherbot"));
	assert_int_equal(o->agents[1].flags,
			 GR_WARC_ROBOTS_NOAI | GR_WARC_ROBOTS_NONE | GR_WARC_ROBOTS_NOINDEX | GR_WARC_ROBOTS_NOFOLLOW);
	assert_int_equal(o->robots_agents, o->agents[0].flags | o->agents[1].flags);
	assert_true(gr_warc_str_eq(o->license, "https://creativecommons.org/licenses/by/4.0/"));

	assert_int_equal(parse_http(&h, "HTTP/1.1 200 OK\r\ntdm-reservation: 0\r\nLink: <x>; rel=next\r\n\r\n", &e), 0);
	assert_int_equal(h.optout.tdm_reservation, 0);
	assert_null(h.optout.license.ptr);
	assert_int_equal(parse_http(&h, "HTTP/1.1 200 OK\r\ntdm-reservation: 0\r\ntdm-reservation: 1\r\n\r\n", &e), 0);
	assert_int_equal(h.optout.tdm_reservation, 1);
	assert_int_equal(parse_http(&h, "HTTP/1.1 200 OK\r\ntdm-reservation: yes\r\n\r\n", &e), 0);
	assert_int_equal(h.optout.tdm_reservation, -1);

	/* more agents than kept by name: still in the union */
	gr_buf b = GR_BUF_INIT;
	assert_int_equal(gr_buf_puts(&b, "HTTP/1.1 200 OK\r\n"), 0);
	for (int i = 0; i < GR_WARC_HTTP_MAX_AGENTS + 3; i++)
		assert_int_equal(gr_buf_printf(&b, "X-Robots-Tag: bot%d: %s\r\n", i, i == GR_WARC_HTTP_MAX_AGENTS + 2 ? "noimageai" : "noai"), 0);
	assert_int_equal(gr_buf_puts(&b, "\r\n"), 0);
	assert_int_equal(gr_warc_http_parse(&h, b.ptr, b.len, &e), 0);
	assert_int_equal(h.optout.n_agents, GR_WARC_HTTP_MAX_AGENTS);
	assert_int_equal(h.optout.robots, 0);
	assert_int_equal(h.optout.robots_agents, GR_WARC_ROBOTS_NOAI | GR_WARC_ROBOTS_NOIMAGEAI);
	gr_buf_free(&b);
	gr_warc_http_release(&h);
}

/* ---- chunked ---- */

static int dechunk_s(gr_buf *out, const char *s, size_t max, gr_warc_http_error *e)
{
	gr_buf_reset(out);
	char *copy = malloc(strlen(s) + 1);
	assert_non_null(copy);
	memcpy(copy, s, strlen(s));
	int rc = gr_warc_dechunk(out, copy, strlen(s), max, e);
	free(copy);
	return rc;
}

static void test_chunked(void **state)
{
	(void)state;
	gr_buf out = GR_BUF_INIT;
	gr_warc_http_error e;
	static const struct {
		const char *in, *out;
	} ok[] = {
		{"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world"},
		{"5;name=value;x\r\nhello\r\n0\r\n\r\n", "hello"},
		{"5 ; ext\r\nhello\r\n0\r\nTrailer: x\r\nOther: y\r\n\r\n", "hello"},
		{"5\nhello\n0\n\n", "hello"},
		{"00005\r\nhello\r\n000\r\n\r\n", "hello"},
		{"A\r\n0123456789\r\na\r\nabcdefghij\r\n0\r\n", "0123456789abcdefghij"},
		{"0\r\n\r\n", ""},
		{"0\r\n", ""},
		{"3\r\nabc\r\n0\r\n\r\ntrailing bytes ignored", "abc"},
	};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		if (dechunk_s(&out, ok[i].in, 1000, &e) != 0)
			fail_msg("rejected %s", ok[i].in);
		assert_int_equal(out.len, strlen(ok[i].out));
		assert_memory_equal(out.ptr ? out.ptr : "", ok[i].out, out.len);
	}
	static const struct {
		const char *in, *out;
		enum gr_warc_problem kind;
	} bad[] = {
		{"5\r\nhel", "hel", GR_WARC_HTTP_TRUNCATED},          /* last chunk cut */
		{"5\r\nhello\r\n", "hello", GR_WARC_HTTP_TRUNCATED},   /* no last chunk */
		{"5\r\nhello", "hello", GR_WARC_HTTP_TRUNCATED},       /* no line end after data */
		{"5\r\nhello\r", "hello", GR_WARC_HTTP_TRUNCATED},
		{"5\r\nhello\r\n3", "hello", GR_WARC_HTTP_TRUNCATED},  /* cut in a size line */
		{"", "", GR_WARC_HTTP_TRUNCATED},
		{"x\r\nhello\r\n0\r\n\r\n", "", GR_WARC_HTTP_BAD_CHUNKED},
		{"\r\nhello\r\n0\r\n\r\n", "", GR_WARC_HTTP_BAD_CHUNKED},
		{"5x\r\nhello\r\n0\r\n\r\n", "", GR_WARC_HTTP_BAD_CHUNKED},
		{"5\r\nhelloXX\r\n0\r\n\r\n", "hello", GR_WARC_HTTP_BAD_CHUNKED},
		{"-5\r\nhello\r\n0\r\n\r\n", "", GR_WARC_HTTP_BAD_CHUNKED},
		{"fffffffffffffffff\r\nx\r\n", "", GR_WARC_HTTP_BAD_CHUNKED}, /* overflow */
		{"ffffffffffff\r\nx\r\n", "", GR_WARC_HTTP_TOO_LARGE},
		{"3\r\nabc\r\n3e9\r\nx", "abc", GR_WARC_HTTP_TOO_LARGE},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		e.kind = 0;
		int rc = dechunk_s(&out, bad[i].in, 1000, &e);
		if (rc == 0 || e.kind != bad[i].kind)
			fail_msg("\"%s\": rc %d kind %d", bad[i].in, rc, e.kind);
		assert_int_equal(rc, bad[i].kind == GR_WARC_HTTP_TOO_LARGE ? GR_ELIMIT : GR_ECORRUPT);
		assert_int_equal(out.len, strlen(bad[i].out));
		assert_memory_equal(out.ptr ? out.ptr : "", bad[i].out, out.len);
		assert_true(e.offset <= strlen(bad[i].in));
	}
	/* a chunk-size line over the limit */
	gr_buf in = GR_BUF_INIT;
	assert_int_equal(gr_buf_puts(&in, "5;"), 0);
	for (int i = 0; i < GR_WARC_CHUNK_MAX_LINE; i++)
		assert_int_equal(gr_buf_putc(&in, 'e'), 0);
	assert_int_equal(gr_buf_puts(&in, "\r\nhello\r\n0\r\n\r\n"), 0);
	assert_int_equal(dechunk_s(&out, in.ptr, 1000, &e), GR_ECORRUPT);
	assert_int_equal(e.kind, GR_WARC_HTTP_BAD_CHUNKED);
	gr_buf_free(&in);
	gr_buf_free(&out);
}

/* ---- content codings ---- */

/* data compressed with zlib: wbits 15+16 gzip, 15 zlib, -15 raw */
static void zcomp(gr_buf *out, const void *data, size_t n, int wbits)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY), Z_OK);
	size_t bound = deflateBound(&z, (uLong)n) + 64;
	assert_int_equal(gr_buf_grow(out, bound), 0);
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = (uInt)n;
	z.next_out = (Bytef *)out->ptr + out->len;
	z.avail_out = (uInt)bound;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	out->len += bound - z.avail_out;
	deflateEnd(&z);
}

/* 52 bytes: brotli of "<html><body>brotli says hello, hello, hello, hello!</body></html>\n",
 * made by tests/tools/brotli_vector.c */
static const unsigned char br_hello[] = {
	0x1b, 0x41, 0x00, 0xf8, 0x8d, 0x93, 0x54, 0xfd, 0xf6, 0xc8, 0x6d, 0x6c,
	0xed, 0x7e, 0x63, 0x46, 0xef, 0x05, 0x06, 0x86, 0x10, 0x96, 0x82, 0x18,
	0x4c, 0xe4, 0xc0, 0x3d, 0xc3, 0x96, 0xd0, 0x4d, 0xdf, 0x09, 0x94, 0x02,
	0x8c, 0x3b, 0x52, 0xf0, 0xb1, 0x63, 0x7d, 0x99, 0xfb, 0xe6, 0xc4, 0x90,
	0x4a, 0x46, 0x18, 0x00
};
static const char br_text[] = "<html><body>brotli says hello, hello, hello, hello!</body></html>\n";

static const char html[] = "<!doctype html><html><head><title>t</title></head><body><p>Some text, some text, "
			   "some text, some text.</p></body></html>\n";

/* The message decode_msg parsed last: h's strings point into it. */
static char *last_msg;

/* Parses and decodes head + body (body n bytes), from an exact-size copy
 * that lives until the next call (or decode_msg(NULL, ...)); returns
 * decode's code. */
static int decode_msg(gr_warc_http *h, const char *head, const void *body, size_t n, size_t max,
		      gr_warc_http_error *e)
{
	free(last_msg);
	last_msg = NULL;
	if (!h)
		return 0;
	size_t hn = strlen(head);
	last_msg = malloc(hn + n + 1);
	assert_non_null(last_msg);
	memcpy(last_msg, head, hn);
	if (n)
		memcpy(last_msg + hn, body, n);
	assert_int_equal(gr_warc_http_parse(h, last_msg, hn + n, e), 0);
	return gr_warc_http_decode(h, last_msg, hn + n, max, e);
}

static void test_codings(void **state)
{
	(void)state;
	gr_warc_http h;
	gr_warc_http_init(&h);
	gr_warc_http_error e;
	gr_buf z = GR_BUF_INIT;
	size_t n = strlen(html);

	const struct {
		const char *ce;
		int wbits;
	} zl[] = {{"gzip", 31}, {"x-gzip", 31}, {"GZIP", 31}, {"deflate", 15}, {"deflate", -15}, {"deflate", 31}};
	for (size_t i = 0; i < sizeof zl / sizeof *zl; i++) {
		gr_buf_reset(&z);
		zcomp(&z, html, n, zl[i].wbits);
		char head[128];
		snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\n\r\n", zl[i].ce);
		assert_int_equal(decode_msg(&h, head, z.ptr, z.len, 0, &e), 0);
		assert_int_equal(h.body_len, n);
		assert_memory_equal(h.body, html, n);
		assert_false(h.not_encoded);
	}
	/* multi-member gzip, and a Content-Length that matches */
	gr_buf_reset(&z);
	zcomp(&z, html, 10, 31);
	zcomp(&z, html + 10, n - 10, 31);
	char head[256];
	snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n", z.len);
	assert_int_equal(decode_msg(&h, head, z.ptr, z.len, 0, &e), 0);
	assert_int_equal(h.body_len, n);
	assert_memory_equal(h.body, html, n);
	/* trailing non-gzip bytes after the stream are ignored */
	assert_int_equal(gr_buf_puts(&z, "\r\n\r\n"), 0);
	assert_int_equal(decode_msg(&h, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n", z.ptr, z.len, 0, &e), 0);
	assert_int_equal(h.body_len, n);

	/* brotli */
	assert_int_equal(decode_msg(&h, "HTTP/1.1 200 OK\r\nContent-Encoding: br\r\n\r\n", br_hello, sizeof br_hello, 0, &e),
			 0);
	assert_int_equal(h.body_len, strlen(br_text));
	assert_memory_equal(h.body, br_text, h.body_len);
	assert_int_equal(decode_msg(&h, "HTTP/1.1 200 OK\r\nContent-Encoding: br\r\n\r\n", br_hello, sizeof br_hello - 5, 0,
				    &e),
			 GR_ECORRUPT);
	assert_int_equal(e.kind, GR_WARC_HTTP_TRUNCATED);
	unsigned char br_bad[sizeof br_hello];
	memcpy(br_bad, br_hello, sizeof br_bad);
	br_bad[0] = 0xff;
	assert_int_equal(decode_msg(&h, "HTTP/1.1 200 OK\r\nContent-Encoding: br\r\n\r\n", br_bad, sizeof br_bad, 0, &e),
			 GR_ECORRUPT);
	assert_int_equal(e.kind, GR_WARC_HTTP_BAD_ENCODING);

	/* stacked: gzip applied first, then br would be "gzip, br"; here gzip twice, chunked on top */
	gr_buf inner = GR_BUF_INIT, chunked = GR_BUF_INIT;
	zcomp(&inner, html, n, 31);
	gr_buf_reset(&z);
	zcomp(&z, inner.ptr, inner.len, 31);
	assert_int_equal(gr_buf_printf(&chunked, "%zx;ext=1\r\n", z.len / 2), 0);
	assert_int_equal(gr_buf_put(&chunked, z.ptr, z.len / 2), 0);
	assert_int_equal(gr_buf_printf(&chunked, "\r\n%zx\r\n", z.len - z.len / 2), 0);
	assert_int_equal(gr_buf_put(&chunked, z.ptr + z.len / 2, z.len - z.len / 2), 0);
	assert_int_equal(gr_buf_puts(&chunked, "\r\n0\r\nX-Trailer: 1\r\n\r\n"), 0);
	assert_int_equal(decode_msg(&h, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
				    chunked.ptr, chunked.len, 0, &e),
			 0);
	assert_int_equal(h.body_len, n);
	assert_memory_equal(h.body, html, n);

	/* corrupt and cut gzip: what decoded before the problem is kept */
	gr_buf_reset(&z);
	zcomp(&z, html, n, 31);
	assert_int_equal(decode_msg(&h, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n", z.ptr, z.len - 12, 0, &e),
			 GR_ECORRUPT);
	assert_int_equal(e.kind, GR_WARC_HTTP_TRUNCATED);
	assert_true(h.body_len < n);
	assert_memory_equal(h.body, html, h.body_len);
	z.ptr[12] ^= 0x55;
	z.ptr[13] ^= 0x55;
	int rc = decode_msg(&h, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n", z.ptr, z.len, 0, &e);
	assert_int_equal(rc, GR_ECORRUPT);
	assert_true(e.kind == GR_WARC_HTTP_BAD_ENCODING || e.kind == GR_WARC_HTTP_TRUNCATED);
	assert_true(e.offset >= 40); /* in the block, past the head */

	/* bomb guard: 1 MiB of zeros in ~1 KiB of gzip, limit 64 KiB */
	char *zeros = calloc(1, 1 << 20);
	assert_non_null(zeros);
	gr_buf_reset(&z);
	zcomp(&z, zeros, 1 << 20, 31);
	assert_true(z.len < 4096);
	assert_int_equal(decode_msg(&h, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n", z.ptr, z.len, 65536, &e),
			 GR_ELIMIT);
	assert_int_equal(e.kind, GR_WARC_HTTP_TOO_LARGE);
	assert_int_equal(h.body_len, 65536);
	gr_buf out = GR_BUF_INIT;
	assert_int_equal(gr_warc_decode_coding(&out, GR_WARC_CODING_GZIP, z.ptr, z.len, 1 << 20, &e), 0);
	assert_int_equal(out.len, 1 << 20);
	gr_buf_reset(&out);
	assert_int_equal(gr_warc_decode_coding(&out, GR_WARC_CODING_GZIP, z.ptr, z.len, (1 << 20) - 1, &e), GR_ELIMIT);
	assert_int_equal(out.len, (1 << 20) - 1);
	free(zeros);

	/* declared gzip, stored decoded (markup): kept as it is */
	assert_int_equal(decode_msg(&h, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n", html, n, 0, &e), 0);
	assert_true(h.not_encoded);
	assert_int_equal(h.body_len, n);
	/* ... but binary that is not gzip is corrupt */
	assert_int_equal(decode_msg(&h, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n", "\x01\x02\x03\x04", 4, 0, &e),
			 GR_ECORRUPT);
	assert_int_equal(e.kind, GR_WARC_HTTP_BAD_ENCODING);

	/* unsupported and ignored coding names */
	assert_int_equal(decode_msg(&h, "HTTP/1.1 200 OK\r\nContent-Encoding: zstd\r\n\r\n", "\x28\xb5\x2f\xfd", 4, 0, &e),
			 GR_ECORRUPT);
	assert_int_equal(e.kind, GR_WARC_HTTP_UNKNOWN_ENCODING);
	assert_true(gr_warc_str_eq(h.unknown_coding, "zstd"));
	assert_int_equal(h.body_len, 4);
	assert_int_equal(decode_msg(&h, "HTTP/1.1 200 OK\r\nContent-Encoding: UTF-8\r\n\r\n", html, n, 0, &e), 0);
	assert_int_equal(h.n_codings, 0);
	assert_true(gr_warc_str_eq(h.unknown_coding, "UTF-8"));
	assert_int_equal(h.body_len, n);
	assert_int_equal(decode_msg(&h, "HTTP/1.1 200 OK\r\nContent-Encoding: identity\r\n\r\n", html, n, 0, &e), 0);
	assert_null(h.unknown_coding.ptr);

	/* empty body with a coding (HEAD) */
	assert_int_equal(decode_msg(&h, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n", "", 0, 0, &e), 0);
	assert_int_equal(h.body_len, 0);
	/* bodiless statuses: their Content-Length and Transfer-Encoding describe no body here */
	assert_int_equal(decode_msg(&h, "HTTP/1.1 304 Not Modified\r\nContent-Length: 606\r\nContent-Encoding: gzip\r\n\r\n",
				    "", 0, 0, &e),
			 0);
	assert_int_equal(h.body_len, 0);
	assert_int_equal(decode_msg(&h, "HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n", "", 0, 0, &e), 0);
	assert_int_equal(decode_msg(&h, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "", 0, 0, &e),
			 GR_ECORRUPT);
	assert_int_equal(e.kind, GR_WARC_HTTP_TRUNCATED);

	/* Content-Length: shorter cuts, longer is a truncated body */
	assert_int_equal(decode_msg(&h, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", "hello, extra", 12, 0, &e), 0);
	assert_int_equal(h.body_len, 5);
	assert_int_equal(decode_msg(&h, "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n", "hello", 5, 0, &e), GR_ECORRUPT);
	assert_int_equal(e.kind, GR_WARC_HTTP_TRUNCATED);
	assert_int_equal(h.body_len, 5);
	/* chunked wins over Content-Length */
	assert_int_equal(decode_msg(&h, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n",
				    "5\r\nhello\r\n0\r\n\r\n", 15, 0, &e),
			 0);
	assert_int_equal(h.body_len, 5);

	decode_msg(NULL, NULL, NULL, 0, 0, NULL);
	gr_buf_free(&out);
	gr_buf_free(&inner);
	gr_buf_free(&chunked);
	gr_buf_free(&z);
	gr_warc_http_release(&h);
}

/* ---- HTTP through the reader ---- */

static void test_reader_http(void **state)
{
	(void)state;
	gr_buf b = GR_BUF_INIT, z = GR_BUF_INIT, blk = GR_BUF_INIT;
	size_t n = strlen(html);
	zcomp(&z, html, n, 31);
	/* 0: a gzip response */
	assert_int_equal(gr_buf_printf(&blk, "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=UTF-8\r\n"
					     "Content-Encoding: gzip\r\nX-Robots-Tag: noai\r\ntdm-reservation: 1\r\n"
					     "Content-Length: %zu\r\n\r\n",
				       z.len),
			 0);
	assert_int_equal(gr_buf_put(&blk, z.ptr, z.len), 0);
	assert_int_equal(gr_buf_printf(&b, "WARC/1.0\r\n" STD_FIELDS("response", "0")
					   "Content-Type: application/http; msgtype=response\r\nContent-Length: %zu\r\n\r\n",
				       blk.len),
			 0);
	assert_int_equal(gr_buf_put(&b, blk.ptr, blk.len), 0);
	assert_int_equal(gr_buf_puts(&b, "\r\n\r\n"), 0);
	/* 1: Common Crawl renamed the headers: the body is plain */
	add_rec(&b, "WARC/1.0", STD_FIELDS("response", "1") "Content-Type: application/http; msgtype=response\r\n",
		"HTTP/1.1 200 OK\r\nX-Crawler-Content-Encoding: gzip\r\nX-Crawler-Transfer-Encoding: chunked\r\n"
		"X-Crawler-Content-Length: 999\r\nContent-Length: 5\r\n\r\nplain");
	/* 2: corrupt chunked: reported, dropped */
	size_t bad = b.len;
	add_rec(&b, "WARC/1.0", STD_FIELDS("response", "2") "Content-Type: application/http; msgtype=response\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
	/* 3: a request, 4: a revisit (body not decoded), 5: not HTTP (dns), 6: no Content-Type but HTTP */
	add_rec(&b, "WARC/1.0", STD_FIELDS("request", "3") "Content-Type: application/http; msgtype=request\r\n",
		"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n");
	add_rec(&b, "WARC/1.0", STD_FIELDS("revisit", "4") "Content-Type: application/http; msgtype=response\r\n",
		"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 606\r\n\r\n");
	add_rec(&b, "WARC/1.0", STD_FIELDS("response", "5") "Content-Type: text/dns\r\n", "20240518 example.com A 1.2.3.4");
	add_rec(&b, "WARC/1.0", STD_FIELDS("response", "6"), "HTTP/1.0 404 Not Found\r\n\r\nnope");
	/* 7: cut on purpose (WARC-Truncated): no report */
	add_rec(&b, "WARC/1.0", STD_FIELDS("response", "7") "WARC-Truncated: length\r\nContent-Type: application/http\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nthe first bytes");
	/* 8: a bad start line */
	add_rec(&b, "WARC/1.0", STD_FIELDS("response", "8") "Content-Type: application/http\r\n", "<html>not http</html>");

	gr_warc_opts o = {.flags = GR_WARC_HTTP};
	struct run *r = read_n(b.ptr, b.len, &o);
	assert_int_equal(r->nrec, 7);
	struct srec *a = &r->rec[0];
	assert_true(a->http);
	assert_int_equal(a->status, 200);
	assert_int_equal(a->payload_len, n);
	assert_memory_equal(a->payload, html, n);
	assert_string_equal(a->media, "text/html");
	assert_string_equal(a->charset, "utf-8");
	assert_int_equal(a->robots, GR_WARC_ROBOTS_NOAI);
	assert_int_equal(a->tdm, 1);
	assert_int_equal(a->n_codings, 1);
	assert_true(r->rec[1].cc_renamed);
	assert_int_equal(r->rec[1].n_codings, 0);
	assert_int_equal(r->rec[1].payload_len, 5);
	assert_memory_equal(r->rec[1].payload, "plain", 5);
	assert_int_equal(r->rec[2].type, GR_WARC_REQUEST);
	assert_true(r->rec[2].http);
	assert_int_equal(r->rec[2].payload_len, 0);
	assert_int_equal(r->rec[3].type, GR_WARC_REVISIT);
	assert_true(r->rec[3].http);
	assert_int_equal(r->rec[3].payload_len, 0);
	assert_false(r->rec[4].http);
	assert_int_equal(r->rec[4].payload_len, 30);
	assert_true(r->rec[5].http);
	assert_int_equal(r->rec[5].status, 404);
	assert_memory_equal(r->rec[5].payload, "nope", 4);
	assert_true(r->rec[6].http);
	assert_true(r->rec[6].ptrunc);
	assert_false(r->rec[6].damaged);
	assert_int_equal(r->rec[6].payload_len, 15);

	assert_int_equal(r->nrep, 2);
	assert_int_equal(r->rep[0].kind, GR_WARC_HTTP_BAD_CHUNKED);
	assert_int_equal(r->rep[0].rec, bad);
	assert_true(r->rep[0].dropped);
	/* the offset is in the stream: inside record 2's block, at the chunk-size line */
	assert_int_equal(b.ptr[r->rep[0].offset], 'z');
	assert_int_equal(r->rep[1].kind, GR_WARC_HTTP_BAD_HEAD);
	assert_int_equal(r->stats.dropped, 2);
	free(r);

	/* GR_WARC_KEEP_DAMAGED keeps them, flagged */
	o.flags |= GR_WARC_KEEP_DAMAGED;
	r = read_n(b.ptr, b.len, &o);
	assert_int_equal(r->nrec, 9);
	assert_int_equal(r->nrep, 2);
	assert_true(r->rec[2].damaged);
	assert_true(r->rec[8].damaged);
	assert_false(r->rec[8].http);
	assert_int_equal(r->stats.dropped, 0);
	free(r);

	/* without GR_WARC_HTTP every block is the payload and nothing is reported */
	r = read_n(b.ptr, b.len, NULL);
	assert_int_equal(r->nrec, 9);
	assert_int_equal(r->nrep, 0);
	assert_false(r->rec[0].http);
	assert_int_equal(r->rec[0].payload_len, blk.len);
	free(r);
	gr_buf_free(&b);
	gr_buf_free(&z);
	gr_buf_free(&blk);
}

/* ---- the sample files (tests/data/, see SOURCES.md) ---- */

struct gz {
	gzFile f;
	bool error_is_eof; /* as libarchive's gzip filter stopping at a cut member */
};

static ssize_t gz_read(void *ctx, void *buf, size_t n)
{
	struct gz *g = ctx;
	int got = gzread(g->f, buf, (unsigned)(n > (1u << 20) ? 1u << 20 : n));
	int err = Z_OK;
	if (got <= 0)
		gzerror(g->f, &err); /* a cut member reads as end of file with an error set */
	if (got < 0 || err != Z_OK)
		return g->error_is_eof ? 0 : -1;
	return got;
}

/*
 * Expected counts: the output of tests/tools/warc_expect.py over
 * the tests/data/ WARC samples (2026-11-28), an independent Python reader; the first
 * line of each file's block in tests/data/warc-expect.txt.
 */
static const struct sample {
	const char *file;
	uint64_t bytes; /* decompressed */
	unsigned grep;  /* "WARC-Type:" lines */
	/* delivered with GR_WARC_HTTP: warcinfo, response, resource, request, metadata, revisit, conversion */
	unsigned warcinfo, response, resource, request, metadata, revisit, conversion;
	unsigned truncated, garbage, http_bad;
} samples[] = {
	{"cc-main-2020-34-excerpt.warc.gz", 550336, 50, 1, 16, 0, 17, 16, 0, 0, 0, 0, 0},
	{"clipped.warc.gz", 75657, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0},
	{"warcio-example.warc.gz", 5356, 6, 2, 1, 0, 2, 0, 1, 0, 0, 0, 0},
	{"warcio-iana-chunked.warc", 8831, 3, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0},
	{"warcio-trunc.warc", 3370, 4, 2, 0, 0, 1, 0, 0, 0, 0, 1, 1},
	{"wget-sample-0000.warc.gz", 785541, 48, 1, 22, 2, 22, 1, 0, 0, 0, 0, 0},
	{"whirlwind.warc.gz", 77432, 4, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0},
	{"whirlwind.warc.wat.gz", 2418, 2, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0},
	{"whirlwind.warc.wet.gz", 5613, 2, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0},
};

/* What the reader saw of one sample; records kept in full for the digest check. */
struct sample_run {
	struct run *run;     /* records and reports (payload prefixes) */
	char (*sha)[65];     /* SHA-256 of each delivered payload */
};

static struct sample_run read_sample(const char *file, unsigned flags, bool error_is_eof)
{
	char path[256];
	snprintf(path, sizeof path, DATA_DIR "%s", file);
	struct gz g = {gzopen(path, "rb"), error_is_eof};
	assert_non_null(g.f);
	struct sample_run s = {malloc(sizeof *s.run), calloc(MAXR, 65)};
	assert_non_null(s.run);
	assert_non_null(s.sha);
	memset(s.run, 0, sizeof *s.run);
	gr_warc_opts o = {.flags = flags, .report = on_report, .ctx = s.run};
	gr_warc_reader *r;
	assert_int_equal(gr_warc_reader_new(&r, gz_read, &g, &o), 0);
	const gr_warc_record *rec;
	while ((s.run->rc = gr_warc_next(&rec, r)) == 0 && rec) {
		uint8_t d[GR_HASH_LEN];
		gr_sha256(d, rec->payload, rec->payload_len);
		gr_hex(s.sha[s.run->nrec], d, GR_HASH_LEN);
		keep_record(s.run, rec);
	}
	s.run->stats = *gr_warc_reader_stats(r);
	gr_warc_reader_free(r);
	gzclose(g.f);
	return s;
}

static void free_sample(struct sample_run *s)
{
	free(s->run);
	free(s->sha);
}

static void test_samples_counts(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
		const struct sample *x = &samples[i];
		struct sample_run s = read_sample(x->file, GR_WARC_HTTP, true);
		const gr_warc_stats *st = &s.run->stats;
		print_message("%s: %llu records, %llu dropped\n", x->file, (unsigned long long)st->records,
			      (unsigned long long)st->dropped);
		assert_int_equal(s.run->rc, 0);
		assert_int_equal(st->bytes, x->bytes);
		assert_int_equal(st->by_type[GR_WARC_WARCINFO], x->warcinfo);
		assert_int_equal(st->by_type[GR_WARC_RESPONSE], x->response);
		assert_int_equal(st->by_type[GR_WARC_RESOURCE], x->resource);
		assert_int_equal(st->by_type[GR_WARC_REQUEST], x->request);
		assert_int_equal(st->by_type[GR_WARC_METADATA], x->metadata);
		assert_int_equal(st->by_type[GR_WARC_REVISIT], x->revisit);
		assert_int_equal(st->by_type[GR_WARC_CONVERSION], x->conversion);
		assert_int_equal(st->by_type[GR_WARC_OTHER], 0);
		/* every WARC-Type line is a record delivered or dropped */
		assert_int_equal(st->records + st->dropped, x->grep);
		assert_int_equal(st->problems[GR_WARC_TRUNCATED], x->truncated);
		assert_int_equal(st->problems[GR_WARC_GARBAGE], x->garbage);
		unsigned http_bad = 0, other = 0;
		for (int k = 1; k < GR_WARC_PROBLEM_COUNT; k++) {
			if (k >= GR_WARC_HTTP_BAD_HEAD)
				http_bad += (unsigned)st->problems[k];
			else if (k != GR_WARC_TRUNCATED && k != GR_WARC_GARBAGE)
				other += (unsigned)st->problems[k];
		}
		assert_int_equal(http_bad, x->http_bad);
		assert_int_equal(other, 0);
		assert_int_equal(st->dropped, x->truncated + x->http_bad);
		/* without HTTP decoding, only framing problems remain */
		struct sample_run plain = read_sample(x->file, 0, true);
		assert_int_equal(plain.run->stats.records, x->grep - x->truncated);
		free_sample(&plain);
		free_sample(&s);
	}
}

/* Every delivered payload's length and SHA-256 against warc-expect.txt. */
static void test_samples_payloads(void **state)
{
	(void)state;
	gr_buf want = GR_BUF_INIT;
	assert_int_equal(gr_read_file(DATA_DIR "warc-expect.txt", 1 << 20, &want), 0);
	size_t files = 0, checked = 0;
	char *save = NULL;
	struct sample_run s = {NULL, NULL};
	size_t idx = 0;
	for (char *line = strtok_r(want.ptr, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] != ' ') {
			if (s.run) {
				assert_int_equal(idx, s.run->nrec);
				free_sample(&s);
			}
			char *colon = strchr(line, ':');
			assert_non_null(colon);
			*colon = '\0';
			s = read_sample(line, GR_WARC_HTTP, true);
			idx = 0;
			files++;
			continue;
		}
		unsigned long long off;
		char type[32], sha[65];
		size_t len;
		assert_int_equal(sscanf(line, " %llu %31s %zu %64s", &off, type, &len, sha), 4);
		assert_true(idx < s.run->nrec);
		const struct srec *rec = &s.run->rec[idx];
		assert_int_equal(rec->offset, off);
		assert_string_equal(gr_warc_type_name(rec->type), type);
		assert_int_equal(rec->payload_len, len);
		assert_string_equal(s.sha[idx], sha);
		idx++;
		checked++;
	}
	if (s.run) {
		assert_int_equal(idx, s.run->nrec);
		free_sample(&s);
	}
	assert_int_equal(files, sizeof samples / sizeof *samples);
	assert_true(checked >= 115);
	gr_buf_free(&want);
}

static const struct srec *find_rec(const struct run *r, enum gr_warc_type t, size_t nth)
{
	for (size_t i = 0; i < r->nrec; i++)
		if (r->rec[i].type == t && nth-- == 0)
			return &r->rec[i];
	fail_msg("no such record");
	return NULL;
}

static void test_samples_details(void **state)
{
	(void)state;
	/* wget wraps WARC-Target-URI in <...> */
	struct sample_run s = read_sample("wget-sample-0000.warc.gz", GR_WARC_HTTP, true);
	const struct srec *rec = find_rec(s.run, GR_WARC_REQUEST, 0);
	assert_string_equal(rec->uri, "https://www.semanticscholar.org/research/research-team");
	for (size_t i = 0; i < s.run->nrec; i++)
		assert_true(s.run->rec[i].uri[0] != '<');
	rec = find_rec(s.run, GR_WARC_RESPONSE, 1);
	assert_true(rec->chunked);
	assert_string_equal(rec->uri, "https://www.cs.washington.edu/people/faculty/weld");
	free_sample(&s);

	/* chunked decodes to the page */
	s = read_sample("warcio-iana-chunked.warc", GR_WARC_HTTP, true);
	rec = find_rec(s.run, GR_WARC_RESPONSE, 0);
	assert_true(rec->chunked);
	assert_int_equal(rec->status, 200);
	assert_int_equal(rec->payload_len, 7223);
	assert_memory_equal(rec->payload, "<!doctype html>\n<html>\n<head>\n\t<title>Internet Assigned Numbers Authority</title>",
			    80);
	assert_string_equal(s.sha[1], "aaf8c52338baf919fa901ac7e4ae681feb187a70b2e2af4bd58c53a382340b7a");
	assert_string_equal(rec->charset, "utf-8");
	free_sample(&s);

	/* the revisit and its refers-to */
	s = read_sample("warcio-example.warc.gz", GR_WARC_HTTP, true);
	rec = find_rec(s.run, GR_WARC_REVISIT, 0);
	assert_string_equal(rec->rt_uri, "http://example.com/");
	assert_true(rec->has_rdate);
	assert_int_equal(rec->rdate, 1488772926); /* 2017-03-06T04:02:06Z */
	assert_true(rec->http);
	assert_int_equal(rec->status, 200);
	assert_int_equal(rec->payload_len, 0);
	rec = find_rec(s.run, GR_WARC_RESPONSE, 0);
	assert_int_equal(rec->n_codings, 1); /* gzip, decoded */
	assert_int_equal(rec->payload_len, 1270);
	assert_memory_equal(rec->payload, "<!doctype html>", 15);
	free_sample(&s);

	/* the cut gzip member: reported, nothing delivered; as an I/O error too */
	s = read_sample("clipped.warc.gz", GR_WARC_HTTP, true);
	assert_int_equal(s.run->nrec, 0);
	assert_int_equal(s.run->nrep, 1);
	assert_int_equal(s.run->rep[0].kind, GR_WARC_TRUNCATED);
	assert_int_equal(s.run->rep[0].offset, 0);
	assert_int_equal(s.run->rep[0].end, 75657);
	assert_true(s.run->rep[0].dropped);
	free_sample(&s);
	s = read_sample("clipped.warc.gz", GR_WARC_HTTP, false);
	assert_int_equal(s.run->rc, GR_EIO);
	assert_int_equal(s.run->nrep, 1);
	assert_int_equal(s.run->rep[0].kind, GR_WARC_TRUNCATED);
	free_sample(&s);
	s = read_sample("clipped.warc.gz", GR_WARC_HTTP | GR_WARC_KEEP_DAMAGED, true);
	assert_int_equal(s.run->nrec, 1);
	assert_true(s.run->rec[0].damaged);
	assert_true(s.run->rec[0].ptrunc);
	assert_int_equal(s.run->rec[0].block_len, 75657 - s.run->rec[0].header_len);
	free_sample(&s);

	/* warcio's cut record: its gzip body is 2 bytes short, and 2 stray bytes follow */
	s = read_sample("warcio-trunc.warc", GR_WARC_HTTP, true);
	assert_int_equal(s.run->nrec, 3);
	assert_int_equal(s.run->nrep, 2);
	assert_int_equal(s.run->rep[0].kind, GR_WARC_HTTP_TRUNCATED);
	assert_int_equal(s.run->rep[0].rec, 1197);
	assert_true(s.run->rep[0].dropped);
	assert_int_equal(s.run->rep[1].kind, GR_WARC_GARBAGE);
	assert_int_equal(s.run->rep[1].offset, 2560);
	assert_int_equal(s.run->rep[1].end, 2566);
	assert_int_equal(s.run->rec[2].offset, 2566);
	assert_int_equal(s.run->rec[2].type, GR_WARC_REQUEST);
	free_sample(&s);

	/* the WET conversion record */
	s = read_sample("whirlwind.warc.wet.gz", GR_WARC_HTTP, true);
	rec = find_rec(s.run, GR_WARC_CONVERSION, 0);
	assert_string_equal(rec->refers_to, "<urn:uuid:2aabeff2-67f5-4608-8466-e87c6296e2b6>");
	assert_string_equal(rec->lang, "spa");
	assert_string_equal(rec->uri, "https://an.wikipedia.org/wiki/Escopete");
	assert_false(rec->http);
	assert_int_equal(rec->payload_len, 4456);
	assert_memory_equal(rec->payload, "Escopete - Biquipedia", 21);
	free_sample(&s);

	/* Common Crawl: renamed headers, bodies taken as they are */
	s = read_sample("cc-main-2020-34-excerpt.warc.gz", GR_WARC_HTTP, true);
	size_t renamed = 0;
	for (size_t i = 0; i < s.run->nrec; i++) {
		const struct srec *x = &s.run->rec[i];
		if (x->type != GR_WARC_RESPONSE)
			continue;
		renamed += x->cc_renamed;
		assert_int_equal(x->n_codings, 0);
		assert_false(x->chunked);
		assert_string_equal(x->media, "text/html");
		assert_false(x->not_encoded);
	}
	assert_int_equal(renamed, 14); /* responses with an X-Crawler- header (awk over zcat) */
	rec = find_rec(s.run, GR_WARC_RESPONSE, 1);
	assert_string_equal(rec->charset, "windows-1251");
	assert_string_equal(rec->uri, "http://01spb.ru/company/");
	free_sample(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_records),
		cmocka_unit_test(test_field_access),
		cmocka_unit_test(test_old_versions),
		cmocka_unit_test(test_continuation_and_bad_lines),
		cmocka_unit_test(test_separators),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_length_problems),
		cmocka_unit_test(test_missing_fields),
		cmocka_unit_test(test_header_limits),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_read_failure),
		cmocka_unit_test(test_block_limit),
		cmocka_unit_test(test_wget_uri),
		cmocka_unit_test(test_big_records),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_http_start_lines),
		cmocka_unit_test(test_http_fields),
		cmocka_unit_test(test_http_limits),
		cmocka_unit_test(test_optout),
		cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_codings),
		cmocka_unit_test(test_reader_http),
		cmocka_unit_test(test_samples_counts),
		cmocka_unit_test(test_samples_payloads),
		cmocka_unit_test(test_samples_details),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
