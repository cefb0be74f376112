/*
 * scan/pii — the engine: the Vectorscan database and scratch, the scan
 * loop, overlap resolution, counts and redaction. The rules themselves are
 * in rules.c. Vectorscan is used by this module only; its errors become
 * gr_err codes here.
 *
 * Invariants:
 *  1. A gr_pii_db is never written after gr_pii_db_new returns, so it may be
 *     shared; all per-scan state (Vectorscan scratch, candidates) lives in
 *     the gr_pii_scanner.
 *  2. After gr_pii_scan returns 0 the scanner's span array is sorted by
 *     start, its spans do not overlap, and each lies inside the text.
 *  3. Overlaps are resolved by precedence, then length (below), in one
 *     sweep: linear after the sort.
 *
 * Precedence when candidates overlap (the better one is kept, the other
 * dropped): SECRET > EMAIL > IBAN > CREDIT_CARD > US_SSN > IP_ADDRESS >
 * PHONE, i.e. the more specific validation wins (a token or an e-mail
 * address that contains digits is not also a phone number; an IBAN is not
 * also a card number); between candidates of the same type the longer wins
 * (::ffff:192.0.2.1 over the IPv4 inside it). The sweep compares each
 * candidate with the last one kept only, so a candidate dropped for one
 * that is later replaced stays dropped.
 */
#include <hs/hs.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "scan/pii_int.h"

struct gr_pii_db {
	hs_database_t *hs;
};

struct gr_pii_scanner {
	const gr_pii_db *db;
	hs_scratch_t *scratch;
	gr_pii_span *c; /* candidates, then the resolved spans */
	size_t cap;
};

static const char *const type_names[GR_PII_NTYPES] = {
	[GR_PII_EMAIL] = "EMAIL",   [GR_PII_PHONE] = "PHONE",   [GR_PII_IP_ADDRESS] = "IP_ADDRESS",
	[GR_PII_CREDIT_CARD] = "CREDIT_CARD", [GR_PII_IBAN] = "IBAN", [GR_PII_US_SSN] = "US_SSN",
	[GR_PII_SECRET] = "SECRET",
};

/* lower is better */
static const uint8_t rank[GR_PII_NTYPES] = {
	[GR_PII_SECRET] = 0, [GR_PII_EMAIL] = 1,  [GR_PII_IBAN] = 2,  [GR_PII_CREDIT_CARD] = 3,
	[GR_PII_US_SSN] = 4, [GR_PII_IP_ADDRESS] = 5, [GR_PII_PHONE] = 6,
};

const char *gr_pii_type_name(gr_pii_type t)
{
	return (unsigned)t < GR_PII_NTYPES ? type_names[t] : "?";
}

int gr_pii_type_parse(const char *name, gr_pii_type *out)
{
	for (int t = 0; t < GR_PII_NTYPES; t++) {
		if (strcasecmp(name, type_names[t]) == 0) {
			*out = (gr_pii_type)t;
			return 0;
		}
	}
	return gr_error_set(GR_EINVAL, "unknown PII type '%s'", name);
}

static int hs_fail(hs_error_t e, const char *what)
{
	if (e == HS_NOMEM)
		return gr_error_set(GR_ENOMEM, "%s: out of memory", what);
	if (e == HS_ARCH_ERROR)
		return gr_error_set(GR_ERROR, "%s: this CPU lacks what Vectorscan needs (SSSE3)", what);
	return gr_error_set(GR_ERROR, "%s: Vectorscan error %d", what, (int)e);
}

