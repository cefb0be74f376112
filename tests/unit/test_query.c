/*
 * Tests for src/query on a real hub: five records the test writes (URLs on
 * three domains, a "lang" and an "x" field, known words, two e-mail
 * addresses), ingested with the public API, then queried through
 * gr_hub_query_open: the records view's columns (ids and hashes computed
 * here from docs/formats.md, not read back from granary), the content
 * functions and the REGEXP operator, column names as the user wrote them,
 * the token rewrite leaving strings, comments and quoted names alone, the
 * sandbox's refusals (with the catalog files byte-identical afterwards),
 * the filter wrapper's parenthesis check, gr_query_reads_scans, and
 * gr_hub_filter end to end (kept counts, parent, text read once per record,
 * refused expressions making no version).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#define TEST_NAME "query"
#include "testlib.h"

#include "granary.h"
#include "query/query.h"

/* ---- the records ---------------------------------------------------------- */

struct rec {
	const char *url, *domain, *text, *lang;
	int x; /* -1: no "x" field */
	int emails;
};

static const struct rec recs[] = {
	{"https://example.com/a", "example.com", "alpha beta gamma", "en", 1, 0},
	{"https://example.com/blog/b", "example.com", "Write to jane.doe@fastmail.fm or to bob.smith@posteo.de today",
	 "en", 2, 2},
	{"https://Docs.Test.org/c", "docs.test.org", "Bonjour le monde", "fr", 3, 0},
	{"https://docs.test.org/blog/d", "docs.test.org", "ALPHA and omega (closing) text", "fr", 4, 0},
	{"http://other.net/e", "other.net", "nothing here at all", "de", -1, 0},
};
#define NRECS (sizeof recs / sizeof *recs)
#define SOURCE "recs.jsonl"

static char hubdir[128];
static gr_hub *hub;
static gr_version_info v1; /* web@v1: every record */
static char ids[NRECS][17], sha[NRECS][65];
static size_t by_url[NRECS]; /* record indexes in url order (BINARY collation) */

/* Bytes of text of every record. */
static size_t total_len(void)
{
	size_t n = 0;
	for (size_t i = 0; i < NRECS; i++)
		n += strlen(recs[i].text);
	return n;
}

static void meta_of(const struct rec *r, char *out, size_t cap)
{
	if (r->x >= 0)
		snprintf(out, cap, "{\"lang\":\"%s\",\"x\":%d}", r->lang, r->x);
	else
		snprintf(out, cap, "{\"lang\":\"%s\"}", r->lang);
}

/* The public id and the content hash, by docs/formats.md's definition. */
static void expected_ids(void)
{
	for (size_t i = 0; i < NRECS; i++) {
		uint8_t content[GR_HASH_LEN], addr[GR_HASH_LEN];
		char meta[128];
		gr_sha256(content, recs[i].text, strlen(recs[i].text));
		gr_hex(sha[i], content, GR_HASH_LEN);
		meta_of(&recs[i], meta, sizeof meta);
		gr_buf a = GR_BUF_INIT;
		assert_int_equal(gr_buf_puts(&a, "granary-record-1\n"), 0);
		assert_int_equal(gr_buf_put(&a, content, GR_HASH_LEN), 0);
		assert_int_equal(gr_buf_printf(&a, "\n%s\n\n%s\n%s", recs[i].url, SOURCE, meta), 0);
		gr_sha256(addr, a.ptr, a.len);
		gr_hex(ids[i], addr, 8);
		gr_buf_free(&a);
	}
	for (size_t i = 0; i < NRECS; i++)
		by_url[i] = i;
	for (size_t i = 1; i < NRECS; i++)
		for (size_t j = i; j > 0 && strcmp(recs[by_url[j - 1]].url, recs[by_url[j]].url) > 0; j--) {
			size_t t = by_url[j];
			by_url[j] = by_url[j - 1];
			by_url[j - 1] = t;
		}
}

static int setup(void **state)
{
	if (group_setup(state))
		return -1;
	expected_ids();
	char file[160];
	snprintf(hubdir, sizeof hubdir, "%s/hub", tmpdir);
	snprintf(file, sizeof file, "%s/" SOURCE, tmpdir);
	FILE *f = fopen(file, "w");
	if (!f)
		return -1;
	for (size_t i = 0; i < NRECS; i++) {
		fprintf(f, "{\"url\":\"%s\",\"text\":\"%s\",\"lang\":\"%s\"", recs[i].url, recs[i].text, recs[i].lang);
		if (recs[i].x >= 0)
			fprintf(f, ",\"x\":%d", recs[i].x);
		fputs("}\n", f);
	}
	fclose(f);
	const char *files[] = {file};
	gr_hub_ingest_opts o = {.threads = 1};
	gr_hub_ingest_result res;
	if (gr_hub_init(hubdir) || gr_hub_open(&hub, hubdir) || gr_hub_ingest(hub, "web", files, 1, &o, &v1, &res)) {
		fprintf(stderr, "setup: %s\n", gr_error_last());
		return -1;
	}
	return v1.records == NRECS ? 0 : -1;
}

static int teardown(void **state)
{
	gr_version_info_release(&v1);
	gr_hub_close(hub);
	return group_teardown(state);
}

/* ---- helpers -------------------------------------------------------------- */

