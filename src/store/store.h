/*
 * store — the content-addressed store: chunks of record content, compressed
 * in zstd frames of consecutive chunks, frames in immutable pack files.
 *
 * Invariants:
 *  - A pack file never changes once it has its final name. It is written
 *    under store/tmp/, fsynced, then handed to the backend, which makes it
 *    durable under packs/<aa>/<sha256 of the pack bytes>.pack.
 *  - Every data frame in a pack is preceded by a frame table (a zstd skippable
 *    frame) naming each chunk's SHA-256 and length, so the catalog's index of
 *    chunks can be rebuilt from the packs alone (gr_store_scan_pack).
 *  - Nothing here commits anything: a pack is garbage until the catalog
 *    transaction that references it commits. A crash leaves orphan packs only.
 *  - Every chunk read is checked against its SHA-256.
 * The file format is documented in docs/formats.md (pack format v1).
 */
#ifndef GR_STORE_H
#define GR_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "util/pool.h"
#include "util/util.h"

#define GR_PACK_VERSION 1
#define GR_PACK_NAME_LEN 64              /* hex SHA-256 of the pack bytes */
/* Frames of 8 MiB at level 3 with an 8 MiB window store 0.5% less than zstd -3
 * on the whole input, at about the same CPU cost, while 1 MiB frames store 2%
 * more (measured on 419 MB of source-code JSONL; docs/formats.md). Reading one
 * record decompresses its frame: about 6 ms for a full 8 MiB frame. */
#define GR_FRAME_TARGET (8u * 1024 * 1024)  /* seal a frame once it holds this much */
#define GR_FRAME_MAX (16u * 1024 * 1024)    /* frames larger than this are corrupt */
#define GR_ZSTD_WINDOW_LOG 23               /* the window spans a whole frame */
#define GR_PACK_TARGET (64u * 1024 * 1024) /* start a new pack past this size */
/* Near the announced end of the input (gr_store_writer_expect) frames hold
 * half of what is left, down to this size, so the last ones compress side by
 * side instead of one 8 MiB frame alone after the input ends. */
#define GR_FRAME_TAIL_MIN (1u * 1024 * 1024)
#define GR_FRAME_MAX_CHUNKS 65536
#define GR_ZSTD_LEVEL 3
/* Level 3's tables, but the short-match table at 2^15 entries instead of
 * 2^16: on the bench corpus 5-6% less compression CPU for 0.12% more bytes
 * (docs/formats.md). Decoding does not depend on them. */
#define GR_ZSTD_HASH_LOG 17
#define GR_ZSTD_CHAIN_LOG 15

/* ---- backend: where pack files live (a local directory now; an object store later) ---- */

typedef struct gr_backend gr_backend;
struct gr_backend {
	/* Makes the staged local file durable as pack `name`; the staged file is consumed. */
	int (*put)(gr_backend *b, const char *name, const char *staged_path);
	/* Reads len bytes at off of pack `name`. */
	int (*read)(gr_backend *b, const char *name, uint64_t off, void *buf, size_t len);
	/* Size of pack `name`; GR_ENOTFOUND when absent. */
	int (*stat)(gr_backend *b, const char *name, uint64_t *size_out);
	/* Calls cb for every pack; stops with cb's non-zero return. */
	int (*list)(gr_backend *b, int (*cb)(const char *name, uint64_t size, void *ctx), void *ctx);
	/* Deletes pack `name` durably. */
	int (*del)(gr_backend *b, const char *name);
	void (*free)(gr_backend *b);
	void *impl;
};

/* A local directory backend: packs at dir/<aa>/<name>.pack. */
int gr_backend_local_new(gr_backend **out, const char *dir);

/* ---- the store ---- */

typedef struct gr_store gr_store;

/* Creates store_dir/{packs,tmp} if missing. */
int gr_store_init(const char *store_dir);
/* Opens the store with the local backend under store_dir/packs. */
int gr_store_open(gr_store **out, const char *store_dir);
void gr_store_close(gr_store *s);
gr_backend *gr_store_backend(gr_store *s);
const char *gr_store_tmpdir(gr_store *s);

/* Where a frame lives: what the catalog keeps per frame. */
typedef struct {
	char pack[GR_PACK_NAME_LEN + 1];
	uint64_t off;  /* offset of the zstd data frame in the pack */
	uint32_t clen; /* compressed length of the data frame */
	uint32_t ulen; /* bytes of chunk data it holds */
} gr_frame_loc;

/* A frame as written, reported to the caller once its pack is durable. */
typedef struct {
	uint64_t id; /* the id given by the writer (base + sequence) */
	gr_frame_loc loc;
	uint32_t nchunks;
} gr_frame_info;

typedef struct {
	char name[GR_PACK_NAME_LEN + 1];
	uint64_t size;
	const gr_frame_info *frames;
	size_t nframes;
} gr_pack_info;

/* ---- writing ---- */

typedef struct gr_store_writer gr_store_writer;

typedef struct {
	uint64_t first_frame_id; /* ids are assigned first_frame_id, +1, ... */
	int level;               /* zstd level; 0 means GR_ZSTD_LEVEL */
	uint32_t frame_target;   /* 0 means GR_FRAME_TARGET */
	uint64_t pack_target;    /* 0 means GR_PACK_TARGET */
	gr_pool *pool;           /* compresses frames; NULL compresses inline */
	/* Called from the writer's caller thread when a pack is complete (its
	 * name and frames known); it is made durable on another thread meanwhile
	 * and is durable once gr_store_writer_finish returns 0. A non-zero
	 * return aborts the write and is returned by the writer call. */
	int (*on_pack)(const gr_pack_info *pack, void *ctx);
	void *ctx;
} gr_store_writer_opts;

