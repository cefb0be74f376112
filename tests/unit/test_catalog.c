/*
 * Unit tests for src/catalog: migrations and schema versioning, transactions,
 * the store index, records and id prefixes, versions and their membership
 * (including how much two nearly equal versions share), and the health check.
 * Some checks open the database file with SQLite directly, as an outside
 * reader would.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#define TEST_NAME "catalog"
#include "testlib.h"

#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "util/util.h"

#define T0 1700000000

static int db_seq;

static gr_catalog *fresh(char *path, size_t cap)
{
	snprintf(path, cap, "%s/cat%d.db", tmpdir, db_seq++);
	gr_catalog *c = NULL;
	int rc = gr_catalog_open(&c, path, true);
	if (rc)
		fail_msg("open %s: %s", path, gr_error_last());
	assert_non_null(c);
	return c;
}

/* ---- direct SQLite access ---- */

static sqlite3 *raw_open(const char *path)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

static int64_t raw_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("prepare %s: %s", sql, sqlite3_errmsg(db));
	int r = sqlite3_step(s);
	if (r != SQLITE_ROW)
		fail_msg("%s: no row (%s)", sql, sqlite3_errmsg(db));
	int64_t v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static void raw_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : "?");
}

/* ---- the schema directory, found at test time ---- */

static const char *schema_dir(void)
{
	static char dir[1024];
	if (gr_is_dir("schema"))
		return "schema";
	/* __FILE__ is tests/unit/test_catalog.c relative to the repository (or absolute) */
	const char *f = __FILE__;
	const char *p = strstr(f, "tests/unit/");
	if (p) {
		snprintf(dir, sizeof dir, "%.*sschema", (int)(p - f), f);
		if (gr_is_dir(dir))
			return dir;
	}
	fail_msg("cannot find the schema directory (run from the repository root)");
	return NULL;
}

/* The highest NNN of schema/NNN_*.sql. */
static int newest_schema(void)
{
	const char *dir = schema_dir();
	DIR *d = opendir(dir);
	assert_non_null(d);
	int best = 0, files = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *n = de->d_name;
		size_t len = strlen(n);
		if (len < 9 || n[0] < '0' || n[0] > '9' || n[1] < '0' || n[1] > '9' || n[2] < '0' || n[2] > '9' ||
		    n[3] != '_' || strcmp(n + len - 4, ".sql"))
			continue;
		int v = (n[0] - '0') * 100 + (n[1] - '0') * 10 + (n[2] - '0');
		files++;
		if (v > best)
			best = v;
	}
	closedir(d);
	assert_true(files >= 1);
	return best;
}

/* Names of every CREATE TABLE / CREATE INDEX in the schema files. */
static int schema_objects(char names[][64], int max)
{
	const char *dir = schema_dir();
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".sql"))
			continue;
		char path[1200];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		gr_buf b = GR_BUF_INIT;
		assert_int_equal(gr_read_file(path, 1 << 20, &b), 0);
		const char *kw[] = {"CREATE TABLE ", "CREATE INDEX "};
		for (int k = 0; k < 2; k++) {
			for (const char *p = b.ptr; (p = strstr(p, kw[k])); p++) {
				const char *q = p + strlen(kw[k]);
				if (!strncmp(q, "IF NOT EXISTS ", 14))
					q += 14;
				size_t m = strcspn(q, " (\n");
				assert_true(n < max && m < 64);
				memcpy(names[n], q, m);
				names[n][m] = '\0';
				n++;
			}
		}
		gr_buf_free(&b);
	}
	closedir(d);
	return n;
}

/* ---- helpers for rows ---- */

static void hash_of(uint8_t out[GR_HASH_LEN], const char *tag, uint64_t i)
{
	char buf[128];
	int n = snprintf(buf, sizeof buf, "%s/%llu", tag, (unsigned long long)i);
	gr_sha256(out, buf, (size_t)n);
}

static int64_t add_record(gr_catalog *c, const uint8_t addr[GR_HASH_LEN], const uint8_t content[GR_HASH_LEN],
			  uint64_t len)
{
	gr_record_row r;
	memset(&r, 0, sizeof r);
	memcpy(r.addr, addr, GR_HASH_LEN);
	memcpy(r.content, content, GR_HASH_LEN);
	r.len = len;
	int64_t rid = 0;
	int rc = gr_catalog_record_add(c, &r, &rid);
	if (rc)
		fail_msg("record_add: %s", gr_error_last());
	assert_true(rid > 0);
	return rid;
}

typedef struct {
	int64_t *v;
	size_t n, cap;
} idvec;

static int collect_id(int64_t rid, void *ctx)
{
	idvec *iv = ctx;
	if (iv->n == iv->cap) {
		iv->cap = iv->cap ? iv->cap * 2 : 256;
		iv->v = realloc(iv->v, iv->cap * sizeof *iv->v);
		assert_non_null(iv->v);
	}
	iv->v[iv->n++] = rid;
	return 0;
}

/* A record's length as the catalog holds it: what stage_record is given. */
static uint64_t len_of(gr_catalog *c, int64_t rid)
{
	uint8_t content[GR_HASH_LEN];
	uint64_t len = 0;
	assert_int_equal(gr_catalog_record_content(c, rid, content, &len), 0);
	return len;
}

static gr_version_info make_version(gr_catalog *c, int64_t ds, const int64_t *rids, size_t n, const int64_t *parents,
				    int nparents, const char *op)
{
	assert_int_equal(gr_catalog_stage_begin(c), 0);
	for (size_t i = 0; i < n; i++) {
		bool added = false;
		assert_int_equal(gr_catalog_stage_record(c, rids[i], len_of(c, rids[i]), &added), 0);
	}
	gr_version_new nv = {.dataset = ds,
			     .operation = op,
			     .message = "test version",
			     .author = "Test <t@example.org>",
			     .created = T0,
			     .parents = parents,
			     .nparents = nparents,
			     .stats_json = "{\"n\":1}"};
	gr_version_info v;
	int rc = gr_catalog_version_create(c, &nv, &v);
	if (rc)
		fail_msg("version_create: %s", gr_error_last());
	return v;
}

/* ---- schema and migrations ---- */

static void test_schema_created(void **state)
{
	(void)state;
	char path[256];
	gr_catalog *c = fresh(path, sizeof path);
	int want = newest_schema();
	assert_int_equal(gr_catalog_schema_version(c), want);
	gr_catalog_close(c);
	/* an outside reader sees the same version and every table and index */
	sqlite3 *db = raw_open(path);
	assert_int_equal(raw_int(db, "PRAGMA user_version"), want);
	char names[128][64];
	int n = schema_objects(names, 128);
	assert_true(n >= 10);
	for (int i = 0; i < n; i++) {
		char sql[256];
		snprintf(sql, sizeof sql, "SELECT count(*) FROM sqlite_master WHERE name = '%.63s'", names[i]);
		if (raw_int(db, sql) != 1)
			fail_msg("schema object %s is missing from a new catalog", names[i]);
	}
	/* WAL mode is persistent in the file */
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
	sqlite3_finalize(s);
	/* a new catalog has 16 KiB pages (fewer WAL writes per commit) */
	assert_int_equal(raw_int(db, "PRAGMA page_size"), 16384);
	sqlite3_close(db);
}