static gr_query *qopen(const gr_version_info *v)
{
	gr_query *q = NULL;
	if (gr_hub_query_open(hub, v, NULL, &q))
		fail_msg("gr_hub_query_open: %s", gr_error_last());
	return q;
}

/* Runs a prepared query; its rows as text, cells split by '|', rows ended by
 * '\n' (NULL as "NULL", blobs as x'hex'). The step's error code goes to *rc. */
static char out_rows[8192];

static const char *rows_of(gr_query *q, int *rc)
{
	gr_buf b = GR_BUF_INIT;
	int r, n = gr_query_ncols(q);
	while ((r = gr_query_step(q)) > 0) {
		for (int i = 0; i < n; i++) {
			size_t len;
			const char *t;
			if (i)
				gr_buf_putc(&b, '|');
			switch (gr_query_col_type(q, i)) {
			case GR_QV_NULL:
				gr_buf_puts(&b, "NULL");
				break;
			case GR_QV_INT:
				gr_buf_printf(&b, "%lld", (long long)gr_query_col_int(q, i));
				break;
			case GR_QV_REAL:
				gr_buf_printf(&b, "%g", gr_query_col_real(q, i));
				break;
			case GR_QV_TEXT:
				t = gr_query_col_text(q, i, &len);
				gr_buf_put(&b, t, len);
				break;
			case GR_QV_BLOB:
				t = gr_query_col_text(q, i, &len);
				gr_buf_puts(&b, "x'");
				gr_buf_put_hex(&b, (const uint8_t *)t, len);
				gr_buf_putc(&b, '\'');
				break;
			}
		}
		gr_buf_putc(&b, '\n');
	}
	*rc = r;
	snprintf(out_rows, sizeof out_rows, "%s", b.ptr ? b.ptr : "");
	gr_buf_free(&b);
	return out_rows;
}

/* The rows of a query that must prepare and run. */
static const char *run(gr_query *q, const char *sql)
{
	if (gr_query_prepare(q, sql))
		fail_msg("prepare %s: %s", sql, gr_error_last());
	int rc;
	const char *s = rows_of(q, &rc);
	if (rc)
		fail_msg("step %s: %d %s", sql, rc, gr_error_last());
	return s;
}

static const char *run_where(gr_query *q, const char *expr)
{
	if (gr_query_prepare_where(q, expr))
		fail_msg("prepare_where %s: %s", expr, gr_error_last());
	int rc;
	const char *s = rows_of(q, &rc);
	if (rc)
		fail_msg("step where %s: %d %s", expr, rc, gr_error_last());
	return s;
}

