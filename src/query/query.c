/*
 * The query engine: a read-only SQLite connection, the `records` view, the
 * content functions and the authorizer that keeps user SQL to reading that
 * view. See query.h for the invariants.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <pcre2.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "query/query.h"
#include "scan/pii.h"

struct gr_query {
	sqlite3 *db;
	sqlite3_stmt *st;
	gr_query_env env;
	/* the last content read: its hash and text */
	uint8_t text_hash[GR_HASH_LEN];
	bool have_text;
	gr_buf text;
	uint64_t text_bytes;
	/* the last content scanned by pii() */
	uint8_t pii_hash[GR_HASH_LEN];
	bool have_pii;
	uint32_t pii_counts[GR_PII_NTYPES];
	gr_pii_scanner *scanner;
	pcre2_match_context *mctx;
	pcre2_jit_stack *jstack;
	/* what the authorizer refused first, for the message */
	char refused[256];
	char **names; /* column names with the content functions as written */
	int nnames;
	bool reads_scans;
	bool preparing;
};

/* ------------------------------------------------------------------ members vtab
 * gr_members: the sorted record ids of the version, one column (rid). */

typedef struct {
	sqlite3_vtab base;
	gr_query *q;
} members_vtab;

typedef struct {
	sqlite3_vtab_cursor base;
	size_t i;
} members_cursor;

static int mv_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out, char **err)
{
	(void)argc, (void)argv, (void)err;
	int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(rid INTEGER)");
	if (rc != SQLITE_OK)
		return rc;
	members_vtab *v = sqlite3_malloc(sizeof *v);
	if (!v)
		return SQLITE_NOMEM;
	memset(v, 0, sizeof *v);
	v->q = aux;
	*out = &v->base;
	return SQLITE_OK;
}

static int mv_disconnect(sqlite3_vtab *v)
{
	sqlite3_free(v);
	return SQLITE_OK;
}

static int mv_best_index(sqlite3_vtab *v, sqlite3_index_info *ii)
{
	(void)v;
	/* a scan in rid order: tell SQLite so an ORDER BY rid costs nothing */
	if (ii->nOrderBy == 1 && ii->aOrderBy[0].iColumn == 0 && !ii->aOrderBy[0].desc)
		ii->orderByConsumed = 1;
	ii->estimatedCost = 1e6;
	return SQLITE_OK;
}

static int mv_open(sqlite3_vtab *v, sqlite3_vtab_cursor **out)
{
	(void)v;
	members_cursor *c = sqlite3_malloc(sizeof *c);
	if (!c)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof *c);
	*out = &c->base;
	return SQLITE_OK;
}

static int mv_close(sqlite3_vtab_cursor *c)
{
	sqlite3_free(c);
	return SQLITE_OK;
}

static int mv_filter(sqlite3_vtab_cursor *c, int idx, const char *idxs, int argc, sqlite3_value **argv)
{
	(void)idx, (void)idxs, (void)argc, (void)argv;
	((members_cursor *)c)->i = 0;
	return SQLITE_OK;
}

static int mv_next(sqlite3_vtab_cursor *c)
{
	size_t i = ++((members_cursor *)c)->i;
	const gr_query *q = ((members_vtab *)c->pVtab)->q;
	if (q->env.progress && i % 16384 == 0)
		q->env.progress(i, q->env.nmembers, q->env.ctx);
	return SQLITE_OK;
}

static int mv_eof(sqlite3_vtab_cursor *c)
{
	const gr_query *q = ((members_vtab *)c->pVtab)->q;
	return ((members_cursor *)c)->i >= q->env.nmembers;
}

static int mv_column(sqlite3_vtab_cursor *c, sqlite3_context *ctx, int col)
{
	(void)col;
	const gr_query *q = ((members_vtab *)c->pVtab)->q;
	sqlite3_result_int64(ctx, q->env.members[((members_cursor *)c)->i]);
	return SQLITE_OK;
}

static int mv_rowid(sqlite3_vtab_cursor *c, sqlite3_int64 *out)
{
	*out = (sqlite3_int64)((members_cursor *)c)->i;
	return SQLITE_OK;
}

static const sqlite3_module members_module = {
	.iVersion = 0,
	.xCreate = NULL, /* eponymous only */
	.xConnect = mv_connect,
	.xBestIndex = mv_best_index,
	.xDisconnect = mv_disconnect,
	.xOpen = mv_open,
	.xClose = mv_close,
	.xFilter = mv_filter,
	.xNext = mv_next,
	.xEof = mv_eof,
	.xColumn = mv_column,
	.xRowid = mv_rowid,
};

/* ------------------------------------------------------------------ content functions */