static void test_reopen_keeps_data(void **state)
{
	(void)state;
	char path[256];
	gr_catalog *c = fresh(path, sizeof path);
	int64_t ds = 0, src = 0, src2 = 0;
	assert_int_equal(gr_catalog_dataset_add(c, "kept", &ds), 0);
	assert_int_equal(gr_catalog_source_get_or_add(c, "a.jsonl", "file:///a.jsonl", &src), 0);
	assert_int_equal(gr_catalog_source_get_or_add(c, "a.jsonl", "file:///other", &src2), 0);
	assert_true(src == src2 && src > 0);
	gr_catalog_close(c);
	sqlite3 *db = raw_open(path);
	int64_t objects = raw_int(db, "SELECT count(*) FROM sqlite_master");
	sqlite3_close(db);
	for (int round = 0; round < 3; round++) {
		c = NULL;
		int rc = gr_catalog_open(&c, path, false);
		if (rc)
			fail_msg("reopen %d: %s", round, gr_error_last());
		assert_int_equal(gr_catalog_schema_version(c), newest_schema());
		int64_t id = 0;
		assert_int_equal(gr_catalog_dataset_find(c, "kept", &id), 0);
		assert_true(id == ds);
		assert_int_equal(gr_catalog_source_get_or_add(c, "a.jsonl", NULL, &src2), 0);
		assert_true(src2 == src);
		gr_catalog_close(c);
	}
	db = raw_open(path);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master"), objects);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM datasets"), 1);
	sqlite3_close(db);
	/* without create, a missing catalog is not made */
	char missing[300];
	snprintf(missing, sizeof missing, "%s/missing.db", tmpdir);
	c = NULL;
	assert_int_equal(gr_catalog_open(&c, missing, false), GR_ENOTFOUND);
	assert_null(c);
	assert_int_not_equal(access(missing, F_OK), 0);
}

static void test_newer_schema_refused(void **state)
{
	(void)state;
	char path[256];
	gr_catalog *c = fresh(path, sizeof path);
	gr_catalog_close(c);
	int newer = newest_schema() + 1;
	sqlite3 *db = raw_open(path);
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", newer);
	raw_exec(db, sql);
	sqlite3_close(db);
	c = NULL;
	assert_int_equal(gr_catalog_open(&c, path, false), GR_EINVAL);
	assert_null(c);
	assert_non_null(strstr(gr_error_last(), "newer"));
	assert_int_equal(gr_catalog_open(&c, path, true), GR_EINVAL);
	/* the file was left as it was */
	db = raw_open(path);
	assert_int_equal(raw_int(db, "PRAGMA user_version"), newer);
	sqlite3_close(db);
}

/* A database at user_version 0 with no tables gets every migration. */
static void test_migrates_empty_file(void **state)
{
	(void)state;
	char path[256];
	snprintf(path, sizeof path, "%s/empty.db", tmpdir);
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	raw_exec(db, "PRAGMA page_size = 4096; CREATE TABLE unrelated(x)");
	sqlite3_close(db);
	gr_catalog *c = NULL;
	assert_int_equal(gr_catalog_open(&c, path, false), 0);
	assert_int_equal(gr_catalog_schema_version(c), newest_schema());
	gr_catalog_close(c);
	/* an existing file keeps its page size */
	db = raw_open(path);
	assert_int_equal(raw_int(db, "PRAGMA page_size"), 4096);
	sqlite3_close(db);
	/* a file that is not a database */
	snprintf(path, sizeof path, "%s/garbage.db", tmpdir);
	char junk[4096];
	memset(junk, 'g', sizeof junk);
	assert_int_equal(gr_write_file_atomic(path, junk, sizeof junk), 0);
	c = NULL;
	assert_int_not_equal(gr_catalog_open(&c, path, false), 0);
	assert_null(c);
}

/* ---- transactions ---- */

static void test_rollback(void **state)
{
	(void)state;
	char path[256];
	gr_catalog *c = fresh(path, sizeof path);
	int64_t id = 0;
	/* explicit rollback */
	assert_int_equal(gr_catalog_begin(c), 0);
	assert_int_equal(gr_catalog_dataset_add(c, "gone", &id), 0);
	assert_true(id > 0);
	int64_t found = 0;
	assert_int_equal(gr_catalog_dataset_find(c, "gone", &found), 0);
	assert_true(found == id); /* visible inside the transaction */
	gr_catalog_rollback(c);
	assert_int_equal(gr_catalog_dataset_find(c, "gone", &found), 0);
	assert_true(found == 0);
	/* a commit that fails (deferred foreign key: a chunk in a frame that does not exist) */
	uint8_t h[GR_HASH_LEN];
	hash_of(h, "chunk", 1);
	assert_int_equal(gr_catalog_begin(c), 0);
	assert_int_equal(gr_catalog_dataset_add(c, "also-gone", &id), 0);
	assert_int_equal(gr_catalog_chunk_add(c, h, 12345, 0, 10), 0);
	assert_int_not_equal(gr_catalog_commit(c), 0);
	gr_catalog_rollback(c);
	bool has = true;
	assert_int_equal(gr_catalog_chunk_has(c, h, &has), 0);
	assert_false(has);
	assert_int_equal(gr_catalog_dataset_find(c, "also-gone", &found), 0);
	assert_true(found == 0);
	/* a statement that fails inside a transaction: the rest is rolled back too */
	uint8_t addr[GR_HASH_LEN], content[GR_HASH_LEN];
	hash_of(addr, "addr", 1);
	hash_of(content, "no such content", 1);
	assert_int_equal(gr_catalog_begin(c), 0);
	assert_int_equal(gr_catalog_dataset_add(c, "third", &id), 0);
	gr_record_row r;
	memset(&r, 0, sizeof r);
	memcpy(r.addr, addr, GR_HASH_LEN);
	memcpy(r.content, content, GR_HASH_LEN);
	int64_t rid = 0;
	assert_int_not_equal(gr_catalog_record_add(c, &r, &rid), 0); /* immediate foreign key */
	gr_catalog_rollback(c);
	assert_int_equal(gr_catalog_dataset_find(c, "third", &found), 0);
	assert_true(found == 0);
	/* rollback outside a transaction is harmless; a commit persists */
	gr_catalog_rollback(c);
	assert_int_equal(gr_catalog_begin(c), 0);
	assert_int_equal(gr_catalog_dataset_add(c, "stays", &id), 0);
	assert_int_equal(gr_catalog_commit(c), 0);
	gr_catalog_rollback(c);
	gr_catalog_close(c);
	sqlite3 *db = raw_open(path);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM datasets"), 1);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM datasets WHERE name = 'stays'"), 1);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM chunks"), 0);
	sqlite3_close(db);
}

/* ---- records ---- */

