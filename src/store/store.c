/*
 * The store: pack writer (chunks -> frames -> packs), chunk reader, pack scanner.
 *
 * Writing keeps a ring of frame slots. The caller fills one slot with chunks;
 * a full slot is handed to the pool to compress, and slots are drained into the
 * current pack strictly in order, so frame ids, pack offsets and the catalog
 * rows that name them agree. At most one frame more than the pool has
 * threads is in memory (3 to GR_WRITER_SLOTS_MAX): one filling while the
 * others compress.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "store/pack_int.h"
#include "store/store.h"

/* Frames in memory: the pool's threads + 1, at least 3, at most this. A
 * slot's buffers cost ~12 MiB of page zeroing on first use, which this VM
 * does at ~0.4 GB/s: 3 slots rather than 4 on 2 cores take 1.5-3.5% off an
 * ingest's CPU, with no loss of overlap. */
#define GR_WRITER_SLOTS_MAX 8

struct gr_store {
	char *dir;
	char *tmpdir;
	gr_backend *be;
};

int gr_store_init(const char *dir)
{
	gr_buf p = GR_BUF_INIT;
	int rc = gr_buf_printf(&p, "%s/packs", dir);
	if (!rc)
		rc = gr_mkdir_p(p.ptr, 0755);
	gr_buf_reset(&p);
	if (!rc)
		rc = gr_buf_printf(&p, "%s/tmp", dir);
	if (!rc)
		rc = gr_mkdir_p(p.ptr, 0755);
	if (!rc)
		rc = gr_fsync_dir(dir);
	gr_buf_free(&p);
	return rc;
}

int gr_store_open(gr_store **out, const char *dir)
{
	gr_store *s = calloc(1, sizeof *s);
	if (!s)
		return gr_error_set(GR_ENOMEM, "out of memory");
	int rc = GR_ENOMEM;
	char *packs = gr_path_join(dir, "packs");
	s->dir = gr_strdup(dir);
	s->tmpdir = gr_path_join(dir, "tmp");
	if (!packs || !s->dir || !s->tmpdir)
		goto fail;
	if (!gr_is_dir(packs) || !gr_is_dir(s->tmpdir)) {
		rc = gr_error_set(GR_ENOTFOUND, "%s is not a Granary store (no packs/ or tmp/)", dir);
		goto fail;
	}
	if ((rc = gr_backend_local_new(&s->be, packs)))
		goto fail;
	free(packs);
	*out = s;
	return 0;
fail:
	free(packs);
	gr_store_close(s);
	return rc;
}

void gr_store_close(gr_store *s)
{
	if (!s)
		return;
	if (s->be)
		s->be->free(s->be);
	free(s->dir);
	free(s->tmpdir);
	free(s);
}

gr_backend *gr_store_backend(gr_store *s)
{
	return s->be;
}

const char *gr_store_tmpdir(gr_store *s)
{
	return s->tmpdir;
}

static void check8(uint8_t out[PACK_CHECK_LEN], const void *data, size_t n)
{
	uint8_t h[GR_HASH_LEN];
	gr_sha256(h, data, n);
	memcpy(out, h, PACK_CHECK_LEN);
}

/* ------------------------------------------------------------------ writer */

ZSTD_CCtx *gr_pack_cctx(int level)
{
	ZSTD_CCtx *c = ZSTD_createCCtx();
	if (!c || ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 1)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, GR_ZSTD_WINDOW_LOG)) ||
	    (level == GR_ZSTD_LEVEL &&
	     (ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_hashLog, GR_ZSTD_HASH_LOG)) ||
	      ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_chainLog, GR_ZSTD_CHAIN_LOG))))) {
		ZSTD_freeCCtx(c);
		return NULL;
	}
	return c;
}

typedef struct {
	gr_task task;
	ZSTD_CCtx *cctx;
	gr_buf raw;          /* chunk data, concatenated */
	gr_buf table;        /* the table frame, built as chunks arrive (entries only) */
	uint32_t nchunks;
	uint64_t id;
	void *cbuf;
	size_t ccap, clen;
	size_t zerr; /* ZSTD error code from the worker, 0 on success */
} slot;

/* A finished pack made durable off the caller's thread: fsync, then the
 * backend's put (rename into place, fsync of the directory). One at a time;
 * gr_store_writer_finish waits for it, so every pack is durable before the
 * caller commits. */
