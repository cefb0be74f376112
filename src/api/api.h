/*
 * api — every operation of the hub as JSON in, JSON out. The daemon serves
 * these results over the socket and the CLI renders the very same objects,
 * whether it computed them itself or got them from the daemon; so the two
 * cannot drift apart. docs/api.md describes each object.
 */
#ifndef GR_API_H
#define GR_API_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "catalog/access.h"
#include "granary.h"

/* The error's code string for JSON ("not_found", ...) and its HTTP status. */
const char *gr_api_err_code(int rc);
int gr_api_err_status(int rc);
/* The gr_err for a code string (GR_ERROR when unknown). */
int gr_api_err_from_code(const char *code);
/* {"error":{"code":..,"message":..}} */
cJSON *gr_api_error_json(int rc, const char *message);

/* A version as JSON: version, dataset, number, operation, message, created,
 * author, parents, records, bytes, digest, commit, stats. */
cJSON *gr_api_version_json(gr_hub *h, const gr_version_info *v);

/* [{"dataset":..,"head":VERSION|null}] */
int gr_api_datasets(gr_hub *h, cJSON **out);
/* Versions of the dataset of spec, newest first. */
int gr_api_log(gr_hub *h, const char *spec, cJSON **out);
int gr_api_show(gr_hub *h, const char *spec, cJSON **out);

#define GR_API_PAGE_MAX 10000
/* {"version":..,"records":[{"id","url","domain","timestamp","source","length"}],"next":CURSOR|null}:
 * members after the cursor (0: from the start), at most limit (<= GR_API_PAGE_MAX). */
int gr_api_records(gr_hub *h, const char *spec, int64_t after, uint64_t limit, cJSON **out);
/* One record of a version: its export line (JSON object and '\n') in json,
 * or its text in text (either may be NULL). */
int gr_api_record(gr_hub *h, const char *spec, const char *id, gr_buf *json, gr_buf *text);
/* {"changes":[{"change":"added"|"removed","id","url"}],"added":N,"removed":N,"next":CURSOR|null} */
int gr_api_diff(gr_hub *h, const char *spec_a, const char *spec_b, int64_t after, uint64_t limit, cJSON **out);

/* ---- long work: progress, cancel, result ---- */
typedef struct {
	uint64_t records_done, records_total, bytes_done, bytes_total;
	const char *stage;
} gr_api_progress;

typedef struct {
	void (*progress)(const gr_api_progress *p, void *ctx);
	/* a line of the input skipped, as it happens (the result lists the first 100 too) */
	void (*bad_line)(const char *file, uint64_t line, const char *why, void *ctx);
	void *ctx;
	volatile int *cancel;
} gr_api_ctl;

/* params: {"files":[..],"text_field","source","message","strict","replace","threads"}.
 * *result (also on GR_ECORRUPT-free failures it may stay NULL):
 * {"version":VERSION,"ingest":{records_in,records_new,duplicates,skipped,bytes_in,bytes_stored,
 *   seconds,mb_per_s,skipped_lines:[..]},"warning"?} */
int gr_api_ingest(gr_hub *h, const char *dataset, const cJSON *params, const gr_api_ctl *ctl, cJSON **result);
/* {"ok","full","packs",..,"problems":[..],"notes":[..],"damaged":[{"id","in"}]}; the result is
 * made also when the hub fails verification (GR_ECORRUPT). */
int gr_api_verify(gr_hub *h, bool full, const gr_api_ctl *ctl, cJSON **result);
int gr_api_gc(gr_hub *h, const gr_api_ctl *ctl, cJSON **result);

/* ---- curation ---- */
/* params: {"where","into","message","author"}. *result:
 * {"version":VERSION,"filter":{input,where,kept,dropped,text_bytes_read,seconds},"warning"?} */
int gr_api_filter(gr_hub *h, const char *spec, const cJSON *params, const gr_api_ctl *ctl, cJSON **result);
/* params: {"threads"}. *result: {"version":"DS@vN","scan":{records,texts,cached,scanned,bytes,
 * seconds,mb_per_s},"pii":{TYPE:{records,spans}},"records_with_pii"} */
int gr_api_scan(gr_hub *h, const char *spec, const cJSON *params, const gr_api_ctl *ctl, cJSON **result);
/* params: {"near","threshold","against","into","message","author"}. *result:
 * {"version":VERSION,"dedup":{input,kept,exact_dropped,near_dropped,against_dropped,
 *  signatures_computed,threshold,seconds},"warning"?} */