/* The count of rows a filter expression keeps. */
static int where_count(gr_query *q, const char *expr)
{
	const char *s = run_where(q, expr);
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* A query that prepares but whose step fails with code, the message holding want. */
static void expect_step_error(gr_query *q, const char *sql, int code, const char *want)
{
	if (gr_query_prepare(q, sql))
		fail_msg("prepare %s: %s", sql, gr_error_last());
	int rc;
	rows_of(q, &rc);
	if (rc != code || !strstr(gr_error_last(), want))
		fail_msg("%s: step gave %d '%s', expected %d with '%s'", sql, rc, gr_error_last(), code, want);
}

static void expect_refused(gr_query *q, const char *sql, int code, const char *want)
{
	int rc = gr_query_prepare(q, sql);
	if (rc != code || !strstr(gr_error_last(), want))
		fail_msg("%s: gave %d '%s', expected %d with '%s'", sql, rc, rc ? gr_error_last() : "", code, want);
	/* nothing stays prepared */
	assert_int_equal(gr_query_ncols(q), 0);
	assert_int_equal(gr_query_step(q), GR_EINVAL);
}

static void expect_where_refused(gr_query *q, const char *expr, int code, const char *want)
{
	int rc = gr_query_prepare_where(q, expr);
	if (rc != code || !strstr(gr_error_last(), want))
		fail_msg("where %s: gave %d '%s', expected %d with '%s'", expr, rc, rc ? gr_error_last() : "", code,
			 want);
}

/* ---- the records view ----------------------------------------------------- */

static void test_columns(void **state)
{
	(void)state;
	gr_query *q = qopen(&v1);
	const char *got = run(q, "SELECT id, url, domain, len, lang, meta->>'$.x', sha256, source, meta, scanned, "
				 "status, typeof(_rid), length(_content) FROM records ORDER BY url");
	char want[4096] = "", meta[128];
	for (size_t k = 0; k < NRECS; k++) {
		const struct rec *r = &recs[by_url[k]];
		char x[16];
		if (r->x >= 0)
			snprintf(x, sizeof x, "%d", r->x);
		else
			snprintf(x, sizeof x, "NULL");
		meta_of(r, meta, sizeof meta);
		snprintf(want + strlen(want), sizeof want - strlen(want),
			 "%s|%s|%s|%zu|%s|%s|%s|%s|%s|0|NULL|integer|32\n", ids[by_url[k]], r->url, r->domain,
			 strlen(r->text), r->lang, x, sha[by_url[k]], SOURCE, meta);
	}
	assert_string_equal(got, want);
	/* the id format: 16 lower-case hex digits */
	assert_string_equal(run(q, "SELECT count(*) FROM records WHERE length(id) = 16 AND id NOT GLOB '*[^0-9a-f]*' "
				   "AND length(sha256) = 64"),
			    "5\n");
	gr_query_free(q);
}

static void test_count_per_domain(void **state)
{
	(void)state;
	gr_query *q = qopen(&v1);
	/* expected: count the domains of the data, listed in strcmp order */
	char want[512] = "";
	const char *done[NRECS];
	size_t nd = 0;
	for (size_t k = 0; k < NRECS; k++) {
		const char *d = NULL;
		for (size_t i = 0; i < NRECS; i++) {
			bool seen = false;
			for (size_t j = 0; j < nd; j++)
				seen |= strcmp(done[j], recs[i].domain) == 0;
			if (!seen && (!d || strcmp(recs[i].domain, d) < 0))
				d = recs[i].domain;
		}
		if (!d)
			break;
		done[nd++] = d;
		int n = 0;
		for (size_t i = 0; i < NRECS; i++)
			n += strcmp(recs[i].domain, d) == 0;
		snprintf(want + strlen(want), sizeof want - strlen(want), "%s|%d\n", d, n);
	}
	assert_string_equal(want, "docs.test.org|2\nexample.com|2\nother.net|1\n");
	assert_string_equal(run(q, "SELECT domain, count(*) FROM records GROUP BY domain ORDER BY domain"), want);
	snprintf(want, sizeof want, "5|%zu|3\n", total_len());
	assert_string_equal(run(q, "SELECT count(*), sum(len), count(DISTINCT lang) FROM records"), want);
	gr_query_free(q);
}

/* ---- content functions ---------------------------------------------------- */

static void test_content_functions(void **state)
{
	(void)state;
	gr_query *q = qopen(&v1);
	char want[2048] = "";
	for (size_t k = 0; k < NRECS; k++) {
		const struct rec *r = &recs[by_url[k]];
		snprintf(want + strlen(want), sizeof want - strlen(want), "%s|%d|%d|%d|%d|%d\n", r->text,
			 strstr(r->text, "alpha") != NULL, strstr(r->text, "alpha") != NULL,
			 strstr(r->text, "alpha") || strstr(r->text, "ALPHA"), r->emails,
			 strstr(r->text, "(closing)") != NULL);
	}
	assert_string_equal(run(q, "SELECT text(), contains('alpha'), regexp('alph[a]'), regexp('(?i)^alpha\\b'), "
				   "pii('EMAIL'), contains('(closing)') FROM records ORDER BY url"),
			    want);
	/* lower-case type names; a text read once per record for several functions */
	uint64_t before = gr_query_text_bytes(q);
	assert_string_equal(run(q, "SELECT count(*) FROM records WHERE pii('email') > 0 AND contains('@') "
				   "AND regexp('[a-z.]+@posteo[.]de')"),
			    "1\n");
	assert_int_equal(gr_query_text_bytes(q) - before, total_len());
	/* a metadata-only query reads no text */
	before = gr_query_text_bytes(q);
	assert_string_equal(run(q, "SELECT count(*) FROM records WHERE lang = 'fr'"), "2\n");
	assert_int_equal(gr_query_text_bytes(q), before);
	/* contains is case-sensitive bytes; the empty string is contained in everything */
	assert_string_equal(run(q, "SELECT count(*) FROM records WHERE contains('ALPHA')"), "1\n");
	assert_string_equal(run(q, "SELECT count(*) FROM records WHERE contains('')"), "5\n");
	assert_string_equal(run(q, "SELECT contains(NULL) FROM records LIMIT 1"), "NULL\n");
	/* the REGEXP operator on any column, and the function form on a value */
	assert_string_equal(run(q, "SELECT url FROM records WHERE url REGEXP '/blog/' ORDER BY url"),
			    "https://docs.test.org/blog/d\nhttps://example.com/blog/b\n");
	assert_string_equal(run(q, "SELECT count(*) FROM records WHERE domain REGEXP '(?i)^DOCS\\.'"), "2\n");
	assert_string_equal(run(q, "SELECT count(*) FROM records WHERE regexp('\\.net$', domain)"), "1\n");
	assert_string_equal(run(q, "SELECT NULL REGEXP 'a'"), "NULL\n");
	gr_query_free(q);
}

static void test_content_function_errors(void **state)
{
	(void)state;
	gr_query *q = qopen(&v1);
	expect_step_error(q, "SELECT regexp('(') FROM records", GR_EINVAL, "regexp: bad pattern at offset 1");
	expect_step_error(q, "SELECT url FROM records WHERE url REGEXP 'a[b'", GR_EINVAL, "bad pattern");
	expect_step_error(q, "SELECT pii('NOPE') FROM records", GR_EINVAL, "type is one of EMAIL");
	expect_step_error(q, "SELECT regexp(NULL) FROM records", GR_EINVAL, "pattern is NULL");
	/* a pattern over 4096 bytes */
	expect_step_error(q, "SELECT regexp(printf('%.*c', 4097, 'a')) FROM records", GR_EINVAL, "longer than 4096");
	/* catastrophic backtracking hits the match limit: an error, not a non-match, and quickly */
	double t0 = gr_time_mono();
	expect_step_error(q, "SELECT printf('%.*c', 40, 'a') || 'b' REGEXP '^(a|a?)+$'", GR_EINVAL, "limit");
	assert_true(gr_time_mono() - t0 < 30);
	/* content functions are bound to the view's rows */
	expect_step_error(q, "SELECT text() FROM (SELECT 'abc' AS _content)", GR_EINVAL,
			  "content functions read the records view's own rows only");
	assert_int_equal(gr_query_prepare(q, "SELECT text()"), GR_EINVAL);
	assert_non_null(strstr(gr_error_last(), "_content"));
	gr_query_free(q);
}

static void test_column_names(void **state)
{
	(void)state;
	gr_query *q = qopen(&v1);
	assert_int_equal(gr_query_prepare(q, "SELECT text(), contains('x'), regexp('a(b)'), pii('EMAIL'), "
					     "TEXT( ), len, contains('x') AND regexp('y') AS both_ FROM records"),
			 0);
	assert_int_equal(gr_query_ncols(q), 7);
	/* (the function's name comes back in lower case) */
	const char *want[] = {"text()", "contains('x')", "regexp('a(b)')", "pii('EMAIL')", "text( )", "len", "both_"};
	for (int i = 0; i < 7; i++)
		assert_string_equal(gr_query_col_name(q, i), want[i]);
	assert_int_equal(gr_query_prepare(q, "SELECT contains('a') + regexp('b') FROM records"), 0);
	assert_string_equal(gr_query_col_name(q, 0), "contains('a') + regexp('b')");
	/* the filter's columns */
	assert_int_equal(gr_query_prepare_where(q, "contains('a')"), 0);
	assert_int_equal(gr_query_ncols(q), 2);
	assert_string_equal(gr_query_col_name(q, 0), "_rid");
	assert_string_equal(gr_query_col_name(q, 1), "len");
	gr_query_free(q);
}

/* The rewrite binds the content functions to the row, and only outside
 * strings, comments and quoted names. */
static void test_rewrite_leaves_quotes(void **state)
{
	(void)state;
	gr_query *q = qopen(&v1);
	/* a string holding a function call is a string */
	assert_string_equal(run(q, "SELECT count(*) FROM records WHERE url = 'text()'"), "0\n");
	assert_string_equal(run(q, "SELECT 'contains(''x'')', 'it''s regexp(' FROM records LIMIT 1"),
			    "contains('x')|it's regexp(\n");
	/* comments: the call inside is not rewritten and its '(' is not counted */
	assert_string_equal(run(q, "SELECT /* regexp( */ 1 -- text(\n FROM records LIMIT 1"), "1\n");
	assert_int_equal(where_count(q, "/* regexp( */ 1"), 5);
	assert_int_equal(where_count(q, "1 -- contains(\n"), 5);
	assert_int_equal(where_count(q, "url <> ')' AND url <> '(' /* ) */"), 5);
	/* quoted names */
	assert_int_equal(gr_query_prepare(q, "SELECT 1 AS \"contains(x)\", 2 AS [text()], 3 AS `pii(` FROM records"),
			 0);
	assert_string_equal(gr_query_col_name(q, 0), "contains(x)");
	assert_string_equal(gr_query_col_name(q, 1), "text()");
	assert_string_equal(gr_query_col_name(q, 2), "pii(");
	/* a column or a qualified name called like a function is left alone */
	assert_string_equal(run(q, "SELECT count(*) FROM records r WHERE r.len > 0 AND length(r.url) > 0"), "5\n");
	/* names that only start like a function */
	assert_string_equal(
		run(q, "SELECT count(*) FROM (SELECT 1 AS texts, 2 AS contains_x) WHERE texts < contains_x"), "1\n");
	gr_query_free(q);
}

/* ---- the sandbox ---------------------------------------------------------- */

static const struct {
	const char *sql;
	int code;
	const char *want;
} refused[] = {
	{"INSERT INTO records(url) VALUES ('x')", GR_EPERM, "'INSERT INTO records("},
	{"UPDATE records SET url = 'x'", GR_EPERM, "is not allowed"},
	{"DELETE FROM records", GR_EPERM, "is not allowed"},
	{"/* a comment */ DELETE FROM records", GR_EPERM, "'DELETE FROM records'"},
	{"-- a comment\n( DELETE FROM records", GR_EPERM, "'DELETE FROM records'"},
	{"WITH x AS (SELECT 1) INSERT INTO records(url) SELECT 1", GR_EPERM, "writing (to 'records')"},
	{"REPLACE INTO records(url) VALUES ('x')", GR_EPERM, "is not allowed"},
	{"ATTACH DATABASE '/tmp/gr_query_attached.db' AS x", GR_EPERM, "is not allowed"},
	{"PRAGMA table_info(records)", GR_EPERM, "is not allowed"},
	{"PRAGMA query_only = 0", GR_EPERM, "is not allowed"},
	{"SELECT * FROM pragma_table_info('records')", GR_EPERM, "a table-valued function"},
	{"SELECT * FROM json_each('[1, 2]')", GR_EPERM, "a table-valued function"},
	{"SELECT count(*) FROM records, json_tree(meta)", GR_EPERM, "a table-valued function"},
	{"SELECT * FROM sqlite_master", GR_EPERM, "reading table 'sqlite_master'"},
	{"SELECT count(*) FROM sqlite_schema", GR_EPERM, "is not allowed"},
	{"SELECT name FROM sqlite_temp_master", GR_EPERM, "is not allowed"},
	{"SELECT count(*) FROM records WHERE _rid IN (SELECT rowid FROM sqlite_master)", GR_EPERM, "sqlite_master"},
	{"SELECT url FROM main.records", GR_EPERM, "'main' names a table of the catalog"},
	{"SELECT url FROM \"main\".records", GR_EPERM, "'main' names a table"},
	{"SELECT url FROM temp.records", GR_EPERM, "'temp' names a table"},
	{"SELECT * FROM sources", GR_EPERM, "'sources' names a table of the catalog"},
	{"SELECT * FROM \"sources\"", GR_EPERM, "'sources' names a table"},
	{"SELECT * FROM [Sources]", GR_EPERM, "'Sources' names a table"},
	{"SELECT * FROM `chunks`", GR_EPERM, "'chunks' names a table"},
	{"SELECT count(*) FROM main.scans", GR_EPERM, "names a table of the catalog"},
	{"SELECT count(*) FROM scans", GR_EPERM, "'scans' names a table"},
	{"SELECT count(*) FROM versions", GR_EPERM, "'versions' names a table"},
	{"SELECT load_extension('/tmp/gr_query_nothing.so')", GR_EPERM, "the function load_extension()"},
	{"SELECT randomblob(8)", GR_EPERM, "the function randomblob()"},
	{"SELECT sqlite_version()", GR_EPERM, "the function sqlite_version()"},
	{"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c LIMIT 3", GR_EPERM,
	 "a recursive WITH"},
	{"WITH c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 5) SELECT count(*) FROM c", GR_EPERM,
	 "is not allowed"},
	{"CREATE TABLE t(x)", GR_EPERM, "is not allowed"},
	{"CREATE TEMP VIEW v AS SELECT 1", GR_EPERM, "is not allowed"},
	{"DROP VIEW records", GR_EPERM, "is not allowed"},
	{"VACUUM INTO '/tmp/gr_query_vacuum.db'", GR_EPERM, "is not allowed"},
	{"BEGIN", GR_EPERM, "is not allowed"},
	{"ROLLBACK", GR_EPERM, "is not allowed"},
	{"ANALYZE", GR_EPERM, "is not allowed"},
	{"(((DELETE FROM records", GR_EPERM, "is not allowed"},
	/* one statement */
	{"SELECT 1; SELECT 2", GR_EINVAL, "one statement only"},
	{"SELECT 1; VACUUM INTO '/tmp/gr_query_vacuum.db'", GR_EINVAL, "one statement only"},
	{"SELECT 1; BEGIN", GR_EINVAL, "one statement only"},
	{"SELECT 1; ATTACH DATABASE '/tmp/gr_query_attached.db' AS x", GR_EINVAL, "one statement only"},
	/* SQL errors */
	{"SELECT url FROM records WHERE", GR_EINVAL, "query: "},
	{"SELECT nope FROM records", GR_EINVAL, "no such column: nope"},
	{"SELECT url FROM nothing_here", GR_EINVAL, "no such table"},
	{"SELECT 'unterminated", GR_EINVAL, "query: "},
	{"", GR_EINVAL, "empty"},
	{" -- only a comment", GR_EINVAL, "empty"},
};

static void test_sandbox_refusals(void **state)
{
	(void)state;
	gr_query *q = qopen(&v1);
	for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
		expect_refused(q, refused[i].sql, refused[i].code, refused[i].want);
	/* nothing was written anywhere */
	assert_int_equal(access("/tmp/gr_query_vacuum.db", F_OK), -1);
	assert_int_equal(access("/tmp/gr_query_attached.db", F_OK), -1);
	/* a query too long */
	char *big = malloc(GR_QUERY_MAX_SQL + 64);
	assert_non_null(big);
	strcpy(big, "SELECT 1");
	memset(big + 8, ' ', GR_QUERY_MAX_SQL);
	big[GR_QUERY_MAX_SQL + 8] = '\0';
	assert_int_equal(gr_query_prepare(q, big), GR_ELIMIT);
	assert_int_equal(gr_query_prepare_where(q, big + 7), GR_ELIMIT);
	free(big);
	/* the connection still works after every refusal */
	assert_string_equal(run(q, "SELECT count(*) FROM records"), "5\n");
	/* a refusal leaves nothing prepared, whichever check refused */
	for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
		assert_int_equal(gr_query_prepare(q, "SELECT url, len FROM records"), 0);
		assert_true(gr_query_reads_scans(q) == false);
		expect_refused(q, refused[i].sql, refused[i].code, refused[i].want);
		assert_int_equal(gr_query_prepare(q, "SELECT pii_email FROM records"), 0);
		expect_where_refused(q, "0) OR (1", GR_EINVAL, "balance");
		assert_int_equal(gr_query_ncols(q), 0);
		assert_int_equal(gr_query_step(q), GR_EINVAL);
		assert_false(gr_query_reads_scans(q));
	}
	gr_query_free(q);
}

