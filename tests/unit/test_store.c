/*
 * Unit tests for src/store: the pack writer (with and without a worker pool),
 * the chunk reader, the pack scanner (index rebuild from packs alone), the
 * damage the scanner and reader must detect, and the local backend.
 * The zstd CLI is used to check that a data frame cut out of a pack is an
 * ordinary zstd frame.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#define TEST_NAME "store"
#include "testlib.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "store/pack_int.h"
#include "store/store.h"
#include "util/pool.h"
#include "util/util.h"

#define MAXC (256u * 1024) /* largest chunk the tests write */
#define FIRST_ID 1000

static int store_seq;

/* A fresh, opened store at tmpdir/storeN; its directory goes to dir. */
static gr_store *new_store(char *dir, size_t cap)
{
	snprintf(dir, cap, "%s/store%d", tmpdir, store_seq++);
	assert_int_equal(gr_store_init(dir), 0);
	assert_int_equal(gr_store_init(dir), 0); /* idempotent */
	gr_store *s = NULL;
	assert_int_equal(gr_store_open(&s, dir), 0);
	assert_non_null(s);
	return s;
}

static void pack_file(char *out, size_t cap, const char *store_dir, const char *name)
{
	snprintf(out, cap, "%s/packs/%.2s/%s.pack", store_dir, name, name);
}

/* Regular files directly in dir. */
static int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		n++;
	}
	closedir(d);
	return n;
}

/* ---- deterministic test data ---- */

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Sizes from 0 to 256 KiB, mostly small, some large, a few empty. */
static uint32_t chunk_len(uint64_t seed, size_t i)
{
	if (i % 997 == 3)
		return 0;
	if (i % 401 == 7)
		return MAXC;
	uint64_t r = mix64(seed * 1000003u + i);
	unsigned k = (unsigned)(r % 100);
	r >>= 8;
	if (k < 5)
		return 1 + (uint32_t)(r % 7);
	if (k < 68)
		return 1 + (uint32_t)(r % 2048);
	if (k < 95)
		return 2048 + (uint32_t)(r % 30000);
	return 32768 + (uint32_t)(r % (MAXC - 32768));
}

static const char *const words[] = {"the", "granary", "keeps", "every", "record", "once", "and",
				    "versions", "share", "blocks", "of", "membership", "zstd", "frame",
				    "pack", "chunk", "hash", "index", "rebuild", "catalog"};

/* Chunk i of a data set: text-like or random bytes, tagged with i when long enough. */
static void gen_chunk(uint64_t seed, size_t i, gr_buf *out)
{
	uint32_t n = chunk_len(seed, i);
	gr_buf_reset(out);
	assert_int_equal(gr_buf_grow(out, n), 0);
	uint8_t *p = (uint8_t *)out->ptr;
	uint64_t s = mix64(seed ^ ((uint64_t)i << 24) ^ 0x5555);
	bool text = s & 1;
	uint32_t k = 0;
	while (k < n) {
		s = mix64(s);
		if (text) {
			const char *w = words[s % (sizeof words / sizeof words[0])];
			for (; *w && k < n; w++)
				p[k++] = (uint8_t)*w;
			if (k < n)
				p[k++] = (s >> 40) % 13 == 0 ? '\n' : ' ';
		} else {
			for (int j = 0; j < 8 && k < n; j++)
				p[k++] = (uint8_t)(s >> (8 * j));
		}
	}
	if (n >= 12) {
		gr_le64_put(p, seed);
		gr_le32_put(p + 8, (uint32_t)i);
	}
	out->len = n;
	out->ptr[n] = '\0';
}

/* ---- what the writer reports ---- */

typedef struct {
	uint8_t hash[GR_HASH_LEN];
	uint32_t len;
	uint64_t frame;
	uint32_t off;
} chunk_rec;

typedef struct {
	char name[GR_PACK_NAME_LEN + 1];
	uint64_t size;
	size_t first, nframes; /* into collect.frames */
} pack_rec;

typedef struct {
	gr_frame_info *frames;
	size_t nframes, fcap;
	pack_rec *packs;
	size_t npacks, pcap;
	uint64_t chunks_added, chunks_reported;
	uint32_t max_ulen; /* a frame holds at most frame_target - 1 + one chunk */
	uint64_t next_id;
	int fail_after; /* >0: on_pack returns an error on this call */
	bool lenient;   /* skip the frame content accounting (lifecycle tests) */
	char err[512];
} collect;

static int on_pack(const gr_pack_info *p, void *ctx)
{
	collect *c = ctx;
	if (c->fail_after && (int)c->npacks + 1 == c->fail_after) {
		snprintf(c->err, sizeof c->err, "on_pack asked to fail");
		return GR_EINTR;
	}
#define BAD(...)                                                  \
	do {                                                      \
		if (!c->err[0])                                   \
			snprintf(c->err, sizeof c->err, __VA_ARGS__); \
		return GR_EINVAL;                                 \
	} while (0)
	if (strlen(p->name) != GR_PACK_NAME_LEN)
		BAD("pack name '%s' is not 64 hex digits", p->name);
	if (p->nframes == 0)
		BAD("pack %s reported with no frames", p->name);
	uint64_t prev_end = 0;
	for (size_t i = 0; i < p->nframes; i++) {
		const gr_frame_info *f = &p->frames[i];
		if (f->id != c->next_id)
			BAD("frame id %llu reported, expected %llu (out of order, missing or twice)",
			    (unsigned long long)f->id, (unsigned long long)c->next_id);
		c->next_id++;
		if (strcmp(f->loc.pack, p->name))
			BAD("frame %llu names pack %s inside pack %s", (unsigned long long)f->id, f->loc.pack,
			    p->name);
		if (f->nchunks == 0)
			BAD("frame %llu has no chunks", (unsigned long long)f->id);
		if (!c->lenient && f->loc.ulen > c->max_ulen)
			BAD("frame %llu holds %u bytes, more than frame_target + one chunk (%u): "
			    "it carries data that is not its own",
			    (unsigned long long)f->id, f->loc.ulen, c->max_ulen);
		if (f->loc.off <= prev_end || (uint64_t)f->loc.off + f->loc.clen > p->size)
			BAD("frame %llu at %llu+%u does not fit in pack order/size",
			    (unsigned long long)f->id, (unsigned long long)f->loc.off, f->loc.clen);
		prev_end = f->loc.off + f->loc.clen;
		c->chunks_reported += f->nchunks;
		if (!c->lenient && c->chunks_reported > c->chunks_added)
			BAD("packs report %llu chunks but only %llu were added",
			    (unsigned long long)c->chunks_reported, (unsigned long long)c->chunks_added);
		if (c->nframes == c->fcap) {
			c->fcap = c->fcap ? c->fcap * 2 : 64;
			c->frames = realloc(c->frames, c->fcap * sizeof *c->frames);
			assert_non_null(c->frames);
		}
		c->frames[c->nframes++] = *f;
	}
	if (c->npacks == c->pcap) {
		c->pcap = c->pcap ? c->pcap * 2 : 16;
		c->packs = realloc(c->packs, c->pcap * sizeof *c->packs);
		assert_non_null(c->packs);
	}
	pack_rec *pr = &c->packs[c->npacks++];
	memcpy(pr->name, p->name, sizeof pr->name);
	pr->size = p->size;
	pr->first = c->nframes - p->nframes;
	pr->nframes = p->nframes;
	return 0;
#undef BAD
}

static void collect_free(collect *c)
{
	free(c->frames);
	free(c->packs);
	memset(c, 0, sizeof *c);
}

typedef struct {
	uint32_t frame_target;
	uint64_t pack_target;
	gr_pool *pool;
} wopts;

/*
 * Writes chunks 0..n-1 of data set `seed`, checking as it goes that chunk
 * positions are consistent (a new frame starts at offset 0, chunks of a frame
 * are contiguous, frame ids consecutive). Fills recs and col. Returns NULL, or
 * what went wrong after freeing the writer (so a failing test does not also
 * leak; the caller frees its own objects and fails with the message).
 */
