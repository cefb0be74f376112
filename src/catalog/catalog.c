/*
 * The catalog on SQLite. Statements used on hot paths are prepared once and
 * kept in a table indexed by enum stmt_id. Every SQLite failure is turned into
 * a gr_err with SQLite's message at the place it happened.
 */
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "catalog/migrations.h"

enum stmt_id {
	S_CONTENT_HAS,
	S_CHUNK_HAS,
	S_CHUNK_ADD,
	S_CONTENT_ADD,
	S_CONTENT_ADD_SINGLE,
	S_RECORD_FIND,
	S_RECORD_ADD,
	S_RECORD_WEB_ADD,
	S_CONTENT_BY_WARC_ID,
	S_CONTENT_BY_DIGEST,
	S_RECORD_LEN,
	S_FRAME_ADD,
	S_PACK_ADD,
	S_CONTENT_GET,
	S_CHUNK_LOC,
	S_MEMBER_BLOCKS,
	S_RECORD_GET,
	S_SCAN_PUT,
	S_SCAN_HAS,
	S_MINHASH_GET,
	S_MINHASH_PUT,
	S_DUP_ADD,
	S_RECORD_CONTENT,
	S_COUNT
};

static const char *const stmt_sql[S_COUNT] = {
	[S_CONTENT_HAS] = "SELECT 1 FROM contents WHERE hash = ?1",
	[S_CHUNK_HAS] = "SELECT 1 FROM chunks WHERE hash = ?1",
	[S_CHUNK_ADD] = "INSERT INTO chunks(hash, frame, off, len) VALUES (?1, ?2, ?3, ?4)",
	[S_CONTENT_ADD] = "INSERT INTO contents(hash, len, chunks) VALUES (?1, ?2, ?3)",
	[S_CONTENT_ADD_SINGLE] = "INSERT OR IGNORE INTO contents(hash, len, chunks) VALUES (?1, ?2, NULL)",
	[S_RECORD_FIND] = "SELECT id FROM records WHERE addr = ?1",
	[S_RECORD_WEB_ADD] = "INSERT OR REPLACE INTO record_web(record, warc_id, status, media_type, lang, tdm_reservation, "
			     "tdm_policy, noai, noimageai, license, license_url, payload_digest) "
			     "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
	[S_CONTENT_BY_DIGEST] = "SELECT r.content, r.len FROM record_web w JOIN records r ON r.id = w.record "
				"WHERE w.payload_digest = ?1 LIMIT 1",
	[S_CONTENT_BY_WARC_ID] = "SELECT r.content, r.len FROM record_web w JOIN records r ON r.id = w.record "
				 "WHERE w.warc_id = ?1 LIMIT 1",
	[S_RECORD_ADD] = "INSERT INTO records(addr, content, url, domain, ts, source, len, meta) "
			 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[S_RECORD_LEN] = "SELECT len FROM records WHERE id = ?1",
	[S_FRAME_ADD] = "INSERT INTO frames(id, pack, off, clen, ulen, nchunks) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[S_PACK_ADD] = "INSERT INTO packs(name, size, created) VALUES (?1, ?2, ?3)",
	[S_CONTENT_GET] = "SELECT len, chunks FROM contents WHERE hash = ?1",
	[S_CHUNK_LOC] = "SELECT c.frame, c.off, c.len, p.name, f.off, f.clen, f.ulen "
			"FROM chunks c JOIN frames f ON f.id = c.frame JOIN packs p ON p.id = f.pack "
			"WHERE c.hash = ?1",
	[S_RECORD_GET] = "SELECT r.addr, r.content, r.url, r.domain, r.ts, s.name, r.len, r.meta "
			 "FROM records r LEFT JOIN sources s ON s.id = r.source WHERE r.id = ?1",
	[S_SCAN_PUT] = "INSERT OR REPLACE INTO scans(content, scanner, pii_email, pii_phone, pii_ip_address, "
		       "pii_credit_card, pii_iban, pii_us_ssn, pii_secret, words, lines, mean_word_len, symbol_ratio, "
		       "punct_line_frac, alpha_word_frac, dup_line_frac, dup_line_char_frac) "
		       "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[S_SCAN_HAS] = "SELECT 1 FROM scans WHERE content = ?1 AND scanner >= ?2",
	[S_MINHASH_GET] = "SELECT sig FROM minhash WHERE content = ?1 AND scheme = ?2",
	[S_MINHASH_PUT] = "INSERT OR REPLACE INTO minhash(content, scheme, sig) VALUES (?1, ?2, ?3)",
	[S_DUP_ADD] = "INSERT OR REPLACE INTO duplicates(version, record, dup_of, kind) VALUES (?1, ?2, ?3, ?4)",
	[S_RECORD_CONTENT] = "SELECT content, len FROM records WHERE id = ?1",
	[S_MEMBER_BLOCKS] = "SELECT m.data FROM version_blocks v JOIN member_blocks m ON m.hash = v.block "
			    "WHERE v.version = ?1 ORDER BY v.first",
};

struct gr_catalog {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *st[S_COUNT];
	/* the staged members of the version being built: a bit per record id
	 * (ids are dense rowids: 1.25 MB per 10 million), their count and bytes */
	bool staging;
	uint64_t *stage_bits;
	size_t stage_words;
	uint64_t stage_count, stage_bytes;
};

static int db_err(gr_catalog *c, const char *what)
{
	int code = sqlite3_errcode(c->db);
	int gr = GR_EIO;
	if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
		gr = GR_EBUSY;
	else if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
		gr = GR_ECORRUPT;
	else if (code == SQLITE_NOMEM)
		gr = GR_ENOMEM;
	else if (code == SQLITE_CONSTRAINT)
		gr = GR_EEXIST;
	else if (code == SQLITE_FULL)
		gr = GR_ELIMIT;
	return gr_error_set(gr, "catalog: %s: %s", what, sqlite3_errmsg(c->db));
}

static int exec(gr_catalog *c, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(c->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int rc = gr_error_set(GR_EIO, "catalog: %s", msg ? msg : sqlite3_errmsg(c->db));
		sqlite3_free(msg);
		return rc;
	}
	return 0;
}

static sqlite3_stmt *stmt(gr_catalog *c, enum stmt_id id)
{
	sqlite3_stmt *s = c->st[id];
	if (!s) {
		if (sqlite3_prepare_v3(c->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
			db_err(c, "prepare");
			return NULL;
		}
		c->st[id] = s;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

static int prepare(gr_catalog *c, const char *sql, sqlite3_stmt **out)
{
	if (sqlite3_prepare_v2(c->db, sql, -1, out, NULL) != SQLITE_OK)
		return db_err(c, "prepare");
	return 0;
}

/* Runs a prepared statement that returns no rows. */
static int step_done(gr_catalog *c, sqlite3_stmt *s, const char *what)
{
	int r = sqlite3_step(s);
	int rc = r == SQLITE_DONE || r == SQLITE_ROW ? 0 : db_err(c, what);
	sqlite3_reset(s);
	return rc;
}

static char *col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return t ? gr_strdup((const char *)t) : NULL;
}

/* Applies the migrations newer than the database's user_version, each in
 * its own transaction (also used by access.c for access.db). */
int gr_sqlite_migrate(sqlite3 *db, const struct gr_migration *m, size_t n, const char *what)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return gr_error_set(GR_EIO, "%s: %s", what, sqlite3_errmsg(db));
	int have = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
	sqlite3_finalize(s);
	int newest = n ? m[n - 1].version : 0;
	if (have > newest)
		return gr_error_set(GR_EINVAL, "%s schema version %d is newer than this granary knows (%d); upgrade granary",
				    what, have, newest);
	for (size_t i = 0; i < n; i++) {
		if (m[i].version <= have)
			continue;
		char sql[64];
		snprintf(sql, sizeof sql, ";PRAGMA user_version = %d; COMMIT", m[i].version);
		char *msg = NULL;
		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK ||
		    sqlite3_exec(db, m[i].sql, NULL, NULL, &msg) != SQLITE_OK ||
		    sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
			int rc = gr_error_set(GR_EIO, "%s: migration %s: %s", what, m[i].name, msg ? msg : sqlite3_errmsg(db));
			sqlite3_free(msg);
			if (!sqlite3_get_autocommit(db))
				sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return rc;
		}
	}
	return 0;
}

