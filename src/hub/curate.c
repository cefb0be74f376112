/*
 * Curation: queries over a version, and filter, which makes a new version of
 * the records a WHERE expression keeps.
 *
 * A filter reads on the query engine's own read-only connection while the
 * hub's connection writes: the new version's members are the ids the query
 * returned, in order, committed in one transaction (the hub's only commit
 * point), so a failed or refused filter leaves the hub as it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/hub_int.h"
#include "query/query.h"
#include "scan/pii.h"

struct id_list {
	int64_t *ids;
	size_t n, cap;
};

static int collect(int64_t rid, void *ctx)
{
	struct id_list *l = ctx;
	if (l->n == l->cap && gr_array_reserve(&l->ids, &l->cap, l->n + 1, sizeof *l->ids))
		return GR_ENOMEM;
	l->ids[l->n++] = rid;
	return 0;
}

static int cmp_rid(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

int gr_hub_members(gr_hub *h, const gr_version_info *v, int64_t **ids, size_t *n)
{
	struct id_list l = {0};
	int64_t *tomb = NULL;
	size_t nt = 0;
	int rc = gr_catalog_members_each(h->cat, v->id, collect, &l);
	if (!rc)
		rc = gr_catalog_tombstone_ids(h->cat, &tomb, &nt);
	if (rc) {
		free(l.ids);
		return rc;
	}
	/* removed records (tombstones) are listed by older versions but are
	 * no longer there to read, filter or copy */
	if (nt) {
		size_t w = 0;
		for (size_t i = 0; i < l.n; i++)
			if (!bsearch(&l.ids[i], tomb, nt, sizeof *tomb, cmp_rid))
				l.ids[w++] = l.ids[i];
		l.n = w;
	}
	free(tomb);
	*ids = l.ids;
	*n = l.n;
	return 0;
}

int gr_hub_pii_db(gr_hub *h, const struct gr_pii_db **out)
{
	if (!h->pii) {
		int rc = gr_pii_db_new(&h->pii);
		if (rc)
			return rc;
	}
	*out = h->pii;
	return 0;
}

static int read_content(void *ctx, const uint8_t content[GR_HASH_LEN], gr_buf *out)
{
	return gr_hub_read_content(ctx, content, out);
}

static void query_progress(uint64_t done, uint64_t total, void *ctx)
{
	gr_hub *h = ctx;
	if (h->qprogress)
		h->qprogress(done, total, h->qprogress_ctx);
}

static int pii_db(void *ctx, const struct gr_pii_db **out)
{
	return gr_hub_pii_db(ctx, out);
}

int gr_hub_query_open(gr_hub *h, const gr_version_info *v, const gr_hub_query_opts *o, gr_query **out)
{
	/* the callbacks' context is the hub; the caller's progress goes through it */
	gr_query_env env = {.catalog_path = gr_catalog_path(h->cat), .read_text = read_content, .ctx = h,
			    .pii_db = pii_db};
	int rc;
	h->qprogress = o ? o->progress : NULL;
	h->qprogress_ctx = o ? o->ctx : NULL;
	if (o) {
		env.cancel = o->cancel;
		env.progress = query_progress;
	}
	if (v) {
		int64_t *ids;
		size_t n;
		if ((rc = gr_hub_members(h, v, &ids, &n)))
			return rc;
		env.members = ids;
		env.nmembers = n;
		env.own_members = true;
		env.version = v->id;
	} else {
		env.all = true;
	}
	return gr_query_open(out, &env);
}

static int stats_json(gr_buf *b, const gr_version_info *in, const char *where, const gr_hub_filter_result *r)
{
	int rc = gr_buf_printf(b, "{\"input\": \"%s@v%d\", \"where\": ", in->dataset, in->num);
	rc = rc ? rc : gr_buf_put_json_str(b, where, strlen(where));
	rc = rc ? rc : gr_buf_printf(b, ", \"kept\": %llu, \"dropped\": %llu, \"text_bytes_read\": %llu}",
				    (unsigned long long)r->kept, (unsigned long long)r->dropped,
				    (unsigned long long)r->text_bytes_read);
	return rc;
}

/* Creates the next version of dataset `name` (made when missing) from the
 * sorted ids, with `parent` as its one parent, in one transaction. */
