/*
 * warc — a streaming reader of WARC files (ISO 28500) and of the HTTP
 * messages inside their records.
 *
 * The reader pulls bytes through a callback from an already decompressed
 * stream (the caller runs libarchive's filters: gzip per record, one gzip
 * stream, zstd, plain) and hands back one record at a time. Memory is bounded
 * whatever the input: one window that holds the current record's header and
 * block (1 MiB, or GR_WARC_MAX_HEADER + the block limit + GR_WARC_READ_SIZE
 * for a record that needs more), and, with HTTP decoding on, the decoded
 * payload (two buffers of at most the decode limit each, one per decoding
 * stage alive).
 * HTTP parsing and decoding are also plain functions on a block
 * (gr_warc_http_*), thread-safe on separate gr_warc_http structs, so a
 * pipeline can read records on one thread and decode on a worker pool.
 *
 * Formats read:
 *  - WARC/1.0 and WARC/1.1 (named fields after the version line);
 *  - WARC/0.17 (Heritrix 1.14 and later 1.x, the "ISO Committee Draft") and
 *    WARC/0.18 (ClueWeb09): the same named-field layout as 1.0 under their
 *    own version line, so they read like 1.0;
 *  - the earlier drafts WARC/0.9 and WARC/0.10 (Heritrix 1.10-1.12's
 *    "experimental" writer), whose version line carries positional fields:
 *    "WARC/0.10 data-length record-type subject-uri creation-date
 *    record-id content-type" (the two last appear in either order across
 *    drafts; the media type is the token with a '/' and no ':'), optionally
 *    followed by named fields. The drafts disagreed on what data-length
 *    counts: it is taken as the whole record from the version line when it
 *    is at least the header's size, else as the block alone (a named
 *    Content-Length, when there is one, wins). Best effort —
 *    these drafts were never standardised; resynchronisation absorbs a
 *    miscount.
 *  Any other "WARC/<digits>.<digits>" line is read as named fields.
 *
 * Framing rules:
 *  - header lines end in CRLF or a bare LF; field names compare without
 *    case; a line starting with SP or HT continues the previous value
 *    (unfolded to one space); a line without a colon is reported
 *    (GR_WARC_BAD_HEADER) and ignored, the record is kept;
 *  - Content-Length is mandatory and decimal; it alone frames the record;
 *  - records are separated by CRLF CRLF; missing, bare-LF or extra blank
 *    lines (blank: only SP, HT, CR) between records are accepted silently;
 *  - anything else between records is garbage: the reader scans for the
 *    next line that starts with "WARC/" and a digit, and reports the
 *    skipped byte range (GR_WARC_GARBAGE). A record whose header cannot
 *    frame it (no or bad Content-Length, an over-long line, header over the
 *    limit, end of stream in the header) is skipped the same way: its report
 *    spans from the record to the next "WARC/" line. (A "WARC/" line inside
 *    the skipped record's block may then be taken for a record: there is
 *    nothing better to go on.)
 *  - a record missing WARC-Type or WARC-Record-ID, or with more than
 *    GR_WARC_MAX_FIELDS fields, is reported and skipped by its length;
 *  - WARC-Date missing or unparsable: reported (GR_WARC_BAD_DATE) and the
 *    record is delivered with has_date false and date_raw as written — its
 *    content is intact and the date is metadata; a caller that needs dates
 *    can drop it;
 *  - a block over the block limit is streamed past unread and reported
 *    (GR_WARC_BLOCK_TOO_LARGE);
 *  - the end of the stream (or a failed read) inside a record is reported
 *    (GR_WARC_TRUNCATED); every record before it was delivered.
 *
 * Dates (WARC-Date, WARC-Refers-To-Date): W3C-DTF as WARC 1.1 allows —
 * YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DDThh:mmTZD, YYYY-MM-DDThh:mm:ssTZD,
 * YYYY-MM-DDThh:mm:ss.fTZD (up to 9 fraction digits kept, more ignored) —
 * with TZD "Z", "+hh:mm", "-hh:mm", "+hhmm", "-hhmm" or none (UTC), and the
 * 14-digit YYYYMMDDhhmmss of the 0.9/0.10 drafts and ARC. Every part is
 * range-checked (month, the days of that month, hour <= 23, minute <= 59,
 * second <= 60), so ClueWeb09's "2009-03-65T08:43:19-0800" is invalid.
 *
 * HTTP messages (request, response, revisit records):
 *  - start line: "HTTP/<d>[.<d>] <3 digits>[ <reason>]" (1.0, 1.1, and
 *    "HTTP/2" as some tools write it), or "<method> <target>[ HTTP/<d>.<d>]";
 *  - header fields as in WARC (CRLF or LF, folding unfolded); lines
 *    without a colon are ignored and counted (bad_lines); limits below; a
 *    head without its blank line ends at the end of the block;
 *  - body: the rest of the block. Undone in order: chunked (when
 *    Transfer-Encoding ends with it: chunk extensions ignored, trailers
 *    skipped), the other transfer codings last to first, then the content
 *    codings last to first. Codings: gzip and x-gzip (concatenated members
 *    too; trailing non-gzip bytes ignored), deflate (zlib-wrapped or raw,
 *    told apart by the zlib header check; a gzip stream sent as "deflate" is
 *    read too), br, identity. Without chunked, a Content-Length shorter
 *    than the rest of the block cuts the body there, a longer one is
 *    GR_WARC_HTTP_TRUNCATED (what is there is still decoded) — except in
 *    1xx, 204 and 304 responses, which have no body whatever their headers
 *    say (nothing there is nothing to decode);
 *  - coding names: a compression this reader cannot undo (compress,
 *    x-compress, zstd, sdch, xz, lzma, bzip2, x-bzip2, exi, pack200-gzip,
 *    aes128gcm) is GR_WARC_HTTP_UNKNOWN_ENCODING; any other name that is not
 *    a compression ("none", "utf-8", "binary", ...: servers send such) is
 *    ignored, as browsers do, and kept in unknown_coding. A body declared
 *    with one coding that fails to decode from its first byte and starts
 *    (after blanks) with '<' is taken as stored decoded (not_encoded): some
 *    crawlers decoded bodies and kept the header;
 *  - Common Crawl stores payloads decoded and then renames the headers that
 *    described the encoding to X-Crawler-Content-Encoding,
 *    X-Crawler-Transfer-Encoding and X-Crawler-Content-Length (and writes a
 *    fresh Content-Length). Renamed headers are never acted on, so such a
 *    body is taken as it is; cc_renamed notes that it happened;
 *  - Content-Type gives media_type and charset, lower-cased;
 *  - opt-out signals: tdm-reservation (0/1), tdm-policy, X-Robots-Tag
 *    (every header; comma lists; "agent: directive, ..." applies to that
 *    agent, up to the next agent in the same header), Link with
 *    rel="license".
 *
 * Threads: a reader is used by one thread at a time; separate readers and
 * separate gr_warc_http structs are independent. Nothing here prints.
 *
 * Errors: problems in the data are never returned as errors. Each is
 * reported through opts.report with its stream offset and a reason, then the
 * record is skipped (or delivered, for the problems that say so above);
 * reading goes on. With GR_WARC_HTTP, a record whose HTTP head is malformed
 * or over a limit, or whose body does not decode, is reported and skipped
 * too (GR_WARC_KEEP_DAMAGED delivers it, flagged, instead); a body cut short
 * in a record marked WARC-Truncated is delivered without a report.
 * gr_warc_next returns an error only when the read callback fails (GR_EIO)
 * or memory runs out (GR_ENOMEM); a partial record is reported as truncated
 * first.
 */
