/*
 * api/audit — may this version be used for this purpose, and why: one report
 * (JSON; Markdown rendered from it) with provenance, licences, consent,
 * personal data, quality, documentation and a verdict whose failing checks
 * are named. Each section says when something could not be checked.
 *
 * Verdict: "fail" when any check fails, "pass-with-warnings" when one warns,
 * else "pass". The CLI exits 0, 10 and 9 for them (docs/exit-codes.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "dedup/minhash.h"
#include "govern/consent.h"
#include "govern/spdx.h"
#include "query/query.h"

/* Every row of a query into arr as objects with these keys. */
static int query_rows(gr_hub *h, const gr_version_info *v, const char *sql, const char *const *keys, int n, cJSON *arr)
{
	gr_query *q = NULL;
	int rc = gr_hub_query_open(h, v, NULL, &q);
	if (!rc)
		rc = gr_query_prepare(q, sql);
	while (!rc && (rc = gr_query_step(q)) > 0) {
		rc = 0; /* a row: go on */
		cJSON *o = cJSON_CreateObject();
		for (int i = 0; i < n; i++) {
			size_t len;
			switch (gr_query_col_type(q, i)) {
			case GR_QV_INT: cJSON_AddNumberToObject(o, keys[i], (double)gr_query_col_int(q, i)); break;
			case GR_QV_REAL: cJSON_AddNumberToObject(o, keys[i], gr_query_col_real(q, i)); break;
			case GR_QV_TEXT: cJSON_AddStringToObject(o, keys[i], gr_query_col_text(q, i, &len)); break;
			default: cJSON_AddNullToObject(o, keys[i]); break;
			}
		}
		cJSON_AddItemToArray(arr, o);
	}
	gr_query_free(q);
	return rc < 0 ? rc : 0;
}

static void check(cJSON *checks, const char *name, const char *status, const char *detail)
{
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "check", name);
	cJSON_AddStringToObject(c, "status", status);
	cJSON_AddStringToObject(c, "detail", detail);
	cJSON_AddItemToArray(checks, c);
}

/* ---- provenance: the lineage back to the ingests ---- */

static int lineage(gr_hub *h, const gr_version_info *v, cJSON *arr)
{
	int64_t queue[512];
	size_t head = 0, tail = 0;
	queue[tail++] = v->id;
	int rc = 0;
	while (!rc && head < tail) {
		int64_t id = queue[head++];
		bool seen = false;
		for (size_t i = 0; i + 1 < head && !seen; i++)
			seen = queue[i] == id;
		if (seen)
			continue;
		gr_version_info x;
		if ((rc = gr_catalog_version_by_id(gr_hub_catalog(h), id, &x)))
			break;
		cJSON *o = gr_api_version_json(h, &x);
		cJSON_AddItemToArray(arr, o);
		for (int i = 0; i < x.nparents && tail < sizeof queue / sizeof *queue; i++)
			queue[tail++] = x.parents[i];
		gr_version_info_release(&x);
	}
	return rc;
}

/* Where each source came from and when: the sources table's URI, and the
 * retrieval date the documentation's sources field gives, else the one the
 * sources table holds (when Granary read it). */
static void source_details(gr_hub *h, const cJSON *doc, cJSON *sources)
{
	const cJSON *dsrc = cJSON_GetObjectItemCaseSensitive(doc, "sources"), *x;
	cJSON *e;
	cJSON_ArrayForEach(e, sources)
	{
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "name"));
		char *uri = NULL, *retrieved = NULL;
		if (name && gr_catalog_source_info(gr_hub_catalog(h), name, &uri, &retrieved))
			gr_error_clear();
		const char *from_doc = NULL;
		cJSON_ArrayForEach(x, dsrc)
		{
			const char *n = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "name"));
			if (name && n && !strcmp(n, name))
				from_doc = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "retrieved"));
		}
		cJSON_AddItemToObject(e, "uri", uri ? cJSON_CreateString(uri) : cJSON_CreateNull());
		const char *r = from_doc ? from_doc : retrieved; /* the curator's date, else when Granary read it */
		cJSON_AddItemToObject(e, "retrieved", r ? cJSON_CreateString(r) : cJSON_CreateNull());
		free(uri);
		free(retrieved);
	}
}

/* When the version's documents last changed: those of version from (its
 * own, or the ancestor's it inherits; 0: none). */