static const char *write_chunks(gr_store *s, const wopts *wo, uint64_t seed, size_t n, chunk_rec *recs,
				collect *col)
{
	static char err[1024];
	err[0] = '\0';
#define WFAIL(...)                                            \
	do {                                                  \
		snprintf(err, sizeof err, __VA_ARGS__);       \
		goto out;                                     \
	} while (0)
	memset(col, 0, sizeof *col);
	col->max_ulen = (wo->frame_target ? wo->frame_target : GR_FRAME_TARGET) - 1 + MAXC;
	col->next_id = FIRST_ID;
	gr_store_writer_opts o = {.first_frame_id = FIRST_ID,
				  .frame_target = wo->frame_target,
				  .pack_target = wo->pack_target,
				  .pool = wo->pool,
				  .on_pack = on_pack,
				  .ctx = col};
	gr_store_writer *w = NULL;
	assert_int_equal(gr_store_writer_new(&w, s, &o), 0);
	gr_buf data = GR_BUF_INIT;
	uint64_t total = 0, prev_frame = 0;
	uint32_t next_off = 0;
	for (size_t i = 0; i < n; i++) {
		gen_chunk(seed, i, &data);
		chunk_rec *r = &recs[i];
		r->len = (uint32_t)data.len;
		gr_sha256(r->hash, data.ptr, data.len);
		col->chunks_added++;
		int rc = gr_store_writer_add(w, r->hash, data.ptr, r->len, &r->frame, &r->off);
		if (rc)
			WFAIL("writer_add chunk %zu: %s (%s)", i, gr_error_last(), col->err);
		if (i == 0) {
			if (r->frame != FIRST_ID || r->off != 0)
				WFAIL("first chunk at frame %llu off %u", (unsigned long long)r->frame, r->off);
		} else if (r->frame != prev_frame) {
			if (r->frame != prev_frame + 1)
				WFAIL("chunk %zu: frame %llu follows frame %llu", i, (unsigned long long)r->frame,
				      (unsigned long long)prev_frame);
			if (r->off != 0)
				WFAIL("chunk %zu opens frame %llu at offset %u, not 0: the frame slot kept "
				      "the data of an earlier frame",
				      i, (unsigned long long)r->frame, r->off);
		} else if (r->off != next_off) {
			WFAIL("chunk %zu at offset %u, expected %u", i, r->off, next_off);
		}
		prev_frame = r->frame;
		next_off = r->off + r->len;
		total += r->len;
	}
	int rc = gr_store_writer_finish(w);
	if (rc)
		WFAIL("writer_finish: %s (%s)", gr_error_last(), col->err);
	if (col->err[0])
		WFAIL("on_pack: %s", col->err);
	uint64_t in = 0, out = 0, packed = 0;
	gr_store_writer_stats(w, &in, &out);
	for (size_t i = 0; i < col->npacks; i++)
		packed += col->packs[i].size;
	if (in != total || out != packed)
		WFAIL("writer stats in %llu out %llu, expected %llu and %llu", (unsigned long long)in,
		      (unsigned long long)out, (unsigned long long)total, (unsigned long long)packed);
out:
	gr_store_writer_free(w);
	gr_buf_free(&data);
#undef WFAIL
	if (err[0])
		return err;
	/* every frame reported once, ids consecutive, all chunks accounted for */
	assert_true(col->nframes >= 1);
	assert_true(col->frames[0].id == FIRST_ID);
	assert_true(col->frames[col->nframes - 1].id == prev_frame);
	assert_true(col->chunks_reported == n);
	uint64_t ulen = 0;
	for (size_t i = 0; i < col->nframes; i++) {
		assert_true(col->frames[i].id == FIRST_ID + i);
		ulen += col->frames[i].loc.ulen;
	}
	assert_true(ulen == total);
	/* per frame: chunk count and data length match the chunks placed in it */
	size_t i = 0;
	for (size_t f = 0; f < col->nframes; f++) {
		uint32_t cnt = 0;
		uint64_t len = 0;
		for (; i < n && recs[i].frame == col->frames[f].id; i++) {
			cnt++;
			len += recs[i].len;
		}
		assert_int_equal(cnt, col->frames[f].nchunks);
		assert_true(len == col->frames[f].loc.ulen);
	}
	assert_int_equal(i, n);
	return NULL;
}

static const gr_frame_info *frame_of(const collect *col, uint64_t id)
{
	assert_true(id >= FIRST_ID && id - FIRST_ID < col->nframes);
	const gr_frame_info *f = &col->frames[id - FIRST_ID];
	assert_true(f->id == id);
	return f;
}

/* Reads every chunk back, in order and then in a scattered order. */
static void read_back(gr_store *s, const collect *col, uint64_t seed, const chunk_rec *recs, size_t n)
{
	gr_store_reader *r = NULL;
	assert_int_equal(gr_store_reader_new(&r, s), 0);
	gr_buf got = GR_BUF_INIT, want = GR_BUF_INIT;
	for (size_t pass = 0; pass < 2; pass++) {
		for (size_t k = 0; k < n; k++) {
			size_t i = pass == 0 ? k : (size_t)(mix64(k) % n);
			if (pass == 1 && k > 600)
				break;
			const gr_frame_info *f = frame_of(col, recs[i].frame);
			gr_buf_reset(&got);
			int rc = gr_store_read_chunk(r, f->id, &f->loc, recs[i].off, recs[i].len, recs[i].hash, &got);
			if (rc)
				fail_msg("read chunk %zu: %s", i, gr_error_last());
			gen_chunk(seed, i, &want);
			assert_int_equal(got.len, want.len);
			assert_memory_equal(got.ptr, want.ptr, want.len);
		}
	}
	/* read_chunk appends */
	gr_buf_reset(&got);
	assert_int_equal(gr_buf_puts(&got, "prefix"), 0);
	size_t i = n / 2;
	const gr_frame_info *f = frame_of(col, recs[i].frame);
	assert_int_equal(gr_store_read_chunk(r, f->id, &f->loc, recs[i].off, recs[i].len, recs[i].hash, &got), 0);
	gen_chunk(seed, i, &want);
	assert_int_equal(got.len, 6 + want.len);
	assert_memory_equal(got.ptr, "prefix", 6);
	assert_memory_equal(got.ptr + 6, want.ptr, want.len);
	gr_buf_free(&got);
	gr_buf_free(&want);
	gr_store_reader_free(r);
}

/* ---- index rebuild from packs alone ---- */

typedef struct {
	uint8_t hash[GR_HASH_LEN];
	char pack[GR_PACK_NAME_LEN + 1];
	uint64_t frame_off;
	uint32_t off, len;
} idx_ent;

static int idx_cmp(const void *a, const void *b)
{
	const idx_ent *x = a, *y = b;
	int c = memcmp(x->hash, y->hash, GR_HASH_LEN);
	if (c)
		return c;
	if ((c = strcmp(x->pack, y->pack)))
		return c;
	if (x->frame_off != y->frame_off)
		return x->frame_off < y->frame_off ? -1 : 1;
	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return 0;
}

typedef struct {
	idx_ent *ents;
	size_t n, cap;
	gr_frame_loc *frames;
	size_t nframes, fcap;
	int bad_status, bad_data;
	bool check_data;
} rebuild;

static int rebuild_frame(const gr_scan_frame *f, void *ctx)
{
	rebuild *rb = ctx;
	if (rb->check_data && (f->status != 0 || !f->data))
		rb->bad_status++;
	if (!rb->check_data && f->data)
		rb->bad_data++; /* data only when asked for */
	if (rb->nframes == rb->fcap) {
		rb->fcap = rb->fcap ? rb->fcap * 2 : 64;
		rb->frames = realloc(rb->frames, rb->fcap * sizeof *rb->frames);
		assert_non_null(rb->frames);
	}
	rb->frames[rb->nframes++] = f->loc;
	uint64_t sum = 0;
	for (uint32_t i = 0; i < f->nchunks; i++) {
		const gr_chunk_entry *c = &f->chunks[i];
		if (c->off != sum)
			rb->bad_data++;
		sum += c->len;
		if (rb->check_data && f->data) {
			uint8_t h[GR_HASH_LEN];
			gr_sha256(h, f->data + c->off, c->len);
			if (memcmp(h, c->hash, GR_HASH_LEN))
				rb->bad_data++;
		}
		if (rb->n == rb->cap) {
			rb->cap = rb->cap ? rb->cap * 2 : 1024;
			rb->ents = realloc(rb->ents, rb->cap * sizeof *rb->ents);
			assert_non_null(rb->ents);
		}
		idx_ent *e = &rb->ents[rb->n++];
		memset(e, 0, sizeof *e);
		memcpy(e->hash, c->hash, GR_HASH_LEN);
		memcpy(e->pack, f->loc.pack, sizeof e->pack);
		e->frame_off = f->loc.off;
		e->off = c->off;
		e->len = c->len;
	}
	if (sum != f->loc.ulen)
		rb->bad_data++;
	return 0;
}

typedef struct {
	char (*names)[GR_PACK_NAME_LEN + 1];
	uint64_t *sizes;
	size_t n, cap;
} name_list;

static int list_cb(const char *name, uint64_t size, void *ctx)
{
	name_list *l = ctx;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->names = realloc(l->names, l->cap * sizeof *l->names);
		l->sizes = realloc(l->sizes, l->cap * sizeof *l->sizes);
		assert_non_null(l->names);
		assert_non_null(l->sizes);
	}
	snprintf(l->names[l->n], GR_PACK_NAME_LEN + 1, "%s", name);
	l->sizes[l->n++] = size;
	return 0;
}