#ifndef GR_WARC_H
#define GR_WARC_H

#include <sys/types.h>

#include "util/util.h"

/* ---- limits (STYLE rule 7) ---- */

/* One WARC header line, its line end included. Longer: the record is skipped. */
#define GR_WARC_MAX_LINE (64u * 1024)
/* The whole WARC header, version line to blank line. Larger: skipped. */
#define GR_WARC_MAX_HEADER (256u * 1024)
/* Fields in one WARC header (continuation lines do not count). More: skipped. */
#define GR_WARC_MAX_FIELDS 256
/* Default and largest block held in memory; larger blocks are skipped. */
#define GR_WARC_MAX_BLOCK (64ull * 1024 * 1024)
/* Reads ask for all the room left in the window; a window grown for a
 * record keeps this much beyond it for reading. */
#define GR_WARC_READ_SIZE (256u * 1024)

/* One HTTP header line (start line included). Longer: GR_WARC_HTTP_LIMIT. */
#define GR_WARC_HTTP_MAX_LINE (64u * 1024)
/* HTTP head, start line to blank line. Larger: GR_WARC_HTTP_LIMIT. */
#define GR_WARC_HTTP_MAX_HEAD (256u * 1024)
/* HTTP header fields. More: GR_WARC_HTTP_LIMIT. */
#define GR_WARC_HTTP_MAX_FIELDS 256
/* Content and transfer codings to undo, chunked not counted. More: GR_WARC_HTTP_LIMIT. */
#define GR_WARC_HTTP_MAX_CODINGS 4
/* X-Robots-Tag agents kept by name (more: only in optout.robots_agents). */
#define GR_WARC_HTTP_MAX_AGENTS 8
/* Default and largest decoded body, after each decoding stage (bomb guard). */
#define GR_WARC_HTTP_MAX_DECODED ((size_t)64 * 1024 * 1024)
/* A chunk-size line with its extensions. Longer: GR_WARC_HTTP_BAD_CHUNKED. */
#define GR_WARC_CHUNK_MAX_LINE 4096