static void test_records(void **state)
{
	(void)state;
	char path[256];
	gr_catalog *c = fresh(path, sizeof path);
	uint8_t content[GR_HASH_LEN];
	hash_of(content, "content", 0);
	assert_int_equal(gr_catalog_content_add(c, content, 11, NULL, 0), 0);
	bool has = false;
	assert_int_equal(gr_catalog_content_has(c, content, &has), 0);
	assert_true(has);
	int64_t src = 0;
	assert_int_equal(gr_catalog_source_get_or_add(c, "src.jsonl", NULL, &src), 0);
	/* addresses with chosen prefixes */
	uint8_t a[6][GR_HASH_LEN];
	for (int i = 0; i < 6; i++)
		hash_of(a[i], "addr", (uint64_t)i);
	memcpy(a[0], "\xab\xcd\xef\x01\x11", 5);
	memcpy(a[1], "\xab\xcd\xef\x01\x22", 5);
	memset(a[2], 0xff, GR_HASH_LEN); /* the very last address */
	memset(a[3], 0x00, GR_HASH_LEN); /* the very first */
	memcpy(a[4], "\x12\x34\x56\x78\x9a", 5);
	int64_t rid[6];
	for (int i = 0; i < 5; i++)
		rid[i] = add_record(c, a[i], content, 11);
	/* one with every field */
	gr_record_row full;
	memset(&full, 0, sizeof full);
	memcpy(full.addr, a[5], GR_HASH_LEN);
	memcpy(full.content, content, GR_HASH_LEN);
	full.url = "https://example.org/x";
	full.domain = "example.org";
	full.ts = "2024-01-02T03:04:05Z";
	full.source = src;
	full.len = 11;
	const char *meta = "{\"lang\":\"en\"}trailing";
	full.meta = meta;
	full.meta_len = 13;
	assert_int_equal(gr_catalog_record_add(c, &full, &rid[5]), 0);
	/* ids are distinct and find returns them */
	for (int i = 0; i < 6; i++) {
		int64_t got = -1;
		assert_int_equal(gr_catalog_record_find(c, a[i], &got), 0);
		assert_true(got == rid[i]);
		for (int j = 0; j < i; j++)
			assert_true(rid[i] != rid[j]);
	}
	uint8_t nope[GR_HASH_LEN];
	hash_of(nope, "absent", 0);
	int64_t got = -1;
	assert_int_equal(gr_catalog_record_find(c, nope, &got), 0);
	assert_true(got == 0);
	/* the same address twice is refused */
	gr_record_row dup = full;
	int64_t dup_id = 0;
	assert_int_equal(gr_catalog_record_add(c, &dup, &dup_id), GR_EEXIST);
	/* get */
	gr_record_info info;
	assert_int_equal(gr_catalog_record_get(c, rid[5], &info), 0);
	assert_true(info.rid == rid[5]);
	assert_memory_equal(info.addr, a[5], GR_HASH_LEN);
	assert_memory_equal(info.content, content, GR_HASH_LEN);
	assert_string_equal(info.url, "https://example.org/x");
	assert_string_equal(info.domain, "example.org");
	assert_string_equal(info.ts, "2024-01-02T03:04:05Z");
	assert_string_equal(info.source, "src.jsonl");
	assert_string_equal(info.meta, "{\"lang\":\"en\"}");
	assert_true(info.len == 11);
	gr_record_info_release(&info);
	assert_null(info.url);
	assert_int_equal(gr_catalog_record_get(c, rid[0], &info), 0);
	assert_null(info.url);
	assert_null(info.domain);
	assert_null(info.source);
	assert_null(info.meta);
	gr_record_info_release(&info);
	assert_int_equal(gr_catalog_record_get(c, 999999, &info), GR_ENOTFOUND);
	/* resolve by hex prefix */
	int64_t r = 0;
	assert_int_equal(gr_catalog_record_resolve(c, "abcdef01", &r), GR_EINVAL); /* ambiguous */
	assert_non_null(strstr(gr_error_last(), "ambiguous"));
	assert_int_equal(gr_catalog_record_resolve(c, "abcdef011", &r), 0); /* odd length */
	assert_true(r == rid[0]);
	r = 0;
	assert_int_equal(gr_catalog_record_resolve(c, "abcdef0122", &r), 0);
	assert_true(r == rid[1]);
	r = 0;
	assert_int_equal(gr_catalog_record_resolve(c, "ABCDEF0122", &r), 0); /* upper case */
	assert_true(r == rid[1]);
	assert_int_equal(gr_catalog_record_resolve(c, "abcdef02", &r), GR_ENOTFOUND);
	assert_int_equal(gr_catalog_record_resolve(c, "abcdef013", &r), GR_ENOTFOUND);
	assert_int_equal(gr_catalog_record_resolve(c, "ffffffff", &r), 0);
	assert_true(r == rid[2]);
	assert_int_equal(gr_catalog_record_resolve(c, "00000000", &r), 0);
	assert_true(r == rid[3]);
	assert_int_equal(gr_catalog_record_resolve(c, "123456789", &r), 0);
	assert_true(r == rid[4]);
	assert_int_equal(gr_catalog_record_resolve(c, "12345678a", &r), GR_ENOTFOUND);
	char hex[GR_HEX_LEN + 2];
	gr_hex(hex, a[5], GR_HASH_LEN);
	r = 0;
	assert_int_equal(gr_catalog_record_resolve(c, hex, &r), 0); /* all 64 digits */
	assert_true(r == rid[5]);
	hex[63] = hex[63] == '0' ? '1' : '0';
	assert_int_equal(gr_catalog_record_resolve(c, hex, &r), GR_ENOTFOUND);
	/* malformed */
	assert_int_equal(gr_catalog_record_resolve(c, "abcdefg1", &r), GR_EINVAL);
	assert_int_equal(gr_catalog_record_resolve(c, "abcd ef01", &r), GR_EINVAL);
	assert_int_equal(gr_catalog_record_resolve(c, "-bcdef01", &r), GR_EINVAL);
	assert_int_equal(gr_catalog_record_resolve(c, "abcdef0", &r), GR_EINVAL); /* too short */
	assert_int_equal(gr_catalog_record_resolve(c, "", &r), GR_EINVAL);
	hex[63] = 'a';
	hex[64] = 'a';
	hex[65] = '\0';
	assert_int_equal(gr_catalog_record_resolve(c, hex, &r), GR_EINVAL); /* too long */
	gr_catalog_close(c);
}

/* ---- versions and membership ---- */

static int check_ds(const char *name, const gr_version_info *head, void *ctx)
{
	int *seen = ctx;
	if (!strcmp(name, "alpha")) {
		assert_non_null(head);
		assert_int_equal(head->num, 3);
		seen[0]++;
	} else if (!strcmp(name, "empty")) {
		assert_null(head);
		seen[1]++;
	} else {
		fail_msg("unexpected dataset %s", name);
	}
	return 0;
}

static int list_nums(const gr_version_info *v, void *ctx)
{
	idvec *iv = ctx;
	return collect_id(v->num, iv);
}

/* n records sharing one content, record i of first + i * step bytes. */
static void add_records(gr_catalog *c, const char *tag, int64_t *rids, int n, uint64_t first, uint64_t step)
{
	uint8_t content[GR_HASH_LEN];
	hash_of(content, "content", 0);
	assert_int_equal(gr_catalog_content_add(c, content, 100, NULL, 0), 0);
	for (int i = 0; i < n; i++) {
		uint8_t a[GR_HASH_LEN];
		hash_of(a, tag, (uint64_t)i);
		rids[i] = add_record(c, a, content, first + (uint64_t)i * step);
	}
}

/* stage_version into a stage that holds records already: the union, each
 * member once, with the bytes of the members new to the stage; ids outside
 * the bitmap's range are refused. */
