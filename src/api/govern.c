/*
 * api/govern — documentation and releases as JSON: the documents of a
 * version (inherited from its nearest documented ancestor), the facts Granary
 * fills in, validation against the hub's policy, renderings, and tags.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "govern/docs.h"
#include "query/query.h"

static int done_(cJSON *o, cJSON **out)
{
	if (!o)
		return gr_error_set(GR_ENOMEM, "out of memory");
	*out = o;
	return 0;
}

/* One query's rows into obj as {col0: col1} (text keys, numeric values). */
static int facts_map(gr_hub *h, const gr_version_info *v, const char *sql, cJSON *obj)
{
	gr_query *q = NULL;
	int rc = gr_hub_query_open(h, v, NULL, &q);
	if (!rc)
		rc = gr_query_prepare(q, sql);
	while (!rc && (rc = gr_query_step(q)) > 0) {
		rc = 0; /* a row: go on */
		size_t n;
		const char *k = gr_query_col_type(q, 0) == GR_QV_NULL ? "unknown" : gr_query_col_text(q, 0, &n);
		cJSON_AddNumberToObject(obj, k, (double)gr_query_col_int(q, 1));
	}
	gr_query_free(q);
	return rc < 0 ? rc : 0;
}

int gr_api_doc_facts(gr_hub *h, const gr_version_info *v, cJSON **out)
{
	gr_license_rows rows;
	int rc = gr_api_license_rows(h, v, &rows);
	if (!rc) {
		rc = gr_api_doc_facts_rows(h, v, &rows, out);
		gr_license_rows_free(&rows);
	}
	return rc;
}

int gr_api_doc_facts_rows(gr_hub *h, const gr_version_info *v, const gr_license_rows *rows, cJSON **out)
{
	cJSON *f = cJSON_CreateObject();
	char name[GR_DATASET_NAME_MAX + 16];
	snprintf(name, sizeof name, "%s@v%d", v->dataset, v->num);
	cJSON_AddStringToObject(f, "version", name);
	cJSON_AddStringToObject(f, "dataset", v->dataset);
	cJSON_AddNumberToObject(f, "records", (double)v->records);
	cJSON_AddNumberToObject(f, "bytes", (double)v->bytes);
	cJSON_AddStringToObject(f, "created", v->created);
	int rc = 0;
	/* sources with their records and licence, and the records per licence
	 * (in licence order, none first), from the (licence, source) groups */
	size_t ns = 0, nl = 0;
	gr_license_total *st = gr_license_totals(rows, true, &ns), *lt = gr_license_totals(rows, false, &nl);
	if (!st || !lt) {
		free(st);
		free(lt);
		cJSON_Delete(f);
		return gr_error_set(GR_ENOMEM, "out of memory");
	}
	gr_license_totals_sort(st, ns);
	cJSON *src = cJSON_AddArrayToObject(f, "sources");
	for (size_t k = 0; k < ns; k++) {
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "name", st[k].name ? st[k].name : "unknown");
		cJSON_AddNumberToObject(e, "records", (double)st[k].records);
		if (st[k].license)
			cJSON_AddStringToObject(e, "license", st[k].license);
		cJSON_AddItemToArray(src, e);
	}
	cJSON *lics = cJSON_CreateObject();
	for (size_t k = 0; k < nl; k++)
		cJSON_AddNumberToObject(lics, lt[k].name ? lt[k].name : "unknown", (double)lt[k].records);
	free(st);
	free(lt);
	cJSON_AddItemToObject(f, "licenses", lics);
	if (!rc)
		rc = facts_map(h, v, "SELECT lang, count(*) FROM records GROUP BY lang", cJSON_AddObjectToObject(f, "languages"));
	if (!rc) {
		/* PII: records with each type, when the version is scanned (one pass) */
		static const char *const types[] = {"EMAIL", "PHONE", "IP_ADDRESS", "CREDIT_CARD", "IBAN", "US_SSN", "SECRET",
						    "unscanned"};
		gr_query *pq = NULL;
		cJSON *p = cJSON_AddObjectToObject(f, "pii");
		if (!(rc = gr_hub_query_open(h, v, NULL, &pq)) &&
		    !(rc = gr_query_prepare(pq, "SELECT sum(pii_email > 0), sum(pii_phone > 0), sum(pii_ip_address > 0), "
						"sum(pii_credit_card > 0), sum(pii_iban > 0), sum(pii_us_ssn > 0), "
						"sum(pii_secret > 0), sum(NOT scanned) FROM records")) &&
		    (rc = gr_query_step(pq)) == 1) {
			for (int i = 0; i < 8; i++)
				cJSON_AddNumberToObject(p, types[i], (double)gr_query_col_int(pq, i));
			rc = 0;
		}
		gr_query_free(pq);
	}
	if (rc) {
		cJSON_Delete(f);
		return rc;
	}
	/* removals applied since: tombstones among the members */
	int64_t *tomb = NULL;
	size_t nt = 0;
	if (!(rc = gr_catalog_tombstone_ids(gr_hub_catalog(h), &tomb, &nt))) {
		uint64_t k = 0;
		for (size_t i = 0; i < nt; i++) {
			bool in;
			if (!gr_catalog_member_has(gr_hub_catalog(h), v->id, tomb[i], &in) && in)
				k++;
		}
		cJSON_AddNumberToObject(f, "removals", (double)k);
		free(tomb);
	}
	return done_(f, out);
}