/* ---- strings ---- */

/* Bytes borrowed from the reader's window or from a parsed block; NOT
 * NUL-terminated. Absent: {NULL, 0}; present and empty: {non-NULL, 0}. */
typedef struct {
	const char *ptr;
	size_t len;
} gr_warc_str;

/* One header field, name and value trimmed of surrounding SP/HT. */
typedef struct {
	gr_warc_str name;
	gr_warc_str value;
} gr_warc_field;

bool gr_warc_str_eq(gr_warc_str s, const char *lit);  /* exact */
bool gr_warc_str_ieq(gr_warc_str s, const char *lit); /* ASCII case-insensitive */

/* ---- problems ---- */

enum gr_warc_problem {
	GR_WARC_GARBAGE = 1,           /* bytes between records; skipped */
	GR_WARC_TRUNCATED,             /* the stream ended or failed inside a record */
	GR_WARC_BAD_HEADER,            /* a WARC header line without a colon: ignored */
	GR_WARC_LINE_TOO_LONG,         /* WARC header line over GR_WARC_MAX_LINE */
	GR_WARC_HEADER_TOO_LARGE,      /* WARC header over GR_WARC_MAX_HEADER */
	GR_WARC_TOO_MANY_FIELDS,       /* over GR_WARC_MAX_FIELDS */
	GR_WARC_NO_LENGTH,             /* Content-Length missing */
	GR_WARC_BAD_LENGTH,            /* Content-Length not decimal, or two that differ */
	GR_WARC_MISSING_FIELD,         /* WARC-Type or WARC-Record-ID missing */
	GR_WARC_BAD_DATE,              /* WARC-Date missing or invalid; the record is kept */
	GR_WARC_BLOCK_TOO_LARGE,       /* block over the limit; skipped unread */
	GR_WARC_HTTP_BAD_HEAD,         /* HTTP start line malformed */
	GR_WARC_HTTP_LIMIT,            /* HTTP head limits: line, size, fields, codings */
	GR_WARC_HTTP_TRUNCATED,        /* body shorter than Content-Length, chunk or
					  compressed stream cut short */
	GR_WARC_HTTP_BAD_CHUNKED,      /* chunked transfer coding malformed */
	GR_WARC_HTTP_BAD_ENCODING,     /* gzip/deflate/br data corrupt */
	GR_WARC_HTTP_UNKNOWN_ENCODING, /* a compression coding not supported (compress, zstd, ...) */
	GR_WARC_HTTP_TOO_LARGE,        /* decoded body over the limit (bomb guard) */
	GR_WARC_PROBLEM_COUNT
};

const char *gr_warc_problem_name(enum gr_warc_problem p); /* "garbage", "truncated", ... */

/* ---- HTTP ---- */

enum gr_warc_coding {
	GR_WARC_CODING_UNSUPPORTED = 0, /* compress, x-compress, zstd, sdch, xz, lzma, bzip2, ... */
	GR_WARC_CODING_GZIP,    /* gzip, x-gzip */
	GR_WARC_CODING_DEFLATE, /* zlib or raw deflate */
	GR_WARC_CODING_BR,
};