/* The text of the content in argv[0] (a 32-byte blob), read once per row. */
static const gr_buf *content_text(sqlite3_context *ctx, sqlite3_value *hash)
{
	gr_query *q = sqlite3_user_data(ctx);
	if (sqlite3_value_type(hash) != SQLITE_BLOB || sqlite3_value_bytes(hash) != GR_HASH_LEN) {
		sqlite3_result_error(ctx, "content functions read the records view's own rows only", -1);
		return NULL;
	}
	const uint8_t *h = sqlite3_value_blob(hash);
	if (q->have_text && memcmp(h, q->text_hash, GR_HASH_LEN) == 0)
		return &q->text;
	q->have_text = false;
	gr_buf_reset(&q->text);
	int rc = q->env.read_text ? q->env.read_text(q->env.ctx, h, &q->text)
				  : gr_error_set(GR_EINVAL, "this query cannot read texts");
	if (rc) {
		char msg[600];
		snprintf(msg, sizeof msg, "reading a record's text: %s", gr_error_last());
		sqlite3_result_error(ctx, msg, -1);
		return NULL;
	}
	memcpy(q->text_hash, h, GR_HASH_LEN);
	q->have_text = true;
	q->text_bytes += q->text.len;
	return &q->text;
}

static void fn_text(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const gr_buf *t = content_text(ctx, argv[0]);
	if (t)
		sqlite3_result_text64(ctx, t->ptr ? t->ptr : "", t->len, SQLITE_TRANSIENT, SQLITE_UTF8);
}

static void fn_contains(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *needle = (const char *)sqlite3_value_text(argv[1]);
	if (!needle) {
		sqlite3_result_null(ctx);
		return;
	}
	size_t nn = (size_t)sqlite3_value_bytes(argv[1]);
	const gr_buf *t = content_text(ctx, argv[0]);
	if (t)
		sqlite3_result_int(ctx, nn == 0 || (t->len && memmem(t->ptr, t->len, needle, nn) != NULL));
}

static void regex_free(void *p)
{
	pcre2_code_free(p);
}

/* Matches pattern argv[pi] against s[0..n): 1, 0, or an error set on ctx (-1). */
static int regex_match(sqlite3_context *ctx, sqlite3_value **argv, int pi, const char *s, size_t n)
{
	gr_query *q = sqlite3_user_data(ctx);
	pcre2_code *re = sqlite3_get_auxdata(ctx, pi);
	if (!re) {
		const char *pat = (const char *)sqlite3_value_text(argv[pi]);
		size_t pn = (size_t)sqlite3_value_bytes(argv[pi]);
		if (!pat) {
			sqlite3_result_error(ctx, "regexp: the pattern is NULL", -1);
			return -1;
		}
		if (pn > GR_QUERY_MAX_PATTERN) {
			sqlite3_result_error(ctx, "regexp: pattern longer than 4096 bytes", -1);
			return -1;
		}
		int err;
		PCRE2_SIZE eoff;
		re = pcre2_compile((PCRE2_SPTR)pat, pn, PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &err, &eoff, NULL);
		if (!re) {
			char what[256], msg[400];
			pcre2_get_error_message(err, (PCRE2_UCHAR *)what, sizeof what);
			snprintf(msg, sizeof msg, "regexp: bad pattern at offset %zu: %s", (size_t)eoff, what);
			sqlite3_result_error(ctx, msg, -1);
			return -1;
		}
		pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* no JIT: the interpreter, same answers */
		sqlite3_set_auxdata(ctx, pi, re, regex_free);
		if (!(re = sqlite3_get_auxdata(ctx, pi))) {
			/* SQLite did not keep it (the pattern is not a constant): it was freed */
			sqlite3_result_error(ctx, "regexp: the pattern must be a constant", -1);
			return -1;
		}
	}
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	if (!md) {
		sqlite3_result_error_nomem(ctx);
		return -1;
	}
	int r = pcre2_match(re, (PCRE2_SPTR)(s ? s : ""), n, 0, 0, md, q->mctx);
	pcre2_match_data_free(md);
	if (r >= 0)
		return 1;
	if (r == PCRE2_ERROR_NOMATCH)
		return 0;
	char what[256], msg[400];
	pcre2_get_error_message(r, (PCRE2_UCHAR *)what, sizeof what);
	snprintf(msg, sizeof msg, "regexp: %s (limits: %u steps, depth %u per record)", what, GR_QUERY_MATCH_LIMIT,
		 GR_QUERY_DEPTH_LIMIT);
	sqlite3_result_error(ctx, msg, -1);
	return -1;
}

/* _gr_regexp(content, pattern): the record's text; _gr_regexp(content,
 * pattern, value) and regexp(pattern, value) (the REGEXP operator): value. */
static void fn_regexp_text(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	if (argc == 3) {
		const char *v = (const char *)sqlite3_value_text(argv[2]);
		if (!v) {
			sqlite3_result_null(ctx);
			return;
		}
		int m = regex_match(ctx, argv, 1, v, (size_t)sqlite3_value_bytes(argv[2]));
		if (m >= 0)
			sqlite3_result_int(ctx, m);
		return;
	}
	const gr_buf *t = content_text(ctx, argv[0]);
	if (!t)
		return;
	int m = regex_match(ctx, argv, 1, t->ptr, t->len);
	if (m >= 0)
		sqlite3_result_int(ctx, m);
}

