/*
 * libgranary's public interface: a hub and the operations on it. Functions
 * return 0 or a negative gr_err; gr_error_last() tells what went wrong.
 * The CLI (cli/granary.c) and the daemon are thin front ends over this.
 *
 * A hub is one directory:
 *   catalog.db   SQLite catalog (the only commit point)
 *   store/       packs/ (immutable pack files) and tmp/ (staging)
 *   history.git  bare git repository, one commit per dataset version
 *   lock         held (flock) by the process writing to the hub
 */
#ifndef GRANARY_H
#define GRANARY_H

#include <stdbool.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "history/history.h"
#include "ingest/ingest.h"
#include "util/util.h"

#define GR_DATASET_NAME_MAX 64

typedef struct gr_hub gr_hub;

/* Creates a hub in dir (made if missing). GR_EEXIST if one is there. */
int gr_hub_init(const char *dir);
/* Opens an existing hub. */
int gr_hub_open(gr_hub **out, const char *dir);
void gr_hub_close(gr_hub *h);
const char *gr_hub_path(const gr_hub *h);
gr_catalog *gr_hub_catalog(gr_hub *h);

/* True when name can be a dataset: [A-Za-z0-9][A-Za-z0-9._-]*, at most 64, and a valid git branch. */
bool gr_dataset_name_valid(const char *name);

/* Resolves "DATASET", "DATASET@vN" or "DATASET@N" to a version. */
int gr_hub_resolve(gr_hub *h, const char *spec, gr_version_info *out);

/* ---- ingest ---- */
typedef struct {
	const char *text_field;
	const char *source;
	const char *message;
	bool strict;
	bool replace; /* the new version holds only these files' records (default: adds to the head) */
	int threads;  /* worker threads; 0: one per CPU */
	gr_format format;   /* GR_FORMAT_AUTO: detected per file */
	bool keep_optout;   /* keep captures whose response reserved TDM rights (flagged) */
	bool keep_status;   /* keep HTTP responses other than 2xx */
	bool drop_boilerplate; /* HTML: drop nav, aside, footer, header text */
	bool scan;          /* scan each text for PII and quality as it comes in */
	const char *author; /* who asked (the daemon's caller); NULL: this process's user */
	void (*bad_line)(const char *file, uint64_t line, const char *why, void *ctx);
	void (*progress)(const gr_ingest_progress *p, void *ctx);
	void *ctx;
	volatile int *cancel;
} gr_hub_ingest_opts;

typedef struct {
	gr_ingest_stats stats;
	uint64_t bytes_stored; /* pack bytes written */
	double seconds;
	/* The version committed but its history commit failed: why (gc writes it later). */
	char history_warning[512];
} gr_hub_ingest_result;

/* Creates DATASET@vN from the files; on any failure the hub is as it was. */
int gr_hub_ingest(gr_hub *h, const char *dataset, const char *const *files, size_t nfiles,
		  const gr_hub_ingest_opts *o, gr_version_info *version_out, gr_hub_ingest_result *res);

/* ---- reading ---- */
/* Appends the text of a content (by hash) to out, checking every hash. */
int gr_hub_read_content(gr_hub *h, const uint8_t content[GR_HASH_LEN], gr_buf *out);
/* Appends a record's text to out, checking every hash on the way. */
int gr_hub_read_text(gr_hub *h, const gr_record_info *r, gr_buf *out);
/* Resolves a record id (hex prefix) that must be a member of the version. */
int gr_hub_record_in_version(gr_hub *h, const gr_version_info *v, const char *id, int64_t *rid_out);
/* Writes the 16-hex-digit public id of a record. */
void gr_record_id(char out[17], const uint8_t addr[GR_HASH_LEN]);

/* Calls cb for record ids added (in b, not a) and removed (in a, not b). */
int gr_hub_diff(gr_hub *h, const gr_version_info *a, const gr_version_info *b,
		int (*cb)(int64_t rid, bool added, void *ctx), void *ctx);