int gr_catalog_open(gr_catalog **out, const char *path, bool create)
{
	gr_catalog *c = calloc(1, sizeof *c);
	if (!c)
		return gr_error_set(GR_ENOMEM, "out of memory");
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
	int rc;
	if (!(c->path = gr_strdup(path))) {
		rc = gr_error_set(GR_ENOMEM, "out of memory");
		goto fail;
	}
	gr_sqlite_memory_setup();
	if (sqlite3_open_v2(path, &c->db, flags, NULL) != SQLITE_OK) {
		rc = c->db ? gr_error_set(GR_ENOTFOUND, "cannot open catalog %s: %s", path, sqlite3_errmsg(c->db))
			   : gr_error_set(GR_ENOMEM, "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(c->db, 10000);
	/* closing must not stall on a checkpoint of a large WAL: gc and later
	 * commits (wal_autocheckpoint below) move the pages home */
	sqlite3_db_config(c->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	sqlite3_extended_result_codes(c->db, 0);
	/* page_size only takes effect when the file is created (WAL mode fixes it):
	 * 16 KiB pages make an ingest's commit a quarter as many WAL writes as
	 * 4 KiB ones, which is most of its serial tail; older catalogs keep theirs.
	 * The cache (128 MiB at most; pages are allocated as used, so a small
	 * hub pays nothing) holds the hash indexes an ingest inserts into at
	 * random places (records.addr, contents, chunks): measured on a million
	 * records of ~100 bytes, 12 MiB made every insert read and spill a page
	 * (85 s, 42 s of it in pread/pwrite), 128 MiB took 39 s. */
	if ((rc = exec(c, "PRAGMA page_size = 16384; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
			  "PRAGMA foreign_keys = ON; PRAGMA cache_size = -131072; PRAGMA temp_store = FILE;")))
		goto fail;
	/* checkpoint at commit only past 64 MiB of WAL: a commit then costs one
	 * WAL fsync, and gc (or a later commit) moves the pages home */
	sqlite3_stmt *ps;
	if ((rc = prepare(c, "PRAGMA page_size", &ps)))
		goto fail;
	int page = sqlite3_step(ps) == SQLITE_ROW ? sqlite3_column_int(ps, 0) : 0;
	sqlite3_finalize(ps);
	char ckpt[64];
	snprintf(ckpt, sizeof ckpt, "PRAGMA wal_autocheckpoint = %d", (64 << 20) / (page > 0 ? page : 4096));
	if ((rc = exec(c, ckpt)))
		goto fail;
	if ((rc = gr_sqlite_migrate(c->db, gr_migrations, gr_migration_count, "catalog")))
		goto fail;
	*out = c;
	return 0;
fail:
	gr_catalog_close(c);
	return rc;
}

void gr_catalog_close(gr_catalog *c)
{
	if (!c)
		return;
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(c->st[i]);
	free(c->stage_bits);
	sqlite3_close(c->db);
	free(c->path);
	free(c);
}

int gr_catalog_schema_version(gr_catalog *c)
{
	sqlite3_stmt *s;
	if (prepare(c, "PRAGMA user_version", &s))
		return -1;
	int v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
	sqlite3_finalize(s);
	return v;
}

int gr_catalog_begin(gr_catalog *c)
{
	return exec(c, "BEGIN IMMEDIATE");
}

int gr_catalog_commit(gr_catalog *c)
{
	/* a large transaction (an ingest's 22 MB of pages) is written to the
	 * WAL by COMMIT, then fsynced: the disk starts on the pages while the
	 * rest are written (the bench ingest's COMMIT: median 57 -> 42 ms) */
	gr_writeback wb = {.fd = -1};
	int used = 0, high = 0;
	const char *db = sqlite3_db_filename(c->db, "main");
	char wal[4096];
	if (sqlite3_db_status(c->db, SQLITE_DBSTATUS_CACHE_USED, &used, &high, 0) == SQLITE_OK &&
	    used > (4 << 20) && db && *db && snprintf(wal, sizeof wal, "%s-wal", db) < (int)sizeof wal)
		gr_writeback_start(&wb, open(wal, O_RDONLY | O_CLOEXEC));
	int rc = exec(c, "COMMIT");
	gr_writeback_stop(&wb);
	return rc;
}

void gr_catalog_rollback(gr_catalog *c)
{
	if (!sqlite3_get_autocommit(c->db))
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
}

int gr_catalog_checkpoint(gr_catalog *c)
{
	if (sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) != SQLITE_OK)
		return db_err(c, "checkpoint");
	return 0;
}

struct member_check {
	gr_catalog *c;
	sqlite3_stmt *find;
	gr_buf *problem;
};

static int block_decode(const uint8_t *p, size_t n, int (*cb)(int64_t rid, void *ctx), void *ctx);

static int member_exists(int64_t rid, void *ctx)
{
	struct member_check *m = ctx;
	sqlite3_reset(m->find);
	sqlite3_bind_int64(m->find, 1, rid);
	int r = sqlite3_step(m->find);
	if (r == SQLITE_ROW)
		return 0;
	if (r != SQLITE_DONE)
		return db_err(m->c, "membership check");
	gr_tombstone t;
	if (gr_catalog_tombstone_get(m->c, rid, &t) == 0)
		return 0; /* removed: older versions keep naming it */
	return gr_buf_printf(m->problem, "a version's membership names record %lld, which does not exist",
			     (long long)rid)
		       ? GR_ENOMEM
		       : GR_ECORRUPT;
}

int gr_catalog_check(gr_catalog *c, gr_buf *problem)
{
	sqlite3_stmt *s;
	int rc = prepare(c, "PRAGMA integrity_check", &s);
	if (rc)
		return rc;
	if (sqlite3_step(s) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(s, 0);
		if (t && strcmp(t, "ok") != 0)
			rc = gr_buf_printf(problem, "catalog integrity: %s", t) ? GR_ENOMEM : GR_ECORRUPT;
	}
	sqlite3_finalize(s);
	if (rc)
		return rc;
	if ((rc = prepare(c, "PRAGMA foreign_key_check", &s)))
		return rc;
	if (sqlite3_step(s) == SQLITE_ROW) {
		rc = gr_buf_printf(problem, "catalog foreign key broken in table %s row %lld",
				   sqlite3_column_text(s, 0), (long long)sqlite3_column_int64(s, 1))
			     ? GR_ENOMEM
			     : GR_ECORRUPT;
	}
	sqlite3_finalize(s);
	if (rc)
		return rc;
	/* membership blocks are blobs, out of the foreign keys' sight: every id
	 * they hold must be a record */
	struct member_check mc = {.c = c, .problem = problem};
	if ((rc = prepare(c, "SELECT 1 FROM records WHERE id = ?1", &mc.find)))
		return rc;
	if ((rc = prepare(c, "SELECT data FROM member_blocks", &s))) {
		sqlite3_finalize(mc.find);
		return rc;
	}
	int r;
	while (!rc && (r = sqlite3_step(s)) == SQLITE_ROW)
		rc = block_decode(sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0), member_exists, &mc);
	if (!rc && r != SQLITE_DONE)
		rc = db_err(c, "membership check");
	if (rc == GR_ECORRUPT && !problem->len)
		gr_buf_printf(problem, "catalog membership: %s", gr_error_last());
	sqlite3_finalize(s);
	sqlite3_finalize(mc.find);
	return rc;
}

/* ------------------------------------------------------------------ sources */

int gr_catalog_source_license(gr_catalog *c, const char *name, const char *license)
{
	sqlite3_stmt *s;
	int rc = prepare(c, "UPDATE sources SET license = ?2 WHERE name = ?1", &s);
	if (rc)
		return rc;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, license, -1, SQLITE_STATIC);
	if (!(rc = step_done(c, s, "set source licence")) && sqlite3_changes(c->db) == 0)
		rc = gr_error_set(GR_ENOTFOUND, "no source named '%s' (granary query: SELECT DISTINCT source FROM records)",
				  name);
	sqlite3_finalize(s);
	return rc;
}

int gr_catalog_source_get_or_add(gr_catalog *c, const char *name, const char *uri, int64_t *id_out)
{
	sqlite3_stmt *s;
	int rc = prepare(c, "SELECT id FROM sources WHERE name = ?1", &s);
	if (rc)
		return rc;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		*id_out = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
		return 0;
	}
	sqlite3_finalize(s);
	char now[32];
	gr_time_iso(now, gr_time_now());
	if ((rc = prepare(c, "INSERT INTO sources(name, uri, retrieved, created) VALUES (?1, ?2, ?3, ?3)", &s)))
		return rc;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, uri, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, now, -1, SQLITE_STATIC);
	rc = step_done(c, s, "add source");
	sqlite3_finalize(s);
	if (!rc)
		*id_out = sqlite3_last_insert_rowid(c->db);
	return rc;
}

/* ------------------------------------------------------------------ store index */

int gr_catalog_next_frame_id(gr_catalog *c, uint64_t *out)
{
	sqlite3_stmt *s;
	int rc = prepare(c, "SELECT coalesce(max(id), 0) + 1 FROM frames", &s);
	if (rc)
		return rc;
	*out = sqlite3_step(s) == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(s, 0) : 1;
	sqlite3_finalize(s);
	return 0;
}

int gr_catalog_pack_add(gr_catalog *c, const char *name, uint64_t size, int64_t *id_out)
{
	sqlite3_stmt *s = stmt(c, S_PACK_ADD);
	if (!s)
		return GR_EIO;
	char now[32];
	gr_time_iso(now, gr_time_now());
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)size);
	sqlite3_bind_text(s, 3, now, -1, SQLITE_TRANSIENT);
	int rc = step_done(c, s, "add pack");
	if (!rc)
		*id_out = sqlite3_last_insert_rowid(c->db);
	return rc;
}

int gr_catalog_frame_add(gr_catalog *c, uint64_t id, int64_t pack, uint64_t off, uint32_t clen, uint32_t ulen,
			 uint32_t nchunks)
{
	sqlite3_stmt *s = stmt(c, S_FRAME_ADD);
	if (!s)
		return GR_EIO;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)id);
	sqlite3_bind_int64(s, 2, pack);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)off);
	sqlite3_bind_int64(s, 4, clen);
	sqlite3_bind_int64(s, 5, ulen);
	sqlite3_bind_int64(s, 6, nchunks);
	return step_done(c, s, "add frame");
}

static int has(gr_catalog *c, enum stmt_id id, const uint8_t hash[GR_HASH_LEN], bool *out)
{
	sqlite3_stmt *s = stmt(c, id);
	if (!s)
		return GR_EIO;
	sqlite3_bind_blob(s, 1, hash, GR_HASH_LEN, SQLITE_STATIC);
	int r = sqlite3_step(s);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return db_err(c, "lookup");
	*out = r == SQLITE_ROW;
	sqlite3_reset(s);
	return 0;
}

int gr_catalog_content_has(gr_catalog *c, const uint8_t hash[GR_HASH_LEN], bool *out)
{
	return has(c, S_CONTENT_HAS, hash, out);
}

int gr_catalog_chunk_has(gr_catalog *c, const uint8_t hash[GR_HASH_LEN], bool *out)
{
	return has(c, S_CHUNK_HAS, hash, out);
}

int gr_catalog_chunk_add(gr_catalog *c, const uint8_t hash[GR_HASH_LEN], uint64_t frame, uint32_t off, uint32_t len)
{
	sqlite3_stmt *s = stmt(c, S_CHUNK_ADD);
	if (!s)
		return GR_EIO;
	sqlite3_bind_blob(s, 1, hash, GR_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)frame);
	sqlite3_bind_int64(s, 3, off);
	sqlite3_bind_int64(s, 4, len);
	return step_done(c, s, "add chunk");
}

int gr_catalog_content_add(gr_catalog *c, const uint8_t hash[GR_HASH_LEN], uint64_t len,
			   const uint8_t *chunk_hashes, size_t n)
{
	sqlite3_stmt *s = stmt(c, S_CONTENT_ADD);
	if (!s)
		return GR_EIO;
	sqlite3_bind_blob(s, 1, hash, GR_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)len);
	if (chunk_hashes)
		sqlite3_bind_blob(s, 3, chunk_hashes, (int)(n * GR_HASH_LEN), SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 3);
	return step_done(c, s, "add content");
}

int gr_catalog_content_add_single(gr_catalog *c, const uint8_t hash[GR_HASH_LEN], uint64_t len, bool *added)
{
	sqlite3_stmt *s = stmt(c, S_CONTENT_ADD_SINGLE);
	if (!s)
		return GR_EIO;
	sqlite3_bind_blob(s, 1, hash, GR_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)len);
	int rc = step_done(c, s, "add content");
	if (!rc)
		*added = sqlite3_changes(c->db) > 0;
	return rc;
}

static int not_indexed(sqlite3_stmt *s, const char *what, const uint8_t hash[GR_HASH_LEN])
{
	char hex[GR_HEX_LEN + 1];
	gr_hex(hex, hash, GR_HASH_LEN);
	sqlite3_reset(s);
	return gr_error_set(GR_ENOTFOUND, "%s %.16s is not in the store index", what, hex);
}

static int chunk_loc(gr_catalog *c, const uint8_t hash[GR_HASH_LEN], gr_chunk_loc *l)
{
	sqlite3_stmt *s = stmt(c, S_CHUNK_LOC);
	if (!s)
		return GR_EIO;
	sqlite3_bind_blob(s, 1, hash, GR_HASH_LEN, SQLITE_STATIC);
	int r = sqlite3_step(s);
	if (r == SQLITE_DONE)
		return not_indexed(s, "chunk", hash);
	if (r != SQLITE_ROW)
		return db_err(c, "chunk lookup");
	memcpy(l->hash, hash, GR_HASH_LEN);
	l->frame = (uint64_t)sqlite3_column_int64(s, 0);
	l->off = (uint32_t)sqlite3_column_int64(s, 1);
	l->len = (uint32_t)sqlite3_column_int64(s, 2);
	const char *p = (const char *)sqlite3_column_text(s, 3);
	snprintf(l->pack, sizeof l->pack, "%s", p ? p : "");
	l->frame_off = (uint64_t)sqlite3_column_int64(s, 4);
	l->clen = (uint32_t)sqlite3_column_int64(s, 5);
	l->ulen = (uint32_t)sqlite3_column_int64(s, 6);
	sqlite3_reset(s);
	return 0;
}