static void test_stage_union(void **state)
{
	(void)state;
	char path[256];
	gr_catalog *c = fresh(path, sizeof path);
	int64_t rids[4];
	add_records(c, "u", rids, 4, 100, 100); /* 100, 200, 300, 400 bytes */
	int64_t ds = 0;
	assert_int_equal(gr_catalog_dataset_add(c, "u", &ds), 0);
	gr_version_info v1 = make_version(c, ds, rids, 2, NULL, 0, "ingest"); /* 100 + 200 */
	assert_true(v1.records == 2 && v1.bytes == 300);
	assert_int_equal(gr_catalog_stage_begin(c), 0);
	bool added = false;
	assert_int_equal(gr_catalog_stage_record(c, rids[1], 200, &added), 0);
	assert_true(added);
	assert_int_equal(gr_catalog_stage_record(c, rids[3], 400, &added), 0);
	assert_int_equal(gr_catalog_stage_version(c, v1.id), 0);
	/* a member of v1 staged again is not added */
	assert_int_equal(gr_catalog_stage_record(c, rids[0], 100, &added), 0);
	assert_false(added);
	assert_int_equal(gr_catalog_stage_record(c, 0, 1, &added), GR_ELIMIT);
	assert_int_equal(gr_catalog_stage_record(c, GR_STAGE_MAX_ID + 1, 1, &added), GR_ELIMIT);
	gr_version_new nv = {.dataset = ds, .operation = "merge", .created = T0, .parents = &v1.id, .nparents = 1};
	gr_version_info v2;
	assert_int_equal(gr_catalog_version_create(c, &nv, &v2), 0);
	assert_true(v2.records == 3);
	assert_true(v2.bytes == 100 + 200 + 400);
	idvec iv = {0};
	assert_int_equal(gr_catalog_members_each(c, v2.id, collect_id, &iv), 0);
	assert_int_equal(iv.n, 3);
	assert_true(iv.v[0] == rids[0] && iv.v[1] == rids[1] && iv.v[2] == rids[3]);
	/* the stage is gone with the version made */
	assert_int_equal(gr_catalog_stage_record(c, rids[2], 300, &added), GR_EINVAL);
	free(iv.v);
	gr_version_info_release(&v1);
	gr_version_info_release(&v2);
	gr_catalog_close(c);
}

static void test_versions(void **state)
{
	(void)state;
	char path[256];
	gr_catalog *c = fresh(path, sizeof path);
	int64_t rids[12];
	add_records(c, "v", rids, 12, 10, 1); /* 10, 11, ... 21 bytes */
	int64_t ds = 0, empty_ds = 0;
	assert_int_equal(gr_catalog_dataset_add(c, "alpha", &ds), 0);
	assert_int_equal(gr_catalog_dataset_add(c, "empty", &empty_ds), 0);
	int64_t dup_ds = 0;
	assert_int_equal(gr_catalog_dataset_add(c, "alpha", &dup_ds), GR_EEXIST);
	/* staged out of order, one twice */
	int64_t pick[] = {rids[9], rids[2], rids[5], rids[0], rids[7], rids[2]};
	assert_int_equal(gr_catalog_begin(c), 0);
	assert_int_equal(gr_catalog_stage_begin(c), 0);
	int added_count = 0;
	for (size_t i = 0; i < sizeof pick / sizeof pick[0]; i++) {
		bool added = false;
		assert_int_equal(gr_catalog_stage_record(c, pick[i], len_of(c, pick[i]), &added), 0);
		added_count += added;
		if (i == 5)
			assert_false(added);
	}
	assert_int_equal(added_count, 5);
	gr_version_new nv = {.dataset = ds, .operation = "ingest", .message = "first", .created = T0};
	gr_version_info v1;
	assert_int_equal(gr_catalog_version_create(c, &nv, &v1), 0);
	assert_int_equal(gr_catalog_commit(c), 0);
	assert_int_equal(v1.num, 1);
	assert_true(v1.records == 5);
	assert_true(v1.bytes == (10 + 9) + (10 + 2) + (10 + 5) + (10 + 0) + (10 + 7));
	assert_string_equal(v1.operation, "ingest");
	assert_string_equal(v1.message, "first");
	assert_string_equal(v1.created, "2023-11-14T22:13:20Z");
	assert_string_equal(v1.dataset, "alpha");
	assert_string_equal(v1.stats, "{}");
	assert_null(v1.git_commit);
	assert_int_equal(v1.nparents, 0);
	/* members in ascending id order, exactly the staged ones */
	int64_t want[] = {rids[0], rids[2], rids[5], rids[7], rids[9]};
	idvec iv = {0};
	assert_int_equal(gr_catalog_members_each(c, v1.id, collect_id, &iv), 0);
	assert_int_equal(iv.n, 5);
	for (int i = 0; i < 5; i++)
		assert_true(iv.v[i] == want[i]);
	for (int i = 0; i < 12; i++) {
		bool expect = i == 0 || i == 2 || i == 5 || i == 7 || i == 9;
		bool in = !expect;
		assert_int_equal(gr_catalog_member_has(c, v1.id, rids[i], &in), 0);
		if (in != expect)
			fail_msg("member_has(v1, rid %lld) = %d", (long long)rids[i], in);
	}
	bool in = true;
	assert_int_equal(gr_catalog_member_has(c, v1.id, 0, &in), 0);
	assert_false(in);
	assert_int_equal(gr_catalog_member_has(c, v1.id, rids[11] + 1000, &in), 0);
	assert_false(in);
	assert_int_equal(gr_catalog_member_has(c, v1.id + 100, rids[0], &in), 0);
	assert_false(in);
	/* the staging area was cleared by version_create */
	gr_version_info v2 = make_version(c, ds, rids + 10, 2, &v1.id, 1, "add");
	assert_int_equal(v2.num, 2);
	assert_true(v2.records == 2);
	assert_int_equal(v2.nparents, 1);
	assert_true(v2.parents[0] == v1.id);
	assert_memory_not_equal(v1.digest, v2.digest, GR_HASH_LEN);
	/* stage_version copies a version's members, counts and bytes */
	assert_int_equal(gr_catalog_stage_begin(c), 0);
	assert_int_equal(gr_catalog_stage_version(c, v1.id), 0);
	int64_t parents[2] = {v1.id, v2.id};
	nv = (gr_version_new){.dataset = ds, .operation = "merge", .created = T0 + 60, .parents = parents,
			      .nparents = 2, .stats_json = "{\"merged\":2}"};
	gr_version_info v3;
	assert_int_equal(gr_catalog_version_create(c, &nv, &v3), 0);
	assert_int_equal(v3.num, 3);
	assert_true(v3.records == 5);
	assert_true(v3.bytes == v1.bytes);
	assert_int_equal(v3.nparents, 2);
	assert_true(v3.parents[0] == v1.id && v3.parents[1] == v2.id);
	assert_string_equal(v3.stats, "{\"merged\":2}");
	/* same members, same digest */
	assert_memory_equal(v1.digest, v3.digest, GR_HASH_LEN);
	idvec iv3 = {0};
	assert_int_equal(gr_catalog_members_each(c, v3.id, collect_id, &iv3), 0);
	assert_int_equal(iv3.n, 5);
	assert_memory_equal(iv3.v, iv.v, 5 * sizeof *iv.v);
	/* lookups */
	gr_version_info g;
	assert_int_equal(gr_catalog_version_get(c, ds, 0, &g), 0);
	assert_int_equal(g.num, 3);
	gr_version_info_release(&g);
	assert_int_equal(gr_catalog_version_get(c, ds, 2, &g), 0);
	assert_true(g.id == v2.id);
	assert_string_equal(g.operation, "add");
	gr_version_info_release(&g);
	assert_int_equal(gr_catalog_version_get(c, ds, 4, &g), GR_ENOTFOUND);
	assert_int_equal(gr_catalog_version_get(c, empty_ds, 0, &g), GR_ENOTFOUND);
	assert_int_equal(gr_catalog_version_by_id(c, v1.id, &g), 0);
	assert_int_equal(g.num, 1);
	gr_version_info_release(&g);
	assert_int_equal(gr_catalog_version_by_id(c, 424242, &g), GR_ENOTFOUND);
	idvec nums = {0};
	assert_int_equal(gr_catalog_version_each(c, ds, list_nums, &nums), 0);
	assert_int_equal(nums.n, 3);
	assert_true(nums.v[0] == 3 && nums.v[1] == 2 && nums.v[2] == 1);
	int seen[2] = {0, 0};
	assert_int_equal(gr_catalog_dataset_each(c, check_ds, seen), 0);
	assert_int_equal(seen[0], 1);
	assert_int_equal(seen[1], 1);
	/* commits: uncommitted until set, oldest first */
	idvec unc = {0};
	assert_int_equal(gr_catalog_version_uncommitted(c, list_nums, &unc), 0);
	assert_int_equal(unc.n, 3);
	assert_true(unc.v[0] == 1 && unc.v[2] == 3);
	assert_int_equal(gr_catalog_version_set_commit(c, v1.id, "0123456789abcdef0123456789abcdef01234567"), 0);
	unc.n = 0;
	assert_int_equal(gr_catalog_version_uncommitted(c, list_nums, &unc), 0);
	assert_int_equal(unc.n, 2);
	assert_int_equal(gr_catalog_version_by_id(c, v1.id, &g), 0);
	assert_string_equal(g.git_commit, "0123456789abcdef0123456789abcdef01234567");
	gr_version_info_release(&g);
	/* an empty version */
	gr_version_info ve = make_version(c, empty_ds, NULL, 0, NULL, 0, "create");
	assert_true(ve.records == 0 && ve.bytes == 0);
	idvec none = {0};
	assert_int_equal(gr_catalog_members_each(c, ve.id, collect_id, &none), 0);
	assert_int_equal(none.n, 0);
	uint8_t empty_sha[GR_HASH_LEN];
	gr_sha256(empty_sha, "", 0);
	assert_memory_equal(ve.digest, empty_sha, GR_HASH_LEN); /* SHA-256 over no block hashes */
	gr_buf problem = GR_BUF_INIT;
	assert_int_equal(gr_catalog_check(c, &problem), 0);
	assert_int_equal(problem.len, 0);
	gr_buf_free(&problem);
	free(iv.v);
	free(iv3.v);
	free(nums.v);
	free(unc.v);
	free(none.v);
	gr_version_info_release(&v1);
	gr_version_info_release(&v2);
	gr_version_info_release(&v3);
	gr_version_info_release(&ve);
	gr_catalog_close(c);
}

