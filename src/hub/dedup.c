/*
 * Dedup: a new version without repeated texts.
 *
 * Exact: records whose content hash is the same (the hub's content address,
 * the same in every dataset) — the record with the smallest id, the earliest
 * ingested, stays. With `against`, records whose content is in another
 * version go too (cross-dataset dedup, e.g. an evaluation set).
 * Near: MinHash signatures over 5-word shingles (src/dedup/minhash.h), LSH
 * with 14 bands x 8 rows, candidates accepted at estimated Jaccard >=
 * threshold; each cluster keeps its earliest record. Signatures are stored
 * in the catalog (table minhash) the first time they are computed.
 * Every record left out is written to table duplicates with the record it
 * repeated, and the parameters go into the version's stats.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dedup/minhash.h"
#include "hub/hub_int.h"

struct item {
	uint8_t content[GR_HASH_LEN];
	int64_t rid;
	uint64_t len;
};

static int by_content(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c = memcmp(x->content, y->content, GR_HASH_LEN);
	return c ? c : (x->rid > y->rid) - (x->rid < y->rid);
}

static int by_rid(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	return (x->rid > y->rid) - (x->rid < y->rid);
}

static int by_hash(const void *a, const void *b)
{
	return memcmp(a, b, GR_HASH_LEN);
}

struct sig_ctx {
	gr_hub *h;
	gr_minhash *sigs;
	const size_t *slot; /* job index -> index into sigs */
	const uint8_t (*contents)[GR_HASH_LEN];
	uint64_t computed;
	const gr_hub_dedup_opts *o;
};

static int sig_work(void *state, const char *text, size_t n, void *out, void *ctx)
{
	(void)state, (void)ctx;
	gr_minhash_compute(out, text, n);
	return 0;
}

static int sig_done(size_t i, const void *out, void *ctx)
{
	struct sig_ctx *c = ctx;
	memcpy(&c->sigs[c->slot[i]], out, sizeof(gr_minhash));
	c->computed++;
	return gr_catalog_minhash_put(c->h->cat, c->contents[i], GR_MINHASH_VERSION, out, sizeof(gr_minhash));
}

static void sig_progress(uint64_t done, uint64_t total, uint64_t bytes, void *ctx)
{
	(void)bytes;
	struct sig_ctx *c = ctx;
	if (c->o->progress)
		c->o->progress(done, total, c->o->ctx);
}

/* Signatures of items[0..n) (in rid order) into sigs: stored ones read,
 * missing ones computed on the pool and stored. Runs inside the caller's
 * transaction. */
