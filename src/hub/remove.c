/*
 * Removal: a consent or erasure request applied to the whole hub.
 *
 * In one catalog transaction (secure_delete on): the records the selector
 * matches, in every dataset and version, become tombstones (their rows go;
 * older versions keep listing the id, which now reads as removed); every
 * dataset whose head holds one gets a new version without them; contents
 * no remaining record holds are deleted with their scans and signatures;
 * chunks no remaining content uses are dropped, and every pack holding one
 * is rewritten without it (the kept chunks move to new packs, in the same
 * transaction); keyed hashes of the selector and of each purged content go
 * on the suppression list. After the commit: the old packs are deleted, the
 * WAL is checkpointed and truncated, the new versions get their history
 * commits, and every file under the hub — raw, every zstd frame in it, and
 * every object of history.git — is searched for pieces of the removed texts
 * (and for the selector); the result is stored with the request.
 *
 * Cost: reading the matched texts (and, for a text selector, every text of
 * the hub), plus rewriting the packs that held purged chunks — not the hub.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "govern/consent.h"
#include "hub/hub_int.h"

struct rids {
	int64_t *v;
	size_t n, cap;
};

static int rid_add(int64_t rid, void *ctx)
{
	struct rids *r = ctx;
	if (r->n == r->cap && gr_array_reserve(&r->v, &r->cap, r->n + 1, sizeof *r->v))
		return GR_ENOMEM;
	r->v[r->n++] = rid;
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int cmp_hash(const void *a, const void *b)
{
	return memcmp(a, b, GR_HASH_LEN);
}

static bool has_rid(const struct rids *r, int64_t rid)
{
	return bsearch(&rid, r->v, r->n, sizeof *r->v, cmp_i64) != NULL;
}

/* ---- finding the records ---- */

struct text_find {
	gr_hub *h;
	gr_suppress *probe; /* one text entry: the selector */
	gr_buf text;
	struct rids *out;
	const gr_hub_remove_opts *o;
	uint64_t done, bytes;
};

static int text_one(const uint8_t hash[GR_HASH_LEN], uint64_t len, void *ctx)
{
	struct text_find *t = ctx;
	const char *why;
	gr_buf_reset(&t->text);
	int rc = gr_hub_read_content(t->h, hash, &t->text);
	if (rc)
		return rc;
	t->bytes += len;
	if (t->o->progress && ++t->done % 4096 == 0)
		t->o->progress(t->done, 0, t->o->ctx);
	if (t->o->cancel && *t->o->cancel)
		return gr_error_set(GR_EINTR, "removal cancelled");
	if (gr_suppress_match(t->probe, hash, NULL, 0, t->text.ptr, t->text.len, &why))
		return gr_catalog_records_with_content(t->h->cat, hash, rid_add, t->out);
	return 0;
}

static int find_matches(gr_hub *h, const gr_request *r, const uint8_t key[GR_HASH_LEN], const gr_hub_remove_opts *o,
			struct rids *out)
{
	int rc;
	if (strcmp(r->selector_kind, "text")) {
		rc = gr_catalog_records_matching(h->cat, r->selector_kind, r->selector, rid_add, out);
	} else {
		gr_buf norm = GR_BUF_INIT;
		int words;
		struct text_find t = {.h = h, .out = out, .o = o};
		uint8_t k[GR_KEYED_LEN];
		if (!(rc = gr_govern_text_norm(r->selector, &norm, &words)) && !(rc = gr_suppress_new(&t.probe, key))) {
			gr_govern_keyed(key, "text", norm.ptr, norm.len, k);
			if (!(rc = gr_suppress_add(t.probe, k, "text", words)))
				rc = gr_catalog_content_each(h->cat, text_one, &t);
		}
		gr_suppress_free(t.probe);
		gr_buf_free(&t.text);
		gr_buf_free(&norm);
	}
	if (rc)
		return rc;
	qsort(out->v, out->n, sizeof *out->v, cmp_i64);
	size_t w = 0;
	for (size_t i = 0; i < out->n; i++)
		if (!w || out->v[w - 1] != out->v[i])
			out->v[w++] = out->v[i];
	out->n = w;
	return 0;
}

/* ---- needles: what must not be found afterwards ---- */

