/*
 * jsonbench — parses every line of a JSONL file with gr_json_parse_object and
 * with cJSON and prints the throughput of each side by side.
 *
 *   build/tools/jsonbench FILE [ROUNDS]
 *
 * The file is read into memory first; only parsing is timed, best of ROUNDS
 * (default 3), both wall-clock and thread CPU time (the latter is steadier on
 * a loaded machine). Three parsers:
 *   granary        validate + member spans (what ingest does per line)
 *   granary+dec    the same, plus decoding every top-level string value and
 *                  escaped key into a reused buffer (closest to what cJSON does)
 *   cJSON          cJSON_ParseWithLength + cJSON_Delete
 * It also reports lines each side rejected; they should agree except where
 * cJSON is lenient (invalid UTF-8, lone surrogates, depth).
 *
 * Built without libgranary (see the Makefile rule), so the few sources it
 * needs are compiled in here.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../src/ingest/jsonl.c"
#include "../../src/util/buf.c"
#include "../../src/util/error.c"
#include "../../src/util/hash.c" /* gr_hex, used by buf.c */

static double now(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct line {
	const char *p;
	size_t n;
};

enum side { SIDE_GRANARY, SIDE_GRANARY_DECODE, SIDE_CJSON, SIDE_COUNT };

static const char *side_name[SIDE_COUNT] = {"granary", "granary+dec", "cJSON"};

/* One pass over all lines; returns the number rejected. */
static size_t run(enum side side, const struct line *lines, size_t n, gr_buf *scratch, size_t *sink)
{
	static gr_json_member members[GR_JSON_MAX_MEMBERS];
	size_t bad = 0;
	for (size_t i = 0; i < n; i++) {
		if (side == SIDE_CJSON) {
			cJSON *doc = cJSON_ParseWithLength(lines[i].p, lines[i].n);
			if (!doc || !cJSON_IsObject(doc))
				bad++;
			cJSON_Delete(doc);
			continue;
		}
		size_t nm = 0, off = 0;
		if (gr_json_parse_object(lines[i].p, lines[i].n, members, GR_JSON_MAX_MEMBERS, &nm, &off)) {
			bad++;
			continue;
		}
		if (side != SIDE_GRANARY_DECODE) {
			*sink += nm;
			continue;
		}
		for (size_t k = 0; k < nm; k++) {
			gr_buf_reset(scratch);
			if (members[k].key_escaped && gr_json_unescape_key(scratch, &members[k]))
				bad++;
			if (members[k].type == GR_JSON_STRING &&
			    gr_json_unescape(scratch, members[k].val, members[k].val_len))
				bad++;
			*sink += scratch->len;
		}
	}
	return bad;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s FILE.jsonl [ROUNDS]\n", argv[0]);
		return 2;
	}
	int rounds = argc == 3 ? atoi(argv[2]) : 3;
	if (rounds < 1)
		rounds = 1;

	FILE *f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	gr_buf data = GR_BUF_INIT;
	long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
	rewind(f);
	if (size > 0 && gr_buf_grow(&data, (size_t)size)) {
		fprintf(stderr, "jsonbench: %s\n", gr_error_last());
		return 1;
	}
	char chunk[1 << 16];
	size_t got;
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (gr_buf_put(&data, chunk, got)) {
			fprintf(stderr, "jsonbench: %s\n", gr_error_last());
			return 1;
		}
	}
	fclose(f);

	size_t n = 0, cap = 1024;
	struct line *lines = malloc(cap * sizeof *lines);
	const char *p = data.ptr, *end = data.ptr + data.len;
	while (lines && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (len) {
			if (n == cap) {
				cap *= 2;
				struct line *more = realloc(lines, cap * sizeof *lines);
				if (!more) {
					free(lines);
					lines = NULL;
					break;
				}
				lines = more;
			}
			lines[n].p = p;
			lines[n].n = len;
			n++;
		}
		p = nl ? nl + 1 : end;
	}
	if (!lines) {
		fprintf(stderr, "jsonbench: out of memory\n");
		return 1;
	}
	size_t bytes = 0;
	for (size_t i = 0; i < n; i++)
		bytes += lines[i].n;

	printf("%s: %zu lines, %.1f MB, best of %d\n", argv[1], n, (double)bytes / 1e6, rounds);
	printf("%-12s %10s %10s %10s %10s\n", "parser", "seconds", "MB/s", "MB/s(cpu)", "rejected");
	gr_buf scratch = GR_BUF_INIT;
	size_t sink = 0;
	double mbs[SIDE_COUNT];
	for (int s = 0; s < SIDE_COUNT; s++) {
		double best = 1e30, best_cpu = 1e30;
		size_t bad = 0;
		for (int r = 0; r < rounds; r++) {
			double t0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_THREAD_CPUTIME_ID);
			bad = run((enum side)s, lines, n, &scratch, &sink);
			double t = now(CLOCK_MONOTONIC) - t0, c = now(CLOCK_THREAD_CPUTIME_ID) - c0;
			if (t < best)
				best = t;
			if (c < best_cpu)
				best_cpu = c;
		}
		mbs[s] = (double)bytes / 1e6 / best;
		printf("%-12s %10.3f %10.1f %10.1f %10zu\n", side_name[s], best, mbs[s],
		       (double)bytes / 1e6 / best_cpu, bad);
	}
	printf("speedup vs cJSON: %.1fx (validate), %.1fx (validate+decode)\n", mbs[SIDE_GRANARY] / mbs[SIDE_CJSON],
	       mbs[SIDE_GRANARY_DECODE] / mbs[SIDE_CJSON]);
	if (sink == 42)
		putchar('\n'); /* keeps the decode work observable */
	gr_buf_free(&scratch);
	gr_buf_free(&data);
	free(lines);
	return 0;
}