int gr_pii_db_new(gr_pii_db **out)
{
	const char *exprs[R_NRULES];
	unsigned flags[R_NRULES], ids[R_NRULES];
	hs_compile_error_t *cerr = NULL;
	hs_database_t *hs = NULL;
	hs_error_t e = hs_valid_platform();
	if (e != HS_SUCCESS)
		return hs_fail(e, "PII patterns");
	for (unsigned r = 0; r < R_NRULES; r++) {
		exprs[r] = pii_patterns[r].re;
		flags[r] = pii_patterns[r].flags;
		ids[r] = r;
	}
	e = hs_compile_multi(exprs, flags, ids, R_NRULES, HS_MODE_BLOCK, NULL, &hs, &cerr);
	if (e != HS_SUCCESS) {
		int rc = cerr ? gr_error_set(GR_ERROR, "PII pattern %d: %s", cerr->expression, cerr->message)
			      : hs_fail(e, "PII patterns");
		hs_free_compile_error(cerr);
		return rc;
	}
	gr_pii_db *db = gr_malloc(sizeof *db);
	if (!db) {
		hs_free_database(hs);
		return GR_ENOMEM;
	}
	db->hs = hs;
	*out = db;
	return 0;
}

void gr_pii_db_free(gr_pii_db *db)
{
	if (!db)
		return;
	hs_free_database(db->hs);
	free(db);
}

int gr_pii_scanner_new(gr_pii_scanner **out, const gr_pii_db *db)
{
	gr_pii_scanner *s = gr_malloc(sizeof *s);
	if (!s)
		return GR_ENOMEM;
	memset(s, 0, sizeof *s);
	s->db = db;
	hs_error_t e = hs_alloc_scratch(db->hs, &s->scratch);
	if (e != HS_SUCCESS) {
		free(s);
		return hs_fail(e, "PII scratch");
	}
	*out = s;
	return 0;
}

void gr_pii_scanner_free(gr_pii_scanner *s)
{
	if (!s)
		return;
	hs_free_scratch(s->scratch);
	free(s->c);
	free(s);
}

bool pii_emit(struct pii_ctx *x, gr_pii_type type, size_t start, size_t end, bool global)
{
	if (x->rc)
		return false;
	if (x->nc == GR_PII_MAX_CANDIDATES) {
		x->rc = gr_error_set(GR_ELIMIT, "more than %zu PII candidates in one text", GR_PII_MAX_CANDIDATES);
		return false;
	}
	if (gr_array_reserve(&x->c, &x->cap, x->nc, sizeof *x->c)) {
		x->rc = GR_ENOMEM;
		return false;
	}
	x->c[x->nc++] = (gr_pii_span){type, (uint32_t)start, (uint32_t)end, global};
	return true;
}

static int on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
		    void *ctx)
{
	(void)from;
	(void)flags;
	struct pii_ctx *x = ctx;
	pii_rule_run(x, id, (size_t)to);
	return x->rc != 0;
}

static int cmp_span(const void *pa, const void *pb)
{
	const gr_pii_span *a = pa, *b = pb;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	if (rank[a->type] != rank[b->type])
		return rank[a->type] < rank[b->type] ? -1 : 1;
	if (a->end != b->end)
		return a->end > b->end ? -1 : 1;
	return 0;
}

static bool better(const gr_pii_span *a, const gr_pii_span *b)
{
	if (rank[a->type] != rank[b->type])
		return rank[a->type] < rank[b->type];
	return a->end - a->start > b->end - b->start;
}

/* Sorts c[0..n) and drops overlaps in place; the number kept. */
static size_t resolve(gr_pii_span *c, size_t n)
{
	bool sorted = true;
	for (size_t i = 1; i < n && sorted; i++)
		sorted = cmp_span(&c[i - 1], &c[i]) <= 0;
	if (!sorted)
		qsort(c, n, sizeof *c, cmp_span);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k > 0 && c[i].start < c[k - 1].end) {
			if (better(&c[i], &c[k - 1]))
				c[k - 1] = c[i];
		} else {
			c[k++] = c[i];
		}
	}
	return k;
}