/* Reads of tables the view joins, hidden from the name check: single quotes
 * (SQLite takes a string as a name where only a name fits) and comments
 * between a schema and its table. */
static void test_sandbox_quoted_names(void **state)
{
	(void)state;
	gr_query *q = qopen(&v1);
	/* unqualified: the authorizer */
	expect_refused(q, "SELECT count(*) FROM 'scans'", GR_EPERM, "reading table 'scans' is not allowed");
	expect_refused(q, "SELECT count(*) FROM 'sources'", GR_EPERM, "reading table 'sources'");
	expect_refused(q, "SELECT count(*) FROM 'record_web'", GR_EPERM, "reading table 'record_web'");
	expect_refused(q, "SELECT count(*) FROM 'versions'", GR_EPERM, "reading table 'versions'");
	/* qualified: the name check, whatever the quoting and what lies between */
	expect_refused(q, "SELECT count(*) FROM 'main'.'records'", GR_EPERM, "'main' names a table");
	expect_refused(q, "SELECT count(*) FROM 'main' . 'sources'", GR_EPERM, "'main' names a table");
	expect_refused(q, "SELECT count(*) FROM main/**/.records", GR_EPERM, "'main' names a table");
	expect_refused(q, "SELECT count(*) FROM main -- x\n.records", GR_EPERM, "'main' names a table");
	expect_refused(q, "SELECT count(*) FROM main\f.records", GR_EPERM, "'main' names a table");
	expect_refused(q, "SELECT count(*) FROM \"main\"/* */.\"records\"", GR_EPERM, "'main' names a table");
	expect_refused(q, "SELECT count(*) FROM [temp] /**/ . records", GR_EPERM, "'temp' names a table");
	expect_refused(q, "SELECT 1 FROM records, 'main'.'records' LIMIT 1", GR_EPERM, "'main' names a table");
	/* the same words as strings stay strings */
	assert_string_equal(run(q, "SELECT count(*) FROM records WHERE domain IN ('scans', 'main', 'sources')"),
			    "0\n");
	assert_string_equal(run(q, "SELECT 'main' || '.' || 'records'"), "main.records\n");
	/* the view's own reads still pass whatever the query uses of it */
	assert_string_equal(run(q, "SELECT count(*) FROM records"), "5\n");
	assert_string_equal(run(q, "SELECT count(*) FROM records a, records b"), "25\n");
	assert_string_equal(run(q, "SELECT count(*) FROM duplicates"), "0\n");
	assert_string_equal(run(q, "SELECT count(*) FROM records LEFT JOIN duplicates USING (id)"), "5\n");
	assert_string_equal(run(q, "SELECT 1 FROM records LIMIT 1"), "1\n");
	gr_query_free(q);
	q = qopen(NULL);
	assert_string_equal(run(q, "SELECT count(*) FROM records"), "5\n");
	assert_string_equal(run(q, "SELECT count(*) FROM records WHERE lang = 'en'"), "2\n");
	expect_refused(q, "SELECT count(*) FROM 'scans'", GR_EPERM, "not allowed");
	/* without a version there is no duplicates view: the name is the catalog's table */
	expect_refused(q, "SELECT * FROM duplicates", GR_EPERM, "reading table 'duplicates'");
	expect_refused(q, "SELECT count(*) FROM duplicates", GR_EPERM, "reading table 'duplicates'");
	gr_query_free(q);
}