static cJSON *docs_last_change(gr_hub *h, int64_t from)
{
	char *updated = NULL, *by = NULL;
	cJSON *o = cJSON_CreateNull();
	if (from && gr_catalog_doc_updated(gr_hub_catalog(h), from, &updated, &by) == 0) {
		gr_version_info f;
		cJSON_Delete(o);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "updated", updated);
		cJSON_AddStringToObject(o, "by", by);
		if (gr_catalog_version_by_id(gr_hub_catalog(h), from, &f) == 0) {
			char name[GR_DATASET_NAME_MAX + 16];
			snprintf(name, sizeof name, "%s@v%d", f.dataset, f.num);
			cJSON_AddStringToObject(o, "version", name); /* an ancestor's, when inherited */
			gr_version_info_release(&f);
		}
	}
	gr_error_clear();
	free(updated);
	free(by);
	return o;
}

/* Near duplicates among the version's distinct texts, from the MinHash
 * signatures stored by `granary dedup --near` (an audit writes nothing, so
 * it computes none): LSH clusters at the default threshold; a record whose
 * text is not its cluster's first is a near duplicate. */
static int near_duplicates(gr_hub *h, const gr_version_info *v, cJSON *q)
{
	cJSON *nd = cJSON_AddObjectToObject(q, "near_duplicates");
	bool stored = false;
	int rc = gr_catalog_minhash_any(gr_hub_catalog(h), GR_MINHASH_VERSION, &stored);
	if (rc)
		return rc;
	cJSON_AddNumberToObject(nd, "threshold", GR_MINHASH_DEFAULT_THRESHOLD);
	if (!stored) {
		cJSON_AddBoolToObject(nd, "measured", false);
		cJSON_AddStringToObject(nd, "why", "no MinHash signatures in the hub: run granary dedup --near");
		return 0;
	}
	gr_query *qq = NULL;
	gr_minhash *sigs = NULL;
	uint32_t *rep = NULL;
	size_t n = 0, cap = 0, texts = 0;
	if ((rc = gr_hub_query_open(h, v, NULL, &qq)) ||
	    (rc = gr_query_prepare(qq, "SELECT DISTINCT _content FROM records")))
		goto out;
	while ((rc = gr_query_step(qq)) > 0) {
		size_t cn;
		const char *content = gr_query_col_text(qq, 0, &cn);
		bool found = false;
		texts++;
		if (n == cap && (rc = gr_array_reserve(&sigs, &cap, n, sizeof *sigs)))
			break;
		if (cn == GR_HASH_LEN &&
		    (rc = gr_catalog_minhash_get(gr_hub_catalog(h), (const uint8_t *)content, GR_MINHASH_VERSION, &sigs[n],
						 sizeof *sigs, &found)))
			break;
		n += found;
	}
	if (rc > 0)
		rc = 0;
	if (rc)
		goto out;
	uint64_t near = 0;
	if (n) {
		if (!(rep = malloc(n * sizeof *rep))) {
			rc = gr_error_set(GR_ENOMEM, "out of memory");
			goto out;
		}
		if ((rc = gr_lsh_cluster(rep, sigs, n, GR_MINHASH_DEFAULT_THRESHOLD)))
			goto out;
		for (size_t i = 0; i < n; i++)
			near += rep[i] != i;
	}
	cJSON_AddBoolToObject(nd, "measured", n == texts);
	cJSON_AddNumberToObject(nd, "texts", (double)texts);
	cJSON_AddNumberToObject(nd, "texts_with_signature", (double)n);
	cJSON_AddNumberToObject(nd, "near_duplicate_texts", (double)near);
	cJSON_AddNumberToObject(nd, "near_duplicate_rate", n ? (double)near / (double)n : 0);
	if (n < texts)
		cJSON_AddStringToObject(nd, "why", "some texts have no signature: run granary dedup --near on this version");
out:
	gr_query_free(qq);
	free(sigs);
	free(rep);
	return rc;
}

/* ---- consent: records still here that a removal's suppression list matches ---- */

struct sup_ctx {
	gr_suppress *s;
	bool any_text;
};

static int sup_add(const uint8_t key[16], const char *kind, int words, void *ctx)
{
	struct sup_ctx *c = ctx;
	c->any_text |= !strcmp(kind, "text");
	return gr_suppress_add(c->s, key, kind, words);
}