int gr_catalog_content_chunks(gr_catalog *c, const uint8_t hash[GR_HASH_LEN],
			      int (*cb)(const gr_chunk_loc *l, void *ctx), void *ctx)
{
	sqlite3_stmt *s = stmt(c, S_CONTENT_GET);
	if (!s)
		return GR_EIO;
	sqlite3_bind_blob(s, 1, hash, GR_HASH_LEN, SQLITE_STATIC);
	int r = sqlite3_step(s);
	if (r == SQLITE_DONE)
		return not_indexed(s, "content", hash);
	if (r != SQLITE_ROW)
		return db_err(c, "content lookup");
	int rc = 0;
	gr_chunk_loc l;
	if (sqlite3_column_type(s, 1) == SQLITE_NULL) {
		sqlite3_reset(s);
		if (!(rc = chunk_loc(c, hash, &l)))
			rc = cb(&l, ctx);
		return rc;
	}
	int n = sqlite3_column_bytes(s, 1);
	uint8_t *list = gr_malloc((size_t)n);
	if (!list) {
		sqlite3_reset(s);
		return GR_ENOMEM;
	}
	memcpy(list, sqlite3_column_blob(s, 1), (size_t)n);
	sqlite3_reset(s);
	if (n % GR_HASH_LEN)
		rc = gr_error_set(GR_ECORRUPT, "content has a malformed chunk list");
	for (int i = 0; !rc && i < n / GR_HASH_LEN; i++)
		if (!(rc = chunk_loc(c, list + (size_t)i * GR_HASH_LEN, &l)))
			rc = cb(&l, ctx);
	free(list);
	return rc;
}

int gr_catalog_chunk_loc(gr_catalog *c, const uint8_t hash[GR_HASH_LEN], gr_chunk_loc *out)
{
	return chunk_loc(c, hash, out);
}

int gr_catalog_pack_known(gr_catalog *c, const char *name, bool *known)
{
	sqlite3_stmt *s;
	int rc = prepare(c, "SELECT 1 FROM packs WHERE name = ?1", &s);
	if (rc)
		return rc;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	int r = sqlite3_step(s);
	*known = r == SQLITE_ROW;
	rc = r == SQLITE_ROW || r == SQLITE_DONE ? 0 : db_err(c, "pack lookup");
	sqlite3_finalize(s);
	return rc;
}

int gr_catalog_pack_each(gr_catalog *c, int (*cb)(int64_t id, const char *name, uint64_t size, void *ctx), void *ctx)
{
	sqlite3_stmt *s;
	int rc = prepare(c, "SELECT id, name, size FROM packs ORDER BY id", &s), r;
	if (rc)
		return rc;
	while (!rc && (r = sqlite3_step(s)) == SQLITE_ROW)
		rc = cb(sqlite3_column_int64(s, 0), (const char *)sqlite3_column_text(s, 1),
			(uint64_t)sqlite3_column_int64(s, 2), ctx);
	sqlite3_finalize(s);
	return rc;
}

int gr_catalog_pack_frames(gr_catalog *c, int64_t pack, int (*cb)(const gr_frame_row *f, void *ctx), void *ctx)
{
	sqlite3_stmt *s;
	int rc = prepare(c, "SELECT id, off, clen, ulen, nchunks FROM frames WHERE pack = ?1 ORDER BY off", &s);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, pack);
	while (!rc && sqlite3_step(s) == SQLITE_ROW) {
		gr_frame_row f = {(uint64_t)sqlite3_column_int64(s, 0), (uint64_t)sqlite3_column_int64(s, 1),
				  (uint32_t)sqlite3_column_int64(s, 2), (uint32_t)sqlite3_column_int64(s, 3),
				  (uint32_t)sqlite3_column_int64(s, 4)};
		rc = cb(&f, ctx);
	}
	sqlite3_finalize(s);
	return rc;
}

int gr_catalog_frame_chunks(gr_catalog *c, uint64_t frame,
			    int (*cb)(const uint8_t hash[GR_HASH_LEN], uint32_t off, uint32_t len, void *ctx), void *ctx)
{
	sqlite3_stmt *s;
	int rc = prepare(c, "SELECT hash, off, len FROM chunks WHERE frame = ?1 ORDER BY off", &s);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)frame);
	while (!rc && sqlite3_step(s) == SQLITE_ROW) {
		if (sqlite3_column_bytes(s, 0) != GR_HASH_LEN) {
			rc = gr_error_set(GR_ECORRUPT, "chunk row with a malformed hash");
			break;
		}
		rc = cb(sqlite3_column_blob(s, 0), (uint32_t)sqlite3_column_int64(s, 1),
			(uint32_t)sqlite3_column_int64(s, 2), ctx);
	}
	sqlite3_finalize(s);
	return rc;
}

int gr_catalog_chunk_records(gr_catalog *c, const uint8_t chunk[GR_HASH_LEN], int (*cb)(int64_t rid, void *ctx),
			     void *ctx)
{
	/* a chunk is either a whole content (same hash) or part of a multi-chunk one */
	sqlite3_stmt *s;
	int rc = prepare(c,
			 "SELECT r.id FROM records r WHERE r.content = ?1 "
			 "UNION SELECT r.id FROM contents t JOIN records r ON r.content = t.hash "
			 "WHERE t.chunks IS NOT NULL AND instr(t.chunks, ?1) > 0 ORDER BY 1",
			 &s);
	if (rc)
		return rc;
	sqlite3_bind_blob(s, 1, chunk, GR_HASH_LEN, SQLITE_STATIC);
	while (!rc && sqlite3_step(s) == SQLITE_ROW)
		rc = cb(sqlite3_column_int64(s, 0), ctx);
	sqlite3_finalize(s);
	return rc;
}

/* ------------------------------------------------------------------ records */

int gr_catalog_record_find(gr_catalog *c, const uint8_t addr[GR_HASH_LEN], int64_t *rid_out)
{
	sqlite3_stmt *s = stmt(c, S_RECORD_FIND);
	if (!s)
		return GR_EIO;
	sqlite3_bind_blob(s, 1, addr, GR_HASH_LEN, SQLITE_STATIC);
	int r = sqlite3_step(s);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return db_err(c, "record lookup");
	*rid_out = r == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_reset(s);
	return 0;
}

int gr_catalog_record_add(gr_catalog *c, const gr_record_row *r, int64_t *rid_out)
{
	sqlite3_stmt *s = stmt(c, S_RECORD_ADD);
	if (!s)
		return GR_EIO;
	sqlite3_bind_blob(s, 1, r->addr, GR_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, r->content, GR_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, r->url, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, r->domain, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, r->ts, -1, SQLITE_STATIC);
	if (r->source)
		sqlite3_bind_int64(s, 6, r->source);
	sqlite3_bind_int64(s, 7, (sqlite3_int64)r->len);
	if (r->meta)
		sqlite3_bind_text(s, 8, r->meta, (int)r->meta_len, SQLITE_STATIC);
	int rc = step_done(c, s, "add record");
	if (!rc)
		*rid_out = sqlite3_last_insert_rowid(c->db);
	return rc;
}

static void bind_opt_text(sqlite3_stmt *s, int i, const char *t)
{
	if (t)
		sqlite3_bind_text(s, i, t, -1, SQLITE_STATIC);
}

int gr_catalog_record_web_add(gr_catalog *c, int64_t rid, const gr_record_web *w)
{
	sqlite3_stmt *s = stmt(c, S_RECORD_WEB_ADD);
	if (!s)
		return GR_EIO;
	sqlite3_bind_int64(s, 1, rid);
	bind_opt_text(s, 2, w->warc_id);
	if (w->status)
		sqlite3_bind_int(s, 3, w->status);
	bind_opt_text(s, 4, w->media_type);
	bind_opt_text(s, 5, w->lang);
	sqlite3_bind_int(s, 6, w->tdm_reservation);
	bind_opt_text(s, 7, w->tdm_policy);
	sqlite3_bind_int(s, 8, w->noai);
	sqlite3_bind_int(s, 9, w->noimageai);
	bind_opt_text(s, 10, w->license);
	bind_opt_text(s, 11, w->license_url);
	bind_opt_text(s, 12, w->payload_digest);
	return step_done(c, s, "add record_web");
}

static int content_by(gr_catalog *c, enum stmt_id id, const char *key, uint8_t content[GR_HASH_LEN], uint64_t *len)
{
	sqlite3_stmt *s = stmt(c, id);
	if (!s)
		return GR_EIO;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	int r = sqlite3_step(s);
	int rc = GR_ENOTFOUND;
	if (r == SQLITE_ROW && sqlite3_column_bytes(s, 0) == GR_HASH_LEN) {
		memcpy(content, sqlite3_column_blob(s, 0), GR_HASH_LEN);
		*len = (uint64_t)sqlite3_column_int64(s, 1);
		rc = 0;
	} else if (r != SQLITE_DONE && r != SQLITE_ROW) {
		rc = db_err(c, "capture lookup");
	}
	sqlite3_reset(s);
	return rc;
}

int gr_catalog_content_by_capture(gr_catalog *c, const char *warc_id, const char *digest, uint8_t content[GR_HASH_LEN],
				  uint64_t *len)
{
	int rc = warc_id ? content_by(c, S_CONTENT_BY_WARC_ID, warc_id, content, len) : GR_ENOTFOUND;
	if (rc == GR_ENOTFOUND && digest)
		rc = content_by(c, S_CONTENT_BY_DIGEST, digest, content, len);
	if (rc == GR_ENOTFOUND)
		return gr_error_set(GR_ENOTFOUND, "no capture %s", warc_id ? warc_id : digest ? digest : "");
	return rc;
}

void gr_record_info_release(gr_record_info *r)
{
	if (!r)
		return;
	free(r->url);
	free(r->domain);
	free(r->ts);
	free(r->source);
	free(r->meta);
	memset(r, 0, sizeof *r);
}

int gr_catalog_record_get(gr_catalog *c, int64_t rid, gr_record_info *out)
{
	/* the cached statement: callers read records in tight loops (export) */
	sqlite3_stmt *s = stmt(c, S_RECORD_GET);
	if (!s)
		return GR_EIO;
	sqlite3_bind_int64(s, 1, rid);
	int r = sqlite3_step(s);
	if (r != SQLITE_ROW) {
		int rc = r == SQLITE_DONE ? 0 : db_err(c, "record");
		sqlite3_reset(s);
		if (rc)
			return rc;
		gr_tombstone t;
		if (gr_catalog_tombstone_get(c, rid, &t) == 0)
			return gr_error_set(GR_ENOTFOUND, "record %s was removed on %.10s by request %lld: %s", t.public_id,
					    t.removed, (long long)t.request, t.reason);
		return gr_error_set(GR_ENOTFOUND, "no record with id %lld", (long long)rid);
	}
	memset(out, 0, sizeof *out);
	out->rid = rid;
	if (sqlite3_column_bytes(s, 0) != GR_HASH_LEN || sqlite3_column_bytes(s, 1) != GR_HASH_LEN) {
		sqlite3_reset(s);
		return gr_error_set(GR_ECORRUPT, "record %lld has malformed hashes", (long long)rid);
	}
	memcpy(out->addr, sqlite3_column_blob(s, 0), GR_HASH_LEN);
	memcpy(out->content, sqlite3_column_blob(s, 1), GR_HASH_LEN);
	out->url = col_text(s, 2);
	out->domain = col_text(s, 3);
	out->ts = col_text(s, 4);
	out->source = col_text(s, 5);
	out->len = (uint64_t)sqlite3_column_int64(s, 6);
	out->meta = col_text(s, 7);
	sqlite3_reset(s);
	return 0;
}

