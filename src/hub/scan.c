/*
 * Scan: PII counts and quality attributes of every text of a version that
 * has none yet (by this scanner version), stored in the catalog by content
 * hash — a text held by many records, datasets and versions is scanned once.
 * Texts are read by the calling thread and scanned on the pool; the results
 * are written in one transaction, so a cancelled scan stores nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/hub_int.h"
#include "ingest/textscan.h"

struct item {
	uint8_t hash[GR_HASH_LEN];
	size_t first; /* index of the first member holding it */
};

static int by_hash(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c = memcmp(x->hash, y->hash, GR_HASH_LEN);
	return c ? c : (x->first > y->first) - (x->first < y->first);
}

static int by_first(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	return (x->first > y->first) - (x->first < y->first);
}

struct scan_ctx {
	gr_hub *h;
	const uint8_t (*todo)[GR_HASH_LEN];
	const gr_hub_scan_opts *o;
	gr_hub_scan_result *res;
};

static int state_new(void **state, void *ctx)
{
	struct scan_ctx *c = ctx;
	const struct gr_pii_db *db;
	int rc = gr_hub_pii_db(c->h, &db);
	return rc ? rc : gr_textscan_new((gr_textscan **)state, db);
}

static void state_free(void *state)
{
	gr_textscan_free(state);
}

struct scan_out {
	gr_scan_row row;
	bool refused; /* over the scanner's limits (hostile input): left unscanned */
};

static int work(void *state, const char *text, size_t n, void *out, void *ctx)
{
	(void)ctx;
	struct scan_out *o = out;
	int rc = gr_textscan_run(state, text, n, &o->row);
	o->refused = rc == GR_ELIMIT;
	if (o->refused)
		gr_error_clear();
	return o->refused ? 0 : rc;
}

static int done(size_t i, const void *out, void *ctx)
{
	struct scan_ctx *c = ctx;
	const struct scan_out *o = out;
	if (o->refused) {
		if (c->o->refused)
			c->o->refused(c->todo[i], c->o->ctx);
		c->res->refused++;
		return 0;
	}
	c->res->scanned++;
	return gr_catalog_scan_put(c->h->cat, c->todo[i], GR_SCAN_VERSION, &o->row);
}

static void progress(uint64_t d, uint64_t total, uint64_t bytes, void *ctx)
{
	struct scan_ctx *c = ctx;
	c->res->bytes = bytes;
	if (c->o->progress)
		c->o->progress(d, total, c->o->ctx);
}

int gr_hub_scan(gr_hub *h, const gr_version_info *v, const gr_hub_scan_opts *o, gr_hub_scan_result *res)
{
	memset(res, 0, sizeof *res);
	double t0 = gr_time_mono();
	int rc = gr_hub_lock(h);
	if (rc)
		return rc;
	int64_t *ids = NULL;
	size_t n = 0, nu = 0, nt = 0;
	struct item *items = NULL;
	uint8_t (*hashes)[GR_HASH_LEN] = NULL;
	bool in_tx = false;
	/* one transaction from the first lookup: the per-record lookups then
	 * take no lock of their own, and the results commit at once */
	if ((rc = gr_catalog_begin(h->cat)))
		goto out;
	in_tx = true;
	if ((rc = gr_hub_members(h, v, &ids, &n)))
		goto out;
	res->records = n;
	if (!(items = malloc((n ? n : 1) * sizeof *items)) || !(hashes = malloc((n ? n : 1) * GR_HASH_LEN))) {
		rc = gr_error_set(GR_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		uint64_t len;
		items[i].first = i;
		rc = gr_catalog_record_content(h->cat, ids[i], items[i].hash, &len);
	}
	if (rc)
		goto out;
	/* distinct contents, then back in member order: records are stored in
	 * the order they were ingested, so the texts are read frame after frame
	 * (in hash order each read would decompress a frame of its own) */
	qsort(items, n, sizeof *items, by_hash);
	for (size_t i = 0; i < n; i++)
		if (!nu || memcmp(items[nu - 1].hash, items[i].hash, GR_HASH_LEN))
			items[nu++] = items[i];
	qsort(items, nu, sizeof *items, by_first);
	res->contents = nu;
	for (size_t i = 0; i < nu && !rc; i++) {
		bool has;
		if (!(rc = gr_catalog_scan_has(h->cat, items[i].hash, GR_SCAN_VERSION, &has)) && !has)
			memcpy(hashes[nt++], items[i].hash, GR_HASH_LEN);
	}
	if (rc)
		goto out;
	res->cached = nu - nt;
	if (nt) {
		struct scan_ctx c = {.h = h, .todo = (const uint8_t(*)[GR_HASH_LEN])hashes, .o = o, .res = res};
		gr_texts_job j = {.contents = (const uint8_t(*)[GR_HASH_LEN])hashes, .n = nt, .out_size = sizeof(struct scan_out),
				  .threads = o->threads, .state_new = state_new, .state_free = state_free, .work = work,
				  .done = done, .progress = progress, .ctx = &c, .cancel = o->cancel};
		/* compile the patterns here, not in a race between the slots */
		const struct gr_pii_db *db;
		if ((rc = gr_hub_pii_db(h, &db)) || (rc = gr_hub_texts_run(h, &j)))
			goto out;
	}
	if ((rc = gr_catalog_commit(h->cat)))
		goto out;
	in_tx = false;
out:
	if (in_tx)
		gr_hub_rollback(h, rc);
	free(ids);
	free(items);
	free(hashes);
	gr_hub_unlock(h);
	res->seconds = gr_time_mono() - t0;
	return rc;
}