/* ---- filters' expressions ------------------------------------------------- */

static void test_where(void **state)
{
	(void)state;
	gr_query *q = qopen(&v1);
	assert_int_equal(where_count(q, "lang = 'en'"), 2);
	assert_int_equal(where_count(q, "(lang = 'en') OR (domain = 'other.net')"), 3);
	assert_int_equal(where_count(q, "contains('alpha') OR regexp('(?i)omega')"), 2);
	assert_int_equal(where_count(q, "len > 20 -- a trailing comment"), 2);
	assert_int_equal(where_count(q, "_rid IN (SELECT _rid FROM records WHERE lang = 'fr')"), 2);
	/* the rows are (_rid, len) */
	char want[64];
	size_t first = SIZE_MAX;
	for (size_t i = 0; i < NRECS; i++)
		if (strcmp(recs[i].lang, "de") == 0)
			first = i;
	snprintf(want, sizeof want, "%zu|%zu\n", first + 1, strlen(recs[first].text));
	assert_string_equal(run_where(q, "lang = 'de'"), want);
	/* parentheses must balance, and never close the WHERE */
	expect_where_refused(q, "0) UNION SELECT _rid, len FROM records WHERE (1", GR_EINVAL,
			     "parentheses do not balance");
	expect_where_refused(q, "0) UNION SELECT 1, 2 --", GR_EINVAL, "parentheses do not balance");
	expect_where_refused(q, "1) OR (1", GR_EINVAL, "parentheses do not balance");
	expect_where_refused(q, "(1", GR_EINVAL, "parentheses do not balance");
	expect_where_refused(q, "1)", GR_EINVAL, "parentheses do not balance");
	expect_where_refused(q, "contains('a'", GR_EINVAL, "parentheses do not balance");
	expect_where_refused(q, "len > 0)) OR ((1", GR_EINVAL, "parentheses do not balance");
	/* parentheses in strings, quoted names and comments do not count */
	assert_int_equal(where_count(q, "url <> '(' AND url <> ')'"), 5);
	assert_int_equal(where_count(q, "url <> 'a)' /* ( */ -- )\n"), 5);
	assert_int_equal(where_count(q, "contains('(closing)')"), 1);
	assert_int_equal(where_count(q, "text() LIKE '%(%'"), 1);
	/* an unterminated string or comment takes the closing parenthesis with it */
	expect_where_refused(q, "url = 'x", GR_EINVAL, "filter: ");
	expect_where_refused(q, "1 /* open", GR_EINVAL, "filter: ");
	/* empty */
	expect_where_refused(q, "", GR_EINVAL, "empty");
	expect_where_refused(q, "  \n\t ", GR_EINVAL, "empty");
	expect_where_refused(q, "-- nothing", GR_EINVAL, "empty");
	expect_where_refused(q, "/* nothing */ ;", GR_EINVAL, "empty");
	/* the sandbox applies */
	expect_where_refused(q, "_rid IN (SELECT rowid FROM sqlite_master)", GR_EPERM, "sqlite_master");
	expect_where_refused(q, "(SELECT count(*) FROM scans) >= 0", GR_EPERM, "'scans'");
	expect_where_refused(q, "load_extension('x') IS NULL", GR_EPERM, "load_extension");
	expect_where_refused(q, "1; DELETE FROM records", GR_EINVAL, "filter: ");
	expect_where_refused(q, "nope = 1", GR_EINVAL, "no such column");
	gr_query_free(q);
}