int gr_catalog_record_resolve(gr_catalog *c, const char *hex, int64_t *rid_out)
{
	size_t n = strlen(hex);
	if (n < 8 || n > GR_HEX_LEN)
		return gr_error_set(GR_EINVAL, "record id '%.80s' must be 8 to 64 hex digits", hex);
	uint8_t lo[GR_HASH_LEN], hi[GR_HASH_LEN];
	memset(lo, 0, sizeof lo);
	memset(hi, 0xff, sizeof hi);
	for (size_t i = 0; i < n; i++) {
		char ch = hex[i];
		int v = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
			: ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
		if (v < 0)
			return gr_error_set(GR_EINVAL, "record id '%.80s' is not hexadecimal", hex);
		if (i % 2 == 0) {
			lo[i / 2] = (uint8_t)(v << 4);
			hi[i / 2] = (uint8_t)(v << 4 | 0x0f);
		} else {
			lo[i / 2] |= (uint8_t)v;
			hi[i / 2] = (uint8_t)((hi[i / 2] & 0xf0) | v);
		}
	}
	sqlite3_stmt *s;
	int rc = prepare(c, "SELECT id FROM records WHERE addr BETWEEN ?1 AND ?2 LIMIT 2", &s);
	if (rc)
		return rc;
	sqlite3_bind_blob(s, 1, lo, GR_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, hi, GR_HASH_LEN, SQLITE_STATIC);
	int found = 0;
	while (sqlite3_step(s) == SQLITE_ROW) {
		*rid_out = sqlite3_column_int64(s, 0);
		found++;
	}
	sqlite3_finalize(s);
	if (!found && n <= 16) {
		/* a removed record still answers to the id it was shown as */
		char pat[18];
		snprintf(pat, sizeof pat, "%s", hex);
		for (char *q = pat; *q; q++)
			*q = *q >= 'A' && *q <= 'F' ? (char)(*q + 32) : *q;
		if ((rc = prepare(c, "SELECT record FROM tombstones WHERE substr(public_id, 1, length(?1)) = ?1 LIMIT 2",
				  &s)))
			return rc;
		sqlite3_bind_text(s, 1, pat, -1, SQLITE_STATIC);
		while (sqlite3_step(s) == SQLITE_ROW) {
			*rid_out = sqlite3_column_int64(s, 0);
			found++;
		}
		sqlite3_finalize(s);
	}
	if (!found)
		return gr_error_set(GR_ENOTFOUND, "no record %s", hex);
	if (found > 1)
		return gr_error_set(GR_EINVAL, "record id %s is ambiguous; give more digits", hex);
	return 0;
}

/* ------------------------------------------------------------------ datasets, versions */

void gr_version_info_release(gr_version_info *v)
{
	if (!v)
		return;
	free(v->dataset);
	free(v->operation);
	free(v->message);
	free(v->created);
	free(v->author);
	free(v->stats);
	free(v->git_commit);
	memset(v, 0, sizeof *v);
}

int gr_catalog_dataset_find(gr_catalog *c, const char *name, int64_t *id_out)
{
	sqlite3_stmt *s;
	int rc = prepare(c, "SELECT id FROM datasets WHERE name = ?1", &s);
	if (rc)
		return rc;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	*id_out = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_finalize(s);
	return 0;
}

int gr_catalog_dataset_add(gr_catalog *c, const char *name, int64_t *id_out)
{
	sqlite3_stmt *s;
	char now[32];
	gr_time_iso(now, gr_time_now());
	int rc = prepare(c, "INSERT INTO datasets(name, created) VALUES (?1, ?2)", &s);
	if (rc)
		return rc;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, now, -1, SQLITE_STATIC);
	rc = step_done(c, s, "add dataset");
	sqlite3_finalize(s);
	if (!rc)
		*id_out = sqlite3_last_insert_rowid(c->db);
	return rc;
}

#define VERSION_COLS                                                                                     \
	"v.id, v.dataset, d.name, v.num, v.operation, v.message, v.created, v.author, v.stats, v.git_commit, " \
	"v.records, v.bytes, v.digest "

static int version_row(gr_catalog *c, sqlite3_stmt *s, gr_version_info *v)
{
	memset(v, 0, sizeof *v);
	v->id = sqlite3_column_int64(s, 0);
	v->dataset_id = sqlite3_column_int64(s, 1);
	v->dataset = col_text(s, 2);
	v->num = sqlite3_column_int(s, 3);
	v->operation = col_text(s, 4);
	v->message = col_text(s, 5);
	v->created = col_text(s, 6);
	v->author = col_text(s, 7);
	v->stats = col_text(s, 8);
	v->git_commit = col_text(s, 9);
	v->records = (uint64_t)sqlite3_column_int64(s, 10);
	v->bytes = (uint64_t)sqlite3_column_int64(s, 11);
	if (sqlite3_column_bytes(s, 12) == GR_HASH_LEN)
		memcpy(v->digest, sqlite3_column_blob(s, 12), GR_HASH_LEN);
	sqlite3_stmt *p;
	int rc = prepare(c, "SELECT parent FROM version_parents WHERE version = ?1 ORDER BY ord", &p);
	if (rc)
		return rc;
	sqlite3_bind_int64(p, 1, v->id);
	while (sqlite3_step(p) == SQLITE_ROW && v->nparents < 8)
		v->parents[v->nparents++] = sqlite3_column_int64(p, 0);
	sqlite3_finalize(p);
	return 0;
}

static int version_query(gr_catalog *c, const char *where, int64_t a, int64_t b,
			 int (*cb)(const gr_version_info *v, void *ctx), void *ctx)
{
	gr_buf sql = GR_BUF_INIT;
	sqlite3_stmt *s = NULL;
	int rc = gr_buf_printf(&sql, "SELECT " VERSION_COLS "FROM versions v JOIN datasets d ON d.id = v.dataset %s",
			       where);
	if (rc || (rc = prepare(c, sql.ptr, &s)))
		goto out;
	sqlite3_bind_int64(s, 1, a);
	sqlite3_bind_int64(s, 2, b);
	int r;
	while (!rc && (r = sqlite3_step(s)) == SQLITE_ROW) {
		gr_version_info v;
		if (!(rc = version_row(c, s, &v)))
			rc = cb(&v, ctx);
		gr_version_info_release(&v);
	}
	if (!rc && r != SQLITE_DONE)
		rc = db_err(c, "versions");
out:
	sqlite3_finalize(s);
	gr_buf_free(&sql);
	return rc;
}

static int take_one(const gr_version_info *v, void *ctx)
{
	gr_version_info *out = ctx;
	*out = *v;
	/* ownership moves to out: clear the source copy's pointers */
	memset((gr_version_info *)v, 0, sizeof *v);
	return 1;
}

static int version_one(gr_catalog *c, const char *where, int64_t a, int64_t b, gr_version_info *out)
{
	memset(out, 0, sizeof *out);
	int rc = version_query(c, where, a, b, take_one, out);
	if (rc == 1)
		return 0;
	return rc ? rc : GR_ENOTFOUND;
}

int gr_catalog_version_get(gr_catalog *c, int64_t dataset, int num, gr_version_info *out)
{
	int rc = num > 0 ? version_one(c, "WHERE v.dataset = ?1 AND v.num = ?2", dataset, num, out)
			 : version_one(c, "WHERE v.dataset = ?1 ORDER BY v.num DESC LIMIT 1", dataset, 0, out);
	if (rc == GR_ENOTFOUND)
		gr_error_set(GR_ENOTFOUND, num > 0 ? "no version v%d" : "the dataset has no version", num);
	return rc;
}

int gr_catalog_version_by_id(gr_catalog *c, int64_t id, gr_version_info *out)
{
	int rc = version_one(c, "WHERE v.id = ?1", id, 0, out);
	if (rc == GR_ENOTFOUND)
		gr_error_set(GR_ENOTFOUND, "no version with id %lld", (long long)id);
	return rc;
}

int gr_catalog_version_each(gr_catalog *c, int64_t dataset, int (*cb)(const gr_version_info *v, void *ctx), void *ctx)
{
	return version_query(c, "WHERE v.dataset = ?1 ORDER BY v.num DESC", dataset, 0, cb, ctx);
}

int gr_catalog_version_uncommitted(gr_catalog *c, int (*cb)(const gr_version_info *v, void *ctx), void *ctx)
{
	return version_query(c, "WHERE v.git_commit IS NULL ORDER BY v.id", 0, 0, cb, ctx);
}

int gr_catalog_version_set_commit(gr_catalog *c, int64_t version, const char *oid)
{
	sqlite3_stmt *s;
	int rc = prepare(c, "UPDATE versions SET git_commit = ?2 WHERE id = ?1", &s);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, version);
	sqlite3_bind_text(s, 2, oid, -1, SQLITE_STATIC);
	rc = step_done(c, s, "set commit");
	sqlite3_finalize(s);
	return rc;
}

struct ds_each {
	gr_catalog *c;
	int (*cb)(const char *name, const gr_version_info *head, void *ctx);
	void *ctx;
};

int gr_catalog_dataset_each(gr_catalog *c, int (*cb)(const char *name, const gr_version_info *head, void *ctx),
			    void *ctx)
{
	sqlite3_stmt *s;
	int rc = prepare(c, "SELECT id, name FROM datasets ORDER BY name", &s);
	if (rc)
		return rc;
	while (!rc && sqlite3_step(s) == SQLITE_ROW) {
		gr_version_info v;
		int64_t id = sqlite3_column_int64(s, 0);
		char *name = col_text(s, 1);
		int r = version_one(c, "WHERE v.dataset = ?1 ORDER BY v.num DESC LIMIT 1", id, 0, &v);
		if (r && r != GR_ENOTFOUND)
			rc = r;
		else
			rc = cb(name ? name : "", r ? NULL : &v, ctx);
		if (!r)
			gr_version_info_release(&v);
		free(name);
	}
	sqlite3_finalize(s);
	return rc;
}

/* ------------------------------------------------------------------ membership */

/* A block ends after record id rid when a hash of rid hits the mask, so block
 * boundaries depend on the ids themselves, not on their positions: removing a
 * few records changes only the blocks that held them. */
bool gr_member_cut(int64_t rid, uint32_t count)
{
	if (count >= GR_MEMBER_BLOCK_MAX)
		return true;
	if (count < GR_MEMBER_BLOCK_MIN)
		return false;
	uint64_t x = (uint64_t)rid + 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	x ^= x >> 31;
	return (x & (GR_MEMBER_BLOCK_AVG - 1)) == 0;
}

int gr_catalog_stage_begin(gr_catalog *c)
{
	if (c->stage_bits)
		memset(c->stage_bits, 0, c->stage_words * sizeof *c->stage_bits);
	c->stage_count = c->stage_bytes = 0;
	c->staging = true;
	return 0;
}

void gr_catalog_stage_end(gr_catalog *c)
{
	free(c->stage_bits);
	c->stage_bits = NULL;
	c->stage_words = 0;
	c->stage_count = c->stage_bytes = 0;
	c->staging = false;
}

/* Sets rid's bit; *added = false when it was set. */
static int stage_bit(gr_catalog *c, int64_t rid, bool *added)
{
	if (!c->staging)
		return gr_error_set(GR_EINVAL, "no version is being staged");
	if (rid <= 0 || rid > GR_STAGE_MAX_ID)
		return gr_error_set(GR_ELIMIT, "record id %lld is outside the staging limit (1..%lld)", (long long)rid,
				    (long long)GR_STAGE_MAX_ID);
	size_t w = (size_t)rid / 64;
	if (w >= c->stage_words) {
		size_t n = c->stage_words ? c->stage_words : 1024;
		while (n <= w)
			n *= 2;
		uint64_t *b = realloc(c->stage_bits, n * sizeof *b);
		if (!b)
			return gr_error_set(GR_ENOMEM, "out of memory");
		memset(b + c->stage_words, 0, (n - c->stage_words) * sizeof *b);
		c->stage_bits = b;
		c->stage_words = n;
	}
	uint64_t m = 1ull << (rid % 64);
	*added = !(c->stage_bits[w] & m);
	c->stage_bits[w] |= m;
	return 0;
}