int gr_api_dedup(gr_hub *h, const char *spec, const cJSON *params, const gr_api_ctl *ctl, cJSON **result);
#define GR_API_QUERY_MAX_ROWS 100000
/* A read-only query over spec's records (spec NULL: every record of the hub):
 * {"version"?,"columns":[..],"rows":[[..]],"count","truncated","text_bytes_read","seconds"};
 * at most limit rows (0 or more than GR_API_QUERY_MAX_ROWS: that many). */
int gr_api_query(gr_hub *h, const char *spec, const char *sql, uint64_t limit, const gr_api_ctl *ctl, cJSON **out);

/* ---- consent and removal ---- */
/* A request as JSON: id, kind, selector_kind, selector (null once applied), selector_hint,
 * requester, basis, received, deadline, notes, status, created, created_by, applied,
 * applied_by, overdue, result. */
cJSON *gr_api_request_json(const gr_request *r);
/* params: {"selector_kind","selector","kind","basis","requester","received","deadline","notes"};
 * *out: the request. who: the caller (OS user). */
int gr_api_consent_add(gr_hub *h, const cJSON *params, const char *who, cJSON **out);
/* Applies request id: {"request":REQUEST,"seconds","warning"?}; full_check: search every pack
 * afterwards (else the packs it wrote and orphans). */
int gr_api_remove(gr_hub *h, int64_t id, const char *who, bool full_check, const gr_api_ctl *ctl, cJSON **out);
int gr_api_removals(gr_hub *h, cJSON **out);
int gr_api_removal(gr_hub *h, int64_t id, cJSON **out);
/* The governance log: [{"id","at","who","action","request"?,"detail"}], oldest first. */
int gr_api_governance_log(gr_hub *h, cJSON **out);

/* ---- licences ---- */
/* Sets a source's licence (an SPDX expression, normalised): {"source","license"}. */
int gr_api_license_set_source(gr_hub *h, const char *source, const char *expr, const char *who, cJSON **out);
/* Whether spec's records may be used for use ("commercial", "research", "academic"):
 * {"version","use","licenses":[{license,records,bytes,class,classified,attribution,share_alike,
 *  no_derivatives,allowed}],"conflicts":[{a,b,why}],"declared","records_not_allowed",
 *  "bytes_not_allowed","records_without_license","allowed"}. A record's licence is its own
 * (a licence link on the page, the input's license field), else its source's; none is the
 * conservative class (no use allowed). */
int gr_api_license_check(gr_hub *h, const char *spec, const char *use, cJSON **out);
/* The NOTICE text of a version: its records grouped by licence and source, with the domains
 * they come from and which licences require attribution. */
int gr_api_notice(gr_hub *h, const char *spec, gr_buf *out);

/* A version's records grouped by (licence, source), read in one pass over
 * them: what the licence check, the NOTICE and the documentation's facts are
 * made of, so that an audit, which needs all three, reads them once. Rows
 * are ordered by licence (none first), then records, most first. */
typedef struct {
	char *license;        /* NULL: no licence known */
	char *source;         /* NULL: no source */
	char *source_license; /* the source's own licence, if set */
	char *domains;        /* the distinct domains, comma-separated (NULL: none) */
	uint64_t records, bytes;
} gr_license_row;
typedef struct {
	gr_license_row *rows;
	size_t n;
} gr_license_rows;
int gr_api_license_rows(gr_hub *h, const gr_version_info *v, gr_license_rows *out);
void gr_license_rows_free(gr_license_rows *r);
/* The rows summed by licence (name: the licence) or by source (name: the
 * source; license: its own licence, the highest if rows differ), in the
 * order first seen; NULL when out of memory. Free with free(). */
typedef struct {
	const char *name, *license;
	uint64_t records, bytes;
	size_t order;
} gr_license_total;
gr_license_total *gr_license_totals(const gr_license_rows *rows, bool by_source, size_t *n);
/* Most records first, then in the order first seen. */
void gr_license_totals_sort(gr_license_total *t, size_t n);
/* gr_api_license_check, gr_api_notice and gr_api_doc_facts from rows read before. */
int gr_api_license_check_rows(gr_hub *h, const gr_version_info *v, const gr_license_rows *rows, const char *use,
			      cJSON **out);
int gr_api_notice_rows(const gr_version_info *v, const gr_license_rows *rows, gr_buf *out);
int gr_api_doc_facts_rows(gr_hub *h, const gr_version_info *v, const gr_license_rows *rows, cJSON **out);