/* Appends one export line (JSON object and '\n') for a record; redact_mask
 * (pii.h's type mask, 0: none) replaces personal data of those types in the
 * text by <TYPE> (IP addresses: global ones only). */
int gr_hub_export_line(gr_hub *h, const gr_record_info *r, uint32_t redact_mask, gr_buf *out);
/* Writes a version as JSON Lines to path (".zst" suffix: zstd-compressed),
 * atomically; *records_out and *bytes_out count records and text bytes. */
int gr_hub_export(gr_hub *h, const gr_version_info *v, const char *path, uint32_t redact_mask,
		  void (*progress)(uint64_t done, uint64_t total, void *ctx), void *ctx, uint64_t *records_out,
		  uint64_t *bytes_out);

/* ---- curation: scan, query, filter, dedup ---- */
struct gr_pii_db;
struct gr_query;
/* The hub's compiled PII patterns (compiled on first use, owned by the hub). */
int gr_hub_pii_db(gr_hub *h, const struct gr_pii_db **out);
/* A version's member ids, ascending; the caller frees *ids. */
int gr_hub_members(gr_hub *h, const gr_version_info *v, int64_t **ids, size_t *n);

typedef struct {
	volatile int *cancel;
	void (*progress)(uint64_t done, uint64_t total, void *ctx);
	void *ctx;
} gr_hub_query_opts;
/* A query (src/query) over v's records, or every record of the hub when v
 * is NULL; free it with gr_query_free before the hub is closed. o may be NULL. */
int gr_hub_query_open(gr_hub *h, const gr_version_info *v, const gr_hub_query_opts *o, struct gr_query **out);

typedef struct {
	const char *where;   /* SQL expression over the records view */
	const char *into;    /* NULL: a new version of the input's dataset */
	const char *message; /* NULL: "filter DS@vN where EXPR" */
	const char *author;  /* NULL: this process's user */
	void (*progress)(uint64_t done, uint64_t total, void *ctx);
	void *ctx;
	volatile int *cancel;
} gr_hub_filter_opts;
typedef struct {
	uint64_t kept, dropped, text_bytes_read;
	double seconds;
	char history_warning[512];
} gr_hub_filter_result;
/* A new version (of in's dataset, or of o->into, made when missing) holding
 * in's records for which o->where is true; its parent is in. A where that
 * reads scan results needs every record scanned (GR_EINVAL otherwise). */
int gr_hub_filter(gr_hub *h, const gr_version_info *in, const gr_hub_filter_opts *o, gr_version_info *out,
		  gr_hub_filter_result *res);

typedef struct {
	int threads; /* 0: one per CPU */
	void (*progress)(uint64_t done, uint64_t total, void *ctx);
	/* a text over the scanner's limits (src/scan/pii.h): it stays unscanned */
	void (*refused)(const uint8_t content[GR_HASH_LEN], void *ctx);
	void *ctx;
	volatile int *cancel;
} gr_hub_scan_opts;
typedef struct {
	uint64_t records, contents; /* members, and their distinct texts */
	uint64_t cached;            /* texts scanned before */
	uint64_t scanned, bytes;    /* texts scanned now, and their bytes */
	uint64_t refused;           /* texts over the scanner's limits, left unscanned */
	double seconds;
} gr_hub_scan_result;
/* Scans every text of v not scanned yet (PII counts, quality attributes),
 * storing the results by content hash; all or nothing. */
int gr_hub_scan(gr_hub *h, const gr_version_info *v, const gr_hub_scan_opts *o, gr_hub_scan_result *res);

