/*
 * libFuzzer target for src/query: user SQL against the sandbox.
 *
 * On the first input it makes a small hub in a temporary directory (removed
 * at exit): nine records on a few domains, two of them exact copies, with
 * personal data and a nested "meta"; a scan of them; web@v2, an exact dedup
 * of web@v1, so the version's view holds a subset of the hub and its
 * duplicates view has rows. It keeps two queries open: one over web@v2, one
 * over the whole hub. Each input is an SQL text (cut at 4 KiB and at a NUL)
 * tried as gr_query_prepare on both and as gr_query_prepare_where on the
 * version; whatever prepares is stepped for at most 100 rows, reading every
 * column. The checks (a failure traps):
 *  - nothing changed: the catalog's datasets and their head versions (id,
 *    number, records, bytes, digest) through the catalog API, the size,
 *    mtime and inode of catalog.db and catalog.db-wal, the entries of the
 *    temporary and hub directories; every 256 inputs and at exit, a
 *    SHA-256 of catalog.db and its WAL too;
 *  - codes: prepare returns 0, GR_EINVAL, GR_EPERM or GR_ELIMIT; a step 1,
 *    0, GR_EINVAL, GR_ELIMIT, GR_ENOMEM or GR_EINTR; after a failed prepare
 *    nothing is left to step;
 *  - a filter's rows are (member id, its length) of the version, however
 *    the expression is written;
 *  - the engine still answers afterwards (count(*) of the view).
 * Time: a watchdog thread raises the queries' cancel flag 250 ms into an input
 * (the engine then stops with GR_EINTR), and regexp() has PCRE2's match
 * limits, so a join of many copies of the view or a backtracking pattern
 * cannot hang the fuzzer.
 *
 *   make fuzz builds and runs every target; this one alone is the Makefile's
 *   fuzz rule for one file (LIB_SRCS: every .c under src; PKGS as there):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE -pthread -Isrc \
 *       $(pkg-config --cflags $PKGS) tests/fuzz/fuzz_query.c $LIB_SRCS build/gen/schema.c \
 *       build/gen/access_schema.c -o build/libfuzzer/fuzz_query $(pkg-config --libs $PKGS) -lpthread
 *   build/libfuzzer/fuzz_query -max_len=4096 -rss_limit_mb=4096 CORPUS tests/fuzz/corpus/query
 *
 * Built with -DGR_FUZZ_REPLAY it is a plain program that runs every file
 * named on its command line through the same checks (make test).
 */
#include <dirent.h>
#include <ftw.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "granary.h"
#include "query/query.h"

#define MAX_SQL 4096
#define MAX_ROWS 100
#define DEADLINE_MS 250
#define FULL_HASH_EVERY 256

#define CHECK(cond)                                                                                 \
	do {                                                                                        \
		if (!(cond)) {                                                                      \
			fprintf(stderr, "fuzz_query: check failed: %s (line %d; last error: %s)\n", #cond, \
				__LINE__, gr_error_last());                                         \
			__builtin_trap();                                                           \
		}                                                                                   \
	} while (0)

