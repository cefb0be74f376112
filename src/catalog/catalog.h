/*
 * catalog — the hub's SQLite database: sources, the store index (packs,
 * frames, chunks, contents), records, datasets, versions and membership.
 *
 * Invariants kept here:
 *  - The database runs in WAL mode with foreign keys on; migrations from
 *    schema/ are applied at open, in order, each in its own transaction, and
 *    PRAGMA user_version names the last one applied.
 *  - Writes happen between gr_catalog_begin and gr_catalog_commit; the commit
 *    is the hub's only commit point. A rollback leaves the catalog as it was.
 *  - A version's membership is a sorted list of record ids cut into blocks at
 *    content-defined points; identical blocks are stored once.
 * SQLite is used by this module only; its errors become gr_err codes here.
 */
#ifndef GR_CATALOG_H
#define GR_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

typedef struct gr_catalog gr_catalog;

#define GR_MEMBER_BLOCK_MIN 64
#define GR_MEMBER_BLOCK_AVG 2048  /* a power of two */
#define GR_MEMBER_BLOCK_MAX 16384

/* SQLite's cache lines of 16 KiB pages come from an arena in transparent
 * huge pages (pagemem.c says why). Called before any database is opened
 * (gr_catalog_open and the other openers do); once per process, later
 * calls do nothing; when SQLite was initialised first it keeps its own. */
void gr_sqlite_memory_setup(void);
typedef struct {
	bool active;
	size_t slot_bytes, slots_used, slots_peak, slots_made;
} gr_sqlite_memory;
void gr_sqlite_memory_stats(gr_sqlite_memory *out);

/* Opens (create: creates) the catalog at path and applies pending migrations. */
int gr_catalog_open(gr_catalog **out, const char *path, bool create);
void gr_catalog_close(gr_catalog *c);
int gr_catalog_schema_version(gr_catalog *c);

int gr_catalog_begin(gr_catalog *c);
int gr_catalog_commit(gr_catalog *c);
void gr_catalog_rollback(gr_catalog *c);
/* Checkpoints the WAL into the database file (TRUNCATE). */
int gr_catalog_checkpoint(gr_catalog *c);
/* PRAGMA integrity_check and foreign_key_check; the first problem in *problem. */
int gr_catalog_check(gr_catalog *c, gr_buf *problem);

/* ---- sources ---- */
int gr_catalog_source_get_or_add(gr_catalog *c, const char *name, const char *uri, int64_t *id_out);

/* A source's URI and retrieval date (each NULL when unknown; malloc'd);
 * GR_ENOTFOUND when no source has this name. */
int gr_catalog_source_info(gr_catalog *c, const char *name, char **uri, char **retrieved);
/* Sets a source's licence (GR_ENOTFOUND when no source has this name). */
int gr_catalog_source_license(gr_catalog *c, const char *name, const char *license);

/* ---- store index ---- */
int gr_catalog_next_frame_id(gr_catalog *c, uint64_t *out);
int gr_catalog_pack_add(gr_catalog *c, const char *name, uint64_t size, int64_t *id_out);
int gr_catalog_frame_add(gr_catalog *c, uint64_t id, int64_t pack, uint64_t off, uint32_t clen,
			 uint32_t ulen, uint32_t nchunks);
/* true when a content with this hash is stored. */
int gr_catalog_content_has(gr_catalog *c, const uint8_t hash[GR_HASH_LEN], bool *out);
int gr_catalog_chunk_has(gr_catalog *c, const uint8_t hash[GR_HASH_LEN], bool *out);
int gr_catalog_chunk_add(gr_catalog *c, const uint8_t hash[GR_HASH_LEN], uint64_t frame, uint32_t off,
			 uint32_t len);
/* Adds a single-chunk content unless one with this hash is stored: one
 * statement where content_has + content_add are two. *added tells which. */
int gr_catalog_content_add_single(gr_catalog *c, const uint8_t hash[GR_HASH_LEN], uint64_t len, bool *added);
/* chunk_hashes: NULL for a single-chunk content, else n × 32 bytes. */
int gr_catalog_content_add(gr_catalog *c, const uint8_t hash[GR_HASH_LEN], uint64_t len,
			   const uint8_t *chunk_hashes, size_t n);

