/*
 * query — the filter and query language: read-only SQL over a `records` view.
 *
 * A query runs on its own read-only SQLite connection to the catalog, where
 * a temporary view `records` shows the records of one version (or of the
 * whole hub) with their metadata, web signals, scan results and quality
 * attributes; docs/query.md lists every column. A second view,
 * `duplicates` (id, duplicate_of, kind), lists the records a dedup that made
 * the version left out, and the record each one repeated. Functions that read a
 * record's text are registered on that connection: text(), contains(s),
 * regexp(pattern), pii(type); the REGEXP operator works on any column.
 *
 * The sandbox (invariants):
 *  - SQLite's authorizer allows SELECT, reads through the `records` view (and
 *    `duplicates`, for a version), and a list of side-effect-free functions; any
 *    other action (a write, ATTACH, PRAGMA, a schema change, reading another
 *    table, a recursive CTE) makes preparation fail with a message that names
 *    what was refused. The connection is opened read-only and query_only as
 *    well, so a gap in the list still writes nothing.
 *  - One statement per query; trailing text is an error.
 *  - Content functions read text through the caller's callback, one record
 *    at a time (the last text read is cached), so a content predicate
 *    streams; a metadata-only query never calls it.
 *  - regexp() is PCRE2 with JIT, a match limit (GR_QUERY_MATCH_LIMIT) and a
 *    depth limit; reaching one is an error, not a silent non-match.
 *
 * SQLite is the query language, so this module uses it directly (the one
 * other user of SQLite beside src/catalog); it opens the catalog read-only.
 */
#ifndef GR_QUERY_H
#define GR_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

#define GR_QUERY_MAX_SQL (64u * 1024)          /* bytes of one query or expression */
#define GR_QUERY_MATCH_LIMIT 10000000u          /* PCRE2 match limit per record */
#define GR_QUERY_DEPTH_LIMIT 100000u            /* PCRE2 backtracking depth per record */
#define GR_QUERY_MAX_PATTERN 4096u              /* bytes of one regexp pattern */
#define GR_QUERY_MAX_VALUE (256u * 1024 * 1024) /* SQLite string/blob length */

typedef struct gr_query gr_query;
struct gr_pii_db;

/* Appends the text of the content with this hash to out (checking it). */
typedef int (*gr_query_read_fn)(void *ctx, const uint8_t content[GR_HASH_LEN], gr_buf *out);

typedef struct {
	const char *catalog_path;
	/* The version's members, sorted ascending (borrowed; must outlive the
	 * query). all: every record in the hub instead. */
	const int64_t *members;
	size_t nmembers;
	bool own_members; /* gr_query_free frees members */
	bool all;
	int64_t version; /* the version's id (for the duplicates view); 0: none */
	gr_query_read_fn read_text;
	void *ctx;
	/* for pii(type), asked on its first use (compiling the patterns costs
	 * 0.1 s); NULL: pii() is an error */
	int (*pii_db)(void *ctx, const struct gr_pii_db **out);
	volatile int *cancel;        /* non-zero stops a running query with GR_EINTR */
	/* called every 16384 members scanned (a version's query only); may be NULL */
	void (*progress)(uint64_t done, uint64_t total, void *ctx);
} gr_query_env;

int gr_query_open(gr_query **out, const gr_query_env *env);
void gr_query_free(gr_query *q);

/* Prepares a query ("SELECT ..."). GR_EINVAL with a clear message for SQL
 * errors and for anything the sandbox refuses (GR_EPERM). */
int gr_query_prepare(gr_query *q, const char *sql);
/* Prepares "SELECT _rid, len FROM records WHERE (expr)": a filter. */
int gr_query_prepare_where(gr_query *q, const char *expr);
/* After prepare: whether the statement reads scan results (pii_* counts,
 * quality attributes), which are NULL for records not scanned. */
bool gr_query_reads_scans(const gr_query *q);

/* Steps the prepared statement: 1 a row, 0 done, or < 0 an error. */
int gr_query_step(gr_query *q);
typedef enum { GR_QV_NULL, GR_QV_INT, GR_QV_REAL, GR_QV_TEXT, GR_QV_BLOB } gr_qv_type;
int gr_query_ncols(const gr_query *q);
const char *gr_query_col_name(const gr_query *q, int i);
gr_qv_type gr_query_col_type(const gr_query *q, int i);
int64_t gr_query_col_int(const gr_query *q, int i);
double gr_query_col_real(const gr_query *q, int i);
/* Text (NUL-terminated) or blob bytes; *n their length. */
const char *gr_query_col_text(const gr_query *q, int i, size_t *n);

/* Members of the version not scanned yet (0 for a hub-wide query: counts
 * every record then). */
int gr_query_unscanned(gr_query *q, uint64_t *out);

/* Bytes of text the content functions read so far. */
uint64_t gr_query_text_bytes(const gr_query *q);

#endif
