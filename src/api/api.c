/*
 * The hub's operations as JSON objects (see api.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "dedup/minhash.h"
#include "govern/consent.h"
#include "govern/spdx.h"
#include "ingest/piifile.h"
#include "query/query.h"
#include "scan/pii.h"

static const struct {
	int rc;
	const char *code;
	int status;
} err_table[] = {
	{GR_ENOTFOUND, "not_found", 404}, {GR_EINVAL, "bad_request", 400}, {GR_ECORRUPT, "corrupt", 500},
	{GR_EIO, "io_error", 500},	  {GR_ELIMIT, "too_large", 413},   {GR_EPERM, "forbidden", 403},
	{GR_EBUSY, "busy", 409},	  {GR_EEXIST, "exists", 409},	   {GR_ENOMEM, "out_of_memory", 503},
	{GR_EINTR, "cancelled", 409},	  {GR_ERROR, "failed", 500},
};

const char *gr_api_err_code(int rc)
{
	for (size_t i = 0; i < sizeof err_table / sizeof *err_table; i++)
		if (err_table[i].rc == rc)
			return err_table[i].code;
	return "failed";
}

int gr_api_err_status(int rc)
{
	for (size_t i = 0; i < sizeof err_table / sizeof *err_table; i++)
		if (err_table[i].rc == rc)
			return err_table[i].status;
	return 500;
}

int gr_api_err_from_code(const char *code)
{
	for (size_t i = 0; code && i < sizeof err_table / sizeof *err_table; i++)
		if (!strcmp(err_table[i].code, code))
			return err_table[i].rc;
	return GR_ERROR;
}

cJSON *gr_api_error_json(int rc, const char *message)
{
	cJSON *o = cJSON_CreateObject(), *e = cJSON_AddObjectToObject(o, "error");
	cJSON_AddStringToObject(e, "code", gr_api_err_code(rc));
	cJSON_AddStringToObject(e, "message", message ? message : "");
	return o;
}

int gr_api_cursor(const char *s, int64_t *out)
{
	*out = 0;
	if (!s || !*s)
		return 0;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*end || errno || v < 0)
		return gr_error_set(GR_EINVAL, "bad cursor '%s'", s);
	*out = v;
	return 0;
}

static cJSON *str_or_null(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

/* cJSON allocation failures surface here once, at the end of building. */
static int done(cJSON *o, cJSON **out)
{
	if (!o)
		return gr_error_set(GR_ENOMEM, "out of memory");
	*out = o;
	return 0;
}

cJSON *gr_api_version_json(gr_hub *h, const gr_version_info *v)
{
	char hex[GR_HEX_LEN + 1], name[GR_DATASET_NAME_MAX + 16], digest[GR_HEX_LEN + 8];
	gr_hex(hex, v->digest, GR_HASH_LEN);
	snprintf(name, sizeof name, "%s@v%d", v->dataset, v->num);
	snprintf(digest, sizeof digest, "sha256:%s", hex);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "version", name);
	cJSON_AddStringToObject(o, "dataset", v->dataset);
	cJSON_AddNumberToObject(o, "number", v->num);
	cJSON_AddItemToObject(o, "operation", str_or_null(v->operation));
	cJSON_AddItemToObject(o, "message", str_or_null(v->message));
	cJSON_AddItemToObject(o, "created", str_or_null(v->created));
	cJSON_AddItemToObject(o, "author", str_or_null(v->author));
	cJSON *parents = cJSON_AddArrayToObject(o, "parents");
	for (int i = 0; i < v->nparents; i++) {
		gr_version_info p;
		if (gr_catalog_version_by_id(gr_hub_catalog(h), v->parents[i], &p))
			continue;
		snprintf(name, sizeof name, "%s@v%d", p.dataset, p.num);
		cJSON_AddItemToArray(parents, cJSON_CreateString(name));
		gr_version_info_release(&p);
	}
	cJSON_AddNumberToObject(o, "records", (double)v->records);
	cJSON_AddNumberToObject(o, "bytes", (double)v->bytes);
	cJSON_AddStringToObject(o, "digest", digest);
	cJSON_AddItemToObject(o, "commit", str_or_null(v->git_commit));
	cJSON *stats = v->stats ? cJSON_Parse(v->stats) : NULL;
	cJSON_AddItemToObject(o, "stats", stats ? stats : cJSON_CreateObject());
	return o;
}

struct ds_ctx {
	gr_hub *h;
	cJSON *arr;
};

static int ds_one(const char *name, const gr_version_info *head, void *ctx)
{
	struct ds_ctx *d = ctx;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "dataset", name);
	cJSON_AddItemToObject(o, "head", head ? gr_api_version_json(d->h, head) : cJSON_CreateNull());
	cJSON_AddItemToArray(d->arr, o);
	return 0;
}

int gr_api_datasets(gr_hub *h, cJSON **out)
{
	struct ds_ctx d = {h, cJSON_CreateArray()};
	int rc = gr_catalog_dataset_each(gr_hub_catalog(h), ds_one, &d);
	if (rc) {
		cJSON_Delete(d.arr);
		return rc;
	}
	return done(d.arr, out);
}

static int log_one(const gr_version_info *v, void *ctx)
{
	struct ds_ctx *d = ctx;
	cJSON_AddItemToArray(d->arr, gr_api_version_json(d->h, v));
	return 0;
}

int gr_api_log(gr_hub *h, const char *spec, cJSON **out)
{
	gr_version_info head;
	int rc = gr_hub_resolve(h, spec, &head);
	if (rc)
		return rc;
	struct ds_ctx d = {h, cJSON_CreateArray()};
	rc = gr_catalog_version_each(gr_hub_catalog(h), head.dataset_id, log_one, &d);
	gr_version_info_release(&head);
	if (rc) {
		cJSON_Delete(d.arr);
		return rc;
	}
	return done(d.arr, out);
}

int gr_api_show(gr_hub *h, const char *spec, cJSON **out)
{
	gr_version_info v;
	int rc = gr_hub_resolve(h, spec, &v);
	if (rc)
		return rc;
	cJSON *o = gr_api_version_json(h, &v);
	gr_version_info_release(&v);
	return done(o, out);
}

static cJSON *record_json(const gr_record_info *r)
{
	char id[17];
	gr_record_id(id, r->addr);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddItemToObject(o, "url", str_or_null(r->url));
	cJSON_AddItemToObject(o, "domain", str_or_null(r->domain));
	cJSON_AddItemToObject(o, "timestamp", str_or_null(r->ts));
	cJSON_AddItemToObject(o, "source", str_or_null(r->source));
	cJSON_AddNumberToObject(o, "length", (double)r->len);
	return o;
}

struct page_ctx {
	gr_hub *h;
	int64_t after, last;
	uint64_t limit, n, added, removed;
	bool more;
	cJSON *arr;
	int err;
};

static int records_one(int64_t rid, void *ctx)
{
	struct page_ctx *p = ctx;
	if (rid <= p->after)
		return 0;
	if (p->n == p->limit) {
		p->more = true;
		return 1;
	}
	gr_record_info info;
	gr_tombstone t;
	int rc = gr_catalog_record_get(gr_hub_catalog(p->h), rid, &info);
	if (rc == GR_ENOTFOUND && gr_catalog_tombstone_get(gr_hub_catalog(p->h), rid, &t) == 0) {
		/* removed since the version was made: listed as such, nothing else */
		gr_error_clear();
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", t.public_id);
		cJSON_AddBoolToObject(o, "removed", true);
		cJSON_AddNumberToObject(o, "request", (double)t.request);
		cJSON_AddStringToObject(o, "removed_at", t.removed);
		cJSON_AddItemToArray(p->arr, o);
	} else if (rc) {
		return rc;
	} else {
		cJSON_AddItemToArray(p->arr, record_json(&info));
		gr_record_info_release(&info);
	}
	p->last = rid;
	p->n++;
	return 0;
}

static uint64_t clamp_limit(uint64_t limit)
{
	return limit == 0 || limit > GR_API_PAGE_MAX ? GR_API_PAGE_MAX : limit;
}

static void add_cursor(cJSON *o, const struct page_ctx *p)
{
	char c[32];
	snprintf(c, sizeof c, "%lld", (long long)p->last);
	cJSON_AddItemToObject(o, "next", p->more ? cJSON_CreateString(c) : cJSON_CreateNull());
}