/* X-Robots-Tag directives. */
enum {
	GR_WARC_ROBOTS_NOAI = 1u << 0,
	GR_WARC_ROBOTS_NOIMAGEAI = 1u << 1,
	GR_WARC_ROBOTS_NOINDEX = 1u << 2,
	GR_WARC_ROBOTS_NOFOLLOW = 1u << 3,
	GR_WARC_ROBOTS_NOARCHIVE = 1u << 4,
	GR_WARC_ROBOTS_NONE = 1u << 5, /* also sets NOINDEX and NOFOLLOW */
};

typedef struct {
	gr_warc_str agent; /* as written, e.g. "googlebot" */
	unsigned flags;    /* GR_WARC_ROBOTS_* */
} gr_warc_robots_agent;

/* Opt-out signals of an HTTP response. */
typedef struct {
	int tdm_reservation;    /* TDMRep: -1 absent (or neither 0 nor 1); 1 if any header says 1; else 0 */
	gr_warc_str tdm_policy; /* tdm-policy as written (a URL) */
	unsigned robots;        /* X-Robots-Tag directives that name no agent */
	unsigned robots_agents; /* union of the directives that name an agent */
	gr_warc_robots_agent agents[GR_WARC_HTTP_MAX_AGENTS]; /* per agent, merged by name */
	size_t n_agents;
	gr_warc_str license;    /* target of the first Link with rel="license" (no <>) */
} gr_warc_optout;

typedef struct {
	enum gr_warc_problem kind; /* 0 when none */
	size_t offset;             /* in the data given (the block) */
} gr_warc_http_error;

/*
 * A parsed HTTP message. Strings borrow from the data given to
 * gr_warc_http_parse or from the struct itself (unfolded values,
 * lower-cased media type); they stay valid until the next parse or release.
 */
typedef struct {
	bool response;        /* a status line; false: a request line */
	unsigned version;     /* 10*major + minor: 9 (no version), 10, 11, 20 */
	int status;           /* responses: the 3-digit code */
	gr_warc_str method;   /* requests */
	gr_warc_str target;   /* requests */
	gr_warc_str reason;   /* responses, may be empty */
	const gr_warc_field *fields;
	size_t n_fields;
	size_t bad_lines;     /* header lines without a colon, ignored */
	size_t head_len;      /* start line through the blank line: the body starts here */
	bool head_complete;   /* the blank line was there */

	int64_t content_length; /* -1: absent, not a number, or two that differ */
	bool chunked;           /* Transfer-Encoding ends with chunked */
	uint8_t codings[GR_WARC_HTTP_MAX_CODINGS]; /* enum gr_warc_coding, in the order the
						      sender applied them: Content-Encoding's, then
						      Transfer-Encoding's other than chunked */
	size_t n_codings;
	gr_warc_str unknown_coding; /* the first coding name not understood ({NULL,0}: none) */
	bool cc_renamed;            /* X-Crawler-Content-Encoding/-Transfer-Encoding/-Content-Length seen */
	bool not_encoded;           /* set by decode: declared gzip/deflate/br, but stored decoded */

	gr_warc_str content_type; /* as written */
	gr_warc_str media_type;   /* lower-case "type/subtype"; empty when none */
	gr_warc_str charset;      /* lower-case, unquoted; empty when none */
	gr_warc_optout optout;

	/* set by gr_warc_http_decode */
	const uint8_t *body;
	size_t body_len;

	/* private to src/warc */
	const void *priv_data; /* the data parsed */
	gr_warc_field *priv_fields;
	size_t priv_fields_cap;
	gr_buf priv_arena, priv_a, priv_b;
} gr_warc_http;

void gr_warc_http_init(gr_warc_http *h);
void gr_warc_http_release(gr_warc_http *h); /* frees what h holds, leaves it as after _init; NULL is fine */

/*
 * Parses the head of the HTTP message in data[0..n) (a record's block).
 * 0; or GR_EINVAL (start line malformed: err->kind GR_WARC_HTTP_BAD_HEAD),
 * GR_ELIMIT (GR_WARC_HTTP_LIMIT), GR_ENOMEM — with err set (may be NULL) and
 * the message set; the struct then holds no message.
 */
int gr_warc_http_parse(gr_warc_http *h, const void *data, size_t n, gr_warc_http_error *err);

