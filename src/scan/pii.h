/*
 * scan/pii — finds personal data and secrets in UTF-8 text.
 *
 * One Vectorscan (Hyperscan API) database, compiled once, finds candidates
 * for every entity type in a single pass over the text; each candidate is
 * then validated in C (check digits, registries, boundaries, context) and
 * overlapping results are resolved. The entity types and what each accepts
 * are documented in src/scan/rules.c; in short:
 *
 *   EMAIL        local@domain, delimiter-guarded, real TLD (compiled list)
 *   PHONE        only with a marker: +country code (or 00), (area), NANP
 *                3-3-4 with one separator, or a trunk 0 and a separator;
 *                E.164 digit counts; not dates, versions, ISBNs, URLs
 *   IP_ADDRESS   IPv4 (no leading zeros, not inside longer dotted runs) and
 *                IPv6 (inet_pton); span.global says whether it is global
 *   CREDIT_CARD  12-19 digits, consistent separators, issuer prefix, Luhn
 *   IBAN         country length and BBAN structure (ISO 13616), mod-97
 *   US_SSN       area/group/serial rules; bare 9 digits only after a
 *                context word (ssn, social security)
 *   SECRET       provider tokens (AWS, GitHub, GitLab, Slack, Google,
 *                Stripe), private key blocks, JWTs; entropy floor and a
 *                placeholder allowlist
 *
 * Spans are byte offsets into the UTF-8 input; every span begins and ends
 * on an ASCII byte, so cutting the text at span edges keeps valid UTF-8
 * valid. The spans of one scan are sorted by start and never overlap.
 *
 * Threads: a gr_pii_db is immutable once made and may be shared by any
 * number of threads; each thread scans with its own gr_pii_scanner.
 */
#ifndef GR_SCAN_PII_H
#define GR_SCAN_PII_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

typedef enum {
	GR_PII_EMAIL,
	GR_PII_PHONE,
	GR_PII_IP_ADDRESS,
	GR_PII_CREDIT_CARD,
	GR_PII_IBAN,
	GR_PII_US_SSN,
	GR_PII_SECRET,
	GR_PII_NTYPES
} gr_pii_type;

/* "EMAIL", "PHONE", "IP_ADDRESS", "CREDIT_CARD", "IBAN", "US_SSN", "SECRET";
 * "?" for a value out of range. */
const char *gr_pii_type_name(gr_pii_type t);
/* Parses a name as above (case-insensitive). 0, or GR_EINVAL. */
int gr_pii_type_parse(const char *name, gr_pii_type *out);

typedef struct {
	gr_pii_type type;
	uint32_t start, end; /* byte offsets, start < end */
	/* IP_ADDRESS: true for a globally routable address. False for private,
	 * loopback, link-local, documentation, CGNAT, benchmarking, reserved,
	 * unspecified and multicast ranges, IPv6 ULA, and the well-known public
	 * DNS resolvers (shared infrastructure, not a person's address). Such
	 * addresses are reported but not counted or redacted by default.
	 * Always true for the other types. */
	bool global;
} gr_pii_span;

/* Type masks for gr_pii_count and gr_pii_redact. */
#define GR_PII_MASK(t) (1u << (t))
#define GR_PII_ALL_TYPES ((1u << GR_PII_NTYPES) - 1)
/* Or'ed into a mask: also count/redact IP addresses that are not global. */
#define GR_PII_NONGLOBAL_IPS (1u << 31)

/* Parses a list of type names ("EMAIL,PHONE"; "all" or "": every type)
 * into a mask for gr_pii_count / gr_pii_redact. 0, or GR_EINVAL. */
int gr_pii_mask_parse(const char *list, uint32_t *mask);

/* Limits (STYLE.md rule 7). A longer text is GR_ELIMIT; a text that yields
 * more candidates than GR_PII_MAX_CANDIDATES is GR_ELIMIT too (only
 * adversarial input comes near: it takes a candidate every 16 bytes of a
 * 64 MiB record). */
#define GR_PII_MAX_TEXT ((size_t)UINT32_MAX)
#define GR_PII_MAX_CANDIDATES ((size_t)1 << 22)

typedef struct gr_pii_db gr_pii_db;           /* compiled patterns, shared */
typedef struct gr_pii_scanner gr_pii_scanner; /* one per thread */

/* Compiles the pattern database (about 0.1 s). 0, or GR_ENOMEM / GR_ERROR
 * (Vectorscan refused; e.g. a CPU without SSSE3). */
int gr_pii_db_new(gr_pii_db **out);
void gr_pii_db_free(gr_pii_db *db);

/* A scanner for one thread; db must outlive it. 0, or GR_ENOMEM/GR_ERROR. */
int gr_pii_scanner_new(gr_pii_scanner **out, const gr_pii_db *db);
void gr_pii_scanner_free(gr_pii_scanner *s);

/*
 * Scans text[0..n) (need not be NUL-terminated, nor valid UTF-8: invalid
 * bytes are simply never part of a span). On success *spans points to
 * *nspans spans owned by the scanner, valid until its next scan or free,
 * and counts (when not NULL) holds the spans per type as gr_pii_count()
 * with GR_PII_ALL_TYPES gives them (non-global IPs not counted).
 * Returns 0, or GR_ELIMIT (text longer than GR_PII_MAX_TEXT, too many
 * candidates), GR_ENOMEM, GR_ERROR; then *spans, *nspans and counts are
 * untouched. The scanner stays usable after an error.
 */
int gr_pii_scan(gr_pii_scanner *s, const char *text, size_t n, const gr_pii_span **spans,
		size_t *nspans, uint32_t counts[GR_PII_NTYPES]);

/* Counts spans[0..n) per type into counts (overwritten): only types in
 * mask, and IP addresses only when global unless GR_PII_NONGLOBAL_IPS. */
void gr_pii_count(const gr_pii_span *spans, size_t n, uint32_t mask, uint32_t counts[GR_PII_NTYPES]);

/*
 * Appends text[0..n) to out with each span whose type is in mask replaced by
 * "<" type name ">" (e.g. "<EMAIL>", "<IP_ADDRESS>"); IP addresses that are
 * not global are kept unless mask has GR_PII_NONGLOBAL_IPS. spans must be
 * sorted, non-overlapping and inside the text, as gr_pii_scan returns them:
 * otherwise GR_EINVAL and out is unchanged. GR_ENOMEM: out is cut back to
 * its old length.
 */
int gr_pii_redact(const char *text, size_t n, const gr_pii_span *spans, size_t nspans, uint32_t mask,
		  gr_buf *out);

#endif