static const char *const lines[] = {
	"{\"url\":\"https://example.com/a\",\"text\":\"alpha beta gamma delta\",\"lang\":\"en\",\"x\":1}",
	"{\"url\":\"https://example.com/blog/b\",\"text\":\"Write to jane.doe@fastmail.fm or call +44 20 7946 0958\","
	"\"lang\":\"en\",\"x\":2,\"tags\":[\"a\",\"b\"]}",
	"{\"url\":\"https://docs.test.org/c\",\"text\":\"Bonjour le monde. Ceci est un texte.\",\"lang\":\"fr\","
	"\"meta\":{\"k\":{\"deep\":[1,2,{\"z\":null}]}}}",
	"{\"url\":\"https://docs.test.org/d\",\"text\":\"alpha beta gamma delta\",\"lang\":\"fr\"}",
	"{\"url\":\"http://other.net/e\",\"text\":\"server 8.8.8.8 said aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab\","
	"\"lang\":\"de\",\"license\":\"cc-by\"}",
	"{\"url\":\"http://other.net/f\",\"text\":\"\\u00e9t\\u00e9 \\u2014 caf\\u00e9 \\ud83d\\ude00 "
	"(paren) [br] 'q'\",\"lang\":\"fr\"}",
	"{\"url\":\"https://example.com/g\",\"text\":\"Write to jane.doe@fastmail.fm or call +44 20 7946 0958\"}",
	"{\"url\":\"https://x.example.org/h\",\"text\":\"# # # ...\\n\\nline\\nline\\nline\",\"timestamp\":"
	"\"2024-01-02T03:04:05Z\"}",
	"{\"text\":\"no url at all; IBAN GB82 WEST 1234 5698 7654 32\",\"language\":\"en\"}",
};
#define NLINES (sizeof lines / sizeof *lines)

static char dir[64], hubdir[96];
static bool ready;
static gr_hub *hub;
static gr_version_info v1, v2;
static gr_query *qv, *qa; /* over web@v2, over the hub */
static int64_t *members;  /* web@v2's, ascending */
static uint64_t *member_len;
static size_t nmembers;
static volatile int cancel_flag;
static int64_t deadline_ms; /* 0: none (read by the watchdog with __atomic) */
static uint64_t inputs;

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *watchdog(void *arg)
{
	(void)arg;
	for (;;) {
		usleep(20 * 1000);
		int64_t d = __atomic_load_n(&deadline_ms, __ATOMIC_ACQUIRE);
		if (d && now_ms() > d)
			cancel_flag = 1;
	}
	return NULL;
}

/* ---- what must not change -------------------------------------------------- */

struct snap {
	uint64_t datasets, fold;
	struct stat db, wal;
	size_t top_entries, hub_entries;
};

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

static int fold_dataset(const char *name, const gr_version_info *head, void *ctx)
{
	struct snap *s = ctx;
	s->datasets++;
	for (const char *p = name; *p; p++)
		s->fold = mix(s->fold, (unsigned char)*p);
	if (head) {
		s->fold = mix(s->fold, (uint64_t)head->id);
		s->fold = mix(s->fold, (uint64_t)head->num);
		s->fold = mix(s->fold, head->records);
		s->fold = mix(s->fold, head->bytes);
		for (int i = 0; i < GR_HASH_LEN; i++)
			s->fold = mix(s->fold, head->digest[i]);
	}
	return 0;
}

static size_t entries(const char *path)
{
	DIR *d = opendir(path);
	CHECK(d != NULL);
	size_t n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n++;
	closedir(d);
	return n;
}

static void take(struct snap *s)
{
	char p[160];
	memset(s, 0, sizeof *s);
	CHECK(gr_catalog_dataset_each(gr_hub_catalog(hub), fold_dataset, s) == 0);
	snprintf(p, sizeof p, "%s/catalog.db", hubdir);
	CHECK(stat(p, &s->db) == 0);
	snprintf(p, sizeof p, "%s/catalog.db-wal", hubdir);
	if (stat(p, &s->wal) != 0)
		memset(&s->wal, 0, sizeof s->wal);
	s->top_entries = entries(dir);
	s->hub_entries = entries(hubdir);
}

