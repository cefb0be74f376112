/*
 * scan/pii internals shared by the engine (pii.c: database, scanner,
 * overlap resolution, counting, redaction) and the rules (rules.c: one
 * Vectorscan pattern and one C validator per rule).
 */
#ifndef GR_SCAN_PII_INT_H
#define GR_SCAN_PII_INT_H

#include "scan/pii.h"

/* One Vectorscan pattern per rule; the pattern id is the rule. */
enum pii_rule {
	R_EMAIL,
	R_PHONE_INTL,
	R_PHONE_INTL00,
	R_PHONE_PAREN,
	R_PHONE_NANP,
	R_PHONE_TRUNK,
	R_SSN,
	R_SSN_KEYWORD,
	R_CARD_RUN,
	R_CARD_GROUPS,
	R_IBAN,
	R_IPV4,
	R_IPV6,
	R_AWS,
	R_PEM,
	R_GITHUB,
	R_GITLAB,
	R_SLACK,
	R_GOOGLE,
	R_STRIPE,
	R_JWT,
	R_NRULES
};

struct pii_pattern {
	const char *re;
	unsigned flags; /* HS_FLAG_* */
};
extern const struct pii_pattern pii_patterns[R_NRULES];

/*
 * The state of one scan, passed to the match callback. Candidates are
 * appended to c[0..nc) (the scanner's array, grown as needed).
 * seen_lo/seen_hi: per rule, the region (lo, hi] that rule last examined; a
 * later match of the same rule that ends inside it would examine the same
 * bytes again and is skipped. That is what keeps the validators linear:
 * a long digit or dotted run is walked once, not once per match end.
 */
struct pii_ctx {
	const unsigned char *t;
	size_t n;
	gr_pii_span *c;
	size_t nc, cap;
	int rc; /* first error (GR_ELIMIT, GR_ENOMEM): stops the scan */
	uint32_t seen_lo[R_NRULES], seen_hi[R_NRULES];
};

/* Runs rule r's validator for a match ending at byte `to`. */
void pii_rule_run(struct pii_ctx *x, unsigned r, size_t to);

/* Appends a candidate; false (x->rc set) when it cannot. */
bool pii_emit(struct pii_ctx *x, gr_pii_type type, size_t start, size_t end, bool global);

#endif