static void name_list_free(name_list *l)
{
	free(l->names);
	free(l->sizes);
	memset(l, 0, sizeof *l);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The pack names the backend lists, sorted. */
static void list_packs(gr_store *s, name_list *l)
{
	memset(l, 0, sizeof *l);
	gr_backend *be = gr_store_backend(s);
	assert_int_equal(be->list(be, list_cb, l), 0);
	/* sort names and sizes together */
	for (size_t i = 1; i < l->n; i++)
		for (size_t j = i; j > 0 && strcmp(l->names[j - 1], l->names[j]) > 0; j--) {
			char t[GR_PACK_NAME_LEN + 1];
			memcpy(t, l->names[j], sizeof t);
			memcpy(l->names[j], l->names[j - 1], sizeof t);
			memcpy(l->names[j - 1], t, sizeof t);
			uint64_t z = l->sizes[j];
			l->sizes[j] = l->sizes[j - 1];
			l->sizes[j - 1] = z;
		}
}

static void check_rebuild(gr_store *s, const collect *col, const chunk_rec *recs, size_t n)
{
	/* the backend lists exactly the packs the writer reported */
	name_list l;
	list_packs(s, &l);
	assert_int_equal(l.n, col->npacks);
	char(*want)[GR_PACK_NAME_LEN + 1] = calloc(col->npacks, sizeof *want);
	assert_non_null(want);
	for (size_t i = 0; i < col->npacks; i++)
		memcpy(want[i], col->packs[i].name, sizeof want[i]);
	qsort(want, col->npacks, sizeof *want, name_cmp);
	for (size_t i = 0; i < l.n; i++) {
		assert_string_equal(l.names[i], want[i]);
		for (size_t k = 0; k < col->npacks; k++)
			if (!strcmp(col->packs[k].name, l.names[i]))
				assert_true(col->packs[k].size == l.sizes[i]);
	}
	free(want);
	/* scan every listed pack, in the writer's pack order (so frames come in id order) */
	rebuild rb = {0};
	for (size_t p = 0; p < col->npacks; p++) {
		for (int pass = 0; pass < 2; pass++) {
			rebuild tmp = {.check_data = pass == 1};
			rebuild *use = pass == 1 ? &rb : &tmp;
			use->check_data = pass == 1;
			int rc = gr_store_scan_pack(s, col->packs[p].name, pass == 1, rebuild_frame, use);
			if (rc)
				fail_msg("scan %s: %s", col->packs[p].name, gr_error_last());
			if (pass == 0) {
				/* without decompression: same frames, no data */
				assert_int_equal(tmp.bad_data, 0);
				assert_int_equal(tmp.nframes, col->packs[p].nframes);
				free(tmp.ents);
				free(tmp.frames);
			}
		}
	}
	assert_int_equal(rb.bad_status, 0);
	assert_int_equal(rb.bad_data, 0);
	/* frame locations from the scan equal what on_pack reported */
	assert_int_equal(rb.nframes, col->nframes);
	for (size_t i = 0; i < rb.nframes; i++) {
		const gr_frame_loc *a = &rb.frames[i], *b = &col->frames[i].loc;
		assert_string_equal(a->pack, b->pack);
		assert_true(a->off == b->off);
		assert_int_equal(a->clen, b->clen);
		assert_int_equal(a->ulen, b->ulen);
	}
	/* the rebuilt map hash -> (pack, frame off, chunk off, len) equals the writer's */
	assert_int_equal(rb.n, n);
	idx_ent *exp = calloc(n, sizeof *exp);
	assert_non_null(exp);
	for (size_t i = 0; i < n; i++) {
		const gr_frame_info *f = frame_of(col, recs[i].frame);
		memcpy(exp[i].hash, recs[i].hash, GR_HASH_LEN);
		memcpy(exp[i].pack, f->loc.pack, sizeof exp[i].pack);
		exp[i].frame_off = f->loc.off;
		exp[i].off = recs[i].off;
		exp[i].len = recs[i].len;
	}
	qsort(exp, n, sizeof *exp, idx_cmp);
	qsort(rb.ents, rb.n, sizeof *rb.ents, idx_cmp);
	for (size_t i = 0; i < n; i++)
		if (idx_cmp(&exp[i], &rb.ents[i]) != 0)
			fail_msg("rebuilt index differs at sorted entry %zu (pack %.12s off %llu/%u len %u "
				 "vs pack %.12s off %llu/%u len %u)",
				 i, exp[i].pack, (unsigned long long)exp[i].frame_off, exp[i].off, exp[i].len,
				 rb.ents[i].pack, (unsigned long long)rb.ents[i].frame_off, rb.ents[i].off,
				 rb.ents[i].len);
	/* and every chunk finds its own location by hash */
	for (size_t i = 0; i < n; i += 7) {
		const gr_frame_info *f = frame_of(col, recs[i].frame);
		idx_ent key;
		memset(&key, 0, sizeof key);
		memcpy(key.hash, recs[i].hash, GR_HASH_LEN);
		memcpy(key.pack, f->loc.pack, sizeof key.pack);
		key.frame_off = f->loc.off;
		key.off = recs[i].off;
		key.len = recs[i].len;
		assert_non_null(bsearch(&key, rb.ents, rb.n, sizeof *rb.ents, idx_cmp));
	}
	free(exp);
	free(rb.ents);
	free(rb.frames);
	name_list_free(&l);
}

/* Pack file names equal the SHA-256 of their bytes. */
static void check_pack_names(const char *store_dir, const collect *col)
{
	for (size_t i = 0; i < col->npacks; i++) {
		char path[512];
		pack_file(path, sizeof path, store_dir, col->packs[i].name);
		gr_buf b = GR_BUF_INIT;
		assert_int_equal(gr_read_file(path, 1u << 30, &b), 0);
		assert_true(b.len == col->packs[i].size);
		uint8_t h[GR_HASH_LEN];
		char hex[GR_HEX_LEN + 1];
		gr_sha256(h, b.ptr, b.len);
		gr_hex(hex, h, GR_HASH_LEN);
		assert_string_equal(hex, col->packs[i].name);
		/* header and trailer magics where the format puts them */
		assert_int_equal(gr_le32_get((uint8_t *)b.ptr), PACK_MAGIC_HEADER);
		assert_memory_equal(b.ptr + 8, "GRANARYP", 8);
		assert_int_equal(gr_le32_get((uint8_t *)b.ptr + b.len - 8 - PACK_TRAILER_PAYLOAD), PACK_MAGIC_TRAILER);
		assert_memory_equal(b.ptr + b.len - PACK_TRAILER_PAYLOAD, "GREN", 4);
		assert_int_equal(gr_le32_get((uint8_t *)b.ptr + b.len - PACK_TRAILER_PAYLOAD + 4),
				 col->packs[i].nframes);
		gr_buf_free(&b);
	}
}

/* Runs a shell command, captures its stdout. Returns the exit status. */
static int run_capture(gr_buf *out, const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	char buf[65536];
	size_t k;
	while ((k = fread(buf, 1, sizeof buf, f)) > 0)
		assert_int_equal(gr_buf_put(out, buf, k), 0);
	int st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A data frame cut out of its pack is a standard zstd frame of the chunks, concatenated. */
static void check_zstd_cli(gr_store *s, const collect *col, uint64_t seed, const chunk_rec *recs, size_t n,
			   size_t frame_index)
{
	const gr_frame_info *f = &col->frames[frame_index];
	gr_backend *be = gr_store_backend(s);
	uint8_t *z = malloc(f->loc.clen);
	assert_non_null(z);
	assert_int_equal(be->read(be, f->loc.pack, f->loc.off, z, f->loc.clen), 0);
	char path[256];
	snprintf(path, sizeof path, "%s/frame-%zu.zst", tmpdir, frame_index);
	assert_int_equal(gr_write_file_atomic(path, z, f->loc.clen), 0);
	free(z);
	gr_buf want = GR_BUF_INIT, chunk = GR_BUF_INIT, got = GR_BUF_INIT;
	for (size_t i = 0; i < n; i++)
		if (recs[i].frame == f->id) {
			assert_true(recs[i].off == want.len);
			gen_chunk(seed, i, &chunk);
			assert_int_equal(gr_buf_put(&want, chunk.ptr, chunk.len), 0);
		}
	assert_true(want.len == f->loc.ulen);
	int st = run_capture(&got, "zstd -q -dc '%s'", path);
	assert_int_equal(st, 0);
	assert_int_equal(got.len, want.len);
	if (want.len)
		assert_memory_equal(got.ptr, want.ptr, want.len);
	/* zstd -t agrees the frame has a valid checksum */
	gr_buf_reset(&got);
	assert_int_equal(run_capture(&got, "zstd -q -t '%s' 2>&1", path), 0);
	unlink(path);
	gr_buf_free(&want);
	gr_buf_free(&chunk);
	gr_buf_free(&got);
}

static void full_roundtrip(int nthreads, size_t n, uint32_t frame_target, uint64_t pack_target, size_t min_frames,
			   size_t min_packs, collect *col_out, char *store_dir_out)
{
	gr_pool *pool = NULL;
	if (nthreads >= 0)
		assert_int_equal(gr_pool_new(&pool, nthreads), 0);
	char dir[256];
	gr_store *s = new_store(dir, sizeof dir);
	const uint64_t seed = 42;
	chunk_rec *recs = calloc(n, sizeof *recs);
	assert_non_null(recs);
	collect col;
	wopts wo = {frame_target, pack_target, pool};
	const char *err = write_chunks(s, &wo, seed, n, recs, &col);
	if (err) {
		free(recs);
		collect_free(&col);
		gr_store_close(s);
		gr_pool_free(pool);
		fail_msg("%s", err);
	}
	if (col.nframes < min_frames || col.npacks < min_packs)
		fail_msg("only %zu frames in %zu packs", col.nframes, col.npacks);
	/* nothing left behind in store/tmp */
	assert_int_equal(count_files(gr_store_tmpdir(s)), 0);
	read_back(s, &col, seed, recs, n);
	check_rebuild(s, &col, recs, n);
	check_pack_names(dir, &col);
	size_t picks[4] = {0, col.nframes / 2, col.nframes - 1, col.packs[col.npacks - 1].first};
	for (int i = 0; i < 4; i++)
		check_zstd_cli(s, &col, seed, recs, n, picks[i]);
	/* a frame holding a 256 KiB chunk, and one holding an empty chunk */
	bool seen_max = false, seen_empty = false;
	for (size_t i = 0; i < n; i++)
		if ((recs[i].len == MAXC && !seen_max) || (recs[i].len == 0 && !seen_empty)) {
			check_zstd_cli(s, &col, seed, recs, n, recs[i].frame - FIRST_ID);
			seen_max |= recs[i].len == MAXC;
			seen_empty |= recs[i].len == 0;
		}
	assert_true(seen_max && seen_empty);
	if (getenv("GR_TEST_VERBOSE"))
		printf("  %zu chunks, %zu frames, %zu packs\n", n, col.nframes, col.npacks);
	free(recs);
	gr_store_close(s);
	gr_pool_free(pool);
	if (col_out)
		*col_out = col;
	else
		collect_free(&col);
	if (store_dir_out)
		strcpy(store_dir_out, dir);
}

/* ---- tests ---- */

/* Few frames (fewer than the writer's in-flight slots), one pack per frame. */
static void test_roundtrip_few_frames(void **state)
{
	(void)state;
	/* ~1.5 MB in 512 KiB frames: at most 6 frames; pack_target 1 closes a pack per frame */
	full_roundtrip(2, 100, 512 * 1024, 1, 2, 2, NULL, NULL);
}

static void test_roundtrip_pool(void **state)
{
	(void)state;
	full_roundtrip(2, 2500, 64 * 1024, 1024 * 1024, 50, 4, NULL, NULL);
}

static void test_roundtrip_inline(void **state)
{
	(void)state;
	full_roundtrip(-1, 2500, 64 * 1024, 1024 * 1024, 50, 4, NULL, NULL);
}

/* The pool only changes who compresses: the packs are byte-identical. */
static void test_pool_and_inline_identical(void **state)
{
	(void)state;
	collect a, b;
	char da[256], db[256];
	full_roundtrip(2, 800, 32 * 1024, 512 * 1024, 10, 2, &a, da);
	full_roundtrip(-1, 800, 32 * 1024, 512 * 1024, 10, 2, &b, db);
	assert_int_equal(a.npacks, b.npacks);
	for (size_t i = 0; i < a.npacks; i++) {
		assert_string_equal(a.packs[i].name, b.packs[i].name);
		assert_true(a.packs[i].size == b.packs[i].size);
	}
	collect_free(&a);
	collect_free(&b);
}

/* 70000 one-byte chunks overflow GR_FRAME_MAX_CHUNKS: two frames. */
static void test_frame_chunk_limit(void **state)
{
	(void)state;
	char dir[256];
	gr_store *s = new_store(dir, sizeof dir);
	collect col;
	memset(&col, 0, sizeof col);
	col.max_ulen = GR_FRAME_MAX;
	col.next_id = 1;
	gr_store_writer_opts o = {.first_frame_id = 1, .frame_target = GR_FRAME_MAX, .on_pack = on_pack, .ctx = &col};
	gr_store_writer *w = NULL;
	assert_int_equal(gr_store_writer_new(&w, s, &o), 0);
	uint64_t frame = 0;
	uint32_t off = 0;
	for (uint32_t i = 0; i < 70000; i++) {
		uint8_t b = (uint8_t)i, h[GR_HASH_LEN];
		gr_sha256(h, &b, 1);
		col.chunks_added++;
		assert_int_equal(gr_store_writer_add(w, h, &b, 1, &frame, &off), 0);
		if (i < GR_FRAME_MAX_CHUNKS) {
			assert_true(frame == 1);
			assert_int_equal(off, i);
		} else {
			assert_true(frame == 2);
			assert_int_equal(off, i - GR_FRAME_MAX_CHUNKS);
		}
	}
	/* a chunk over the frame limit is refused */
	uint8_t h[GR_HASH_LEN] = {0};
	assert_int_equal(gr_store_writer_add(w, h, "", GR_FRAME_MAX + 1, &frame, &off), GR_ELIMIT);
	assert_int_equal(gr_store_writer_finish(w), 0);
	gr_store_writer_free(w);
	assert_string_equal(col.err, "");
	assert_int_equal(col.nframes, 2);
	assert_int_equal(col.frames[0].nchunks, GR_FRAME_MAX_CHUNKS);
	assert_int_equal(col.frames[1].nchunks, 70000 - GR_FRAME_MAX_CHUNKS);
	/* a read from the second frame */
	gr_store_reader *r = NULL;
	assert_int_equal(gr_store_reader_new(&r, s), 0);
	gr_buf got = GR_BUF_INIT;
	uint8_t b = (uint8_t)69999;
	gr_sha256(h, &b, 1);
	assert_int_equal(gr_store_read_chunk(r, 2, &col.frames[1].loc, 69999 - GR_FRAME_MAX_CHUNKS, 1, h, &got), 0);
	assert_int_equal(got.len, 1);
	assert_int_equal((uint8_t)got.ptr[0], b);
	gr_buf_free(&got);
	gr_store_reader_free(r);
	collect_free(&col);
	gr_store_close(s);
}

/* A chunk of exactly GR_FRAME_MAX bytes is its own frame and reads back. */
static void test_frame_max_chunk(void **state)
{
	(void)state;
	char dir[256];
	gr_store *s = new_store(dir, sizeof dir);
	collect col;
	memset(&col, 0, sizeof col);
	col.max_ulen = GR_FRAME_MAX;
	col.next_id = 7;
	gr_store_writer_opts o = {.first_frame_id = 7, .on_pack = on_pack, .ctx = &col};
	gr_store_writer *w = NULL;
	assert_int_equal(gr_store_writer_new(&w, s, &o), 0);
	uint8_t *big = malloc(GR_FRAME_MAX);
	assert_non_null(big);
	for (size_t i = 0; i < GR_FRAME_MAX; i++)
		big[i] = (uint8_t)(i * 31 + (i >> 12));
	uint8_t hs[GR_HASH_LEN], hb[GR_HASH_LEN];
	gr_sha256(hs, "small", 5);
	gr_sha256(hb, big, GR_FRAME_MAX);
	uint64_t f1, f2;
	uint32_t o1, o2;
	col.chunks_added = 2;
	assert_int_equal(gr_store_writer_add(w, hs, "small", 5, &f1, &o1), 0);
	assert_int_equal(gr_store_writer_add(w, hb, big, GR_FRAME_MAX, &f2, &o2), 0);
	assert_true(f1 == 7);
	assert_true(f2 == 8); /* did not fit after "small" */
	assert_int_equal(o2, 0);
	assert_int_equal(gr_store_writer_finish(w), 0);
	gr_store_writer_free(w);
	assert_string_equal(col.err, "");
	assert_int_equal(col.nframes, 2);
	gr_store_reader *r = NULL;
	assert_int_equal(gr_store_reader_new(&r, s), 0);
	gr_buf got = GR_BUF_INIT;
	assert_int_equal(gr_store_read_chunk(r, 8, &col.frames[1].loc, 0, GR_FRAME_MAX, hb, &got), 0);
	assert_int_equal(got.len, GR_FRAME_MAX);
	assert_memory_equal(got.ptr, big, GR_FRAME_MAX);
	gr_buf_free(&got);
	gr_store_reader_free(r);
	free(big);
	collect_free(&col);
	gr_store_close(s);
}

/* close reports every pack and refuses more chunks; finish then waits until
 * the packs are in place under their names; seal keeps the writer usable. */
static void test_close_then_finish(void **state)
{
	(void)state;
	char dir[256];
	gr_store *s = new_store(dir, sizeof dir);
	collect col;
	memset(&col, 0, sizeof col);
	col.next_id = 1;
	col.max_ulen = GR_FRAME_MAX;
	gr_store_writer_opts o = {.first_frame_id = 1, .on_pack = on_pack, .ctx = &col};
	gr_store_writer *w = NULL;
	assert_int_equal(gr_store_writer_new(&w, s, &o), 0);
	uint8_t h[GR_HASH_LEN];
	uint64_t frame;
	uint32_t off;
	gr_sha256(h, "one", 3);
	col.chunks_added = 2;
	assert_int_equal(gr_store_writer_add(w, h, "one", 3, &frame, &off), 0);
	assert_int_equal(gr_store_writer_seal(w), 0);
	gr_sha256(h, "two", 3);
	assert_int_equal(gr_store_writer_add(w, h, "two", 3, &frame, &off), 0);
	if (gr_store_writer_close(w) != 0)
		fail_msg("close: %s / %s", gr_error_last(), col.err);
	assert_int_equal(col.npacks, 1); /* reported by close */
	assert_int_equal(col.nframes, 2);
	gr_sha256(h, "three", 5);
	assert_int_equal(gr_store_writer_add(w, h, "three", 5, &frame, &off), GR_EINVAL);
	assert_int_equal(gr_store_writer_seal(w), GR_EINVAL);
	assert_int_equal(gr_store_writer_finish(w), 0);
	gr_store_writer_free(w);
	assert_string_equal(col.err, "");
	name_list l;
	list_packs(s, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.names[0], col.packs[0].name);
	name_list_free(&l);
	collect_free(&col);
	gr_store_close(s);
}

/* Told how much is still to come, the writer shrinks its last frames: each
 * holds about half of what is left, 1 MiB at least, so the final ones
 * compress side by side. Without the hint every frame but the last is full. */
static void frame_sizes(bool hint, uint32_t *sizes, size_t cap, size_t *n_out)
{
	char dir[256];
	gr_store *s = new_store(dir, sizeof dir);
	collect col;
	memset(&col, 0, sizeof col);
	col.next_id = 1;
	col.max_ulen = GR_FRAME_TARGET - 1 + (64u << 10);
	gr_store_writer_opts o = {.first_frame_id = 1, .on_pack = on_pack, .ctx = &col};
	gr_store_writer *w = NULL;
	assert_int_equal(gr_store_writer_new(&w, s, &o), 0);
	const size_t chunk = 64u << 10, n = 480; /* 30 MiB */
	char *data = malloc(chunk);
	assert_non_null(data);
	if (hint)
		gr_store_writer_expect(w, (uint64_t)chunk * n);
	for (size_t i = 0; i < n; i++) {
		uint8_t h[GR_HASH_LEN];
		uint64_t frame;
		uint32_t off;
		for (size_t j = 0; j < chunk; j++)
			data[j] = (char)((i * 131 + j * 7 + (j >> 9)) & 0x7f);
		gr_sha256(h, data, chunk);
		col.chunks_added++;
		assert_int_equal(gr_store_writer_add(w, h, data, (uint32_t)chunk, &frame, &off), 0);
	}
	free(data);
	assert_int_equal(gr_store_writer_finish(w), 0);
	gr_store_writer_free(w);
	assert_string_equal(col.err, "");
	assert_true(col.nframes <= cap);
	for (size_t i = 0; i < col.nframes; i++)
		sizes[i] = col.frames[i].loc.ulen;
	*n_out = col.nframes;
	collect_free(&col);
	gr_store_close(s);
}

static void test_tail_frames(void **state)
{
	(void)state;
	uint32_t plain[64], tail[64];
	size_t np = 0, nt = 0;
	frame_sizes(false, plain, 64, &np);
	frame_sizes(true, tail, 64, &nt);
	/* 30 MiB in 8 MiB frames: 8, 8, 8, 6 */
	assert_int_equal(np, 4);
	for (size_t i = 0; i + 1 < np; i++)
		assert_int_equal(plain[i], GR_FRAME_TARGET);
	assert_int_equal(plain[np - 1], 6u << 20);
	/* with the hint: a frame is sealed at the first chunk that brings it to
	 * half of what is still to come (8 MiB at most, 1 MiB at least); the
	 * sizes that rule gives, worked out here chunk by chunk */
	uint32_t want[64];
	size_t nw = 0;
	uint64_t left = 30u << 20, fill = 0;
	while (left) {
		fill += 64u << 10;
		left -= 64u << 10;
		uint64_t t = left / 2 > GR_FRAME_TAIL_MIN ? left / 2 : GR_FRAME_TAIL_MIN;
		if (t > GR_FRAME_TARGET)
			t = GR_FRAME_TARGET;
		if (fill >= t || !left) {
			want[nw++] = (uint32_t)fill;
			fill = 0;
		}
	}
	assert_int_equal(nt, nw);
	for (size_t i = 0; i < nt; i++)
		assert_int_equal(tail[i], want[i]);
	/* 8 MiB while far from the end, then shrinking: the last two frames
	 * are 1 MiB or less */
	assert_int_equal(tail[0], GR_FRAME_TARGET);
	assert_true(nt > np + 2);
	for (size_t i = 1; i < nt; i++)
		assert_true(tail[i] <= tail[i - 1]);
	assert_true(tail[nt - 2] <= GR_FRAME_TAIL_MIN && tail[nt - 1] <= GR_FRAME_TAIL_MIN);
}

static void test_empty_writer(void **state)
{
	(void)state;
	char dir[256];
	gr_store *s = new_store(dir, sizeof dir);
	collect col;
	memset(&col, 0, sizeof col);
	gr_store_writer_opts o = {.on_pack = on_pack, .ctx = &col};
	gr_store_writer *w = NULL;
	assert_int_equal(gr_store_writer_new(&w, s, &o), 0);
	assert_int_equal(gr_store_writer_finish(w), 0);
	uint64_t in = 1, out = 1;
	gr_store_writer_stats(w, &in, &out);
	assert_true(in == 0 && out == 0);
	gr_store_writer_free(w);
	assert_int_equal(col.npacks, 0);
	name_list l;
	list_packs(s, &l);
	assert_int_equal(l.n, 0);
	name_list_free(&l);
	gr_store_close(s);
	/* not a store */
	gr_store *t = NULL;
	assert_int_equal(gr_store_open(&t, tmpdir), GR_ENOTFOUND);
	assert_null(t);
}

/* ---- damage ---- */

typedef struct {
	int frames, bad;
	int bad_index;
} scan_count;

static int count_frames(const gr_scan_frame *f, void *ctx)
{
	scan_count *c = ctx;
	if (f->status) {
		c->bad++;
		c->bad_index = c->frames;
		if (f->data)
			return GR_EINVAL; /* no data for a failed frame */
	}
	c->frames++;
	return 0;
}

static uint8_t flip(const char *path, uint64_t off, uint8_t mask)
{
	int fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	uint8_t b;
	assert_int_equal(pread(fd, &b, 1, (off_t)off), 1);
	uint8_t nb = b ^ mask;
	assert_int_equal(pwrite(fd, &nb, 1, (off_t)off), 1);
	close(fd);
	return b;
}

static void restore_file(const char *path, const gr_buf *orig)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(gr_write_all(fd, orig->ptr, orig->len), 0);
	close(fd);
}

/* Offset of the table frame that precedes frame f. */
static uint64_t table_start(const gr_frame_info *f)
{
	return f->loc.off - 8 - (PACK_TABLE_FIXED + (uint64_t)f->nchunks * PACK_TABLE_ENTRY + PACK_CHECK_LEN);
}

/* A one-pack store with several frames for the damage tests. */
static gr_store *damage_store(char *dir, size_t cap, chunk_rec **recs_out, size_t *n_out, collect *col)
{
	gr_store *s = new_store(dir, cap);
	size_t n = 60;
	chunk_rec *recs = calloc(n, sizeof *recs);
	assert_non_null(recs);
	/* 5 frames at most keeps this independent of the writer's slot reuse */
	wopts wo = {400 * 1024, 0, NULL};
	const char *err = write_chunks(s, &wo, 7, n, recs, col);
	if (err) {
		free(recs);
		collect_free(col);
		gr_store_close(s);
		fail_msg("%s", err);
	}
	assert_int_equal(col->npacks, 1);
	if (col->nframes < 3)
		fail_msg("damage store has only %zu frames", col->nframes);
	*recs_out = recs;
	*n_out = n;
	return s;
}

static size_t first_chunk_in(const chunk_rec *recs, size_t n, uint64_t frame)
{
	for (size_t i = 0; i < n; i++)
		if (recs[i].frame == frame && recs[i].len > 0)
			return i;
	fail_msg("no non-empty chunk in frame %llu", (unsigned long long)frame);
	return 0;
}

static void test_corrupt_data_frame(void **state)
{
	(void)state;
	char dir[256], path[512];
	chunk_rec *recs;
	size_t n;
	collect col;
	gr_store *s = damage_store(dir, sizeof dir, &recs, &n, &col);
	const char *name = col.packs[0].name;
	pack_file(path, sizeof path, dir, name);
	gr_buf orig = GR_BUF_INIT;
	assert_int_equal(gr_read_file(path, 1u << 30, &orig), 0);
	const size_t k = 1; /* the damaged frame */
	const gr_frame_info *f = &col.frames[k], *g = &col.frames[k - 1];
	size_t ci = first_chunk_in(recs, n, f->id), gi = first_chunk_in(recs, n, g->id);
	/* positions: frame magic, frame header, middle, near the end, the checksum */
	uint64_t where[] = {f->loc.off, f->loc.off + 4, f->loc.off + f->loc.clen / 3, f->loc.off + f->loc.clen / 2,
			    f->loc.off + f->loc.clen - 5, f->loc.off + f->loc.clen - 1};
	for (size_t w = 0; w < sizeof where / sizeof where[0]; w++) {
		flip(path, where[w], 0x5a);
		gr_store_reader *r = NULL;
		assert_int_equal(gr_store_reader_new(&r, s), 0);
		gr_buf got = GR_BUF_INIT;
		int rc = gr_store_read_chunk(r, f->id, &f->loc, recs[ci].off, recs[ci].len, recs[ci].hash, &got);
		if (rc != GR_ECORRUPT)
			fail_msg("flip at frame offset %llu: read_chunk returned %d, want ECORRUPT",
				 (unsigned long long)(where[w] - f->loc.off), rc);
		assert_int_equal(got.len, 0);
		/* the frame before is intact */
		assert_int_equal(
			gr_store_read_chunk(r, g->id, &g->loc, recs[gi].off, recs[gi].len, recs[gi].hash, &got), 0);
		assert_int_equal(got.len, recs[gi].len);
		gr_buf_free(&got);
		gr_store_reader_free(r);
		/* the scan with decompression flags that frame, and only it */
		scan_count sc = {0};
		assert_int_equal(gr_store_scan_pack(s, name, true, count_frames, &sc), 0);
		assert_int_equal(sc.frames, col.nframes);
		assert_int_equal(sc.bad, 1);
		assert_int_equal(sc.bad_index, k);
		/* without decompression the structure is fine */
		memset(&sc, 0, sizeof sc);
		assert_int_equal(gr_store_scan_pack(s, name, false, count_frames, &sc), 0);
		assert_int_equal(sc.frames, col.nframes);
		assert_int_equal(sc.bad, 0);
		restore_file(path, &orig);
	}
	/* restored: everything reads again */
	scan_count sc = {0};
	assert_int_equal(gr_store_scan_pack(s, name, true, count_frames, &sc), 0);
	assert_int_equal(sc.bad, 0);
	read_back(s, &col, 7, recs, n);
	gr_buf_free(&orig);
	free(recs);
	collect_free(&col);
	gr_store_close(s);
}

static void test_corrupt_frame_table(void **state)
{
	(void)state;
	char dir[256], path[512];
	chunk_rec *recs;
	size_t n;
	collect col;
	gr_store *s = damage_store(dir, sizeof dir, &recs, &n, &col);
	const char *name = col.packs[0].name;
	pack_file(path, sizeof path, dir, name);
	gr_buf orig = GR_BUF_INIT;
	assert_int_equal(gr_read_file(path, 1u << 30, &orig), 0);
	const size_t k = 2;
	const gr_frame_info *f = &col.frames[k];
	uint64_t t = table_start(f);
	/* magic, payload size, "GRFT", nchunks, ulen, clen, first entry's hash and length, the check */
	uint64_t where[] = {t, t + 5, t + 8, t + 12, t + 16, t + 20, t + 8 + PACK_TABLE_FIXED + 3,
			    t + 8 + PACK_TABLE_FIXED + GR_HASH_LEN, f->loc.off - 1};
	for (size_t w = 0; w < sizeof where / sizeof where[0]; w++) {
		flip(path, where[w], 0x01);
		scan_count sc = {0};
		int rc = gr_store_scan_pack(s, name, false, count_frames, &sc);
		if (rc != GR_ECORRUPT)
			fail_msg("flip at table byte %llu: scan returned %d, want ECORRUPT",
				 (unsigned long long)(where[w] - t), rc);
		/* the frames before the damage were reported */
		assert_int_equal(sc.frames, k);
		restore_file(path, &orig);
	}
	/* header damage: bad magic, bad version */
	flip(path, 0, 0x01);
	assert_int_equal(gr_store_scan_pack(s, name, false, count_frames, &(scan_count){0}), GR_ECORRUPT);
	restore_file(path, &orig);
	flip(path, 8 + 8, 0x02);
	assert_int_equal(gr_store_scan_pack(s, name, false, count_frames, &(scan_count){0}), GR_ECORRUPT);
	restore_file(path, &orig);
	/* trailer damage: its check, and bytes after it */
	flip(path, orig.len - 3, 0x10);
	assert_int_equal(gr_store_scan_pack(s, name, false, count_frames, &(scan_count){0}), GR_ECORRUPT);
	restore_file(path, &orig);
	int fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	assert_int_equal(gr_store_scan_pack(s, name, false, count_frames, &(scan_count){0}), GR_ECORRUPT);
	restore_file(path, &orig);
	scan_count sc = {0};
	assert_int_equal(gr_store_scan_pack(s, name, true, count_frames, &sc), 0);
	assert_int_equal(sc.frames, col.nframes);
	gr_buf_free(&orig);
	free(recs);
	collect_free(&col);
	gr_store_close(s);
}

static void test_truncated_pack(void **state)
{
	(void)state;
	char dir[256], path[512];
	chunk_rec *recs;
	size_t n;
	collect col;
	gr_store *s = damage_store(dir, sizeof dir, &recs, &n, &col);
	const char *name = col.packs[0].name;
	pack_file(path, sizeof path, dir, name);
	gr_buf orig = GR_BUF_INIT;
	assert_int_equal(gr_read_file(path, 1u << 30, &orig), 0);
	/* cut exactly before the trailer: every frame is whole, the trailer is missing */
	assert_int_equal(truncate(path, (off_t)(orig.len - 8 - PACK_TRAILER_PAYLOAD)), 0);
	scan_count sc = {0};
	assert_int_equal(gr_store_scan_pack(s, name, true, count_frames, &sc), GR_ECORRUPT);
	assert_non_null(strstr(gr_error_last(), "no trailer"));
	assert_int_equal(sc.frames, col.nframes);
	assert_int_equal(sc.bad, 0);
	/* cuts everywhere else */
	const gr_frame_info *last = &col.frames[col.nframes - 1];
	uint64_t cuts[] = {orig.len - 1, orig.len - 8 - PACK_TRAILER_PAYLOAD + 3, last->loc.off + last->loc.clen / 2,
			   last->loc.off, table_start(last) + 4, table_start(last) + 20, 30, 8, 0};
	for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
		restore_file(path, &orig);
		assert_int_equal(truncate(path, (off_t)cuts[c]), 0);
		memset(&sc, 0, sizeof sc);
		int rc = gr_store_scan_pack(s, name, true, count_frames, &sc);
		if (rc != GR_ECORRUPT)
			fail_msg("pack cut to %llu of %zu bytes: scan returned %d", (unsigned long long)cuts[c],
				 orig.len, rc);
		assert_true(sc.frames <= (int)col.nframes);
	}
	/* a read of the cut-off frame fails too */
	restore_file(path, &orig);
	assert_int_equal(truncate(path, (off_t)(last->loc.off + last->loc.clen / 2)), 0);
	gr_store_reader *r = NULL;
	assert_int_equal(gr_store_reader_new(&r, s), 0);
	gr_buf got = GR_BUF_INIT;
	size_t ci = first_chunk_in(recs, n, last->id);
	assert_int_equal(gr_store_read_chunk(r, last->id, &last->loc, recs[ci].off, recs[ci].len, recs[ci].hash, &got),
			 GR_ECORRUPT);
	gr_buf_free(&got);
	gr_store_reader_free(r);
	restore_file(path, &orig);
	memset(&sc, 0, sizeof sc);
	assert_int_equal(gr_store_scan_pack(s, name, true, count_frames, &sc), 0);
	gr_buf_free(&orig);
	free(recs);
	collect_free(&col);
	gr_store_close(s);
}