static int signatures(gr_hub *h, const struct item *items, size_t n, gr_minhash *sigs, const gr_hub_dedup_opts *o,
		      uint64_t *computed)
{
	uint8_t (*todo)[GR_HASH_LEN] = malloc((n ? n : 1) * GR_HASH_LEN);
	size_t *slot = malloc((n ? n : 1) * sizeof *slot);
	size_t nt = 0;
	int rc = 0;
	if (!todo || !slot) {
		rc = gr_error_set(GR_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		bool found;
		rc = gr_catalog_minhash_get(h->cat, items[i].content, GR_MINHASH_VERSION, &sigs[i], sizeof sigs[i], &found);
		if (!rc && !found) {
			memcpy(todo[nt], items[i].content, GR_HASH_LEN);
			slot[nt++] = i;
		}
	}
	if (rc || !nt)
		goto out;
	struct sig_ctx c = {.h = h, .sigs = sigs, .slot = slot, .contents = (const uint8_t(*)[GR_HASH_LEN])todo, .o = o};
	gr_texts_job j = {.contents = (const uint8_t(*)[GR_HASH_LEN])todo, .n = nt, .out_size = sizeof(gr_minhash),
			  .threads = o->threads, .work = sig_work, .done = sig_done, .progress = sig_progress,
			  .ctx = &c, .cancel = o->cancel};
	rc = gr_hub_texts_run(h, &j);
	*computed = c.computed;
out:
	free(todo);
	free(slot);
	return rc;
}

static int stats_json(gr_buf *b, const gr_version_info *in, const gr_hub_dedup_opts *o, const gr_hub_dedup_result *r)
{
	int rc = gr_buf_printf(b, "{\"input\": \"%s@v%d\", \"exact_dropped\": %llu, \"kept\": %llu", in->dataset,
			       in->num, (unsigned long long)r->exact_dropped, (unsigned long long)r->kept);
	if (!rc && o->against)
		rc = gr_buf_printf(b, ", \"against\": \"%s\", \"against_dropped\": %llu", o->against_name,
				   (unsigned long long)r->against_dropped);
	if (!rc && o->near)
		rc = gr_buf_printf(b,
				   ", \"near\": {\"method\": \"minhash-lsh\", \"minhash_version\": %d, "
				   "\"shingle_words\": %d, \"bands\": %d, \"rows\": %d, \"threshold\": %.4g, "
				   "\"dropped\": %llu, \"signatures_computed\": %llu}",
				   GR_MINHASH_VERSION, GR_MINHASH_SHINGLE, GR_MINHASH_BANDS, GR_MINHASH_ROWS,
				   o->threshold > 0 ? o->threshold : GR_MINHASH_DEFAULT_THRESHOLD,
				   (unsigned long long)r->near_dropped, (unsigned long long)r->signatures_computed);
	return rc ? rc : gr_buf_putc(b, '}');
}

struct against_ctx {
	gr_hub *h;
	uint8_t (*hashes)[GR_HASH_LEN];
	size_t n, cap;
};

static int against_one(int64_t rid, void *ctx)
{
	struct against_ctx *a = ctx;
	uint64_t len;
	if (a->n == a->cap && gr_array_reserve(&a->hashes, &a->cap, a->n + 1, GR_HASH_LEN))
		return GR_ENOMEM;
	return gr_catalog_record_content(a->h->cat, rid, a->hashes[a->n++], &len);
}

int gr_hub_dedup(gr_hub *h, const gr_version_info *in, const gr_hub_dedup_opts *o, gr_version_info *out,
		 gr_hub_dedup_result *res)
{
	const char *target = o->into ? o->into : in->dataset;
	double threshold = o->threshold > 0 ? o->threshold : GR_MINHASH_DEFAULT_THRESHOLD;
	memset(res, 0, sizeof *res);
	if (!gr_dataset_name_valid(target))
		return gr_error_set(GR_EINVAL, "bad dataset name '%.80s'", target);
	if (o->threshold < 0 || o->threshold > 1)
		return gr_error_set(GR_EINVAL, "--threshold is a Jaccard similarity between 0 and 1");
	double t0 = gr_time_mono();
	int rc = gr_hub_lock(h);
	if (rc)
		return rc;
	int64_t *ids = NULL;
	size_t n = 0;
	struct item *items = NULL;
	gr_minhash *sigs = NULL;
	uint32_t *rep = NULL;
	struct against_ctx ag = {.h = h};
	gr_buf stats = GR_BUF_INIT, msg = GR_BUF_INIT;
	bool in_tx = false;
	if ((rc = gr_hub_members(h, in, &ids, &n)))
		goto out;
	if (!(items = malloc((n ? n : 1) * sizeof *items))) {
		rc = gr_error_set(GR_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		items[i].rid = ids[i];
		rc = gr_catalog_record_content(h->cat, ids[i], items[i].content, &items[i].len);
	}
	if (rc)
		goto out;
	if (o->against && (rc = gr_catalog_members_each(h->cat, o->against->id, against_one, &ag)))
		goto out;
	if (ag.n)
		qsort(ag.hashes, ag.n, GR_HASH_LEN, by_hash);
	if ((rc = gr_catalog_begin(h->cat)))
		goto out;
	in_tx = true;
	/* the duplicates table names the new version: write its rows after it
	 * exists, so collect (rid, dup_of, kind) first */
	int64_t *drop_rid = malloc((n ? n : 1) * sizeof *drop_rid), *drop_of = malloc((n ? n : 1) * sizeof *drop_of);
	uint8_t *drop_kind = malloc(n ? n : 1);
	size_t nd = 0;
	if (!drop_rid || !drop_of || !drop_kind) {
		free(drop_rid), free(drop_of), free(drop_kind);
		rc = gr_error_set(GR_ENOMEM, "out of memory");
		goto out;
	}
	/* exact: runs of one content, earliest record first */
	qsort(items, n, sizeof *items, by_content);
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		if (ag.n && bsearch(items[i].content, ag.hashes, ag.n, GR_HASH_LEN, by_hash)) {
			drop_rid[nd] = items[i].rid, drop_of[nd] = 0, drop_kind[nd++] = 'a';
			res->against_dropped++;
			continue;
		}
		if (w && memcmp(items[w - 1].content, items[i].content, GR_HASH_LEN) == 0) {
			drop_rid[nd] = items[i].rid, drop_of[nd] = items[w - 1].rid, drop_kind[nd++] = 'e';
			res->exact_dropped++;
			continue;
		}
		items[w++] = items[i];
	}
	n = w;
	qsort(items, n, sizeof *items, by_rid);
	if (o->near && n) {
		if (!(sigs = malloc(n * sizeof *sigs)) || !(rep = malloc(n * sizeof *rep))) {
			rc = gr_error_set(GR_ENOMEM, "out of memory");
			goto drops;
		}
		if ((rc = signatures(h, items, n, sigs, o, &res->signatures_computed)) ||
		    (rc = gr_lsh_cluster(rep, sigs, n, threshold)))
			goto drops;
		/* first the drops (rep[i] indexes the uncompacted items), then compact */
		for (size_t i = 0; i < n; i++) {
			if (rep[i] != i) {
				drop_rid[nd] = items[i].rid, drop_of[nd] = items[rep[i]].rid, drop_kind[nd++] = 'n';
				res->near_dropped++;
			}
		}
		w = 0;
		for (size_t i = 0; i < n; i++)
			if (rep[i] == i)
				items[w++] = items[i];
		n = w;
	}
	/* the kept ids, in order, and their bytes */
	uint64_t bytes = 0;
	for (size_t i = 0; i < n; i++) {
		ids[i] = items[i].rid;
		bytes += items[i].len;
	}
	res->kept = n;
	if ((rc = stats_json(&stats, in, o, res)))
		goto drops;
	if (!o->message &&
	    (rc = gr_buf_printf(&msg, "dedup %s@v%d (%s)", in->dataset, in->num, o->near ? "exact and near" : "exact")))
		goto drops;
	int64_t ds;
	if ((rc = gr_catalog_dataset_find(h->cat, target, &ds)) ||
	    (!ds && (rc = gr_catalog_dataset_add(h->cat, target, &ds))))
		goto drops;
	char uname[128], email[384];
	gr_hub_author(uname, sizeof uname, email, sizeof email);
	gr_version_new nv = {.dataset = ds, .operation = "dedup", .message = o->message ? o->message : msg.ptr,
			     .author = o->author ? o->author : uname, .created = gr_time_now(), .parents = &in->id,
			     .nparents = 1, .stats_json = stats.ptr};
	if ((rc = gr_catalog_version_create_ids(h->cat, &nv, ids, n, bytes, out)))
		goto drops;
	for (size_t i = 0; i < nd && !rc; i++)
		rc = gr_catalog_duplicate_add(h->cat, out->id, drop_rid[i], drop_of[i] ? drop_of[i] : drop_rid[i],
					      drop_kind[i] == 'e' ? "exact" : drop_kind[i] == 'n' ? "near" : "against");
	if (!rc && !(rc = gr_catalog_commit(h->cat)))
		in_tx = false;
	if (rc)
		gr_version_info_release(out);
drops:
	free(drop_rid);
	free(drop_of);
	free(drop_kind);
out:
	if (in_tx)
		gr_hub_rollback(h, rc);
	if (!rc)
		gr_hub_publish(h, out, res->history_warning, sizeof res->history_warning);
	free(ids);
	free(items);
	free(sigs);
	free(rep);
	free(ag.hashes);
	gr_buf_free(&stats);
	gr_buf_free(&msg);
	gr_hub_unlock(h);
	res->seconds = gr_time_mono() - t0;
	return rc;
}