static int stop_at_three(int64_t rid, void *ctx)
{
	idvec *iv = ctx;
	collect_id(rid, iv);
	return iv->n == 3 ? 42 : 0;
}

static void test_members_each_stops(void **state)
{
	(void)state;
	char path[256];
	gr_catalog *c = fresh(path, sizeof path);
	uint8_t content[GR_HASH_LEN];
	hash_of(content, "content", 0);
	assert_int_equal(gr_catalog_content_add(c, content, 1, NULL, 0), 0);
	int64_t rids[10];
	for (int i = 0; i < 10; i++) {
		uint8_t a[GR_HASH_LEN];
		hash_of(a, "s", (uint64_t)i);
		rids[i] = add_record(c, a, content, 1);
	}
	int64_t ds;
	assert_int_equal(gr_catalog_dataset_add(c, "d", &ds), 0);
	gr_version_info v = make_version(c, ds, rids, 10, NULL, 0, "ingest");
	idvec iv = {0};
	assert_int_equal(gr_catalog_members_each(c, v.id, stop_at_three, &iv), 42);
	assert_int_equal(iv.n, 3);
	free(iv.v);
	gr_version_info_release(&v);
	gr_catalog_close(c);
}

/* Block sizes of a version, in block order, read straight from the tables. */
static size_t version_block_counts(sqlite3 *db, int64_t vid, int64_t *counts, size_t max)
{
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT m.count FROM version_blocks v JOIN member_blocks m ON m.hash = v.block "
					    "WHERE v.version = ?1 ORDER BY v.first",
					    -1, &s, NULL),
			 SQLITE_OK);
	sqlite3_bind_int64(s, 1, vid);
	size_t n = 0;
	while (sqlite3_step(s) == SQLITE_ROW) {
		assert_true(n < max);
		counts[n++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	return n;
}

static void test_membership_sharing(void **state)
{
	(void)state;
	enum { N = 200000, REMOVED = 10 };
	char path[256];
	gr_catalog *c = fresh(path, sizeof path);
	uint8_t content[GR_HASH_LEN];
	hash_of(content, "shared content", 0);
	int64_t *rids = malloc(N * sizeof *rids);
	assert_non_null(rids);
	double t0 = gr_time_mono();
	/* the records rows, all pointing at one content row, inserted in one statement
	 * (record_add itself is covered by test_records; this keeps the test fast
	 * under the sanitizers) */
	assert_int_equal(gr_catalog_content_add(c, content, 1234, NULL, 0), 0);
	sqlite3 *db = raw_open(path);
	sqlite3_stmt *ins;
	assert_int_equal(sqlite3_prepare_v2(db,
					    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2) "
					    "INSERT INTO records(addr, content, len) "
					    "SELECT CAST(printf('%032d', i * 7919) AS BLOB), ?1, 1000 + i % 7 FROM n",
					    -1, &ins, NULL),
			 SQLITE_OK);
	sqlite3_bind_blob(ins, 1, content, GR_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int(ins, 2, N);
	assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
	sqlite3_finalize(ins);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM records"), N);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT id FROM records ORDER BY id", -1, &ins, NULL), SQLITE_OK);
	for (int i = 0; i < N; i++) {
		assert_int_equal(sqlite3_step(ins), SQLITE_ROW);
		rids[i] = sqlite3_column_int64(ins, 0);
	}
	sqlite3_finalize(ins);
	/* the catalog sees them */
	int64_t probe = 0;
	uint8_t a[GR_HASH_LEN];
	memcpy(a, "00000000000000000000000000007919", GR_HASH_LEN);
	assert_int_equal(gr_catalog_record_find(c, a, &probe), 0);
	assert_true(probe == rids[0]);
	assert_int_equal(gr_catalog_begin(c), 0);
	int64_t ds;
	assert_int_equal(gr_catalog_dataset_add(c, "big", &ds), 0);
	gr_version_info v1 = make_version(c, ds, rids, N, NULL, 0, "ingest");
	assert_int_equal(gr_catalog_commit(c), 0);
	double t1 = gr_time_mono();
	assert_true(v1.records == N);
	int64_t blocks_v1 = raw_int(db, "SELECT count(*) FROM member_blocks");
	int64_t bytes_v1 = raw_int(db, "SELECT sum(length(data)) FROM member_blocks");
	/* about N / GR_MEMBER_BLOCK_AVG blocks */
	if (blocks_v1 < N / GR_MEMBER_BLOCK_AVG / 3 || blocks_v1 > N / GR_MEMBER_BLOCK_AVG * 3)
		fail_msg("%lld blocks for %d records", (long long)blocks_v1, N);
	/* every block but the last within [MIN, MAX] */
	int64_t *counts = malloc(N * sizeof *counts);
	assert_non_null(counts);
	size_t nb = version_block_counts(db, v1.id, counts, N);
	assert_int_equal(nb, blocks_v1);
	int64_t total = 0;
	for (size_t i = 0; i < nb; i++) {
		total += counts[i];
		if (i + 1 < nb)
			assert_true(counts[i] >= GR_MEMBER_BLOCK_MIN && counts[i] <= GR_MEMBER_BLOCK_MAX);
	}
	assert_true(total == N);
	/* v2: v1 minus ten ids spread over the range (first, last, and between) */
	int64_t removed[REMOVED];
	for (int k = 0; k < REMOVED; k++)
		removed[k] = rids[(size_t)k * (N - 1) / (REMOVED - 1)];
	int64_t *keep = malloc(N * sizeof *keep);
	assert_non_null(keep);
	size_t nkeep = 0;
	for (int i = 0; i < N; i++) {
		bool gone = false;
		for (int k = 0; k < REMOVED; k++)
			gone |= rids[i] == removed[k];
		if (!gone)
			keep[nkeep++] = rids[i];
	}
	assert_int_equal(nkeep, N - REMOVED);
	assert_int_equal(gr_catalog_begin(c), 0);
	gr_version_info v2 = make_version(c, ds, keep, nkeep, &v1.id, 1, "remove");
	assert_int_equal(gr_catalog_commit(c), 0);
	double t2 = gr_time_mono();
	assert_true(v2.records == N - REMOVED);
	assert_memory_not_equal(v1.digest, v2.digest, GR_HASH_LEN);
	int64_t blocks_all = raw_int(db, "SELECT count(*) FROM member_blocks");
	int64_t bytes_all = raw_int(db, "SELECT sum(length(data)) FROM member_blocks");
	char sql[256];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM version_blocks WHERE version = %lld AND block NOT IN "
		 "(SELECT block FROM version_blocks WHERE version = %lld)",
		 (long long)v2.id, (long long)v1.id);
	int64_t v2_new = raw_int(db, sql);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM version_blocks WHERE version = %lld", (long long)v2.id);
	int64_t v2_rows = raw_int(db, sql);
	int64_t added_blocks = blocks_all - blocks_v1;
	if (added_blocks > 2 * REMOVED || v2_new > 2 * REMOVED)
		fail_msg("removing %d ids added %lld member blocks (%lld of v2's %lld not shared with v1)", REMOVED,
			 (long long)added_blocks, (long long)v2_new, (long long)v2_rows);
	assert_true(added_blocks >= 1);
	assert_true(v2_new == added_blocks);
	/* the block sizes of v2 obey the same bounds */
	nb = version_block_counts(db, v2.id, counts, N);
	for (size_t i = 0; i + 1 < nb; i++)
		assert_true(counts[i] >= GR_MEMBER_BLOCK_MIN && counts[i] <= GR_MEMBER_BLOCK_MAX);
	/* sizes as the catalog reports them */
	uint64_t own1 = 0, sh1 = 0, own2 = 0, sh2 = 0;
	assert_int_equal(gr_catalog_membership_bytes(c, v1.id, &own1, &sh1), 0);
	assert_int_equal(gr_catalog_membership_bytes(c, v2.id, &own2, &sh2), 0);
	assert_true(own1 > 0 && sh1 > 0 && own2 > 0 && sh2 > 0);
	/* own: version_blocks rows; shared: member_blocks (about 40 bytes of key and header each) */
	uint64_t new_bytes = (uint64_t)(bytes_all - bytes_v1) + 40 * (uint64_t)added_blocks;
	printf("  membership v1: %d records, %lld blocks: %.3f bytes/record (block data alone %.3f)\n", N,
	       (long long)blocks_v1, (double)(own1 + sh1) / N, (double)bytes_v1 / N);
	printf("  membership v2: %d records, %lld of %lld blocks new: %.3f bytes/record added "
	       "(%.3f if it shared nothing)\n",
	       N - REMOVED, (long long)added_blocks, (long long)v2_rows, (double)(own2 + new_bytes) / (N - REMOVED),
	       (double)(own2 + sh2) / (N - REMOVED));
	assert_true(own2 + new_bytes < (own2 + sh2) / 2);
	printf("  membership: building v1 took %.2f s, v2 %.2f s\n", t1 - t0, t2 - t1);
	/* delta-coded ids cost about a byte or two each */
	assert_true((double)bytes_v1 / N < 3.0);
	/* v2's members are exactly v1's minus the removed */
	idvec m2 = {0};
	assert_int_equal(gr_catalog_members_each(c, v2.id, collect_id, &m2), 0);
	assert_int_equal(m2.n, nkeep);
	assert_memory_equal(m2.v, keep, nkeep * sizeof *keep);
	idvec m1 = {0};
	assert_int_equal(gr_catalog_members_each(c, v1.id, collect_id, &m1), 0);
	assert_int_equal(m1.n, N);
	assert_memory_equal(m1.v, rids, (size_t)N * sizeof *rids);
	for (int k = 0; k < REMOVED; k++) {
		bool in = true;
		assert_int_equal(gr_catalog_member_has(c, v2.id, removed[k], &in), 0);
		assert_false(in);
		assert_int_equal(gr_catalog_member_has(c, v1.id, removed[k], &in), 0);
		assert_true(in);
	}
	for (int k = 0; k < 200; k++) {
		size_t i = (size_t)k * 997 % nkeep;
		bool in = false;
		assert_int_equal(gr_catalog_member_has(c, v2.id, keep[i], &in), 0);
		assert_true(in);
	}
	/* reading only the blocks v1 and v2 do not share: every removed id is
	 * there, and far fewer ids than the version holds */
	idvec x1 = {0}, x2 = {0};
	assert_int_equal(gr_catalog_members_each_except(c, v1.id, v2.id, collect_id, &x1), 0);
	assert_int_equal(gr_catalog_members_each_except(c, v2.id, v1.id, collect_id, &x2), 0);
	assert_true(x1.n < (size_t)N / 5);
	assert_int_equal(x1.n, x2.n + REMOVED);
	for (int k = 0; k < REMOVED; k++) {
		bool found = false;
		for (size_t i = 0; i < x1.n && !found; i++)
			found = x1.v[i] == removed[k];
		assert_true(found);
	}
	for (size_t i = 1; i < x1.n; i++)
		assert_true(x1.v[i - 1] < x1.v[i]);
	free(x1.v);
	free(x2.v);
	/* the same members again share everything: no new blocks */
	assert_int_equal(gr_catalog_begin(c), 0);
	gr_version_info v3 = make_version(c, ds, keep, nkeep, &v2.id, 1, "copy");
	assert_int_equal(gr_catalog_commit(c), 0);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM member_blocks"), blocks_all);
	assert_memory_equal(v3.digest, v2.digest, GR_HASH_LEN);
	gr_buf problem = GR_BUF_INIT;
	assert_int_equal(gr_catalog_check(c, &problem), 0);
	gr_buf_free(&problem);
	sqlite3_close(db);
	free(m1.v);
	free(m2.v);
	free(keep);
	free(counts);
	free(rids);
	gr_version_info_release(&v1);
	gr_version_info_release(&v2);
	gr_version_info_release(&v3);
	gr_catalog_close(c);
}