static int removal_matches(gr_hub *h, const gr_version_info *v, uint64_t *matches, cJSON *examples, bool *checked_text)
{
	uint8_t key[GR_HASH_LEN] = {0};
	struct sup_ctx c = {0};
	int rc = gr_suppress_new(&c.s, key);
	if (!rc)
		rc = gr_catalog_suppression_each(gr_hub_catalog(h), sup_add, &c);
	*matches = 0;
	*checked_text = false;
	if (rc || !gr_suppress_count(c.s)) {
		gr_suppress_free(c.s);
		return rc;
	}
	gr_suppress_free(c.s);
	c.s = NULL;
	c.any_text = false;
	if ((rc = gr_govern_key(gr_hub_path(h), key)) || (rc = gr_suppress_new(&c.s, key)) ||
	    (rc = gr_catalog_suppression_each(gr_hub_catalog(h), sup_add, &c)))
		goto out;
	/* one pass over the view: ids, URLs, content hashes (and texts when a
	 * text selector is on the list) */
	gr_query *q = NULL;
	if ((rc = gr_hub_query_open(h, v, NULL, &q)) ||
	    (rc = gr_query_prepare(q, c.any_text ? "SELECT id, url, _content, text() FROM records"
						 : "SELECT id, url, _content FROM records"))) {
		gr_query_free(q);
		goto out;
	}
	while ((rc = gr_query_step(q)) > 0) {
		size_t idn, un = 0, cn, tn = 0;
		const char *id = gr_query_col_text(q, 0, &idn);
		const char *url = gr_query_col_type(q, 1) == GR_QV_NULL ? NULL : gr_query_col_text(q, 1, &un);
		const char *content = gr_query_col_text(q, 2, &cn);
		const char *text = c.any_text ? gr_query_col_text(q, 3, &tn) : NULL;
		const char *why;
		if (cn == GR_HASH_LEN && gr_suppress_match(c.s, (const uint8_t *)content, url, un, text, tn, &why) &&
		    (*matches)++ < 20) {
			cJSON *e = cJSON_CreateObject();
			cJSON_AddStringToObject(e, "id", id);
			cJSON_AddStringToObject(e, "matched", why);
			cJSON_AddItemToArray(examples, e);
		}
	}
	gr_query_free(q);
	if (rc > 0)
		rc = 0;
	*checked_text = c.any_text;
out:
	gr_suppress_free(c.s);
	return rc;
}

struct req_ctx {
	gr_hub *h;
	const int64_t *members; /* the version's, sorted */
	size_t nmembers;
	cJSON *arr;
	uint64_t overdue, pending, pending_matches;
	uint64_t unfinished, traced; /* applied removals cut short, or whose check found a trace */
	int64_t hits;
};

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int count_member(int64_t rid, void *ctx)
{
	struct req_ctx *c = ctx;
	c->hits += bsearch(&rid, c->members, c->nmembers, sizeof *c->members, cmp_i64) != NULL;
	return 0;
}

/* Records of the version a pending request's selector matches (a text
 * selector: the version's texts are read). */
static int pending_matches(struct req_ctx *c, const gr_request *r)
{
	c->hits = 0;
	if (strcmp(r->selector_kind, "text"))
		return gr_catalog_records_matching(gr_hub_catalog(c->h), r->selector_kind, r->selector, count_member, c);
	uint8_t key[GR_HASH_LEN] = {0}, k[GR_KEYED_LEN];
	gr_suppress *probe = NULL;
	gr_buf norm = GR_BUF_INIT, text = GR_BUF_INIT;
	int words, rc = gr_govern_text_norm(r->selector, &norm, &words);
	if (!rc)
		rc = gr_suppress_new(&probe, key);
	if (!rc) {
		gr_govern_keyed(key, "text", norm.ptr, norm.len, k);
		rc = gr_suppress_add(probe, k, "text", words);
	}
	for (size_t i = 0; !rc && i < c->nmembers; i++) {
		gr_record_info ri;
		const char *why;
		if ((rc = gr_catalog_record_get(gr_hub_catalog(c->h), c->members[i], &ri)))
			break;
		gr_buf_reset(&text);
		if (!(rc = gr_hub_read_text(c->h, &ri, &text)) &&
		    gr_suppress_match(probe, (const uint8_t[GR_HASH_LEN]){0}, NULL, 0, text.ptr, text.len, &why))
			c->hits++;
		gr_record_info_release(&ri);
	}
	gr_suppress_free(probe);
	gr_buf_free(&norm);
	gr_buf_free(&text);
	return rc;
}

static int req_one(const gr_request *r, void *ctx)
{
	struct req_ctx *c = ctx;
	cJSON *o = gr_api_request_json(r);
	cJSON_DeleteItemFromObjectCaseSensitive(o, "selector"); /* the report goes round: no selectors */
	c->overdue += cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "overdue"));
	c->unfinished += cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "unfinished"));
	const cJSON *ver = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "result"), "verification");
	const cJSON *traces = cJSON_GetObjectItemCaseSensitive(ver, "traces");
	c->traced += cJSON_IsNumber(traces) && traces->valuedouble > 0;
	if (!strcmp(r->status, "pending") && r->selector) {
		c->pending++;
		int rc = pending_matches(c, r);
		if (rc) {
			cJSON_Delete(o);
			return rc;
		}
		cJSON_AddNumberToObject(o, "records_in_version", (double)c->hits);
		c->pending_matches += (uint64_t)c->hits;
	}
	cJSON_AddItemToArray(c->arr, o);
	return 0;
}