/* The version's documents (inherited when it has none of its own), and
 * where they come from. */
static int load_doc(gr_hub *h, const gr_version_info *v, cJSON **doc, int64_t *from)
{
	char *text = NULL;
	int rc = gr_catalog_doc_get(gr_hub_catalog(h), v->id, &text, from);
	if (rc)
		return rc;
	if (!text)
		return gr_doc_new(doc);
	cJSON *d = cJSON_Parse(text);
	free(text);
	if (!cJSON_IsObject(d)) {
		cJSON_Delete(d);
		return gr_error_set(GR_ECORRUPT, "stored documents are not a JSON object");
	}
	if (*from != v->id) {
		/* inherited: what a new version takes from its parent */
		cJSON *c = NULL;
		rc = gr_doc_inherit(&c, d);
		cJSON_Delete(d);
		if (rc)
			return rc;
		d = c;
	}
	*doc = d;
	return 0;
}

static int load_policy(gr_hub *h, cJSON **out)
{
	char *text = NULL;
	int rc = gr_catalog_policy_get(gr_hub_catalog(h), &text);
	if (rc)
		return rc;
	if (!text)
		return gr_doc_policy_default(out);
	cJSON *p = cJSON_Parse(text);
	free(text);
	if (!cJSON_IsObject(p)) {
		cJSON_Delete(p);
		return gr_error_set(GR_ECORRUPT, "the stored documentation policy is not a JSON object");
	}
	*out = p;
	return 0;
}

int gr_api_doc_validation(gr_hub *h, const gr_version_info *v, const cJSON *facts, cJSON **out)
{
	cJSON *doc = NULL, *policy = NULL;
	int64_t from = 0;
	int rc = load_doc(h, v, &doc, &from);
	if (!rc && !(rc = load_policy(h, &policy)))
		rc = gr_doc_validate(doc, policy, facts, out);
	cJSON_Delete(doc);
	cJSON_Delete(policy);
	return rc;
}

int gr_api_doc_show(gr_hub *h, const char *spec, cJSON **out)
{
	*out = NULL;
	gr_version_info v;
	int rc = gr_hub_resolve(h, spec, &v);
	if (rc)
		return rc;
	cJSON *doc = NULL, *policy = NULL, *facts = NULL, *val = NULL;
	int64_t from = 0;
	if (!(rc = load_doc(h, &v, &doc, &from)) && !(rc = load_policy(h, &policy)) &&
	    !(rc = gr_api_doc_facts(h, &v, &facts)) && !(rc = gr_doc_validate(doc, policy, facts, &val))) {
		cJSON *o = cJSON_CreateObject();
		char name[GR_DATASET_NAME_MAX + 16];
		snprintf(name, sizeof name, "%s@v%d", v.dataset, v.num);
		cJSON_AddStringToObject(o, "version", name);
		if (from && from != v.id) {
			gr_version_info f;
			if (!gr_catalog_version_by_id(gr_hub_catalog(h), from, &f)) {
				snprintf(name, sizeof name, "%s@v%d", f.dataset, f.num);
				cJSON_AddStringToObject(o, "inherited_from", name);
				gr_version_info_release(&f);
			}
		}
		cJSON_AddItemToObject(o, "documents", doc);
		cJSON_AddItemToObject(o, "validation", val);
		cJSON_AddItemToObject(o, "facts", facts);
		doc = val = facts = NULL;
		rc = done_(o, out);
	}
	cJSON_Delete(doc);
	cJSON_Delete(policy);
	cJSON_Delete(facts);
	cJSON_Delete(val);
	gr_version_info_release(&v);
	return rc;
}

/* Stores doc as v's documents, logs it, and commits the renderings into
 * history.git (when v is its dataset's latest version). */