/* ---- membership ---- */
/* Is this document in spec? One of url, hash_hex (content), text[0..tn) (exact by content hash,
 * and near: estimated Jaccard >= threshold, 0 for 0.72, against the records' stored MinHash
 * signatures). {"version","exact":[{id,url}],"near":[{id,url,jaccard}]?,"contained",
 *  "near_check"?:{threshold,records_with_signature,records}} */
int gr_api_contains(gr_hub *h, const char *spec, const char *url, const char *hash_hex, const char *text, size_t tn,
		    double threshold, cJSON **out);

/* ---- documentation and releases (src/api/govern.c) ---- */
/* The facts Granary fills in for a version: {"version","records","bytes","created","sources":
 * [{name,records,license}],"licenses":{..},"languages":{..},"pii":{TYPE:records,"unscanned"},"removals"}. */
int gr_api_doc_facts(gr_hub *h, const gr_version_info *v, cJSON **out);
/* The validation of v's documents against the hub's policy, given its facts. */
int gr_api_doc_validation(gr_hub *h, const gr_version_info *v, const cJSON *facts, cJSON **out);
/* {"version","inherited_from"?,"documents","validation","facts"} */
int gr_api_doc_show(gr_hub *h, const char *spec, cJSON **out);
/* Sets one field (src/govern/docs.h) and answers as doc_show ("warning"?). */
int gr_api_doc_set(gr_hub *h, const char *spec, const char *field, const char *value, const char *who, cJSON **out);
/* The text `doc edit` opens, and storing an edited one. */
int gr_api_doc_edit_text(gr_hub *h, const char *spec, gr_buf *out);
int gr_api_doc_replace(gr_hub *h, const char *spec, const char *text, size_t n, const char *who, cJSON **out);
/* format: card, croissant, datasheet, statement. */
int gr_api_doc_export(gr_hub *h, const char *spec, const char *format, gr_buf *out);
/* The policy; with require or recommend, moves that field first; with enforce, gates that
 * operation ("release", "export") on the required fields. */
int gr_api_doc_policy(gr_hub *h, const char *require, const char *recommend, const char *enforce, const char *who,
		      cJSON **out);
/* Tags spec as release name: refused (GR_EINVAL listing what is missing) while the policy's
 * required documentation is missing. {"tag","version","commit"?,"warning"?} */
int gr_api_tag(gr_hub *h, const char *spec, const char *name, const char *message, const char *who, cJSON **out);

/* 0 when the policy lets operation ("release", "export") go ahead on spec; GR_EINVAL
 * listing the required documentation missing otherwise. */
int gr_api_doc_gate(gr_hub *h, const char *spec, const char *operation);

/* ---- audit (src/api/audit.c) ---- */
/* The audit report of spec for use (format granary-audit/1): provenance, licenses, consent,
 * personal_data, quality, documentation, verdict {result: pass|pass-with-warnings|fail,
 * failing, checks}. */
int gr_api_audit(gr_hub *h, const char *spec, const char *use, cJSON **out);
/* The report as Markdown. */
int gr_api_audit_markdown(const cJSON *audit, gr_buf *out);
/* The report as one self-contained HTML page (inline CSS and SVG charts, no script). */
int gr_api_audit_html(const cJSON *audit, gr_buf *out);

/* ---- access.db ---- */
/* [{"principal","role","set_by","set_at"}] */
int gr_api_roles(gr_access *a, cJSON **out);
/* [{"id","at","uid","gid","pid","roles","action","target","outcome","detail"}]: entries after
 * the id after, oldest first, at most limit. */
int gr_api_audit_log(gr_access *a, int64_t after, int limit, cJSON **out);

/* ---- personal data ---- */
struct gr_pii_db;
/* {"spans":[{"type","start","end","text"(,"global")}],"counts":{TYPE:N}} for text[0..n):
 * byte offsets into the UTF-8 text; counts leave out non-global IP addresses. */
int gr_api_pii(const struct gr_pii_db *db, const char *text, size_t n, cJSON **out);
/* The text field of every line of a JSON Lines file, scanned on threads
 * (0: every core): {"file","records","bytes","skipped","refused","seconds","mb_per_s",
 * "pii":{TYPE:{"records","spans"}},"records_with_pii"}. */
int gr_api_pii_jsonl(const struct gr_pii_db *db, const char *path, const char *text_field, int threads,
		     cJSON **out);

/* Parses a paging cursor ("" or NULL: 0). */
int gr_api_cursor(const char *s, int64_t *out);

#endif