int gr_catalog_stage_record(gr_catalog *c, int64_t rid, uint64_t len, bool *added)
{
	int rc = stage_bit(c, rid, added);
	if (!rc && *added) {
		c->stage_count++;
		c->stage_bytes += len;
	}
	return rc;
}

struct stage_from {
	gr_catalog *c;
	bool with_len; /* look up each new member's length */
	uint64_t added;
};

static int stage_one(int64_t rid, void *ctx)
{
	struct stage_from *f = ctx;
	gr_catalog *c = f->c;
	bool added;
	int rc = stage_bit(c, rid, &added);
	if (rc || !added)
		return rc;
	f->added++;
	if (!f->with_len)
		return 0;
	sqlite3_stmt *s = stmt(c, S_RECORD_LEN);
	if (!s)
		return GR_EIO;
	sqlite3_bind_int64(s, 1, rid);
	int r = sqlite3_step(s);
	if (r == SQLITE_ROW) {
		c->stage_count++;
		c->stage_bytes += (uint64_t)sqlite3_column_int64(s, 0);
		rc = 0;
	} else {
		rc = r == SQLITE_DONE ? gr_error_set(GR_ECORRUPT, "member %lld of a version is not a record", (long long)rid)
				      : db_err(c, "record length");
	}
	sqlite3_reset(s);
	return rc;
}

int gr_catalog_stage_version(gr_catalog *c, int64_t version)
{
	/* into an empty stage, the version's own counts are the stage's; else
	 * each member new to the stage is counted with its length */
	struct stage_from f = {.c = c, .with_len = c->stage_count > 0};
	uint64_t records = 0, bytes = 0;
	if (!f.with_len) {
		sqlite3_stmt *s;
		int rc = prepare(c, "SELECT records, bytes FROM versions WHERE id = ?1", &s);
		if (rc)
			return rc;
		sqlite3_bind_int64(s, 1, version);
		int r = sqlite3_step(s);
		if (r == SQLITE_ROW) {
			records = (uint64_t)sqlite3_column_int64(s, 0);
			bytes = (uint64_t)sqlite3_column_int64(s, 1);
		}
		sqlite3_finalize(s);
		if (r != SQLITE_ROW)
			return r == SQLITE_DONE ? gr_error_set(GR_ENOTFOUND, "no version %lld", (long long)version)
						: db_err(c, "version counts");
	}
	int rc = gr_catalog_members_each(c, version, stage_one, &f);
	if (rc || f.with_len)
		return rc;
	if (f.added != records)
		return gr_error_set(GR_ECORRUPT, "version %lld lists %llu members but counts %llu", (long long)version,
				    (unsigned long long)f.added, (unsigned long long)records);
	c->stage_count = records;
	c->stage_bytes = bytes;
	return 0;
}

/* Writes one block: member_blocks (if new) and its version_blocks row. */
static int block_flush(gr_catalog *c, int64_t version, gr_buf *data, uint32_t count, int64_t first, int64_t last,
		       gr_sha256_ctx *digest)
{
	uint8_t head[10], h[GR_HASH_LEN];
	size_t hn = gr_varint_put(head, count);
	/* the count goes first: build the final blob */
	gr_buf blob = GR_BUF_INIT;
	int rc = gr_buf_put(&blob, head, hn);
	if (!rc)
		rc = gr_buf_put(&blob, data->ptr, data->len);
	if (rc)
		goto out;
	gr_sha256(h, blob.ptr, blob.len);
	gr_sha256_update(digest, h, sizeof h);
	sqlite3_stmt *s;
	if ((rc = prepare(c, "INSERT OR IGNORE INTO member_blocks(hash, count, data) VALUES (?1, ?2, ?3)", &s)))
		goto out;
	sqlite3_bind_blob(s, 1, h, GR_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, count);
	sqlite3_bind_blob(s, 3, blob.ptr, (int)blob.len, SQLITE_STATIC);
	rc = step_done(c, s, "add member block");
	sqlite3_finalize(s);
	if (rc || (rc = prepare(c, "INSERT INTO version_blocks(version, first, last, block) VALUES (?1, ?2, ?3, ?4)",
				&s)))
		goto out;
	sqlite3_bind_int64(s, 1, version);
	sqlite3_bind_int64(s, 2, first);
	sqlite3_bind_int64(s, 3, last);
	sqlite3_bind_blob(s, 4, h, GR_HASH_LEN, SQLITE_STATIC);
	rc = step_done(c, s, "add version block");
	sqlite3_finalize(s);
out:
	gr_buf_free(&blob);
	return rc;
}

/* Where a new version's members come from: the stage's bitmap or a sorted
 * array of ids. */
struct id_source {
	const uint64_t *bits; /* the stage's bitmap, when set */
	const int64_t *ids;   /* else a sorted array */
	size_t n, i;          /* words or ids; the next one */
	uint64_t word;        /* bits of word i - 1 not returned yet */
};

/* 1 and *rid: the next id; 0: no more. */
static int id_next(struct id_source *src, int64_t *rid)
{
	if (!src->bits) {
		if (src->i == src->n)
			return 0;
		*rid = src->ids[src->i++];
		return 1;
	}
	while (!src->word) {
		if (src->i == src->n)
			return 0;
		src->word = src->bits[src->i++];
	}
	*rid = (int64_t)((src->i - 1) * 64 + (size_t)__builtin_ctzll(src->word));
	src->word &= src->word - 1;
	return 1;
}

static int version_write(gr_catalog *c, const gr_version_new *v, uint64_t nrec, uint64_t bytes,
			 struct id_source *src, gr_version_info *out)
{
	sqlite3_stmt *s = NULL;
	gr_buf data = GR_BUF_INIT;
	gr_sha256_ctx *dg = gr_sha256_new();
	int rc, num = 1;
	if (!dg)
		return GR_ENOMEM;
	if ((rc = prepare(c, "SELECT coalesce(max(num), 0) + 1 FROM versions WHERE dataset = ?1", &s)))
		goto out;
	sqlite3_bind_int64(s, 1, v->dataset);
	if (sqlite3_step(s) == SQLITE_ROW)
		num = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	s = NULL;
	char created[32];
	gr_time_iso(created, v->created);
	static const uint8_t zero[GR_HASH_LEN];
	if ((rc = prepare(c, "INSERT INTO versions(dataset, num, operation, message, created, author, records, "
			     "bytes, stats, digest) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
			  &s)))
		goto out;
	sqlite3_bind_int64(s, 1, v->dataset);
	sqlite3_bind_int(s, 2, num);
	sqlite3_bind_text(s, 3, v->operation, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, v->message, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, created, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, v->author, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 7, (sqlite3_int64)nrec);
	sqlite3_bind_int64(s, 8, (sqlite3_int64)bytes);
	sqlite3_bind_text(s, 9, v->stats_json ? v->stats_json : "{}", -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 10, zero, GR_HASH_LEN, SQLITE_STATIC);
	if ((rc = step_done(c, s, "add version")))
		goto out;
	sqlite3_finalize(s);
	s = NULL;
	int64_t vid = sqlite3_last_insert_rowid(c->db);
	for (int i = 0; i < v->nparents; i++) {
		if ((rc = prepare(c, "INSERT INTO version_parents(version, ord, parent) VALUES (?1, ?2, ?3)", &s)))
			goto out;
		sqlite3_bind_int64(s, 1, vid);
		sqlite3_bind_int(s, 2, i);
		sqlite3_bind_int64(s, 3, v->parents[i]);
		rc = step_done(c, s, "add parent");
		sqlite3_finalize(s);
		s = NULL;
		if (rc)
			goto out;
	}
	/* membership blocks from the sorted ids */
	uint32_t count = 0;
	int64_t first = 0, prev = 0, rid = 0;
	while ((rc = id_next(src, &rid)) > 0) {
		uint8_t vb[10];
		size_t n = gr_varint_put(vb, (uint64_t)(count ? rid - prev : rid));
		if (!count)
			first = rid;
		if ((rc = gr_buf_put(&data, vb, n)))
			goto out;
		count++;
		prev = rid;
		if (gr_member_cut(rid, count)) {
			if ((rc = block_flush(c, vid, &data, count, first, rid, dg)))
				goto out;
			gr_buf_reset(&data);
			count = 0;
		}
	}
	if (rc < 0)
		goto out;
	if (count && (rc = block_flush(c, vid, &data, count, first, prev, dg)))
		goto out;
	uint8_t digest[GR_HASH_LEN];
	gr_sha256_final(dg, digest);
	if ((rc = prepare(c, "UPDATE versions SET digest = ?2 WHERE id = ?1", &s)))
		goto out;
	sqlite3_bind_int64(s, 1, vid);
	sqlite3_bind_blob(s, 2, digest, GR_HASH_LEN, SQLITE_STATIC);
	if ((rc = step_done(c, s, "set digest")))
		goto out;
	rc = gr_catalog_version_by_id(c, vid, out);
out:
	sqlite3_finalize(s);
	gr_buf_free(&data);
	gr_sha256_free(dg);
	return rc;
}

int gr_catalog_version_create(gr_catalog *c, const gr_version_new *v, gr_version_info *out)
{
	if (!c->staging)
		return gr_error_set(GR_EINVAL, "no version is being staged");
	struct id_source src = {.bits = c->stage_bits, .n = c->stage_words};
	int rc = version_write(c, v, c->stage_count, c->stage_bytes, &src, out);
	if (!rc)
		gr_catalog_stage_end(c);
	return rc;
}

int gr_catalog_version_create_ids(gr_catalog *c, const gr_version_new *v, const int64_t *ids, size_t n,
				  uint64_t bytes, gr_version_info *out)
{
	for (size_t i = 1; i < n; i++)
		if (ids[i] <= ids[i - 1])
			return gr_error_set(GR_EINVAL, "version members must be sorted and distinct");
	struct id_source src = {.ids = ids, .n = n};
	return version_write(c, v, n, bytes, &src, out);
}

/* Calls cb for each record id of a membership block (varint count, then
 * delta-coded ids); GR_ECORRUPT when the block is malformed. */
static int block_decode(const uint8_t *p, size_t n, int (*cb)(int64_t rid, void *ctx), void *ctx)
{
	uint64_t count, d;
	int64_t rid = 0;
	size_t k = gr_varint_get(p, n, &count);
	if (!k)
		return gr_error_set(GR_ECORRUPT, "malformed membership block");
	p += k;
	n -= k;
	for (uint64_t i = 0; i < count; i++) {
		if (!(k = gr_varint_get(p, n, &d)))
			return gr_error_set(GR_ECORRUPT, "truncated membership block");
		p += k;
		n -= k;
		rid = i ? rid + (int64_t)d : (int64_t)d;
		int rc = cb(rid, ctx);
		if (rc)
			return rc;
	}
	return 0;
}

int gr_catalog_members_each(gr_catalog *c, int64_t version, int (*cb)(int64_t rid, void *ctx), void *ctx)
{
	return gr_catalog_members_each_except(c, version, 0, cb, ctx);
}