/*
 * The trailer records how many frames, chunks and data bytes the pack holds.
 * A pack with one whole (table, frame) pair spliced out is structurally damaged
 * and must not scan clean: the index rebuilt from it would silently lose chunks.
 */
static void test_scan_checks_trailer_counts(void **state)
{
	(void)state;
	char dir[256], path[512];
	chunk_rec *recs;
	size_t n;
	collect col;
	gr_store *s = damage_store(dir, sizeof dir, &recs, &n, &col);
	const char *name = col.packs[0].name;
	pack_file(path, sizeof path, dir, name);
	gr_buf orig = GR_BUF_INIT;
	assert_int_equal(gr_read_file(path, 1u << 30, &orig), 0);
	const gr_frame_info *f = &col.frames[1];
	uint64_t from = table_start(f), to = f->loc.off + f->loc.clen;
	gr_buf cut = GR_BUF_INIT;
	assert_int_equal(gr_buf_put(&cut, orig.ptr, from), 0);
	assert_int_equal(gr_buf_put(&cut, orig.ptr + to, orig.len - to), 0);
	restore_file(path, &cut);
	scan_count sc = {0};
	int rc = gr_store_scan_pack(s, name, true, count_frames, &sc);
	size_t nframes = col.nframes;
	/* clean up first, so that the failure below is the only finding */
	restore_file(path, &orig);
	gr_buf_free(&cut);
	gr_buf_free(&orig);
	free(recs);
	collect_free(&col);
	gr_store_close(s);
	assert_int_equal(sc.frames, nframes - 1);
	if (rc != GR_ECORRUPT)
		fail_msg("pack missing frame 1 of %zu (trailer says %zu frames, %zu seen) scans with rc %d; "
			 "the trailer's counts are not checked",
			 nframes, nframes, (size_t)sc.frames, rc);
}