typedef struct {
	bool running;
	pthread_t th;
	int fd;
	gr_backend *be;
	char *tmp;
	char name[GR_PACK_NAME_LEN + 1];
	int rc;
	char msg[1024];
} pack_sync;

struct gr_store_writer {
	gr_store *s;
	gr_store_writer_opts o;
	slot slots[GR_WRITER_SLOTS_MAX];
	unsigned nslots;
	unsigned head, nflight; /* in-flight slots are head .. head+nflight-1 */
	uint64_t next_id;
	/* current pack */
	int fd;
	gr_buf tmp_path;
	uint64_t pack_size;
	gr_sha256_ctx *pack_hash;
	gr_frame_info *frames;
	size_t nframes, frames_cap;
	uint64_t pack_chunks, pack_data;
	pack_sync sync;
	gr_early_sync early; /* the current pack's frames so far, flushed early */
	/* packs made durable by this writer */
	char (*durable)[GR_PACK_NAME_LEN + 1];
	size_t ndurable, durable_cap;
	uint64_t bytes_in, bytes_out;
	uint64_t expect_end; /* bytes_in the caller expects at the end; 0: unknown */
	int failed;
	bool closed; /* gr_store_writer_close went through: no more chunks */
};

static slot *filling(gr_store_writer *w)
{
	return &w->slots[(w->head + w->nflight) % w->nslots];
}

int gr_store_writer_new(gr_store_writer **out, gr_store *s, const gr_store_writer_opts *o)
{
	gr_store_writer *w = calloc(1, sizeof *w);
	if (!w)
		return gr_error_set(GR_ENOMEM, "out of memory");
	w->s = s;
	w->o = *o;
	if (!w->o.level)
		w->o.level = GR_ZSTD_LEVEL;
	if (!w->o.frame_target)
		w->o.frame_target = GR_FRAME_TARGET;
	if (!w->o.pack_target)
		w->o.pack_target = GR_PACK_TARGET;
	w->next_id = o->first_frame_id;
	w->fd = -1;
	int threads = o->pool ? gr_pool_threads(o->pool) : 0;
	w->nslots = threads + 1 < 3 ? 3 : threads + 1 > GR_WRITER_SLOTS_MAX ? GR_WRITER_SLOTS_MAX : (unsigned)threads + 1;
	for (unsigned i = 0; i < w->nslots; i++) {
		if (!(w->slots[i].cctx = gr_pack_cctx(w->o.level))) {
			gr_store_writer_free(w);
			return gr_error_set(GR_ENOMEM, "cannot set up zstd compression");
		}
	}
	/* frames are filled and compressed over and over: size their buffers once */
	for (unsigned i = 0; i < w->nslots; i++) {
		slot *sl = &w->slots[i];
		size_t raw = (size_t)w->o.frame_target + (256u << 10);
		if (gr_buf_grow_huge(&sl->raw, raw) || !(sl->cbuf = gr_alloc_huge(ZSTD_compressBound(raw), &sl->ccap))) {
			gr_store_writer_free(w);
			return gr_error_set(GR_ENOMEM, "out of memory");
		}
	}
	if (!(w->pack_hash = gr_sha256_new())) {
		gr_store_writer_free(w);
		return GR_ENOMEM;
	}
	*out = w;
	return 0;
}

static void compress_task(gr_task *t)
{
	slot *sl = (slot *)t;
	size_t bound = ZSTD_compressBound(sl->raw.len);
	if (bound > sl->ccap) {
		void *p = realloc(sl->cbuf, bound);
		if (!p) {
			sl->zerr = (size_t)-1;
			return;
		}
		sl->cbuf = p;
		sl->ccap = bound;
	}
	size_t r = ZSTD_compress2(sl->cctx, sl->cbuf, sl->ccap, sl->raw.ptr, sl->raw.len);
	if (ZSTD_isError(r)) {
		sl->zerr = r;
		return;
	}
	sl->zerr = 0;
	sl->clen = r;
}

static int pack_write(gr_store_writer *w, const void *data, size_t n)
{
	int rc = gr_write_all(w->fd, data, n);
	if (rc)
		return gr_error_wrap(rc, "write pack %s", w->tmp_path.ptr);
	gr_sha256_update(w->pack_hash, data, n);
	w->pack_size += n;
	w->bytes_out += n;
	return 0;
}