/* Where one chunk of a content is. */
typedef struct {
	uint8_t hash[GR_HASH_LEN];
	uint64_t frame;
	uint32_t off, len;
	char pack[65];
	uint64_t frame_off;
	uint32_t clen, ulen;
} gr_chunk_loc;
/* Calls cb for each chunk of the content, in order. GR_ENOTFOUND when the
 * content or one of its chunks is not in the index. */
int gr_catalog_content_chunks(gr_catalog *c, const uint8_t hash[GR_HASH_LEN],
			      int (*cb)(const gr_chunk_loc *l, void *ctx), void *ctx);

/* Where one chunk is. GR_ENOTFOUND when it is not in the index. */
int gr_catalog_chunk_loc(gr_catalog *c, const uint8_t hash[GR_HASH_LEN], gr_chunk_loc *out);

/* Whether the catalog references a pack of this name. */
int gr_catalog_pack_known(gr_catalog *c, const char *name, bool *known);
/* Packs known to the catalog. */
int gr_catalog_pack_each(gr_catalog *c, int (*cb)(int64_t id, const char *name, uint64_t size, void *ctx),
			 void *ctx);
/* Frames of one pack, ordered by offset. */
typedef struct {
	uint64_t id;
	uint64_t off;
	uint32_t clen, ulen, nchunks;
} gr_frame_row;
int gr_catalog_pack_frames(gr_catalog *c, int64_t pack, int (*cb)(const gr_frame_row *f, void *ctx), void *ctx);
/* Chunks stored in a frame, ordered by offset. */
int gr_catalog_frame_chunks(gr_catalog *c, uint64_t frame,
			    int (*cb)(const uint8_t hash[GR_HASH_LEN], uint32_t off, uint32_t len, void *ctx),
			    void *ctx);
/* Records whose content uses the chunk (directly or as a part). */
int gr_catalog_chunk_records(gr_catalog *c, const uint8_t chunk[GR_HASH_LEN],
			     int (*cb)(int64_t rid, void *ctx), void *ctx);

/* ---- records ---- */
typedef struct {
	uint8_t addr[GR_HASH_LEN];
	uint8_t content[GR_HASH_LEN];
	const char *url;    /* may be NULL */
	const char *domain; /* may be NULL */
	const char *ts;     /* may be NULL */
	int64_t source;     /* 0: none */
	uint64_t len;
	const char *meta; /* JSON object text, may be NULL */
	size_t meta_len;
} gr_record_row;

/* *rid_out = 0 when absent. */
int gr_catalog_record_find(gr_catalog *c, const uint8_t addr[GR_HASH_LEN], int64_t *rid_out);
int gr_catalog_record_add(gr_catalog *c, const gr_record_row *r, int64_t *rid_out);

/* What a web capture said about a record (table record_web); strings may be NULL. */
typedef struct {
	const char *warc_id, *payload_digest;
	int status; /* 0: none */
	const char *media_type, *lang;
	bool tdm_reservation, noai, noimageai;
	const char *tdm_policy, *license, *license_url;
} gr_record_web;
int gr_catalog_record_web_add(gr_catalog *c, int64_t rid, const gr_record_web *w);
/* The content of the record read from the capture with this WARC-Record-ID,
 * else (digest not NULL) from a capture with this payload digest: what a
 * revisit record points to. GR_ENOTFOUND when the hub has neither. */
int gr_catalog_content_by_capture(gr_catalog *c, const char *warc_id, const char *digest, uint8_t content[GR_HASH_LEN],
				  uint64_t *len);

/* A record's content hash and length (cheaper than gr_catalog_record_get). */
int gr_catalog_record_content(gr_catalog *c, int64_t rid, uint8_t content[GR_HASH_LEN], uint64_t *len);

/* A record as read back; strings are owned by the struct. */
typedef struct {
	int64_t rid;
	uint8_t addr[GR_HASH_LEN];
	uint8_t content[GR_HASH_LEN];
	char *url, *domain, *ts, *source, *meta;
	uint64_t len;
} gr_record_info;
void gr_record_info_release(gr_record_info *r);
int gr_catalog_record_get(gr_catalog *c, int64_t rid, gr_record_info *out);
/* Resolves a hex id prefix (at least 8 hex digits) to a record id.
 * GR_ENOTFOUND, or GR_EINVAL when ambiguous or malformed. */
int gr_catalog_record_resolve(gr_catalog *c, const char *hex, int64_t *rid_out);

