/*
 * warcbench — how fast src/warc reads an uncompressed WARC file held in
 * memory: framing and header fields alone, then with HTTP parsing and body
 * decoding (GR_WARC_HTTP).
 *
 *   build/tools/warcbench FILE.warc [ROUNDS] [COPIES]
 *
 * The file is read into memory (plain WARC: decompress first, e.g. zcat) and
 * handed to the reader COPIES times in a row (default 1) as one stream, in
 * reads of 256 KiB (libarchive hands out blocks of about that size). Each
 * mode is timed ROUNDS times (default 5); the fastest round is printed, in
 * wall-clock and thread CPU time (steadier on a loaded machine), with the
 * records, payload bytes and problems seen. Every payload byte is summed so
 * the work cannot be skipped.
 *
 * A larger WARC to measure with, as in the brief: serve a directory of HTML
 * with `python3 -m http.server --bind 127.0.0.1 8099` and crawl it with
 * `wget --mirror --warc-file=/tmp/pydoc http://127.0.0.1:8099/`.
 *
 * Built without libgranary (see the Makefile rule), so the few sources it
 * needs are compiled in here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../src/util/buf.c"
#include "../../src/util/error.c"
#include "../../src/util/hash.c" /* gr_hex, used by buf.c */
#include "../../src/warc/decode.c"
#include "../../src/warc/http.c"
#include "../../src/warc/warc.c"

static double now(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct src {
	const uint8_t *p;
	size_t n, pos, copies, copy;
};

static ssize_t src_read(void *ctx, void *buf, size_t n)
{
	struct src *s = ctx;
	if (s->pos == s->n) {
		if (++s->copy >= s->copies)
			return 0;
		s->pos = 0;
	}
	size_t take = s->n - s->pos;
	if (take > n)
		take = n;
	if (take > 256 * 1024)
		take = 256 * 1024;
	memcpy(buf, s->p + s->pos, take);
	s->pos += take;
	return (ssize_t)take;
}

struct result {
	double wall, cpu;
	uint64_t records, payload, sum, problems;
};

static int run(const uint8_t *data, size_t n, size_t copies, unsigned flags, struct result *out)
{
	struct src s = {data, n, 0, copies, 0};
	gr_warc_opts o = {.flags = flags};
	gr_warc_reader *r;
	if (gr_warc_reader_new(&r, src_read, &s, &o))
		return 1;
	double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_THREAD_CPUTIME_ID);
	const gr_warc_record *rec;
	int rc;
	memset(out, 0, sizeof *out);
	while ((rc = gr_warc_next(&rec, r)) == 0 && rec) {
		out->records++;
		out->payload += rec->payload_len;
		for (size_t i = 0; i < rec->payload_len; i += 64)
			out->sum += rec->payload[i];
	}
	out->wall = now(CLOCK_MONOTONIC) - w0;
	out->cpu = now(CLOCK_THREAD_CPUTIME_ID) - c0;
	const gr_warc_stats *st = gr_warc_reader_stats(r);
	for (int k = 1; k < GR_WARC_PROBLEM_COUNT; k++)
		out->problems += st->problems[k];
	gr_warc_reader_free(r);
	if (rc) {
		fprintf(stderr, "warcbench: %s\n", gr_error_last());
		return 1;
	}
	return 0;
}

static int read_whole(const char *path, gr_buf *b)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return 1;
	char chunk[1 << 16];
	size_t got;
	int rc = 0;
	while (!rc && (got = fread(chunk, 1, sizeof chunk, f)) > 0)
		rc = gr_buf_put(b, chunk, got);
	if (ferror(f))
		rc = 1;
	fclose(f);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: warcbench FILE.warc [ROUNDS] [COPIES]\n");
		return 2;
	}
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	size_t copies = argc > 3 ? (size_t)atoll(argv[3]) : 1;
	if (rounds < 1 || copies < 1)
		return 2;
	gr_buf b = GR_BUF_INIT;
	if (read_whole(argv[1], &b)) {
		fprintf(stderr, "warcbench: cannot read %s\n", argv[1]);
		return 1;
	}
	double mb = (double)b.len * (double)copies / 1e6;
	printf("%s: %.1f MB (%zu x %.1f MB), best of %d\n", argv[1], mb, copies, (double)b.len / 1e6, rounds);
	static const struct {
		const char *name;
		unsigned flags;
	} modes[] = {{"framing + fields", 0}, {"+ HTTP parse/decode", GR_WARC_HTTP}};
	for (size_t m = 0; m < sizeof modes / sizeof *modes; m++) {
		struct result best = {0}, cur;
		for (int i = 0; i < rounds; i++) {
			if (run((const uint8_t *)b.ptr, b.len, copies, modes[m].flags, &cur))
				return 1;
			if (i == 0 || cur.wall < best.wall)
				best = cur;
		}
		printf("  %-20s %8.3f s wall %7.0f MB/s   %8.3f s cpu %7.0f MB/s   %llu records, %.1f MB payload, "
		       "%llu problems\n",
		       modes[m].name, best.wall, mb / best.wall, best.cpu, mb / best.cpu,
		       (unsigned long long)best.records, (double)best.payload / 1e6,
		       (unsigned long long)best.problems);
	}
	gr_buf_free(&b);
	return 0;
}