static int skippable(gr_store_writer *w, uint32_t magic, const void *payload, uint32_t n)
{
	uint8_t h[8];
	gr_le32_put(h, magic);
	gr_le32_put(h + 4, n);
	int rc = pack_write(w, h, 8);
	return rc ? rc : pack_write(w, payload, n);
}

static int pack_start(gr_store_writer *w)
{
	static unsigned long seq;
	gr_buf_reset(&w->tmp_path);
	int rc = gr_buf_printf(&w->tmp_path, "%s/pack-%ld-%lu.tmp", w->s->tmpdir, (long)getpid(),
			       __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED));
	if (rc)
		return rc;
	w->fd = open(w->tmp_path.ptr, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (w->fd < 0)
		return gr_error_errno(GR_EIO, "create %s", w->tmp_path.ptr);
	w->pack_size = 0;
	w->nframes = 0;
	w->pack_chunks = w->pack_data = 0;
	uint8_t hdr[PACK_HEADER_PAYLOAD];
	memcpy(hdr, "GRANARYP", 8);
	gr_le32_put(hdr + 8, GR_PACK_VERSION);
	gr_le32_put(hdr + 12, 0);
	return skippable(w, PACK_MAGIC_HEADER, hdr, sizeof hdr);
}

static void pack_sync_run(pack_sync *ps)
{
	int rc = 0;
	if (fsync(ps->fd) != 0)
		rc = gr_error_errno(GR_EIO, "fsync %s", ps->tmp);
	close(ps->fd);
	ps->fd = -1;
	if (!rc)
		rc = ps->be->put(ps->be, ps->name, ps->tmp);
	if (rc) {
		snprintf(ps->msg, sizeof ps->msg, "%s", gr_error_last());
		unlink(ps->tmp); /* still staged when fsync or the rename failed */
	}
	ps->rc = rc;
}

static void *pack_sync_thread(void *arg)
{
	pack_sync_run(arg);
	return NULL;
}

/* The sync is over: its pack joins the durable list, or its error is set. */
static int pack_sync_done(gr_store_writer *w)
{
	pack_sync *ps = &w->sync;
	ps->running = false;
	free(ps->tmp);
	ps->tmp = NULL;
	if (ps->rc)
		return gr_error_set(ps->rc, "%s", ps->msg);
	if (gr_array_reserve(&w->durable, &w->durable_cap, w->ndurable, sizeof *w->durable))
		return GR_ENOMEM;
	memcpy(w->durable[w->ndurable++], ps->name, sizeof ps->name);
	return 0;
}

/* Waits for the pack being made durable, if any. */
static int pack_sync_wait(gr_store_writer *w)
{
	if (!w->sync.running)
		return 0;
	pthread_join(w->sync.th, NULL);
	return pack_sync_done(w);
}

static int pack_finish(gr_store_writer *w)
{
	uint8_t tr[PACK_TRAILER_PAYLOAD];
	memcpy(tr, "GREN", 4);
	gr_le32_put(tr + 4, (uint32_t)w->nframes);
	gr_le64_put(tr + 8, w->pack_chunks);
	gr_le64_put(tr + 16, w->pack_data);
	check8(tr + 24, tr, 24);
	int rc = skippable(w, PACK_MAGIC_TRAILER, tr, sizeof tr);
	if (rc || (rc = pack_sync_wait(w)))
		return rc;
	pack_sync *ps = &w->sync;
	uint8_t h[GR_HASH_LEN];
	gr_sha256_final(w->pack_hash, h);
	gr_hex(ps->name, h, GR_HASH_LEN);
	if (!(ps->tmp = gr_strdup(w->tmp_path.ptr)))
		return GR_ENOMEM;
	/* fsync and rename on a thread of their own: the caller goes on
	 * filling frames meanwhile (an fsync here takes 50-70 ms) */
	ps->fd = w->fd;
	ps->be = w->s->be;
	ps->rc = 0;
	w->fd = -1;
	if (pthread_create(&ps->th, NULL, pack_sync_thread, ps) == 0) {
		ps->running = true;
	} else {
		pack_sync_run(ps); /* no thread to be had: here, then */
		if ((rc = pack_sync_done(w)))
			return rc;
	}
	const char *name = ps->name;
	for (size_t i = 0; i < w->nframes; i++)
		memcpy(w->frames[i].loc.pack, name, GR_PACK_NAME_LEN + 1);
	gr_pack_info info = {.size = w->pack_size, .frames = w->frames, .nframes = w->nframes};
	memcpy(info.name, name, sizeof info.name);
	if (w->o.on_pack && (rc = w->o.on_pack(&info, w->o.ctx)))
		return rc;
	w->nframes = 0;
	return 0;
}