static int save_doc(gr_hub *h, const gr_version_info *v, const cJSON *doc, const char *who, const char *what,
		    char *warning, size_t wsize)
{
	char *text = cJSON_PrintUnformatted(doc);
	if (!text)
		return gr_error_set(GR_ENOMEM, "out of memory");
	gr_catalog *cat = gr_hub_catalog(h);
	int rc = gr_catalog_begin(cat);
	if (!rc) {
		if ((rc = gr_catalog_doc_put(cat, v->id, text, who)) || (rc = gr_catalog_gov_log(cat, who, "doc.set", 0, what)) ||
		    (rc = gr_catalog_commit(cat)))
			gr_catalog_rollback(cat);
	}
	if (rc) {
		free(text);
		return rc;
	}
	/* the documents beside the manifest: the card, the datasheet, the statement, the source */
	cJSON *facts = NULL;
	gr_buf card = GR_BUF_INIT, sheet = GR_BUF_INIT, stmt = GR_BUF_INIT, msg = GR_BUF_INIT;
	if (!gr_api_doc_facts(h, v, &facts)) {
		gr_doc_render(doc, facts, "card", &card);
		gr_doc_render(doc, facts, "datasheet", &sheet);
		gr_doc_render(doc, facts, "statement", &stmt);
	}
	gr_error_clear();
	gr_history_file files[] = {
		{"docs/documentation.json", text, strlen(text)},
		{"docs/README.md", card.ptr, card.len},
		{"docs/datasheet.md", sheet.ptr, sheet.len},
		{"docs/data-statement.json", stmt.ptr, stmt.len},
	};
	size_t nf = 1;
	while (nf < 4 && files[nf].len)
		nf++;
	if (!gr_buf_printf(&msg, "docs: %s@v%d: %s", v->dataset, v->num, what) &&
	    gr_hub_docs_commit(h, v, files, nf, msg.ptr, who))
		snprintf(warning, wsize, "the documents are stored, but their history commit failed: %s", gr_error_last());
	cJSON_Delete(facts);
	gr_buf_free(&card);
	gr_buf_free(&sheet);
	gr_buf_free(&stmt);
	gr_buf_free(&msg);
	free(text);
	return 0;
}

int gr_api_doc_set(gr_hub *h, const char *spec, const char *field, const char *value, const char *who, cJSON **out)
{
	*out = NULL;
	gr_version_info v;
	int rc = gr_hub_resolve(h, spec, &v);
	if (rc)
		return rc;
	cJSON *doc = NULL;
	int64_t from;
	char warning[512] = "", what[300];
	snprintf(what, sizeof what, "set %.250s", field);
	if (!(rc = load_doc(h, &v, &doc, &from)) && !(rc = gr_doc_set(doc, field, value)) &&
	    !(rc = save_doc(h, &v, doc, who, what, warning, sizeof warning)))
		rc = gr_api_doc_show(h, spec, out);
	if (!rc && warning[0])
		cJSON_AddStringToObject(*out, "warning", warning);
	cJSON_Delete(doc);
	gr_version_info_release(&v);
	return rc;
}

int gr_api_doc_replace(gr_hub *h, const char *spec, const char *text, size_t n, const char *who, cJSON **out)
{
	*out = NULL;
	gr_version_info v;
	int rc = gr_hub_resolve(h, spec, &v);
	if (rc)
		return rc;
	cJSON *doc = NULL, *edited = NULL;
	int64_t from;
	char warning[512] = "";
	if (!(rc = load_doc(h, &v, &doc, &from)) && !(rc = gr_doc_edit_apply(&edited, doc, text, n)) &&
	    !(rc = save_doc(h, &v, edited, who, "edited", warning, sizeof warning)))
		rc = gr_api_doc_show(h, spec, out);
	if (!rc && warning[0])
		cJSON_AddStringToObject(*out, "warning", warning);
	cJSON_Delete(doc);
	cJSON_Delete(edited);
	gr_version_info_release(&v);
	return rc;
}

int gr_api_doc_edit_text(gr_hub *h, const char *spec, gr_buf *out)
{
	gr_version_info v;
	int rc = gr_hub_resolve(h, spec, &v);
	if (rc)
		return rc;
	cJSON *doc = NULL, *policy = NULL;
	int64_t from;
	if (!(rc = load_doc(h, &v, &doc, &from)) && !(rc = load_policy(h, &policy)))
		rc = gr_doc_edit_text(doc, policy, out);
	cJSON_Delete(doc);
	cJSON_Delete(policy);
	gr_version_info_release(&v);
	return rc;
}

int gr_api_doc_export(gr_hub *h, const char *spec, const char *format, gr_buf *out)
{
	gr_version_info v;
	int rc = gr_hub_resolve(h, spec, &v);
	if (rc)
		return rc;
	cJSON *doc = NULL, *facts = NULL;
	int64_t from;
	if (!(rc = load_doc(h, &v, &doc, &from)) && !(rc = gr_api_doc_facts(h, &v, &facts)))
		rc = gr_doc_render(doc, facts, format, out);
	cJSON_Delete(doc);
	cJSON_Delete(facts);
	gr_version_info_release(&v);
	return rc;
}