static bool same_stat(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static void file_hash(const char *name, uint8_t out[GR_HASH_LEN])
{
	char p[160];
	gr_buf b = GR_BUF_INIT;
	snprintf(p, sizeof p, "%s/%s", hubdir, name);
	memset(out, 0, GR_HASH_LEN);
	if (access(p, F_OK) != 0)
		return;
	CHECK(gr_read_file(p, (size_t)1 << 30, &b) == 0);
	gr_sha256(out, b.ptr ? b.ptr : "", b.len);
	gr_buf_free(&b);
}

static struct snap before;
static uint8_t db_hash[GR_HASH_LEN], wal_hash[GR_HASH_LEN];

static void check_hashes(void)
{
	uint8_t h[GR_HASH_LEN];
	file_hash("catalog.db", h);
	CHECK(memcmp(h, db_hash, GR_HASH_LEN) == 0);
	file_hash("catalog.db-wal", h);
	CHECK(memcmp(h, wal_hash, GR_HASH_LEN) == 0);
}

/* ---- the hub --------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	remove(path);
	return 0;
}

static void cleanup(void)
{
	if (ready)
		check_hashes();
	gr_query_free(qv);
	gr_query_free(qa);
	gr_version_info_release(&v1);
	gr_version_info_release(&v2);
	gr_hub_close(hub);
	free(members);
	free(member_len);
	if (dir[0])
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/gr_fuzz_query_XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	atexit(cleanup);
	snprintf(hubdir, sizeof hubdir, "%s/hub", dir);
	char file[128];
	snprintf(file, sizeof file, "%s/web.jsonl", dir);
	FILE *f = fopen(file, "w");
	CHECK(f != NULL);
	for (size_t i = 0; i < NLINES; i++)
		fprintf(f, "%s\n", lines[i]);
	CHECK(fclose(f) == 0);
	const char *files[] = {file};
	gr_hub_ingest_opts io = {.threads = 1};
	gr_hub_ingest_result ir;
	gr_hub_scan_opts so = {.threads = 1};
	gr_hub_scan_result sr;
	gr_hub_dedup_opts dopt = {.threads = 1};
	gr_hub_dedup_result dr;
	CHECK(gr_hub_init(hubdir) == 0);
	CHECK(gr_hub_open(&hub, hubdir) == 0);
	CHECK(gr_hub_ingest(hub, "web", files, 1, &io, &v1, &ir) == 0);
	CHECK(v1.records == NLINES);
	CHECK(gr_hub_scan(hub, &v1, &so, &sr) == 0);
	CHECK(gr_hub_dedup(hub, &v1, &dopt, &v2, &dr) == 0);
	CHECK(dr.exact_dropped == 2 && v2.records == NLINES - 2);
	CHECK(gr_hub_members(hub, &v2, &members, &nmembers) == 0);
	CHECK(nmembers == v2.records);
	CHECK((member_len = calloc(nmembers, sizeof *member_len)) != NULL);
	for (size_t i = 0; i < nmembers; i++) {
		uint8_t content[GR_HASH_LEN];
		CHECK(gr_catalog_record_content(gr_hub_catalog(hub), members[i], content, &member_len[i]) == 0);
	}
	gr_hub_query_opts qo = {.cancel = &cancel_flag};
	CHECK(gr_hub_query_open(hub, &v2, &qo, &qv) == 0);
	CHECK(gr_hub_query_open(hub, NULL, &qo, &qa) == 0);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, watchdog, NULL) == 0);
	CHECK(pthread_detach(t) == 0);
	take(&before);
	file_hash("catalog.db", db_hash);
	file_hash("catalog.db-wal", wal_hash);
	ready = true;
}

/* ---- one input ------------------------------------------------------------- */

static bool prepare_code_ok(int rc)
{
	return rc == 0 || rc == GR_EINVAL || rc == GR_EPERM || rc == GR_ELIMIT;
}

static bool step_code_ok(int rc)
{
	return rc == 1 || rc == 0 || rc == GR_EINVAL || rc == GR_ELIMIT || rc == GR_ENOMEM || rc == GR_EINTR;
}

static bool is_member(int64_t rid, uint64_t *len)
{
	size_t lo = 0, hi = nmembers;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (members[mid] < rid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == nmembers || members[lo] != rid)
		return false;
	*len = member_len[lo];
	return true;
}

/* Steps at most MAX_ROWS rows, reading every column; filter: the rows must
 * be (member, length). */
static void drain(gr_query *q, bool filter)
{
	int n = gr_query_ncols(q);
	CHECK(n > 0);
	for (int i = 0; i < n; i++)
		CHECK(strlen(gr_query_col_name(q, i)) < (size_t)1 << 20);
	if (filter) {
		CHECK(n == 2);
		CHECK(strcmp(gr_query_col_name(q, 0), "_rid") == 0 && strcmp(gr_query_col_name(q, 1), "len") == 0);
	}
	int rc = 0;
	for (int row = 0; row < MAX_ROWS && (rc = gr_query_step(q)) == 1; row++) {
		volatile size_t sink = 0;
		for (int i = 0; i < n; i++) {
			/* the type first: reading a value as text may convert it */
			gr_qv_type ty = gr_query_col_type(q, i);
			if (ty == GR_QV_INT) {
				sink += (size_t)gr_query_col_int(q, i);
			} else if (ty == GR_QV_REAL) {
				sink += (size_t)(gr_query_col_real(q, i) != 0);
			} else {
				size_t len = 0;
				const char *t = gr_query_col_text(q, i, &len);
				CHECK(t != NULL);
				CHECK(ty != GR_QV_TEXT || t[len] == '\0');
				CHECK(ty != GR_QV_NULL || len == 0);
				if (len)
					sink += (unsigned char)t[0] + (unsigned char)t[len - 1];
			}
		}
		if (filter) {
			uint64_t len;
			CHECK(gr_query_col_type(q, 0) == GR_QV_INT && gr_query_col_type(q, 1) == GR_QV_INT);
			CHECK(is_member(gr_query_col_int(q, 0), &len));
			CHECK((uint64_t)gr_query_col_int(q, 1) == len);
		}
		(void)sink;
	}
	CHECK(step_code_ok(rc));
}

static void try_prepare(gr_query *q, const char *sql, bool filter)
{
	int rc = filter ? gr_query_prepare_where(q, sql) : gr_query_prepare(q, sql);
	CHECK(prepare_code_ok(rc));
	if (rc) {
		CHECK(gr_query_ncols(q) == 0);
		CHECK(gr_query_step(q) == GR_EINVAL);
		return;
	}
	(void)gr_query_reads_scans(q);
	drain(q, filter);
}

static void still_answers(gr_query *q, uint64_t want)
{
	CHECK(gr_query_prepare(q, "SELECT count(*) FROM records") == 0);
	CHECK(gr_query_step(q) == 1);
	CHECK((uint64_t)gr_query_col_int(q, 0) == want);
	CHECK(gr_query_step(q) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ready)
		setup();
	static char sql[MAX_SQL + 1];
	size_t n = size < MAX_SQL ? size : MAX_SQL;
	memcpy(sql, data, n);
	sql[n] = '\0';

	cancel_flag = 0;
	__atomic_store_n(&deadline_ms, now_ms() + DEADLINE_MS, __ATOMIC_RELEASE);
	try_prepare(qv, sql, false);
	try_prepare(qv, sql, true);
	try_prepare(qa, sql, false);
	__atomic_store_n(&deadline_ms, 0, __ATOMIC_RELEASE);
	cancel_flag = 0;

	still_answers(qv, v2.records);
	still_answers(qa, v1.records);
	struct snap now;
	take(&now);
	CHECK(now.datasets == before.datasets && now.fold == before.fold);
	CHECK(same_stat(&now.db, &before.db));
	CHECK(same_stat(&now.wal, &before.wal));
	CHECK(now.top_entries == before.top_entries && now.hub_entries == before.hub_entries);
	if (++inputs % FULL_HASH_EVERY == 0)
		check_hashes();
	return 0;
}

#ifdef GR_FUZZ_REPLAY
#include "replay.h"

int main(int argc, char **argv)
{
	return gr_fuzz_replay("fuzz_query", argc, argv);
}
#endif