static void test_member_cut(void **state)
{
	(void)state;
	/* below the minimum never cuts, at the maximum always cuts */
	for (int64_t rid = -5; rid < 20000; rid++) {
		for (uint32_t cnt = 0; cnt < GR_MEMBER_BLOCK_MIN; cnt += 7)
			assert_false(gr_member_cut(rid, cnt));
		assert_false(gr_member_cut(rid, GR_MEMBER_BLOCK_MIN - 1));
		assert_true(gr_member_cut(rid, GR_MEMBER_BLOCK_MAX));
		assert_true(gr_member_cut(rid, GR_MEMBER_BLOCK_MAX + 1));
		assert_true(gr_member_cut(rid, UINT32_MAX));
		/* between the bounds, the decision depends on the id alone and is repeatable */
		bool a = gr_member_cut(rid, GR_MEMBER_BLOCK_MIN);
		assert_true(gr_member_cut(rid, GR_MEMBER_BLOCK_MIN) == a);
		assert_true(gr_member_cut(rid, 1000) == a);
		assert_true(gr_member_cut(rid, GR_MEMBER_BLOCK_MAX - 1) == a);
	}
	/* the cut rate is about 1 / GR_MEMBER_BLOCK_AVG */
	int hits = 0;
	const int n = 4000000;
	for (int64_t rid = 1; rid <= n; rid++)
		hits += gr_member_cut(rid, 1000);
	double expect = (double)n / GR_MEMBER_BLOCK_AVG;
	if (hits < expect * 0.8 || hits > expect * 1.2)
		fail_msg("%d cuts in %d ids, expected about %.0f", hits, n, expect);
	/* blocks formed the way version_create forms them stay within bounds */
	uint32_t count = 0, blocks = 0, minb = UINT32_MAX, maxb = 0;
	for (int64_t rid = 1; rid <= n; rid++) {
		count++;
		if (gr_member_cut(rid, count)) {
			if (count < minb)
				minb = count;
			if (count > maxb)
				maxb = count;
			blocks++;
			count = 0;
		}
	}
	assert_true(minb >= GR_MEMBER_BLOCK_MIN);
	assert_true(maxb <= GR_MEMBER_BLOCK_MAX);
	assert_true(blocks > 0);
	/* consecutive ids: some cut, some do not (the hash is not constant) */
	int on = 0;
	for (int64_t rid = 0; rid < 100000; rid++)
		on += gr_member_cut(rid, 100);
	assert_true(on > 0 && on < 100000);
}