int gr_catalog_members_each_except(gr_catalog *c, int64_t version, int64_t other,
				   int (*cb)(int64_t rid, void *ctx), void *ctx)
{
	/* not the cached statement: callbacks may run other catalog queries */
	sqlite3_stmt *s;
	int rc = prepare(c,
			 other ? "SELECT m.data FROM version_blocks v JOIN member_blocks m ON m.hash = v.block "
				 "WHERE v.version = ?1 AND v.block NOT IN "
				 "(SELECT block FROM version_blocks WHERE version = ?2) ORDER BY v.first"
			       : stmt_sql[S_MEMBER_BLOCKS],
			 &s),
	    r;
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, version);
	if (other)
		sqlite3_bind_int64(s, 2, other);
	gr_buf blk = GR_BUF_INIT;
	while (!rc && (r = sqlite3_step(s)) == SQLITE_ROW) {
		/* a copy: the callbacks may run other statements */
		gr_buf_reset(&blk);
		if (!(rc = gr_buf_put(&blk, sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0))))
			rc = block_decode((const uint8_t *)blk.ptr, blk.len, cb, ctx);
	}
	if (!rc && r != SQLITE_DONE)
		rc = db_err(c, "members");
	gr_buf_free(&blk);
	sqlite3_finalize(s);
	return rc;
}

/* block_decode callback: 1 (stop) at the id sought */
static int is_rid(int64_t rid, void *ctx)
{
	return rid == *(const int64_t *)ctx;
}

int gr_catalog_member_has(gr_catalog *c, int64_t version, int64_t rid, bool *out)
{
	sqlite3_stmt *s;
	int rc = prepare(c,
			 "SELECT m.data FROM version_blocks v JOIN member_blocks m ON m.hash = v.block "
			 "WHERE v.version = ?1 AND v.first <= ?2 AND v.last >= ?2",
			 &s);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, version);
	sqlite3_bind_int64(s, 2, rid);
	*out = false;
	if (sqlite3_step(s) == SQLITE_ROW) {
		rc = block_decode(sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0), is_rid, &rid);
		*out = rc == 1;
		rc = rc == 1 ? 0 : rc;
	}
	sqlite3_finalize(s);
	return rc;
}

int gr_catalog_membership_bytes(gr_catalog *c, int64_t version, uint64_t *own, uint64_t *blocks)
{
	/* version_blocks rows: key (2 ints) + last + 32-byte hash, about 48 bytes with
	 * SQLite's record header; member_blocks: the blob plus its key */
	sqlite3_stmt *s;
	int rc = prepare(c,
			 "SELECT count(*) * 48, coalesce(sum(length(m.data) + 40), 0) FROM version_blocks v "
			 "JOIN member_blocks m ON m.hash = v.block WHERE v.version = ?1",
			 &s);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, version);
	if (sqlite3_step(s) == SQLITE_ROW) {
		*own = (uint64_t)sqlite3_column_int64(s, 0);
		*blocks = (uint64_t)sqlite3_column_int64(s, 1);
	}
	sqlite3_finalize(s);
	return 0;
}

/* ------------------------------------------------------------------ scans */

int gr_catalog_scan_put(gr_catalog *c, const uint8_t content[GR_HASH_LEN], int scanner, const gr_scan_row *r)
{
	sqlite3_stmt *s = stmt(c, S_SCAN_PUT);
	if (!s)
		return GR_EIO;
	sqlite3_bind_blob(s, 1, content, GR_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, scanner);
	for (int i = 0; i < GR_SCAN_NPII; i++)
		sqlite3_bind_int64(s, 3 + i, r->pii[i]);
	sqlite3_bind_int64(s, 10, r->words);
	sqlite3_bind_int64(s, 11, r->lines);
	sqlite3_bind_double(s, 12, r->mean_word_len);
	sqlite3_bind_double(s, 13, r->symbol_ratio);
	sqlite3_bind_double(s, 14, r->punct_line_frac);
	sqlite3_bind_double(s, 15, r->alpha_word_frac);
	sqlite3_bind_double(s, 16, r->dup_line_frac);
	sqlite3_bind_double(s, 17, r->dup_line_char_frac);
	return step_done(c, s, "store scan");
}

int gr_catalog_scan_has(gr_catalog *c, const uint8_t content[GR_HASH_LEN], int scanner, bool *out)
{
	sqlite3_stmt *s = stmt(c, S_SCAN_HAS);
	if (!s)
		return GR_EIO;
	sqlite3_bind_blob(s, 1, content, GR_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, scanner);
	int r = sqlite3_step(s);
	if (r != SQLITE_ROW && r != SQLITE_DONE) {
		int rc = db_err(c, "scan lookup");
		sqlite3_reset(s);
		return rc;
	}
	*out = r == SQLITE_ROW;
	sqlite3_reset(s);
	return 0;
}

int gr_catalog_minhash_get(gr_catalog *c, const uint8_t content[GR_HASH_LEN], int scheme, void *sig, size_t n,
			   bool *found)
{
	sqlite3_stmt *s = stmt(c, S_MINHASH_GET);
	if (!s)
		return GR_EIO;
	sqlite3_bind_blob(s, 1, content, GR_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, scheme);
	int r = sqlite3_step(s), rc = 0;
	*found = false;
	if (r == SQLITE_ROW) {
		if ((size_t)sqlite3_column_bytes(s, 0) == n) {
			memcpy(sig, sqlite3_column_blob(s, 0), n);
			*found = true;
		}
	} else if (r != SQLITE_DONE) {
		rc = db_err(c, "minhash lookup");
	}
	sqlite3_reset(s);
	return rc;
}

int gr_catalog_minhash_any(gr_catalog *c, int scheme, bool *any)
{
	*any = false;
	sqlite3_stmt *s;
	/* not count(*): the table is keyed by content, so that read every signature */
	int rc = prepare(c, "SELECT EXISTS (SELECT 1 FROM minhash WHERE scheme = ?1)", &s);
	if (rc)
		return rc;
	sqlite3_bind_int(s, 1, scheme);
	if (sqlite3_step(s) == SQLITE_ROW)
		*any = sqlite3_column_int(s, 0) != 0;
	else
		rc = db_err(c, "look for signatures");
	sqlite3_finalize(s);
	return rc;
}

int gr_catalog_minhash_put(gr_catalog *c, const uint8_t content[GR_HASH_LEN], int scheme, const void *sig, size_t n)
{
	sqlite3_stmt *s = stmt(c, S_MINHASH_PUT);
	if (!s)
		return GR_EIO;
	sqlite3_bind_blob(s, 1, content, GR_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, scheme);
	sqlite3_bind_blob(s, 3, sig, (int)n, SQLITE_STATIC);
	return step_done(c, s, "store minhash");
}

int gr_catalog_duplicate_add(gr_catalog *c, int64_t version, int64_t rid, int64_t dup_of, const char *kind)
{
	sqlite3_stmt *s = stmt(c, S_DUP_ADD);
	if (!s)
		return GR_EIO;
	sqlite3_bind_int64(s, 1, version);
	sqlite3_bind_int64(s, 2, rid);
	sqlite3_bind_int64(s, 3, dup_of);
	sqlite3_bind_text(s, 4, kind, -1, SQLITE_STATIC);
	return step_done(c, s, "record duplicate");
}

int gr_catalog_record_content(gr_catalog *c, int64_t rid, uint8_t content[GR_HASH_LEN], uint64_t *len)
{
	sqlite3_stmt *s = stmt(c, S_RECORD_CONTENT);
	if (!s)
		return GR_EIO;
	sqlite3_bind_int64(s, 1, rid);
	int r = sqlite3_step(s), rc = 0;
	if (r == SQLITE_ROW && sqlite3_column_bytes(s, 0) == GR_HASH_LEN) {
		memcpy(content, sqlite3_column_blob(s, 0), GR_HASH_LEN);
		*len = (uint64_t)sqlite3_column_int64(s, 1);
	} else {
		rc = r == SQLITE_ROW || r == SQLITE_DONE ? gr_error_set(GR_ENOTFOUND, "no record %lld", (long long)rid)
							 : db_err(c, "record content");
	}
	sqlite3_reset(s);
	return rc;
}

const char *gr_catalog_path(gr_catalog *c)
{
	return c->path;
}

/* ------------------------------------------------------------------ governance */

void gr_request_release(gr_request *r)
{
	if (!r)
		return;
	char **f[] = {&r->kind, &r->selector_kind, &r->selector, &r->selector_hint, &r->requester, &r->basis,
		      &r->received, &r->deadline, &r->notes, &r->status, &r->created, &r->created_by,
		      &r->applied, &r->applied_by, &r->result};
	for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
		free(*f[i]);
		*f[i] = NULL;
	}
}

int gr_catalog_request_add(gr_catalog *c, const gr_request *r, int64_t *id_out)
{
	sqlite3_stmt *s;
	int rc = prepare(c,
			 "INSERT INTO requests(kind, selector_kind, selector, selector_key, selector_hint, requester, "
			 "basis, received, deadline, notes, status, created, created_by) "
			 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'pending', ?11, ?12)",
			 &s);
	if (rc)
		return rc;
	sqlite3_bind_text(s, 1, r->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, r->selector_kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, r->selector, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 4, r->selector_key, sizeof r->selector_key, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, r->selector_hint, -1, SQLITE_STATIC);
	bind_opt_text(s, 6, r->requester);
	sqlite3_bind_text(s, 7, r->basis, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, r->received, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, r->deadline, -1, SQLITE_STATIC);
	bind_opt_text(s, 10, r->notes);
	sqlite3_bind_text(s, 11, r->created, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 12, r->created_by, -1, SQLITE_STATIC);
	if (!(rc = step_done(c, s, "add request")))
		*id_out = sqlite3_last_insert_rowid(c->db);
	sqlite3_finalize(s);
	return rc;
}

#define REQUEST_COLS                                                                                          \
	"id, kind, selector_kind, selector, selector_key, selector_hint, requester, basis, received, deadline, " \
	"notes, status, created, created_by, applied, applied_by, result"

static void request_row(sqlite3_stmt *s, gr_request *r)
{
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(s, 0);
	r->kind = col_text(s, 1);
	r->selector_kind = col_text(s, 2);
	r->selector = col_text(s, 3);
	if (sqlite3_column_bytes(s, 4) == (int)sizeof r->selector_key)
		memcpy(r->selector_key, sqlite3_column_blob(s, 4), sizeof r->selector_key);
	char **f[] = {&r->selector_hint, &r->requester, &r->basis,   &r->received,   &r->deadline, &r->notes,
		      &r->status,	 &r->created,	&r->created_by, &r->applied, &r->applied_by, &r->result};
	for (int i = 0; i < 12; i++)
		*f[i] = col_text(s, 5 + i);
}

int gr_catalog_request_get(gr_catalog *c, int64_t id, gr_request *out)
{
	sqlite3_stmt *s;
	int rc = prepare(c, "SELECT " REQUEST_COLS " FROM requests WHERE id = ?1", &s);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW)
		request_row(s, out);
	else
		rc = gr_error_set(GR_ENOTFOUND, "no removal request %lld", (long long)id);
	sqlite3_finalize(s);
	return rc;
}

int gr_catalog_request_each(gr_catalog *c, int (*cb)(const gr_request *r, void *ctx), void *ctx)
{
	sqlite3_stmt *s;
	int rc = prepare(c, "SELECT " REQUEST_COLS " FROM requests ORDER BY id", &s);
	while (!rc && sqlite3_step(s) == SQLITE_ROW) {
		gr_request r;
		request_row(s, &r);
		rc = cb(&r, ctx);
		gr_request_release(&r);
	}
	sqlite3_finalize(s);
	return rc;
}