typedef struct {
	bool near;         /* near duplicates too (MinHash LSH), not only exact ones */
	double threshold;  /* near: estimated Jaccard to accept a pair; 0: 0.72 */
	const gr_version_info *against; /* also drop records whose text is in this version */
	const char *against_name;       /* its name, for the stats */
	const char *into, *message, *author;
	int threads;
	void (*progress)(uint64_t done, uint64_t total, void *ctx);
	void *ctx;
	volatile int *cancel;
} gr_hub_dedup_opts;
typedef struct {
	uint64_t kept, exact_dropped, near_dropped, against_dropped, signatures_computed;
	double seconds;
	char history_warning[512];
} gr_hub_dedup_result;
/* A new version of in's records without repeats (see src/hub/dedup.c); the
 * records left out are listed with what they repeat (table duplicates). */
int gr_hub_dedup(gr_hub *h, const gr_version_info *in, const gr_hub_dedup_opts *o, gr_version_info *out,
		 gr_hub_dedup_result *res);

/* ---- consent and removal (src/hub/remove.c, src/govern/consent.h) ---- */
typedef struct {
	const char *author; /* NULL: this process's user */
	/* the check afterwards searches every pack, not only those the removal
	 * wrote and those the catalog does not know (orphans) */
	bool full_check;
	void (*progress)(uint64_t done, uint64_t total, void *ctx);
	void *ctx;
	volatile int *cancel;
} gr_hub_remove_opts;
typedef struct {
	uint64_t matches, versions_affected, versions_made, contents_purged, bytes_purged, packs_rewritten;
	uint64_t files_checked, traces_found;
	char trace_where[512];
	double seconds;
	char warning[512];
} gr_hub_remove_result;
/* Applies a pending request to the whole hub (see src/hub/remove.c). */
int gr_hub_remove(gr_hub *h, int64_t request, const gr_hub_remove_opts *o, gr_hub_remove_result *res);

/* ---- documentation ---- */
/* Commits the documents of v (its dataset's latest version: older versions'
 * documents are kept in the catalog only) onto its history.git branch, the
 * tree otherwise kept, and records the new commit as v's. */
int gr_hub_docs_commit(gr_hub *h, const gr_version_info *v, const gr_history_file *files, size_t n,
		       const char *message, const char *author);

/* Keeps an audit report of a release in history.git: branch "audits", file
 * DATASET/TAG/audit-USE-TIME.json (every audit of a release adds one). */
int gr_hub_audit_snapshot(gr_hub *h, const char *dataset, const char *tag, const char *use, const char *json,
			  const char *message, char oid[GR_OID_HEX]);
/* Tags a history.git commit (a release). */
int gr_hub_tag_history(gr_hub *h, const char *commit, const char *name, const char *message, const char *who);

/* ---- maintenance ---- */
typedef struct {
	bool full; /* decompress and re-hash every chunk */
	void (*problem)(const char *what, void *ctx);
	/* remarks that are not failures: orphan packs, pending history commits */
	void (*note)(const char *what, void *ctx);
	void (*damaged)(const char *record_id, const char *dataset_versions, void *ctx);
	void (*progress)(uint64_t done, uint64_t total, void *ctx);
	void *ctx;
	volatile int *cancel; /* set non-zero from elsewhere to stop with GR_EINTR */
} gr_verify_opts;

typedef struct {
	uint64_t packs, frames, chunks, bytes, versions;
	uint64_t problems, damaged_records, orphan_packs;
	uint64_t history_pending; /* versions whose history commit is not written yet (gc writes them) */
} gr_verify_result;

/* GR_ECORRUPT when anything is wrong (each problem reported through opts). */
int gr_hub_verify(gr_hub *h, const gr_verify_opts *o, gr_verify_result *res);

typedef struct {
	uint64_t orphan_packs, orphan_bytes, tmp_files;
	uint64_t history_synced;
} gr_gc_result;
int gr_hub_gc(gr_hub *h, gr_gc_result *res);

/* Writes history commits for versions that lack one (after a crash between
 * the catalog commit and the history commit). */
int gr_hub_sync_history(gr_hub *h, uint64_t *written);

#endif
