/*
 * verify and gc.
 *
 * verify (structure): the catalog passes SQLite's integrity and foreign-key
 * checks; every pack the catalog names exists with its recorded size; every
 * pack's frame tables agree with the catalog's frames and chunks; every
 * version has its history commit and each dataset's branch tip is its latest
 * version. verify --full also decompresses every frame, re-hashes every
 * chunk and every pack file, and names the records a damaged chunk belongs to.
 * Packs on disk that the catalog does not know are orphans: reported, and
 * removed by gc, never an error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/hub_int.h"


typedef struct {
	gr_hub *h;
	const gr_verify_opts *o;
	gr_verify_result *res;
	/* per pack */
	int64_t pack_id;
	const char *pack;
	gr_frame_row *frames;
	size_t nframes, cap, next;
	/* damaged chunk hashes, to name their records at the end */
	uint8_t (*bad)[GR_HASH_LEN];
	size_t nbad, badcap;
	uint64_t done, total;
} vctx;

static void problem(vctx *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(vctx *v, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	v->res->problems++;
	if (v->o->problem)
		v->o->problem(msg, v->o->ctx);
}

static int add_bad(vctx *v, const uint8_t hash[GR_HASH_LEN])
{
	if (gr_array_reserve(&v->bad, &v->badcap, v->nbad, GR_HASH_LEN))
		return GR_ENOMEM;
	memcpy(v->bad[v->nbad++], hash, GR_HASH_LEN);
	return 0;
}

static int collect_frame(const gr_frame_row *f, void *ctx)
{
	vctx *v = ctx;
	if (gr_array_reserve(&v->frames, &v->cap, v->nframes, sizeof *v->frames))
		return GR_ENOMEM;
	v->frames[v->nframes++] = *f;
	return 0;
}

struct chunk_cmp {
	const gr_scan_frame *f;
	uint32_t i;
	vctx *v;
	bool mismatch;
};

static int compare_chunk(const uint8_t hash[GR_HASH_LEN], uint32_t off, uint32_t len, void *ctx)
{
	struct chunk_cmp *c = ctx;
	/* catalog chunks are a subset of the frame's chunks, in offset order; an
	 * empty chunk shares its offset with the next one, so look at every entry
	 * at this offset */
	while (c->i < c->f->nchunks && c->f->chunks[c->i].off < off)
		c->i++;
	for (uint32_t j = c->i; j < c->f->nchunks && c->f->chunks[j].off == off; j++)
		if (c->f->chunks[j].len == len && memcmp(c->f->chunks[j].hash, hash, GR_HASH_LEN) == 0)
			return 0;
	c->mismatch = true;
	return add_bad(c->v, hash);
}

static int lost_chunk(const uint8_t hash[GR_HASH_LEN], uint32_t off, uint32_t len, void *ctx)
{
	(void)off;
	(void)len;
	return add_bad(ctx, hash);
}

/* Every chunk the catalog places in this frame is damaged (its pack or frame is gone). */
static int frame_lost(vctx *v, uint64_t frame)
{
	return gr_catalog_frame_chunks(v->h->cat, frame, lost_chunk, v);
}

static int check_frame(const gr_scan_frame *f, void *ctx)
{
	vctx *v = ctx;
	v->res->frames++;
	v->res->chunks += f->nchunks;
	v->res->bytes += f->loc.ulen;
	/* the catalog's frames of this pack, in offset order, must match */
	if (v->next >= v->nframes || v->frames[v->next].off != f->loc.off) {
		/* a frame on disk the catalog does not use: harmless unless the catalog expects one here */
		while (v->next < v->nframes && v->frames[v->next].off < f->loc.off) {
			problem(v, "pack %.12s: frame %llu at offset %llu is missing", v->pack,
				(unsigned long long)v->frames[v->next].id, (unsigned long long)v->frames[v->next].off);
			v->next++;
		}
		if (v->next >= v->nframes || v->frames[v->next].off != f->loc.off)
			return 0;
	}
	const gr_frame_row *row = &v->frames[v->next++];
	if (row->clen != f->loc.clen || row->ulen != f->loc.ulen) {
		problem(v, "pack %.12s: frame %llu lengths differ from the catalog", v->pack,
			(unsigned long long)row->id);
	}
	struct chunk_cmp cc = {f, 0, v, false};
	int rc = gr_catalog_frame_chunks(v->h->cat, row->id, compare_chunk, &cc);
	if (rc)
		return rc;
	if (cc.mismatch)
		problem(v, "pack %.12s: frame %llu table disagrees with the catalog", v->pack,
			(unsigned long long)row->id);
	if (v->o->full) {
		if (f->status) {
			problem(v, "pack %.12s: frame %llu is damaged: %s", v->pack, (unsigned long long)row->id,
				gr_error_last());
			for (uint32_t i = 0; i < f->nchunks; i++)
				if ((rc = add_bad(v, f->chunks[i].hash)))
					return rc;
		} else {
			uint32_t badn = 0;
			for (uint32_t i = 0; i < f->nchunks; i++) {
				uint8_t h[GR_HASH_LEN];
				gr_sha256(h, f->data + f->chunks[i].off, f->chunks[i].len);
				if (memcmp(h, f->chunks[i].hash, GR_HASH_LEN) != 0) {
					badn++;
					if ((rc = add_bad(v, f->chunks[i].hash)))
						return rc;
				}
			}
			if (badn)
				problem(v, "pack %.12s: frame %llu: %u chunk(s) fail their hash", v->pack,
					(unsigned long long)row->id, badn);
		}
	}
	v->done += f->loc.clen;
	if (v->o->progress)
		v->o->progress(v->done, v->total, v->o->ctx);
	if (v->o->cancel && *v->o->cancel)
		return gr_error_set(GR_EINTR, "verify cancelled");
	return 0;
}

struct pack_hash_ctx {
	gr_backend *be;
};

/* SHA-256 of a whole pack, read in 4 MiB pieces. */
static int pack_digest(gr_backend *be, const char *name, uint64_t size, uint8_t out[GR_HASH_LEN])
{
	gr_sha256_ctx *c = gr_sha256_new();
	char *buf = gr_malloc(4u << 20);
	int rc = c && buf ? 0 : GR_ENOMEM;
	for (uint64_t off = 0; !rc && off < size;) {
		size_t n = size - off > (4u << 20) ? (4u << 20) : (size_t)(size - off);
		if (!(rc = be->read(be, name, off, buf, n)))
			gr_sha256_update(c, buf, n);
		off += n;
	}
	if (!rc)
		gr_sha256_final(c, out);
	gr_sha256_free(c);
	free(buf);
	return rc;
}

static int check_pack(int64_t id, const char *name, uint64_t size, void *ctx)
{
	vctx *v = ctx;
	gr_backend *be = gr_store_backend(v->h->store);
	uint64_t have;
	v->res->packs++;
	int rc = be->stat(be, name, &have);
	if (rc == GR_ENOTFOUND) {
		problem(v, "pack %.12s is missing", name);
		/* every chunk in it is damaged */
		v->pack_id = id;
		v->nframes = v->next = 0;
		if ((rc = gr_catalog_pack_frames(v->h->cat, id, collect_frame, v)))
			return rc;
		for (size_t i = 0; i < v->nframes; i++)
			if ((rc = frame_lost(v, v->frames[i].id)))
				return rc;
		return 0;
	}
	if (rc)
		return rc;
	if (have != size) {
		problem(v, "pack %.12s is %llu bytes, the catalog says %llu", name, (unsigned long long)have,
			(unsigned long long)size);
	}
	if (v->o->full) {
		uint8_t h[GR_HASH_LEN];
		char hex[GR_HEX_LEN + 1];
		if ((rc = pack_digest(be, name, have, h)))
			return rc;
		gr_hex(hex, h, GR_HASH_LEN);
		if (strcmp(hex, name) != 0)
			problem(v, "pack %.12s: its bytes do not hash to its name", name);
	}
	v->pack_id = id;
	v->pack = name;
	v->nframes = v->next = 0;
	if ((rc = gr_catalog_pack_frames(v->h->cat, id, collect_frame, v)))
		return rc;
	rc = gr_store_scan_pack(v->h->store, name, v->o->full, check_frame, v);
	if (rc == GR_ECORRUPT) {
		problem(v, "%s", gr_error_last());
		rc = 0;
	}
	if (rc)
		return rc;
	/* catalog frames the scan never reached are lost */
	for (; v->next < v->nframes; v->next++) {
		const gr_frame_row *row = &v->frames[v->next];
		problem(v, "pack %.12s: frame %llu at offset %llu is unreadable", name, (unsigned long long)row->id,
			(unsigned long long)row->off);
		if ((rc = frame_lost(v, row->id)))
			return rc;
	}
	return 0;
}

static int sum_size(int64_t id, const char *name, uint64_t size, void *ctx)
{
	(void)id;
	(void)name;
	*(uint64_t *)ctx += size;
	return 0;
}

struct orphan_ctx {
	gr_hub *h;
	uint64_t n, bytes;
	bool remove;
	vctx *v;
};

static int orphan_pack(const char *name, uint64_t size, void *ctx)
{
	struct orphan_ctx *o = ctx;
	bool known;
	int rc = gr_catalog_pack_known(o->h->cat, name, &known);
	if (rc || known)
		return rc;
	o->n++;
	o->bytes += size;
	if (o->remove) {
		gr_backend *be = gr_store_backend(o->h->store);
		return be->del(be, name);
	}
	return 0;
}

/* Damaged records: name each with the versions that hold it. */
struct rec_ctx {
	vctx *v;
	int64_t *rids;
	size_t n, cap;
};

static int add_rid(int64_t rid, void *ctx)
{
	struct rec_ctx *r = ctx;
	for (size_t i = 0; i < r->n; i++)
		if (r->rids[i] == rid)
			return 0;
	if (gr_array_reserve(&r->rids, &r->cap, r->n, sizeof *r->rids))
		return GR_ENOMEM;
	r->rids[r->n++] = rid;
	return 0;
}

struct vlist_ctx {
	gr_catalog *cat;
	int64_t rid;
	gr_buf *out;
};

static int version_holds(const gr_version_info *v, void *ctx)
{
	struct vlist_ctx *c = ctx;
	bool in;
	int rc = gr_catalog_member_has(c->cat, v->id, c->rid, &in);
	if (!rc && in)
		rc = gr_buf_printf(c->out, "%s%s@v%d", c->out->len ? " " : "", v->dataset, v->num);
	return rc;
}

struct ds_ctx {
	gr_catalog *cat;
	struct vlist_ctx *vl;
};

static int each_dataset(const char *name, const gr_version_info *head, void *ctx)
{
	struct ds_ctx *d = ctx;
	if (!head)
		return 0;
	(void)name;
	return gr_catalog_version_each(d->cat, head->dataset_id, version_holds, d->vl);
}

static int name_damaged(vctx *v)
{
	struct rec_ctx r = {v, NULL, 0, 0};
	int rc = 0;
	for (size_t i = 0; !rc && i < v->nbad; i++)
		rc = gr_catalog_chunk_records(v->h->cat, v->bad[i], add_rid, &r);
	for (size_t i = 0; !rc && i < r.n; i++) {
		gr_record_info info;
		if ((rc = gr_catalog_record_get(v->h->cat, r.rids[i], &info)))
			break;
		char id[17];
		gr_record_id(id, info.addr);
		gr_record_info_release(&info);
		gr_buf where = GR_BUF_INIT;
		struct vlist_ctx vl = {v->h->cat, r.rids[i], &where};
		struct ds_ctx d = {v->h->cat, &vl};
		rc = gr_catalog_dataset_each(v->h->cat, each_dataset, &d);
		v->res->damaged_records++;
		if (!rc && v->o->damaged)
			v->o->damaged(id, where.ptr ? where.ptr : "", v->o->ctx);
		gr_buf_free(&where);
	}
	free(r.rids);
	return rc;
}

/* History: every version has a commit; every dataset's branch tip is its newest version's commit. */
static int check_version_commit(const gr_version_info *ver, void *ctx)
{
	vctx *v = ctx;
	v->res->versions++;
	if (!ver->git_commit) {
		v->res->history_pending++;
		if (v->o->note) {
			char msg[256];
			snprintf(msg, sizeof msg, "%s@v%d waits for its history commit (gc writes it)", ver->dataset,
				 ver->num);
			v->o->note(msg, v->o->ctx);
		}
	}
	return 0;
}

static int check_dataset(const char *name, const gr_version_info *head, void *ctx)
{
	vctx *v = ctx;
	if (!head)
		return 0;
	int rc = gr_catalog_version_each(v->h->cat, head->dataset_id, check_version_commit, v);
	if (rc || !head->git_commit)
		return rc; /* a pending commit: the branch tip is one behind until gc writes it */
	char tip[GR_OID_HEX];
	gr_history *hist;
	if ((rc = gr_hub_history(v->h, &hist))) {
		problem(v, "history.git: %s", gr_error_last());
		return 0;
	}
	rc = gr_history_tip(hist, name, tip);
	if (rc == GR_ENOTFOUND) {
		problem(v, "history.git has no branch for dataset %s", name);
		return 0;
	}
	if (rc) {
		problem(v, "history.git: %s", gr_error_last());
		return 0;
	}
	/* a tip past the catalog's head is a version a writer committed after
	 * this verify's snapshot (git commits follow catalog commits) */
	if (strcmp(tip, head->git_commit) != 0 && gr_hub_commit_version(hist, tip, name) <= head->num)
		problem(v, "history.git: branch %s is at %.12s, the catalog's %s@v%d is %.12s", name, tip, name,
			head->num, head->git_commit);
	return 0;
}

int gr_hub_verify(gr_hub *h, const gr_verify_opts *o, gr_verify_result *res)
{
	memset(res, 0, sizeof *res);
	vctx v = {.h = h, .o = o, .res = res};
	gr_buf prob = GR_BUF_INIT;
	int rc = gr_catalog_check(h->cat, &prob);
	if (rc == GR_ECORRUPT) {
		problem(&v, "%s", prob.ptr);
		rc = 0;
	}
	gr_buf_free(&prob);
	if (rc)
		goto out;
	if ((rc = gr_catalog_pack_each(h->cat, sum_size, &v.total)))
		goto out;
	if ((rc = gr_catalog_pack_each(h->cat, check_pack, &v)))
		goto out;
	if ((rc = name_damaged(&v)))
		goto out;
	if ((rc = gr_catalog_dataset_each(h->cat, check_dataset, &v)))
		goto out;
	struct orphan_ctx oc = {h, 0, 0, false, &v};
	if ((rc = gr_store_backend(h->store)->list(gr_store_backend(h->store), orphan_pack, &oc)))
		goto out;
	res->orphan_packs = oc.n;
out:
	free(v.frames);
	free(v.bad);
	if (!rc && res->problems)
		rc = gr_error_set(GR_ECORRUPT, "verify found %llu problem(s)", (unsigned long long)res->problems);
	return rc;
}

int gr_hub_delete_orphans(gr_hub *h, uint64_t *n, uint64_t *bytes)
{
	struct orphan_ctx oc = {h, 0, 0, true, NULL};
	gr_backend *be = gr_store_backend(h->store);
	int rc = be->list(be, orphan_pack, &oc);
	*n = oc.n;
	*bytes = oc.bytes;
	return rc;
}

int gr_hub_gc(gr_hub *h, gr_gc_result *res)
{
	memset(res, 0, sizeof *res);
	int rc = gr_hub_lock(h);
	if (rc)
		return rc;
	if ((rc = gr_hub_sync_history(h, &res->history_synced)) ||
	    (rc = gr_hub_delete_orphans(h, &res->orphan_packs, &res->orphan_bytes)))
		goto out;
	if ((rc = gr_store_clean_tmp(h->store, 0, &res->tmp_files)))
		goto out;
	rc = gr_catalog_checkpoint(h->cat);
out:
	gr_hub_unlock(h);
	return rc;
}