static void fn_regexp_op(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *v = (const char *)sqlite3_value_text(argv[1]);
	if (!v) {
		sqlite3_result_null(ctx);
		return;
	}
	int m = regex_match(ctx, argv, 0, v, (size_t)sqlite3_value_bytes(argv[1]));
	if (m >= 0)
		sqlite3_result_int(ctx, m);
}

/* _gr_pii(content, type): spans of that type in the text (IP addresses: global ones). */
static void fn_pii(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	gr_query *q = sqlite3_user_data(ctx);
	const char *name = (const char *)sqlite3_value_text(argv[1]);
	gr_pii_type t;
	if (!name || gr_pii_type_parse(name, &t)) {
		sqlite3_result_error(ctx,
				     "pii(type): type is one of EMAIL, PHONE, IP_ADDRESS, CREDIT_CARD, IBAN, US_SSN, SECRET",
				     -1);
		return;
	}
	const struct gr_pii_db *db = NULL;
	if (!q->scanner && (!q->env.pii_db || q->env.pii_db(q->env.ctx, &db))) {
		sqlite3_result_error(ctx, q->env.pii_db ? gr_error_last() : "pii(): no scanner in this query", -1);
		return;
	}
	const gr_buf *text = content_text(ctx, argv[0]);
	if (!text)
		return;
	if (!q->have_pii || memcmp(q->pii_hash, q->text_hash, GR_HASH_LEN) != 0) {
		const gr_pii_span *spans;
		size_t n;
		if (!q->scanner && gr_pii_scanner_new(&q->scanner, db)) {
			sqlite3_result_error(ctx, gr_error_last(), -1);
			return;
		}
		if (gr_pii_scan(q->scanner, text->ptr ? text->ptr : "", text->len, &spans, &n, q->pii_counts)) {
			sqlite3_result_error(ctx, gr_error_last(), -1);
			return;
		}
		memcpy(q->pii_hash, q->text_hash, GR_HASH_LEN);
		q->have_pii = true;
	}
	sqlite3_result_int64(ctx, q->pii_counts[t]);
}

/* ------------------------------------------------------------------ the sandbox */

static const char *const allowed_functions[] = {
	/* ours */
	"_gr_text", "_gr_contains", "_gr_regexp", "_gr_pii", "regexp",
	/* SQLite's core scalar functions without side effects */
	"abs", "char", "coalesce", "format", "glob", "hex", "ifnull", "iif", "instr", "length", "like", "likelihood",
	"likely", "lower", "ltrim", "max", "min", "nullif", "octet_length", "printf", "quote", "replace", "round",
	"rtrim", "sign", "substr", "substring", "trim", "typeof", "unhex", "unicode", "unlikely", "upper",
	/* aggregates and window functions */
	"avg", "count", "group_concat", "string_agg", "sum", "total", "row_number", "rank", "dense_rank",
	"percent_rank", "cume_dist", "ntile", "lag", "lead", "first_value", "last_value", "nth_value",
	/* date and time */
	"date", "time", "datetime", "julianday", "unixepoch", "strftime", "timediff",
	/* JSON (meta) */
	"json", "json_array", "json_array_length", "json_extract", "json_insert", "json_object", "json_patch",
	"json_quote", "json_remove", "json_replace", "json_set", "json_type", "json_valid", "json_group_array",
	"json_group_object", "->", "->>",
	/* math */
	"acos", "asin", "atan", "atan2", "ceil", "ceiling", "cos", "degrees", "exp", "floor", "ln", "log", "log10",
	"log2", "mod", "pi", "pow", "power", "radians", "sin", "sqrt", "tan", "trunc",
};

static bool function_allowed(const char *name)
{
	for (size_t i = 0; i < sizeof allowed_functions / sizeof *allowed_functions; i++)
		if (strcasecmp(name, allowed_functions[i]) == 0)
			return true;
	return false;
}

static const char *action_name(int action)
{
	switch (action) {
	case SQLITE_INSERT:
	case SQLITE_UPDATE:
	case SQLITE_DELETE:
		return "writing";
	case SQLITE_ATTACH:
	case SQLITE_DETACH:
		return "attaching a database";
	case SQLITE_PRAGMA:
		return "a PRAGMA";
	case SQLITE_TRANSACTION:
	case SQLITE_SAVEPOINT:
		return "a transaction";
	case SQLITE_RECURSIVE:
		return "a recursive WITH";
	case SQLITE_ANALYZE:
	case SQLITE_REINDEX:
		return "maintenance";
	default:
		return "changing the schema";
	}
}