/* Waits for the oldest in-flight slot and appends it to the current pack. */
static int drain_one(gr_store_writer *w)
{
	slot *sl = &w->slots[w->head];
	if (w->o.pool)
		gr_pool_wait(w->o.pool, &sl->task);
	w->head = (w->head + 1) % w->nslots;
	w->nflight--;
	if (sl->zerr)
		return gr_error_set(GR_ERROR, "zstd compression failed: %s",
				    sl->zerr == (size_t)-1 ? "out of memory" : ZSTD_getErrorName(sl->zerr));
	int rc;
	if (w->fd < 0 && (rc = pack_start(w)))
		return rc;
	/* table frame: fixed part, entries (already in sl->table), check */
	uint8_t fixed[PACK_TABLE_FIXED];
	memcpy(fixed, "GRFT", 4);
	gr_le32_put(fixed + 4, sl->nchunks);
	gr_le32_put(fixed + 8, (uint32_t)sl->raw.len);
	gr_le32_put(fixed + 12, (uint32_t)sl->clen);
	uint32_t payload = (uint32_t)(PACK_TABLE_FIXED + sl->table.len + PACK_CHECK_LEN);
	uint8_t hdr[8], chk[PACK_CHECK_LEN], hh[GR_HASH_LEN];
	gr_le32_put(hdr, PACK_MAGIC_TABLE);
	gr_le32_put(hdr + 4, payload);
	gr_sha256_ctx *c = gr_sha256_new();
	if (!c)
		return GR_ENOMEM;
	gr_sha256_update(c, fixed, sizeof fixed);
	gr_sha256_update(c, sl->table.ptr, sl->table.len);
	gr_sha256_final(c, hh);
	gr_sha256_free(c);
	memcpy(chk, hh, sizeof chk);
	if ((rc = pack_write(w, hdr, 8)) || (rc = pack_write(w, fixed, sizeof fixed)) ||
	    (rc = pack_write(w, sl->table.ptr, sl->table.len)) || (rc = pack_write(w, chk, sizeof chk)))
		return rc;
	if (gr_array_reserve(&w->frames, &w->frames_cap, w->nframes, sizeof *w->frames))
		return GR_ENOMEM;
	gr_frame_info *fi = &w->frames[w->nframes++];
	memset(fi, 0, sizeof *fi);
	fi->id = sl->id;
	fi->loc.off = w->pack_size;
	fi->loc.clen = (uint32_t)sl->clen;
	fi->loc.ulen = (uint32_t)sl->raw.len;
	fi->nchunks = sl->nchunks;
	if ((rc = pack_write(w, sl->cbuf, sl->clen)))
		return rc;
	/* start writing the frame back now, so the pack's fsync has little left
	 * to wait for (advisory: fsync is what makes the pack durable) */
	sync_file_range(w->fd, (off_t)fi->loc.off, (off_t)sl->clen, SYNC_FILE_RANGE_WRITE);
	w->pack_chunks += sl->nchunks;
	w->pack_data += sl->raw.len;
	sl->nchunks = 0; /* the slot is free for filling again */
	if (w->pack_size >= w->o.pack_target)
		return pack_finish(w);
	return 0;
}

static int seal(gr_store_writer *w)
{
	slot *sl = filling(w);
	if (!sl->nchunks)
		return 0;
	sl->id = w->next_id++;
	if (w->o.pool)
		gr_pool_submit(w->o.pool, &sl->task, compress_task);
	else
		compress_task(&sl->task);
	w->nflight++;
	if (w->nflight == w->nslots)
		return drain_one(w);
	return 0;
}

/* The error for a call on a writer that failed or was closed. */
static int writer_unusable(const gr_store_writer *w)
{
	return gr_error_set(GR_EINVAL, "store writer used after a %s", w->failed ? "failure" : "close");
}

void gr_store_writer_expect(gr_store_writer *w, uint64_t more)
{
	w->expect_end = more ? w->bytes_in + more : 0;
}

/* The size at which the frame being filled is sealed: the target, or near
 * the expected end half of what is left (GR_FRAME_TAIL_MIN at least). */