int gr_api_records(gr_hub *h, const char *spec, int64_t after, uint64_t limit, cJSON **out)
{
	gr_version_info v;
	int rc = gr_hub_resolve(h, spec, &v);
	if (rc)
		return rc;
	cJSON *o = cJSON_CreateObject();
	char name[GR_DATASET_NAME_MAX + 16];
	snprintf(name, sizeof name, "%s@v%d", v.dataset, v.num);
	cJSON_AddStringToObject(o, "version", name);
	struct page_ctx p = {.h = h, .after = after, .limit = clamp_limit(limit), .arr = cJSON_AddArrayToObject(o, "records")};
	rc = gr_catalog_members_each(gr_hub_catalog(h), v.id, records_one, &p);
	gr_version_info_release(&v);
	if (rc < 0) {
		cJSON_Delete(o);
		return rc;
	}
	add_cursor(o, &p);
	return done(o, out);
}

int gr_api_record(gr_hub *h, const char *spec, const char *id, gr_buf *json, gr_buf *text)
{
	gr_version_info v;
	gr_record_info r = {0};
	int64_t rid;
	int rc = gr_hub_resolve(h, spec, &v);
	if (rc)
		return rc;
	if (!(rc = gr_hub_record_in_version(h, &v, id, &rid)) && !(rc = gr_catalog_record_get(gr_hub_catalog(h), rid, &r))) {
		if (json)
			rc = gr_hub_export_line(h, &r, 0, json);
		if (!rc && text)
			rc = gr_hub_read_text(h, &r, text);
	}
	gr_record_info_release(&r);
	gr_version_info_release(&v);
	return rc;
}

/* Changes are listed in the order gr_hub_diff reports them; the cursor is
 * the number of changes already listed. */
struct diff_page {
	struct page_ctx p;
	int64_t index;
};

static int diff_page_one(int64_t rid, bool added, void *ctx)
{
	struct diff_page *d = ctx;
	if (added)
		d->p.added++;
	else
		d->p.removed++;
	int64_t i = d->index++;
	if (i < d->p.after || d->p.more)
		return 0;
	if (d->p.n == d->p.limit) {
		d->p.more = true;
		return 0;
	}
	gr_record_info info;
	int rc = gr_catalog_record_get(gr_hub_catalog(d->p.h), rid, &info);
	if (rc)
		return rc;
	char id[17];
	gr_record_id(id, info.addr);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "change", added ? "added" : "removed");
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddItemToObject(o, "url", str_or_null(info.url));
	cJSON_AddItemToArray(d->p.arr, o);
	gr_record_info_release(&info);
	d->p.n++;
	d->p.last = i + 1;
	return 0;
}

int gr_api_diff(gr_hub *h, const char *spec_a, const char *spec_b, int64_t after, uint64_t limit, cJSON **out)
{
	gr_version_info a, b;
	int rc = gr_hub_resolve(h, spec_a, &a);
	if (rc)
		return rc;
	if ((rc = gr_hub_resolve(h, spec_b, &b))) {
		gr_version_info_release(&a);
		return rc;
	}
	cJSON *o = cJSON_CreateObject();
	struct diff_page d = {.p = {.h = h, .after = after, .limit = clamp_limit(limit), .arr = cJSON_AddArrayToObject(o, "changes")}};
	rc = gr_hub_diff(h, &a, &b, diff_page_one, &d);
	gr_version_info_release(&a);
	gr_version_info_release(&b);
	if (rc < 0) {
		cJSON_Delete(o);
		return rc;
	}
	cJSON_AddNumberToObject(o, "added", (double)d.p.added);
	cJSON_AddNumberToObject(o, "removed", (double)d.p.removed);
	add_cursor(o, &d.p);
	return done(o, out);
}

/* ------------------------------------------------------------------ jobs */

#define SKIPPED_LISTED 100

struct ingest_ctx {
	const gr_api_ctl *ctl;
	cJSON *skipped;
	int nskipped;
	uint64_t *sizes; /* of each file on disk */
	uint64_t bytes_all;
};

static void ingest_bad_line(const char *file, uint64_t line, const char *why, void *ctx)
{
	struct ingest_ctx *c = ctx;
	if (c->nskipped++ < SKIPPED_LISTED) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "file", file);
		cJSON_AddNumberToObject(o, "line", (double)line);
		cJSON_AddStringToObject(o, "why", why);
		cJSON_AddItemToArray(c->skipped, o);
	}
	if (c->ctl && c->ctl->bad_line)
		c->ctl->bad_line(file, line, why, c->ctl->ctx);
}

static void ingest_progress(const gr_ingest_progress *p, void *ctx)
{
	struct ingest_ctx *c = ctx;
	if (!c->ctl || !c->ctl->progress)
		return;
	gr_api_progress g = {.records_done = p->records, .stage = p->file, .bytes_total = c->bytes_all};
	for (uint64_t i = 0; i < p->files_done && i < p->files_total; i++)
		g.bytes_done += c->sizes[i];
	g.bytes_done += p->bytes_done;
	c->ctl->progress(&g, c->ctl->ctx);
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool jbool(const cJSON *o, const char *k)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, k));
}

int gr_api_ingest(gr_hub *h, const char *dataset, const cJSON *params, const gr_api_ctl *ctl, cJSON **result)
{
	*result = NULL;
	const cJSON *files = cJSON_GetObjectItemCaseSensitive(params, "files");
	int n = cJSON_GetArraySize(files);
	if (!cJSON_IsArray(files) || n == 0)
		return gr_error_set(GR_EINVAL, "ingest needs at least one file");
	const char **paths = calloc((size_t)n, sizeof *paths);
	struct ingest_ctx c = {.ctl = ctl, .skipped = cJSON_CreateArray(), .sizes = calloc((size_t)n, sizeof(uint64_t))};
	if (!paths || !c.sizes) {
		free(paths);
		free(c.sizes);
		cJSON_Delete(c.skipped);
		return gr_error_set(GR_ENOMEM, "out of memory");
	}
	int i = 0, rc = 0;
	const cJSON *f;
	cJSON_ArrayForEach(f, files)
	{
		if (!cJSON_IsString(f)) {
			rc = gr_error_set(GR_EINVAL, "files must be strings");
			goto out;
		}
		struct stat st;
		if (stat(f->valuestring, &st) == 0)
			c.bytes_all += c.sizes[i] = (uint64_t)st.st_size;
		paths[i++] = f->valuestring;
	}
	const cJSON *threads = cJSON_GetObjectItemCaseSensitive(params, "threads");
	const char *fmt = jstr(params, "format");
	int format = fmt ? gr_format_parse(fmt) : GR_FORMAT_AUTO;
	if (format < 0) {
		rc = gr_error_set(GR_EINVAL, "unknown format '%s'", fmt);
		goto out;
	}
	gr_hub_ingest_opts o = {
		.text_field = jstr(params, "text_field"),
		.source = jstr(params, "source"),
		.message = jstr(params, "message"),
		.strict = jbool(params, "strict"),
		.replace = jbool(params, "replace"),
		.author = jstr(params, "author"),
		.format = (gr_format)format,
		.keep_optout = jbool(params, "keep_optout"),
		.keep_status = jbool(params, "keep_status"),
		.drop_boilerplate = jbool(params, "drop_boilerplate"),
		.scan = jbool(params, "scan"),
		.threads = cJSON_IsNumber(threads) ? threads->valueint : 0,
		.bad_line = ingest_bad_line,
		.progress = ingest_progress,
		.ctx = &c,
		.cancel = ctl ? ctl->cancel : NULL,
	};
	gr_version_info v;
	gr_hub_ingest_result r;
	if ((rc = gr_hub_ingest(h, dataset, paths, (size_t)n, &o, &v, &r)))
		goto out;
	cJSON *res = cJSON_CreateObject();
	cJSON_AddItemToObject(res, "version", gr_api_version_json(h, &v));
	cJSON *s = cJSON_AddObjectToObject(res, "ingest");
	cJSON_AddNumberToObject(s, "records_in", (double)r.stats.records_in);
	cJSON_AddNumberToObject(s, "records_new", (double)r.stats.records_new);
	cJSON_AddNumberToObject(s, "duplicates", (double)r.stats.duplicates);
	cJSON_AddNumberToObject(s, "skipped", (double)r.stats.skipped);
	cJSON_AddNumberToObject(s, "bytes_in", (double)r.stats.bytes_in);
	cJSON_AddNumberToObject(s, "bytes_stored", (double)r.bytes_stored);
	if (r.stats.captures) {
		cJSON *wc = cJSON_AddObjectToObject(s, "captures");
		cJSON_AddNumberToObject(wc, "read", (double)r.stats.captures);
		cJSON_AddNumberToObject(wc, "optout_dropped", (double)r.stats.optout_dropped);
		cJSON_AddNumberToObject(wc, "optout_flagged", (double)r.stats.optout_flagged);
		cJSON_AddNumberToObject(wc, "not_text", (double)r.stats.not_text);
		cJSON_AddNumberToObject(wc, "status_skipped", (double)r.stats.status_skipped);
		cJSON_AddNumberToObject(wc, "revisits", (double)r.stats.revisits);
	}
	if (o.scan)
		cJSON_AddNumberToObject(s, "scanned", (double)r.stats.scanned);
	cJSON_AddNumberToObject(s, "suppressed", (double)r.stats.suppressed);
	cJSON_AddNumberToObject(s, "seconds", r.seconds);
	cJSON_AddNumberToObject(s, "mb_per_s", r.seconds > 0 ? (double)r.stats.bytes_in / 1e6 / r.seconds : 0);
	cJSON_AddItemToObject(s, "skipped_lines", c.skipped);
	c.skipped = NULL;
	if (r.history_warning[0])
		cJSON_AddStringToObject(res, "warning", r.history_warning);
	gr_version_info_release(&v);
	rc = done(res, result);
out:
	cJSON_Delete(c.skipped);
	free(c.sizes);
	free(paths);
	return rc;
}