/* The bytes of every purged chunk (what the removal must have taken out of
 * the packs) and a text selector. Pieces of a removed text may rightly stay
 * where another text shares them (a common preamble, a chunk two texts
 * share); a whole purged chunk may not. */
struct needles {
	gr_buf bytes;  /* the needles, one after another */
	size_t *len;
	size_t n, cap;
};

static int needle_add(struct needles *nd, const char *p, size_t n)
{
	if (n < 8)
		return 0; /* too short to mean anything */
	if (nd->n == nd->cap && gr_array_reserve(&nd->len, &nd->cap, nd->n + 1, sizeof *nd->len))
		return GR_ENOMEM;
	nd->len[nd->n++] = n;
	return gr_buf_put(&nd->bytes, p, n);
}

struct search {
	const struct needles *nd;
	uint64_t found;
	char where[512];
	const char *what; /* the file or object being searched */
};

static int search_buf(const void *data, size_t n, void *ctx)
{
	struct search *s = ctx;
	const char *p = s->nd->bytes.ptr;
	for (size_t i = 0; i < s->nd->n; p += s->nd->len[i], i++)
		if (memmem(data, n, p, s->nd->len[i])) {
			if (!s->found++)
				snprintf(s->where, sizeof s->where, "%s", s->what);
			break;
		}
	return 0;
}

static int search_frames(const void *data, size_t n, void *ctx)
{
	return search_buf(data, n, ctx);
}

struct rebuilt_frame {
	size_t pack; /* index into the fresh packs */
	uint64_t off;
	uint32_t clen;
};

struct walk_counts {
	uint64_t files, packs_skipped;
	gr_catalog *cat;
	bool full;
	const char (*fresh)[65]; /* packs this removal wrote */
	size_t nfresh;
	const struct rebuilt_frame *rebuilt; /* their recompressed frames */
	size_t nrebuilt;
};

/* A pack the catalog knows and this removal did not write holds none of the
 * purged chunks (a chunk is stored in one frame only, the one the catalog
 * names), so the quick check skips it; orphan packs are searched. */
/* How to search a file: SEARCH_ALL (raw and every zstd frame), SKIP (a
 * pack the removal did not touch), or an index >= 0 into the fresh packs
 * (raw, and only the frames the removal recompressed: the others are the
 * untouched frames' bytes, copied). */
#define SEARCH_ALL (-1)
#define SKIP (-2)

static long pack_mode(const struct walk_counts *wc, const char *fname)
{
	size_t n = strlen(fname);
	if (wc->full || n != GR_PACK_NAME_LEN + 5 || strcmp(fname + GR_PACK_NAME_LEN, ".pack"))
		return SEARCH_ALL;
	char name[GR_PACK_NAME_LEN + 1];
	memcpy(name, fname, GR_PACK_NAME_LEN);
	name[GR_PACK_NAME_LEN] = '\0';
	for (size_t i = 0; i < wc->nfresh; i++)
		if (!strcmp(wc->fresh[i], name))
			return (long)i;
	bool known = false;
	return gr_catalog_pack_known(wc->cat, name, &known) == 0 && known ? SKIP : SEARCH_ALL;
}