int gr_catalog_request_applied(gr_catalog *c, int64_t id, const char *by, const char *result_json)
{
	sqlite3_stmt *s;
	int rc = prepare(c,
			 "UPDATE requests SET status = 'applied', selector = NULL, applied = ?2, applied_by = ?3, "
			 "result = ?4 WHERE id = ?1",
			 &s);
	if (rc)
		return rc;
	char now[32];
	gr_time_iso(now, gr_time_now());
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, by, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, result_json, -1, SQLITE_STATIC);
	rc = step_done(c, s, "mark request applied");
	sqlite3_finalize(s);
	return rc;
}

int gr_catalog_request_result(gr_catalog *c, int64_t id, const char *result_json)
{
	sqlite3_stmt *s;
	int rc = prepare(c, "UPDATE requests SET result = ?2 WHERE id = ?1", &s);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, result_json, -1, SQLITE_STATIC);
	rc = step_done(c, s, "request result");
	sqlite3_finalize(s);
	return rc;
}

int gr_catalog_requests_unfinished(gr_catalog *c, int64_t *ids, size_t max, size_t *n)
{
	*n = 0;
	sqlite3_stmt *s;
	int rc = prepare(c, "SELECT id FROM requests WHERE status = 'applied' AND result = '{}' ORDER BY id", &s);
	if (rc)
		return rc;
	int r = SQLITE_DONE;
	while (*n < max && (r = sqlite3_step(s)) == SQLITE_ROW)
		ids[(*n)++] = sqlite3_column_int64(s, 0);
	if (*n < max && r != SQLITE_DONE)
		rc = db_err(c, "unfinished requests");
	sqlite3_finalize(s);
	return rc;
}

static int each_rid(sqlite3_stmt *s, int (*cb)(int64_t rid, void *ctx), void *ctx)
{
	int rc = 0, r;
	while (!rc && (r = sqlite3_step(s)) == SQLITE_ROW)
		rc = cb(sqlite3_column_int64(s, 0), ctx);
	return rc;
}

int gr_catalog_records_matching(gr_catalog *c, const char *kind, const char *value,
				int (*cb)(int64_t rid, void *ctx), void *ctx)
{
	sqlite3_stmt *s;
	const char *sql;
	uint8_t hash[GR_HASH_LEN];
	if (!strcmp(kind, "url"))
		sql = "SELECT id FROM records WHERE url = ?1 ORDER BY id";
	else if (!strcmp(kind, "url-prefix"))
		/* the url index serves a range; substr keeps LIKE's wildcards out */
		sql = "SELECT id FROM records WHERE url >= ?1 AND substr(url, 1, length(?1)) = ?1 ORDER BY id";
	else if (!strcmp(kind, "domain"))
		sql = "SELECT id FROM records WHERE domain = lower(?1) OR domain LIKE '%.' || lower(?1) ESCAPE '\\' "
		      "ORDER BY id";
	else if (!strcmp(kind, "hash")) {
		if (strlen(value) != 2 * GR_HASH_LEN || !gr_unhex(hash, value, GR_HASH_LEN))
			return gr_error_set(GR_EINVAL, "a content hash is 64 hex digits");
		sql = "SELECT id FROM records WHERE content = ?2 ORDER BY id";
	} else
		return gr_error_set(GR_EINVAL, "unknown selector kind '%s'", kind);
	int rc = prepare(c, sql, &s);
	if (rc)
		return rc;
	sqlite3_bind_text(s, 1, value, -1, SQLITE_STATIC);
	if (!strcmp(kind, "hash"))
		sqlite3_bind_blob(s, 2, hash, GR_HASH_LEN, SQLITE_STATIC);
	rc = each_rid(s, cb, ctx);
	sqlite3_finalize(s);
	return rc;
}

int gr_catalog_records_with_content(gr_catalog *c, const uint8_t content[GR_HASH_LEN],
				    int (*cb)(int64_t rid, void *ctx), void *ctx)
{
	sqlite3_stmt *s;
	int rc = prepare(c, "SELECT id FROM records WHERE content = ?1 ORDER BY id", &s);
	if (rc)
		return rc;
	sqlite3_bind_blob(s, 1, content, GR_HASH_LEN, SQLITE_STATIC);
	rc = each_rid(s, cb, ctx);
	sqlite3_finalize(s);
	return rc;
}

int gr_catalog_content_each(gr_catalog *c, int (*cb)(const uint8_t hash[GR_HASH_LEN], uint64_t len, void *ctx),
			    void *ctx)
{
	/* storage order: a content's first chunk's frame and offset (single-chunk
	 * contents are their chunk) */
	sqlite3_stmt *s;
	int rc = prepare(c,
			 "SELECT t.hash, t.len FROM contents t JOIN chunks k "
			 "ON k.hash = CASE WHEN t.chunks IS NULL THEN t.hash ELSE substr(t.chunks, 1, 32) END "
			 "ORDER BY k.frame, k.off",
			 &s);
	while (!rc && sqlite3_step(s) == SQLITE_ROW)
		if (sqlite3_column_bytes(s, 0) == GR_HASH_LEN)
			rc = cb(sqlite3_column_blob(s, 0), (uint64_t)sqlite3_column_int64(s, 1), ctx);
	sqlite3_finalize(s);
	return rc;
}

int gr_catalog_tombstone_add(gr_catalog *c, const gr_tombstone *t)
{
	sqlite3_stmt *s;
	int rc = prepare(c,
			 "INSERT OR REPLACE INTO tombstones(record, public_id, request, reason, removed) "
			 "VALUES (?1, ?2, ?3, ?4, ?5)",
			 &s);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, t->rid);
	sqlite3_bind_text(s, 2, t->public_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, t->request);
	sqlite3_bind_text(s, 4, t->reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, t->removed, -1, SQLITE_STATIC);
	rc = step_done(c, s, "add tombstone");
	sqlite3_finalize(s);
	return rc;
}

int gr_catalog_tombstone_get(gr_catalog *c, int64_t rid, gr_tombstone *out)
{
	sqlite3_stmt *s;
	int rc = prepare(c, "SELECT public_id, request, reason, removed FROM tombstones WHERE record = ?1", &s);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, rid);
	rc = GR_ENOTFOUND;
	if (sqlite3_step(s) == SQLITE_ROW) {
		memset(out, 0, sizeof *out);
		out->rid = rid;
		snprintf(out->public_id, sizeof out->public_id, "%s", (const char *)sqlite3_column_text(s, 0));
		out->request = sqlite3_column_int64(s, 1);
		snprintf(out->reason, sizeof out->reason, "%s", (const char *)sqlite3_column_text(s, 2));
		snprintf(out->removed, sizeof out->removed, "%s", (const char *)sqlite3_column_text(s, 3));
		rc = 0;
	}
	sqlite3_finalize(s);
	return rc;
}

int gr_catalog_tombstone_ids(gr_catalog *c, int64_t **ids, size_t *n)
{
	sqlite3_stmt *s;
	int64_t *a = NULL;
	size_t cap = 0, k = 0;
	int rc = prepare(c, "SELECT record FROM tombstones ORDER BY record", &s);
	while (!rc && sqlite3_step(s) == SQLITE_ROW) {
		if (k == cap && gr_array_reserve(&a, &cap, k + 1, sizeof *a)) {
			rc = GR_ENOMEM;
			break;
		}
		a[k++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	if (rc) {
		free(a);
		return rc;
	}
	*ids = a;
	*n = k;
	return 0;
}

/* Runs one statement with one integer or blob parameter. */
static int exec1(gr_catalog *c, const char *sql, int64_t id, const uint8_t *blob, const char *what)
{
	sqlite3_stmt *s;
	int rc = prepare(c, sql, &s);
	if (rc)
		return rc;
	if (blob)
		sqlite3_bind_blob(s, 1, blob, GR_HASH_LEN, SQLITE_STATIC);
	else
		sqlite3_bind_int64(s, 1, id);
	rc = step_done(c, s, what);
	sqlite3_finalize(s);
	return rc;
}

int gr_catalog_record_purge(gr_catalog *c, int64_t rid)
{
	int rc = exec1(c, "DELETE FROM record_web WHERE record = ?1", rid, NULL, "purge record_web");
	rc = rc ? rc : exec1(c, "DELETE FROM duplicates WHERE record = ?1 OR dup_of = ?1", rid, NULL, "purge duplicates");
	rc = rc ? rc : exec1(c, "DELETE FROM records WHERE id = ?1", rid, NULL, "purge record");
	return rc;
}

int gr_catalog_content_purge(gr_catalog *c, const uint8_t content[GR_HASH_LEN], gr_buf *chunks_out, bool *purged)
{
	sqlite3_stmt *s;
	*purged = false;
	int rc = prepare(c, "SELECT 1 FROM records WHERE content = ?1 LIMIT 1", &s);
	if (rc)
		return rc;
	sqlite3_bind_blob(s, 1, content, GR_HASH_LEN, SQLITE_STATIC);
	bool used = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_finalize(s);
	if (used)
		return 0;
	if ((rc = prepare(c, "SELECT chunks FROM contents WHERE hash = ?1", &s)))
		return rc;
	sqlite3_bind_blob(s, 1, content, GR_HASH_LEN, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		if (sqlite3_column_type(s, 0) == SQLITE_NULL)
			rc = gr_buf_put(chunks_out, content, GR_HASH_LEN);
		else
			rc = gr_buf_put(chunks_out, sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0));
	}
	sqlite3_finalize(s);
	rc = rc ? rc : exec1(c, "DELETE FROM scans WHERE content = ?1", 0, content, "purge scan");
	rc = rc ? rc : exec1(c, "DELETE FROM minhash WHERE content = ?1", 0, content, "purge minhash");
	rc = rc ? rc : exec1(c, "DELETE FROM contents WHERE hash = ?1", 0, content, "purge content");
	if (!rc)
		*purged = true;
	return rc;
}

int gr_catalog_chunk_in_use(gr_catalog *c, const uint8_t chunk[GR_HASH_LEN], bool *out)
{
	sqlite3_stmt *s;
	int rc = prepare(c,
			 "SELECT 1 FROM contents WHERE hash = ?1 AND chunks IS NULL "
			 "UNION ALL SELECT 1 FROM contents WHERE chunks IS NOT NULL AND instr(chunks, ?1) > 0 LIMIT 1",
			 &s);
	if (rc)
		return rc;
	sqlite3_bind_blob(s, 1, chunk, GR_HASH_LEN, SQLITE_STATIC);
	*out = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_finalize(s);
	return 0;
}

int gr_catalog_chunk_pack(gr_catalog *c, const uint8_t chunk[GR_HASH_LEN], int64_t *pack, char name[65])
{
	sqlite3_stmt *s;
	int rc = prepare(c,
			 "SELECT p.id, p.name FROM chunks k JOIN frames f ON f.id = k.frame JOIN packs p ON p.id = f.pack "
			 "WHERE k.hash = ?1",
			 &s);
	if (rc)
		return rc;
	sqlite3_bind_blob(s, 1, chunk, GR_HASH_LEN, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		*pack = sqlite3_column_int64(s, 0);
		snprintf(name, 65, "%s", (const char *)sqlite3_column_text(s, 1));
	} else {
		rc = gr_error_set(GR_ENOTFOUND, "chunk not in the index");
	}
	sqlite3_finalize(s);
	return rc;
}

int gr_catalog_chunk_move(gr_catalog *c, const uint8_t chunk[GR_HASH_LEN], uint64_t frame, uint32_t off)
{
	sqlite3_stmt *s;
	int rc = prepare(c, "UPDATE chunks SET frame = ?2, off = ?3 WHERE hash = ?1", &s);
	if (rc)
		return rc;
	sqlite3_bind_blob(s, 1, chunk, GR_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)frame);
	sqlite3_bind_int64(s, 3, off);
	rc = step_done(c, s, "move chunk");
	sqlite3_finalize(s);
	return rc;
}