struct verify_ctx {
	const gr_api_ctl *ctl;
	cJSON *problems, *notes, *damaged;
};

static void v_problem(const char *what, void *ctx)
{
	cJSON_AddItemToArray(((struct verify_ctx *)ctx)->problems, cJSON_CreateString(what));
}

static void v_note(const char *what, void *ctx)
{
	cJSON_AddItemToArray(((struct verify_ctx *)ctx)->notes, cJSON_CreateString(what));
}

static void v_damaged(const char *id, const char *where, void *ctx)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "in", where);
	cJSON_AddItemToArray(((struct verify_ctx *)ctx)->damaged, o);
}

static void v_progress(uint64_t done_, uint64_t total, void *ctx)
{
	struct verify_ctx *v = ctx;
	if (v->ctl && v->ctl->progress) {
		gr_api_progress g = {.bytes_done = done_, .bytes_total = total, .stage = "verify"};
		v->ctl->progress(&g, v->ctl->ctx);
	}
}

int gr_api_verify(gr_hub *h, bool full, const gr_api_ctl *ctl, cJSON **result)
{
	cJSON *res = cJSON_CreateObject();
	struct verify_ctx v = {ctl, cJSON_CreateArray(), cJSON_CreateArray(), cJSON_CreateArray()};
	gr_verify_opts o = {.full = full, .problem = v_problem, .note = v_note, .damaged = v_damaged,
			    .progress = v_progress, .ctx = &v, .cancel = ctl ? ctl->cancel : NULL};
	gr_verify_result r = {0};
	int rc = gr_hub_verify(h, &o, &r);
	if (rc && rc != GR_ECORRUPT) {
		cJSON_Delete(res);
		cJSON_Delete(v.problems);
		cJSON_Delete(v.notes);
		cJSON_Delete(v.damaged);
		*result = NULL;
		return rc;
	}
	cJSON_AddBoolToObject(res, "ok", rc == 0);
	cJSON_AddBoolToObject(res, "full", full);
	cJSON_AddNumberToObject(res, "packs", (double)r.packs);
	cJSON_AddNumberToObject(res, "frames", (double)r.frames);
	cJSON_AddNumberToObject(res, "chunks", (double)r.chunks);
	cJSON_AddNumberToObject(res, "bytes", (double)r.bytes);
	cJSON_AddNumberToObject(res, "versions", (double)r.versions);
	cJSON_AddNumberToObject(res, "damaged_records", (double)r.damaged_records);
	cJSON_AddNumberToObject(res, "orphan_packs", (double)r.orphan_packs);
	cJSON_AddNumberToObject(res, "history_pending", (double)r.history_pending);
	cJSON_AddItemToObject(res, "problems", v.problems);
	cJSON_AddItemToObject(res, "notes", v.notes);
	cJSON_AddItemToObject(res, "damaged", v.damaged);
	int drc = done(res, result);
	return drc ? drc : rc;
}

int gr_api_gc(gr_hub *h, const gr_api_ctl *ctl, cJSON **result)
{
	(void)ctl;
	*result = NULL;
	gr_gc_result r;
	int rc = gr_hub_gc(h, &r);
	if (rc)
		return rc;
	cJSON *res = cJSON_CreateObject();
	cJSON_AddNumberToObject(res, "orphan_packs", (double)r.orphan_packs);
	cJSON_AddNumberToObject(res, "orphan_bytes", (double)r.orphan_bytes);
	cJSON_AddNumberToObject(res, "tmp_files", (double)r.tmp_files);
	cJSON_AddNumberToObject(res, "history_commits_written", (double)r.history_synced);
	return done(res, result);
}

/* ------------------------------------------------------------------ access.db */

static int role_one(const char *principal, const char *role, int64_t by, const char *at, void *ctx)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "principal", principal);
	cJSON_AddStringToObject(o, "role", role);
	cJSON_AddNumberToObject(o, "set_by", (double)by);
	cJSON_AddStringToObject(o, "set_at", at);
	cJSON_AddItemToArray(ctx, o);
	return 0;
}

int gr_api_roles(gr_access *a, cJSON **out)
{
	cJSON *arr = cJSON_CreateArray();
	int rc = gr_access_roles_each(a, role_one, arr);
	if (rc) {
		cJSON_Delete(arr);
		return rc;
	}
	return done(arr, out);
}

static int audit_one(const gr_audit_entry *e, void *ctx)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)e->id);
	cJSON_AddStringToObject(o, "at", e->at);
	cJSON_AddNumberToObject(o, "uid", e->uid);
	cJSON_AddNumberToObject(o, "gid", e->gid);
	cJSON_AddNumberToObject(o, "pid", e->pid);
	cJSON_AddStringToObject(o, "roles", e->roles);
	cJSON_AddStringToObject(o, "action", e->action);
	cJSON_AddStringToObject(o, "target", e->target);
	cJSON_AddStringToObject(o, "outcome", e->outcome);
	cJSON_AddStringToObject(o, "detail", e->detail);
	cJSON_AddItemToArray(ctx, o);
	return 0;
}

int gr_api_audit_log(gr_access *a, int64_t after, int limit, cJSON **out)
{
	cJSON *arr = cJSON_CreateArray();
	int rc = gr_access_audit_each(a, after, limit, audit_one, arr);
	if (rc) {
		cJSON_Delete(arr);
		return rc;
	}
	return done(arr, out);
}

/* ------------------------------------------------------------------ personal data */

int gr_api_pii(const gr_pii_db *db, const char *text, size_t n, cJSON **out)
{
	gr_pii_scanner *sc;
	int rc = gr_pii_scanner_new(&sc, db);
	if (rc)
		return rc;
	const gr_pii_span *spans;
	size_t ns;
	uint32_t counts[GR_PII_NTYPES];
	if ((rc = gr_pii_scan(sc, text, n, &spans, &ns, counts))) {
		gr_pii_scanner_free(sc);
		return rc;
	}
	cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "spans");
	for (size_t i = 0; i < ns; i++) {
		const gr_pii_span *sp = &spans[i];
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "type", gr_pii_type_name(sp->type));
		cJSON_AddNumberToObject(e, "start", sp->start);
		cJSON_AddNumberToObject(e, "end", sp->end);
		char *t = gr_strndup(text + sp->start, sp->end - sp->start);
		cJSON_AddStringToObject(e, "text", t ? t : "");
		free(t);
		if (sp->type == GR_PII_IP_ADDRESS)
			cJSON_AddBoolToObject(e, "global", sp->global);
		cJSON_AddItemToArray(arr, e);
	}
	cJSON *c = cJSON_AddObjectToObject(o, "counts");
	for (int t = 0; t < GR_PII_NTYPES; t++)
		cJSON_AddNumberToObject(c, gr_pii_type_name((gr_pii_type)t), counts[t]);
	gr_pii_scanner_free(sc);
	return done(o, out);
}