/* Every regular file under dir: its bytes and every zstd frame in it. */
static int search_tree(const char *dir, struct search *s, struct walk_counts *wc, int depth)
{
	if (depth > 32)
		return 0;
	DIR *d = opendir(dir);
	if (!d)
		return gr_error_errno(GR_EIO, "open %s", dir);
	struct dirent *e;
	int rc = 0;
	gr_buf path = GR_BUF_INIT, data = GR_BUF_INIT;
	while (!rc && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		gr_buf_reset(&path);
		if ((rc = gr_buf_printf(&path, "%s/%s", dir, e->d_name)))
			break;
		struct stat st;
		if (lstat(path.ptr, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			rc = search_tree(path.ptr, s, wc, depth + 1);
		} else if (S_ISREG(st.st_mode)) {
			long mode = pack_mode(wc, e->d_name);
			if (mode == SKIP) {
				wc->packs_skipped++;
				continue;
			}
			gr_buf_reset(&data);
			if ((rc = gr_read_file(path.ptr, (size_t)1 << 34, &data)))
				break;
			wc->files++;
			s->what = path.ptr;
			const char *b = data.ptr ? data.ptr : "";
			search_buf(b, data.len, s);
			if (mode == SEARCH_ALL) {
				rc = gr_store_each_zstd_frame(b, data.len, search_frames, s);
				continue;
			}
			for (size_t i = 0; !rc && i < wc->nrebuilt; i++) {
				const struct rebuilt_frame *f = &wc->rebuilt[i];
				if (f->pack == (size_t)mode && f->off <= data.len && f->clen <= data.len - f->off)
					rc = gr_store_each_zstd_frame(b + f->off, f->clen, search_frames, s);
			}
		}
	}
	closedir(d);
	gr_buf_free(&path);
	gr_buf_free(&data);
	return rc;
}

static int search_object(const void *data, size_t n, void *ctx)
{
	struct search *s = ctx;
	s->what = "an object of history.git";
	return search_buf(data, n, s);
}

struct chunk_read {
	gr_hub *h;
	gr_buf *out;
};

static int read_one_chunk(const gr_chunk_loc *l, void *ctx)
{
	struct chunk_read *c = ctx;
	gr_frame_loc f;
	memcpy(f.pack, l->pack, sizeof f.pack);
	f.off = l->frame_off;
	f.clen = l->clen;
	f.ulen = l->ulen;
	if (!c->h->reader) {
		int rc = gr_store_reader_new(&c->h->reader, c->h->store);
		if (rc)
			return rc;
	}
	return gr_store_read_chunk(c->h->reader, l->frame, &f, l->off, l->len, l->hash, c->out);
}

/* ---- rewriting packs ---- */

struct frame_list {
	gr_frame_row *v;
	size_t n, cap;
};

static int frame_collect(const gr_frame_row *f, void *ctx)
{
	struct frame_list *l = ctx;
	if (l->n == l->cap && gr_array_reserve(&l->v, &l->cap, l->n + 1, sizeof *l->v))
		return GR_ENOMEM;
	l->v[l->n++] = *f;
	return 0;
}

struct moved_chunk {
	uint32_t index, off;
	uint8_t hash[GR_HASH_LEN];
};

struct rewrite {
	const uint8_t (*purged)[GR_HASH_LEN]; /* sorted chunk hashes to drop */
	size_t npurged;
	gr_rewrite_frame *frames;
	size_t nframes, fcap;
	struct moved_chunk *moved;
	size_t nmoved, mcap;
	struct rebuilt_frame *rb; /* every pack's recompressed frames */
	size_t nrb, rbcap;
};

static bool rw_keep(const uint8_t hash[GR_HASH_LEN], void *ctx)
{
	const struct rewrite *rw = ctx;
	return !bsearch(hash, rw->purged, rw->npurged, GR_HASH_LEN, cmp_hash);
}

static int rw_frame(const gr_rewrite_frame *f, void *ctx)
{
	struct rewrite *rw = ctx;
	if (rw->nframes == rw->fcap && gr_array_reserve(&rw->frames, &rw->fcap, rw->nframes + 1, sizeof *rw->frames))
		return GR_ENOMEM;
	rw->frames[rw->nframes++] = *f;
	return 0;
}

static int rw_chunk(uint32_t index, const uint8_t hash[GR_HASH_LEN], uint32_t off, void *ctx)
{
	struct rewrite *rw = ctx;
	if (rw->nmoved == rw->mcap && gr_array_reserve(&rw->moved, &rw->mcap, rw->nmoved + 1, sizeof *rw->moved))
		return GR_ENOMEM;
	struct moved_chunk *m = &rw->moved[rw->nmoved++];
	m->index = index;
	m->off = off;
	memcpy(m->hash, hash, GR_HASH_LEN);
	return 0;
}

/* One pack: the store writes it again without the purged chunks (copying
 * the frames it does not touch), then the catalog follows: the new pack,
 * its frames (same ids), the moved chunks, and the old pack's rows gone. */
static int rewrite_pack(gr_hub *h, struct rewrite *rw, int64_t pack, const char *name, char new_name[65],
			size_t fresh_index)
{
	struct frame_list fl = {0};
	rw->nframes = rw->nmoved = 0;
	uint64_t size;
	int64_t np;
	gr_pack_rewrite spec = {.keep = rw_keep, .on_frame = rw_frame, .on_chunk = rw_chunk, .ctx = rw};
	int rc = gr_catalog_pack_frames(h->cat, pack, frame_collect, &fl);
	if (!rc)
		rc = gr_store_pack_rewrite(h->store, name, &spec, new_name, &size);
	if (!rc && rw->nframes != fl.n)
		rc = gr_error_set(GR_ECORRUPT, "pack %.12s holds %zu frames, the catalog lists %zu", name, rw->nframes,
				  fl.n);
	if (!rc)
		rc = gr_catalog_pack_add(h->cat, new_name, size, &np);
	for (size_t i = 0; !rc && i < rw->nframes; i++) {
		const gr_rewrite_frame *f = &rw->frames[i];
		uint64_t fid = fl.v[f->index].id;
		rc = f->dropped ? gr_catalog_frame_delete(h->cat, fid)
				: gr_catalog_frame_update(h->cat, fid, np, f->loc.off, f->loc.clen, f->loc.ulen, f->nchunks);
		if (!rc && f->rebuilt) {
			if (rw->nrb == rw->rbcap && gr_array_reserve(&rw->rb, &rw->rbcap, rw->nrb + 1, sizeof *rw->rb))
				rc = GR_ENOMEM;
			else
				rw->rb[rw->nrb++] = (struct rebuilt_frame){fresh_index, f->loc.off, f->loc.clen};
		}
	}
	for (size_t i = 0; !rc && i < rw->nmoved; i++)
		rc = gr_catalog_chunk_move(h->cat, rw->moved[i].hash, fl.v[rw->moved[i].index].id, rw->moved[i].off);
	free(fl.v);
	return rc ? rc : gr_catalog_pack_delete(h->cat, pack);
}

/* ---- the removal ---- */

static void public_id(char out[17], const uint8_t addr[GR_HASH_LEN])
{
	gr_record_id(out, addr);
}

struct version_scan {
	gr_hub *h;
	const struct rids *matched;
	uint64_t affected;
	int rc;
};

static int version_holds_any(const gr_version_info *v, void *ctx)
{
	struct version_scan *vs = ctx;
	for (size_t i = 0; i < vs->matched->n; i++) {
		bool in;
		int rc = gr_catalog_member_has(vs->h->cat, v->id, vs->matched->v[i], &in);
		if (rc)
			return rc;
		if (in) {
			vs->affected++;
			break;
		}
	}
	return 0;
}

struct heads {
	char **names;
	size_t n, cap;
};

static int head_collect(const char *name, const gr_version_info *head, void *ctx)
{
	struct heads *hs = ctx;
	if (!head)
		return 0;
	if (hs->n == hs->cap && gr_array_reserve(&hs->names, &hs->cap, hs->n + 1, sizeof *hs->names))
		return GR_ENOMEM;
	if (!(hs->names[hs->n] = gr_strdup(name)))
		return GR_ENOMEM;
	hs->n++;
	return 0;
}

static int count_versions(const char *name, const gr_version_info *head, void *ctx)
{
	(void)head;
	struct version_scan *vs = ctx;
	int64_t ds;
	int rc = gr_catalog_dataset_find(vs->h->cat, name, &ds);
	return rc ? rc : gr_catalog_version_each(vs->h->cat, ds, version_holds_any, vs);
}

int gr_hub_remove(gr_hub *h, int64_t request, const gr_hub_remove_opts *o, gr_hub_remove_result *res)
{
	memset(res, 0, sizeof *res);
	double t0 = gr_time_mono();
	int rc = gr_hub_lock(h);
	if (rc)
		return rc;
	gr_request r;
	bool have_r = false, in_tx = false;
	uint8_t key[GR_HASH_LEN];
	struct rids matched = {0};
	struct needles nd = {0};
	struct heads hs = {0};
	gr_buf chunks = GR_BUF_INIT, text = GR_BUF_INIT, result = GR_BUF_INIT, msg = GR_BUF_INIT;
	uint8_t (*contents)[GR_HASH_LEN] = NULL;
	size_t ncontents = 0;
	gr_version_info *made = NULL;
	size_t nmade = 0;
	struct {
		int64_t id;
		char name[65];
	} *packs = NULL;
	size_t npacks = 0, packcap = 0;
	struct {
		char (*names)[65]; /* packs this removal wrote */
		size_t n, cap;
	} fresh = {0};
	struct rebuilt_frame *rebuilt = NULL;
	size_t nrebuilt = 0;
	char who[128], email[384];
	gr_hub_author(who, sizeof who, email, sizeof email);
	const char *by = o->author ? o->author : who;

	if ((rc = gr_catalog_request_get(h->cat, request, &r)))
		goto out;
	have_r = true;
	if (strcmp(r.status, "pending") || !r.selector) {
		rc = gr_error_set(GR_EINVAL, "request %lld is already applied", (long long)request);
		goto out;
	}
	if ((rc = gr_govern_key(h->dir, key)) || (rc = gr_hub_sync_history(h, NULL)))
		goto out;
	if ((rc = gr_catalog_begin(h->cat)))
		goto out;
	in_tx = true;
	if ((rc = gr_catalog_secure_delete(h->cat, true)) || (rc = find_matches(h, &r, key, o, &matched)))
		goto out;
	res->matches = matched.n;
	double t_found = gr_time_mono();

	/* versions holding any of them (for the report) */
	struct version_scan vs = {.h = h, .matched = &matched};
	if (matched.n && (rc = gr_catalog_dataset_each(h->cat, count_versions, &vs)))
		goto out;
	res->versions_affected = vs.affected;

	/* the texts: needles for the check, and the contents to purge */
	if (!(contents = malloc((matched.n ? matched.n : 1) * GR_HASH_LEN))) {
		rc = gr_error_set(GR_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < matched.n; i++) {
		gr_record_info ri;
		if ((rc = gr_catalog_record_get(h->cat, matched.v[i], &ri)))
			goto out;
		memcpy(contents[ncontents++], ri.content, GR_HASH_LEN);
		gr_tombstone t = {.rid = matched.v[i], .request = request};
		public_id(t.public_id, ri.addr);
		snprintf(t.reason, sizeof t.reason, "%s (%s)", r.kind, r.basis);
		gr_time_iso(t.removed, gr_time_now());
		gr_record_info_release(&ri);
		if (rc || (rc = gr_catalog_tombstone_add(h->cat, &t)))
			goto out;
	}
	/* a new version of every dataset whose head holds one */
	if (matched.n && (rc = gr_catalog_dataset_each(h->cat, head_collect, &hs)))
		goto out;
	for (size_t i = 0; i < hs.n; i++) {
		int64_t ds, *ids = NULL;
		size_t n = 0, w2 = 0;
		gr_version_info head;
		if ((rc = gr_catalog_dataset_find(h->cat, hs.names[i], &ds)) ||
		    (rc = gr_catalog_version_get(h->cat, ds, 0, &head)))
			goto out;
		/* the catalog's own list: gr_hub_members would already leave out
		 * the tombstones just written */
		struct rids all = {0};
		rc = gr_catalog_members_each(h->cat, head.id, rid_add, &all);
		ids = all.v;
		n = all.n;
		uint64_t bytes = 0;
		for (size_t k = 0; !rc && k < n; k++) {
			if (has_rid(&matched, ids[k]))
				continue;
			uint8_t c[GR_HASH_LEN];
			uint64_t len;
			if ((rc = gr_catalog_record_content(h->cat, ids[k], c, &len)))
				break;
			bytes += len;
			ids[w2++] = ids[k];
		}
		if (!rc && w2 < n) {
			gr_buf_reset(&msg);
			gr_buf_reset(&result);
			rc = gr_buf_printf(&msg, "remove: request %lld (%s, %s)", (long long)request, r.kind, r.basis);
			rc = rc ? rc
				: gr_buf_printf(&result, "{\"request\": %lld, \"removed\": %llu}", (long long)request,
						(unsigned long long)(n - w2));
			gr_version_new nv = {.dataset = ds, .operation = "remove", .message = msg.ptr, .author = by,
					     .created = gr_time_now(), .parents = &head.id, .nparents = 1,
					     .stats_json = result.ptr};
			gr_version_info *m = realloc(made, (nmade + 1) * sizeof *made);
			if (!rc && !m)
				rc = GR_ENOMEM;
			if (!rc) {
				made = m;
				rc = gr_catalog_version_create_ids(h->cat, &nv, ids, w2, bytes, &made[nmade]);
				if (!rc)
					nmade++;
			}
		}
		free(ids);
		gr_version_info_release(&head);
		if (rc)
			goto out;
	}
	res->versions_made = nmade;
	/* the rows, then the contents and chunks nothing else holds */
	for (size_t i = 0; i < matched.n; i++)
		if ((rc = gr_catalog_record_purge(h->cat, matched.v[i])))
			goto out;
	qsort(contents, ncontents, GR_HASH_LEN, cmp_hash);
	for (size_t i = 0; i < ncontents; i++) {
		bool purged;
		if (i && !memcmp(contents[i - 1], contents[i], GR_HASH_LEN))
			continue;
		if ((rc = gr_catalog_content_purge(h->cat, contents[i], &chunks, &purged)))
			goto out;
		if (purged) {
			res->contents_purged++;
			uint8_t k[GR_KEYED_LEN];
			gr_govern_keyed(key, "content", contents[i], GR_HASH_LEN, k);
			if ((rc = gr_catalog_suppression_add(h->cat, k, "content", 0, request)))
				goto out;
		}
	}
	/* chunks still used by another content stay */
	size_t nch = chunks.len / GR_HASH_LEN, ndrop = 0;
	uint8_t(*ch)[GR_HASH_LEN] = (uint8_t(*)[GR_HASH_LEN])chunks.ptr;
	if (nch)
		qsort(ch, nch, GR_HASH_LEN, cmp_hash);
	for (size_t i = 0; i < nch; i++) {
		bool used;
		if (ndrop && !memcmp(ch[ndrop - 1], ch[i], GR_HASH_LEN))
			continue;
		if ((rc = gr_catalog_chunk_in_use(h->cat, ch[i], &used)))
			goto out;
		if (used)
			continue;
		int64_t pid;
		char pname[65];
		if ((rc = gr_catalog_chunk_pack(h->cat, ch[i], &pid, pname)))
			goto out;
		bool seen = false;
		for (size_t k = 0; k < npacks && !seen; k++)
			seen = packs[k].id == pid;
		if (!seen) {
			if (npacks == packcap && gr_array_reserve(&packs, &packcap, npacks + 1, sizeof *packs)) {
				rc = GR_ENOMEM;
				goto out;
			}
			packs[npacks].id = pid;
			memcpy(packs[npacks].name, pname, sizeof pname);
			npacks++;
		}
		/* the chunk's bytes are what must be gone: a needle for the check */
		struct chunk_read cr = {h, &text};
		gr_chunk_loc loc;
		gr_buf_reset(&text);
		if ((rc = gr_catalog_chunk_loc(h->cat, ch[i], &loc)) || (rc = read_one_chunk(&loc, &cr)) ||
		    (rc = needle_add(&nd, text.ptr ? text.ptr : "", text.len)))
			goto out;
		res->bytes_purged += text.len;
		memmove(ch[ndrop++], ch[i], GR_HASH_LEN);
	}
	double t_purged = gr_time_mono();
	/* the packs, rewritten without the dropped chunks */
	struct rewrite rw = {.purged = (const uint8_t(*)[GR_HASH_LEN])ch, .npurged = ndrop};
	for (size_t i = 0; i < npacks; i++) {
		if (fresh.n == fresh.cap && gr_array_reserve(&fresh.names, &fresh.cap, fresh.n + 1, sizeof *fresh.names)) {
			rc = GR_ENOMEM;
			break;
		}
		if ((rc = rewrite_pack(h, &rw, packs[i].id, packs[i].name, fresh.names[fresh.n], fresh.n)))
			break;
		fresh.n++;
	}
	free(rw.frames);
	free(rw.moved);
	rebuilt = rw.rb;
	nrebuilt = rw.nrb;
	for (size_t i = 0; !rc && i < ndrop; i++)
		rc = gr_catalog_chunk_delete(h->cat, ch[i]);
	if (rc)
		goto out;
	res->packs_rewritten = npacks;
	double t_rewritten = gr_time_mono();
	/* the selector on the suppression list */
	{
		uint8_t k[GR_KEYED_LEN];
		int words = 0;
		const char *kind = !strcmp(r.selector_kind, "hash") ? "content" : r.selector_kind;
		if (!strcmp(r.selector_kind, "text")) {
			if ((rc = gr_govern_text_norm(r.selector, &text, &words)))
				goto out;
			gr_govern_keyed(key, "text", text.ptr, text.len, k);
		} else if (!strcmp(r.selector_kind, "hash")) {
			uint8_t c[GR_HASH_LEN];
			if (!gr_unhex(c, r.selector, GR_HASH_LEN)) {
				rc = gr_error_set(GR_EINVAL, "bad content hash");
				goto out;
			}
			gr_govern_keyed(key, "content", c, GR_HASH_LEN, k);
		} else if (!strcmp(r.selector_kind, "domain")) {
			gr_buf_reset(&text);
			for (const char *p = r.selector; *p && !rc; p++)
				rc = gr_buf_putc(&text, *p >= 'A' && *p <= 'Z' ? (char)(*p + 32) : *p);
			if (rc)
				goto out;
			gr_govern_keyed(key, "domain", text.ptr ? text.ptr : "", text.len, k);
		} else {
			gr_govern_keyed(key, kind, r.selector, strlen(r.selector), k);
		}
		if ((rc = gr_catalog_suppression_add(h->cat, k, kind, words, request)))
			goto out;
	}
	/* a text selector (an e-mail address, a name) must be gone too; a URL
	 * may rightly stay quoted in other texts */
	if (!strcmp(r.selector_kind, "text") && (rc = needle_add(&nd, r.selector, strlen(r.selector))))
		goto out;
	gr_buf_reset(&result);
	rc = gr_buf_printf(&result,
			   "{\"matches\": %llu, \"versions_affected\": %llu, \"versions_made\": %llu, "
			   "\"contents_purged\": %llu, \"bytes_purged\": %llu, \"packs_rewritten\": %llu",
			   (unsigned long long)res->matches, (unsigned long long)res->versions_affected,
			   (unsigned long long)res->versions_made, (unsigned long long)res->contents_purged,
			   (unsigned long long)res->bytes_purged, (unsigned long long)res->packs_rewritten);
	if (rc || (rc = gr_catalog_request_applied(h->cat, request, by, "{}")))
		goto out;
	if ((rc = gr_catalog_gov_log(h->cat, by, "removal.apply", request, result.ptr + 1)))
		goto out;
	if ((rc = gr_catalog_commit(h->cat)))
		goto out;
	in_tx = false;
	gr_catalog_secure_delete(h->cat, false);
	/* for tests: die where a crash leaves the old packs on disk */
	const char *fault = getenv("GRANARY_FAULT");
	if (fault && !strcmp(fault, "removal-after-commit"))
		_exit(70);

	/* committed: the old packs go, the WAL is emptied, history catches up */
	for (size_t i = 0; i < npacks; i++) {
		gr_backend *be = gr_store_backend(h->store);
		if (be->del(be, packs[i].name))
			snprintf(res->warning, sizeof res->warning, "pack %.12s could not be deleted (gc will): %s",
				 packs[i].name, gr_error_last());
	}
	if (gr_catalog_checkpoint(h->cat))
		snprintf(res->warning, sizeof res->warning, "the catalog's WAL could not be emptied: %s",
			 gr_error_last());
	for (size_t i = 0; i < nmade; i++)
		gr_hub_publish(h, &made[i], res->warning, sizeof res->warning);

	double t_committed = gr_time_mono();
	/* the check: nothing of the removed texts (or the selector) anywhere */
	struct search s = {.nd = &nd};
	struct walk_counts wc = {.cat = h->cat, .full = o->full_check, .fresh = (const char(*)[65])fresh.names,
				 .nfresh = fresh.n, .rebuilt = rebuilt, .nrebuilt = nrebuilt};
	gr_history *hist;
	if (!(rc = search_tree(h->dir, &s, &wc, 0)) && !(rc = gr_hub_history(h, &hist)))
		rc = gr_history_each_object(hist, search_object, &s);
	if (rc)
		goto out;
	res->files_checked = wc.files;
	res->traces_found = s.found;
	snprintf(res->trace_where, sizeof res->trace_where, "%s", s.where);
	rc = gr_buf_printf(&result,
			   ", \"verification\": {\"full\": %s, \"files\": %llu, \"packs_skipped\": %llu, "
			   "\"needles\": %zu, \"traces\": %llu%s%s%s}}",
			   o->full_check ? "true" : "false", (unsigned long long)wc.files,
			   (unsigned long long)wc.packs_skipped, nd.n, (unsigned long long)s.found,
			   s.found ? ", \"first_trace\": \"" : "", s.found ? s.where : "", s.found ? "\"" : "");
	/* where the time went (seconds) */
	if (!rc) {
		result.len--; /* reopen the object */
		rc = gr_buf_printf(&result,
				   ", \"seconds\": {\"find\": %.3f, \"versions_and_rows\": %.3f, \"packs\": %.3f, "
				   "\"commit\": %.3f, \"check\": %.3f}}",
				   t_found - t0, t_purged - t_found, t_rewritten - t_purged, t_committed - t_rewritten,
				   gr_time_mono() - t_committed);
	}
	/* the result, in a second small transaction (the removal stands either way) */
	if (!rc && !(rc = gr_catalog_begin(h->cat))) {
		rc = gr_catalog_request_result(h->cat, request, result.ptr);
		if (!rc)
			rc = gr_catalog_commit(h->cat);
		else
			gr_catalog_rollback(h->cat);
	}
out:
	if (in_tx) {
		gr_hub_rollback(h, rc);
		gr_catalog_secure_delete(h->cat, false);
		/* the packs written are not in the catalog: orphans, gone now */
		for (size_t i = 0; i < fresh.n; i++)
			gr_store_backend(h->store)->del(gr_store_backend(h->store), fresh.names[i]);
	}
	for (size_t i = 0; i < nmade; i++)
		gr_version_info_release(&made[i]);
	free(made);
	for (size_t i = 0; i < hs.n; i++)
		free(hs.names[i]);
	free(hs.names);
	free(packs);
	free(fresh.names);
	free(rebuilt);
	free(contents);
	free(matched.v);
	free(nd.len);
	gr_buf_free(&nd.bytes);
	gr_buf_free(&chunks);
	gr_buf_free(&text);
	gr_buf_free(&result);
	gr_buf_free(&msg);
	if (have_r)
		gr_request_release(&r);
	gr_hub_unlock(h);
	res->seconds = gr_time_mono() - t0;
	return rc;
}

void gr_hub_removals_resume(gr_hub *h)
{
	int64_t ids[64];
	size_t n = 0;
	if (gr_catalog_requests_unfinished(h->cat, ids, sizeof ids / sizeof *ids, &n) || !n) {
		gr_error_clear();
		return;
	}
	/* the old packs are orphans now: the catalog committed their rewrite */
	uint64_t packs = 0, bytes = 0, tmp = 0;
	if (gr_hub_delete_orphans(h, &packs, &bytes) || gr_store_clean_tmp(h->store, 0, &tmp) ||
	    gr_catalog_checkpoint(h->cat)) {
		gr_error_clear(); /* the next writer tries again */
		return;
	}
	char now[32], result[768];
	gr_time_iso(now, gr_time_now());
	snprintf(result, sizeof result,
		 "{\"resumed\": \"%s\", \"orphan_packs_deleted\": %llu, \"orphan_bytes_deleted\": %llu, "
		 "\"tmp_files_deleted\": %llu, \"wal_emptied\": true, \"verification\": {\"repeated\": false, "
		 "\"why\": \"the removal was interrupted after its commit; the removed texts and the selector "
		 "are gone from the catalog, so there is nothing left to search for\"}}",
		 now, (unsigned long long)packs, (unsigned long long)bytes, (unsigned long long)tmp);
	char who[128], email[384];
	gr_hub_author(who, sizeof who, email, sizeof email);
	if (gr_catalog_begin(h->cat)) {
		gr_error_clear();
		return;
	}
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++)
		if (!(rc = gr_catalog_request_result(h->cat, ids[i], result)))
			rc = gr_catalog_gov_log(h->cat, who, "removal.resume", ids[i], result);
	if (rc || gr_catalog_commit(h->cat)) {
		gr_catalog_rollback(h->cat);
		gr_error_clear();
	}
}