/*
 * Decodes the body of the message parsed from the same data[0..n): sets
 * h->body/body_len to data + head_len when nothing is to be undone (no copy),
 * else to the decoded bytes h holds. max_decoded 0 means
 * GR_WARC_HTTP_MAX_DECODED; larger values are clamped to it.
 * 0; or GR_ECORRUPT (err->kind HTTP_TRUNCATED, HTTP_BAD_CHUNKED,
 * HTTP_BAD_ENCODING, HTTP_UNKNOWN_ENCODING), GR_ELIMIT (HTTP_TOO_LARGE),
 * GR_ENOMEM — then body/body_len hold what could be decoded before the
 * problem (for an unknown coding, the bytes still in it).
 */
int gr_warc_http_decode(gr_warc_http *h, const void *data, size_t n, size_t max_decoded,
			gr_warc_http_error *err);

/* The value of the first header field named name (case-insensitive), or NULL. */
const gr_warc_str *gr_warc_http_get(const gr_warc_http *h, const char *name);

/*
 * Undoes the chunked transfer coding of data[0..n), appending the chunk
 * data to out (which it may hold at most max bytes). 0 once the last chunk
 * (and the trailer section, if there) is read; bytes after it are ignored.
 * GR_ECORRUPT with err->kind GR_WARC_HTTP_TRUNCATED (data ends early) or
 * GR_WARC_HTTP_BAD_CHUNKED, GR_ELIMIT (GR_WARC_HTTP_TOO_LARGE), GR_ENOMEM;
 * out then holds the chunk data before the problem (a cut chunk's bytes
 * included). err may be NULL.
 */
int gr_warc_dechunk(gr_buf *out, const void *data, size_t n, size_t max, gr_warc_http_error *err);

/*
 * Undoes one content coding of data[0..n), appending to out (at most max
 * bytes held). Empty input decodes to nothing. Errors as gr_warc_http_decode
 * (GR_WARC_HTTP_TRUNCATED, _BAD_ENCODING, _TOO_LARGE); out then holds what
 * was decoded before the problem.
 */
int gr_warc_decode_coding(gr_buf *out, enum gr_warc_coding c, const void *data, size_t n, size_t max,
			  gr_warc_http_error *err);

/* ---- records ---- */

enum gr_warc_type {
	GR_WARC_OTHER = 0, /* a type this reader does not know: see type_name */
	GR_WARC_WARCINFO,
	GR_WARC_RESPONSE,
	GR_WARC_RESOURCE,
	GR_WARC_REQUEST,
	GR_WARC_METADATA,
	GR_WARC_REVISIT,
	GR_WARC_CONVERSION,
	GR_WARC_CONTINUATION,
	GR_WARC_TYPE_COUNT
};

const char *gr_warc_type_name(enum gr_warc_type t); /* "response", ...; "other" */

typedef struct {
	uint64_t offset;     /* of the 'W' of the version line, in the stream */
	uint64_t header_len; /* bytes from offset to the block */
	uint64_t block_len;  /* bytes of block (Content-Length) */
	unsigned version;    /* 100*major + minor: 100, 101, 17, 18, 10, 9 */
	bool legacy_header;  /* a 0.9/0.10 positional version line */

	enum gr_warc_type type;
	gr_warc_str type_name; /* WARC-Type as written */

	/* Named fields as written (first occurrence), except that target_uri
	 * and refers_to_target_uri lose wget's "<...>" wrapping. */
	gr_warc_str record_id;
	gr_warc_str target_uri;
	gr_warc_str date_raw;
	gr_warc_str content_type;
	gr_warc_str payload_digest;
	gr_warc_str block_digest;
	gr_warc_str ip_address;
	gr_warc_str concurrent_to;
	gr_warc_str refers_to;
	gr_warc_str refers_to_target_uri;
	gr_warc_str refers_to_date_raw;
	gr_warc_str identified_language;     /* WARC-Identified-Content-Language */
	gr_warc_str identified_payload_type; /* WARC-Identified-Payload-Type */
	gr_warc_str profile;
	gr_warc_str truncated; /* WARC-Truncated: "length", "time", ... */
	gr_warc_str warcinfo_id;
	gr_warc_str filename;

	bool has_date; /* WARC-Date parsed */
	int64_t date;  /* Unix seconds, UTC */
	uint32_t date_ns;
	bool has_refers_to_date;
	int64_t refers_to_date;
	uint32_t refers_to_date_ns;

	const gr_warc_field *fields; /* every header field, in order */
	size_t n_fields;

	const uint8_t *block; /* block_len bytes; never NULL */

	/* With GR_WARC_HTTP: http is set for records whose block is an HTTP
	 * message (Content-Type application/http, or none and a block that
	 * starts like one, in request, response and revisit records) and
	 * payload is its decoded body (a revisit's body is not decoded: it is
	 * normally empty). Otherwise http is NULL and payload is the block. */
	const gr_warc_http *http;
	const uint8_t *payload;
	size_t payload_len;
	/* Not all of the payload is there: WARC-Truncated says so (and then a
	 * cut HTTP body is not reported), or GR_WARC_KEEP_DAMAGED delivered a
	 * record whose block or body was cut. */
	bool payload_truncated;
	bool damaged; /* delivered under GR_WARC_KEEP_DAMAGED despite a report */
} gr_warc_record;