/* ------------------------------------------------------------------ curation */

static void count_progress(uint64_t done_, uint64_t total, void *ctx)
{
	const gr_api_ctl *ctl = ctx;
	if (ctl && ctl->progress) {
		gr_api_progress g = {.records_done = done_, .records_total = total};
		ctl->progress(&g, ctl->ctx);
	}
}

int gr_api_filter(gr_hub *h, const char *spec, const cJSON *params, const gr_api_ctl *ctl, cJSON **result)
{
	*result = NULL;
	gr_version_info in, v;
	int rc = gr_hub_resolve(h, spec, &in);
	if (rc)
		return rc;
	gr_hub_filter_opts o = {.where = jstr(params, "where"), .into = jstr(params, "into"),
				.message = jstr(params, "message"), .author = jstr(params, "author"),
				.progress = count_progress, .ctx = (void *)ctl, .cancel = ctl ? ctl->cancel : NULL};
	gr_hub_filter_result r;
	if ((rc = gr_hub_filter(h, &in, &o, &v, &r))) {
		gr_version_info_release(&in);
		return rc;
	}
	cJSON *res = cJSON_CreateObject();
	cJSON_AddItemToObject(res, "version", gr_api_version_json(h, &v));
	cJSON *f = cJSON_AddObjectToObject(res, "filter");
	char from[GR_DATASET_NAME_MAX + 16];
	snprintf(from, sizeof from, "%s@v%d", in.dataset, in.num);
	cJSON_AddStringToObject(f, "input", from);
	cJSON_AddStringToObject(f, "where", o.where);
	cJSON_AddNumberToObject(f, "kept", (double)r.kept);
	cJSON_AddNumberToObject(f, "dropped", (double)r.dropped);
	cJSON_AddNumberToObject(f, "text_bytes_read", (double)r.text_bytes_read);
	cJSON_AddNumberToObject(f, "seconds", r.seconds);
	if (r.history_warning[0])
		cJSON_AddStringToObject(res, "warning", r.history_warning);
	gr_version_info_release(&in);
	gr_version_info_release(&v);
	return done(res, result);
}

int gr_api_scan(gr_hub *h, const char *spec, const cJSON *params, const gr_api_ctl *ctl, cJSON **result)
{
	*result = NULL;
	gr_version_info v;
	int rc = gr_hub_resolve(h, spec, &v);
	if (rc)
		return rc;
	const cJSON *threads = cJSON_GetObjectItemCaseSensitive(params, "threads");
	gr_hub_scan_opts o = {.threads = cJSON_IsNumber(threads) ? threads->valueint : 0, .progress = count_progress,
			      .ctx = (void *)ctl, .cancel = ctl ? ctl->cancel : NULL};
	gr_hub_scan_result r;
	gr_query *q = NULL;
	if ((rc = gr_hub_scan(h, &v, &o, &r)))
		goto out;
	cJSON *res = cJSON_CreateObject();
	char name[GR_DATASET_NAME_MAX + 16];
	snprintf(name, sizeof name, "%s@v%d", v.dataset, v.num);
	cJSON_AddStringToObject(res, "version", name);
	cJSON *s = cJSON_AddObjectToObject(res, "scan");
	cJSON_AddNumberToObject(s, "records", (double)r.records);
	cJSON_AddNumberToObject(s, "texts", (double)r.contents);
	cJSON_AddNumberToObject(s, "cached", (double)r.cached);
	cJSON_AddNumberToObject(s, "scanned", (double)r.scanned);
	cJSON_AddNumberToObject(s, "refused", (double)r.refused);
	cJSON_AddNumberToObject(s, "bytes", (double)r.bytes);
	cJSON_AddNumberToObject(s, "seconds", r.seconds);
	cJSON_AddNumberToObject(s, "mb_per_s", r.seconds > 0 ? (double)r.bytes / 1e6 / r.seconds : 0);
	/* what the version holds now: records with each type, and spans */
	static const char *const cols[] = {"pii_email", "pii_phone", "pii_ip_address", "pii_credit_card",
					   "pii_iban", "pii_us_ssn", "pii_secret"};
	gr_buf sql = GR_BUF_INIT;
	rc = gr_buf_puts(&sql, "SELECT count(*)");
	for (int i = 0; !rc && i < 7; i++)
		rc = gr_buf_printf(&sql, ", coalesce(sum(%s > 0), 0), coalesce(sum(%s), 0)", cols[i], cols[i]);
	rc = rc ? rc : gr_buf_puts(&sql, ", coalesce(sum(pii_email + pii_phone + pii_ip_address + pii_credit_card + "
					 "pii_iban + pii_us_ssn + pii_secret > 0), 0) FROM records");
	if (!rc && !(rc = gr_hub_query_open(h, &v, NULL, &q)) && !(rc = gr_query_prepare(q, sql.ptr)) &&
	    (rc = gr_query_step(q)) == 1) {
		cJSON *p = cJSON_AddObjectToObject(res, "pii");
		for (int i = 0; i < 7; i++) {
			cJSON *t = cJSON_AddObjectToObject(p, gr_pii_type_name((gr_pii_type)i));
			cJSON_AddNumberToObject(t, "records", (double)gr_query_col_int(q, 1 + 2 * i));
			cJSON_AddNumberToObject(t, "spans", (double)gr_query_col_int(q, 2 + 2 * i));
		}
		cJSON_AddNumberToObject(res, "records_with_pii", (double)gr_query_col_int(q, 15));
		rc = 0;
	} else if (!rc) {
		rc = gr_error_set(GR_ERROR, "scan summary: no row");
	}
	gr_buf_free(&sql);
	if (rc) {
		cJSON_Delete(res);
		goto out;
	}
	rc = done(res, result);
out:
	gr_query_free(q);
	gr_version_info_release(&v);
	return rc;
}

int gr_api_dedup(gr_hub *h, const char *spec, const cJSON *params, const gr_api_ctl *ctl, cJSON **result)
{
	*result = NULL;
	gr_version_info in, v, ag;
	char agname[GR_DATASET_NAME_MAX + 16];
	bool have_ag = false;
	int rc = gr_hub_resolve(h, spec, &in);
	if (rc)
		return rc;
	const cJSON *th = cJSON_GetObjectItemCaseSensitive(params, "threshold");
	if (th && !cJSON_IsNumber(th)) {
		rc = gr_error_set(GR_EINVAL, "threshold must be a number");
		goto out;
	}
	gr_hub_dedup_opts o = {.near = jbool(params, "near"), .threshold = th ? th->valuedouble : 0,
			       .into = jstr(params, "into"), .message = jstr(params, "message"),
			       .author = jstr(params, "author"), .progress = count_progress, .ctx = (void *)ctl,
			       .cancel = ctl ? ctl->cancel : NULL};
	if (jstr(params, "against")) {
		if ((rc = gr_hub_resolve(h, jstr(params, "against"), &ag)))
			goto out;
		have_ag = true;
		o.against = &ag;
		/* the version resolved, so the stats name it even after the dataset moves on */
		snprintf(agname, sizeof agname, "%s@v%d", ag.dataset, ag.num);
		o.against_name = agname;
	}
	gr_hub_dedup_result r;
	if ((rc = gr_hub_dedup(h, &in, &o, &v, &r)))
		goto out;
	cJSON *res = cJSON_CreateObject();
	cJSON_AddItemToObject(res, "version", gr_api_version_json(h, &v));
	cJSON *d = cJSON_AddObjectToObject(res, "dedup");
	char from[GR_DATASET_NAME_MAX + 16];
	snprintf(from, sizeof from, "%s@v%d", in.dataset, in.num);
	cJSON_AddStringToObject(d, "input", from);
	cJSON_AddNumberToObject(d, "kept", (double)r.kept);
	cJSON_AddNumberToObject(d, "exact_dropped", (double)r.exact_dropped);
	cJSON_AddNumberToObject(d, "near_dropped", (double)r.near_dropped);
	cJSON_AddNumberToObject(d, "against_dropped", (double)r.against_dropped);
	cJSON_AddNumberToObject(d, "signatures_computed", (double)r.signatures_computed);
	if (o.near)
		cJSON_AddNumberToObject(d, "threshold", o.threshold > 0 ? o.threshold : 0.72);
	cJSON_AddNumberToObject(d, "seconds", r.seconds);
	if (r.history_warning[0])
		cJSON_AddStringToObject(res, "warning", r.history_warning);
	gr_version_info_release(&v);
	rc = done(res, result);
out:
	if (have_ag)
		gr_version_info_release(&ag);
	gr_version_info_release(&in);
	return rc;
}