/* ---- datasets and versions ---- */
typedef struct {
	int64_t id;
	int64_t dataset_id;
	char *dataset;
	int num;
	char *operation, *message, *created, *author, *stats, *git_commit;
	uint64_t records, bytes;
	uint8_t digest[GR_HASH_LEN];
	int64_t parents[8];
	int nparents;
} gr_version_info;
void gr_version_info_release(gr_version_info *v);

int gr_catalog_dataset_find(gr_catalog *c, const char *name, int64_t *id_out); /* 0 when absent */
int gr_catalog_dataset_add(gr_catalog *c, const char *name, int64_t *id_out);
/* Calls cb per dataset with its head version (NULL when it has none). */
int gr_catalog_dataset_each(gr_catalog *c, int (*cb)(const char *name, const gr_version_info *head, void *ctx),
			    void *ctx);
/* Version num of dataset (num <= 0: the latest). GR_ENOTFOUND when absent. */
int gr_catalog_version_get(gr_catalog *c, int64_t dataset, int num, gr_version_info *out);
int gr_catalog_version_by_id(gr_catalog *c, int64_t id, gr_version_info *out);
/* Versions of a dataset, newest first. */
int gr_catalog_version_each(gr_catalog *c, int64_t dataset, int (*cb)(const gr_version_info *v, void *ctx),
			    void *ctx);
int gr_catalog_version_set_commit(gr_catalog *c, int64_t version, const char *oid);
/* Versions whose history commit is not written yet, oldest first. */
int gr_catalog_version_uncommitted(gr_catalog *c, int (*cb)(const gr_version_info *v, void *ctx), void *ctx);

/* ---- building a version's membership ----
 * A staging area collects the record ids of the version being built:
 * gr_catalog_stage_begin, then stage_record / stage_version, then
 * gr_catalog_version_create, which writes the version and clears it. The
 * stage is a bitmap in memory over record ids (ids are dense rowids, so
 * 10 million records take 1.25 MB); an id above GR_STAGE_MAX_ID is refused
 * (GR_ELIMIT). It keeps the count and bytes of the members as they come,
 * so making the version reads no record rows. */
#define GR_STAGE_MAX_ID (INT64_C(1) << 32) /* a 512 MiB bitmap at most */
int gr_catalog_stage_begin(gr_catalog *c);
/* Stages a record of len bytes; *added = false when it was staged already. */
int gr_catalog_stage_record(gr_catalog *c, int64_t rid, uint64_t len, bool *added);
/* Stages every member of an existing version (its counts taken from the
 * version when the stage is empty, else each new member's length looked up). */
int gr_catalog_stage_version(gr_catalog *c, int64_t version);
void gr_catalog_stage_end(gr_catalog *c);

typedef struct {
	int64_t dataset;
	const char *operation;
	const char *message;
	const char *author;
	int64_t created;
	const int64_t *parents;
	int nparents;
	const char *stats_json;
} gr_version_new;
/* Creates the next version of the dataset from the staged members; fills out
 * (num, counts, digest). */
int gr_catalog_version_create(gr_catalog *c, const gr_version_new *v, gr_version_info *out);

/* Calls cb(rid) for each member of a version in ascending record id order;
 * stops at cb's non-zero return. */
int gr_catalog_members_each(gr_catalog *c, int64_t version, int (*cb)(int64_t rid, void *ctx), void *ctx);
/* The same, skipping the blocks the other version shares: what differs
 * between two versions without reading what they have in common. */
int gr_catalog_members_each_except(gr_catalog *c, int64_t version, int64_t other,
				   int (*cb)(int64_t rid, void *ctx), void *ctx);
int gr_catalog_member_has(gr_catalog *c, int64_t version, int64_t rid, bool *out);
/* Bytes the catalog spends on a version's membership rows (for reporting). */
int gr_catalog_membership_bytes(gr_catalog *c, int64_t version, uint64_t *own, uint64_t *shared_blocks);

/* Creates the next version of the dataset with exactly these members: ids
 * sorted ascending, no repeats (GR_EINVAL otherwise), bytes their total
 * length. What a filter uses: no staging table between the query and the
 * version. */
int gr_catalog_version_create_ids(gr_catalog *c, const gr_version_new *v, const int64_t *ids, size_t n,
				  uint64_t bytes, gr_version_info *out);