static void test_reads_scans(void **state)
{
	(void)state;
	gr_query *q = qopen(&v1);
	static const struct {
		bool where;
		const char *s;
		bool scans;
	} cases[] = {
		{false, "SELECT pii_email FROM records", true},
		{false, "SELECT words FROM records", true},
		{false, "SELECT count(*) FROM records WHERE dup_line_frac < 0.5", true},
		{false, "SELECT * FROM records", true},
		{false, "SELECT url, len FROM records", false},
		{false, "SELECT count(*) FROM records", false},
		{false, "SELECT text(), scanned FROM records", false},
		{true, "pii_email = 0", true},
		{true, "words > 3", true},
		{true, "mean_word_len BETWEEN 3 AND 10", true},
		{true, "len > 3", false},
		{true, "url LIKE '%blog%' AND contains('a')", false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int rc = cases[i].where ? gr_query_prepare_where(q, cases[i].s) : gr_query_prepare(q, cases[i].s);
		if (rc)
			fail_msg("%s: %s", cases[i].s, gr_error_last());
		if (gr_query_reads_scans(q) != cases[i].scans)
			fail_msg("%s: reads_scans %d", cases[i].s, !cases[i].scans);
	}
	gr_query_free(q);
}

/* ---- nothing changes ------------------------------------------------------ */

static void file_hash(const char *path, char out[65])
{
	gr_buf b = GR_BUF_INIT;
	if (access(path, F_OK) != 0) {
		strcpy(out, "absent");
		return;
	}
	if (gr_read_file(path, (size_t)1 << 30, &b))
		fail_msg("read %s: %s", path, gr_error_last());
	uint8_t h[GR_HASH_LEN];
	gr_sha256(h, b.ptr ? b.ptr : "", b.len);
	gr_hex(out, h, GR_HASH_LEN);
	gr_buf_free(&b);
}

static void catalog_hashes(char db[65], char wal[65])
{
	char p[256];
	snprintf(p, sizeof p, "%s/catalog.db", hubdir);
	file_hash(p, db);
	snprintf(p, sizeof p, "%s/catalog.db-wal", hubdir);
	file_hash(p, wal);
}

static void test_catalog_unchanged(void **state)
{
	(void)state;
	char db0[65], wal0[65], db1[65], wal1[65];
	catalog_hashes(db0, wal0);
	assert_string_not_equal(db0, "absent");
	gr_query *q = qopen(&v1);
	for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
		gr_query_prepare(q, refused[i].sql);
	static const char *const more[] = {
		"/* c */ DELETE FROM records",
		"WITH x AS (SELECT 1) DELETE FROM records",
		"WITH x AS (SELECT 1) UPDATE records SET url = 'x'",
		"SELECT 1 FROM records; DELETE FROM records",
		"SELECT count(*) FROM 'main'.'records'",
		"SELECT * FROM json_each('[1,2]')",
	};
	for (size_t i = 0; i < sizeof more / sizeof *more; i++)
		assert_int_not_equal(gr_query_prepare(q, more[i]), 0);
	gr_query_prepare_where(q, "1; DELETE FROM records");
	gr_query_prepare_where(q, "0) UNION SELECT 1, 2 --");
	/* and queries that run */
	run(q, "SELECT * FROM records");
	run(q, "SELECT text(), pii('EMAIL') FROM records");
	gr_query_free(q);
	catalog_hashes(db1, wal1);
	assert_string_equal(db0, db1);
	assert_string_equal(wal0, wal1);
}

static void test_cancel(void **state)
{
	(void)state;
	volatile int cancel = 0;
	gr_hub_query_opts o = {.cancel = &cancel};
	gr_query *q = NULL;
	assert_int_equal(gr_hub_query_open(hub, &v1, &o, &q), 0);
	const char *heavy = "SELECT count(*) FROM records a, records b, records c, records d, records e, records f";
	assert_string_equal(run(q, heavy), "15625\n");
	cancel = 1;
	assert_int_equal(gr_query_prepare(q, heavy), 0);
	assert_int_equal(gr_query_step(q), GR_EINTR);
	gr_query_free(q);
}

/* ---- filter --------------------------------------------------------------- */

static void expect_no_dataset(const char *name)
{
	int64_t id = -1;
	assert_int_equal(gr_catalog_dataset_find(gr_hub_catalog(hub), name, &id), 0);
	assert_int_equal(id, 0);
	gr_version_info v;
	assert_int_equal(gr_hub_resolve(hub, name, &v), GR_ENOTFOUND);
}

static void expect_head(const char *name, int num)
{
	gr_version_info v;
	if (gr_hub_resolve(hub, name, &v))
		fail_msg("resolve %s: %s", name, gr_error_last());
	assert_int_equal(v.num, num);
	gr_version_info_release(&v);
}

static void test_filter(void **state)
{
	(void)state;
	gr_hub_filter_opts o = {.where = "lang = 'en'", .into = "web-en"};
	gr_version_info out;
	gr_hub_filter_result res;
	if (gr_hub_filter(hub, &v1, &o, &out, &res))
		fail_msg("filter: %s", gr_error_last());
	assert_int_equal(res.kept, 2);
	assert_int_equal(res.dropped, 3);
	assert_int_equal(res.text_bytes_read, 0);
	assert_int_equal(out.num, 1);
	assert_int_equal(out.records, 2);
	assert_int_equal(out.bytes, strlen(recs[0].text) + strlen(recs[1].text));
	assert_int_equal(out.nparents, 1);
	assert_int_equal(out.parents[0], v1.id);
	assert_string_equal(out.operation, "filter");
	assert_non_null(strstr(out.stats, "\"kept\": 2"));
	gr_version_info en;
	assert_int_equal(gr_hub_resolve(hub, "web-en", &en), 0);
	assert_int_equal(en.id, out.id);
	/* the new version's view holds its members only; the hub's holds all */
	gr_query *q = qopen(&en);
	char want[256];
	snprintf(want, sizeof want, "%s\n%s\n", ids[0], ids[1]);
	assert_string_equal(run(q, "SELECT id FROM records ORDER BY url"), want);
	assert_string_equal(run(q, "SELECT count(*) FROM records WHERE lang <> 'en'"), "0\n");
	gr_query_free(q);
	q = qopen(NULL);
	assert_string_equal(run(q, "SELECT count(*) FROM records"), "5\n");
	gr_query_free(q);
	gr_version_info_release(&en);
	gr_version_info_release(&out);

	/* content functions: each text read once though two functions read it */
	o = (gr_hub_filter_opts){.where = "contains('alpha') OR regexp('(?i)omega')", .into = "web-alpha"};
	if (gr_hub_filter(hub, &v1, &o, &out, &res))
		fail_msg("filter: %s", gr_error_last());
	assert_int_equal(res.kept, 2);
	assert_int_equal(res.text_bytes_read, total_len());
	gr_version_info_release(&out);

	/* refused and failing expressions make no version */
	static const char *const bad[] = {
		"0) UNION SELECT _rid, len FROM records WHERE (1",
		"_rid IN (SELECT rowid FROM sqlite_master)",
		"(SELECT count(*) FROM main.scans) >= 0",
		"regexp('(')",
		"nope = 1",
		"",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		o = (gr_hub_filter_opts){.where = bad[i], .into = "web-bad"};
		assert_true(gr_hub_filter(hub, &v1, &o, &out, &res) < 0);
		o.into = NULL;
		assert_true(gr_hub_filter(hub, &v1, &o, &out, &res) < 0);
	}
	expect_no_dataset("web-bad");
	expect_head("web", 1);

	/* scan columns need a scan first */
	o = (gr_hub_filter_opts){.where = "pii_email = 0", .into = "web-noemail"};
	assert_int_equal(gr_hub_filter(hub, &v1, &o, &out, &res), GR_EINVAL);
	assert_non_null(strstr(gr_error_last(), "not scanned"));
	expect_no_dataset("web-noemail");
	q = qopen(&v1);
	uint64_t unscanned = 0;
	assert_int_equal(gr_query_unscanned(q, &unscanned), 0);
	assert_int_equal(unscanned, 5);
	gr_query_free(q);
	gr_hub_scan_opts so = {.threads = 1};
	gr_hub_scan_result sr;
	if (gr_hub_scan(hub, &v1, &so, &sr))
		fail_msg("scan: %s", gr_error_last());
	if (gr_hub_filter(hub, &v1, &o, &out, &res))
		fail_msg("filter: %s", gr_error_last());
	assert_int_equal(res.kept, 4);
	assert_int_equal(res.dropped, 1);
	gr_version_info_release(&out);
	q = qopen(&v1);
	assert_string_equal(run(q, "SELECT count(*), sum(pii_email), sum(scanned) FROM records"), "5|2|5\n");
	assert_string_equal(run(q, "SELECT words FROM records WHERE url = 'https://example.com/a'"), "3\n");
	gr_query_free(q);
	expect_head("web", 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_count_per_domain),
		cmocka_unit_test(test_content_functions),
		cmocka_unit_test(test_content_function_errors),
		cmocka_unit_test(test_column_names),
		cmocka_unit_test(test_rewrite_leaves_quotes),
		cmocka_unit_test(test_sandbox_refusals),
		cmocka_unit_test(test_sandbox_quoted_names),
		cmocka_unit_test(test_where),
		cmocka_unit_test(test_reads_scans),
		cmocka_unit_test(test_catalog_unchanged),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_filter),
	};
	return cmocka_run_group_tests_name("query", tests, setup, teardown);
}