static void test_read_chunk_checks(void **state)
{
	(void)state;
	char dir[256];
	chunk_rec *recs;
	size_t n;
	collect col;
	gr_store *s = damage_store(dir, sizeof dir, &recs, &n, &col);
	gr_store_reader *r = NULL;
	assert_int_equal(gr_store_reader_new(&r, s), 0);
	gr_buf got = GR_BUF_INIT;
	size_t i = first_chunk_in(recs, n, FIRST_ID + 1);
	const gr_frame_info *f = frame_of(&col, recs[i].frame);
	/* wrong hash: with the frame not yet cached, then cached */
	uint8_t bad[GR_HASH_LEN];
	memcpy(bad, recs[i].hash, GR_HASH_LEN);
	bad[17] ^= 1;
	assert_int_equal(gr_store_read_chunk(r, f->id, &f->loc, recs[i].off, recs[i].len, bad, &got), GR_ECORRUPT);
	assert_int_equal(got.len, 0);
	assert_int_equal(gr_store_read_chunk(r, f->id, &f->loc, recs[i].off, recs[i].len, recs[i].hash, &got), 0);
	assert_int_equal(got.len, recs[i].len);
	gr_buf_reset(&got);
	assert_int_equal(gr_store_read_chunk(r, f->id, &f->loc, recs[i].off, recs[i].len, bad, &got), GR_ECORRUPT);
	/* right hash, wrong place: shifted offset, wrong length */
	assert_int_equal(gr_store_read_chunk(r, f->id, &f->loc, recs[i].off + 1, recs[i].len, recs[i].hash, &got),
			 GR_ECORRUPT);
	if (recs[i].len > 1)
		assert_int_equal(
			gr_store_read_chunk(r, f->id, &f->loc, recs[i].off, recs[i].len - 1, recs[i].hash, &got),
			GR_ECORRUPT);
	/* outside the frame */
	assert_int_equal(gr_store_read_chunk(r, f->id, &f->loc, f->loc.ulen, 1, recs[i].hash, &got), GR_ECORRUPT);
	assert_int_equal(gr_store_read_chunk(r, f->id, &f->loc, UINT32_MAX, 2, recs[i].hash, &got), GR_ECORRUPT);
	assert_int_equal(got.len, 0);
	/* a location that lies about the frame (new frame id so the cache is not used) */
	gr_frame_loc l = f->loc;
	l.ulen += 1;
	assert_int_equal(gr_store_read_chunk(r, 9999, &l, recs[i].off, recs[i].len, recs[i].hash, &got), GR_ECORRUPT);
	l = f->loc;
	l.clen -= 1;
	assert_int_equal(gr_store_read_chunk(r, 9998, &l, recs[i].off, recs[i].len, recs[i].hash, &got), GR_ECORRUPT);
	l = f->loc;
	l.off += 1;
	assert_int_equal(gr_store_read_chunk(r, 9997, &l, recs[i].off, recs[i].len, recs[i].hash, &got), GR_ECORRUPT);
	l = f->loc;
	l.clen = 0xffffffffu;
	assert_int_equal(gr_store_read_chunk(r, 9996, &l, recs[i].off, recs[i].len, recs[i].hash, &got), GR_ECORRUPT);
	/* a pack that does not exist: the data is missing, which is corruption */
	l = f->loc;
	memset(l.pack, 'e', GR_PACK_NAME_LEN);
	assert_int_equal(gr_store_read_chunk(r, 9995, &l, recs[i].off, recs[i].len, recs[i].hash, &got), GR_ECORRUPT);
	assert_int_equal(got.len, 0);
	/* after all that, the reader still works */
	assert_int_equal(gr_store_read_chunk(r, f->id, &f->loc, recs[i].off, recs[i].len, recs[i].hash, &got), 0);
	assert_int_equal(got.len, recs[i].len);
	gr_buf_free(&got);
	gr_store_reader_free(r);
	free(recs);
	collect_free(&col);
	gr_store_close(s);
}

