/*
 * htmlbench — extracts the text of every *.html file under a directory with
 * gr_html_extract and prints the throughput in MB/s of HTML.
 *
 *   build/tools/htmlbench DIR [ROUNDS] [CHARSET]
 *
 * All pages are read into memory first (symbolic links are followed for DIR
 * itself, not inside it); only extraction is timed. Each round extracts every
 * page once with one reused extractor and reused output buffers (what a
 * worker thread does); ROUNDS (default 5) rounds, and the best round is
 * reported, both wall-clock and thread CPU time (the latter is steadier on a
 * loaded machine), beside the median round. CHARSET, when given, is passed as
 * the declared charset of every page (e.g. windows-1252, to time iconv).
 *
 * Built without libgranary (see the Makefile rule), so the few sources it
 * needs are compiled in here.
 */
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../src/html/html.c"
#include "../../src/util/buf.c"
#include "../../src/util/error.c"
#include "../../src/util/fs.c"
#include "../../src/util/hash.c" /* gr_hex, used by buf.c */

struct page {
	char *p;
	size_t n;
};

static struct page *pages;
static size_t npages, cap_pages, total_bytes;

static double now(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int add_file(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	size_t len = strlen(path);
	if (type != FTW_F || len < 5 || strcmp(path + len - 5, ".html") != 0)
		return 0;
	gr_buf b = GR_BUF_INIT;
	if (gr_read_file(path, GR_HTML_MAX_INPUT, &b)) {
		fprintf(stderr, "htmlbench: %s\n", gr_error_last());
		return 0;
	}
	if (gr_array_reserve(&pages, &cap_pages, npages, sizeof *pages)) {
		fprintf(stderr, "htmlbench: out of memory\n");
		exit(1);
	}
	pages[npages].n = b.len;
	pages[npages++].p = gr_buf_detach(&b);
	total_bytes += pages[npages - 1].n;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: htmlbench DIR [ROUNDS] [CHARSET]\n");
		return 2;
	}
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	const char *charset = argc > 3 ? argv[3] : NULL;
	if (rounds < 1)
		rounds = 1;
	char dir[PATH_MAX];
	if (!realpath(argv[1], dir)) {
		perror(argv[1]);
		return 1;
	}
	if (nftw(dir, add_file, 32, FTW_PHYS) != 0 || npages == 0) {
		fprintf(stderr, "htmlbench: no *.html files under %s\n", dir);
		return 1;
	}

	gr_html *x;
	if (gr_html_new(&x)) {
		fprintf(stderr, "htmlbench: %s\n", gr_error_last());
		return 1;
	}
	gr_buf text = GR_BUF_INIT, title = GR_BUF_INIT;
	double *wall = calloc((size_t)rounds, sizeof *wall), *cpu = calloc((size_t)rounds, sizeof *cpu);
	size_t text_bytes = 0, failed = 0;
	for (int r = 0; r < rounds; r++) {
		text_bytes = failed = 0;
		double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_THREAD_CPUTIME_ID);
		for (size_t i = 0; i < npages; i++) {
			gr_html_signals sig;
			gr_buf_reset(&text);
			gr_buf_reset(&title);
			if (gr_html_extract(x, pages[i].p, pages[i].n, charset, &text, &title, &sig)) {
				failed++;
				continue;
			}
			text_bytes += text.len;
			gr_html_signals_release(&sig);
		}
		wall[r] = now(CLOCK_MONOTONIC) - w0;
		cpu[r] = now(CLOCK_THREAD_CPUTIME_ID) - c0;
	}
	double mb = (double)total_bytes / 1e6;
	qsort(wall, (size_t)rounds, sizeof *wall, cmp_double);
	qsort(cpu, (size_t)rounds, sizeof *cpu, cmp_double);
	printf("htmlbench: %zu pages, %.1f MB of HTML -> %.2f MB of text (%zu failed), %d rounds\n", npages, mb,
	       (double)text_bytes / 1e6, failed, rounds);
	printf("  best  %7.1f MB/s wall  %7.1f MB/s cpu  %.3f ms/page\n", mb / wall[0], mb / cpu[0],
	       wall[0] * 1e3 / (double)npages);
	printf("  median %6.1f MB/s wall  %7.1f MB/s cpu\n", mb / wall[rounds / 2], mb / cpu[rounds / 2]);

	for (size_t i = 0; i < npages; i++)
		free(pages[i].p);
	free(pages);
	free(wall);
	free(cpu);
	gr_buf_free(&text);
	gr_buf_free(&title);
	gr_html_free(x);
	return failed ? 1 : 0;
}