/* Whether a column of the view comes from the scans table. */
static bool scan_column(const char *c)
{
	static const char *const cols[] = {"words", "lines", "mean_word_len", "symbol_ratio", "punct_line_frac",
					   "alpha_word_frac", "dup_line_frac", "dup_line_char_frac"};
	if (strncmp(c, "pii_", 4) == 0)
		return true;
	for (size_t i = 0; i < sizeof cols / sizeof *cols; i++)
		if (strcmp(c, cols[i]) == 0)
			return true;
	return false;
}

/* The tables the records view joins. */
static bool view_table(const char *t)
{
	static const char *const tables[] = {"records", "record_web", "sources", "scans", "gr_members", "duplicates"};
	for (size_t i = 0; i < sizeof tables / sizeof *tables; i++)
		if (strcmp(t, tables[i]) == 0)
			return true;
	return false;
}

static int authorize(void *ctx, int action, const char *a, const char *b, const char *db, const char *view)
{
	gr_query *q = ctx;
	if (!q->preparing)
		return SQLITE_OK; /* our own statements (the view was made before) */
	switch (action) {
	case SQLITE_SELECT:
		return SQLITE_OK;
	case SQLITE_READ:
		/* the view's own columns (in temp), and what the view reads */
		if (view && (strcmp(view, "records") == 0 || strcmp(view, "duplicates") == 0))
			return SQLITE_OK; /* SQLite expanding a view: every column it defines */
		if (a && strcmp(a, "duplicates") == 0 && db && strcmp(db, "temp") == 0)
			return SQLITE_OK;
		if (a && strcmp(a, "records") == 0 && db && strcmp(db, "temp") == 0) {
			/* a column the statement uses */
			if (b && scan_column(b))
				q->reads_scans = true;
			return SQLITE_OK;
		}
		/* SQLite asks with an empty column for a table the view joins but
		 * the query reads nothing of; no value is read. It passes the
		 * schema as written: the views name their tables main.x, while a
		 * user's unqualified 'scans' (a string where a name must be) has
		 * none, and a user's main.x is refused by rewrite()'s name check.
		 * Unqualified, records and duplicates are the views (without a
		 * version there is no duplicates view: the name is the table) */
		if (a && b && !*b && view_table(a) &&
		    (db ? strcmp(db, "main") == 0
			: strcmp(a, "records") == 0 || (strcmp(a, "duplicates") == 0 && q->env.version)))
			return SQLITE_OK;
		if (!q->refused[0])
			snprintf(q->refused, sizeof q->refused, "reading table '%s'", a ? a : "?");
		return SQLITE_DENY;
	case SQLITE_FUNCTION:
		if (b && function_allowed(b))
			return SQLITE_OK;
		if (!q->refused[0])
			snprintf(q->refused, sizeof q->refused, "the function %s()", b ? b : "?");
		return SQLITE_DENY;
	default:
		if (!q->refused[0]) {
			if ((action == SQLITE_INSERT || action == SQLITE_UPDATE) && a && !strcmp(a, "sqlite_master"))
				snprintf(q->refused, sizeof q->refused, "a table-valued function (json_each, pragma_*, ...)");
			else if ((action == SQLITE_INSERT || action == SQLITE_UPDATE || action == SQLITE_DELETE) && a)
				snprintf(q->refused, sizeof q->refused, "writing (to '%s')", a);
			else if (action == SQLITE_ATTACH && a)
				snprintf(q->refused, sizeof q->refused, "attaching a database ('%s')", a);
			else
				snprintf(q->refused, sizeof q->refused, "%s", action_name(action));
		}
		return SQLITE_DENY;
	}
}

static int progress(void *ctx)
{
	gr_query *q = ctx;
	return q->env.cancel && *q->env.cancel;
}

static void names_free(gr_query *q)
{
	for (int i = 0; i < q->nnames; i++)
		free(q->names[i]);
	free(q->names);
	q->names = NULL;
	q->nnames = 0;
}

/* A column named after an expression shows the rewrite ("_gr_text(_content)"):
 * give it back as the user wrote it ("text()"). */
static void names_make(gr_query *q)
{
	int n = sqlite3_column_count(q->st);
	if (n <= 0 || !(q->names = calloc((size_t)n, sizeof *q->names)))
		return;
	q->nnames = n;
	for (int i = 0; i < n; i++) {
		const char *s = sqlite3_column_name(q->st, i);
		if (!s || !strstr(s, "_gr_"))
			continue;
		gr_buf b = GR_BUF_INIT;
		while (*s) {
			const char *hit = strstr(s, "_gr_");
			const char *paren = hit ? strstr(hit, "(_content") : NULL;
			if (!hit || !paren) {
				gr_buf_puts(&b, s);
				break;
			}
			gr_buf_put(&b, s, (size_t)(hit - s));
			gr_buf_put(&b, hit + 4, (size_t)(paren - hit - 4));
			gr_buf_putc(&b, '(');
			s = paren + strlen("(_content");
			if (s[0] == ',' && s[1] == ' ')
				s += 2;
		}
		q->names[i] = b.ptr; /* NULL on failure: the raw name is used */
	}
}