/* ---- writer lifecycle ---- */

static void test_writer_discard(void **state)
{
	(void)state;
	char dir[256];
	gr_store *s = new_store(dir, sizeof dir);
	gr_pool *pool = NULL;
	assert_int_equal(gr_pool_new(&pool, 2), 0);
	collect col;
	memset(&col, 0, sizeof col);
	col.lenient = true;
	col.next_id = FIRST_ID;
	gr_store_writer_opts o = {.first_frame_id = FIRST_ID,
				  .frame_target = 64 * 1024,
				  .pack_target = 1,
				  .pool = pool,
				  .on_pack = on_pack,
				  .ctx = &col};
	/* an earlier pack from another writer must survive the discard */
	gr_store_writer *w0 = NULL;
	assert_int_equal(gr_store_writer_new(&w0, s, &o), 0);
	uint8_t h[GR_HASH_LEN];
	uint64_t fr;
	uint32_t off;
	gr_sha256(h, "keep me", 7);
	col.chunks_added++;
	assert_int_equal(gr_store_writer_add(w0, h, "keep me", 7, &fr, &off), 0);
	assert_int_equal(gr_store_writer_finish(w0), 0);
	gr_store_writer_free(w0);
	assert_int_equal(col.npacks, 1);
	char keep[GR_PACK_NAME_LEN + 1];
	memcpy(keep, col.packs[0].name, sizeof keep);
	collect_free(&col);
	col.lenient = true;
	col.next_id = FIRST_ID;
	gr_store_writer *w = NULL;
	assert_int_equal(gr_store_writer_new(&w, s, &o), 0);
	gr_buf data = GR_BUF_INIT;
	for (size_t i = 0; i < 5; i++) { /* 5 chunks of 256 KiB: a frame and a pack each */
		gen_chunk(99, i * 401 + 7, &data); /* MAXC-sized chunks */
		gr_sha256(h, data.ptr, data.len);
		col.chunks_added++;
		assert_int_equal(gr_store_writer_add(w, h, data.ptr, (uint32_t)data.len, &fr, &off), 0);
	}
	assert_int_equal(gr_store_writer_finish(w), 0);
	assert_string_equal(col.err, "");
	assert_int_equal(col.npacks, 5);
	gr_backend *be = gr_store_backend(s);
	uint64_t size;
	for (size_t i = 0; i < col.npacks; i++)
		assert_int_equal(be->stat(be, col.packs[i].name, &size), 0);
	assert_int_equal(gr_store_writer_discard(w), 0);
	for (size_t i = 0; i < col.npacks; i++)
		assert_int_equal(be->stat(be, col.packs[i].name, &size), GR_ENOTFOUND);
	name_list l;
	list_packs(s, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.names[0], keep);
	name_list_free(&l);
	/* discarding again is harmless */
	assert_int_equal(gr_store_writer_discard(w), 0);
	gr_store_writer_free(w);
	gr_buf_free(&data);
	collect_free(&col);
	gr_pool_free(pool);
	gr_store_close(s);
}