static uint64_t frame_target(const gr_store_writer *w)
{
	uint64_t t = w->o.frame_target;
	if (w->expect_end) {
		uint64_t left = w->expect_end > w->bytes_in ? w->expect_end - w->bytes_in : 0;
		uint64_t half = left / 2 > GR_FRAME_TAIL_MIN ? left / 2 : GR_FRAME_TAIL_MIN;
		if (half < t)
			t = half;
	}
	return t;
}

int gr_store_writer_add(gr_store_writer *w, const uint8_t hash[GR_HASH_LEN], const void *data,
			uint32_t len, uint64_t *frame_out, uint32_t *off_out)
{
	if (w->failed || w->closed)
		return writer_unusable(w);
	if (len > GR_FRAME_MAX)
		return gr_error_set(GR_ELIMIT, "chunk of %u bytes is larger than the frame limit", len);
	int rc;
	slot *sl = filling(w);
	if (sl->nchunks && (sl->raw.len + len > GR_FRAME_MAX || sl->nchunks >= GR_FRAME_MAX_CHUNKS)) {
		if ((rc = seal(w)))
			goto fail;
		sl = filling(w);
	}
	if (!sl->nchunks) {
		gr_buf_reset(&sl->raw);
		gr_buf_reset(&sl->table);
	}
	uint8_t ent[PACK_TABLE_ENTRY];
	memcpy(ent, hash, GR_HASH_LEN);
	gr_le32_put(ent + GR_HASH_LEN, len);
	*off_out = (uint32_t)sl->raw.len;
	*frame_out = w->next_id;
	if ((rc = gr_buf_put(&sl->raw, data, len)) || (rc = gr_buf_put(&sl->table, ent, sizeof ent)))
		goto fail;
	sl->nchunks++;
	w->bytes_in += len;
	if (sl->raw.len >= frame_target(w) && (rc = seal(w)))
		goto fail;
	return 0;
fail:
	w->failed = rc;
	return rc;
}

int gr_store_writer_seal(gr_store_writer *w)
{
	if (w->failed || w->closed)
		return writer_unusable(w);
	int rc = seal(w);
	if (rc)
		w->failed = rc;
	else if (w->fd >= 0)
		/* the frames written so far go to the disk while the last compress */
		gr_early_sync_start(&w->early, fcntl(w->fd, F_DUPFD_CLOEXEC, 0));
	return rc;
}

int gr_store_writer_close(gr_store_writer *w)
{
	if (w->failed || w->closed)
		return writer_unusable(w);
	int rc = seal(w);
	while (!rc && w->nflight)
		rc = drain_one(w);
	if (!rc && w->fd >= 0)
		rc = pack_finish(w);
	if (rc)
		w->failed = rc;
	w->closed = !rc;
	return rc;
}

int gr_store_writer_finish(gr_store_writer *w)
{
	int rc = w->closed ? 0 : gr_store_writer_close(w);
	/* every pack durable (or failed) before this returns */
	int src = pack_sync_wait(w);
	gr_early_sync_wait(&w->early);
	rc = rc ? rc : src;
	if (rc)
		w->failed = rc;
	return rc;
}

void gr_store_writer_stats(const gr_store_writer *w, uint64_t *in, uint64_t *out)
{
	*in = w->bytes_in;
	*out = w->bytes_out;
}

int gr_store_writer_discard(gr_store_writer *w)
{
	pack_sync_wait(w); /* a pack still being synced is deleted with the rest */
	gr_early_sync_wait(&w->early);
	gr_error_clear();
	int rc = 0;
	for (size_t i = 0; i < w->ndurable; i++) {
		int r = w->s->be->del(w->s->be, w->durable[i]);
		if (r && r != GR_ENOTFOUND && !rc)
			rc = r;
	}
	w->ndurable = 0;
	return rc;
}