/* ------------------------------------------------------------------ opening */

#define PII_COLS \
	"s.pii_email AS pii_email, s.pii_phone AS pii_phone, s.pii_ip_address AS pii_ip_address, " \
	"s.pii_credit_card AS pii_credit_card, s.pii_iban AS pii_iban, s.pii_us_ssn AS pii_us_ssn, " \
	"s.pii_secret AS pii_secret, "
#define QUALITY_COLS \
	"s.words AS words, s.lines AS lines, s.mean_word_len AS mean_word_len, s.symbol_ratio AS symbol_ratio, " \
	"s.punct_line_frac AS punct_line_frac, s.alpha_word_frac AS alpha_word_frac, " \
	"s.dup_line_frac AS dup_line_frac, s.dup_line_char_frac AS dup_line_char_frac, "

static const char view_head[] =
	"CREATE TEMP VIEW records AS SELECT "
	"lower(hex(substr(r.addr, 1, 8))) AS id, r.url AS url, r.domain AS domain, r.ts AS ts, src.name AS source, "
	"r.len AS len, coalesce(w.lang, r.meta ->> '$.lang', r.meta ->> '$.language') AS lang, "
	"coalesce(w.license, r.meta ->> '$.license', src.license) AS license, w.status AS status, "
	"src.license AS source_license, w.media_type AS content_type, coalesce(w.tdm_reservation, 0) AS tdm_reservation, "
	"w.tdm_policy AS tdm_policy, coalesce(w.noai, 0) AS noai, coalesce(w.noimageai, 0) AS noimageai, "
	PII_COLS QUALITY_COLS
	"s.content IS NOT NULL AS scanned, r.meta AS meta, lower(hex(r.content)) AS sha256, "
	"r.id AS _rid, r.content AS _content ";
static const char view_members[] = "FROM gr_members m JOIN main.records r ON r.id = m.rid ";
static const char view_all[] = "FROM main.records r ";
static const char view_tail[] = "LEFT JOIN main.record_web w ON w.record = r.id "
				"LEFT JOIN main.sources src ON src.id = r.source "
				"LEFT JOIN main.scans s ON s.content = r.content";

static int db_fail(gr_query *q, int code, const char *what)
{
	return gr_error_set(code, "query: %s: %s", what, q->db ? sqlite3_errmsg(q->db) : "out of memory");
}

