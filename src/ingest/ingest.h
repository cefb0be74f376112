/*
 * ingest — turns input files into records in the catalog and chunks in the
 * store, inside the caller's transaction and membership staging.
 *
 * JSON Lines (.jsonl, .json; plain or gzip/zstd/xz/bzip2-compressed, detected
 * by content) are read in blocks, parsed and hashed on the worker pool, and
 * committed to the catalog in input order on the calling thread. Memory is
 * bounded by GR_INGEST_BLOCK × GR_INGEST_INFLIGHT, whatever the input size.
 * A malformed line is reported through the callback with file and line and
 * skipped; in strict mode it fails the ingest instead.
 */
#ifndef GR_INGEST_H
#define GR_INGEST_H

#include "catalog/catalog.h"
#include "store/store.h"
#include "util/pool.h"

#define GR_INGEST_BLOCK (4u * 1024 * 1024)       /* input bytes per parse task */
#define GR_INGEST_INFLIGHT 4                     /* parse tasks in flight */
#define GR_INGEST_MAX_LINE (64u * 1024 * 1024)   /* longer lines are skipped as malformed */
#define GR_INGEST_MAX_TEXT GR_INGEST_MAX_LINE    /* one record's text */
#define GR_INGEST_MAX_DECOMPRESSED (1ull << 40)  /* 1 TiB per compressed input file */

typedef struct {
	uint64_t files;
	uint64_t records_in;  /* well-formed input records */
	uint64_t records_new; /* records the hub did not have */
	uint64_t members;     /* distinct records added to the version */
	uint64_t duplicates;  /* repeats of a record, or new records whose text was already stored */
	uint64_t skipped;     /* malformed lines */
	uint64_t bytes_in;    /* input bytes after decompression */
	uint64_t text_bytes;  /* bytes of record text */
	uint64_t contents_new;
	uint64_t chunk_bytes_new; /* bytes of new chunk data handed to the store */
} gr_ingest_stats;

typedef struct {
	const char *file;
	uint64_t bytes_done, bytes_total; /* of the current file, as read from disk */
	uint64_t records;
	uint64_t files_done, files_total;
} gr_ingest_progress;

typedef struct {
	const char *text_field; /* NULL: "text", else "content" */
	const char *source;     /* source name; NULL: each file's base name */
	bool strict;
	/* Called for each malformed line; may be NULL. */
	void (*bad_line)(const char *file, uint64_t line, const char *why, void *ctx);
	void (*progress)(const gr_ingest_progress *p, void *ctx);
	void *ctx;
	volatile int *cancel; /* set non-zero from elsewhere to stop with GR_EINTR */
} gr_ingest_opts;

/* Ingests files. The caller has begun a catalog transaction and a staging
 * area, and owns the pool and the store writer (whose packs it must discard
 * if the transaction does not commit). Stats accumulate into *stats. */
int gr_ingest_files(gr_catalog *cat, gr_store_writer *w, gr_pool *pool, const char *const *files, size_t nfiles,
		    const gr_ingest_opts *o, gr_ingest_stats *stats);

/* The host of a URL, lower-cased, without user info or port; NULL if none. */
char *gr_url_domain(const char *url, size_t len);

#endif