/* ---- store index ---- */

typedef struct {
	gr_chunk_loc locs[8];
	int n;
} loc_list;

static int collect_loc(const gr_chunk_loc *l, void *ctx)
{
	loc_list *ll = ctx;
	assert_true(ll->n < 8);
	ll->locs[ll->n++] = *l;
	return 0;
}

static int collect_frame_row(const gr_frame_row *f, void *ctx)
{
	idvec *iv = ctx;
	collect_id((int64_t)f->id, iv);
	return 0;
}

static int collect_frame_chunk(const uint8_t hash[GR_HASH_LEN], uint32_t off, uint32_t len, void *ctx)
{
	(void)hash;
	(void)len;
	idvec *iv = ctx;
	collect_id(off, iv);
	return 0;
}

static int collect_pack(int64_t id, const char *name, uint64_t size, void *ctx)
{
	(void)name;
	(void)size;
	idvec *iv = ctx;
	collect_id(id, iv);
	return 0;
}

static void test_content_chunks(void **state)
{
	(void)state;
	char path[256];
	gr_catalog *c = fresh(path, sizeof path);
	uint64_t next = 0;
	assert_int_equal(gr_catalog_next_frame_id(c, &next), 0);
	assert_true(next == 1);
	char pname[GR_HEX_LEN + 1];
	memset(pname, 'a', GR_HEX_LEN);
	pname[GR_HEX_LEN] = '\0';
	int64_t pack = 0;
	assert_int_equal(gr_catalog_begin(c), 0);
	assert_int_equal(gr_catalog_pack_add(c, pname, 99999, &pack), 0);
	int64_t dup = 0;
	assert_int_equal(gr_catalog_pack_add(c, pname, 1, &dup), GR_EEXIST);
	/* frames added out of offset order */
	assert_int_equal(gr_catalog_frame_add(c, 2, pack, 5000, 300, 900, 1), 0);
	assert_int_equal(gr_catalog_frame_add(c, 1, pack, 100, 400, 800, 3), 0);
	uint8_t h[5][GR_HASH_LEN];
	for (int i = 0; i < 5; i++)
		hash_of(h[i], "chunk", (uint64_t)i);
	/* frame 1 holds h0 h1 h2, frame 2 holds h3 */
	assert_int_equal(gr_catalog_chunk_add(c, h[2], 1, 500, 300), 0);
	assert_int_equal(gr_catalog_chunk_add(c, h[0], 1, 0, 200), 0);
	assert_int_equal(gr_catalog_chunk_add(c, h[1], 1, 200, 300), 0);
	assert_int_equal(gr_catalog_chunk_add(c, h[3], 2, 0, 900), 0);
	assert_int_equal(gr_catalog_chunk_add(c, h[3], 2, 0, 900), GR_EEXIST); /* stored once */
	/* single-chunk content: its hash is the chunk's; adding it again is no change */
	bool added = false;
	assert_int_equal(gr_catalog_content_add_single(c, h[3], 900, &added), 0);
	assert_true(added);
	assert_int_equal(gr_catalog_content_add_single(c, h[3], 900, &added), 0);
	assert_false(added);
	/* multi-chunk content, chunks not in frame order */
	uint8_t big[GR_HASH_LEN], list[3 * GR_HASH_LEN];
	hash_of(big, "big content", 0);
	memcpy(list, h[1], GR_HASH_LEN);
	memcpy(list + GR_HASH_LEN, h[3], GR_HASH_LEN);
	memcpy(list + 2 * GR_HASH_LEN, h[0], GR_HASH_LEN);
	assert_int_equal(gr_catalog_content_add(c, big, 300 + 900 + 200, list, 3), 0);
	/* a content naming a chunk that is not stored */
	uint8_t broken[GR_HASH_LEN], blist[2 * GR_HASH_LEN];
	hash_of(broken, "broken content", 0);
	memcpy(blist, h[0], GR_HASH_LEN);
	memcpy(blist + GR_HASH_LEN, h[4], GR_HASH_LEN);
	assert_int_equal(gr_catalog_content_add(c, broken, 10, blist, 2), 0);
	assert_int_equal(gr_catalog_commit(c), 0);
	assert_int_equal(gr_catalog_next_frame_id(c, &next), 0);
	assert_true(next == 3);
	bool has = false;
	assert_int_equal(gr_catalog_chunk_has(c, h[2], &has), 0);
	assert_true(has);
	assert_int_equal(gr_catalog_chunk_has(c, h[4], &has), 0);
	assert_false(has);
	assert_int_equal(gr_catalog_content_has(c, big, &has), 0);
	assert_true(has);
	assert_int_equal(gr_catalog_content_has(c, h[0], &has), 0);
	assert_false(has);
	/* single chunk */
	loc_list ll = {0};
	assert_int_equal(gr_catalog_content_chunks(c, h[3], collect_loc, &ll), 0);
	assert_int_equal(ll.n, 1);
	assert_memory_equal(ll.locs[0].hash, h[3], GR_HASH_LEN);
	assert_true(ll.locs[0].frame == 2);
	assert_int_equal(ll.locs[0].off, 0);
	assert_int_equal(ll.locs[0].len, 900);
	assert_string_equal(ll.locs[0].pack, pname);
	assert_true(ll.locs[0].frame_off == 5000);
	assert_int_equal(ll.locs[0].clen, 300);
	assert_int_equal(ll.locs[0].ulen, 900);
	/* multi chunk, in the content's order */
	memset(&ll, 0, sizeof ll);
	assert_int_equal(gr_catalog_content_chunks(c, big, collect_loc, &ll), 0);
	assert_int_equal(ll.n, 3);
	assert_memory_equal(ll.locs[0].hash, h[1], GR_HASH_LEN);
	assert_true(ll.locs[0].frame == 1);
	assert_int_equal(ll.locs[0].off, 200);
	assert_int_equal(ll.locs[0].len, 300);
	assert_true(ll.locs[0].frame_off == 100);
	assert_int_equal(ll.locs[0].clen, 400);
	assert_int_equal(ll.locs[0].ulen, 800);
	assert_memory_equal(ll.locs[1].hash, h[3], GR_HASH_LEN);
	assert_true(ll.locs[1].frame == 2);
	assert_memory_equal(ll.locs[2].hash, h[0], GR_HASH_LEN);
	assert_int_equal(ll.locs[2].off, 0);
	assert_int_equal(ll.locs[2].len, 200);
	uint64_t sum = 0;
	for (int i = 0; i < ll.n; i++)
		sum += ll.locs[i].len;
	assert_true(sum == 300 + 900 + 200);
	/* unknown content; content with a missing chunk */
	memset(&ll, 0, sizeof ll);
	assert_int_equal(gr_catalog_content_chunks(c, h[4], collect_loc, &ll), GR_ENOTFOUND);
	assert_int_equal(ll.n, 0);
	assert_int_equal(gr_catalog_content_chunks(c, broken, collect_loc, &ll), GR_ENOTFOUND);
	assert_int_equal(ll.n, 1); /* the first chunk was found before the missing one */
	/* listings */
	idvec packs = {0}, frames = {0}, offs = {0};
	assert_int_equal(gr_catalog_pack_each(c, collect_pack, &packs), 0);
	assert_int_equal(packs.n, 1);
	assert_true(packs.v[0] == pack);
	assert_int_equal(gr_catalog_pack_frames(c, pack, collect_frame_row, &frames), 0);
	assert_int_equal(frames.n, 2);
	assert_true(frames.v[0] == 1 && frames.v[1] == 2); /* by offset */
	assert_int_equal(gr_catalog_frame_chunks(c, 1, collect_frame_chunk, &offs), 0);
	assert_int_equal(offs.n, 3);
	assert_true(offs.v[0] == 0 && offs.v[1] == 200 && offs.v[2] == 500);
	/* records using a chunk, directly or as part of a content */
	int64_t r_small = add_record(c, (const uint8_t *)"rec-small-0123456789abcdef012345", h[3], 900);
	int64_t r_big = add_record(c, (const uint8_t *)"rec-big-0123456789abcdef01234567", big, 1400);
	idvec users = {0};
	assert_int_equal(gr_catalog_chunk_records(c, h[3], collect_id, &users), 0);
	assert_int_equal(users.n, 2);
	assert_true(users.v[0] == r_small && users.v[1] == r_big);
	users.n = 0;
	assert_int_equal(gr_catalog_chunk_records(c, h[1], collect_id, &users), 0);
	assert_int_equal(users.n, 1);
	assert_true(users.v[0] == r_big);
	users.n = 0;
	assert_int_equal(gr_catalog_chunk_records(c, h[2], collect_id, &users), 0);
	assert_int_equal(users.n, 0);
	free(users.v);
	free(packs.v);
	free(frames.v);
	free(offs.v);
	gr_catalog_close(c);
}

