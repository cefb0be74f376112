/*
 * jsonl — a fast, fully validating parser for one JSON-Lines record.
 *
 * The ingest hot path hands every line of a JSONL shard to
 * gr_json_parse_object(). It validates the whole line per RFC 8259 (plus
 * strict UTF-8 and no lone surrogate escapes) and reports the top-level
 * members as spans into the line: nothing is allocated and nothing is
 * decoded until the caller asks for it with gr_json_unescape(). String
 * bodies are scanned 64 bytes per step with SSE2; on CPUs with AVX2 the line
 * is checked as UTF-8 up front (SIMD), so the scan stops only at '"', '\\'
 * and control bytes. x86-64 only.
 *
 * Hard limits (both reported as GR_ELIMIT, see STYLE.md rule 7):
 *   GR_JSON_MAX_DEPTH    nesting of objects/arrays; the top-level object is
 *                        depth 1, so {"a":[...]} has depth 2.
 *   GR_JSON_MAX_MEMBERS  members of the top-level object (nested objects
 *                        are validated but their members are not stored, so
 *                        they are unbounded in count; the line length bounds them).
 */
#ifndef GR_INGEST_JSONL_H
#define GR_INGEST_JSONL_H

#include "util/util.h"

enum gr_json_type {
	GR_JSON_STRING,
	GR_JSON_NUMBER,
	GR_JSON_OBJECT,
	GR_JSON_ARRAY,
	GR_JSON_TRUE,
	GR_JSON_FALSE,
	GR_JSON_NULL
};

/* One top-level member. All pointers borrow from the parsed line. */
typedef struct {
	const char *key; size_t key_len;   /* raw key bytes between the quotes (escapes not decoded) */
	const char *val; size_t val_len;   /* raw JSON text of the value (strings include their quotes) */
	enum gr_json_type type;
	bool key_escaped;                  /* key contains a backslash */
	bool val_escaped;                  /* string value contains a backslash escape */
} gr_json_member;

#define GR_JSON_MAX_DEPTH 64       /* nesting limit; deeper input is rejected with GR_ELIMIT */
#define GR_JSON_MAX_MEMBERS 1024   /* top-level members per object; more => GR_ELIMIT */

/*
 * Parses one line (no trailing newline; leading/trailing JSON whitespace
 * allowed, and a trailing '\r' is whitespace) that must hold exactly one JSON
 * object. Validates the whole text per RFC 8259: structure, numbers, string
 * escapes (\uXXXX incl. surrogate pairs; a lone surrogate escape is an
 * error), no raw control chars < 0x20 in strings, and strict UTF-8 of all
 * string bytes (reject overlongs, surrogates, > U+10FFFF). Bytes outside
 * strings must be JSON syntax, so they are ASCII.
 *
 * Fills members[0..*n_out) with the top-level members in order; duplicate
 * keys are allowed (members keep both). At most
 * min(max_members, GR_JSON_MAX_MEMBERS) members are accepted, more is
 * GR_ELIMIT. members may be NULL when max_members is 0; n_out and err_off may
 * be NULL.
 *
 * Returns 0, or GR_EINVAL (malformed) / GR_ELIMIT (too deep, too many
 * members). On error sets *err_off to the byte offset of the problem (the
 * opening quote for an unterminated string, the first byte of a bad UTF-8
 * sequence or escape, else the first byte that could not be accepted; always
 * <= len), sets the thread error message via gr_error_set (e.g. "expected ':'
 * after key at byte 17"), leaves *n_out untouched and members[] in an
 * unspecified state.
 *
 * Never reads outside line[0..len) (line need not be NUL-terminated) and
 * never allocates. Thread-safe.
 */
int gr_json_parse_object(const char *line, size_t len, gr_json_member *members, size_t max_members,
			 size_t *n_out, size_t *err_off);

/*
 * gr_json_parse_object without the AVX2 UTF-8 pre-check: the portable path,
 * which validates UTF-8 sequence by sequence as it scans. Same contract and
 * results; gr_json_parse_object uses it on CPUs without AVX2 and for lines
 * that are not valid UTF-8. Exposed so tests and the fuzzer can check that
 * both paths agree.
 */
int gr_json_parse_object_portable(const char *line, size_t len, gr_json_member *members,
				  size_t max_members, size_t *n_out, size_t *err_off);

/*
 * Appends the decoded bytes of a JSON string value (raw text including its
 * quotes, as produced above: m->val/m->val_len of a GR_JSON_STRING member)
 * to out. Fast path: when there is no backslash, one memcpy. \u0000 decodes
 * to a NUL byte, so use out->len, not strlen. Returns 0 or a negative gr_err:
 * GR_EINVAL when raw is not quoted or holds a malformed escape (out is then
 * unchanged), GR_ENOMEM. Raw text that did not come from the parser is
 * handled safely but not validated beyond its escapes (no UTF-8 check).
 */
int gr_json_unescape(gr_buf *out, const char *raw, size_t raw_len);

/*
 * Decodes a JSON string value the same way, into the bytes it occupies:
 * raw[0..*len_out) is the decoded string (a decoded string is never longer
 * than its quoted form). Saves a copy when the raw text is not needed again.
 * GR_EINVAL as above; the bytes of raw are then unspecified.
 */
int gr_json_unescape_inplace(char *raw, size_t raw_len, size_t *len_out);

/*
 * Same for a key (m->key/m->key_len, which exclude the quotes). Use when
 * m->key_escaped; otherwise the raw key is already its decoded form.
 */
int gr_json_unescape_key(gr_buf *out, const gr_json_member *m);

/* True when the member's decoded key equals key (handles escaped keys). */
bool gr_json_key_eq(const gr_json_member *m, const char *key);

#endif