static cJSON *query_value(const gr_query *q, int i)
{
	size_t n;
	const char *t;
	switch (gr_query_col_type(q, i)) {
	case GR_QV_INT:
		return cJSON_CreateNumber((double)gr_query_col_int(q, i));
	case GR_QV_REAL:
		return cJSON_CreateNumber(gr_query_col_real(q, i));
	case GR_QV_TEXT:
		t = gr_query_col_text(q, i, &n);
		if (!gr_utf8_valid(t, n))
			return cJSON_CreateString("(not UTF-8)");
		return cJSON_CreateString(t);
	case GR_QV_BLOB: {
		/* blobs as hex, as SQLite's hex() would print them */
		t = gr_query_col_text(q, i, &n);
		char *hx = malloc(2 * n + 1);
		if (!hx)
			return cJSON_CreateNull();
		gr_hex(hx, (const uint8_t *)t, n);
		cJSON *s = cJSON_CreateString(hx);
		free(hx);
		return s;
	}
	default:
		return cJSON_CreateNull();
	}
}

int gr_api_query(gr_hub *h, const char *spec, const char *sql, uint64_t limit, const gr_api_ctl *ctl, cJSON **out)
{
	*out = NULL;
	gr_version_info v;
	bool have_v = false;
	gr_query *q = NULL;
	double t0 = gr_time_mono();
	int rc = 0;
	if (!sql)
		return gr_error_set(GR_EINVAL, "query: no SQL given");
	if (spec) {
		if ((rc = gr_hub_resolve(h, spec, &v)))
			return rc;
		have_v = true;
	}
	gr_hub_query_opts qo = {.cancel = ctl ? ctl->cancel : NULL, .progress = count_progress, .ctx = (void *)ctl};
	if ((rc = gr_hub_query_open(h, have_v ? &v : NULL, &qo, &q)) || (rc = gr_query_prepare(q, sql)))
		goto out;
	if (!limit || limit > GR_API_QUERY_MAX_ROWS)
		limit = GR_API_QUERY_MAX_ROWS;
	cJSON *o = cJSON_CreateObject();
	if (have_v) {
		char from[GR_DATASET_NAME_MAX + 16];
		snprintf(from, sizeof from, "%s@v%d", v.dataset, v.num);
		cJSON_AddStringToObject(o, "version", from);
	}
	cJSON *cols = cJSON_AddArrayToObject(o, "columns"), *rows = cJSON_AddArrayToObject(o, "rows");
	int nc = gr_query_ncols(q);
	for (int i = 0; i < nc; i++)
		cJSON_AddItemToArray(cols, cJSON_CreateString(gr_query_col_name(q, i)));
	uint64_t n = 0;
	bool truncated = false;
	while ((rc = gr_query_step(q)) > 0) {
		if (n == limit) {
			truncated = true;
			break;
		}
		cJSON *row = cJSON_CreateArray();
		for (int i = 0; i < nc; i++)
			cJSON_AddItemToArray(row, query_value(q, i));
		cJSON_AddItemToArray(rows, row);
		n++;
	}
	if (rc < 0) {
		cJSON_Delete(o);
		goto out;
	}
	cJSON_AddNumberToObject(o, "count", (double)n);
	cJSON_AddBoolToObject(o, "truncated", truncated);
	cJSON_AddNumberToObject(o, "text_bytes_read", (double)gr_query_text_bytes(q));
	cJSON_AddNumberToObject(o, "seconds", gr_time_mono() - t0);
	rc = done(o, out);
out:
	gr_query_free(q);
	if (have_v)
		gr_version_info_release(&v);
	return rc;
}

static void pii_summary(cJSON *o, const uint64_t *records_with, const uint64_t *spans, uint64_t any)
{
	cJSON *p = cJSON_AddObjectToObject(o, "pii");
	for (int t = 0; t < GR_PII_NTYPES; t++) {
		cJSON *e = cJSON_AddObjectToObject(p, gr_pii_type_name((gr_pii_type)t));
		cJSON_AddNumberToObject(e, "records", (double)records_with[t]);
		cJSON_AddNumberToObject(e, "spans", (double)spans[t]);
	}
	cJSON_AddNumberToObject(o, "records_with_pii", (double)any);
}

int gr_api_pii_jsonl(const gr_pii_db *db, const char *path, const char *text_field, int threads, cJSON **out)
{
	gr_pii_file_stats st;
	double t0 = gr_time_mono();
	int rc = gr_pii_scan_jsonl(path, text_field, db, threads, &st);
	if (rc)
		return rc;
	double dt = gr_time_mono() - t0;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "file", path);
	cJSON_AddNumberToObject(o, "records", (double)st.records);
	cJSON_AddNumberToObject(o, "bytes", (double)st.bytes);
	cJSON_AddNumberToObject(o, "skipped", (double)st.skipped);
	cJSON_AddNumberToObject(o, "refused", (double)st.refused);
	cJSON_AddNumberToObject(o, "seconds", dt);
	cJSON_AddNumberToObject(o, "mb_per_s", dt > 0 ? (double)st.bytes / 1e6 / dt : 0);
	pii_summary(o, st.records_with, st.spans, st.records_with_any);
	return done(o, out);
}

/* ------------------------------------------------------------------ consent and removal */

static const char *const selector_kinds[] = {"url", "url-prefix", "domain", "hash", "text"};
static const char *const request_kinds[] = {"erasure", "opt-out", "withdrawal"};
static const char *const bases[] = {"opt-out", "gdpr-art17", "licence", "other"};

static bool one_of(const char *v, const char *const *list, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		if (!strcmp(v, list[i]))
			return true;
	return false;
}

/* "YYYY-MM-DD" plus days, into out (11 bytes); false when s is no such date. */
static bool date_plus(const char *s, int days, char out[11])
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	const char *e = s ? strptime(s, "%Y-%m-%d", &tm) : NULL;
	if (!e || *e)
		return false;
	time_t t = timegm(&tm) + (time_t)days * 86400;
	gmtime_r(&t, &tm);
	return strftime(out, 11, "%Y-%m-%d", &tm) == 10;
}

cJSON *gr_api_request_json(const gr_request *r)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)r->id);
	cJSON_AddStringToObject(o, "kind", r->kind);
	cJSON_AddStringToObject(o, "selector_kind", r->selector_kind);
	cJSON_AddItemToObject(o, "selector", str_or_null(r->selector));
	cJSON_AddStringToObject(o, "selector_hint", r->selector_hint);
	cJSON_AddItemToObject(o, "requester", str_or_null(r->requester));
	cJSON_AddStringToObject(o, "basis", r->basis);
	cJSON_AddStringToObject(o, "received", r->received);
	cJSON_AddStringToObject(o, "deadline", r->deadline);
	cJSON_AddItemToObject(o, "notes", str_or_null(r->notes));
	cJSON_AddStringToObject(o, "status", r->status);
	cJSON_AddStringToObject(o, "created", r->created);
	cJSON_AddStringToObject(o, "created_by", r->created_by);
	cJSON_AddItemToObject(o, "applied", str_or_null(r->applied));
	cJSON_AddItemToObject(o, "applied_by", str_or_null(r->applied_by));
	char today[32];
	gr_time_iso(today, gr_time_now());
	today[10] = '\0';
	cJSON_AddBoolToObject(o, "overdue", !strcmp(r->status, "pending") && strcmp(r->deadline, today) < 0);
	/* applied, but its work after the commit (old packs deleted, the check)
	 * was cut short: the next writer finishes it (gr_hub_removals_resume) */
	cJSON_AddBoolToObject(o, "unfinished", !strcmp(r->status, "applied") && r->result && !strcmp(r->result, "{}"));
	cJSON *res = r->result ? cJSON_Parse(r->result) : NULL;
	cJSON_AddItemToObject(o, "result", res ? res : cJSON_CreateNull());
	return o;
}

/* What may be shown of a selector once it is applied: never the value of a
 * text (an e-mail address, a name) or a URL's path. */