int gr_api_audit(gr_hub *h, const char *spec, const char *use, cJSON **out)
{
	*out = NULL;
	gr_spdx_use u;
	if (gr_spdx_use_parse(use ? use : "", &u)) /* before a pass over the records */
		return gr_error_set(GR_EINVAL, "--use is commercial, research or academic");
	gr_version_info v;
	int rc = gr_hub_resolve(h, spec, &v);
	if (rc)
		return rc;
	cJSON *o = cJSON_CreateObject(), *checks = cJSON_CreateArray(), *lic = NULL, *docs = NULL;
	char name[GR_DATASET_NAME_MAX + 16], detail[512];
	snprintf(name, sizeof name, "%s@v%d", v.dataset, v.num);
	cJSON_AddStringToObject(o, "format", "granary-audit/1");
	cJSON_AddStringToObject(o, "version", name);
	cJSON_AddStringToObject(o, "use", use ? use : "");
	char now[32];
	gr_time_iso(now, gr_time_now());
	cJSON_AddStringToObject(o, "audited", now);
	cJSON_AddItemToObject(o, "summary", gr_api_version_json(h, &v));

	/* provenance */
	cJSON *prov = cJSON_AddObjectToObject(o, "provenance");
	if ((rc = lineage(h, &v, cJSON_AddArrayToObject(prov, "lineage"))))
		goto out;
	cJSON *facts = NULL, *val = NULL, *S = NULL;
	/* the records by licence and source, read once for the facts, the
	 * licence check and the NOTICE */
	gr_license_rows lrows;
	if ((rc = gr_api_license_rows(h, &v, &lrows)))
		goto out;
	rc = gr_api_doc_facts_rows(h, &v, &lrows, &facts);
	if (rc) {
		gr_license_rows_free(&lrows);
		goto out;
	}
	/* the documentation's validation, while the facts are whole */
	if ((rc = gr_api_doc_validation(h, &v, facts, &val))) {
		cJSON_Delete(facts);
		gr_license_rows_free(&lrows);
		goto out;
	}
	{
		/* the stored documents, read once: their sources' dates and when they changed */
		char *text = NULL;
		int64_t from = 0;
		if (gr_catalog_doc_get(gr_hub_catalog(h), v.id, &text, &from))
			gr_error_clear();
		cJSON *doc = text ? cJSON_Parse(text) : NULL;
		free(text);
		cJSON_AddItemToObject(val, "last_change", docs_last_change(h, doc ? from : 0));
		cJSON *srcs = cJSON_DetachItemFromObjectCaseSensitive(facts, "sources");
		source_details(h, doc, srcs);
		cJSON_AddItemToObject(prov, "sources", srcs);
		cJSON_Delete(doc);
	}
	cJSON_AddItemToObject(o, "documentation", val);

	/* licences */
	if ((rc = gr_api_license_check_rows(h, &v, &lrows, use, &lic))) {
		cJSON_Delete(facts);
		gr_license_rows_free(&lrows);
		goto out;
	}
	bool allowed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(lic, "allowed"));
	int nconf = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(lic, "conflicts"));
	snprintf(detail, sizeof detail, "%.0f records are not cleared for %s use, %.0f have no known licence",
		 cJSON_GetObjectItemCaseSensitive(lic, "records_not_allowed")->valuedouble, use,
		 cJSON_GetObjectItemCaseSensitive(lic, "records_without_license")->valuedouble);
	check(checks, "licence allows the use", cJSON_GetObjectItemCaseSensitive(lic, "records_not_allowed")->valuedouble ? "fail" : "pass",
	      detail);
	snprintf(detail, sizeof detail, "%d conflict(s) between licences", nconf);
	check(checks, "no licence conflicts", nconf ? "fail" : "pass", detail);
	(void)allowed;
	{
		/* the attributions an export's NOTICE file carries */
		gr_buf notice = GR_BUF_INIT;
		rc = gr_api_notice_rows(&v, &lrows, &notice);
		gr_license_rows_free(&lrows);
		if (rc) {
			gr_buf_free(&notice);
			cJSON_Delete(facts);
			goto out;
		}
		cJSON_AddStringToObject(lic, "notice", notice.ptr ? notice.ptr : "");
		gr_buf_free(&notice);
	}
	cJSON_AddItemToObject(o, "licenses", lic);
	lic = NULL;

	/* consent */
	cJSON *cons = cJSON_AddObjectToObject(o, "consent");
	/* one pass for every count the sections below need */
	static const char *const sk[] = {"tdm", "noai", "noimageai", "records", "pii_bytes", "bytes", "unscanned",
					 "distinct", "min_len", "max_len", "mean_len", "domains", "h0", "h1", "h2", "h3",
					 "h4", "mean_words", "mean_word_len", "symbol_ratio", "alpha_word_frac",
					 "dup_line_frac", "first", "last", "w_lo", "w_hi", "wl_lo", "wl_hi", "sym_hi",
					 "alpha_lo", "dup_hi"};
	cJSON *stats = cJSON_CreateArray(), *st = stats;
	if ((rc = query_rows(h, &v,
			     "SELECT sum(tdm_reservation), sum(noai), sum(noimageai), count(*), "
			     "coalesce(sum(CASE WHEN pii_email + pii_phone + pii_ip_address + pii_credit_card + pii_iban + "
			     "pii_us_ssn + pii_secret > 0 THEN len END), 0), sum(len), sum(NOT scanned), "
			     "count(DISTINCT _content), min(len), max(len), avg(len), count(DISTINCT domain), "
			     "sum(len < 100), sum(len >= 100 AND len < 1000), sum(len >= 1000 AND len < 10000), "
			     "sum(len >= 10000 AND len < 100000), sum(len >= 100000), avg(words), avg(mean_word_len), "
			     "avg(symbol_ratio), avg(alpha_word_frac), avg(dup_line_frac), min(ts), max(ts), "
			     "sum(words < 50), sum(words > 100000), sum(mean_word_len < 3), sum(mean_word_len > 10), "
			     "sum(symbol_ratio > 0.1), sum(alpha_word_frac < 0.8), sum(dup_line_frac > 0.3) FROM records",
			     sk, (int)(sizeof sk / sizeof *sk), st))) {
		cJSON_Delete(st);
		cJSON_Delete(facts);
		goto out;
	}
	S = cJSON_DetachItemFromArray(st, 0);
	cJSON_Delete(st);