int gr_catalog_chunk_delete(gr_catalog *c, const uint8_t chunk[GR_HASH_LEN])
{
	return exec1(c, "DELETE FROM chunks WHERE hash = ?1", 0, chunk, "delete chunk");
}

int gr_catalog_frame_update(gr_catalog *c, uint64_t id, int64_t pack, uint64_t off, uint32_t clen, uint32_t ulen,
			    uint32_t nchunks)
{
	sqlite3_stmt *s;
	int rc = prepare(c, "UPDATE frames SET pack = ?2, off = ?3, clen = ?4, ulen = ?5, nchunks = ?6 WHERE id = ?1", &s);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)id);
	sqlite3_bind_int64(s, 2, pack);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)off);
	sqlite3_bind_int64(s, 4, clen);
	sqlite3_bind_int64(s, 5, ulen);
	sqlite3_bind_int64(s, 6, nchunks);
	rc = step_done(c, s, "move frame");
	sqlite3_finalize(s);
	return rc;
}

int gr_catalog_frame_delete(gr_catalog *c, uint64_t id)
{
	return exec1(c, "DELETE FROM frames WHERE id = ?1", (int64_t)id, NULL, "delete frame");
}

int gr_catalog_pack_delete(gr_catalog *c, int64_t pack)
{
	int rc = exec1(c, "DELETE FROM frames WHERE pack = ?1", pack, NULL, "delete frames");
	return rc ? rc : exec1(c, "DELETE FROM packs WHERE id = ?1", pack, NULL, "delete pack");
}

int gr_catalog_suppression_add(gr_catalog *c, const uint8_t key[16], const char *kind, int words, int64_t request)
{
	sqlite3_stmt *s;
	int rc = prepare(c, "INSERT OR IGNORE INTO suppressions(key, kind, words, request) VALUES (?1, ?2, ?3, ?4)",
			 &s);
	if (rc)
		return rc;
	sqlite3_bind_blob(s, 1, key, 16, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, words);
	sqlite3_bind_int64(s, 4, request);
	rc = step_done(c, s, "add suppression");
	sqlite3_finalize(s);
	return rc;
}

int gr_catalog_suppression_each(gr_catalog *c, int (*cb)(const uint8_t key[16], const char *kind, int words, void *ctx),
				void *ctx)
{
	sqlite3_stmt *s;
	int rc = prepare(c, "SELECT key, kind, words FROM suppressions", &s);
	while (!rc && sqlite3_step(s) == SQLITE_ROW)
		if (sqlite3_column_bytes(s, 0) == 16)
			rc = cb(sqlite3_column_blob(s, 0), (const char *)sqlite3_column_text(s, 1),
				sqlite3_column_int(s, 2), ctx);
	sqlite3_finalize(s);
	return rc;
}

int gr_catalog_secure_delete(gr_catalog *c, bool on)
{
	return exec(c, on ? "PRAGMA secure_delete = ON" : "PRAGMA secure_delete = OFF");
}

int gr_catalog_gov_log(gr_catalog *c, const char *who, const char *action, int64_t request, const char *detail)
{
	sqlite3_stmt *s;
	int rc = prepare(c, "INSERT INTO governance_log(at, who, action, request, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
			 &s);
	if (rc)
		return rc;
	char now[32];
	gr_time_iso(now, gr_time_now());
	sqlite3_bind_text(s, 1, now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, who, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, action, -1, SQLITE_STATIC);
	if (request)
		sqlite3_bind_int64(s, 4, request);
	bind_opt_text(s, 5, detail);
	rc = step_done(c, s, "governance log");
	sqlite3_finalize(s);
	return rc;
}

int gr_catalog_gov_log_each(gr_catalog *c,
			    int (*cb)(int64_t id, const char *at, const char *who, const char *action, int64_t request,
				      const char *detail, void *ctx),
			    void *ctx)
{
	sqlite3_stmt *s;
	int rc = prepare(c, "SELECT id, at, who, action, coalesce(request, 0), detail FROM governance_log ORDER BY id",
			 &s);
	while (!rc && sqlite3_step(s) == SQLITE_ROW)
		rc = cb(sqlite3_column_int64(s, 0), (const char *)sqlite3_column_text(s, 1),
			(const char *)sqlite3_column_text(s, 2), (const char *)sqlite3_column_text(s, 3),
			sqlite3_column_int64(s, 4), (const char *)sqlite3_column_text(s, 5), ctx);
	sqlite3_finalize(s);
	return rc;
}

/* ------------------------------------------------------------------ documentation */

int gr_catalog_doc_updated(gr_catalog *c, int64_t version, char **updated, char **by)
{
	*updated = *by = NULL;
	sqlite3_stmt *s;
	int rc = prepare(c, "SELECT updated, updated_by FROM documents WHERE version = ?1", &s);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, version);
	int r = sqlite3_step(s);
	if (r == SQLITE_ROW) {
		if (!(*updated = col_text(s, 0)) || !(*by = col_text(s, 1))) {
			free(*updated);
			free(*by);
			*updated = *by = NULL;
			rc = GR_ENOMEM;
		}
	} else {
		rc = r == SQLITE_DONE ? GR_ENOTFOUND : db_err(c, "documents");
	}
	sqlite3_finalize(s);
	return rc;
}

int gr_catalog_source_info(gr_catalog *c, const char *name, char **uri, char **retrieved)
{
	*uri = *retrieved = NULL;
	sqlite3_stmt *s;
	int rc = prepare(c, "SELECT uri, retrieved FROM sources WHERE name = ?1", &s);
	if (rc)
		return rc;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	int r = sqlite3_step(s);
	if (r == SQLITE_ROW) {
		if ((sqlite3_column_type(s, 0) != SQLITE_NULL && !(*uri = col_text(s, 0))) ||
		    (sqlite3_column_type(s, 1) != SQLITE_NULL && !(*retrieved = col_text(s, 1))))
			rc = GR_ENOMEM;
	} else {
		rc = r == SQLITE_DONE ? GR_ENOTFOUND : db_err(c, "sources");
	}
	sqlite3_finalize(s);
	return rc;
}

int gr_catalog_doc_get(gr_catalog *c, int64_t version, char **doc, int64_t *from)
{
	*doc = NULL;
	*from = 0;
	sqlite3_stmt *d, *p;
	int rc = prepare(c, "SELECT doc FROM documents WHERE version = ?1", &d);
	if (rc)
		return rc;
	if ((rc = prepare(c, "SELECT parent FROM version_parents WHERE version = ?1 AND ord = 0", &p))) {
		sqlite3_finalize(d);
		return rc;
	}
	/* walk first parents; a chain is at most as long as the versions */
	for (int64_t v = version; v && !*doc;) {
		sqlite3_reset(d);
		sqlite3_bind_int64(d, 1, v);
		if (sqlite3_step(d) == SQLITE_ROW) {
			if (!(*doc = col_text(d, 0)))
				rc = GR_ENOMEM;
			*from = v;
			break;
		}
		sqlite3_reset(p);
		sqlite3_bind_int64(p, 1, v);
		v = sqlite3_step(p) == SQLITE_ROW ? sqlite3_column_int64(p, 0) : 0;
	}
	sqlite3_finalize(d);
	sqlite3_finalize(p);
	return rc;
}

int gr_catalog_doc_put(gr_catalog *c, int64_t version, const char *doc, const char *by)
{
	sqlite3_stmt *s;
	int rc = prepare(c, "INSERT OR REPLACE INTO documents(version, doc, updated, updated_by) VALUES (?1, ?2, ?3, ?4)",
			 &s);
	if (rc)
		return rc;
	char now[32];
	gr_time_iso(now, gr_time_now());
	sqlite3_bind_int64(s, 1, version);
	sqlite3_bind_text(s, 2, doc, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 4, by, -1, SQLITE_STATIC);
	rc = step_done(c, s, "store documents");
	sqlite3_finalize(s);
	return rc;
}

int gr_catalog_policy_get(gr_catalog *c, char **policy)
{
	sqlite3_stmt *s;
	*policy = NULL;
	int rc = prepare(c, "SELECT policy FROM doc_policy WHERE id = 1", &s);
	if (rc)
		return rc;
	if (sqlite3_step(s) == SQLITE_ROW && !(*policy = col_text(s, 0)))
		rc = GR_ENOMEM;
	sqlite3_finalize(s);
	return rc;
}

int gr_catalog_policy_put(gr_catalog *c, const char *policy, const char *by)
{
	sqlite3_stmt *s;
	int rc = prepare(c, "INSERT OR REPLACE INTO doc_policy(id, policy, updated, updated_by) VALUES (1, ?1, ?2, ?3)", &s);
	if (rc)
		return rc;
	char now[32];
	gr_time_iso(now, gr_time_now());
	sqlite3_bind_text(s, 1, policy, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, by, -1, SQLITE_STATIC);
	rc = step_done(c, s, "store policy");
	sqlite3_finalize(s);
	return rc;
}

int gr_catalog_tag_add(gr_catalog *c, const char *name, int64_t version, const char *by, const char *message)
{
	sqlite3_stmt *s;
	int rc = prepare(c, "INSERT INTO tags(name, version, created, created_by, message) VALUES (?1, ?2, ?3, ?4, ?5)", &s);
	if (rc)
		return rc;
	char now[32];
	gr_time_iso(now, gr_time_now());
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, version);
	sqlite3_bind_text(s, 3, now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 4, by, -1, SQLITE_STATIC);
	bind_opt_text(s, 5, message);
	rc = step_done(c, s, "add tag");
	sqlite3_finalize(s);
	if (rc == GR_EEXIST)
		return gr_error_set(GR_EEXIST, "tag '%s' exists", name);
	return rc;
}

int gr_catalog_tag_get(gr_catalog *c, const char *name, int64_t *version)
{
	sqlite3_stmt *s;
	int rc = prepare(c, "SELECT version FROM tags WHERE name = ?1", &s);
	if (rc)
		return rc;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		*version = sqlite3_column_int64(s, 0);
	else
		rc = gr_error_set(GR_ENOTFOUND, "no tag '%s'", name);
	sqlite3_finalize(s);
	return rc;
}

int gr_catalog_tag_each(gr_catalog *c,
			int (*cb)(const char *name, int64_t version, const char *created, const char *by,
				  const char *message, void *ctx),
			void *ctx)
{
	sqlite3_stmt *s;
	int rc = prepare(c, "SELECT name, version, created, created_by, message FROM tags ORDER BY created, name", &s);
	while (!rc && sqlite3_step(s) == SQLITE_ROW)
		rc = cb((const char *)sqlite3_column_text(s, 0), sqlite3_column_int64(s, 1),
			(const char *)sqlite3_column_text(s, 2), (const char *)sqlite3_column_text(s, 3),
			(const char *)sqlite3_column_text(s, 4), ctx);
	sqlite3_finalize(s);
	return rc;
}