void gr_pii_count(const gr_pii_span *spans, size_t n, uint32_t mask, uint32_t counts[GR_PII_NTYPES])
{
	memset(counts, 0, GR_PII_NTYPES * sizeof counts[0]);
	for (size_t i = 0; i < n; i++) {
		const gr_pii_span *s = &spans[i];
		if ((unsigned)s->type >= GR_PII_NTYPES || !(mask & GR_PII_MASK(s->type)))
			continue;
		if (!s->global && !(mask & GR_PII_NONGLOBAL_IPS))
			continue;
		counts[s->type]++;
	}
}

int gr_pii_scan(gr_pii_scanner *s, const char *text, size_t n, const gr_pii_span **spans, size_t *nspans,
		uint32_t counts[GR_PII_NTYPES])
{
	if (n > GR_PII_MAX_TEXT)
		return gr_error_set(GR_ELIMIT, "text of %zu bytes is longer than the PII scanner's limit (%zu)", n,
				    GR_PII_MAX_TEXT);
	struct pii_ctx x;
	memset(&x, 0, sizeof x);
	x.t = (const unsigned char *)text;
	x.n = n;
	x.c = s->c;
	x.cap = s->cap;
	if (n > 0) {
		hs_error_t e = hs_scan(s->db->hs, text, (unsigned int)n, 0, s->scratch, on_match, &x);
		s->c = x.c;
		s->cap = x.cap;
		if (e == HS_SCAN_TERMINATED && x.rc)
			return x.rc;
		if (e != HS_SUCCESS)
			return hs_fail(e, "PII scan");
	}
	size_t k = resolve(s->c, x.nc);
	*spans = s->c;
	*nspans = k;
	if (counts)
		gr_pii_count(s->c, k, GR_PII_ALL_TYPES, counts);
	return 0;
}

int gr_pii_redact(const char *text, size_t n, const gr_pii_span *spans, size_t nspans, uint32_t mask,
		  gr_buf *out)
{
	size_t prev = 0;
	for (size_t i = 0; i < nspans; i++) {
		const gr_pii_span *sp = &spans[i];
		if (sp->start < prev || sp->start >= sp->end || sp->end > n || (unsigned)sp->type >= GR_PII_NTYPES)
			return gr_error_set(GR_EINVAL, "PII span %zu [%u, %u) is out of order or outside the text", i,
					    sp->start, sp->end);
		prev = sp->end;
	}
	size_t old = out->len, pos = 0;
	int rc = 0;
	for (size_t i = 0; i < nspans && !rc; i++) {
		const gr_pii_span *sp = &spans[i];
		if (!(mask & GR_PII_MASK(sp->type)) || (!sp->global && !(mask & GR_PII_NONGLOBAL_IPS)))
			continue;
		if (sp->start > pos)
			rc = gr_buf_put(out, text + pos, sp->start - pos);
		if (!rc)
			rc = gr_buf_printf(out, "<%s>", type_names[sp->type]);
		pos = sp->end;
	}
	if (!rc && n > pos)
		rc = gr_buf_put(out, text + pos, n - pos);
	if (rc && out->ptr) {
		out->len = old;
		out->ptr[old] = '\0';
	}
	return rc;
}

int gr_pii_mask_parse(const char *list, uint32_t *mask)
{
	if (!list || !*list || strcasecmp(list, "all") == 0) {
		*mask = GR_PII_ALL_TYPES;
		return 0;
	}
	uint32_t m = 0;
	const char *p = list;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char name[32];
		gr_pii_type t = GR_PII_EMAIL;
		if (n == 0 || n >= sizeof name)
			return gr_error_set(GR_EINVAL, "'%s' is not a list of PII types", list);
		memcpy(name, p, n);
		name[n] = '\0';
		if (gr_pii_type_parse(name, &t))
			return gr_error_set(GR_EINVAL,
					    "unknown PII type '%s' (EMAIL, PHONE, IP_ADDRESS, CREDIT_CARD, IBAN, US_SSN, "
					    "SECRET, or all)",
					    name);
		m |= GR_PII_MASK(t);
		p += n + (e ? 1 : 0);
	}
	*mask = m;
	return 0;
}