/* ---- health check ---- */

/* SQLite's cache lines come from the huge-page arena (pagemem.c): a
 * connection filling 16 KiB pages takes slots, closing it gives them back,
 * and what was written reads back. Under AddressSanitizer the arena is off,
 * so ASan sees SQLite's allocations. */
static void test_page_memory(void **state)
{
	(void)state;
	char path[512];
	gr_catalog *c = fresh(path, sizeof path); /* sets the allocator up */
	gr_catalog_close(c);
	gr_sqlite_memory m0, m1, m2;
	gr_sqlite_memory_stats(&m0);
	sqlite3 *db = raw_open(path);
	char *err = NULL;
	int rc = sqlite3_exec(db,
			      "PRAGMA cache_size = -65536; CREATE TABLE big(x BLOB); BEGIN;"
			      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) "
			      "INSERT INTO big SELECT randomblob(1000 + i % 7) FROM n;",
			      NULL, NULL, &err);
	if (rc != SQLITE_OK)
		fail_msg("insert: %s", err ? err : "?");
	gr_sqlite_memory_stats(&m1);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM big"), 3000);
	int64_t bytes = 0;
	for (int i = 1; i <= 3000; i++)
		bytes += 1000 + i % 7;
	assert_int_equal(raw_int(db, "SELECT sum(length(x)) FROM big"), bytes);
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	gr_sqlite_memory_stats(&m2);
#if defined(__SANITIZE_ADDRESS__)
	assert_false(m1.active);
	assert_int_equal(m1.slots_used, 0);
#else
	assert_true(m1.active);
	assert_true(m1.slot_bytes >= 16384);
	/* 3 MB of rows in 16 KiB pages, all dirty in the open transaction */
	if (m1.slots_used < m0.slots_used + 150)
		fail_msg("%zu cache lines in slots (%zu before)", m1.slots_used, m0.slots_used);
	assert_true(m1.slots_peak >= m1.slots_used && m1.slots_made >= m1.slots_peak);
	assert_int_equal(m2.slots_used, m0.slots_used); /* all given back */
#endif
}

static void test_check(void **state)
{
	(void)state;
	char path[256];
	gr_catalog *c = fresh(path, sizeof path);
	uint8_t content[GR_HASH_LEN], addr[GR_HASH_LEN];
	hash_of(content, "c", 0);
	hash_of(addr, "a", 0);
	assert_int_equal(gr_catalog_content_add(c, content, 5, NULL, 0), 0);
	int64_t rid = add_record(c, addr, content, 5);
	int64_t ds;
	assert_int_equal(gr_catalog_dataset_add(c, "d", &ds), 0);
	gr_version_info v = make_version(c, ds, &rid, 1, NULL, 0, "ingest");
	gr_version_info_release(&v);
	gr_buf problem = GR_BUF_INIT;
	assert_int_equal(gr_catalog_check(c, &problem), 0);
	assert_int_equal(problem.len, 0);
	assert_int_equal(gr_catalog_checkpoint(c), 0);
	char wal[300];
	snprintf(wal, sizeof wal, "%s-wal", path);
	struct stat st;
	if (stat(wal, &st) == 0)
		assert_int_equal(st.st_size, 0);
	/* break a foreign key behind the catalog's back: check must notice */
	sqlite3 *db = raw_open(path);
	raw_exec(db, "PRAGMA foreign_keys = OFF");
	raw_exec(db, "INSERT INTO records(addr, content, len) VALUES (x'00', x'0102', 1)");
	sqlite3_close(db);
	assert_int_equal(gr_catalog_check(c, &problem), GR_ECORRUPT);
	assert_non_null(strstr(problem.ptr, "records"));
	gr_buf_free(&problem);
	gr_catalog_close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schema_created),
		cmocka_unit_test(test_stage_union),
		cmocka_unit_test(test_reopen_keeps_data),
		cmocka_unit_test(test_newer_schema_refused),
		cmocka_unit_test(test_migrates_empty_file),
		cmocka_unit_test(test_rollback),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_members_each_stops),
		cmocka_unit_test(test_membership_sharing),
		cmocka_unit_test(test_member_cut),
		cmocka_unit_test(test_content_chunks),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_page_memory),
	};
	return cmocka_run_group_tests_name("catalog", tests, group_setup, group_teardown);
}
