/*
 * govern/consent — what a removal request leaves behind so that removed
 * data stays out: keyed hashes of selectors and contents (the suppression
 * list), the normal form of text selectors, and the check every ingest runs
 * against the list.
 *
 * Keyed hashes are SipHash-2-4 under the hub's key (HUB/suppress.key, 32
 * random bytes, mode 0600, made on first use: two 128-bit SipHash keys, so
 * 128 bits of output) over "kind:value": without the key, a suppression
 * entry does not confirm a guessed URL or text. SipHash, a keyed PRF, is
 * cheap enough to hash every word window of every ingested text when text
 * selectors are on the list.
 * Normal forms:
 *   url, url-prefix  as given (URLs are compared byte for byte)
 *   domain           lower case
 *   content          the 32-byte content hash
 *   text             words (whitespace-separated, ASCII lower-cased, with
 *                    leading and trailing punctuation stripped) joined by
 *                    one space: "Jane.Doe@Example.org," -> "jane.doe@example.org"
 * A url-prefix matches at the URL's '/' boundaries and at its end, so a
 * later ingest checks a handful of prefixes per URL; a text selector of N
 * words (at most GR_TEXT_SELECTOR_MAX_WORDS) matches any N consecutive words
 * of a text in normal form.
 */
#ifndef GR_GOVERN_CONSENT_H
#define GR_GOVERN_CONSENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

#define GR_GOVERN_KEY_FILE "suppress.key"
#define GR_KEYED_LEN 16
#define GR_TEXT_SELECTOR_MAX_WORDS 16
#define GR_TEXT_SELECTOR_MAX_BYTES 1024

/* Reads HUB/suppress.key, making it when missing. */
int gr_govern_key(const char *hub_dir, uint8_t key[GR_HASH_LEN]);

/* The keyed hash of kind ":" value[0..n). */
void gr_govern_keyed(const uint8_t key[GR_HASH_LEN], const char *kind, const void *value, size_t n,
		     uint8_t out[GR_KEYED_LEN]);
/* SipHash-2-4 (64-bit output) of data under a 16-byte key: for tests. */
uint64_t gr_siphash24(const uint8_t k[16], const void *data, size_t n);

/* The normal form of a text selector into out; *words its word count.
 * GR_EINVAL for no words, GR_ELIMIT past the limits above. */
int gr_govern_text_norm(const char *text, gr_buf *out, int *words);

/* The suppression list in memory, for an ingest. */
typedef struct gr_suppress gr_suppress;
int gr_suppress_new(gr_suppress **out, const uint8_t key[GR_HASH_LEN]);
void gr_suppress_free(gr_suppress *s);
/* Adds an entry (kind: content, url, url-prefix, domain, text). */
int gr_suppress_add(gr_suppress *s, const uint8_t keyed[GR_KEYED_LEN], const char *kind, int words);
size_t gr_suppress_count(const gr_suppress *s);
/* Whether a record matches an entry; *why names the kind. text may be NULL
 * (then text entries are not checked). Thread-safe once filled. */
bool gr_suppress_match(const gr_suppress *s, const uint8_t content[GR_HASH_LEN], const char *url, size_t url_len,
		       const char *text, size_t text_len, const char **why);

#endif