/* The value of the first WARC header field named name (case-insensitive), or NULL. */
const gr_warc_str *gr_warc_field_get(const gr_warc_record *rec, const char *name);

/* True when rec's block holds an HTTP message (the rule under record.http). */
bool gr_warc_record_is_http(const gr_warc_record *rec);

/* ---- the reader ---- */

typedef struct {
	enum gr_warc_problem kind;
	uint64_t offset;        /* first byte concerned, in the stream */
	uint64_t end;           /* one past the last byte skipped; == offset when none was */
	uint64_t record_offset; /* of the record concerned; UINT64_MAX between records */
	bool dropped;           /* a record was not delivered because of it */
	const char *reason;     /* a sentence; valid during the callback only */
} gr_warc_report;

/* Reads up to n bytes into buf: how many (> 0), 0 at the end of the stream,
 * or < 0 on failure (the reader then stops with GR_EIO). */
typedef ssize_t (*gr_warc_read_fn)(void *ctx, void *buf, size_t n);

enum {
	GR_WARC_HTTP = 1u << 0,         /* parse HTTP messages and decode their bodies */
	GR_WARC_KEEP_DAMAGED = 1u << 1, /* deliver records whose block or body is cut or does
					   not decode (the report is still made; record.damaged) */
};

typedef struct {
	unsigned flags;
	uint64_t max_block; /* 0: GR_WARC_MAX_BLOCK; larger values are clamped to it */
	size_t max_decoded; /* 0: GR_WARC_HTTP_MAX_DECODED; clamped likewise */
	/* Called for every problem; may be NULL; must not call the reader. */
	void (*report)(const gr_warc_report *rep, void *ctx);
	void *ctx;
} gr_warc_opts;

typedef struct {
	uint64_t records;                         /* delivered */
	uint64_t by_type[GR_WARC_TYPE_COUNT];     /* delivered, per type */
	uint64_t dropped;                         /* records reported and not delivered */
	uint64_t problems[GR_WARC_PROBLEM_COUNT]; /* reports, per kind */
	uint64_t garbage_bytes;                   /* bytes skipped outside records */
	uint64_t bytes;                           /* stream bytes consumed */
} gr_warc_stats;

typedef struct gr_warc_reader gr_warc_reader;

/* A reader of the stream read(ctx, ...) yields; opts may be NULL. ctx is
 * not owned. 0 or GR_ENOMEM. */
int gr_warc_reader_new(gr_warc_reader **out, gr_warc_read_fn read, void *ctx, const gr_warc_opts *opts);

/*
 * The next record. 0 with *out set to the record, whose pointers borrow from
 * the reader until the next call or _free; 0 with *out NULL at the end of the
 * stream (and on every call after it); GR_EIO when the read callback failed,
 * GR_ENOMEM — then *out is NULL, the message set, and every later call
 * returns the same code.
 */
int gr_warc_next(const gr_warc_record **out, gr_warc_reader *r);

const gr_warc_stats *gr_warc_reader_stats(const gr_warc_reader *r);
void gr_warc_reader_free(gr_warc_reader *r);

/*
 * Parses a WARC date (grammar above) from s[0..n) into Unix seconds and
 * nanoseconds. 0, or GR_EINVAL (outputs untouched, no message). Thread-safe.
 */
int gr_warc_parse_date(int64_t *out_sec, uint32_t *out_ns, const char *s, size_t n);

#endif