/* Adds operation to the policy's "enforce" list (once). */
static int policy_enforce(cJSON *p, const char *operation)
{
	cJSON *e = cJSON_GetObjectItemCaseSensitive(p, "enforce");
	if (!cJSON_IsArray(e) && !(e = cJSON_AddArrayToObject(p, "enforce")))
		return GR_ENOMEM;
	const cJSON *x;
	cJSON_ArrayForEach(x, e) if (cJSON_IsString(x) && !strcmp(x->valuestring, operation)) return 0;
	cJSON_AddItemToArray(e, cJSON_CreateString(operation));
	return 0;
}

int gr_api_doc_policy(gr_hub *h, const char *require, const char *recommend, const char *enforce, const char *who,
		      cJSON **out)
{
	*out = NULL;
	cJSON *p = NULL;
	int rc = load_policy(h, &p);
	if (rc)
		return rc;
	if (require || recommend || enforce) {
		char *text = NULL;
		if (enforce)
			rc = policy_enforce(p, enforce);
		else
			rc = gr_doc_policy_require(p, require ? require : recommend, require != NULL);
		if (!rc && !(rc = gr_doc_policy_check(p)) && !(text = cJSON_PrintUnformatted(p)))
			rc = GR_ENOMEM;
		gr_catalog *cat = gr_hub_catalog(h);
		if (!rc && !(rc = gr_catalog_begin(cat))) {
			char what[300];
			snprintf(what, sizeof what, "%s %.250s", enforce ? "enforce" : require ? "require" : "recommend",
				 enforce ? enforce : require ? require : recommend);
			if ((rc = gr_catalog_policy_put(cat, text, who)) || (rc = gr_catalog_gov_log(cat, who, "doc.policy", 0, what)) ||
			    (rc = gr_catalog_commit(cat)))
				gr_catalog_rollback(cat);
		}
		free(text);
	}
	if (rc) {
		cJSON_Delete(p);
		return rc;
	}
	return done_(p, out);
}

int gr_api_tag(gr_hub *h, const char *spec, const char *name, const char *message, const char *who, cJSON **out)
{
	*out = NULL;
	if (!gr_history_tag_valid(name))
		return gr_error_set(GR_EINVAL, "'%s' is not a tag name (letters, digits, '.', '_', '-')", name);
	gr_version_info v;
	int rc = gr_hub_resolve(h, spec, &v);
	if (rc)
		return rc;
	cJSON *doc = NULL, *policy = NULL, *facts = NULL;
	int64_t from;
	/* a release needs its required documentation */
	if ((rc = load_doc(h, &v, &doc, &from)) || (rc = load_policy(h, &policy)) || (rc = gr_api_doc_facts(h, &v, &facts)) ||
	    (rc = gr_doc_require(doc, policy, facts, "release")))
		goto out;
	gr_catalog *cat = gr_hub_catalog(h);
	if ((rc = gr_catalog_begin(cat)))
		goto out;
	if ((rc = gr_catalog_tag_add(cat, name, v.id, who, message)) || (rc = gr_catalog_gov_log(cat, who, "release.tag", 0, name)) ||
	    (rc = gr_catalog_commit(cat))) {
		gr_catalog_rollback(cat);
		goto out;
	}
	/* the same name in history.git, on the version's commit */
	cJSON *o = cJSON_CreateObject();
	char vname[GR_DATASET_NAME_MAX + 16];
	snprintf(vname, sizeof vname, "%s@v%d", v.dataset, v.num);
	cJSON_AddStringToObject(o, "tag", name);
	cJSON_AddStringToObject(o, "version", vname);
	gr_version_info cur;
	if (!gr_catalog_version_by_id(cat, v.id, &cur)) {
		if (cur.git_commit && gr_hub_tag_history(h, cur.git_commit, name, message, who) == 0)
			cJSON_AddStringToObject(o, "commit", cur.git_commit);
		else
			cJSON_AddStringToObject(o, "warning", "the tag is in the catalog; history.git could not be tagged");
		gr_error_clear();
		gr_version_info_release(&cur);
	}
	rc = done_(o, out);
out:
	cJSON_Delete(doc);
	cJSON_Delete(policy);
	cJSON_Delete(facts);
	gr_version_info_release(&v);
	return rc;
}

int gr_api_doc_gate(gr_hub *h, const char *spec, const char *operation)
{
	gr_version_info v;
	int rc = gr_hub_resolve(h, spec, &v);
	if (rc)
		return rc;
	cJSON *doc = NULL, *policy = NULL, *facts = NULL;
	int64_t from;
	if (!(rc = load_doc(h, &v, &doc, &from)) && !(rc = load_policy(h, &policy)) && !(rc = gr_api_doc_facts(h, &v, &facts)))
		rc = gr_doc_require(doc, policy, facts, operation);
	cJSON_Delete(doc);
	cJSON_Delete(policy);
	cJSON_Delete(facts);
	gr_version_info_release(&v);
	return rc;
}
