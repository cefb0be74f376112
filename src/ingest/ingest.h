/*
 * ingest — turns input files into records in the catalog and chunks in the
 * store, inside the caller's transaction and membership staging.
 *
 * Each input is a file or a directory (read recursively, in name order).
 * A file's format is detected by its content (after any gzip/zstd/xz/bzip2
 * compression): JSON Lines; WARC; an archive (tar, zip, ... — a WebDataset
 * shard when its members group by key); else plain text (one record).
 * JSON Lines are read in blocks, parsed and hashed on the worker pool, and
 * committed to the catalog in input order on the calling thread; documents
 * of the other formats go through the same pool and commit stage. Memory is
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
/* archives and shards (tar, zip; WebDataset) */
#define GR_INGEST_MAX_MEMBER GR_INGEST_MAX_TEXT   /* one member, decompressed */
#define GR_INGEST_MAX_MEMBERS 10000000            /* members per archive */
#define GR_INGEST_MAX_EXPANSION (1ull << 40)      /* all members of one archive, decompressed */
#define GR_INGEST_MAX_DEPTH 64                    /* directory nesting when ingesting a directory */

/* Input formats; GR_FORMAT_AUTO detects each file's by its content. */
typedef enum {
	GR_FORMAT_AUTO,
	GR_FORMAT_JSONL,
	GR_FORMAT_WARC,
	GR_FORMAT_TEXT,    /* the whole file is one record */
	GR_FORMAT_ARCHIVE, /* tar, zip, ...: each text-like member is a record */
	GR_FORMAT_WEBDATASET,
} gr_format;
/* "jsonl", "warc", "text", "archive", "webdataset" (also "tar", "zip", "wds"); GR_FORMAT_AUTO for "auto"; -1 if unknown. */
int gr_format_parse(const char *name);
const char *gr_format_name(gr_format f);

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
	/* web captures (WARC) */
	uint64_t captures;        /* response, resource, conversion and revisit records read */
	uint64_t optout_dropped;  /* captures whose own response reserved TDM rights (--respect-optout) */
	uint64_t optout_flagged;  /* kept, with an opt-out or noai signal recorded */
	uint64_t not_text;        /* captures that hold no text (images, scripts, empty pages) */
	uint64_t status_skipped;  /* responses other than 2xx (without --keep-status) */
	uint64_t revisits;        /* revisit records kept as pointers to the payload they repeat */
	uint64_t scanned;         /* --scan: records scanned as they came in */
	uint64_t suppressed;      /* records dropped: they match a removal (src/govern/consent.h) */
} gr_ingest_stats;

typedef struct {
	const char *file;
	uint64_t bytes_done, bytes_total; /* of the current file, as read from disk */
	uint64_t records;
	uint64_t files_done, files_total;
} gr_ingest_progress;

struct gr_pii_db;
struct gr_suppress;
typedef struct {
	const char *text_field; /* NULL: "text", else "content" */
	const char *source;     /* source name; NULL: each file's base name */
	bool strict;
	gr_format format;       /* GR_FORMAT_AUTO: detect per file */
	bool keep_optout;       /* keep (flagged) captures whose response reserved TDM rights */
	bool keep_status;       /* keep responses other than 2xx */
	bool drop_boilerplate;  /* HTML: drop nav, aside, footer, header text (kept by default, as in WET) */
	/* Called for each malformed line or record (line 0: the reason says where); may be NULL. */
	void (*bad_line)(const char *file, uint64_t line, const char *why, void *ctx);
	void (*progress)(const gr_ingest_progress *p, void *ctx);
	void *ctx;
	volatile int *cancel; /* set non-zero from elsewhere to stop with GR_EINTR */
	/* --scan: scan each text for PII and quality as it comes in (on the
	 * workers) and store the results; NULL: no scan */
	const struct gr_pii_db *scan_db;
	/* the suppression list of past removals; NULL or empty: none */
	const struct gr_suppress *suppress;
} gr_ingest_opts;

/* Ingests files. The caller has begun a catalog transaction and a staging
 * area, and owns the pool and the store writer (whose packs it must discard
 * if the transaction does not commit). Stats accumulate into *stats. */
int gr_ingest_files(gr_catalog *cat, gr_store_writer *w, gr_pool *pool, const char *const *files, size_t nfiles,
		    const gr_ingest_opts *o, gr_ingest_stats *stats);

/* The default source name of an input: its base name without a compression
 * suffix, so a.jsonl and a.jsonl.gz give the same records (malloc'd; NULL: out of memory). */
char *gr_source_name(const char *path);

/* The host of a URL, lower-cased, without user info or port; NULL if none. */
char *gr_url_domain(const char *url, size_t len);

#endif