#define NUM(k) (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(S, k)) ? cJSON_GetObjectItemCaseSensitive(S, k)->valuedouble : 0)
	int64_t sig[3] = {(int64_t)NUM("tdm"), (int64_t)NUM("noai"), (int64_t)NUM("noimageai")};
	cJSON_AddNumberToObject(cons, "tdm_reservation", (double)sig[0]);
	cJSON_AddNumberToObject(cons, "noai", (double)sig[1]);
	cJSON_AddNumberToObject(cons, "noimageai", (double)sig[2]);
	snprintf(detail, sizeof detail, "%lld records reserved text-and-data-mining rights, %lld said noai",
		 (long long)sig[0], (long long)sig[1]);
	check(checks, "no opt-out signals", sig[0] || sig[1] ? "fail" : "pass", detail);
	uint64_t matches;
	bool text_checked;
	cJSON *ex = cJSON_CreateArray();
	if ((rc = removal_matches(h, &v, &matches, ex, &text_checked))) {
		cJSON_Delete(ex);
		cJSON_Delete(facts);
		goto out;
	}
	cJSON_AddNumberToObject(cons, "records_matching_removals", (double)matches);
	cJSON_AddItemToObject(cons, "matching_examples", ex);
	snprintf(detail, sizeof detail, "%llu records match a removal's content, URL%s", (unsigned long long)matches,
		 text_checked ? ", domain or text" : " or domain");
	check(checks, "nothing a removal request covers", matches ? "fail" : "pass", detail);
	int64_t *mem = NULL;
	size_t nmem = 0;
	if ((rc = gr_hub_members(h, &v, &mem, &nmem))) {
		cJSON_Delete(facts);
		goto out;
	}
	struct req_ctx rq = {.h = h, .members = mem, .nmembers = nmem, .arr = cJSON_AddArrayToObject(cons, "requests")};
	rc = gr_catalog_request_each(gr_hub_catalog(h), req_one, &rq);
	free(mem);
	if (rc) {
		cJSON_Delete(facts);
		goto out;
	}
	cJSON_AddNumberToObject(cons, "records_matching_pending_requests", (double)rq.pending_matches);
	snprintf(detail, sizeof detail, "%llu records are covered by removal requests not yet applied",
		 (unsigned long long)rq.pending_matches);
	check(checks, "no record a pending removal request covers", rq.pending_matches ? "fail" : "pass", detail);
	cJSON_AddNumberToObject(cons, "requests_overdue", (double)rq.overdue);
	cJSON_AddNumberToObject(cons, "requests_pending", (double)rq.pending);
	cJSON_AddNumberToObject(cons, "removals_applied_since", cJSON_GetObjectItemCaseSensitive(facts, "removals")->valuedouble);
	snprintf(detail, sizeof detail, "%llu pending request(s), %llu past their deadline", (unsigned long long)rq.pending,
		 (unsigned long long)rq.overdue);
	check(checks, "no removal request overdue", rq.overdue ? "fail" : rq.pending ? "warn" : "pass", detail);
	cJSON_AddNumberToObject(cons, "removals_unfinished", (double)rq.unfinished);
	cJSON_AddNumberToObject(cons, "removals_with_traces", (double)rq.traced);
	snprintf(detail, sizeof detail,
		 "%llu applied removal(s) cut short after their commit (the next write finishes them), "
		 "%llu whose check found a trace of the removed text",
		 (unsigned long long)rq.unfinished, (unsigned long long)rq.traced);
	check(checks, "every applied removal purged and verified", rq.unfinished || rq.traced ? "fail" : "pass",
	      detail);

	/* personal data */
	cJSON *pii = cJSON_DetachItemFromObjectCaseSensitive(facts, "pii");
	int64_t pb[3] = {(int64_t)NUM("pii_bytes"), (int64_t)NUM("bytes"), (int64_t)NUM("unscanned")};
	cJSON *pd = cJSON_AddObjectToObject(o, "personal_data");
	cJSON_AddItemToObject(pd, "records_by_type", pii);
	cJSON_AddNumberToObject(pd, "bytes_affected", (double)pb[0]);
	cJSON_AddNumberToObject(pd, "share_of_bytes", pb[1] ? (double)pb[0] / (double)pb[1] : 0);
	cJSON_AddNumberToObject(pd, "records_unscanned", (double)pb[2]);
	cJSON_AddBoolToObject(pd, "scanned_completely", pb[2] == 0);
	if (pb[2])
		snprintf(detail, sizeof detail, "%lld records are not scanned (granary scan)", (long long)pb[2]);
	else
		snprintf(detail, sizeof detail, "%.2f%% of the text bytes are in records holding personal data",
			 pb[1] ? 100.0 * (double)pb[0] / (double)pb[1] : 0.0);
	check(checks, "scanned for personal data", pb[2] ? "warn" : pb[0] ? "warn" : "pass", detail);

	/* quality */
	cJSON *q = cJSON_AddObjectToObject(o, "quality");
	int64_t qs[2] = {(int64_t)NUM("records"), (int64_t)NUM("distinct")};
	cJSON_AddNumberToObject(q, "records", (double)qs[0]);
	cJSON_AddNumberToObject(q, "exact_duplicates", (double)(qs[0] - qs[1]));
	cJSON_AddNumberToObject(q, "exact_duplicate_rate", qs[0] ? (double)(qs[0] - qs[1]) / (double)qs[0] : 0);
	cJSON_AddNumberToObject(q, "min_length", NUM("min_len"));
	cJSON_AddNumberToObject(q, "max_length", NUM("max_len"));
	cJSON_AddNumberToObject(q, "mean_length", NUM("mean_len"));
	cJSON_AddNumberToObject(q, "domains", NUM("domains"));
	static const char *const buckets[] = {"<100", "100-999", "1K-10K", "10K-100K", ">=100K"};
	static const char *const hkeys[] = {"h0", "h1", "h2", "h3", "h4"};
	cJSON *hist = cJSON_AddArrayToObject(q, "length_histogram");
	for (int i = 0; i < 5; i++)
		if (NUM(hkeys[i]) > 0) {
			cJSON *b = cJSON_CreateObject();
			cJSON_AddStringToObject(b, "bucket", buckets[i]);
			cJSON_AddNumberToObject(b, "records", NUM(hkeys[i]));
			cJSON_AddItemToArray(hist, b);
		}
	static const char *const dk[] = {"domain", "records"};
	if ((rc = query_rows(h, &v, "SELECT domain, count(*) n FROM records GROUP BY domain ORDER BY n DESC LIMIT 10", dk, 2,
			     cJSON_AddArrayToObject(q, "top_domains"))))
		goto out_facts;
	cJSON *tr = cJSON_AddObjectToObject(q, "time_range");
	cJSON_AddItemToObject(tr, "first", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(S, "first"), 1));
	cJSON_AddItemToObject(tr, "last", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(S, "last"), 1));
	cJSON_AddItemToObject(q, "languages", cJSON_DetachItemFromObjectCaseSensitive(facts, "languages"));
	if (!pb[2]) {
		cJSON *at = cJSON_CreateObject();
		static const char *const ak[] = {"mean_words", "mean_word_len", "symbol_ratio", "alpha_word_frac",
						 "dup_line_frac"};
		for (int i = 0; i < 5; i++)
			cJSON_AddNumberToObject(at, ak[i], NUM(ak[i]));
		cJSON *arr = cJSON_AddArrayToObject(q, "attributes");
		cJSON_AddItemToArray(arr, at);
		/* how the records spread around the Gopher rules' bounds
		 * (docs/query.md): records below, within and above each */
		cJSON *bands = cJSON_AddObjectToObject(q, "attribute_bands");
		double scanned = NUM("records") - NUM("unscanned");
		static const struct {
			const char *name, *lo, *hi;
			const char *bounds;
		} bk[] = {{"words", "w_lo", "w_hi", "50..100000"},
			  {"mean_word_len", "wl_lo", "wl_hi", "3..10"},
			  {"symbol_ratio", NULL, "sym_hi", "<= 0.1"},
			  {"alpha_word_frac", "alpha_lo", NULL, ">= 0.8"},
			  {"dup_line_frac", NULL, "dup_hi", "<= 0.3"}};
		for (size_t i = 0; i < sizeof bk / sizeof *bk; i++) {
			cJSON *b = cJSON_AddObjectToObject(bands, bk[i].name);
			double lo = bk[i].lo ? NUM(bk[i].lo) : 0, hi = bk[i].hi ? NUM(bk[i].hi) : 0;
			cJSON_AddStringToObject(b, "bounds", bk[i].bounds);
			cJSON_AddNumberToObject(b, "below", lo);
			cJSON_AddNumberToObject(b, "within", scanned - lo - hi);
			cJSON_AddNumberToObject(b, "above", hi);
		}
	}
	if ((rc = near_duplicates(h, &v, q)))
		goto out_facts;
	snprintf(detail, sizeof detail, "%lld exact duplicate records", (long long)(qs[0] - qs[1]));
	check(checks, "no exact duplicates", qs[0] - qs[1] ? "warn" : "pass", detail);

	/* documentation (validated above) */
	bool valid = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(val, "valid"));
	snprintf(detail, sizeof detail, "%.0f of %.0f required fields filled; %.1f%% of the recommended",
		 cJSON_GetObjectItemCaseSensitive(val, "required_filled")->valuedouble,
		 cJSON_GetObjectItemCaseSensitive(val, "required_total")->valuedouble,
		 cJSON_GetObjectItemCaseSensitive(val, "completeness")->valuedouble);
	check(checks, "required documentation present", valid ? "pass" : "fail", detail);

	/* verdict */
	const char *verdict = "pass";
	const cJSON *c;
	cJSON *failing = cJSON_CreateArray();
	cJSON_ArrayForEach(c, checks)
	{
		const char *status = cJSON_GetObjectItemCaseSensitive(c, "status")->valuestring;
		if (!strcmp(status, "fail")) {
			verdict = "fail";
			cJSON_AddItemToArray(failing, cJSON_CreateString(cJSON_GetObjectItemCaseSensitive(c, "check")->valuestring));
		} else if (!strcmp(status, "warn") && strcmp(verdict, "fail")) {
			verdict = "pass-with-warnings";
		}
	}
	cJSON *vd = cJSON_AddObjectToObject(o, "verdict");
	cJSON_AddStringToObject(vd, "result", verdict);
	cJSON_AddItemToObject(vd, "failing", failing);
	cJSON_AddItemToObject(vd, "checks", checks);
	checks = NULL;
	rc = 0;
	/* a release's audit is kept in history.git: what was known when */
	const char *at = strchr(spec, '@');
	int64_t tagged;
	if (at && gr_catalog_tag_get(gr_hub_catalog(h), at + 1, &tagged) == 0 && tagged == v.id) {
		char *json = cJSON_PrintUnformatted(o), oid[GR_OID_HEX], msg[400];
		snprintf(msg, sizeof msg, "audit of %s (%s) for %s use: %s", at + 1, name, use, verdict);
		if (json && gr_hub_audit_snapshot(h, v.dataset, at + 1, use, json, msg, oid) == 0) {
			cJSON *sn = cJSON_AddObjectToObject(o, "snapshot");
			cJSON_AddStringToObject(sn, "branch", "audits");
			cJSON_AddStringToObject(sn, "commit", oid);
		} else {
			cJSON_AddStringToObject(o, "snapshot_warning", gr_error_last());
		}
		gr_error_clear();
		free(json);
	} else {
		gr_error_clear();
	}