static void free_without_finish(int nthreads)
{
	char dir[256];
	gr_store *s = new_store(dir, sizeof dir);
	gr_pool *pool = NULL;
	if (nthreads > 0)
		assert_int_equal(gr_pool_new(&pool, nthreads), 0);
	collect col;
	memset(&col, 0, sizeof col);
	col.lenient = true;
	col.next_id = FIRST_ID;
	gr_store_writer_opts o = {.first_frame_id = FIRST_ID,
				  .frame_target = 32 * 1024,
				  .pack_target = 200 * 1024,
				  .pool = pool,
				  .on_pack = on_pack,
				  .ctx = &col};
	gr_store_writer *w = NULL;
	assert_int_equal(gr_store_writer_new(&w, s, &o), 0);
	gr_buf data = GR_BUF_INIT;
	uint8_t h[GR_HASH_LEN];
	uint64_t fr;
	uint32_t off;
	/* until a pack is durable and the next one is being written */
	size_t i = 0;
	while (col.npacks == 0 || count_files(gr_store_tmpdir(s)) == 0) {
		gen_chunk(5, i++, &data);
		gr_sha256(h, data.ptr, data.len);
		col.chunks_added++;
		assert_int_equal(gr_store_writer_add(w, h, data.ptr, (uint32_t)data.len, &fr, &off), 0);
		assert_true(i < 5000);
	}
	/* a few small chunks: a frame is being filled, none is sealed, the pack stays open */
	for (size_t k = 0; k < 3; k++) {
		char tiny[32];
		int len = snprintf(tiny, sizeof tiny, "tiny chunk %zu", k);
		gr_sha256(h, tiny, (size_t)len);
		col.chunks_added++;
		assert_int_equal(gr_store_writer_add(w, h, tiny, (uint32_t)len, &fr, &off), 0);
	}
	assert_int_equal(count_files(gr_store_tmpdir(s)), 1); /* the pack being written */
	gr_store_writer_free(w);
	assert_int_equal(count_files(gr_store_tmpdir(s)), 0);
	/* durable packs stay */
	gr_backend *be = gr_store_backend(s);
	uint64_t size;
	for (size_t p = 0; p < col.npacks; p++)
		assert_int_equal(be->stat(be, col.packs[p].name, &size), 0);
	name_list l;
	list_packs(s, &l);
	assert_int_equal(l.n, col.npacks);
	name_list_free(&l);
	gr_buf_free(&data);
	collect_free(&col);
	gr_pool_free(pool);
	gr_store_close(s);
}

static void test_writer_free_without_finish(void **state)
{
	(void)state;
	free_without_finish(2);
	free_without_finish(0);
}