/* ---- scans (schema/003_scan.sql) ----
 * What a scan learnt about one content: counts of personal data per entity
 * type (the order of gr_pii_type: email, phone, ip_address, credit_card,
 * iban, us_ssn, secret) and quality attributes. */
#define GR_SCAN_NPII 7
typedef struct {
	uint32_t pii[GR_SCAN_NPII];
	uint32_t words, lines;
	double mean_word_len, symbol_ratio, punct_line_frac, alpha_word_frac, dup_line_frac, dup_line_char_frac;
} gr_scan_row;
/* Stores (or replaces) the scan of a content, made by scanner version scanner. */
int gr_catalog_scan_put(gr_catalog *c, const uint8_t content[GR_HASH_LEN], int scanner, const gr_scan_row *r);
/* true when the content has a scan by this scanner version (or a newer one). */
int gr_catalog_scan_has(gr_catalog *c, const uint8_t content[GR_HASH_LEN], int scanner, bool *out);

/* ---- near-duplicate signatures and dedup records ---- */
/* The stored signature of a content under scheme (n bytes into sig); *found false when none. */
int gr_catalog_minhash_get(gr_catalog *c, const uint8_t content[GR_HASH_LEN], int scheme, void *sig, size_t n,
			   bool *found);
/* Whether any signature of this scheme is stored. */
int gr_catalog_minhash_any(gr_catalog *c, int scheme, bool *any);
int gr_catalog_minhash_put(gr_catalog *c, const uint8_t content[GR_HASH_LEN], int scheme, const void *sig, size_t n);
/* Records that a dedup left rid out of version, as a repeat of dup_of. kind: "exact" or "near". */
int gr_catalog_duplicate_add(gr_catalog *c, int64_t version, int64_t rid, int64_t dup_of, const char *kind);

/* ---- governance (schema/004_govern.sql) ---- */
typedef struct {
	int64_t id;
	char *kind, *selector_kind, *selector, *selector_hint, *requester, *basis, *received, *deadline, *notes;
	char *status, *created, *created_by, *applied, *applied_by, *result;
	uint8_t selector_key[16]; /* a keyed hash (src/govern/consent.h) */
} gr_request;
void gr_request_release(gr_request *r);
/* Adds a request (r->id ignored); its id in *id_out. */
int gr_catalog_request_add(gr_catalog *c, const gr_request *r, int64_t *id_out);
int gr_catalog_request_get(gr_catalog *c, int64_t id, gr_request *out); /* GR_ENOTFOUND */
/* Requests, oldest first. */
int gr_catalog_request_each(gr_catalog *c, int (*cb)(const gr_request *r, void *ctx), void *ctx);
/* Marks a request applied: status, when, by whom, the result (JSON); the
 * selector's clear text is dropped (its keyed hash and hint stay). */
int gr_catalog_request_applied(gr_catalog *c, int64_t id, const char *by, const char *result_json);
/* Replaces a request's result (JSON). */
int gr_catalog_request_result(gr_catalog *c, int64_t id, const char *result_json);
/* The applied requests whose work after the commit (old packs deleted, WAL
 * emptied, the check) never finished: their result is still the "{}" that
 * gr_catalog_request_applied was given. Up to max ids, oldest first. */
int gr_catalog_requests_unfinished(gr_catalog *c, int64_t *ids, size_t max, size_t *n);

/* Records whose url equals value (kind "url"), starts with it ("url-prefix"),
 * whose domain is value or a subdomain of it ("domain"), or whose content
 * hash is value (64 hex digits, "hash"); ascending ids. */
int gr_catalog_records_matching(gr_catalog *c, const char *kind, const char *value,
				int (*cb)(int64_t rid, void *ctx), void *ctx);
/* Records holding this content. */
int gr_catalog_records_with_content(gr_catalog *c, const uint8_t content[GR_HASH_LEN],
				    int (*cb)(int64_t rid, void *ctx), void *ctx);
/* Every stored content, in storage order (first frame first): for a search
 * through all texts. */
int gr_catalog_content_each(gr_catalog *c, int (*cb)(const uint8_t hash[GR_HASH_LEN], uint64_t len, void *ctx),
			    void *ctx);

typedef struct {
	int64_t rid, request;
	char public_id[17];
	char reason[256];
	char removed[32];
} gr_tombstone;
int gr_catalog_tombstone_add(gr_catalog *c, const gr_tombstone *t);
/* GR_ENOTFOUND when rid is not a tombstone (no error message is set then). */
int gr_catalog_tombstone_get(gr_catalog *c, int64_t rid, gr_tombstone *out);
/* Tombstones' record ids, ascending (the caller frees *ids). */
int gr_catalog_tombstone_ids(gr_catalog *c, int64_t **ids, size_t *n);