static int selector_hint(const char *kind, const char *v, gr_buf *out)
{
	if (!strcmp(kind, "domain"))
		return gr_buf_printf(out, "domain %s", v);
	if (!strcmp(kind, "hash"))
		return gr_buf_printf(out, "content %.12s...", v);
	if (!strcmp(kind, "text")) {
		gr_buf norm = GR_BUF_INIT;
		int words = 0;
		int rc = gr_govern_text_norm(v, &norm, &words);
		gr_buf_free(&norm);
		return rc ? rc : gr_buf_printf(out, "text of %d word%s", words, words == 1 ? "" : "s");
	}
	char *host = gr_url_domain(v, strlen(v));
	int rc = host ? gr_buf_printf(out, "%s on %s (%zu bytes)", kind, host, strlen(v))
		      : gr_buf_printf(out, "%s (%zu bytes)", kind, strlen(v));
	free(host);
	return rc;
}

int gr_api_consent_add(gr_hub *h, const cJSON *params, const char *who, cJSON **out)
{
	*out = NULL;
	const char *sk = jstr(params, "selector_kind"), *sel = jstr(params, "selector");
	const char *kind = jstr(params, "kind") ? jstr(params, "kind") : "erasure";
	const char *basis = jstr(params, "basis") ? jstr(params, "basis") : "opt-out";
	if (!one_of(sk, selector_kinds, 5) || !sel || !*sel)
		return gr_error_set(GR_EINVAL, "a request needs one selector: url, url-prefix, domain, hash or text");
	if (!one_of(kind, request_kinds, 3))
		return gr_error_set(GR_EINVAL, "kind is erasure, opt-out or withdrawal");
	if (!one_of(basis, bases, 4))
		return gr_error_set(GR_EINVAL, "basis is opt-out, gdpr-art17, licence or other");
	if (strlen(sel) > 8192)
		return gr_error_set(GR_ELIMIT, "a selector is at most 8 KiB");
	char today[32], received[11], deadline[11];
	gr_time_iso(today, gr_time_now());
	today[10] = '\0';
	if (!date_plus(jstr(params, "received") ? jstr(params, "received") : today, 0, received))
		return gr_error_set(GR_EINVAL, "received is a date YYYY-MM-DD");
	if (!date_plus(jstr(params, "deadline") ? jstr(params, "deadline") : received,
		       jstr(params, "deadline") ? 0 : 30, deadline))
		return gr_error_set(GR_EINVAL, "deadline is a date YYYY-MM-DD");
	uint8_t key[GR_HASH_LEN], c[GR_HASH_LEN];
	gr_buf norm = GR_BUF_INIT, hint = GR_BUF_INIT;
	int words, rc = 0;
	if (!strcmp(sk, "hash") && (strlen(sel) != 64 || !gr_unhex(c, sel, GR_HASH_LEN)))
		rc = gr_error_set(GR_EINVAL, "a content hash is 64 hex digits (granary query: sha256)");
	if (!rc && !strcmp(sk, "text"))
		rc = gr_govern_text_norm(sel, &norm, &words);
	if (!rc && (!strcmp(sk, "url") || !strcmp(sk, "url-prefix")) && !strstr(sel, "://"))
		rc = gr_error_set(GR_EINVAL, "a URL selector is an absolute URL (scheme://host/...)");
	if (!rc)
		rc = selector_hint(sk, sel, &hint);
	if (!rc)
		rc = gr_govern_key(gr_hub_path(h), key);
	if (rc)
		goto out;
	gr_request r = {.kind = (char *)kind, .selector_kind = (char *)sk, .selector = (char *)sel,
			.selector_hint = hint.ptr, .requester = (char *)jstr(params, "requester"), .basis = (char *)basis,
			.received = received, .deadline = deadline, .notes = (char *)jstr(params, "notes"),
			.created = today, .created_by = (char *)who};
	char created[32];
	gr_time_iso(created, gr_time_now());
	r.created = created;
	gr_govern_keyed(key, sk, !strcmp(sk, "text") ? norm.ptr : sel, !strcmp(sk, "text") ? norm.len : strlen(sel),
			r.selector_key);
	gr_catalog *cat = gr_hub_catalog(h);
	int64_t id;
	if ((rc = gr_catalog_begin(cat)))
		goto out;
	if ((rc = gr_catalog_request_add(cat, &r, &id)) || (rc = gr_catalog_gov_log(cat, who, "removal.request", id, hint.ptr)) ||
	    (rc = gr_catalog_commit(cat))) {
		gr_catalog_rollback(cat);
		goto out;
	}
	gr_request got;
	if (!(rc = gr_catalog_request_get(cat, id, &got))) {
		*out = gr_api_request_json(&got);
		gr_request_release(&got);
	}
out:
	gr_buf_free(&norm);
	gr_buf_free(&hint);
	return rc;
}

static void remove_progress(uint64_t done_, uint64_t total, void *ctx)
{
	count_progress(done_, total, ctx);
}

int gr_api_remove(gr_hub *h, int64_t id, const char *who, bool full_check, const gr_api_ctl *ctl, cJSON **out)
{
	*out = NULL;
	gr_hub_remove_opts o = {.author = who, .full_check = full_check, .progress = remove_progress, .ctx = (void *)ctl,
				.cancel = ctl ? ctl->cancel : NULL};
	gr_hub_remove_result r;
	int rc = gr_hub_remove(h, id, &o, &r);
	if (rc)
		return rc;
	gr_request got;
	if ((rc = gr_catalog_request_get(gr_hub_catalog(h), id, &got)))
		return rc;
	cJSON *res = cJSON_CreateObject();
	cJSON_AddItemToObject(res, "request", gr_api_request_json(&got));
	gr_request_release(&got);
	cJSON_AddNumberToObject(res, "seconds", r.seconds);
	if (r.warning[0])
		cJSON_AddStringToObject(res, "warning", r.warning);
	return done(res, out);
}

static int request_one(const gr_request *r, void *ctx)
{
	cJSON_AddItemToArray(ctx, gr_api_request_json(r));
	return 0;
}

int gr_api_removals(gr_hub *h, cJSON **out)
{
	cJSON *a = cJSON_CreateArray();
	int rc = gr_catalog_request_each(gr_hub_catalog(h), request_one, a);
	if (rc) {
		cJSON_Delete(a);
		return rc;
	}
	return done(a, out);
}

int gr_api_removal(gr_hub *h, int64_t id, cJSON **out)
{
	gr_request r;
	int rc = gr_catalog_request_get(gr_hub_catalog(h), id, &r);
	if (rc)
		return rc;
	*out = gr_api_request_json(&r);
	gr_request_release(&r);
	return 0;
}

static int gov_one(int64_t id, const char *at, const char *who, const char *action, int64_t request,
		   const char *detail, void *ctx)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)id);
	cJSON_AddStringToObject(o, "at", at);
	cJSON_AddStringToObject(o, "who", who);
	cJSON_AddStringToObject(o, "action", action);
	if (request)
		cJSON_AddNumberToObject(o, "request", (double)request);
	cJSON_AddItemToObject(o, "detail", str_or_null(detail));
	cJSON_AddItemToArray(ctx, o);
	return 0;
}

int gr_api_governance_log(gr_hub *h, cJSON **out)
{
	cJSON *a = cJSON_CreateArray();
	int rc = gr_catalog_gov_log_each(gr_hub_catalog(h), gov_one, a);
	if (rc) {
		cJSON_Delete(a);
		return rc;
	}
	return done(a, out);
}

/* ------------------------------------------------------------------ licences */

int gr_api_license_set_source(gr_hub *h, const char *source, const char *expr, const char *who, cJSON **out)
{
	gr_buf norm = GR_BUF_INIT;
	int rc = gr_spdx_normalize(expr, strlen(expr), 0, &norm);
	if (rc)
		return gr_error_wrap(rc, "licence '%.200s'", expr);
	gr_catalog *cat = gr_hub_catalog(h);
	if (!(rc = gr_catalog_begin(cat))) {
		if ((rc = gr_catalog_source_license(cat, source, norm.ptr)) ||
		    (rc = gr_catalog_gov_log(cat, who, "license.source", 0, source)) || (rc = gr_catalog_commit(cat)))
			gr_catalog_rollback(cat);
	}
	if (!rc) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "source", source);
		cJSON_AddStringToObject(o, "license", norm.ptr);
		rc = done(o, out);
	}
	gr_buf_free(&norm);
	return rc;
}