int gr_hub_commit_ids(gr_hub *h, const char *name, const gr_version_info *parent, const char *operation,
		      const char *message, const char *author, const char *stats, const int64_t *ids, size_t n,
		      uint64_t bytes, gr_version_info *out, char *warning, size_t wsize)
{
	int rc = gr_catalog_begin(h->cat);
	if (rc)
		return rc;
	int64_t ds;
	if ((rc = gr_catalog_dataset_find(h->cat, name, &ds)) || (!ds && (rc = gr_catalog_dataset_add(h->cat, name, &ds))))
		goto fail;
	char uname[128], email[384];
	gr_hub_author(uname, sizeof uname, email, sizeof email);
	gr_version_new nv = {.dataset = ds, .operation = operation, .message = message,
			     .author = author ? author : uname, .created = gr_time_now(), .parents = &parent->id,
			     .nparents = 1, .stats_json = stats};
	if ((rc = gr_catalog_version_create_ids(h->cat, &nv, ids, n, bytes, out)))
		goto fail;
	if ((rc = gr_catalog_commit(h->cat))) {
		gr_version_info_release(out);
		goto fail;
	}
	warning[0] = '\0';
	gr_hub_publish(h, out, warning, wsize);
	return 0;
fail:
	return gr_hub_rollback(h, rc);
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

int gr_hub_filter(gr_hub *h, const gr_version_info *in, const gr_hub_filter_opts *o, gr_version_info *out,
		  gr_hub_filter_result *res)
{
	const char *target = o->into ? o->into : in->dataset;
	memset(res, 0, sizeof *res);
	if (!gr_dataset_name_valid(target))
		return gr_error_set(GR_EINVAL, "bad dataset name '%.80s'", target);
	if (!o->where)
		return gr_error_set(GR_EINVAL, "filter: --where EXPR is required");
	double t0 = gr_time_mono();
	int rc = gr_hub_lock(h);
	if (rc)
		return rc;
	gr_query *q = NULL;
	gr_buf stats = GR_BUF_INIT, msg = GR_BUF_INIT;
	struct id_list kept = {0};
	int64_t *members = NULL;
	size_t nmembers = 0;
	gr_hub_query_opts qo = {.cancel = o->cancel, .progress = o->progress, .ctx = o->ctx};
	if ((rc = gr_hub_query_open(h, in, &qo, &q)))
		goto out;
	if ((rc = gr_query_prepare_where(q, o->where)))
		goto out;
	if (gr_query_reads_scans(q)) {
		uint64_t unscanned;
		if ((rc = gr_query_unscanned(q, &unscanned)))
			goto out;
		if (unscanned) {
			rc = gr_error_set(GR_EINVAL,
					  "the expression reads scan results, but %llu records of %s@v%d are not scanned "
					  "(their pii_* and quality columns are NULL): run 'granary scan %s@v%d' first",
					  (unsigned long long)unscanned, in->dataset, in->num, in->dataset, in->num);
			goto out;
		}
	}
	uint64_t bytes = 0;
	bool sorted = true;
	while ((rc = gr_query_step(q)) > 0) {
		int64_t rid = gr_query_col_int(q, 0);
		if (kept.n && rid <= kept.ids[kept.n - 1])
			sorted = false;
		if ((rc = collect(rid, &kept)))
			goto out;
		bytes += (uint64_t)gr_query_col_int(q, 1);
	}
	if (rc < 0)
		goto out;
	if (!sorted) {
		/* the planner chose another order: sort, and drop repeats a join may make */
		qsort(kept.ids, kept.n, sizeof *kept.ids, cmp_id);
		size_t w = 0;
		for (size_t i = 0; i < kept.n; i++)
			if (!w || kept.ids[i] != kept.ids[w - 1])
				kept.ids[w++] = kept.ids[i];
		kept.n = w;
	}
	/* an expression can close the WHERE's parenthesis and add rows of its own
	 * (a UNION): whatever the query returned, only members of the input go in */
	if ((rc = gr_hub_members(h, in, &members, &nmembers)))
		goto out;
	for (size_t i = 0, j = 0; i < kept.n; i++) {
		while (j < nmembers && members[j] < kept.ids[i])
			j++;
		if (j == nmembers || members[j] != kept.ids[i]) {
			rc = gr_error_set(GR_EPERM, "filter refused: the expression returned record ids that are not "
						    "in %s@v%d (a filter only selects from its input)",
					  in->dataset, in->num);
			goto out;
		}
	}
	res->kept = kept.n;
	res->dropped = in->records - kept.n;
	res->text_bytes_read = gr_query_text_bytes(q);
	gr_query_free(q);
	q = NULL;
	if ((rc = stats_json(&stats, in, o->where, res)))
		goto out;
	if (!o->message && (rc = gr_buf_printf(&msg, "filter %s@v%d where %s", in->dataset, in->num, o->where)))
		goto out;
	rc = gr_hub_commit_ids(h, target, in, "filter", o->message ? o->message : msg.ptr, o->author, stats.ptr,
			       kept.ids, kept.n, bytes, out, res->history_warning, sizeof res->history_warning);
out:
	gr_query_free(q);
	h->qprogress = NULL;
	free(kept.ids);
	free(members);
	gr_buf_free(&stats);
	gr_buf_free(&msg);
	gr_hub_unlock(h);
	res->seconds = gr_time_mono() - t0;
	return rc;
}