/* Deletes a record's rows: the record, its web facts, dedup rows naming it. */
int gr_catalog_record_purge(gr_catalog *c, int64_t rid);
/* When no record holds the content any more: deletes its scan, signature
 * and content rows and appends its chunk hashes to chunks_out (*purged
 * true); otherwise does nothing (*purged false). */
int gr_catalog_content_purge(gr_catalog *c, const uint8_t content[GR_HASH_LEN], gr_buf *chunks_out, bool *purged);
/* Whether a remaining content uses the chunk (as itself or as a part). */
int gr_catalog_chunk_in_use(gr_catalog *c, const uint8_t chunk[GR_HASH_LEN], bool *out);
/* The pack (id and name) holding a chunk. */
int gr_catalog_chunk_pack(gr_catalog *c, const uint8_t chunk[GR_HASH_LEN], int64_t *pack, char name[65]);
int gr_catalog_chunk_move(gr_catalog *c, const uint8_t chunk[GR_HASH_LEN], uint64_t frame, uint32_t off);
int gr_catalog_chunk_delete(gr_catalog *c, const uint8_t chunk[GR_HASH_LEN]);
/* A frame moved to another pack (its id stays: the chunks name it). */
int gr_catalog_frame_update(gr_catalog *c, uint64_t id, int64_t pack, uint64_t off, uint32_t clen, uint32_t ulen,
			    uint32_t nchunks);
int gr_catalog_frame_delete(gr_catalog *c, uint64_t id);
/* Deletes a pack's frame rows and its pack row (its chunks must be moved or deleted first). */
int gr_catalog_pack_delete(gr_catalog *c, int64_t pack);

/* key: a 16-byte keyed hash (src/govern/consent.h). */
int gr_catalog_suppression_add(gr_catalog *c, const uint8_t key[16], const char *kind, int words, int64_t request);
int gr_catalog_suppression_each(gr_catalog *c, int (*cb)(const uint8_t key[16], const char *kind, int words, void *ctx),
				void *ctx);

/* PRAGMA secure_delete: deleted rows are overwritten with zeros. */
int gr_catalog_secure_delete(gr_catalog *c, bool on);

/* The governance log (append-only). */
int gr_catalog_gov_log(gr_catalog *c, const char *who, const char *action, int64_t request, const char *detail);
int gr_catalog_gov_log_each(gr_catalog *c,
			    int (*cb)(int64_t id, const char *at, const char *who, const char *action, int64_t request,
				      const char *detail, void *ctx),
			    void *ctx);

/* ---- documentation and tags (schema/005_docs.sql) ---- */
/* The documents of a version, or of its nearest ancestor that has some
 * (*from: the version they belong to; 0 and *doc NULL when none). */
int gr_catalog_doc_get(gr_catalog *c, int64_t version, char **doc, int64_t *from);
/* When and by whom the documents row of version (the one gr_catalog_doc_get
 * found: its own or an ancestor's) was last written; GR_ENOTFOUND without one. */
int gr_catalog_doc_updated(gr_catalog *c, int64_t version, char **updated, char **by);
int gr_catalog_doc_put(gr_catalog *c, int64_t version, const char *doc, const char *by);
/* The stored policy (NULL when the default applies). */
int gr_catalog_policy_get(gr_catalog *c, char **policy);
int gr_catalog_policy_put(gr_catalog *c, const char *policy, const char *by);
int gr_catalog_tag_add(gr_catalog *c, const char *name, int64_t version, const char *by, const char *message);
/* GR_ENOTFOUND when there is no such tag. */
int gr_catalog_tag_get(gr_catalog *c, const char *name, int64_t *version);
int gr_catalog_tag_each(gr_catalog *c,
			int (*cb)(const char *name, int64_t version, const char *created, const char *by,
				  const char *message, void *ctx),
			void *ctx);

/* The path of the catalog's database file (the query engine opens its own,
 * read-only connection to it). */
const char *gr_catalog_path(gr_catalog *c);

/* For tests: the membership block encoder (see catalog.c). */
bool gr_member_cut(int64_t rid, uint32_t count);

#endif