/* The dataset's declared licence: card.license of the version's documents. */
static char *declared_license(gr_hub *h, const gr_version_info *v)
{
	char *doc = NULL, *lic = NULL;
	int64_t from;
	if (gr_catalog_doc_get(gr_hub_catalog(h), v->id, &doc, &from) || !doc)
		return NULL;
	cJSON *d = cJSON_Parse(doc);
	const char *l = jstr(cJSON_GetObjectItemCaseSensitive(d, "card"), "license");
	if (l)
		lic = gr_strdup(l);
	cJSON_Delete(d);
	free(doc);
	return lic;
}

int gr_api_license_rows(gr_hub *h, const gr_version_info *v, gr_license_rows *out)
{
	memset(out, 0, sizeof *out);
	gr_query *q = NULL;
	size_t cap = 0;
	int rc = gr_hub_query_open(h, v, NULL, &q);
	if (!rc)
		rc = gr_query_prepare(q, "SELECT license, source, count(*), sum(len), max(source_license), "
					 "group_concat(DISTINCT domain) FROM records "
					 "GROUP BY license, source ORDER BY license IS NULL DESC, license, 3 DESC, source");
	while (!rc && (rc = gr_query_step(q)) > 0) {
		if ((rc = gr_array_reserve(&out->rows, &cap, out->n, sizeof *out->rows)))
			break;
		gr_license_row *r = &out->rows[out->n++];
		memset(r, 0, sizeof *r);
		char **cols[] = {&r->license, &r->source, NULL, NULL, &r->source_license, &r->domains};
		for (int i = 0; i < 6 && !rc; i++) {
			if (!cols[i] || gr_query_col_type(q, i) == GR_QV_NULL)
				continue;
			size_t n;
			const char *t = gr_query_col_text(q, i, &n);
			if (!(*cols[i] = gr_strndup(t, n)))
				rc = GR_ENOMEM;
		}
		r->records = (uint64_t)gr_query_col_int(q, 2);
		r->bytes = (uint64_t)gr_query_col_int(q, 3);
	}
	gr_query_free(q);
	if (rc > 0)
		rc = 0;
	if (rc)
		gr_license_rows_free(out);
	return rc;
}

void gr_license_rows_free(gr_license_rows *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->rows[i].license);
		free(r->rows[i].source);
		free(r->rows[i].source_license);
		free(r->rows[i].domains);
	}
	free(r->rows);
	memset(r, 0, sizeof *r);
}