void gr_store_writer_free(gr_store_writer *w)
{
	if (!w)
		return;
	/* in-flight tasks reference the slots: let them finish first */
	while (w->nflight) {
		slot *sl = &w->slots[w->head];
		if (w->o.pool)
			gr_pool_wait(w->o.pool, &sl->task);
		w->head = (w->head + 1) % w->nslots;
		w->nflight--;
	}
	if (w->sync.running) {
		/* made durable without a caller to commit it: an orphan for gc */
		pthread_join(w->sync.th, NULL);
		free(w->sync.tmp);
	}
	gr_early_sync_wait(&w->early);
	if (w->fd >= 0) {
		close(w->fd);
		unlink(w->tmp_path.ptr);
	}
	for (int i = 0; i < GR_WRITER_SLOTS_MAX; i++) {
		ZSTD_freeCCtx(w->slots[i].cctx);
		gr_buf_free(&w->slots[i].raw);
		gr_buf_free(&w->slots[i].table);
		free(w->slots[i].cbuf);
	}
	gr_sha256_free(w->pack_hash);
	gr_buf_free(&w->tmp_path);
	free(w->frames);
	free(w->durable);
	free(w);
}

/* ------------------------------------------------------------------ reader */

struct gr_store_reader {
	gr_store *s;
	ZSTD_DCtx *dctx;
	gr_buf cbuf;
	gr_buf frame; /* decoded frame cache */
	uint64_t frame_id;
	bool cached;
};

int gr_store_reader_new(gr_store_reader **out, gr_store *s)
{
	gr_store_reader *r = calloc(1, sizeof *r);
	if (!r || !(r->dctx = ZSTD_createDCtx())) {
		free(r);
		return gr_error_set(GR_ENOMEM, "out of memory");
	}
	r->s = s;
	*out = r;
	return 0;
}

void gr_store_reader_free(gr_store_reader *r)
{
	if (!r)
		return;
	ZSTD_freeDCtx(r->dctx);
	gr_buf_free(&r->cbuf);
	gr_buf_free(&r->frame);
	free(r);
}

/* Decodes clen bytes at cbuf into out (exactly ulen bytes). */
static int decode_frame(ZSTD_DCtx *dctx, const void *src, size_t clen, uint32_t ulen, gr_buf *out)
{
	if (ulen > GR_FRAME_MAX)
		return gr_error_set(GR_ECORRUPT, "frame claims %u bytes, over the %u limit", ulen,
				    GR_FRAME_MAX);
	unsigned long long sz = ZSTD_getFrameContentSize(src, clen);
	if (sz != ulen)
		return gr_error_set(GR_ECORRUPT, "frame header says %llu bytes, expected %u", sz, ulen);
	gr_buf_reset(out);
	int rc = gr_buf_grow(out, ulen);
	if (rc)
		return rc;
	size_t r = ZSTD_decompressDCtx(dctx, out->ptr, ulen, src, clen);
	if (ZSTD_isError(r))
		return gr_error_set(GR_ECORRUPT, "frame does not decompress: %s", ZSTD_getErrorName(r));
	if (r != ulen)
		return gr_error_set(GR_ECORRUPT, "frame decompressed to %zu bytes, expected %u", r, ulen);
	out->len = ulen;
	out->ptr[ulen] = '\0';
	return 0;
}

int gr_store_read_chunk(gr_store_reader *r, uint64_t frame_id, const gr_frame_loc *f, uint32_t off,
			uint32_t len, const uint8_t hash[GR_HASH_LEN], gr_buf *out)
{
	int rc;
	if (!r->cached || r->frame_id != frame_id) {
		r->cached = false;
		if (f->clen > ZSTD_compressBound(GR_FRAME_MAX))
			return gr_error_set(GR_ECORRUPT, "frame %llu: compressed length %u too large",
					    (unsigned long long)frame_id, f->clen);
		gr_buf_reset(&r->cbuf);
		if ((rc = gr_buf_grow(&r->cbuf, f->clen)))
			return rc;
		if ((rc = r->s->be->read(r->s->be, f->pack, f->off, r->cbuf.ptr, f->clen)))
			return rc == GR_ENOTFOUND ? gr_error_wrap(GR_ECORRUPT, "stored data is missing") : rc;
		if ((rc = decode_frame(r->dctx, r->cbuf.ptr, f->clen, f->ulen, &r->frame)))
			return gr_error_wrap(rc, "pack %.12s frame at %llu", f->pack,
					     (unsigned long long)f->off);
		r->frame_id = frame_id;
		r->cached = true;
	}
	if ((uint64_t)off + len > r->frame.len)
		return gr_error_set(GR_ECORRUPT, "chunk [%u, +%u) lies outside its frame of %zu bytes", off,
				    len, r->frame.len);
	uint8_t h[GR_HASH_LEN];
	gr_sha256(h, r->frame.ptr + off, len);
	if (memcmp(h, hash, GR_HASH_LEN) != 0) {
		char hex[GR_HEX_LEN + 1];
		gr_hex(hex, hash, GR_HASH_LEN);
		return gr_error_set(GR_ECORRUPT, "chunk %.16s: content does not match its hash", hex);
	}
	return gr_buf_put(out, r->frame.ptr + off, len);
}

