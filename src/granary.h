/*
 * libgranary's public interface: a hub and the operations on it. Functions
 * return 0 or a negative gr_err; gr_error_last() tells what went wrong.
 * The CLI (cli/granary.c) and the daemon are thin front ends over this.
 *
 * A hub is one directory:
 *   catalog.db   SQLite catalog (the only commit point)
 *   store/       packs/ (immutable pack files) and tmp/ (staging)
 *   history.git  bare git repository, one commit per dataset version
 *   lock         held (flock) by the process writing to the hub
 */
#ifndef GRANARY_H
#define GRANARY_H

#include <stdbool.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "ingest/ingest.h"
#include "util/util.h"

#define GR_DATASET_NAME_MAX 64

typedef struct gr_hub gr_hub;

/* Creates a hub in dir (made if missing). GR_EEXIST if one is there. */
int gr_hub_init(const char *dir);
/* Opens an existing hub. */
int gr_hub_open(gr_hub **out, const char *dir);
void gr_hub_close(gr_hub *h);
const char *gr_hub_path(const gr_hub *h);
gr_catalog *gr_hub_catalog(gr_hub *h);

/* True when name can be a dataset: [A-Za-z0-9][A-Za-z0-9._-]*, at most 64, and a valid git branch. */
bool gr_dataset_name_valid(const char *name);

/* Resolves "DATASET", "DATASET@vN" or "DATASET@N" to a version. */
int gr_hub_resolve(gr_hub *h, const char *spec, gr_version_info *out);

/* ---- ingest ---- */
typedef struct {
	const char *text_field;
	const char *source;
	const char *message;
	bool strict;
	bool replace; /* the new version holds only these files' records (default: adds to the head) */
	int threads;  /* worker threads; 0: one per CPU */
	gr_format format;   /* GR_FORMAT_AUTO: detected per file */
	bool keep_optout;   /* keep captures whose response reserved TDM rights (flagged) */
	bool keep_status;   /* keep HTTP responses other than 2xx */
	bool drop_boilerplate; /* HTML: drop nav, aside, footer, header text */
	const char *author; /* who asked (the daemon's caller); NULL: this process's user */
	void (*bad_line)(const char *file, uint64_t line, const char *why, void *ctx);
	void (*progress)(const gr_ingest_progress *p, void *ctx);
	void *ctx;
	volatile int *cancel;
} gr_hub_ingest_opts;

typedef struct {
	gr_ingest_stats stats;
	uint64_t bytes_stored; /* pack bytes written */
	double seconds;
	/* The version committed but its history commit failed: why (gc writes it later). */
	char history_warning[512];
} gr_hub_ingest_result;

/* Creates DATASET@vN from the files; on any failure the hub is as it was. */
int gr_hub_ingest(gr_hub *h, const char *dataset, const char *const *files, size_t nfiles,
		  const gr_hub_ingest_opts *o, gr_version_info *version_out, gr_hub_ingest_result *res);

/* ---- reading ---- */
/* Appends a record's text to out, checking every hash on the way. */
int gr_hub_read_text(gr_hub *h, const gr_record_info *r, gr_buf *out);
/* Resolves a record id (hex prefix) that must be a member of the version. */
int gr_hub_record_in_version(gr_hub *h, const gr_version_info *v, const char *id, int64_t *rid_out);
/* Writes the 16-hex-digit public id of a record. */
void gr_record_id(char out[17], const uint8_t addr[GR_HASH_LEN]);

/* Calls cb for record ids added (in b, not a) and removed (in a, not b). */
int gr_hub_diff(gr_hub *h, const gr_version_info *a, const gr_version_info *b,
		int (*cb)(int64_t rid, bool added, void *ctx), void *ctx);

/* Appends one export line (JSON object and '\n') for a record. */
int gr_hub_export_line(gr_hub *h, const gr_record_info *r, gr_buf *out);
/* Writes a version as JSON Lines to path (".zst" suffix: zstd-compressed),
 * atomically; *records_out and *bytes_out count records and text bytes. */
int gr_hub_export(gr_hub *h, const gr_version_info *v, const char *path,
		  void (*progress)(uint64_t done, uint64_t total, void *ctx), void *ctx, uint64_t *records_out,
		  uint64_t *bytes_out);

/* ---- maintenance ---- */
typedef struct {
	bool full; /* decompress and re-hash every chunk */
	void (*problem)(const char *what, void *ctx);
	/* remarks that are not failures: orphan packs, pending history commits */
	void (*note)(const char *what, void *ctx);
	void (*damaged)(const char *record_id, const char *dataset_versions, void *ctx);
	void (*progress)(uint64_t done, uint64_t total, void *ctx);
	void *ctx;
	volatile int *cancel; /* set non-zero from elsewhere to stop with GR_EINTR */
} gr_verify_opts;

typedef struct {
	uint64_t packs, frames, chunks, bytes, versions;
	uint64_t problems, damaged_records, orphan_packs;
	uint64_t history_pending; /* versions whose history commit is not written yet (gc writes them) */
} gr_verify_result;

/* GR_ECORRUPT when anything is wrong (each problem reported through opts). */
int gr_hub_verify(gr_hub *h, const gr_verify_opts *o, gr_verify_result *res);

typedef struct {
	uint64_t orphan_packs, orphan_bytes, tmp_files;
	uint64_t history_synced;
} gr_gc_result;
int gr_hub_gc(gr_hub *h, gr_gc_result *res);

/* Writes history commits for versions that lack one (after a crash between
 * the catalog commit and the history commit). */
int gr_hub_sync_history(gr_hub *h, uint64_t *written);

#endif