static bool same_text(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* max() over text as SQLite takes it (NULL below any text) */
static const char *text_max(const char *a, const char *b)
{
	return !a ? b : !b ? a : strcmp(a, b) >= 0 ? a : b;
}

gr_license_total *gr_license_totals(const gr_license_rows *rows, bool by_source, size_t *n_out)
{
	gr_license_total *t = calloc(rows->n ? rows->n : 1, sizeof *t);
	size_t n = 0;
	for (size_t i = 0; t && i < rows->n; i++) {
		const gr_license_row *r = &rows->rows[i];
		const char *key = by_source ? r->source : r->license;
		size_t k = 0;
		while (k < n && !same_text(t[k].name, key))
			k++;
		if (k == n)
			t[n++] = (gr_license_total){.name = key, .order = k};
		t[k].records += r->records;
		t[k].bytes += r->bytes;
		if (by_source)
			t[k].license = text_max(t[k].license, r->source_license);
	}
	*n_out = n;
	return t;
}

static int total_cmp(const void *a, const void *b)
{
	const gr_license_total *x = a, *y = b;
	if (x->records != y->records)
		return x->records > y->records ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

void gr_license_totals_sort(gr_license_total *t, size_t n)
{
	qsort(t, n, sizeof *t, total_cmp);
}

int gr_api_license_check(gr_hub *h, const char *spec, const char *use_name, cJSON **out)
{
	*out = NULL;
	gr_spdx_use use;
	if (gr_spdx_use_parse(use_name ? use_name : "", &use)) /* before reading anything */
		return gr_error_set(GR_EINVAL, "--use is commercial, research or academic");
	gr_version_info v;
	int rc = gr_hub_resolve(h, spec, &v);
	if (rc)
		return rc;
	gr_license_rows rows;
	if (!(rc = gr_api_license_rows(h, &v, &rows))) {
		rc = gr_api_license_check_rows(h, &v, &rows, use_name, out);
		gr_license_rows_free(&rows);
	}
	gr_version_info_release(&v);
	return rc;
}

int gr_api_license_check_rows(gr_hub *h, const gr_version_info *vp, const gr_license_rows *rows, const char *use_name,
			      cJSON **out)
{
	*out = NULL;
	gr_spdx_use use;
	if (gr_spdx_use_parse(use_name ? use_name : "", &use))
		return gr_error_set(GR_EINVAL, "--use is commercial, research or academic");
	const gr_version_info v = *vp;
	int rc = 0;
	size_t nt = 0;
	gr_license_total *totals = gr_license_totals(rows, false, &nt);
	if (!totals)
		return gr_error_set(GR_ENOMEM, "out of memory");
	gr_license_totals_sort(totals, nt);
	cJSON *o = cJSON_CreateObject(), *lics = NULL;
	char *declared = declared_license(h, &v);
	struct {
		gr_spdx_expr *e;
		char *text;
	} parsed[256];
	int np = 0;
	uint64_t bad_records = 0, bad_bytes = 0, unknown = 0;
	char name[GR_DATASET_NAME_MAX + 16];
	snprintf(name, sizeof name, "%s@v%d", v.dataset, v.num);
	cJSON_AddStringToObject(o, "version", name);
	cJSON_AddStringToObject(o, "use", gr_spdx_use_name(use));
	lics = cJSON_AddArrayToObject(o, "licenses");
	for (size_t ti = 0; ti < nt; ti++) {
		const char *t = totals[ti].name;
		size_t n = t ? strlen(t) : 0;
		uint64_t cnt = totals[ti].records, bytes = totals[ti].bytes;
		cJSON *e = cJSON_CreateObject();
		cJSON_AddItemToObject(e, "license", str_or_null(t));
		cJSON_AddNumberToObject(e, "records", (double)cnt);
		cJSON_AddNumberToObject(e, "bytes", (double)bytes);
		gr_spdx_expr *x = NULL;
		bool allowed = false;
		unsigned duties = 0;
		if (t && !gr_spdx_parse(&x, t, n, GR_SPDX_ALLOW_UNKNOWN)) {
			gr_spdx_class c = gr_spdx_expr_class(x);
			allowed = gr_spdx_allows(x, use, &duties);
			cJSON_AddStringToObject(e, "class", gr_spdx_scope_name(c.scope));
			cJSON_AddBoolToObject(e, "classified", c.known);
			cJSON_AddBoolToObject(e, "attribution", (duties | c.duties) & GR_SPDX_ATTRIBUTION);
			cJSON_AddBoolToObject(e, "share_alike", (c.duties & GR_SPDX_SHARE_ALIKE) != 0);
			cJSON_AddBoolToObject(e, "no_derivatives", (c.duties & GR_SPDX_NO_DERIVATIVES) != 0);
			if (np < (int)(sizeof parsed / sizeof *parsed)) {
				parsed[np].e = x;
				parsed[np].text = gr_strdup(t);
				np++;
				x = NULL;
			}
		} else {
			/* no licence known (or not an SPDX expression): the conservative class */
			gr_error_clear();
			cJSON_AddStringToObject(e, "class", "unspecified");
			cJSON_AddBoolToObject(e, "classified", false);
			unknown += cnt;
		}
		gr_spdx_free(x);
		cJSON_AddBoolToObject(e, "allowed", allowed);
		if (!allowed) {
			bad_records += cnt;
			bad_bytes += bytes;
		}
		cJSON_AddItemToArray(lics, e);
	}
	/* conflicts between the inputs (an adapted dataset: filtered, mixed) */
	cJSON *conf = cJSON_AddArrayToObject(o, "conflicts");
	gr_buf why = GR_BUF_INIT;
	for (int i = 0; i < np; i++)
		for (int j = i + 1; j < np; j++) {
			gr_spdx_verdict vd;
			gr_buf_reset(&why);
			if (gr_spdx_conflict(&vd, parsed[i].e, parsed[j].e, 0, &why) == 0 && vd == GR_SPDX_CONFLICT) {
				cJSON *c = cJSON_CreateObject();
				cJSON_AddStringToObject(c, "a", parsed[i].text);
				cJSON_AddStringToObject(c, "b", parsed[j].text);
				cJSON_AddStringToObject(c, "why", why.ptr ? why.ptr : "");
				cJSON_AddItemToArray(conf, c);
			}
			gr_error_clear();
		}
	/* a declared licence allowing more than the inputs do */
	cJSON_AddItemToObject(o, "declared", str_or_null(declared));
	if (declared) {
		gr_spdx_expr *d = NULL;
		if (gr_spdx_parse(&d, declared, strlen(declared), GR_SPDX_ALLOW_UNKNOWN) == 0) {
			gr_spdx_class dc = gr_spdx_expr_class(d);
			for (int i = 0; i < np; i++) {
				gr_spdx_class ic = gr_spdx_expr_class(parsed[i].e);
				if (dc.scope > ic.scope) {
					cJSON *c = cJSON_CreateObject();
					cJSON_AddStringToObject(c, "a", declared);
					cJSON_AddStringToObject(c, "b", parsed[i].text);
					cJSON_AddStringToObject(c, "why", "the dataset's declared licence allows more than an input's");
					cJSON_AddItemToArray(conf, c);
				}
			}
		} else {
			gr_error_clear();
		}
		gr_spdx_free(d);
	}
	gr_buf_free(&why);
	cJSON_AddNumberToObject(o, "records_not_allowed", (double)bad_records);
	cJSON_AddNumberToObject(o, "bytes_not_allowed", (double)bad_bytes);
	cJSON_AddNumberToObject(o, "records_without_license", (double)unknown);
	cJSON_AddBoolToObject(o, "allowed", bad_records == 0 && cJSON_GetArraySize(conf) == 0);
	rc = done(o, out);
	for (int i = 0; i < np; i++) {
		gr_spdx_free(parsed[i].e);
		free(parsed[i].text);
	}
	free(totals);
	free(declared);
	return rc;
}

int gr_api_notice(gr_hub *h, const char *spec, gr_buf *out)
{
	gr_version_info v;
	int rc = gr_hub_resolve(h, spec, &v);
	if (rc)
		return rc;
	gr_license_rows rows;
	if (!(rc = gr_api_license_rows(h, &v, &rows))) {
		rc = gr_api_notice_rows(&v, &rows, out);
		gr_license_rows_free(&rows);
	}
	gr_version_info_release(&v);
	return rc;
}

int gr_api_notice_rows(const gr_version_info *v, const gr_license_rows *rows, gr_buf *out)
{
	char now[32];
	gr_time_iso(now, gr_time_now());
	int rc = gr_buf_printf(out,
			       "NOTICE for %s@v%d (%llu records), written by Granary on %.10s\n\n"
			       "The records come from the sources below, grouped by licence. A record is under the licence\n"
			       "named on its page or in its input, else under its source's. Licences that require it are\n"
			       "to be credited as listed; \"no licence known\" clears no use.\n",
			       v->dataset, v->num, (unsigned long long)v->records, now);
	/* named licences first, then the records with none */
	for (int pass = 0; pass < 2 && !rc; pass++) {
		const gr_license_row *prev = NULL;
		for (size_t i = 0; i < rows->n && !rc; i++) {
			const gr_license_row *r = &rows->rows[i];
			if ((r->license == NULL) != (pass == 1))
				continue;
			const char *lic = r->license;
			bool first = !prev || (lic && strcmp(prev->license, lic));
			prev = r;
			if (first) {
				unsigned duties = 0;
				gr_spdx_expr *x = NULL;
				if (lic && !gr_spdx_parse(&x, lic, strlen(lic), GR_SPDX_ALLOW_UNKNOWN))
					duties = gr_spdx_expr_class(x).duties;
				gr_error_clear();
				gr_spdx_free(x);
				rc = gr_buf_printf(out, "\nLicence: %s%s%s\n", lic ? lic : "no licence known",
						   duties & GR_SPDX_ATTRIBUTION ? " (attribution required)" : "",
						   duties & GR_SPDX_SHARE_ALIKE ? " (share alike)" : "");
			}
			size_t dn = r->domains ? strlen(r->domains) : 0;
			if (!rc)
				rc = gr_buf_printf(out, "  %s: %llu records%s%.300s%s\n", r->source ? r->source : "(no source)",
						   (unsigned long long)r->records, r->domains ? " from " : "",
						   r->domains ? r->domains : "", dn > 300 ? ", ..." : "");
		}
	}
	return rc;
}

/* ------------------------------------------------------------------ membership */

int gr_api_contains(gr_hub *h, const char *spec, const char *url, const char *hash_hex, const char *text, size_t tn,
		    double threshold, cJSON **out)
{
	*out = NULL;
	if (!!url + !!hash_hex + !!text != 1)
		return gr_error_set(GR_EINVAL, "contains: give one of --url, --hash, --text-file");
	uint8_t want[GR_HASH_LEN];
	if (hash_hex && (strlen(hash_hex) != 64 || !gr_unhex(want, hash_hex, GR_HASH_LEN)))
		return gr_error_set(GR_EINVAL, "a content hash is 64 hex digits");
	if (text)
		gr_sha256(want, text, tn);
	if (threshold <= 0)
		threshold = GR_MINHASH_DEFAULT_THRESHOLD;
	gr_version_info v;
	int rc = gr_hub_resolve(h, spec, &v);
	if (rc)
		return rc;
	int64_t *ids = NULL;
	size_t n = 0;
	gr_minhash sig, other;
	if (text)
		gr_minhash_compute(&sig, text, tn);
	cJSON *o = cJSON_CreateObject(), *exact = NULL, *near = NULL;
	uint64_t with_sig = 0;
	if ((rc = gr_hub_members(h, &v, &ids, &n)))
		goto out;
	char name[GR_DATASET_NAME_MAX + 16];
	snprintf(name, sizeof name, "%s@v%d", v.dataset, v.num);
	cJSON_AddStringToObject(o, "version", name);
	exact = cJSON_AddArrayToObject(o, "exact");
	if (text)
		near = cJSON_AddArrayToObject(o, "near");
	for (size_t i = 0; i < n && !rc; i++) {
		gr_record_info r;
		if ((rc = gr_catalog_record_get(gr_hub_catalog(h), ids[i], &r)))
			break;
		char id[17];
		gr_record_id(id, r.addr);
		bool hit = url ? (r.url && !strcmp(r.url, url)) : !memcmp(r.content, want, GR_HASH_LEN);
		if (hit) {
			cJSON *e = cJSON_CreateObject();
			cJSON_AddStringToObject(e, "id", id);
			cJSON_AddItemToObject(e, "url", str_or_null(r.url));
			cJSON_AddItemToArray(exact, e);
		} else if (text) {
			bool found;
			if (!(rc = gr_catalog_minhash_get(gr_hub_catalog(h), r.content, GR_MINHASH_VERSION, &other,
							  sizeof other, &found)) &&
			    found) {
				with_sig++;
				double j = gr_minhash_jaccard(&sig, &other);
				if (j >= threshold) {
					cJSON *e = cJSON_CreateObject();
					cJSON_AddStringToObject(e, "id", id);
					cJSON_AddItemToObject(e, "url", str_or_null(r.url));
					cJSON_AddNumberToObject(e, "jaccard", j);
					cJSON_AddItemToArray(near, e);
				}
			}
		}
		gr_record_info_release(&r);
	}
	if (rc)
		goto out;
	bool contained = cJSON_GetArraySize(exact) > 0 || (near && cJSON_GetArraySize(near) > 0);
	cJSON_AddBoolToObject(o, "contained", contained);
	if (text) {
		/* near matches need the records' signatures (dedup --near computes and keeps them) */
		cJSON *s = cJSON_AddObjectToObject(o, "near_check");
		cJSON_AddNumberToObject(s, "threshold", threshold);
		cJSON_AddNumberToObject(s, "records_with_signature", (double)with_sig);
		cJSON_AddNumberToObject(s, "records", (double)n);
	}
	rc = done(o, out);
	o = NULL;
out:
	cJSON_Delete(o);
	free(ids);
	gr_version_info_release(&v);
	return rc;
}