int gr_query_open(gr_query **out, const gr_query_env *env)
{
	gr_query *q = calloc(1, sizeof *q);
	if (!q) {
		if (env->own_members)
			free((void *)env->members);
		return gr_error_set(GR_ENOMEM, "out of memory");
	}
	q->env = *env;
	gr_buf view = GR_BUF_INIT;
	int rc;
	gr_sqlite_memory_setup();
	if (sqlite3_open_v2(env->catalog_path, &q->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		rc = db_fail(q, GR_EIO, "open the catalog");
		goto fail;
	}
	sqlite3_busy_timeout(q->db, 10000);
	sqlite3_extended_result_codes(q->db, 0);
	/* scans read the catalog through the page cache: mapping it saves a
	 * pread copy per page (a million records are ~100 MB of pages); sorts
	 * (GROUP BY, DISTINCT) stay in memory instead of temp files */
	sqlite3_exec(q->db, "PRAGMA mmap_size = 4294967296; PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY", NULL,
		     NULL, NULL);
	sqlite3_db_config(q->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(q->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_db_config(q->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
	sqlite3_limit(q->db, SQLITE_LIMIT_LENGTH, (int)GR_QUERY_MAX_VALUE);
	sqlite3_limit(q->db, SQLITE_LIMIT_SQL_LENGTH, (int)GR_QUERY_MAX_SQL + 1024);
	sqlite3_limit(q->db, SQLITE_LIMIT_ATTACHED, 0);
	if (!(q->mctx = pcre2_match_context_create(NULL)) ||
	    !(q->jstack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL))) {
		rc = gr_error_set(GR_ENOMEM, "out of memory");
		goto fail;
	}
	pcre2_set_match_limit(q->mctx, GR_QUERY_MATCH_LIMIT);
	pcre2_set_depth_limit(q->mctx, GR_QUERY_DEPTH_LIMIT);
	pcre2_jit_stack_assign(q->mctx, NULL, q->jstack);
	struct {
		const char *name;
		int argc;
		void (*fn)(sqlite3_context *, int, sqlite3_value **);
	} fns[] = {
		{"_gr_text", 1, fn_text},	  {"_gr_contains", 2, fn_contains},  {"_gr_regexp", 2, fn_regexp_text},
		{"_gr_regexp", 3, fn_regexp_text}, {"regexp", 2, fn_regexp_op},	      {"_gr_pii", 2, fn_pii},
	};
	for (size_t i = 0; i < sizeof fns / sizeof *fns; i++)
		if (sqlite3_create_function_v2(q->db, fns[i].name, fns[i].argc, SQLITE_UTF8, q, fns[i].fn, NULL, NULL,
					       NULL) != SQLITE_OK) {
			rc = db_fail(q, GR_ERROR, "register functions");
			goto fail;
		}
	if (!env->all && sqlite3_create_module_v2(q->db, "gr_members", &members_module, q, NULL) != SQLITE_OK) {
		rc = db_fail(q, GR_ERROR, "register the members table");
		goto fail;
	}
	if ((rc = gr_buf_puts(&view, view_head)) || (rc = gr_buf_puts(&view, env->all ? view_all : view_members)) ||
	    (rc = gr_buf_puts(&view, view_tail)))
		goto fail;
	if (env->version) {
		rc = gr_buf_printf(&view,
				   "; CREATE TEMP VIEW duplicates AS SELECT lower(hex(substr(r.addr, 1, 8))) AS id, "
				   "lower(hex(substr(o.addr, 1, 8))) AS duplicate_of, d.kind AS kind, r.url AS url "
				   "FROM main.duplicates d JOIN main.records r ON r.id = d.record "
				   "JOIN main.records o ON o.id = d.dup_of WHERE d.version = %lld",
				   (long long)env->version);
		if (rc)
			goto fail;
	}
	char *msg = NULL;
	if (sqlite3_exec(q->db, view.ptr, NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(q->db, "PRAGMA query_only = 1", NULL, NULL, &msg) != SQLITE_OK) {
		rc = gr_error_set(GR_EIO, "query: set up the records view: %s", msg ? msg : sqlite3_errmsg(q->db));
		sqlite3_free(msg);
		goto fail;
	}
	sqlite3_set_authorizer(q->db, authorize, q);
	sqlite3_progress_handler(q->db, 10000, progress, q);
	gr_buf_free(&view);
	*out = q;
	return 0;
fail:
	gr_buf_free(&view);
	gr_query_free(q);
	return rc;
}

void gr_query_free(gr_query *q)
{
	if (!q)
		return;
	sqlite3_finalize(q->st);
	names_free(q);
	sqlite3_close(q->db);
	gr_pii_scanner_free(q->scanner);
	pcre2_match_context_free(q->mctx);
	pcre2_jit_stack_free(q->jstack);
	gr_buf_free(&q->text);
	if (q->env.own_members)
		free((void *)q->env.members);
	free(q);
}

/* ------------------------------------------------------------------ preparing */

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$' || (unsigned char)c >= 0x80;
}

/* Names a query may not use: the schemas (as qualifiers) and the tables the
 * views join. The authorizer stops reads of their columns; this also stops
 * a bare count(*) of them, which SQLite asks about with no column (and which
 * the views themselves need answered yes). */
static bool reserved_name(const char *p, size_t n, bool qualifier)
{
	static const char *const schemas[] = {"main", "temp", "temporary"};
	static const char *const tables[] = {"sources", "scans", "record_web", "gr_members", "minhash", "contents",
					     "chunks", "frames", "packs", "versions", "datasets"};
	for (size_t i = 0; qualifier && i < sizeof schemas / sizeof *schemas; i++)
		if (n == strlen(schemas[i]) && !strncasecmp(p, schemas[i], n))
			return true;
	for (size_t i = 0; i < sizeof tables / sizeof *tables; i++)
		if (n == strlen(tables[i]) && !strncasecmp(p, tables[i], n))
			return true;
	return false;
}

/* s past blanks and comments: what SQLite skips between two tokens. */
static const char *skip_blank(const char *s)
{
	for (;;) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\f' || *s == '\r')
			s++;
		else if (s[0] == '-' && s[1] == '-')
			s = strchr(s, '\n') ? strchr(s, '\n') : s + strlen(s);
		else if (s[0] == '/' && s[1] == '*')
			s = strstr(s + 2, "*/") ? strstr(s + 2, "*/") + 2 : s + strlen(s);
		else
			return s;
	}
}

/* Copies sql to out with the content functions bound to the row:
 * text() -> _gr_text(_content), contains(s) -> _gr_contains(_content, s),
 * regexp(p) -> _gr_regexp(_content, p), pii(t) -> _gr_pii(_content, t).
 * Strings, quoted names and comments are copied untouched. */
static int rewrite(gr_buf *out, const char *sql, int *depth_min, int *depth_end)
{
	static const char *const names[] = {"text", "contains", "regexp", "pii"};
	const char *p = sql;
	int rc = 0, depth = 0;
	*depth_min = 0;
	while (*p && !rc) {
		char c = *p;
		if (c == '\'' || c == '"' || c == '`' || c == '[') {
			char close = c == '[' ? ']' : c;
			const char *e = p + 1;
			while (*e && !(*e == close && !(close != ']' && e[1] == close)))
				e += *e == close ? 2 : 1;
			const char *k = skip_blank(*e ? e + 1 : e);
			/* a quoted name is a name too, and so is a string where only a
			 * name fits: SQLite reads 'main'.'scans' as main.scans */
			if ((c != '\'' || *k == '.') && reserved_name(p + 1, (size_t)(e - p - 1), *k == '.'))
				return gr_error_set(GR_EPERM,
						    "query refused: '%.*s' names a table of the catalog; a query may only "
						    "read the records (and duplicates) view",
						    (int)(e - p - 1), p + 1);
			if (*e)
				e++;
			rc = gr_buf_put(out, p, (size_t)(e - p));
			p = e;
		} else if (c == '-' && p[1] == '-') {
			const char *e = strchr(p, '\n');
			e = e ? e : p + strlen(p);
			rc = gr_buf_put(out, p, (size_t)(e - p));
			p = e;
		} else if (c == '/' && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");
			e = e ? e + 2 : p + strlen(p);
			rc = gr_buf_put(out, p, (size_t)(e - p));
			p = e;
		} else if (ident_char(c) && !isdigit((unsigned char)c)) {
			const char *e = p;
			while (ident_char(*e))
				e++;
			const char *k = skip_blank(e);
			bool done = false;
			if (*k == '(' && (p == sql || p[-1] != '.')) {
				for (size_t i = 0; i < sizeof names / sizeof *names && !done; i++) {
					if ((size_t)(e - p) != strlen(names[i]) || strncasecmp(p, names[i], (size_t)(e - p)))
						continue;
					const char *a = skip_blank(k + 1);
					rc = gr_buf_printf(out, "_gr_%s(_content%s", names[i], *a == ')' ? "" : ", ");
					p = k + 1;
					depth++;
					done = true;
				}
			}
			if (!done && reserved_name(p, (size_t)(e - p), *k == '.'))
				return gr_error_set(GR_EPERM,
						    "query refused: '%.*s' names a table of the catalog; a query may only "
						    "read the records (and duplicates) view",
						    (int)(e - p), p);
			if (!done) {
				rc = gr_buf_put(out, p, (size_t)(e - p));
				p = e;
			}
		} else if (isdigit((unsigned char)c)) {
			/* a number (1e5, 0x1F): not a name */
			const char *e = p;
			while (ident_char(*e) || *e == '.')
				e++;
			rc = gr_buf_put(out, p, (size_t)(e - p));
			p = e;
		} else {
			/* the parentheses outside strings and comments: a filter's
			 * expression must not close the WHERE it is placed in */
			depth += c == '(' ? 1 : c == ')' ? -1 : 0;
			if (depth < *depth_min)
				*depth_min = depth;
			rc = gr_buf_putc(out, c);
			p++;
		}
	}
	*depth_end = depth;
	return rc;
}

/* Whether s holds nothing but blanks, ';' and comments. */
static bool only_blank(const char *s)
{
	for (s = skip_blank(s); *s == ';'; s = skip_blank(s + 1))
		;
	return !*s;
}

/* Drops the prepared statement: a failed prepare leaves nothing to step. */
static void unprepare(gr_query *q)
{
	sqlite3_finalize(q->st);
	q->st = NULL;
	names_free(q);
	q->reads_scans = false;
}

static int prepare(gr_query *q, const char *sql, const char *what)
{
	unprepare(q);
	q->refused[0] = '\0';
	q->preparing = true;
	const char *tail = NULL;
	int r = sqlite3_prepare_v2(q->db, sql, -1, &q->st, &tail);
	q->preparing = false;
	if (r != SQLITE_OK) {
		if (q->refused[0])
			return gr_error_set(GR_EPERM,
					    "%s refused: %s is not allowed; a %s may only read the records (and duplicates) "
					    "view",
					    what, q->refused, what);
		return gr_error_set(GR_EINVAL, "%s: %s", what, sqlite3_errmsg(q->db));
	}
	if (!q->st)
		return gr_error_set(GR_EINVAL, "%s: empty", what);
	if (tail && !only_blank(tail)) {
		sqlite3_finalize(q->st);
		q->st = NULL;
		return gr_error_set(GR_EINVAL, "%s: one statement only (text follows at '%.40s')", what, tail);
	}
	if (!sqlite3_stmt_readonly(q->st)) {
		sqlite3_finalize(q->st);
		q->st = NULL;
		return gr_error_set(GR_EPERM, "%s refused: it does not only read", what);
	}
	names_make(q);
	return 0;
}

int gr_query_prepare(gr_query *q, const char *sql)
{
	unprepare(q);
	if (strlen(sql) > GR_QUERY_MAX_SQL)
		return gr_error_set(GR_ELIMIT, "query longer than %u bytes", GR_QUERY_MAX_SQL);
	/* the first word: a query reads (SQLite would say "cannot modify a
	 * view" for some writes before the sandbox is asked) */
	const char *w;
	for (w = skip_blank(sql); *w == '('; w = skip_blank(w + 1))
		;
	if (*w && strncasecmp(w, "select", 6) && strncasecmp(w, "with", 4) && strncasecmp(w, "values", 6))
		return gr_error_set(GR_EPERM, "query refused: '%.20s' is not allowed; a query is one SELECT (or WITH, "
					      "VALUES) over the records view",
				    w);
	gr_buf b = GR_BUF_INIT;
	int dmin, dend;
	int rc = rewrite(&b, sql, &dmin, &dend);
	if (!rc)
		rc = prepare(q, b.ptr ? b.ptr : "", "query");
	gr_buf_free(&b);
	return rc;
}

int gr_query_prepare_where(gr_query *q, const char *expr)
{
	unprepare(q);
	if (strlen(expr) > GR_QUERY_MAX_SQL)
		return gr_error_set(GR_ELIMIT, "expression longer than %u bytes", GR_QUERY_MAX_SQL);
	if (only_blank(expr))
		return gr_error_set(GR_EINVAL, "filter: the --where expression is empty");
	gr_buf b = GR_BUF_INIT;
	/* the newline ends a trailing -- comment inside the parentheses */
	int dmin = 0, dend = 0;
	int rc = gr_buf_puts(&b, "SELECT _rid, len FROM records WHERE (");
	rc = rc ? rc : rewrite(&b, expr, &dmin, &dend);
	if (!rc && (dmin < 0 || dend != 0))
		rc = gr_error_set(GR_EINVAL, "filter: the --where expression's parentheses do not balance");
	rc = rc ? rc : gr_buf_puts(&b, "\n)");
	if (!rc)
		rc = prepare(q, b.ptr, "filter");
	gr_buf_free(&b);
	return rc;
}

bool gr_query_reads_scans(const gr_query *q)
{
	return q->reads_scans;
}

int gr_query_step(gr_query *q)
{
	if (!q->st)
		return gr_error_set(GR_EINVAL, "query: nothing prepared");
	int r = sqlite3_step(q->st);
	if (r == SQLITE_ROW)
		return 1;
	if (r == SQLITE_DONE)
		return 0;
	if (r == SQLITE_INTERRUPT)
		return gr_error_set(GR_EINTR, "query cancelled");
	int code = r == SQLITE_NOMEM ? GR_ENOMEM : r == SQLITE_TOOBIG ? GR_ELIMIT : GR_EINVAL;
	return gr_error_set(code, "query: %s", sqlite3_errmsg(q->db));
}

int gr_query_ncols(const gr_query *q)
{
	return q->st ? sqlite3_column_count(q->st) : 0;
}

const char *gr_query_col_name(const gr_query *q, int i)
{
	if (q->names && i >= 0 && i < q->nnames && q->names[i])
		return q->names[i];
	const char *n = sqlite3_column_name(q->st, i);
	return n ? n : "?";
}


gr_qv_type gr_query_col_type(const gr_query *q, int i)
{
	switch (sqlite3_column_type(q->st, i)) {
	case SQLITE_INTEGER:
		return GR_QV_INT;
	case SQLITE_FLOAT:
		return GR_QV_REAL;
	case SQLITE_TEXT:
		return GR_QV_TEXT;
	case SQLITE_BLOB:
		return GR_QV_BLOB;
	default:
		return GR_QV_NULL;
	}
}

int64_t gr_query_col_int(const gr_query *q, int i)
{
	return sqlite3_column_int64(q->st, i);
}

double gr_query_col_real(const gr_query *q, int i)
{
	return sqlite3_column_double(q->st, i);
}

const char *gr_query_col_text(const gr_query *q, int i, size_t *n)
{
	const char *t = sqlite3_column_type(q->st, i) == SQLITE_BLOB ? sqlite3_column_blob(q->st, i)
								      : (const char *)sqlite3_column_text(q->st, i);
	*n = (size_t)sqlite3_column_bytes(q->st, i);
	return t ? t : "";
}

int gr_query_unscanned(gr_query *q, uint64_t *out)
{
	sqlite3_stmt *s;
	/* not through prepare(): our own statement, outside the sandbox's bookkeeping */
	if (sqlite3_prepare_v2(q->db, "SELECT count(*) FROM records WHERE NOT scanned", -1, &s, NULL) != SQLITE_OK)
		return db_fail(q, GR_EIO, "count unscanned records");
	int r = sqlite3_step(s);
	if (r == SQLITE_ROW)
		*out = (uint64_t)sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return r == SQLITE_ROW ? 0 : db_fail(q, GR_EIO, "count unscanned records");
}

uint64_t gr_query_text_bytes(const gr_query *q)
{
	return q->text_bytes;
}