/* on_pack's error aborts the writer; later calls refuse. */
static void test_on_pack_error(void **state)
{
	(void)state;
	char dir[256];
	gr_store *s = new_store(dir, sizeof dir);
	collect col;
	memset(&col, 0, sizeof col);
	col.lenient = true;
	col.next_id = FIRST_ID;
	col.fail_after = 1;
	gr_store_writer_opts o = {.first_frame_id = FIRST_ID,
				  .frame_target = 16 * 1024,
				  .pack_target = 1,
				  .on_pack = on_pack,
				  .ctx = &col};
	gr_store_writer *w = NULL;
	assert_int_equal(gr_store_writer_new(&w, s, &o), 0);
	uint8_t h[GR_HASH_LEN];
	uint64_t fr;
	uint32_t off;
	gr_sha256(h, "x", 1);
	assert_int_equal(gr_store_writer_add(w, h, "x", 1, &fr, &off), 0);
	assert_int_equal(gr_store_writer_finish(w), GR_EINTR);
	assert_int_equal(gr_store_writer_add(w, h, "x", 1, &fr, &off), GR_EINVAL);
	assert_int_equal(gr_store_writer_finish(w), GR_EINVAL);
	/* the pack was durable before on_pack ran; discard removes it */
	name_list l;
	list_packs(s, &l);
	assert_int_equal(l.n, 1);
	name_list_free(&l);
	assert_int_equal(gr_store_writer_discard(w), 0);
	list_packs(s, &l);
	assert_int_equal(l.n, 0);
	name_list_free(&l);
	gr_store_writer_free(w);
	assert_int_equal(count_files(gr_store_tmpdir(s)), 0);
	collect_free(&col);
	gr_store_close(s);
}

/* ---- store/tmp and the backend ---- */

static void test_clean_tmp(void **state)
{
	(void)state;
	char dir[256];
	gr_store *s = new_store(dir, sizeof dir);
	const char *tmp = gr_store_tmpdir(s);
	char p[512];
	const char *names[] = {"pack-1-1.tmp", "stray", "old.tmp"};
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s/%s", tmp, names[i]);
		assert_int_equal(gr_write_file_atomic(p, "junk", 4), 0);
	}
	/* old.tmp is two hours old */
	snprintf(p, sizeof p, "%s/old.tmp", tmp);
	struct timeval tv[2];
	gettimeofday(&tv[0], NULL);
	tv[0].tv_sec -= 7200;
	tv[1] = tv[0];
	assert_int_equal(utimes(p, tv), 0);
	/* a directory is left alone */
	snprintf(p, sizeof p, "%s/subdir", tmp);
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(count_files(tmp), 4);
	uint64_t removed = 0;
	assert_int_equal(gr_store_clean_tmp(s, 3600, &removed), 0);
	assert_true(removed == 1);
	assert_int_equal(count_files(tmp), 3);
	snprintf(p, sizeof p, "%s/old.tmp", tmp);
	assert_int_not_equal(access(p, F_OK), 0);
	removed = 0;
	assert_int_equal(gr_store_clean_tmp(s, 0, &removed), 0);
	assert_true(removed == 2);
	assert_int_equal(count_files(tmp), 1);
	snprintf(p, sizeof p, "%s/subdir", tmp);
	assert_true(gr_is_dir(p));
	removed = 0;
	assert_int_equal(gr_store_clean_tmp(s, 0, &removed), 0);
	assert_true(removed == 0);
	gr_store_close(s);
}

static int stop_cb(const char *name, uint64_t size, void *ctx)
{
	(void)name;
	(void)size;
	(*(int *)ctx)++;
	return 77;
}

static void test_backend(void **state)
{
	(void)state;
	char dir[256];
	gr_store *s = new_store(dir, sizeof dir);
	gr_backend *be = gr_store_backend(s);
	/* put: a staged file becomes pack <name>, the staged file is consumed */
	char names[3][GR_PACK_NAME_LEN + 1];
	const char *bodies[3] = {"first pack body", "second", "third pack, a bit longer than the others"};
	for (int i = 0; i < 3; i++) {
		char staged[512];
		snprintf(staged, sizeof staged, "%s/staged-%d", gr_store_tmpdir(s), i);
		assert_int_equal(gr_write_file_atomic(staged, bodies[i], strlen(bodies[i])), 0);
		uint8_t h[GR_HASH_LEN];
		gr_sha256(h, bodies[i], strlen(bodies[i]));
		gr_hex(names[i], h, GR_HASH_LEN);
		assert_int_equal(be->put(be, names[i], staged), 0);
		assert_int_not_equal(access(staged, F_OK), 0);
		char path[512];
		pack_file(path, sizeof path, dir, names[i]);
		assert_int_equal(access(path, F_OK), 0);
	}
	/* things that are not packs are not listed */
	char junk[512];
	snprintf(junk, sizeof junk, "%s/packs/%.2s/notapack.pack", dir, names[0]);
	assert_int_equal(gr_write_file_atomic(junk, "x", 1), 0);
	snprintf(junk, sizeof junk, "%s/packs/%.2s/%s.tmp", dir, names[0], names[0]);
	assert_int_equal(gr_write_file_atomic(junk, "x", 1), 0);
	snprintf(junk, sizeof junk, "%s/packs/zz", dir);
	assert_int_equal(mkdir(junk, 0755), 0);
	/* a pack in the wrong fan-out directory */
	char wrong[GR_PACK_NAME_LEN + 1];
	memcpy(wrong, names[1], sizeof wrong);
	wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
	snprintf(junk, sizeof junk, "%s/packs/%.2s/%s.pack", dir, names[0], wrong);
	if (strncmp(names[0], wrong, 2) != 0)
		assert_int_equal(gr_write_file_atomic(junk, "x", 1), 0);
	name_list l;
	list_packs(s, &l);
	assert_int_equal(l.n, 3);
	for (size_t i = 0; i < l.n; i++) {
		int k = -1;
		for (int j = 0; j < 3; j++)
			if (!strcmp(l.names[i], names[j]))
				k = j;
		assert_true(k >= 0);
		assert_true(l.sizes[i] == strlen(bodies[k]));
	}
	name_list_free(&l);
	/* list stops at the callback's non-zero return and passes it on */
	int calls = 0;
	assert_int_equal(be->list(be, stop_cb, &calls), 77);
	assert_int_equal(calls, 1);
	/* stat and read */
	uint64_t size = 0;
	assert_int_equal(be->stat(be, names[2], &size), 0);
	assert_true(size == strlen(bodies[2]));
	char buf[64];
	assert_int_equal(be->read(be, names[2], 6, buf, 4), 0);
	assert_memory_equal(buf, "pack", 4);
	assert_int_equal(be->read(be, names[2], size - 2, buf, 4), GR_ECORRUPT); /* past the end */
	char absent[GR_PACK_NAME_LEN + 1];
	memset(absent, '0', GR_PACK_NAME_LEN);
	absent[GR_PACK_NAME_LEN] = '\0';
	assert_int_equal(be->stat(be, absent, &size), GR_ENOTFOUND);
	assert_int_equal(be->read(be, absent, 0, buf, 1), GR_ENOTFOUND);
	/* malformed names never reach the file system */
	assert_int_equal(be->stat(be, "../../etc/passwd", &size), GR_EINVAL);
	char upper[GR_PACK_NAME_LEN + 1];
	memcpy(upper, names[0], sizeof upper);
	for (char *c = upper; *c; c++)
		if (*c >= 'a' && *c <= 'f')
			*c = (char)(*c - 32);
	if (strcmp(upper, names[0]))
		assert_int_equal(be->stat(be, upper, &size), GR_EINVAL);
	assert_int_equal(be->stat(be, "abc", &size), GR_EINVAL);
	assert_int_equal(be->del(be, "abc"), GR_EINVAL);
	/* del */
	assert_int_equal(be->del(be, names[1]), 0);
	assert_int_equal(be->stat(be, names[1], &size), GR_ENOTFOUND);
	assert_int_equal(be->del(be, names[1]), GR_ENOTFOUND);
	list_packs(s, &l);
	assert_int_equal(l.n, 2);
	name_list_free(&l);
	/* scanning something that is not a pack */
	assert_int_equal(gr_store_scan_pack(s, names[0], false, count_frames, &(scan_count){0}), GR_ECORRUPT);
	assert_int_equal(gr_store_scan_pack(s, names[2], false, count_frames, &(scan_count){0}), GR_ECORRUPT);
	assert_int_equal(gr_store_scan_pack(s, absent, false, count_frames, &(scan_count){0}), GR_ENOTFOUND);
	gr_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_few_frames),
		cmocka_unit_test(test_roundtrip_pool),
		cmocka_unit_test(test_roundtrip_inline),
		cmocka_unit_test(test_pool_and_inline_identical),
		cmocka_unit_test(test_frame_chunk_limit),
		cmocka_unit_test(test_frame_max_chunk),
		cmocka_unit_test(test_close_then_finish),
		cmocka_unit_test(test_empty_writer),
		cmocka_unit_test(test_tail_frames),
		cmocka_unit_test(test_corrupt_data_frame),
		cmocka_unit_test(test_corrupt_frame_table),
		cmocka_unit_test(test_truncated_pack),
		cmocka_unit_test(test_scan_checks_trailer_counts),
		cmocka_unit_test(test_read_chunk_checks),
		cmocka_unit_test(test_writer_discard),
		cmocka_unit_test(test_writer_free_without_finish),
		cmocka_unit_test(test_on_pack_error),
		cmocka_unit_test(test_clean_tmp),
		cmocka_unit_test(test_backend),
	};
	return cmocka_run_group_tests_name("store", tests, group_setup, group_teardown);
}