/* ------------------------------------------------------------------ scan */

int gr_store_scan_pack(gr_store *s, const char *name, bool decompress,
		       int (*cb)(const gr_scan_frame *f, void *ctx), void *ctx)
{
	gr_backend *be = s->be;
	uint64_t size = 0, off = 0;
	int rc = be->stat(be, name, &size);
	if (rc)
		return rc;
	gr_buf table = GR_BUF_INIT, cbuf = GR_BUF_INIT, data = GR_BUF_INIT;
	gr_chunk_entry *ents = NULL;
	ZSTD_DCtx *dctx = decompress ? ZSTD_createDCtx() : NULL;
	uint8_t hdr[8];
	bool ended = false;
	uint32_t nframes = 0;
	uint64_t nchunks = 0, ndata = 0;
	if (decompress && !dctx) {
		rc = gr_error_set(GR_ENOMEM, "out of memory");
		goto out;
	}
#define CORRUPT(...)                                                           \
	do {                                                                   \
		rc = gr_error_set(GR_ECORRUPT, __VA_ARGS__);                   \
		goto out;                                                      \
	} while (0)
	/* header */
	uint8_t ph[PACK_HEADER_PAYLOAD];
	if (size < 8 + PACK_HEADER_PAYLOAD)
		CORRUPT("pack %.12s: too short (%llu bytes)", name, (unsigned long long)size);
	if ((rc = be->read(be, name, 0, hdr, 8)) || (rc = be->read(be, name, 8, ph, sizeof ph)))
		goto out;
	if (gr_le32_get(hdr) != PACK_MAGIC_HEADER || gr_le32_get(hdr + 4) != PACK_HEADER_PAYLOAD ||
	    memcmp(ph, "GRANARYP", 8) != 0)
		CORRUPT("pack %.12s: not a Granary pack (bad header)", name);
	if (gr_le32_get(ph + 8) != GR_PACK_VERSION)
		CORRUPT("pack %.12s: unsupported pack version %u", name, gr_le32_get(ph + 8));
	off = 8 + PACK_HEADER_PAYLOAD;
	while (off < size) {
		if (size - off < 8)
			CORRUPT("pack %.12s: torn frame header at %llu", name, (unsigned long long)off);
		if ((rc = be->read(be, name, off, hdr, 8)))
			goto out;
		uint32_t magic = gr_le32_get(hdr), plen = gr_le32_get(hdr + 4);
		if (plen > size - off - 8)
			CORRUPT("pack %.12s: frame at %llu runs past the end", name, (unsigned long long)off);
		if (magic == PACK_MAGIC_TRAILER) {
			uint8_t tr[PACK_TRAILER_PAYLOAD], chk[PACK_CHECK_LEN];
			if (plen != PACK_TRAILER_PAYLOAD)
				CORRUPT("pack %.12s: bad trailer", name);
			if ((rc = be->read(be, name, off + 8, tr, sizeof tr)))
				goto out;
			check8(chk, tr, 24);
			if (memcmp(tr, "GREN", 4) || memcmp(chk, tr + 24, PACK_CHECK_LEN))
				CORRUPT("pack %.12s: trailer checksum mismatch", name);
			if (gr_le32_get(tr + 4) != nframes || gr_le64_get(tr + 8) != nchunks ||
			    gr_le64_get(tr + 16) != ndata)
				CORRUPT("pack %.12s: the trailer counts %u frames, %llu chunks, the pack holds %u, %llu",
					name, gr_le32_get(tr + 4), (unsigned long long)gr_le64_get(tr + 8), nframes,
					(unsigned long long)nchunks);
			off += 8 + plen;
			if (off != size)
				CORRUPT("pack %.12s: %llu bytes after the trailer", name,
					(unsigned long long)(size - off));
			ended = true;
			break;
		}
		if (magic != PACK_MAGIC_TABLE)
			CORRUPT("pack %.12s: unexpected frame magic %08x at %llu", name, magic,
				(unsigned long long)off);
		if (plen < PACK_TABLE_FIXED + PACK_CHECK_LEN ||
		    (plen - PACK_TABLE_FIXED - PACK_CHECK_LEN) % PACK_TABLE_ENTRY)
			CORRUPT("pack %.12s: bad frame table size at %llu", name, (unsigned long long)off);
		gr_buf_reset(&table);
		if ((rc = gr_buf_grow(&table, plen)) || (rc = be->read(be, name, off + 8, table.ptr, plen)))
			goto out;
		const uint8_t *t = (const uint8_t *)table.ptr;
		uint8_t chk[PACK_CHECK_LEN];
		check8(chk, t, plen - PACK_CHECK_LEN);
		if (memcmp(t, "GRFT", 4) || memcmp(chk, t + plen - PACK_CHECK_LEN, PACK_CHECK_LEN))
			CORRUPT("pack %.12s: frame table at %llu fails its checksum", name,
				(unsigned long long)off);
		uint32_t n = gr_le32_get(t + 4), ulen = gr_le32_get(t + 8), clen = gr_le32_get(t + 12);
		if ((uint64_t)n * PACK_TABLE_ENTRY != plen - PACK_TABLE_FIXED - PACK_CHECK_LEN || n == 0)
			CORRUPT("pack %.12s: frame table at %llu has a bad count", name,
				(unsigned long long)off);
		if (ulen > GR_FRAME_MAX || clen > size - off - 8 - plen)
			CORRUPT("pack %.12s: frame at %llu has bad lengths", name, (unsigned long long)off);
		free(ents);
		ents = calloc(n, sizeof *ents);
		if (!ents) {
			rc = gr_error_set(GR_ENOMEM, "out of memory");
			goto out;
		}
		uint64_t sum = 0;
		for (uint32_t i = 0; i < n; i++) {
			const uint8_t *e = t + PACK_TABLE_FIXED + (size_t)i * PACK_TABLE_ENTRY;
			memcpy(ents[i].hash, e, GR_HASH_LEN);
			ents[i].len = gr_le32_get(e + GR_HASH_LEN);
			ents[i].off = (uint32_t)sum;
			sum += ents[i].len;
		}
		if (sum != ulen)
			CORRUPT("pack %.12s: frame table at %llu: chunk lengths do not add up", name,
				(unsigned long long)off);
		gr_scan_frame f = {.chunks = ents, .nchunks = n};
		memcpy(f.loc.pack, name, GR_PACK_NAME_LEN + 1);
		f.loc.off = off + 8 + plen;
		f.loc.clen = clen;
		f.loc.ulen = ulen;
		if (decompress) {
			gr_buf_reset(&cbuf);
			if ((rc = gr_buf_grow(&cbuf, clen)) ||
			    (rc = be->read(be, name, f.loc.off, cbuf.ptr, clen)))
				goto out;
			f.status = decode_frame(dctx, cbuf.ptr, clen, ulen, &data);
			f.data = f.status ? NULL : (const uint8_t *)data.ptr;
		}
		nframes++;
		nchunks += n;
		ndata += ulen;
		if ((rc = cb(&f, ctx)))
			goto out;
		off = f.loc.off + clen;
	}
	if (!ended)
		CORRUPT("pack %.12s: no trailer (truncated)", name);
#undef CORRUPT
out:
	free(ents);
	gr_buf_free(&table);
	gr_buf_free(&cbuf);
	gr_buf_free(&data);
	ZSTD_freeDCtx(dctx);
	return rc;
}

int gr_store_clean_tmp(gr_store *s, int64_t min_age, uint64_t *removed)
{
	DIR *d = opendir(s->tmpdir);
	if (!d)
		return gr_error_errno(GR_EIO, "open %s", s->tmpdir);
	int64_t now = gr_time_now();
	struct dirent *de;
	int rc = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char *p = gr_path_join(s->tmpdir, de->d_name);
		struct stat st;
		if (!p) {
			rc = GR_ENOMEM;
			break;
		}
		/* min_age 0 means every file: a file's mtime may read a second ahead of time() */
		if (lstat(p, &st) == 0 && S_ISREG(st.st_mode) &&
		    (min_age <= 0 || now - (int64_t)st.st_mtime >= min_age)) {
			if (unlink(p) == 0)
				(*removed)++;
			else if (errno != ENOENT)
				rc = gr_error_errno(GR_EIO, "remove %s", p);
		}
		free(p);
	}
	closedir(d);
	return rc;
}
