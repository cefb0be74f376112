/*
 * piibench — PII scanner throughput and hit counts on JSON Lines.
 *
 *   build/tools/piibench [-v] [-r ROUNDS] [-x TIMES] [-f FIELD] FILE...
 *
 * Every line of each FILE is decoded with cJSON and its FIELD (default
 * "text") is kept in memory; a FILE that does not end in .jsonl is taken as
 * one text. Only gr_pii_scan is timed, one call per record on one thread,
 * best of ROUNDS (default 3), both wall-clock and thread CPU time (steadier
 * on a loaded machine). Prints MB/s, then the spans per type: counted (what
 * gr_pii_scan's counts report: global IPs only) and the non-global IPs.
 * -x repeats the records TIMES times (copies), so that small samples such
 * as tests/data/c4-sample.01.jsonl time long enough to measure.
 * -v also prints every span: record, type, offsets and the text.
 *
 * Built without libgranary (see the Makefile rule), so the sources it needs
 * are compiled in here.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../src/scan/pii.c"
#include "../../src/scan/rules.c"
#include "../../src/util/buf.c"
#include "../../src/util/error.c"
#include "../../src/util/hash.c" /* gr_hex, used by buf.c */

struct text {
	char *p;
	size_t n;
};

static double now(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int load(const char *path, const char *field, struct text **texts, size_t *nt, size_t *cap)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return -1;
	}
	size_t plen = strlen(path);
	bool jsonl = plen > 6 && strcmp(path + plen - 6, ".jsonl") == 0;
	char *line = NULL;
	size_t lcap = 0;
	ssize_t len;
	if (!jsonl) {
		gr_buf b = GR_BUF_INIT;
		char chunk[65536];
		size_t got;
		while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
			if (gr_buf_put(&b, chunk, got))
				return -1;
		fclose(f);
		if (*nt == *cap) {
			*cap = *cap ? *cap * 2 : 1024;
			*texts = realloc(*texts, *cap * sizeof **texts);
		}
		(*texts)[(*nt)++] = (struct text){b.ptr ? b.ptr : strdup(""), b.len};
		return 0;
	}
	while ((len = getline(&line, &lcap, f)) > 0) {
		cJSON *j = cJSON_ParseWithLength(line, (size_t)len);
		cJSON *t = cJSON_GetObjectItemCaseSensitive(j, field);
		if (cJSON_IsString(t)) {
			if (*nt == *cap) {
				*cap = *cap ? *cap * 2 : 1024;
				*texts = realloc(*texts, *cap * sizeof **texts);
			}
			/* cJSON stops at an escaped NUL; good enough for a benchmark */
			size_t n = strlen(t->valuestring);
			(*texts)[(*nt)++] = (struct text){strdup(t->valuestring), n};
		}
		cJSON_Delete(j);
	}
	free(line);
	fclose(f);
	return 0;
}

static void show(size_t rec, const struct text *t, const gr_pii_span *sp)
{
	printf("%zu\t%s%s\t%u\t%u\t", rec, gr_pii_type_name(sp->type), sp->global ? "" : "(local)", sp->start,
	       sp->end);
	size_t a = sp->start > 20 ? sp->start - 20 : 0, b = sp->end + 20 < t->n ? sp->end + 20 : t->n;
	for (size_t i = a; i < b; i++) {
		unsigned char c = (unsigned char)t->p[i];
		if (i == sp->start)
			fputs("[[", stdout);
		if (c == '\n')
			fputs("\\n", stdout);
		else if (c < 0x20)
			putchar(' ');
		else
			putchar(c);
		if (i + 1 == sp->end)
			fputs("]]", stdout);
	}
	putchar('\n');
}

int main(int argc, char **argv)
{
	const char *field = "text";
	int rounds = 3, verbose = 0, times = 1, i;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-v"))
			verbose = 1;
		else if (!strcmp(argv[i], "-r") && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-x") && i + 1 < argc)
			times = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-f") && i + 1 < argc)
			field = argv[++i];
		else
			break;
	}
	if (i >= argc || rounds < 1 || times < 1) {
		fprintf(stderr, "usage: piibench [-v] [-r ROUNDS] [-x TIMES] [-f FIELD] FILE...\n");
		return 2;
	}
	struct text *texts = NULL;
	size_t nt = 0, cap = 0, total = 0;
	for (; i < argc; i++)
		if (load(argv[i], field, &texts, &nt, &cap))
			return 2;
	for (size_t base = nt, r = 1; r < (size_t)times; r++) {
		for (size_t k = 0; k < base; k++) {
			if (nt == cap) {
				cap *= 2;
				texts = realloc(texts, cap * sizeof *texts);
			}
			char *copy = malloc(texts[k].n + 1);
			memcpy(copy, texts[k].p, texts[k].n + 1);
			texts[nt++] = (struct text){copy, texts[k].n};
		}
	}
	for (size_t k = 0; k < nt; k++)
		total += texts[k].n;

	double t0 = now(CLOCK_MONOTONIC);
	gr_pii_db *db;
	gr_pii_scanner *s;
	if (gr_pii_db_new(&db) || gr_pii_scanner_new(&s, db)) {
		fprintf(stderr, "piibench: %s\n", gr_error_last());
		return 1;
	}
	double compile = now(CLOCK_MONOTONIC) - t0;

	double best_wall = 1e30, best_cpu = 1e30;
	uint64_t counts[GR_PII_NTYPES] = {0}, local_ips = 0, spans_total = 0;
	for (int r = 0; r < rounds; r++) {
		memset(counts, 0, sizeof counts);
		local_ips = spans_total = 0;
		double w = now(CLOCK_MONOTONIC), c = now(CLOCK_THREAD_CPUTIME_ID);
		for (size_t k = 0; k < nt; k++) {
			const gr_pii_span *sp;
			size_t ns;
			uint32_t cnt[GR_PII_NTYPES];
			if (gr_pii_scan(s, texts[k].p, texts[k].n, &sp, &ns, cnt)) {
				fprintf(stderr, "piibench: record %zu: %s\n", k, gr_error_last());
				continue;
			}
			spans_total += ns;
			for (int t = 0; t < GR_PII_NTYPES; t++)
				counts[t] += cnt[t];
			for (size_t j = 0; j < ns; j++)
				local_ips += !sp[j].global;
			if (verbose && r == 0)
				for (size_t j = 0; j < ns; j++)
					show(k, &texts[k], &sp[j]);
		}
		double cw = now(CLOCK_THREAD_CPUTIME_ID) - c, ww = now(CLOCK_MONOTONIC) - w;
		if (ww < best_wall)
			best_wall = ww;
		if (cw < best_cpu)
			best_cpu = cw;
	}
	printf("records %zu, text %zu bytes, patterns compiled in %.3f s\n", nt, total, compile);
	printf("scan: %.3f s wall (%.0f MB/s), %.3f s cpu (%.0f MB/s), best of %d\n", best_wall,
	       total / best_wall / 1e6, best_cpu, total / best_cpu / 1e6, rounds);
	printf("spans %llu:", (unsigned long long)spans_total);
	for (int t = 0; t < GR_PII_NTYPES; t++)
		printf(" %s=%llu", gr_pii_type_name((gr_pii_type)t), (unsigned long long)counts[t]);
	printf(" (non-global IPs not counted: %llu)\n", (unsigned long long)local_ips);

	gr_pii_scanner_free(s);
	gr_pii_db_free(db);
	for (size_t k = 0; k < nt; k++)
		free(texts[k].p);
	free(texts);
	return 0;
}