int gr_store_writer_new(gr_store_writer **out, gr_store *s, const gr_store_writer_opts *o);
/* Appends one chunk (copied). *frame_out and *off_out tell where it will be. */
int gr_store_writer_add(gr_store_writer *w, const uint8_t hash[GR_HASH_LEN], const void *data,
			uint32_t len, uint64_t *frame_out, uint32_t *off_out);
/* Tells the writer that about `more` bytes of chunk data are still to come
 * (an estimate; 0 forgets it). Frames then shrink toward the end (see
 * GR_FRAME_TAIL_MIN); where each chunk goes is unaffected otherwise. */
void gr_store_writer_expect(gr_store_writer *w, uint64_t more);
/* Seals the frame being filled, so its compression starts now; the writer
 * stays usable. Lets the caller overlap its own last work with it. */
int gr_store_writer_seal(gr_store_writer *w);
/* Seals, compresses and writes everything pending and reports every pack
 * through on_pack; the last pack may still be on its way to the disk. No
 * chunk may be added after. Lets the caller do its last work meanwhile. */
int gr_store_writer_close(gr_store_writer *w);
/* Closes the writer unless it is closed, and waits until every pack is
 * durable: when it returns 0 the caller may commit what references them. */
int gr_store_writer_finish(gr_store_writer *w);
/* Frees the writer; packs not yet durable are deleted, durable ones stay
 * (orphans until referenced) — see gr_store_writer_packs to undo those. */
void gr_store_writer_free(gr_store_writer *w);
/* Deletes every pack this writer made durable (undo of a failed operation
 * whose catalog transaction rolled back). */
int gr_store_writer_discard(gr_store_writer *w);
/* Bytes in (chunk data) and out (pack bytes) so far. */
void gr_store_writer_stats(const gr_store_writer *w, uint64_t *in, uint64_t *out);

/* ---- reading ---- */

typedef struct gr_store_reader gr_store_reader;

/* A reader keeps one decompression context and the last frame it decoded;
 * use one per thread. */
int gr_store_reader_new(gr_store_reader **out, gr_store *s);
void gr_store_reader_free(gr_store_reader *r);
/* Appends the chunk at [off, off+len) of the frame to out after checking its
 * SHA-256. frame_id keys the reader's frame cache. GR_ECORRUPT on any mismatch. */
int gr_store_read_chunk(gr_store_reader *r, uint64_t frame_id, const gr_frame_loc *f, uint32_t off,
			uint32_t len, const uint8_t hash[GR_HASH_LEN], gr_buf *out);

/* ---- scanning packs (verify, index rebuild) ---- */

typedef struct {
	uint8_t hash[GR_HASH_LEN];
	uint32_t off; /* within the frame's data */
	uint32_t len;
} gr_chunk_entry;

typedef struct {
	gr_frame_loc loc;
	const gr_chunk_entry *chunks;
	uint32_t nchunks;
	const uint8_t *data; /* decompressed data when asked for, else NULL */
	int status;          /* 0, or GR_ECORRUPT when the frame failed to decompress */
} gr_scan_frame;

/* Walks a pack's frame tables in order; with decompress, also decodes each
 * frame (status tells whether that worked). Returns GR_ECORRUPT when the
 * pack's structure itself is damaged (bad magic, torn table, truncation);
 * frames seen before the damage have been reported. */
int gr_store_scan_pack(gr_store *s, const char *name, bool decompress,
		       int (*cb)(const gr_scan_frame *f, void *ctx), void *ctx);

/* Removes staged temp files under store/tmp older than min_age seconds;
 * counts them into *removed. */
int gr_store_clean_tmp(gr_store *s, int64_t min_age, uint64_t *removed);

/* Calls cb with the decompressed bytes of every zstd frame found in
 * data[0..n) (at most GR_FRAME_MAX bytes of each; frames that do not decode
 * are skipped). */
int gr_store_each_zstd_frame(const void *data, size_t n, int (*cb)(const void *out, size_t len, void *ctx),
			     void *ctx);

/* ---- rewriting a pack without some chunks (removal; src/store/rewrite.c) ---- */
typedef struct {
	uint32_t index;   /* the frame's position in the old pack, from 0 */
	bool dropped;     /* it held only dropped chunks: it is gone */
	bool rebuilt;     /* recompressed: its chunks have new offsets (on_chunk) */
	gr_frame_loc loc; /* where it is in the new pack (pack name unset) */
	uint32_t nchunks;
} gr_rewrite_frame;

typedef struct {
	bool (*keep)(const uint8_t hash[GR_HASH_LEN], void *ctx);
	int (*on_frame)(const gr_rewrite_frame *f, void *ctx);
	/* a kept chunk of a rebuilt frame, at its new offset in the frame's data */
	int (*on_chunk)(uint32_t index, const uint8_t hash[GR_HASH_LEN], uint32_t off, void *ctx);
	void *ctx;
} gr_pack_rewrite;

/* Writes pack `name` again without the chunks keep() rejects: untouched
 * frames are copied byte for byte, the others recompressed with the chunks
 * kept, empty ones dropped. The new pack is durable under new_name when this
 * returns 0; the old one is not deleted. */
int gr_store_pack_rewrite(gr_store *s, const char *name, const gr_pack_rewrite *rw,
			  char new_name[GR_PACK_NAME_LEN + 1], uint64_t *new_size);

#endif