out_facts:
	cJSON_Delete(S);
	cJSON_Delete(facts);
out:
	cJSON_Delete(checks);
	cJSON_Delete(lic);
	cJSON_Delete(docs);
	gr_version_info_release(&v);
	if (rc) {
		cJSON_Delete(o);
		return rc;
	}
	*out = o;
	return 0;
}

/* ---- Markdown ---- */

static void md_kv(gr_buf *b, const char *k, const cJSON *v)
{
	if (cJSON_IsNumber(v))
		gr_buf_printf(b, "| %s | %.6g |\n", k, v->valuedouble);
	else if (cJSON_IsString(v))
		gr_buf_printf(b, "| %s | %s |\n", k, v->valuestring);
	else if (cJSON_IsBool(v))
		gr_buf_printf(b, "| %s | %s |\n", k, cJSON_IsTrue(v) ? "yes" : "no");
}

static void md_object(gr_buf *b, const cJSON *o)
{
	gr_buf_puts(b, "| | |\n|---|---|\n");
	const cJSON *e;
	cJSON_ArrayForEach(e, o) md_kv(b, e->string, e);
	gr_buf_puts(b, "\n");
}

int gr_api_audit_markdown(const cJSON *a, gr_buf *b)
{
	const cJSON *vd = cJSON_GetObjectItemCaseSensitive(a, "verdict");
	gr_buf_printf(b, "# Audit of %s for %s use\n\n", cJSON_GetObjectItemCaseSensitive(a, "version")->valuestring,
		      cJSON_GetObjectItemCaseSensitive(a, "use")->valuestring);
	gr_buf_printf(b, "Audited %s by Granary. **Verdict: %s**\n\n", cJSON_GetObjectItemCaseSensitive(a, "audited")->valuestring,
		      cJSON_GetObjectItemCaseSensitive(vd, "result")->valuestring);
	gr_buf_puts(b, "| check | result | detail |\n|---|---|---|\n");
	const cJSON *c;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(vd, "checks"))
	gr_buf_printf(b, "| %s | %s | %s |\n", cJSON_GetObjectItemCaseSensitive(c, "check")->valuestring,
		      cJSON_GetObjectItemCaseSensitive(c, "status")->valuestring,
		      cJSON_GetObjectItemCaseSensitive(c, "detail")->valuestring);
	gr_buf_puts(b, "\n## Provenance\n\n| version | operation | created | records | commit |\n|---|---|---|---|---|\n");
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(a, "provenance"), "lineage"))
	{
		const cJSON *cm = cJSON_GetObjectItemCaseSensitive(c, "commit");
		gr_buf_printf(b, "| %s | %s | %s | %.0f | %.12s |\n", cJSON_GetObjectItemCaseSensitive(c, "version")->valuestring,
			      cJSON_GetObjectItemCaseSensitive(c, "operation")->valuestring,
			      cJSON_GetObjectItemCaseSensitive(c, "created")->valuestring,
			      cJSON_GetObjectItemCaseSensitive(c, "records")->valuedouble, cJSON_IsString(cm) ? cm->valuestring : "-");
	}
	gr_buf_puts(b, "\n### Sources\n\n| source | records | licence | retrieved |\n|---|---|---|---|\n");
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(a, "provenance"), "sources"))
	{
		const cJSON *l = cJSON_GetObjectItemCaseSensitive(c, "license");
		const cJSON *r = cJSON_GetObjectItemCaseSensitive(c, "retrieved");
		gr_buf_printf(b, "| %s | %.0f | %s | %s |\n", cJSON_GetObjectItemCaseSensitive(c, "name")->valuestring,
			      cJSON_GetObjectItemCaseSensitive(c, "records")->valuedouble, cJSON_IsString(l) ? l->valuestring : "unknown",
			      cJSON_IsString(r) ? r->valuestring : "unknown");
	}
	gr_buf_puts(b, "\n## Licences\n\n| licence | records | class | allowed |\n|---|---|---|---|\n");
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(a, "licenses"), "licenses"))
	{
		const cJSON *l = cJSON_GetObjectItemCaseSensitive(c, "license");
		gr_buf_printf(b, "| %s | %.0f | %s | %s |\n", cJSON_IsString(l) ? l->valuestring : "no licence known",
			      cJSON_GetObjectItemCaseSensitive(c, "records")->valuedouble,
			      cJSON_GetObjectItemCaseSensitive(c, "class")->valuestring,
			      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "allowed")) ? "yes" : "no");
	}
	const cJSON *notice = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(a, "licenses"), "notice");
	if (cJSON_IsString(notice))
		gr_buf_printf(b, "\n### NOTICE (the attributions an export carries)\n\n```\n%s```\n", notice->valuestring);
	gr_buf_puts(b, "\n## Consent\n\n");
	md_object(b, cJSON_GetObjectItemCaseSensitive(a, "consent"));
	gr_buf_puts(b, "## Personal data\n\n");
	md_object(b, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(a, "personal_data"), "records_by_type"));
	md_object(b, cJSON_GetObjectItemCaseSensitive(a, "personal_data"));
	gr_buf_puts(b, "## Quality\n\n");
	md_object(b, cJSON_GetObjectItemCaseSensitive(a, "quality"));
	gr_buf_puts(b, "### Near duplicates\n\n");
	md_object(b, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(a, "quality"), "near_duplicates"));
	gr_buf_puts(b, "## Documentation\n\n");
	md_object(b, cJSON_GetObjectItemCaseSensitive(a, "documentation"));
	gr_buf_puts(b, "### Last change\n\n");
	md_object(b, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(a, "documentation"), "last_change"));
	return 0;
}
